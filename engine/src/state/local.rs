//! The local state store: a JSON file (default `.infra/state.json`),
//! written atomically (temp file in the same directory, fsync, rename,
//! fsync of the directory) with the previous version kept as
//! `state.json.backup`; a journal `state.json.journal`; and an advisory
//! lock on `state.json.lock` (released by the OS if the holder dies).

use super::journal::{self, Entry};
use super::{LockGuard, LockInfo, State, StateError, StateStore, private, sealed};
use crate::encryption::Target;
use async_trait::async_trait;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default state path, relative to the configuration directory.
pub const DEFAULT_PATH: &str = ".infra/state.json";

mod audit;
mod side;

/// A state file on the local disk.
pub struct LocalStore {
    path: PathBuf,
    workspace: String,
    journal: Mutex<Option<File>>,
    encryption: Arc<Target>,
}

struct LocalLock {
    file: File,
}

impl LockGuard for LocalLock {}

impl Drop for LocalLock {
    /// Empties the lock file while still holding the lock, so the next
    /// holder's information is never mistaken for ours (closing the file
    /// then releases the lock).
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// How long a process that found the lock held waits for the holder's
/// information to appear: the holder writes it just after taking the lock.
const HOLDER_PATIENCE: Duration = Duration::from_secs(2);

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> StateError {
    let what = what.into();
    move |source| StateError::Io { what, source }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

impl LocalStore {
    /// The store of the state file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> LocalStore {
        LocalStore {
            path: path.into(),
            workspace: super::workspaces::DEFAULT.to_string(),
            journal: Mutex::new(None),
            encryption: Target::plain("state"),
        }
    }

    /// The store encrypting the state, its journal and backup with
    /// `target` (the `encryption` block's `state` target).
    #[must_use]
    pub fn with_encryption(mut self, target: Arc<Target>) -> LocalStore {
        self.encryption = target;
        self
    }

    /// The store named as the state of `workspace` (recorded in its lock).
    #[must_use]
    pub fn with_workspace(mut self, workspace: &str) -> LocalStore {
        self.workspace = workspace.to_string();
        self
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `state.json.backup`: the version before the last write.
    pub fn backup_path(&self) -> PathBuf {
        with_suffix(&self.path, ".backup")
    }

    /// True when the state file is Terraform's (`terraform.tfstate`):
    /// its first bytes, read without the lock.
    pub fn is_terraform(&self) -> bool {
        let mut head = [0u8; 200];
        let n = File::open(&self.path)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        n > 0 && super::terraform::looks_like_terraform(&head[..n])
    }

    /// `state.json.journal`.
    pub fn journal_path(&self) -> PathBuf {
        with_suffix(&self.path, ".journal")
    }

    fn lock_path(&self) -> PathBuf {
        with_suffix(&self.path, ".lock")
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn ensure_dir(&self) -> Result<(), StateError> {
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))
    }

    fn try_lock(&self, info: &LockInfo) -> Result<Option<File>, StateError> {
        self.ensure_dir()?;
        let path = self.lock_path();
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(format!("opening {}", path.display())))?;
        match f.try_lock() {
            Ok(()) => {
                let info = LockInfo {
                    path: path.display().to_string(),
                    workspace: self.workspace.clone(),
                    ..info.clone()
                };
                let text = serde_json::to_string(&info).unwrap_or_default();
                f.set_len(0).map_err(io("writing the lock"))?;
                f.rewind().map_err(io("writing the lock"))?;
                f.write_all(text.as_bytes())
                    .map_err(io("writing the lock"))?;
                Ok(Some(f))
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(io(format!("locking {}", path.display()))(e))
            }
        }
    }

