//! The audit log: one record per state-changing run (apply, destroy,
//! import, `state mv|rm|push|replace-provider`, `workspace delete`,
//! `force-unlock`), appended to the state store beside the state and
//! chained by SHA-256 so a changed or removed record is detected
//! (`infra history verify`). Records hold who, when, what command, the
//! workspace, the configuration's digest, the VCS commit and each
//! operation's result; never a value, so never a secret.

pub mod actor;
pub mod snapshot;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The format version of audit records.
pub const FORMAT_VERSION: u64 = 1;

/// One run in the audit log (one JSON object per record; JSON Lines in
/// the local store, one object per record in S3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// [`FORMAT_VERSION`].
    pub format_version: u64,
    /// Position in the log: 1, 2, 3, ... without gaps.
    pub seq: u64,
    /// A fresh UUID for this run (what `infra history show` takes).
    pub run_id: String,
    /// When the run started, RFC 3339 UTC.
    pub started: String,
    /// How long it ran, in milliseconds.
    pub duration_ms: u64,
    /// Who ran it.
    pub actor: actor::Actor,
    /// The command, e.g. `apply`, `state rm`.
    pub command: String,
    /// The command line after `infra`, variable values replaced by
    /// `(redacted)`.
    pub args: Vec<String>,
    /// The workspace whose state it changed.
    pub workspace: String,
    /// SHA-256 (hex) of the root module's files, names and contents;
    /// `None` for commands that do not read the configuration.
    pub config_digest: Option<String>,
    /// The commit of the configuration's repository, when known.
    pub vcs_commit: Option<String>,
    /// `succeeded`, `failed` or `interrupted`.
    pub outcome: String,
    /// The state's serial before and after the run (`None`: no state).
    pub serial_before: Option<u64>,
    /// See `serial_before`.
    pub serial_after: Option<u64>,
    /// What the run did, instance by instance.
    pub changes: Vec<Change>,
    /// SHA-256 (hex) of the previous record's stored bytes; empty for the
    /// first record.
    pub prev: String,
}

/// One instance's part in a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Its resource address.
    pub address: String,
    /// The change action: `create`, `update`, `delete`, `replace`,
    /// `read`, `import`, `move`, `forget`, `replace-provider`, ...
    pub action: String,
    /// `ok`, `failed`, `skipped` or `unknown` (abandoned).
    pub result: String,
    /// How long the operation took, in milliseconds, when timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// A fresh run id (a UUID v4).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// SHA-256 (hex) of the root module in `dir`: each `.infra` file's name
/// and contents, in name order; `None` when they cannot be read.
pub fn config_digest(dir: &std::path::Path) -> Option<String> {
    let files = crate::config::module_files(dir).ok()?;
    let mut h = Sha256::new();
    for f in files {
        let name = f.file_name()?.to_string_lossy().into_owned();
        let bytes = std::fs::read(&f).ok()?;
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Some(hex::encode(h.finalize()))
}

/// SHA-256 (hex) of `bytes`: what the next record's `prev` holds.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The stored bytes of `record` (compact JSON, no newline).
///
/// # Errors
/// A message when it cannot be serialised (then nothing is appended,
/// rather than an empty record).
pub fn encode(record: &Record) -> Result<Vec<u8>, String> {
    serde_json::to_vec(record).map_err(|e| format!("cannot encode the audit record: {e}"))
}

/// The record stored as `bytes`.
///
/// # Errors
/// A message when the bytes are not a record.
pub fn decode(bytes: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not an audit record: {e}"))
}

/// What `infra history verify` finds wrong with a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// The position (1-based) of the first record that does not fit.
    pub position: usize,
    /// Why.
    pub reason: String,
}

/// Checks the chain of `stored` (each record's bytes, in log order):
/// every record decodes, numbers run 1, 2, 3, ... and each `prev` is the
/// digest of the record before. Returns the records, or the first break.
///
/// # Errors
/// The first [`Break`].
pub fn verify(stored: &[Vec<u8>]) -> Result<Vec<Record>, Break> {
    let mut out = Vec::with_capacity(stored.len());
    let mut prev = String::new();
    for (i, bytes) in stored.iter().enumerate() {
        let position = i + 1;
        let r = decode(bytes).map_err(|reason| Break { position, reason })?;
        if r.seq != position as u64 {
            return Err(Break {
                position,
                reason: format!(
                    "record {position} is numbered {} (a record was removed or reordered)",
                    r.seq
                ),
            });
        }
        if r.prev != prev {
            return Err(Break {
                position,
                reason: format!(
                    "record {position} does not follow record {} (that record was changed, or one was removed)",
                    position - 1
                ),
            });
        }
        prev = digest(bytes);
        out.push(r);
    }
    Ok(out)
}

