//! `infra lsp` end to end: the real binary spawned as a language server,
//! driven over its standard input and output by a small JSON-RPC client
//! (below), as an editor drives it.

use crate::support::{assert_contains, infra, infra_bin};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// How long any answer may take before the test fails (the debounce is
/// 50 ms; this only bounds a hang).
const PATIENCE: Duration = Duration::from_secs(60);

/// An LSP client talking to `infra lsp`.
pub(crate) struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    notes: Vec<Value>,
}

impl Client {
    /// Starts `infra lsp` and initializes it with `root` as workspace.
    pub(crate) fn start(root: &Path, env: &[(&str, &str)]) -> Client {
        let mut cmd = infra_bin();
        cmd.arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start infra lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let value: Value = serde_json::from_slice(&body).expect("JSON body");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            notes: Vec::new(),
        };
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
        );
        assert_eq!(
            init["result"]["capabilities"]["positionEncoding"], "utf-16",
            "{init}"
        );
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    pub(crate) fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .incoming
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to {method}"));
            if m["id"] == json!(id) {
                return m;
            }
            self.notes.push(m);
        }
    }

    /// The result of a request that must succeed.
    pub(crate) fn ok(&mut self, method: &str, params: Value) -> Value {
        let r = self.request(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// Waits for diagnostics of `file` that satisfy `done`; returns them.
    pub(crate) fn diagnostics(&mut self, file: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == file
                && done(&m["params"])
        };
        loop {
            if let Some(i) = self.notes.iter().position(matches) {
                return self.notes.remove(i)["params"].clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self.incoming.recv_timeout(left).unwrap_or_else(|_| {
                panic!("no matching diagnostics for {file}; got {:#?}", self.notes)
            });
            self.notes.push(m);
        }
    }

    pub(crate) fn open(&mut self, file: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": file, "languageId": "infra", "version": 1, "text": text}}),
        );
    }

    pub(crate) fn change(&mut self, file: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": file, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// `shutdown` then `exit`: the server must end with status 0.
    pub(crate) fn shutdown(mut self) {
        let r = self.ok("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "infra lsp exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "infra lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

pub(crate) fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

pub(crate) fn at(file: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": file}, "position": pos(line, character)})
}

/// The (code, message) pairs of LSP diagnostics: the message's first line.
fn codes(diags: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = diags["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let message = d["message"].as_str().unwrap_or("");
            let first = message.lines().next().unwrap_or("").to_string();
            (d["code"].as_str().unwrap_or("").to_string(), first)
        })
        .collect();
    out.sort();
    out
}

const MAIN: &str = r#"output "greeting" {
  value = "hello ${var.name}"
}

resource "local_file" "note" {
  filename = "out/${var.name}.txt"
  content  = upper(var.name)
}
"#;

const VARS: &str = "variable \"name\" {\n  type    = string\n  default = \"world\"\n}\n";

#[test]
fn lsp_diagnostics_are_validates_and_follow_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.infra"), MAIN).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let vars = uri(&dir.path().join("vars.infra"));
    let mut c = Client::start(dir.path(), &[]);

    // Only main.infra: var.name is undeclared, as `infra validate` says.
    c.open(&main, MAIN);
    let first = c.diagnostics(&main, |p| {
        p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    assert_eq!(first["version"], 1);
    let validate = infra(&[
        "--chdir",
        &dir.path().display().to_string(),
        "validate",
        "--json",
    ]);
    let expected: Value = serde_json::from_str(&validate.stdout).expect("validate --json");
    let mut wanted: Vec<(String, String)> = expected
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").into(),
                d["message"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    wanted.sort();
    assert!(!wanted.is_empty());
    assert_eq!(codes(&first), wanted);
    // The position is the first reference's, 0-based.
    assert_eq!(
        first["diagnostics"][0]["range"]["start"],
        pos(1, 19),
        "{first}"
    );

    // A second file, open but never saved, declares the variable.
    c.open(&vars, VARS);
    let fixed = c.diagnostics(&main, |p| {
        p["diagnostics"].as_array().is_some_and(Vec::is_empty)
    });
    assert_eq!(fixed["version"], 1);

    // Typing a syntax error, then a reference error: each version's own.
    c.change(&main, 2, "output \"x\" {\n  value = \n}\n");
    let syntax = c.diagnostics(&main, |p| p["version"] == 2);
    assert!(
        codes(&syntax)
            .iter()
            .all(|(code, _)| code.starts_with("syntax::")),
        "{syntax}"
    );
    assert!(!codes(&syntax).is_empty());
    c.change(&main, 3, "output \"x\" {\n  value = local.nope\n}\n");
    c.change(&main, 4, "output \"x\" {\n  value = local.nope2\n}\n");
    let newest = c.diagnostics(&main, |p| p["version"] == 4);
    assert_eq!(codes(&newest).len(), 1, "{newest}");
    assert!(codes(&newest)[0].1.contains("nope2"), "{newest}");
    c.shutdown();
}

#[test]
fn lsp_completes_hovers_and_jumps() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("vars.infra"), VARS).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let vars = uri(&dir.path().join("vars.infra"));
    let mut c = Client::start(dir.path(), &[]);
    c.open(&main, MAIN);

    // Inside the resource block, on a new line: its schema's arguments,
    // required first, those already set left out.
    let typing = MAIN.replace(
        "  content  = upper(var.name)\n",
        "  content  = upper(var.name)\n  \n",
    );
    c.change(&main, 2, &typing);
    let items = c.ok("textDocument/completion", at(&main, 7, 2));
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"file_permission"), "{labels:?}");
    assert!(labels.contains(&"count"), "{labels:?}");
    assert!(!labels.contains(&"filename"), "already set: {labels:?}");
    assert!(!labels.contains(&"id"), "computed only: {labels:?}");

    // A fresh resource block: `filename` (required) sorts first.
    let fresh = format!("{MAIN}\nresource \"local_file\" \"other\" {{\n  \n}}\n");
    c.change(&main, 3, &fresh);
    let line = fresh.lines().count() as u32 - 2;
    let items = c.ok("textDocument/completion", at(&main, line, 2));
    let mut items = items.as_array().expect("items").clone();
    items.sort_by_key(|i| {
        i["sortText"]
            .as_str()
            .or(i["label"].as_str())
            .unwrap_or("")
            .to_string()
    });
    assert_eq!(items[0]["label"], "filename", "{items:#?}");
    assert!(items[0]["detail"].as_str().unwrap_or("").contains("string"));

    // `var.` completes the variables of every file of the module.
    let expr = fresh.replace("  \n}", "  content = var.\n}");
    c.change(&main, 4, &expr);
    let items = c.ok("textDocument/completion", at(&main, line, 16));
    assert_eq!(items[0]["label"], "name", "{items}");
    // Resource types in a block's first label.
    let items = c.ok("textDocument/completion", at(&main, 4, 10));
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"random_id"), "{labels:?}");
    // Functions with a parameter snippet.
    let items = c.ok("textDocument/completion", at(&main, 6, 13));
    let upper = items
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["label"] == "upper")
        .cloned()
        .expect("upper");
    assert_eq!(upper["insertText"], "upper(${1:str})", "{upper}");
    c.change(&main, 5, MAIN);

    // Hover: a function, a schema attribute, a variable.
    let h = c.ok("textDocument/hover", at(&main, 6, 14));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("upper("),
        "{h}"
    );
    let h = c.ok("textDocument/hover", at(&main, 5, 4));
    let text = h["contents"]["value"].as_str().unwrap_or("").to_string();
    assert!(
        text.contains("filename: string") && text.contains("required"),
        "{text}"
    );
    let h = c.ok("textDocument/hover", at(&main, 1, 24));
    let text = h["contents"]["value"].as_str().unwrap_or("").to_string();
    assert!(
        text.contains("var.name") && text.contains("\"world\""),
        "{text}"
    );

    // Definition in the other (closed) file; references across both.
    let d = c.ok("textDocument/definition", at(&main, 1, 24));
    assert_eq!(d[0]["uri"], vars, "{d}");
    assert_eq!(d[0]["range"]["start"], pos(0, 10), "{d}");
    let r = c.ok(
        "textDocument/references",
        json!({"textDocument": {"uri": main}, "position": pos(1, 24), "context": {"includeDeclaration": true}}),
    );
    assert_eq!(r.as_array().map(Vec::len), Some(4), "{r}");

    // Symbols.
    let s = c.ok(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": main}}),
    );
    let names: Vec<&str> = s
        .as_array()
        .expect("symbols")
        .iter()
        .filter_map(|x| x["name"].as_str())
        .collect();
    assert_eq!(names, ["output \"greeting\"", "local_file.note"]);
    let w = c.ok("workspace/symbol", json!({"query": "name"}));
    assert!(
        w.as_array()
            .expect("symbols")
            .iter()
            .any(|x| x["name"] == "var.name"),
        "{w}"
    );
    let f = c.ok(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": main}}),
    );
    assert_eq!(f[0]["startLine"], 0);
    // Semantic tokens: `output` is a keyword (index 0 of the legend) at 0:0,
    // then the label `"greeting"` a type (1), five columns on.
    let t = c.ok(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": main}}),
    );
    let data: Vec<u64> = t["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(data[..10], [0, 0, 6, 0, 0, 0, 7, 10, 1, 0], "{t}");
    // Range: only the tokens of lines 4-6 (the resource block), the
    // first relative to the start of the document.
    let r = c.ok(
        "textDocument/semanticTokens/range",
        json!({"textDocument": {"uri": main}, "range": {"start": pos(4, 0), "end": pos(6, 0)}}),
    );
    let data: Vec<u64> = r["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(data[..5], [4, 0, 8, 0, 0], "{r}");
    assert!(data.len() < t["data"].as_array().map_or(0, Vec::len), "{r}");
    // A file with a syntax error still gets its strings, numbers and
    // comments coloured.
    c.change(&main, 9, "# a comment\nresource \"x\" {{{\n  n = 42\n");
    let broken = c.ok(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": main}}),
    );
    let data: Vec<u64> = broken["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(data[..5], [0, 0, 11, 7, 0], "{broken}");
    assert!(data.chunks(5).any(|t| t[3] == 6), "no number: {broken}");
    c.shutdown();
}

#[test]
fn lsp_positions_count_utf16_units() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("vars.infra"), VARS).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let text = "output \"x\" {\n  value = \"é😀${var.name}\"\n}\n";
    let mut c = Client::start(dir.path(), &[]);
    c.open(&main, text);
    // `name` starts at UTF-16 column 20 ("é" is 1 unit, "😀" 2; 21 bytes in).
    let r = c.ok(
        "textDocument/references",
        json!({"textDocument": {"uri": main}, "position": pos(1, 21), "context": {"includeDeclaration": false}}),
    );
    assert_eq!(r[0]["range"]["start"], pos(1, 20), "{r}");
    assert_eq!(r[0]["range"]["end"], pos(1, 24), "{r}");
    c.shutdown();
}