    /// Who holds the lock, which this process just failed to take. The
    /// holder empties the file, takes the lock, then writes its
    /// information, so an empty or partly written file is read again for up
    /// to [`HOLDER_PATIENCE`] before giving up on naming it.
    fn holder(&self) -> StateError {
        let start = Instant::now();
        loop {
            let mut text = String::new();
            let _ = File::open(self.lock_path()).and_then(|mut f| f.read_to_string(&mut text));
            if let Ok(info) = serde_json::from_str::<LockInfo>(&text) {
                return StateError::Locked(Box::new(info));
            }
            if start.elapsed() >= HOLDER_PATIENCE {
                return StateError::LockedUnknown(self.lock_path().display().to_string());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Reads the state synchronously (see [`StateStore::read`]).
    ///
    /// # Errors
    /// Corrupt or too-new state or journal; a journal recorded against
    /// another version of the state; I/O.
    pub fn read_sync(&self) -> Result<Option<State>, StateError> {
        let shown = self.path.display().to_string();
        let state = match std::fs::read(&self.path) {
            Ok(bytes) => Some(sealed::read_state(&bytes, &shown, &self.encryption)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(format!("reading {shown}"))(e)),
        };
        let jpath = self.journal_path();
        let entries = match std::fs::read(&jpath) {
            Ok(bytes) => {
                sealed::read_journal(&bytes, &jpath.display().to_string(), &self.encryption)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(format!("reading {}", jpath.display()))(e)),
        };
        journal::replay(state, &entries).map_err(|mut m| {
            m.journal = jpath.display().to_string();
            m.state = shown;
            StateError::JournalMismatch(m)
        })
    }

    /// Writes the state synchronously (see [`StateStore::write`]). A
    /// symlinked state file is written through: the file it points to is
    /// replaced, the link stays.
    ///
    /// # Errors
    /// I/O; the previous state file is intact then.
    pub fn write_sync(&self, state: &State) -> Result<(), StateError> {
        let shown = self.path.display().to_string();
        let bytes = sealed::state_bytes(state, &shown, &self.encryption)?;
        self.ensure_dir()?;
        let target = private::resolve(&self.path);
        if target.exists() {
            // The current version becomes the backup: a hard link keeps it
            // when the rename below replaces the state file. Migrating to
            // encryption, it is encrypted instead: no plain copy stays.
            let backup = self.backup_path();
            let resealed = if self.encryption.encrypts() {
                let previous = std::fs::read(&target)
                    .map_err(io(format!("reading {}", self.path.display())))?;
                sealed::backup_bytes(&previous, &backup.display().to_string(), &self.encryption)?
            } else {
                None
            };
            if let Some(sealed) = resealed {
                private::replace(&backup, &sealed)
                    .map_err(io(format!("writing {}", backup.display())))?;
            } else {
                let staged = with_suffix(&self.path, ".backup.tmp");
                let _ = std::fs::remove_file(&staged);
                let staged_ok = std::fs::hard_link(&target, &staged)
                    .or_else(|_| std::fs::copy(&target, &staged).map(|_| ()))
                    // A state written 0644 by an older infra: private now.
                    .and_then(|()| private::make_private(&File::open(&staged)?));
                staged_ok.map_err(io(format!("copying {} to a backup", self.path.display())))?;
                if let Err(e) = std::fs::rename(&staged, &backup) {
                    let _ = std::fs::remove_file(&staged);
                    return Err(io(format!("writing {}", backup.display()))(e));
                }
            }
        }
        private::replace(&self.path, &bytes).map_err(io(format!("writing {shown}")))?;
        // The journal's entries are in the state now. Removing it is best
        // effort: entries left behind were made against an older serial
        // and are never replayed.
        let mut j = self
            .journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *j = None;
        let _ = std::fs::remove_file(self.journal_path());
        Ok(())
    }

    /// Appends `entries` to the journal in one write and one fsync.
    ///
    /// # Errors
    /// I/O.
    pub fn record_all_sync(&self, entries: &[Entry]) -> Result<(), StateError> {
        let mut text = Vec::new();
        for e in entries {
            text.extend(sealed::entry_bytes(e, &self.encryption)?);
            text.push(b'\n');
        }
        if text.is_empty() {
            return Ok(());
        }
        self.append_sync(&text)
    }

    /// Appends `entry` to the journal and fsyncs it. The journal is
    /// created mode 0600 (it holds the same secrets as the state).
    ///
    /// # Errors
    /// I/O.
    pub fn record_sync(&self, entry: &Entry) -> Result<(), StateError> {
        self.record_all_sync(std::slice::from_ref(entry))
    }

    /// Appends `text` (whole lines) to the journal and fsyncs it.
    fn append_sync(&self, text: &[u8]) -> Result<(), StateError> {
        let mut j = self
            .journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if j.is_none() {
            self.ensure_dir()?;
            let path = self.journal_path();
            let mut f =
                private::open_append(&path).map_err(io(format!("opening {}", path.display())))?;
            // A line cut short by a crash would swallow the next entry:
            // drop the torn tail before appending (or end it, when it is a
            // whole entry, which reading keeps).
            if let Ok(text) = std::fs::read(&path)
                && !text.is_empty()
                && !text.ends_with(b"\n")
            {
                let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let whole = sealed::read_entry(&text[keep..], "", &self.encryption).is_ok();
                let repaired = if whole {
                    f.write_all(b"\n")
                } else {
                    f.set_len(keep as u64)
                };
                repaired.map_err(io(format!("repairing {}", path.display())))?;
            }
            *j = Some(f);
        }
        let Some(f) = j.as_mut() else {
            return Ok(());
        };
        f.write_all(text)
            .and_then(|()| f.sync_data())
            .map_err(io("appending to the journal"))
    }

    /// `infra force-unlock ID` on a local lock: an advisory lock held by a
    /// running process cannot be broken (the OS releases it when the
    /// process exits), so this only tells what holds it.
    ///
    /// # Errors
    /// [`StateError::NotLocked`] when nothing holds the lock;
    /// [`StateError::WrongLock`] for another id; [`StateError::LockInUse`]
    /// when its holder runs.
    pub fn force_unlock_sync(&self, id: &str) -> Result<LockInfo, StateError> {
        let path = self.lock_path();
        let f = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StateError::NotLocked(self.describe()));
            }
            Err(e) => return Err(io(format!("opening {}", path.display()))(e)),
        };
        match f.try_lock() {
            Ok(()) => Err(StateError::NotLocked(self.describe())),
            Err(std::fs::TryLockError::WouldBlock) => match self.holder() {
                StateError::Locked(info) if info.id == id => Err(StateError::LockInUse(info)),
                StateError::Locked(held) => Err(StateError::WrongLock {
                    given: id.to_string(),
                    held,
                }),
                other => Err(other),
            },
            Err(std::fs::TryLockError::Error(e)) => {
                Err(io(format!("locking {}", path.display()))(e))
            }
        }
    }