/// `record` made the next one after the log whose last stored record is
/// `last` (`None`: an empty log): its `seq` and `prev` filled in. Returns
/// its stored bytes.
///
/// # Errors
/// A message when `last` is not a record (the log is damaged; nothing
/// is appended to it).
pub fn chain(record: &mut Record, last: Option<&[u8]>) -> Result<Vec<u8>, String> {
    match last {
        None => {
            record.seq = 1;
            record.prev = String::new();
        }
        Some(bytes) => {
            let before = decode(bytes)?;
            record.seq = before.seq + 1;
            record.prev = digest(bytes);
        }
    }
    encode(record)
}

/// The command line `args` (after the program name) with the value of
/// every `--var`/`-var` replaced by `(redacted)` (the name kept), so a
/// secret given on the command line never reaches the log.
pub fn redact_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut value_next = false;
    for a in args {
        if value_next {
            out.push(redact_assignment(a));
            value_next = false;
            continue;
        }
        let flag = a.trim_start_matches('-');
        if a.starts_with('-') && flag == "var" {
            value_next = true;
            out.push(a.clone());
        } else if a.starts_with('-')
            && let Some(v) = flag.strip_prefix("var=")
        {
            let dashes = &a[..a.len() - flag.len()];
            out.push(format!("{dashes}var={}", redact_assignment(v)));
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// `NAME=VALUE` → `NAME=(redacted)`.
fn redact_assignment(a: &str) -> String {
    match a.split_once('=') {
        Some((name, _)) => format!("{name}=(redacted)"),
        None => "(redacted)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(command: &str) -> Record {
        Record {
            format_version: FORMAT_VERSION,
            seq: 0,
            run_id: "r".into(),
            started: "2026-12-07T00:00:00Z".into(),
            duration_ms: 1,
            actor: actor::Actor::default(),
            command: command.into(),
            args: vec![],
            workspace: "default".into(),
            config_digest: None,
            vcs_commit: None,
            outcome: "succeeded".into(),
            serial_before: None,
            serial_after: Some(1),
            changes: vec![],
            prev: String::new(),
        }
    }

    fn log(n: usize) -> Vec<Vec<u8>> {
        let mut stored: Vec<Vec<u8>> = Vec::new();
        for i in 0..n {
            let mut r = record(&format!("apply {i}"));
            let bytes = chain(&mut r, stored.last().map(Vec::as_slice)).expect("chains");
            stored.push(bytes);
        }
        stored
    }

    #[test]
    fn a_chained_log_verifies_and_any_edit_breaks_it() {
        let stored = log(4);
        let records = verify(&stored).expect("intact");
        assert_eq!(
            records.iter().map(|r| r.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );

        let mut edited = stored.clone();
        let text = String::from_utf8(edited[1].clone()).expect("utf-8");
        edited[1] = text.replace("apply 1", "apply X").into_bytes();
        assert_eq!(verify(&edited).expect_err("broken").position, 3);

        let mut removed = stored.clone();
        removed.remove(1);
        assert_eq!(verify(&removed).expect_err("broken").position, 2);

        let mut junk = stored;
        junk[0] = b"{".to_vec();
        assert_eq!(verify(&junk).expect_err("broken").position, 1);
    }

    #[test]
    fn variable_values_never_reach_the_log() {
        let args: Vec<String> = [
            "apply",
            "--var",
            "password=hunter2",
            "-var=token=abc",
            "--var=x=1",
            "--const",
            "env=prod",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            redact_args(&args),
            [
                "apply",
                "--var",
                "password=(redacted)",
                "-var=token=(redacted)",
                "--var=x=(redacted)",
                "--const",
                "env=prod"
            ]
        );
    }
}