#[test]
fn lsp_rename_resource_writes_moved_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("vars.infra"), VARS).expect("write");
    let outputs = "output \"path\" {\n  value = local_file.note.filename\n}\n";
    std::fs::write(dir.path().join("outputs.infra"), outputs).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let other = uri(&dir.path().join("outputs.infra"));
    let mut c = Client::start(dir.path(), &[]);
    c.open(&main, MAIN);

    let p = c.ok("textDocument/prepareRename", at(&main, 4, 25));
    assert_eq!(p["start"], pos(4, 23), "{p}");
    let edit = c.ok(
        "textDocument/rename",
        json!({"textDocument": {"uri": main}, "position": pos(4, 25), "newName": "readme"}),
    );
    let changes = &edit["changes"];
    let main_edits = changes[&main].as_array().expect("edits in main.infra");
    assert!(
        main_edits.iter().any(|e| e["newText"] == "readme"),
        "{edit}"
    );
    let moved = main_edits
        .iter()
        .find(|e| e["newText"].as_str().is_some_and(|t| t.contains("moved")))
        .expect("a moved block");
    assert_eq!(
        moved["newText"],
        "\nmoved {\n  from = local_file.note\n  to   = local_file.readme\n}\n"
    );
    assert_eq!(changes[&other][0]["newText"], "readme", "{edit}");
    assert_eq!(changes[&other][0]["range"]["start"], pos(1, 21), "{edit}");

    // Applied, the module is valid and formatted as `infra fmt` wants.
    let renamed = format!(
        "{}{}",
        MAIN.replace("\"note\"", "\"readme\""),
        moved["newText"].as_str().unwrap_or("")
    );
    std::fs::write(dir.path().join("main.infra"), &renamed).expect("write");
    std::fs::write(
        dir.path().join("outputs.infra"),
        outputs.replace(".note.", ".readme."),
    )
    .expect("write");
    let d = dir.path().display().to_string();
    let v = infra(&["--chdir", &d, "validate"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    let f = infra(&["--chdir", &d, "fmt", "--check"]);
    assert_eq!(f.code, 0, "{}", f.stdout);

    // A variable: no moved block; a bad name is refused.
    let edit = c.ok(
        "textDocument/rename",
        json!({"textDocument": {"uri": main}, "position": pos(1, 24), "newName": "who"}),
    );
    let all = edit["changes"].to_string();
    assert!(!all.contains("moved") && all.contains("who"), "{all}");
    let bad = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": main}, "position": pos(1, 24), "newName": "1 x"}),
    );
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("not a valid name"),
        "{bad}"
    );
    c.shutdown();
}

