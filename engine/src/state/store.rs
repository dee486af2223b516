//! The state store interface (Terraform's "backend"): read and write the
//! state of a workspace, append completed operations to its journal, and
//! take the lock that serialises plan/apply/destroy.

use super::State;
use super::journal::Entry;
use async_trait::async_trait;
use std::time::Duration;

/// Who holds (or wants) a lock: written into the lock so a second process
/// can say who is in the way.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockInfo {
    /// A random id of this lock.
    pub id: String,
    /// The command, e.g. `apply`.
    pub operation: String,
    /// `user@host`, and the CI job when a CI system runs infra
    /// (`runner@host (github-actions 42 by alice)`).
    pub who: String,
    /// The process id.
    pub pid: u32,
    /// The infra version.
    pub version: String,
    /// When it was taken, RFC 3339 UTC.
    pub created: String,
    /// Where the lock is (`.infra/state.json.lock`,
    /// `s3://bucket/key.lock`); filled in by the store.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The workspace whose state is locked; filled in by the store (empty
    /// in locks written before workspaces, which are `default`'s).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub workspace: String,
}

impl LockInfo {
    /// A lock request for `operation` by this process, now.
    pub fn new(operation: &str) -> LockInfo {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: crate::audit::actor::Actor::current(&|k| std::env::var(k).ok()).describe(),
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: infra_stdlib::rfc3339_utc(secs),
            path: String::new(),
            workspace: String::new(),
        }
    }

    /// ` of workspace `dev``, for messages; empty for `default`.
    pub fn workspace_note(&self) -> String {
        if self.workspace.is_empty() || self.workspace == super::workspaces::DEFAULT {
            String::new()
        } else {
            format!(" of workspace `{}`", self.workspace)
        }
    }

    /// Whether the lock lives in a remote store (S3), where it outlives a
    /// holder that crashed.
    pub fn is_remote(&self) -> bool {
        self.path.contains("://")
    }
}

/// Why a state store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process holds the lock.
    #[error(
        "the state{} is locked by {} (`infra {}`, pid {}) since {}; lock id {}",
        .0.workspace_note(), .0.who, .0.operation, .0.pid, .0.created, .0.id
    )]
    Locked(Box<LockInfo>),
    /// The lock could not be taken, and its holder is unknown.
    #[error("the state is locked by another process (no lock information: {0})")]
    LockedUnknown(String),
    /// The state file does not parse.
    #[error("the state in {path} is not valid: {message}")]
    Corrupt {
        /// Where.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The file is Terraform's state (`terraform.tfstate`, format version
    /// 4), which infra takes over with `infra init -migrate-state` rather
    /// than use in place.
    #[error("{path} is Terraform's state, not infra's")]
    Terraform {
        /// Where.
        path: String,
    },
    /// Written by a newer infra.
    #[error(
        "the state in {path} has format version {found}, newer than this infra understands ({supported}); upgrade infra"
    )]
    TooNew {
        /// Where.
        path: String,
        /// Its version.
        found: u64,
        /// Ours.
        supported: u64,
    },
    /// Stored state (or a journal entry) that cannot be decrypted: wrong
    /// passphrase or key, tampered, encrypted without an `encryption`
    /// block, or plain where the configuration expects it encrypted.
    #[error("cannot decrypt the state in {path}: {message}")]
    Decrypt {
        /// Where.
        path: String,
        /// Why (never a key or passphrase).
        message: String,
    },
    /// The state could not be encrypted (its key could not be made).
    #[error("cannot encrypt the state for {path}: {message}")]
    Encrypt {
        /// Where it was to be written.
        path: String,
        /// Why.
        message: String,
    },
    /// Reading or writing failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A remote store failed.
    #[error("{0}")]
    Remote(String),
    /// A write that would replace a newer state, or another history.
    #[error("refusing to overwrite the state in {location}: {reason}")]
    Conflict {
        /// Where.
        location: String,
        /// What is in the way: serials and lineages.
        reason: String,
    },
    /// The state's serial is the largest a `u64` holds: it cannot grow.
    #[error(
        "the state's serial is {0}, the largest there is: a new version of the state cannot be written"
    )]
    SerialOverflow(u64),
    /// Journal entries recorded against another version of the state.
    #[error("{0}")]
    JournalMismatch(Box<super::journal::Mismatch>),
    /// `force-unlock` of a state that is not locked.
    #[error("the state in {0} is not locked")]
    NotLocked(String),
    /// `force-unlock` with the id of another lock.
    #[error(
        "lock id {given} does not match the lock on the state: that is {}, held by {} (`infra {}`) since {}",
        .held.id, .held.who, .held.operation, .held.created
    )]
    WrongLock {
        /// The id asked for.
        given: String,
        /// The lock there is.
        held: Box<LockInfo>,
    },
    /// `force-unlock` of a local lock whose holder is still running.
    #[error(
        "lock {} is held by a running process (pid {}, `infra {}` by {} since {}); a local lock cannot be forced",
        .0.id, .0.pid, .0.operation, .0.who, .0.created
    )]
    LockInUse(Box<LockInfo>),
}

