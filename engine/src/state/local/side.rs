//! The local store's side objects (`StateStore::side_read` …): files
//! beside the state named by suffix, `state.json.rollback`,
//! `state.json.snapshots/RUN_ID.json`, created owner-only and replaced
//! atomically (`state/private.rs`).

use super::{LocalStore, io, with_suffix};
use crate::state::{StateError, private};
use std::path::PathBuf;

impl LocalStore {
    /// Where side object `name` lives: the state path with `.NAME`
    /// appended. `name` is infra's own (no `..`), never user input.
    pub fn side_path(&self, name: &str) -> PathBuf {
        with_suffix(&self.path, &format!(".{name}"))
    }

    pub(super) fn side_read_sync(&self, name: &str) -> Result<Option<Vec<u8>>, StateError> {
        let path = self.side_path(name);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(format!("reading {}", path.display()))(e)),
        }
    }

    pub(super) fn side_write_sync(&self, name: &str, bytes: &[u8]) -> Result<(), StateError> {
        let path = self.side_path(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        }
        private::replace(&path, bytes).map_err(io(format!("writing {}", path.display())))
    }

    pub(super) fn side_delete_sync(&self, name: &str) -> Result<(), StateError> {
        let path = self.side_path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(format!("removing {}", path.display()))(e)),
        }
    }
}