#[test]
fn lsp_formatting_is_infra_fmt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let messy =
        "resource \"local_file\"   note {\nfilename=\"a\"\n  content =  \"${upper(\"x\")}\"\n}\n";
    std::fs::write(dir.path().join("main.infra"), messy).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let mut c = Client::start(dir.path(), &[]);
    c.open(&main, messy);
    let edits = c.ok(
        "textDocument/formatting",
        json!({"textDocument": {"uri": main}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().expect("one edit").to_string();
    assert_eq!(edits[0]["range"]["start"], pos(0, 0));
    let d = dir.path().display().to_string();
    assert_eq!(infra(&["--chdir", &d, "fmt"]).code, 0);
    let on_disk = std::fs::read_to_string(dir.path().join("main.infra")).expect("read");
    assert_eq!(formatted, on_disk);
    // Formatted already: nothing to do.
    c.change(&main, 2, &on_disk);
    let edits = c.ok(
        "textDocument/formatting",
        json!({"textDocument": {"uri": main}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]));
    c.shutdown();
}

#[test]
fn lsp_survives_garbage_and_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let main = uri(&dir.path().join("main.infra"));
    let mut c = Client::start(dir.path(), &[("INFRA_LSP_TEST_PANIC", "1")]);
    let garbage = [
        "resource \"local_file\" {{{{ ]]] \"${\n%{ for }\n<<EOF\n",
        "\u{0}\u{feff}é😀 = = = {",
        &"[".repeat(5000),
        "resource \"local_file\" \"x\" {\n  filename = var.\n",
        "",
    ];
    for (i, text) in garbage.iter().enumerate() {
        let version = i as i32 + 2;
        if i == 0 {
            c.open(&main, text);
        } else {
            c.change(&main, version, text);
        }
        for line in 0..3 {
            for character in [0, 5, 30] {
                for method in [
                    "textDocument/completion",
                    "textDocument/hover",
                    "textDocument/definition",
                    "textDocument/prepareRename",
                ] {
                    let r = c.request(method, at(&main, line, character));
                    assert!(r.get("error").is_none(), "{method} on {text:?}: {r}");
                }
            }
        }
        for method in [
            "textDocument/formatting",
            "textDocument/documentSymbol",
            "textDocument/foldingRange",
        ] {
            let r = c.request(method, json!({"textDocument": {"uri": main}, "options": {"tabSize": 2, "insertSpaces": true}}));
            assert!(r.get("error").is_none(), "{method} on {text:?}: {r}");
        }
    }
    // A panic in a request answers it with an error; the server goes on.
    let r = c.request("infra/testPanic", Value::Null);
    assert_eq!(r["error"]["code"], -32603, "{r}");
    c.change(&main, 99, MAIN);
    let h = c.ok("textDocument/hover", at(&main, 6, 14));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("upper("),
        "{h}"
    );
    c.shutdown();
}