impl StateError {
    /// A help line for the user.
    pub fn help(&self) -> Option<String> {
        match self {
            StateError::Locked(info) if info.is_remote() => Some(format!(
                "Wait for the other command to finish, or pass `--lock-timeout 60s` to wait for it. A lock in S3 outlives a holder that crashed: if no infra command is running there (see who and since when above), remove it with `infra force-unlock {}`.",
                info.id
            )),
            StateError::LockedUnknown(location) if location.contains("://") => Some(format!(
                "Wait for the other command to finish, or pass `--lock-timeout 60s` to wait for it. A lock in S3 outlives a holder that crashed, and this one holds no lock information infra can read: if no infra command is running, delete {location} by hand."
            )),
            StateError::Locked(_) | StateError::LockedUnknown(_) => Some(
                "Wait for the other command to finish, or pass `--lock-timeout 60s` to wait for it. A lock held by a process that died is released automatically.".into(),
            ),
            StateError::Corrupt { path, .. } if path.contains(".journal/") => Some(format!(
                "Nothing was changed. {path} records one operation of an interrupted run: fix or delete that object (a deleted entry's object is then unknown to infra; `infra import` or delete it by hand)."
            )),
            StateError::Corrupt { path, .. } if path.contains("://") => Some(format!(
                "Nothing was changed. The previous version is kept by the bucket's versioning, or in {path}.backup: inspect it, and copy it over the state object if it is the one you want."
            )),
            StateError::Corrupt { path, .. } if path.ends_with(".journal") => Some(format!(
                "The file was left untouched. {path} records the operations of an interrupted run, one JSON object per line: fix or delete the damaged line (a deleted line's object is then unknown to infra; `infra import` or delete it by hand)."
            )),
            StateError::Corrupt { path, .. }
                if std::path::Path::new(&format!("{path}.backup")).exists() =>
            {
                Some(format!(
                    "The file was left untouched. The previous version is kept in {path}.backup: inspect it, and copy it over the state file if it is the one you want."
                ))
            }
            StateError::Corrupt { .. } => Some(
                "The file was left untouched (no previous version of it was kept: it has no `.backup` beside it)."
                    .into(),
            ),
            StateError::Terraform { path } if path.starts_with("s3://") => Some(format!(
                "The object was left untouched. `infra init -migrate-state -backend-config=key=NEW_KEY` takes {path} (and its workspaces) over into infra's state at NEW_KEY (Terraform's objects are never changed), and `infra state pull --format terraform` gives it back in Terraform's format (docs/migrating-from-terraform.md)."
            )),
            StateError::Terraform { path } => Some(format!(
                "The file was left untouched. `infra init -migrate-state --state {path}` takes it over into infra's state (Terraform's file is never changed; without --state, `infra init -migrate-state` takes ./terraform.tfstate), and `infra state pull --format terraform` gives it back in Terraform's format (docs/migrating-from-terraform.md)."
            )),
            StateError::Decrypt { .. } => Some(
                "Nothing was changed. Check the passphrase or key the `encryption` block gets (a wrong one cannot decrypt); when changing keys or migrating, keep the old method as a `fallback` (docs/encryption.md).".into(),
            ),
            StateError::Encrypt { .. } => Some(
                "Nothing was written. Check the key provider of the `encryption` block's `state` target (docs/encryption.md).".into(),
            ),
            StateError::SerialOverflow(_) => Some(
                "Nothing was written, and no object was changed. Set `serial` in the state file (or object) to a small number such as 1; a plan saved before then must be made again.".into(),
            ),
            StateError::JournalMismatch(m) if m.same_lineage() => Some(format!(
                "Nothing was changed. Each of those operations records an object's whole new state after a run that started from serial {s}. To apply them onto this state, set `\"serial\": {s}` in {state}: what changed between serial {t} and {s} is still missing from it (`infra plan` shows it; `infra import` adopts objects). To drop them instead, move {journal} away, then adopt (`infra import`) or delete by hand the objects it names.",
                s = m.serial,
                t = m.state_serial,
                state = m.state,
                journal = m.journal,
            )),
            StateError::JournalMismatch(m) => Some(format!(
                "Nothing was changed. Put back the state they belong to (lineage {}), or move {} away, then adopt (`infra import`) or delete by hand the objects it names.",
                m.lineage, m.journal
            )),
            StateError::TooNew { .. } => Some(
                "The state was not modified. Use the infra version that wrote it.".into(),
            ),
            StateError::Conflict { .. } => Some(
                "Nothing was overwritten. Another run wrote the state after this one read it (was the lock removed with `force-unlock`, or `use_lockfile` turned off?). Operations this run completed are recorded in its journal, which applies only to the state it started from: run `infra plan` to see what the state holds now, and `infra import` or `infra state rm` to reconcile.".into(),
            ),
            StateError::NotLocked(_) => Some(
                "Nothing to unlock. (A local lock is released when the process holding it exits.)"
                    .into(),
            ),
            StateError::WrongLock { .. } => Some(
                "Nothing was unlocked. Pass the lock id shown in the `state::locked` error.".into(),
            ),
            StateError::LockInUse(info) => Some(format!(
                "It is released when that process exits: wait for it, or stop it (`kill {}`).",
                info.pid
            )),
            _ => None,
        }
    }
}

