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
    /// `user@host`.
    pub who: String,
    /// The process id.
    pub pid: u32,
    /// The infra version.
    pub version: String,
    /// When it was taken, RFC 3339 UTC.
    pub created: String,
}

impl LockInfo {
    /// A lock request for `operation` by this process, now.
    pub fn new(operation: &str) -> LockInfo {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".into());
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{user}@{host}"),
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: infra_stdlib::rfc3339_utc(secs),
        }
    }
}

/// Why a state store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process holds the lock.
    #[error(
        "the state is locked by {} (`infra {}`, pid {}) since {}; lock id {}",
        .0.who, .0.operation, .0.pid, .0.created, .0.id
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
}

impl StateError {
    /// A help line for the user.
    pub fn help(&self) -> Option<String> {
        match self {
            StateError::Locked(_) | StateError::LockedUnknown(_) => Some(
                "Wait for the other command to finish, or pass `--lock-timeout 60s` to wait for it. A lock held by a process that died is released automatically.".into(),
            ),
            StateError::Corrupt { path, .. } if path.ends_with(".journal") => Some(format!(
                "The file was left untouched. {path} records the operations of an interrupted run, one JSON object per line: fix or delete the damaged line (a deleted line's object is then unknown to infra; `infra import` or delete it by hand)."
            )),
            StateError::Corrupt { path, .. } => Some(format!(
                "The file was left untouched. The previous version is kept in {path}.backup: inspect it, and copy it over the state file if it is the one you want."
            )),
            StateError::TooNew { .. } => Some(
                "The state was not modified. Use the infra version that wrote it.".into(),
            ),
            _ => None,
        }
    }
}

/// A held lock; dropping it releases the lock.
pub trait LockGuard: Send {}

/// Where state lives: a local file, an S3 object, … Every write is atomic;
/// the previous version is kept.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Where the state is, for messages: `.infra/state.json`.
    fn describe(&self) -> String;

    /// Takes the lock, retrying until `timeout` passes.
    ///
    /// # Errors
    /// [`StateError::Locked`] naming the holder when it is still held.
    async fn lock(
        &self,
        info: LockInfo,
        timeout: Duration,
    ) -> Result<Box<dyn LockGuard>, StateError>;

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
}