/// Applies LSP text edits (non-overlapping, any order) to `text`, counting
/// positions as UTF-16 units (the texts here are ASCII).
pub(crate) fn apply_edits(text: &str, edits: &Value) -> String {
    let offset = |p: &Value| -> usize {
        let line = p["line"].as_u64().unwrap_or(0) as usize;
        let character = p["character"].as_u64().unwrap_or(0) as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (s, e, t) in edits {
        out.replace_range(s..e, &t);
    }
    out
}

#[test]
fn lsp_signature_help_inlay_hints_range_formatting_and_quick_fixes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "variable \"name\" {\n  type = string\n}\n\nresource \"random_id\" \"a\" {\n  byte_length = 4\n}\n\nresource \"local_file\" \"note\" {\n  filenam = \"out/${var.name}.txt\"\n  content  = join(\"-\", [random_id.a.hex, var.nmae])\n}\n\noutput   \"x\"   {\nvalue=random_id.a.hex\n}\n\noutput   \"y\"   {\nvalue=1\n}\n";
    std::fs::write(dir.path().join("main.infra"), text).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let mut c = Client::start(dir.path(), &[]);
    c.open(&main, text);

    // Signature help inside `join("-", [` — the second parameter.
    let line = 10;
    let col = text.lines().nth(line).expect("line").find('[').expect("[") as u32 + 1;
    let help = c.ok("textDocument/signatureHelp", at(&main, line as u32, col));
    assert_eq!(help["signatures"][0]["label"], "join(separator, lists...)");
    assert_eq!(help["activeParameter"], 1);
    let outside = c.ok("textDocument/signatureHelp", at(&main, 5, 3));
    assert_eq!(outside, Value::Null);

    // Inlay hints: the variable's type, the computed `hex`, the call's type.
    let hints = c.ok(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": main}, "range": {"start": pos(0, 0), "end": pos(30, 0)}}),
    );
    let labels: Vec<(u64, String)> = hints
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["position"]["line"].as_u64().unwrap_or(0),
                h["label"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            (9, ": string".to_string()),
            (10, " (known after apply)".to_string()),
            // `join(...)`'s result type.
            (10, ": string".to_string()),
            (14, " (known after apply)".to_string()),
        ],
        "{hints}"
    );

    // Range formatting: only output "x" (lines 13-15) is formatted, as
    // `infra fmt` formats it; output "y" is left alone.
    let edits = c.ok(
        "textDocument/rangeFormatting",
        json!({"textDocument": {"uri": main}, "range": {"start": pos(13, 0), "end": pos(15, 1)},
               "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let partly = apply_edits(text, &edits);
    assert_contains(&partly, "output \"x\" {\n  value = random_id.a.hex\n}\n");
    assert_contains(&partly, "output   \"y\"   {\nvalue=1\n}\n");

    // Quick fixes for the diagnostics the server published.
    let diags = c.diagnostics(&main, |p| {
        p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
    });
    let actions = c.ok(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main}, "range": {"start": pos(0, 0), "end": pos(20, 0)},
               "context": {"diagnostics": diags["diagnostics"]}}),
    );
    let mut fixed = text.to_string();
    let mut titles = Vec::new();
    for a in actions.as_array().into_iter().flatten() {
        titles.push(a["title"].as_str().unwrap_or("").to_string());
        assert_eq!(a["kind"], "quickfix");
        fixed = apply_edits(&fixed, &a["edit"]["changes"][&main]);
    }
    titles.sort();
    assert_eq!(titles, ["Change `var.nmae` to `var.name`"], "{actions}");
    assert_contains(&fixed, "[random_id.a.hex, var.name]");

    // With the reference fixed, the schema's errors: an unknown argument
    // (renamed) and the required one it hides (added).
    c.change(&main, 2, &fixed);
    let diags = c.diagnostics(&main, |p| {
        p["version"] == 2
            && p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "schema::unknown-attribute"))
    });
    let actions = c.ok(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main}, "range": {"start": pos(0, 0), "end": pos(20, 0)},
               "context": {"diagnostics": diags["diagnostics"]}}),
    );
    let by_title = |t: &str| -> Value {
        actions
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["title"] == t)
            .unwrap_or_else(|| panic!("no action {t}: {actions}"))
            .clone()
    };
    let renamed = apply_edits(
        &fixed,
        &by_title("Change `filenam` to `filename`")["edit"]["changes"][&main],
    );
    assert_contains(&renamed, "  filename = \"out/${var.name}.txt\"\n");
    let added = apply_edits(
        &fixed,
        &by_title("Add the required argument `filename`")["edit"]["changes"][&main],
    );
    assert_contains(
        &added,
        "resource \"local_file\" \"note\" {\n  filename = \"\"\n  filenam",
    );
    c.shutdown();
}

