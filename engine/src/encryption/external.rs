//! OpenTofu's external key provider protocol
//! (`keyprovider/external/protocol.go`): the command writes a header line
//! `{"magic":"OpenTofu-External-Key-Provider","version":1}`, reads the
//! stored metadata on standard input (`null` when only encrypting), and
//! writes `{"keys":{"encryption_key":B64,"decryption_key":B64},"meta":{...}}`.
//! Bounded as OpenTofu bounds it: one minute, then the command is killed;
//! at most 1 MiB of output is read.

use super::keys::b64;
use serde::Deserialize;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MAGIC: &str = "OpenTofu-External-Key-Provider";
/// How long the command may run (OpenTofu: one minute).
pub const TIMEOUT: Duration = Duration::from_secs(60);
const MAX_OUTPUT: u64 = 1 << 20;

#[derive(Deserialize)]
struct Header {
    magic: String,
    version: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    #[serde(with = "b64")]
    encryption_key: Vec<u8>,
    #[serde(default, with = "b64")]
    decryption_key: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Output {
    keys: Keys,
    #[serde(default)]
    meta: serde_json::Value,
}

/// What the command gave.
pub struct Provided {
    /// The key to encrypt with.
    pub encryption_key: Vec<u8>,
    /// The key to decrypt with (when metadata was given).
    pub decryption_key: Option<Vec<u8>>,
    /// The metadata to store (JSON).
    pub meta: Vec<u8>,
}

/// Runs `command` with `meta` (stored metadata, JSON) on its input.
///
/// # Errors
/// It cannot start, exits non-zero, times out, or breaks the protocol.
/// Messages name the command, never a key.
pub fn provide(command: &[String], meta: Option<&[u8]>) -> Result<Provided, String> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| "the external key provider's `command` is empty".to_string())?;
    let shown = format!("the external key provider `{program}`");
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{shown} could not be started: {e}"))?;
    // OpenTofu's `MetadataV1.Encode`: `null` unless there is external data.
    let input = match meta.and_then(|m| serde_json::from_slice::<serde_json::Value>(m).ok()) {
        Some(m)
            if !m
                .get("external_data")
                .is_none_or(serde_json::Value::is_null) =>
        {
            m.to_string()
        }
        _ => "null".to_string(),
    }
    .into_bytes();
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&input);
        }
    });
    let read_all = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = r {
                let _ = r.take(MAX_OUTPUT).read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read_all(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = read_all(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{shown} did not finish within {}s and was stopped",
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("{shown} could not be waited for: {e}")),
        }
    };
    let _ = writer.join();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let said = String::from_utf8_lossy(&stderr);
        let said = said.trim();
        let said: String = said.chars().take(500).collect();
        return Err(if said.is_empty() {
            format!("{shown} failed ({status})")
        } else {
            format!("{shown} failed ({status}): {said}")
        });
    }
    let text = String::from_utf8_lossy(&stdout);
    let (head, body) = text
        .split_once('\n')
        .ok_or_else(|| format!("{shown} wrote no header line"))?;
    let header: Header = serde_json::from_str(head)
        .map_err(|e| format!("{shown} wrote a header that is not valid: {e}"))?;
    if header.magic != MAGIC || header.version != 1 {
        return Err(format!(
            "{shown} does not speak the external key provider protocol version 1 (header magic {:?}, version {})",
            header.magic, header.version
        ));
    }
    // The error of a bad body names the JSON position only: the body holds keys.
    let parsed: Output = serde_json::from_str(body).map_err(|e| {
        format!(
            "{shown} wrote output that is not valid (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    Ok(Provided {
        encryption_key: parsed.keys.encryption_key,
        decryption_key: (!parsed.keys.decryption_key.is_empty())
            .then_some(parsed.keys.decryption_key),
        // Stored as OpenTofu's `MetadataV1`: `{"external_data": ...}`.
        meta: serde_json::json!({
            "external_data": parsed.meta.get("external_data").cloned().unwrap_or_default()
        })
        .to_string()
        .into_bytes(),
    })
}
