// The VS Code extension: starts `infra lsp` (the path is the `infra.path`
// setting) and connects it to .infra and .infravars files through
// vscode-languageclient. Highlighting comes from the TextMate grammar.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function start() {
  const command = vscode.workspace.getConfiguration("infra").get("path") || "infra";
  const serverOptions = {
    run: { command, args: ["lsp"], transport: TransportKind.stdio },
    debug: { command, args: ["lsp"], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "infra" },
      { scheme: "untitled", language: "infra" },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{infra,infravars}"),
    },
  };
  client = new LanguageClient("infra", "infra lsp", serverOptions, clientOptions);
  return client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("infra.path") && client) {
        await client.stop();
        await start();
      }
    })
  );
  await start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