#[test]
fn lsp_checks_var_files_against_the_module_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let main = "variable \"port\" {\n  type = number\n}\nvariable \"token\" {\n  type      = number\n  sensitive = true\n}\nvariable \"region\" {\n  type = string\n}\n";
    std::fs::write(dir.path().join("main.infra"), main).expect("write");
    let vars_uri = uri(&dir.path().join("dev.infravars"));
    let mut c = Client::start(dir.path(), &[]);
    let text = "port   = \"eighty\"\ntoken  = \"s3cret-token\"\nregoin = \"eu-west-1\"\n";
    c.open(&vars_uri, text);
    let d = c.diagnostics(&vars_uri, |p| {
        p["diagnostics"].as_array().is_some_and(|d| d.len() == 3)
    });
    let found = codes(&d);
    assert_eq!(
        found,
        [
            (
                "input::type-mismatch".to_string(),
                "var.port: expected number, got string \"eighty\" (not a number)".to_string()
            ),
            (
                "input::type-mismatch".to_string(),
                "var.token: not a valid number (the variable is sensitive: its value is not shown)"
                    .to_string()
            ),
            (
                "input::undeclared".to_string(),
                "`regoin` is not a variable of this module".to_string()
            ),
        ],
        "{d}"
    );
    assert!(!d.to_string().contains("s3cret-token"), "{d}");
    assert_contains(&d.to_string(), "Did you mean `region`?");
    // Fixed: no diagnostics.
    c.change(
        &vars_uri,
        2,
        "port   = 80\ntoken  = 42\nregion = \"eu-west-1\"\n",
    );
    c.diagnostics(&vars_uri, |p| {
        p["version"] == 2 && p["diagnostics"].as_array().is_some_and(Vec::is_empty)
    });
    c.shutdown();
}

