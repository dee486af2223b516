//! The local store's audit log: JSON Lines beside the state file
//! (`.infra/state.json` → `.infra/state.audit.jsonl`), one record per
//! line, appended with `O_APPEND` and synced before the command ends.

use super::LocalStore;
use crate::state::StateError;
use std::io::Write;
use std::path::PathBuf;

impl LocalStore {
    /// Where this store's audit log is.
    pub fn audit_path(&self) -> PathBuf {
        self.path.with_extension("audit.jsonl")
    }

    /// Every line of the log (a torn last line, from a crash while
    /// appending, included as it is: `history verify` names it).
    pub(super) fn audit_records_sync(&self) -> Result<Vec<Vec<u8>>, StateError> {
        let path = self.audit_path();
        match std::fs::read(&path) {
            Ok(bytes) => Ok(bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(StateError::Io {
                what: format!("reading {}", path.display()),
                source: e,
            }),
        }
    }

    /// Appends `bytes` as line `seq`, after checking the log has exactly
    /// `seq - 1` lines, and syncs the file.
    pub(super) fn audit_append_sync(&self, seq: u64, bytes: &[u8]) -> Result<(), StateError> {
        let path = self.audit_path();
        let have = self.audit_records_sync()?.len() as u64;
        if have + 1 != seq {
            return Err(StateError::Remote(format!(
                "the audit log {} has {have} records; record {seq} cannot follow them",
                path.display()
            )));
        }
        let io = |what: &str, source: std::io::Error| StateError::Io {
            what: format!("{what} {}", path.display()),
            source,
        };
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io("opening", e))?;
        let mut line = Vec::with_capacity(bytes.len() + 1);
        line.extend_from_slice(bytes);
        line.push(b'\n');
        f.write_all(&line).map_err(|e| io("appending to", e))?;
        f.sync_all().map_err(|e| io("syncing", e))
    }
}