/// A held lock; dropping it releases the lock (for a remote lock, on a
/// best-effort basis: call [`LockGuard::release`] to know it was).
#[async_trait]
pub trait LockGuard: Send {
    /// Releases the lock now.
    ///
    /// # Errors
    /// The lock could not be removed (it stays until `infra
    /// force-unlock`), or someone else removed or replaced it.
    async fn release(self: Box<Self>) -> Result<(), StateError> {
        Ok(())
    }
}

/// Where state lives: a local file, an S3 object, … Every write is atomic;
/// the previous version is kept.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Where the state is, for messages: `.infra/state.json`.
    fn describe(&self) -> String;

    /// The workspace whose state this is (`default` unless the store was
    /// made for another).
    fn workspace(&self) -> &str {
        super::workspaces::DEFAULT
    }

    /// Takes the lock, retrying until `timeout` passes.
    ///
    /// # Errors
    /// [`StateError::Locked`] naming the holder when it is still held.
    async fn lock(
        &self,
        info: LockInfo,
        timeout: Duration,
    ) -> Result<Box<dyn LockGuard>, StateError>;

    /// How this store encrypts what it writes (plain unless made with the
    /// configuration's `encryption` block).
    fn encryption(&self) -> std::sync::Arc<crate::encryption::Target> {
        crate::encryption::Target::plain("state")
    }

    /// Reads the state with the journal of an interrupted run replayed onto
    /// it; `None` when there is no state yet.
    ///
    /// # Errors
    /// Corrupt or too-new state; I/O.
    async fn read(&self) -> Result<Option<State>, StateError>;

    /// Writes `state` atomically, keeping the previous version as a backup,
    /// and clears the journal.
    ///
    /// # Errors
    /// I/O; the previous state is intact then.
    async fn write(&self, state: &State) -> Result<(), StateError>;

    /// Appends one completed operation to the journal, durably (fsync)
    /// before returning.
    ///
    /// # Errors
    /// I/O.
    async fn record(&self, entry: &Entry) -> Result<(), StateError>;

    /// Checks, without taking it, that nobody holds the lock: `infra
    /// drift` (which takes no lock) refuses to compare objects an apply may
    /// be changing. Stores that cannot tell say it is free.
    ///
    /// # Errors
    /// [`StateError::Locked`] naming the holder, or
    /// [`StateError::LockedUnknown`]; I/O.
    async fn check_unlocked(&self) -> Result<(), StateError> {
        Ok(())
    }

    /// Appends `entries` to the journal in order, durably before returning;
    /// a store that can makes them durable together (one fsync), so
    /// operations completing at once are recorded at the cost of one. The
    /// default records them one by one.
    ///
    /// # Errors
    /// I/O; the entries before the failing one may be recorded.
    async fn record_all(&self, entries: &[Entry]) -> Result<(), StateError> {
        for e in entries {
            self.record(e).await?;
        }
        Ok(())
    }

    /// Removes the lock whose id is `id`, whoever holds it
    /// (`infra force-unlock`); returns what the lock said.
    ///
    /// # Errors
    /// [`StateError::NotLocked`], [`StateError::WrongLock`] for another
    /// id, [`StateError::LockInUse`] for a lock that cannot be forced.
    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;

    /// Every record of this workspace's audit log (`crate::audit`), as
    /// stored, oldest first; empty when there is none.
    ///
    /// # Errors
    /// The log cannot be read.
    async fn audit_records(&self) -> Result<Vec<Vec<u8>>, StateError>;

    /// The audit log's last record as stored (`None`: an empty log).
    ///
    /// # Errors
    /// The log cannot be read.
    async fn audit_last(&self) -> Result<Option<Vec<u8>>, StateError>;

    /// Appends `bytes` as record number `seq` (1-based) of the audit
    /// log; called under the lock. The log is append-only: a record
    /// `seq` that exists already is refused, never replaced.
    ///
    /// # Errors
    /// `seq` is not the next number; writing failed.
    async fn audit_append(&self, seq: u64, bytes: &[u8]) -> Result<(), StateError>;

    /// The side object `name` kept beside the state (`rollback`: an
    /// unfinished rollback; `snapshots/RUN_ID.json`: a run's configuration
    /// snapshot), as stored; `None` when there is none. The caller seals
    /// what holds values (`super::sealed::seal`). Stores without side
    /// objects have none.
    ///
    /// # Errors
    /// Reading failed.
    async fn side_read(&self, name: &str) -> Result<Option<Vec<u8>>, StateError> {
        let _ = name;
        Ok(None)
    }

    /// Stores `bytes` as side object `name` (replacing one there), owner-
    /// only and atomically: the local store's `state.json.NAME`, S3's
    /// `KEY.NAME`.
    ///
    /// # Errors
    /// Writing failed, or the store keeps no side objects.
    async fn side_write(&self, name: &str, bytes: &[u8]) -> Result<(), StateError> {
        let _ = bytes;
        Err(StateError::Remote(format!(
            "the state store {} cannot keep `{name}`",
            self.describe()
        )))
    }

    /// Removes side object `name` (nothing when there is none).
    ///
    /// # Errors
    /// Removing failed.
    async fn side_delete(&self, name: &str) -> Result<(), StateError> {
        let _ = name;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::StateError;

    #[test]
    fn an_unreadable_s3_lock_is_not_said_to_go_away_by_itself() {
        let help = StateError::LockedUnknown("s3://b/k.lock".into())
            .help()
            .unwrap_or_default();
        assert!(!help.contains("released automatically"), "{help}");
        assert!(help.contains("delete s3://b/k.lock by hand"), "{help}");
        let local = StateError::LockedUnknown("/w/state.lock".into())
            .help()
            .unwrap_or_default();
        assert!(local.contains("released automatically"), "{local}");
    }
}
