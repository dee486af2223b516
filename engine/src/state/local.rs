//! The local state store: a JSON file (default `.infra/state.json`),
//! written atomically (temp file in the same directory, fsync, rename,
//! fsync of the directory) with the previous version kept as
//! `state.json.backup`; a journal `state.json.journal`; and an advisory
//! lock on `state.json.lock` (released by the OS if the holder dies).

use super::journal::{self, Entry};
use super::{LockGuard, LockInfo, State, StateError, StateStore, file};
use async_trait::async_trait;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default state path, relative to the configuration directory.
pub const DEFAULT_PATH: &str = ".infra/state.json";

/// A state file on the local disk.
pub struct LocalStore {
    path: PathBuf,
    journal: Mutex<Option<File>>,
}

struct LocalLock {
    _file: File,
}

impl LockGuard for LocalLock {}

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
            journal: Mutex::new(None),
        }
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `state.json.backup`: the version before the last write.
    pub fn backup_path(&self) -> PathBuf {
        with_suffix(&self.path, ".backup")
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

    fn holder(&self) -> StateError {
        let mut text = String::new();
        let _ = File::open(self.lock_path()).and_then(|mut f| f.read_to_string(&mut text));
        match serde_json::from_str::<LockInfo>(&text) {
            Ok(info) => StateError::Locked(Box::new(info)),
            Err(_) => StateError::LockedUnknown(self.lock_path().display().to_string()),
        }
    }

    /// Reads the state synchronously (see [`StateStore::read`]).
    ///
    /// # Errors
    /// Corrupt or too-new state or journal; I/O.
    pub fn read_sync(&self) -> Result<Option<State>, StateError> {
        let shown = self.path.display().to_string();
        let mut state = match std::fs::read_to_string(&self.path) {
            Ok(text) => Some(file::from_text(&text, &shown)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(format!("reading {shown}"))(e)),
        };
        let jpath = self.journal_path();
        let entries = match std::fs::read_to_string(&jpath) {
            Ok(text) => journal::parse(&text).map_err(|message| StateError::Corrupt {
                path: jpath.display().to_string(),
                message,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(format!("reading {}", jpath.display()))(e)),
        };
        if let Some(first) = entries.first() {
            let s = state.get_or_insert_with(|| State {
                lineage: first.lineage.clone(),
                serial: first.base_serial,
                ..State::new()
            });
            journal::replay(s, &entries);
        }
        Ok(state)
    }

    /// Writes the state synchronously (see [`StateStore::write`]).
    ///
    /// # Errors
    /// I/O; the previous state file is intact then.
    pub fn write_sync(&self, state: &State) -> Result<(), StateError> {
        self.ensure_dir()?;
        let dir = self.dir();
        let text = file::to_text(state);
        let mut tmp = tempfile::Builder::new()
            .prefix(".state-")
            .tempfile_in(&dir)
            .map_err(io(format!(
                "creating a temporary file in {}",
                dir.display()
            )))?;
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(io("writing the new state"))?;
        if self.path.exists() {
            // The current version becomes the backup: a hard link keeps it
            // when the rename below replaces the state file.
            let backup = self.backup_path();
            let staged = with_suffix(&self.path, ".backup.tmp");
            let _ = std::fs::remove_file(&staged);
            if std::fs::hard_link(&self.path, &staged).is_err() {
                std::fs::copy(&self.path, &staged)
                    .map_err(io(format!("copying {} to a backup", self.path.display())))?;
            }
            std::fs::rename(&staged, &backup)
                .map_err(io(format!("writing {}", backup.display())))?;
        }
        tmp.persist(&self.path)
            .map_err(|e| io(format!("replacing {}", self.path.display()))(e.error))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        // The journal's entries are in the state now.
        let mut j = self
            .journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *j = None;
        match std::fs::remove_file(self.journal_path()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("removing the journal")(e)),
        }
    }

    /// Appends `entries` to the journal in one write and one fsync.
    ///
    /// # Errors
    /// I/O.
    pub fn record_all_sync(&self, entries: &[Entry]) -> Result<(), StateError> {
        match entries {
            [] => Ok(()),
            [one] => self.record_sync(one),
            _ => {
                let mut text = String::new();
                for e in entries {
                    text.push_str(&serde_json::to_string(e).unwrap_or_default());
                    text.push('\n');
                }
                self.append_sync(&text)
            }
        }
    }

    /// Appends `entry` to the journal and fsyncs it.
    ///
    /// # Errors
    /// I/O.
    pub fn record_sync(&self, entry: &Entry) -> Result<(), StateError> {
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        self.append_sync(&line)
    }

    /// Appends `text` (whole lines) to the journal and fsyncs it.
    fn append_sync(&self, text: &str) -> Result<(), StateError> {
        let mut j = self
            .journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if j.is_none() {
            self.ensure_dir()?;
            let path = self.journal_path();
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io(format!("opening {}", path.display())))?;
            // A line cut short by a crash would swallow the next entry:
            // drop the torn tail before appending.
            if let Ok(text) = std::fs::read(&path)
                && !text.is_empty()
                && !text.ends_with(b"\n")
            {
                let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                f.set_len(keep as u64)
                    .map_err(io(format!("repairing {}", path.display())))?;
            }
            *j = Some(f);
        }
        let Some(f) = j.as_mut() else {
            return Ok(());
        };
        f.write_all(text.as_bytes())
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

    /// Takes the lock synchronously (see [`StateStore::lock`]).
    ///
    /// # Errors
    /// [`StateError::Locked`] naming the holder.
    pub fn lock_sync(
        &self,
        info: &LockInfo,
        timeout: Duration,
    ) -> Result<Box<dyn LockGuard>, StateError> {
        let start = Instant::now();
        loop {
            if let Some(f) = self.try_lock(info)? {
                return Ok(Box::new(LocalLock { _file: f }));
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
}
