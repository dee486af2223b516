//! `infra-bench-lsp`: `infra lsp` on a generated file of N resources,
//! driven over stdio as an editor drives it; prints a table of the
//! latencies an editor user feels: diagnostics after opening the file and
//! after an edit (from the edit to the publish, the server's debounce
//! included; the edit is sent as a changed range, as editors send edits to
//! a server asking for incremental sync), and completion and hover round
//! trips (median of 20).
//!
//! Usage: `cargo build --release -p infra-cli -p infra-bench && \
//! target/release/infra-bench-lsp [--infra PATH] [N ...]` (default 3000;
//! PATH defaults to `infra` beside this program).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

mod generate;

/// Longest wait for any answer.
const PATIENCE: Duration = Duration::from_secs(120);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(infra: &std::path::Path, root: &std::path::Path) -> Result<Client, String> {
        let mut child = Command::new(infra)
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {} lsp: {e}", infra.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
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
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(v) = serde_json::from_slice::<Value>(&body) else {
                    return;
                };
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            incoming,
            next_id: 0,
        };
        let root_uri = format!("file://{}", root.display());
        c.request(
            "initialize",
            json!({"processId": null, "rootUri": root_uri, "capabilities": {}}),
        )?;
        c.notify("initialized", json!({}))?;
        Ok(c)
    }

    fn send(&mut self, v: &Value) -> Result<(), String> {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("cannot write to the server: {e}"))
    }

    fn notify(&mut self, method: &str, params: Value) -> Result<(), String> {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        loop {
            let m = self
                .incoming
                .recv_timeout(PATIENCE)
                .map_err(|_| format!("no answer to {method}"))?;
            if m["id"] == json!(id) {
                return Ok(m);
            }
        }
    }

    /// Waits for diagnostics of `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Result<Value, String> {
        loop {
            let m = self
                .incoming
                .recv_timeout(PATIENCE)
                .map_err(|_| "no diagnostics".to_string())?;
            if m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
            {
                return Ok(m);
            }
        }
    }
}

impl Drop for Client {
    /// Ends the server as an editor does (`shutdown`, then `exit`), so a
    /// profiler wrapped around it (`--infra` naming a `valgrind` script)
    /// writes its output; killed if it has not exited within [`PATIENCE`].
    fn drop(&mut self) {
        if self.request("shutdown", Value::Null).is_ok() && self.notify("exit", Value::Null).is_ok()
        {
            let deadline = Instant::now() + PATIENCE;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One row: open, edit, completion and hover latencies for `n` resources.
fn measure(infra: &std::path::Path, n: usize) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("infra-bench-lsp-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let text = generate::generate(n);
    let path = dir.join("main.infra");
    std::fs::write(&path, &text).map_err(|e| e.to_string())?;
    let uri = format!("file://{}", path.display());
    let mut c = Client::start(infra, &dir)?;
    let t = Instant::now();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "infra", "version": 1, "text": text}}),
    )?;
    c.diagnostics(&uri, 1)?;
    let open = ms(t.elapsed());
    // An edit: a new resource at the end referring to a variable, then
    // undone, sent as editors send edits to a server that asks for
    // incremental sync (as `infra lsp` does): the changed range only.
    let end = text.matches('\n').count();
    let added = "\nresource \"infra_data\" \"new\" {\n  input = var.env\n}\n";
    let added_lines = added.matches('\n').count();
    let mut edits = Vec::new();
    for v in 2..7 {
        let change = if v % 2 == 0 {
            json!({"range": {"start": {"line": end, "character": 0}, "end": {"line": end, "character": 0}}, "text": added})
        } else {
            json!({"range": {"start": {"line": end, "character": 0}, "end": {"line": end + added_lines, "character": 0}}, "text": ""})
        };
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [change]}),
        )?;
        c.diagnostics(&uri, v)?;
        edits.push(ms(t.elapsed()));
    }
    // Completion after `var.` and hover on a function, in the last block.
    let lines = text.lines().count() as u32;
    let completing = format!("{text}\nlocals {{\n  x = var.\n}}\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": completing}]}),
    )?;
    let mut completion = Vec::new();
    let mut hover = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let items = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": lines + 2, "character": 10}}),
        )?;
        completion.push(ms(t.elapsed()));
        if items["result"].as_array().is_none_or(|a| a.is_empty()) {
            return Err(format!("no completion after `var.`: {items}"));
        }
        let t = Instant::now();
        c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 12}}),
        )?;
        hover.push(ms(t.elapsed()));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(format!(
        "| {n} | {:.2} MB | {open:.0} | {:.0} | {:.1} | {:.1} |",
        text.len() as f64 / 1e6,
        median(edits),
        median(completion),
        median(hover)
    ))
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut infra = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("infra")))
        .unwrap_or_else(|| "infra".into());
    let mut sizes = Vec::new();
    while let Some(a) = args.next() {
        if a == "--infra" {
            if let Some(p) = args.next() {
                infra = p.into();
            }
        } else if let Ok(n) = a.parse() {
            sizes.push(n);
        }
    }
    if sizes.is_empty() {
        sizes.push(3000);
    }
    // The server runs in a temporary directory: a relative path would not
    // find it there.
    if let Ok(abs) = std::fs::canonicalize(&infra) {
        infra = abs;
    }
    println!(
        "| resources | file size | open → diagnostics (ms) | edit → diagnostics (ms, incl. debounce) | completion (ms) | hover (ms) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        match measure(&infra, n) {
            Ok(row) => println!("{row}"),
            Err(e) => {
                eprintln!("infra-bench-lsp: {e}");
                std::process::exit(1);
            }
        }
    }
}