#[test]
fn lsp_completes_and_jumps_into_child_modules() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("net")).expect("mkdir");
    let child = "output \"vpc_id\" {\n  description = \"The VPC.\"\n  value       = \"vpc-1\"\n}\n\noutput \"subnets\" {\n  value = [\"a\", \"b\"]\n}\nvariable \"cidr\" {\n  type    = string\n  default = \"\"\n}\n";
    std::fs::write(dir.path().join("net/main.infra"), child).expect("write");
    let text = "module \"net\" {\n  source = \"./net\"\n}\n\noutput \"vpc\" {\n  value = module.net.vpc_id\n}\n";
    std::fs::write(dir.path().join("main.infra"), text).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let mut c = Client::start(dir.path(), &[]);
    c.open(&main, text);
    // Completion after `module.net.` lists the child's outputs.
    let typing = text.replace("module.net.vpc_id", "module.net.");
    c.change(&main, 2, &typing);
    let items = c.ok("textDocument/completion", at(&main, 5, 21));
    let list = items.get("items").unwrap_or(&items);
    let mut labels: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect();
    labels.sort();
    assert_eq!(labels, ["subnets", "vpc_id"], "{items}");
    // Definition of `vpc_id` opens the child's output block.
    c.change(&main, 3, text);
    let def = c.ok("textDocument/definition", at(&main, 5, 23));
    let def = if def.is_array() { def[0].clone() } else { def };
    assert_eq!(def["uri"], uri(&dir.path().join("net/main.infra")), "{def}");
    assert_eq!(def["range"]["start"], pos(0, 7));
    // An argument of the module block opens the child's variable.
    let with_arg = text.replace(
        "source = \"./net\"",
        "source = \"./net\"\n  cidr   = \"10.0.0.0/16\"",
    );
    c.change(&main, 4, &with_arg);
    let def = c.ok("textDocument/definition", at(&main, 2, 3));
    let def = if def.is_array() { def[0].clone() } else { def };
    assert_eq!(def["uri"], uri(&dir.path().join("net/main.infra")), "{def}");
    assert_eq!(def["range"]["start"], pos(8, 9), "{def}");
    c.shutdown();
}