    /// Checks that nobody holds the lock (see
    /// [`StateStore::check_unlocked`]) without disturbing anyone: a holder
    /// describes itself in the lock file and a released lock leaves it
    /// empty, so only a described lock is tested (with a shared `flock`,
    /// which a live holder's exclusive one refuses).
    ///
    /// # Errors
    /// [`StateError::Locked`] naming the holder; I/O.
    pub fn check_unlocked_sync(&self) -> Result<(), StateError> {
        let path = self.lock_path();
        let f = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(format!("opening {}", path.display()))(e)),
        };
        if f.metadata().map_or(0, |m| m.len()) == 0 {
            return Ok(());
        }
        match f.try_lock_shared() {
            // Left by a holder that died: free.
            Ok(()) => Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => Err(self.holder()),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(io(format!("locking {}", path.display()))(e))
            }
        }
    }

    /// Takes the lock synchronously (see [`StateStore::lock`]).
    ///
    /// # Errors
    /// [`StateError::Locked`] naming the holder;
    /// [`StateError::Terraform`] when the state file is Terraform's (no
    /// lock file is made beside it then).
    pub fn lock_sync(
        &self,
        info: &LockInfo,
        timeout: Duration,
    ) -> Result<Box<dyn LockGuard>, StateError> {
        if self.is_terraform() {
            return Err(StateError::Terraform {
                path: self.path.display().to_string(),
            });
        }
        let start = Instant::now();
        loop {
            if let Some(f) = self.try_lock(info)? {
                return Ok(Box::new(LocalLock { file: f }));
            }
            if start.elapsed() >= timeout {
                return Err(self.holder());
            }
            std::thread::sleep(Duration::from_millis(100).min(timeout));
        }
    }
}

#[async_trait]
impl StateStore for LocalStore {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn encryption(&self) -> Arc<Target> {
        self.encryption.clone()
    }

    fn workspace(&self) -> &str {
        &self.workspace
    }

    async fn lock(
        &self,
        info: LockInfo,
        timeout: Duration,
    ) -> Result<Box<dyn LockGuard>, StateError> {
        self.lock_sync(&info, timeout)
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        self.read_sync()
    }

    async fn write(&self, state: &State) -> Result<(), StateError> {
        self.write_sync(state)
    }

    async fn record(&self, entry: &Entry) -> Result<(), StateError> {
        self.record_sync(entry)
    }

    async fn record_all(&self, entries: &[Entry]) -> Result<(), StateError> {
        self.record_all_sync(entries)
    }

    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.force_unlock_sync(id)
    }

    async fn check_unlocked(&self) -> Result<(), StateError> {
        self.check_unlocked_sync()
    }

    async fn audit_records(&self) -> Result<Vec<Vec<u8>>, StateError> {
        self.audit_records_sync()
    }

    async fn audit_last(&self) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.audit_records_sync()?.pop())
    }

    async fn audit_append(&self, seq: u64, bytes: &[u8]) -> Result<(), StateError> {
        self.audit_append_sync(seq, bytes)
    }

    async fn side_read(&self, name: &str) -> Result<Option<Vec<u8>>, StateError> {
        self.side_read_sync(name)
    }

    async fn side_write(&self, name: &str, bytes: &[u8]) -> Result<(), StateError> {
        self.side_write_sync(name, bytes)
    }

    async fn side_delete(&self, name: &str) -> Result<(), StateError> {
        self.side_delete_sync(name)
    }
}
