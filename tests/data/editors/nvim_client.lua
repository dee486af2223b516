-- Drives `infra lsp` from Neovim's built-in LSP client (0.7 and later),
-- headless, as docs/editors.md sets it up: opens main.infra in the
-- current directory, waits for the server's diagnostics, asks for hover,
-- completion and formatting, and writes what the client got to $OUT as
-- JSON. Run: INFRA_BIN=... OUT=... nvim --headless -u NONE -c "luafile THIS".
local infra = os.getenv("INFRA_BIN")
local out = os.getenv("OUT")
local result = { diagnostics = {}, errors = {} }

local function finish()
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  local client_id = vim.lsp.start_client({
    name = "infra",
    cmd = { infra, "lsp" },
    root_dir = vim.fn.getcwd(),
  })
  vim.cmd("edit main.infra")
  vim.bo.filetype = "infra"
  vim.lsp.buf_attach_client(0, client_id)
  vim.wait(20000, function()
    return #vim.diagnostic.get(0) > 0
  end, 50)
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(result.diagnostics, { code = d.code, line = d.lnum, message = d.message })
  end
  -- Hover on `upper` (line 6, column 14, 0-based).
  local hover = vim.lsp.buf_request_sync(0, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = { line = 6, character = 14 },
  }, 10000)
  for _, r in pairs(hover or {}) do
    if r.result then
      result.hover = r.result.contents.value
    end
  end
  -- Completion inside the resource block (line 5 is `  filename = ...`).
  local completion = vim.lsp.buf_request_sync(0, "textDocument/completion", {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = { line = 7, character = 2 },
  }, 10000)
  result.completion = {}
  for _, r in pairs(completion or {}) do
    local items = r.result and (r.result.items or r.result) or {}
    for _, item in ipairs(items) do
      table.insert(result.completion, item.label)
    end
  end
  local formatting = vim.lsp.buf_request_sync(0, "textDocument/formatting", {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    options = { tabSize = 2, insertSpaces = true },
  }, 10000)
  for _, r in pairs(formatting or {}) do
    if r.result and r.result[1] then
      result.formatted = r.result[1].newText
    end
  end
end)
if not ok then
  table.insert(result.errors, tostring(err))
end
finish()