/// Neovim's built-in LSP client (Debian's `neovim`, installed by `.ci/run`)
/// drives `infra lsp` headless with the script in
/// `tests/data/editors/nvim_client.lua`; without `nvim` the test says why
/// and passes.
#[test]
fn neovim_gets_diagnostics_hover_completion_and_formatting() {
    let Ok(version) = std::process::Command::new("nvim").arg("--version").output() else {
        eprintln!(
            "neovim_gets_diagnostics_hover_completion_and_formatting: skipped: no nvim on PATH"
        );
        return;
    };
    assert!(version.status.success());
    let result = run_editor_client(
        "nvim",
        |c, script| {
            c.args(["--headless", "-u", "NONE", "-c"])
                .arg(format!("luafile {}", script.display()));
        },
        "nvim_client.lua",
    );
    assert_eq!(result["errors"], json!([]), "{result}");
    let codes: Vec<&str> = result["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"reference::undeclared"), "{result}");
    assert_contains(result["hover"].as_str().unwrap_or(""), "upper(");
    let completion: Vec<&str> = result["completion"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(completion.contains(&"filename"), "{result}");
    assert_contains(
        result["formatted"].as_str().unwrap_or(""),
        "output \"o\" {\n  value = var.nmae\n}\n",
    );
}

/// The VS Code extension's TextMate grammar passes its fixture tests
/// (`editors/vscode/test-grammar.sh`: vscode-tmgrammar-test from npm);
/// without npm the test says why and passes (`.ci/run` installs it).
#[test]
fn vscode_grammar_passes_its_fixture_tests() {
    if std::process::Command::new("npm")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("vscode_grammar_passes_its_fixture_tests: skipped: no npm on PATH");
        return;
    }
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode/test-grammar.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .expect("run test-grammar.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert_contains(&text, "test/sample.infra run successfuly");
}

#[test]
fn lsp_never_shows_a_sensitive_variables_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let main = uri(&dir.path().join("main.infra"));
    let mut c = Client::start(dir.path(), &[]);
    // `sensitive` written as an expression still counts.
    let text = "variable \"token\" {\n  default   = \"hunter2-secret\"\n  sensitive = !false\n}\n\noutput \"o\" {\n  value     = var.token\n  sensitive = true\n}\n";
    c.open(&main, text);
    let h = c.ok("textDocument/hover", at(&main, 6, 20));
    let shown = h["contents"]["value"].as_str().unwrap_or("").to_string();
    assert!(shown.contains("var.token"), "{shown}");
    assert!(shown.contains("`default` = (sensitive)"), "{shown}");
    let hints = c.ok(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": main}, "range": {"start": pos(0, 0), "end": pos(10, 0)}}),
    );
    for found in [&h, &hints] {
        assert!(!found.to_string().contains("hunter2"), "{found}");
    }
    c.shutdown();
}

/// Emacs's eglot (Debian's `emacs-nox` with `elpa-eglot`, or Emacs 29+)
/// drives `infra lsp` headless, set up as docs/editors.md says:
/// diagnostics through Flymake, hover and formatting.
#[test]
fn emacs_eglot_gets_diagnostics_hover_and_formatting() {
    let Ok(version) = std::process::Command::new("emacs")
        .arg("--version")
        .output()
    else {
        eprintln!("emacs_eglot_gets_diagnostics_hover_and_formatting: skipped: no emacs on PATH");
        return;
    };
    assert!(version.status.success());
    let result = run_editor_client(
        "emacs",
        |c, script| {
            c.args(["--batch", "-Q", "-l"]).arg(script);
        },
        "eglot_client.el",
    );
    if result["errors"]
        .to_string()
        .contains("Cannot open load file")
    {
        // Emacs without eglot (neither 29+ nor elpa-eglot): nothing to test.
        eprintln!("emacs_eglot_gets_diagnostics_hover_and_formatting: skipped: {result}");
        return;
    }
    assert_eq!(result["errors"], json!([]), "{result}");
    let diagnostics = result["diagnostics"].to_string();
    assert_contains(&diagnostics, "reference::undeclared");
    assert_contains(&diagnostics, "Did you mean `var.name`?");
    assert_contains(result["hover"].as_str().unwrap_or(""), "upper(str)");
    assert_contains(
        result["formatted"].as_str().unwrap_or(""),
        "output \"o\" {\n  value = var.nmae\n}\n",
    );
}

/// Runs the editor `program` headless in a directory holding the editor
/// tests' `main.infra` (an undeclared `var.nmae`, a call of `upper`, a
/// line to format), with `args` adding its arguments for the client
/// script `tests/data/editors/SCRIPT`; the script writes what the client
/// got to `$OUT` as JSON, which is returned. Bounded by [`PATIENCE`]: an
/// editor that hangs fails the test instead of the run.
fn run_editor_client(
    program: &str,
    args: impl FnOnce(&mut std::process::Command, &Path),
    script: &str,
) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "variable \"name\" {\n  type    = string\n  default = \"world\"\n}\n\nresource \"local_file\" \"note\" {\n  content  = upper(var.name)\n  \n}\n\noutput   \"o\" {\nvalue = var.nmae\n}\n";
    std::fs::write(dir.path().join("main.infra"), text).expect("write");
    let out = dir.path().join("result.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/editors")
        .join(script);
    let mut command = std::process::Command::new(program);
    args(&mut command, &script);
    let mut child = command
        .current_dir(dir.path())
        .env("INFRA_BIN", env!("CARGO_BIN_EXE_infra-under-test"))
        .env("OUT", &out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the editor");
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the editor") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{program} did not finish within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{program} exited with {status}");
    serde_json::from_str(&std::fs::read_to_string(&out).expect("the editor wrote its result"))
        .expect("JSON")
}
