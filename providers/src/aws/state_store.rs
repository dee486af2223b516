//! The S3 state store (`backend "s3" { ... }`): the state in one object,
//! in exactly the local store's format, guarded by conditional writes.
//!
//! Objects, for state key `KEY` (`workspace_key_prefix/WORKSPACE/KEY` in a
//! workspace other than `default`):
//!
//! | object | what |
//! |---|---|
//! | `KEY` | the state (the local `state.json` format) |
//! | `KEY.backup` | the version before the last write, when the bucket has no versioning |
//! | `KEY.journal/NNNNNNNNNNNNNNNNNNNN.json` | one completed operation of a run that has not yet written the state |
//! | `KEY.lock` | the lock: JSON [`LockInfo`] while held |
//!
//! - **Lock**: `PutObject KEY.lock` with `If-None-Match: *`. 412 means
//!   someone holds it: it is read and reported ([`StateError::Locked`]);
//!   with a timeout the put is retried every second. 409
//!   (`ConditionalRequestConflict`, a concurrent conditional write) is
//!   retried with backoff. Released by `DeleteObject` with `If-Match:` the
//!   ETag of our lock object, so a lock someone force-unlocked and someone
//!   else took is never removed.
//! - **Write**: compare-and-swap. `read` remembers the ETag (and serial
//!   and lineage) it saw; `write` puts with `If-Match: ETAG`
//!   (`If-None-Match: *` when there was no state). On 412 the state is read
//!   again and the write refused ([`StateError::Conflict`]) when its
//!   lineage differs or its serial is not older than ours. A write never
//!   replaces a state of another lineage or a serial not lower than its own.
//! - **Journal**: S3 cannot append, so each entry is an object of its own,
//!   named by a zero-padded counter (created with `If-None-Match: *`);
//!   `read` lists and replays them in order; a successful `write` deletes
//!   them.

use super::client::{self, Settings, describe, error_code, status};
use crate::object::{Attrs, get};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::BucketVersioningStatus;
use infra_engine::encryption::Target;
use infra_engine::state::journal::{self, Entry};
use infra_engine::state::{LockGuard, LockInfo, State, StateError, StateStore, sealed};
use infra_lang::{Diagnostic, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

mod audit;
mod side;

/// The default `workspace_key_prefix` (Terraform's).
pub const DEFAULT_WORKSPACE_KEY_PREFIX: &str = "env:";

/// The arguments `backend "s3"` accepts.
pub const ARGUMENTS: &[&str] = &[
    "bucket",
    "key",
    "region",
    "endpoint",
    "profile",
    "access_key",
    "secret_key",
    "force_path_style",
    "max_retries",
    "connect_timeout",
    "read_timeout",
    "workspace_key_prefix",
    "use_lockfile",
];

const WHAT: &str = "`backend \"s3\"`";

/// The evaluated arguments of `backend "s3" { ... }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3BackendConfig {
    /// The bucket (it must exist).
    pub bucket: String,
    /// The state object's key in the default workspace.
    pub key: String,
    /// Other workspaces keep their state at `PREFIX/WORKSPACE/KEY`.
    pub workspace_key_prefix: String,
    /// Lock with the `KEY.lock` object (default true; false: no lock).
    pub use_lockfile: bool,
    /// How to reach S3.
    pub settings: Settings,
}

fn invalid(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error("backend::invalid-argument", message)
}

impl S3BackendConfig {
    /// Reads the block's arguments (an object).
    ///
    /// # Errors
    /// Unknown arguments, a missing `bucket` or `key`, arguments of the
    /// wrong type.
    pub fn from_value(config: &Value) -> Result<S3BackendConfig, Vec<Diagnostic>> {
        let m: &Attrs = match crate::object::peel(config) {
            Value::Object(m) => m,
            other => {
                return Err(vec![invalid(format!(
                    "{WHAT}: expected an object, got {}",
                    other.describe()
                ))]);
            }
        };
        let mut diags = Vec::new();
        for name in m.keys() {
            if !ARGUMENTS.contains(&name.as_str()) {
                let help =
                    match infra_lang::diagnostic::did_you_mean(name, ARGUMENTS.iter().copied()) {
                        Some(s) => format!("Did you mean `{s}`?"),
                        None => format!("{WHAT} takes: {}.", ARGUMENTS.join(", ")),
                    };
                diags.push(invalid(format!("{WHAT} has no argument `{name}`")).with_help(help));
            }
        }
        let text = |name: &str, diags: &mut Vec<Diagnostic>| -> Option<String> {
            match get(m, name) {
                Value::Null(_) => None,
                Value::String(s) => Some(s.to_string()),
                other => {
                    diags.push(invalid(format!(
                        "`{name}` of {WHAT} must be a string, got {}",
                        other.describe()
                    )));
                    None
                }
            }
        };
        let required =
            |name: &str, example: &str, diags: &mut Vec<Diagnostic>| match text(name, diags) {
                Some(s) if !s.is_empty() => s,
                Some(_) => {
                    diags.push(invalid(format!("`{name}` of {WHAT} is empty")));
                    String::new()
                }
                None => {
                    diags.push(
                        invalid(format!("{WHAT} needs `{name}`"))
                            .with_help(format!("Add e.g. `{name} = \"{example}\"`.")),
                    );
                    String::new()
                }
            };
        let bucket = required("bucket", "acme-infra-state", &mut diags);
        let key = required("key", "web/prod.infrastate", &mut diags);
        if key.ends_with('/') {
            diags.push(invalid(format!(
                "`key` of {WHAT} must name an object, not end with `/`: {key:?}"
            )));
        }
        let workspace_key_prefix = match text("workspace_key_prefix", &mut diags) {
            Some(p) if p.is_empty() => {
                diags.push(invalid(format!(
                    "`workspace_key_prefix` of {WHAT} is empty"
                )));
                String::new()
            }
            Some(p) => p.trim_end_matches('/').to_string(),
            None => DEFAULT_WORKSPACE_KEY_PREFIX.to_string(),
        };
        let use_lockfile = match get(m, "use_lockfile") {
            Value::Null(_) => true,
            Value::Bool(b) => *b,
            other => {
                diags.push(invalid(format!(
                    "`use_lockfile` of {WHAT} must be a bool, got {}",
                    other.describe()
                )));
                true
            }
        };
        let settings = match super::settings_from(m, WHAT) {
            Ok((s, _)) => s,
            Err(d) => {
                diags.extend(d);
                Settings::default()
            }
        };
        if diags.is_empty() {
            Ok(S3BackendConfig {
                bucket,
                key,
                workspace_key_prefix,
                use_lockfile,
                settings,
            })
        } else {
            Err(diags)
        }
    }

    /// The state object's key in `workspace`.
    pub fn state_key(&self, workspace: &str) -> String {
        if workspace == "default" {
            self.key.clone()
        } else {
            format!("{}/{workspace}/{}", self.workspace_key_prefix, self.key)
        }
    }
}

/// What a conditional `PutObject` came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// Written; the new object's ETag.
    Written(String),
    /// 412 `PreconditionFailed`: the object exists (`If-None-Match: *`) or
    /// is not the version expected (`If-Match`).
    PreconditionFailed,
    /// 409 `ConditionalRequestConflict`: another conditional write to the
    /// key is in flight; try again.
    Conflict,
}

/// The lock object as the lock loop sees it: S3, or a stub in tests.
#[async_trait]
pub trait LockObject: Send + Sync {
    /// Where the lock is, for messages: `s3://bucket/key.lock`.
    fn location(&self) -> String;

    /// Creates the lock object with `body` unless it exists.
    ///
    /// # Errors
    /// Anything but 412 and 409.
    async fn put_if_absent(&self, body: &[u8]) -> Result<PutOutcome, StateError>;

    /// The lock object's content, `None` when there is none.
    ///
    /// # Errors
    /// Reading failed.
    async fn current(&self) -> Result<Option<Vec<u8>>, StateError>;
}

/// How the lock loop waits.
#[derive(Clone, Copy, Debug)]
pub struct LockTiming {
    /// Between attempts while someone holds the lock (1 s).
    pub poll: Duration,
    /// The first wait after a 409, doubled each time (200 ms).
    pub backoff: Duration,
    /// 409s in a row before giving up (8).
    pub max_conflicts: u32,
}

impl Default for LockTiming {
    fn default() -> LockTiming {
        LockTiming {
            poll: Duration::from_secs(1),
            backoff: Duration::from_millis(200),
            max_conflicts: 8,
        }
    }
}

/// The holder named by a lock object's content.
fn holder(location: &str, body: &[u8]) -> StateError {
    match serde_json::from_slice::<LockInfo>(body) {
        Ok(mut info) => {
            if info.path.is_empty() {
                info.path = location.to_string();
            }
            StateError::Locked(Box::new(info))
        }
        Err(_) => StateError::LockedUnknown(location.to_string()),
    }
}

/// Takes the lock `obj` for `info`: creates it if absent; while it is
/// held, tries again every `timing.poll` until `timeout` passes, then
/// reports the holder; retries 409s with backoff (not counted against the
/// timeout). Returns the ETag of our lock object.
///
/// # Errors
/// [`StateError::Locked`] naming the holder; S3 errors; too many 409s.
pub async fn acquire(
    obj: &dyn LockObject,
    info: &LockInfo,
    timeout: Duration,
    timing: LockTiming,
) -> Result<String, StateError> {
    let start = Instant::now();
    let body = serde_json::to_vec_pretty(info).unwrap_or_default();
    let mut conflicts = 0u32;
    let mut vanished = 0u32;
    loop {
        match obj.put_if_absent(&body).await? {
            PutOutcome::Written(etag) => return Ok(etag),
            PutOutcome::Conflict => {
                conflicts += 1;
                if conflicts > timing.max_conflicts {
                    return Err(StateError::Remote(format!(
                        "could not create the lock {}: S3 answered 409 ConditionalRequestConflict {conflicts} times in a row",
                        obj.location()
                    )));
                }
                tokio::time::sleep(timing.backoff * 2u32.pow(conflicts.min(5) - 1)).await;
            }
            PutOutcome::PreconditionFailed => {
                conflicts = 0;
                let held = match obj.current().await? {
                    Some(b) => holder(&obj.location(), &b),
                    // Released between our put and our get: try again.
                    None if vanished < 3 => {
                        vanished += 1;
                        continue;
                    }
                    None => StateError::LockedUnknown(obj.location()),
                };
                let elapsed = start.elapsed();
                if elapsed >= timeout {
                    return Err(held);
                }
                tokio::time::sleep(timing.poll.min(timeout - elapsed)).await;
            }
        }
    }
}

/// A journal object's content (`None`: gone), or why it could not be read.
type Fetched = Result<Option<Vec<u8>>, String>;

/// The state as last read or written: what a compare-and-swap expects.
#[derive(Clone, Debug)]
struct Current {
    etag: String,
    body: Vec<u8>,
    serial: u64,
    lineage: String,
}

/// The state in S3 (see the module documentation).
pub struct S3Store {
    config: S3BackendConfig,
    state_key: String,
    workspace: String,
    client: OnceCell<Client>,
    /// What `read` or `write` last saw: `Some(None)` — no state object.
    seen: Mutex<Option<Option<Current>>>,
    /// The next journal counter (`None`: list to find it).
    next_entry: tokio::sync::Mutex<Option<u64>>,
    versioned: OnceCell<bool>,
    timing: LockTiming,
    encryption: Arc<Target>,
}

/// How many times a write is retried after 412 (state replaced by one we
/// may overwrite) or 409.
const WRITE_ATTEMPTS: u32 = 5;

impl S3Store {
    /// The store for `config` in `workspace` (`default` for the key
    /// itself). Nothing is contacted until the first operation.
    pub fn new(config: S3BackendConfig, workspace: &str) -> S3Store {
        S3Store {
            state_key: config.state_key(workspace),
            workspace: workspace.to_string(),
            config,
            client: OnceCell::new(),
            seen: Mutex::new(None),
            next_entry: tokio::sync::Mutex::new(None),
            versioned: OnceCell::new(),
            timing: LockTiming::default(),
            encryption: Target::plain("state"),
        }
    }

    /// The store encrypting the state, its journal objects and backup
    /// with `target` (the `encryption` block's `state` target).
    #[must_use]
    pub fn with_encryption(mut self, target: Arc<Target>) -> S3Store {
        self.encryption = target;
        self
    }

    /// The store of an evaluated `backend "s3"` block.
    ///
    /// # Errors
    /// See [`S3BackendConfig::from_value`].
    pub fn from_backend(config: &Value, workspace: &str) -> Result<S3Store, Vec<Diagnostic>> {
        Ok(S3Store::new(
            S3BackendConfig::from_value(config)?,
            workspace,
        ))
    }

    /// Changes how the lock loop waits (tests use short polls).
    pub fn with_timing(mut self, timing: LockTiming) -> S3Store {
        self.timing = timing;
        self
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.config.bucket
    }

    /// The state object's key.
    pub fn state_key(&self) -> &str {
        &self.state_key
    }

    /// The lock object's key.
    pub fn lock_key(&self) -> String {
        format!("{}.lock", self.state_key)
    }

    /// The backup object's key.
    pub fn backup_key(&self) -> String {
        format!("{}.backup", self.state_key)
    }

    /// The prefix of the journal's objects.
    pub fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.state_key)
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.config.bucket)
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| client::s3_client(&self.config.settings))
            .await
    }

    fn remember(&self, seen: Option<Current>) {
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(seen);
    }

    fn remembered(&self) -> Option<Option<Current>> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The object at `key` and its ETag; `None` when it does not exist.
    async fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError> {
        let out = self
            .client()
            .await
            .get_object()
            .bucket(&self.config.bucket)
            .key(key)
            .send()
            .await;
        let out = match out {
            Ok(o) => o,
            Err(e) if error_code(&e).as_deref() == Some("NoSuchBucket") => {
                return Err(self.no_bucket());
            }
            Err(e) if status(&e) == Some(404) => return Ok(None),
            Err(e) => {
                return Err(StateError::Remote(format!(
                    "reading {}: {}",
                    self.url(key),
                    describe("GetObject", &e)
                )));
            }
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| StateError::Remote(format!("reading {}: {e}", self.url(key))))?;
        Ok(Some((body.into_bytes().to_vec(), etag)))
    }

    fn no_bucket(&self) -> StateError {
        StateError::Remote(format!(
            "the state bucket `{}` does not exist; create it (with versioning) before using this backend",
            self.config.bucket
        ))
    }

    /// `PutObject key` with a condition: `Some(etag)` → `If-Match`,
    /// `None` → `If-None-Match: *`.
    async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        expect: Option<&str>,
    ) -> Result<PutOutcome, StateError> {
        let mut req = self
            .client()
            .await
            .put_object()
            .bucket(&self.config.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        req = match expect {
            Some(etag) => req.if_match(etag),
            None => req.if_none_match("*"),
        };
        match req.send().await {
            Ok(out) => Ok(PutOutcome::Written(
                out.e_tag().unwrap_or_default().to_string(),
            )),
            Err(e) => {
                let code = error_code(&e);
                match (status(&e), code.as_deref()) {
                    (Some(412), _) | (_, Some("PreconditionFailed")) => {
                        Ok(PutOutcome::PreconditionFailed)
                    }
                    (Some(409), _) | (_, Some("ConditionalRequestConflict")) => {
                        Ok(PutOutcome::Conflict)
                    }
                    (_, Some("NoSuchBucket")) => Err(self.no_bucket()),
                    _ => Err(StateError::Remote(format!(
                        "writing {}: {}",
                        self.url(key),
                        describe("PutObject", &e)
                    ))),
                }
            }
        }
    }

    /// `DeleteObject key`, only if its ETag is `etag`. `Ok(false)` when it
    /// is another object now.
    async fn delete_if(&self, key: &str, etag: &str) -> Result<bool, StateError> {
        delete_if(self.client().await, &self.config.bucket, key, etag).await
    }

    /// The state object's bytes exactly as stored (`None` when there is
    /// none): not parsed, decrypted, locked or remembered. This is how
    /// `infra init -migrate-state` reads a state Terraform keeps in S3,
    /// which infra never writes.
    ///
    /// # Errors
    /// The bucket is missing or the object cannot be read.
    pub async fn stored_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.get(&self.state_key).await?.map(|(body, _)| body))
    }

    /// The current state object, parsed.
    async fn fetch(&self) -> Result<Option<Current>, StateError> {
        let Some((body, etag)) = self.get(&self.state_key).await? else {
            return Ok(None);
        };
        let state = self.parse(&body)?;
        Ok(Some(Current {
            etag,
            body,
            serial: state.serial,
            lineage: state.lineage,
        }))
    }

    fn parse(&self, body: &[u8]) -> Result<State, StateError> {
        sealed::read_state(body, &self.url(&self.state_key), &self.encryption)
    }

    /// Every key under `prefix`.
    ///
    /// # Errors
    /// The bucket is missing or cannot be listed.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let client = self.client().await;
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = client
                .list_objects_v2()
                .bucket(&self.config.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    if error_code(&e).as_deref() == Some("NoSuchBucket") {
                        self.no_bucket()
                    } else {
                        StateError::Remote(format!(
                            "listing {}: {}",
                            self.url(prefix),
                            describe("ListObjectsV2", &e)
                        ))
                    }
                })?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(keys)
    }

    /// The journal's objects, in order, with their counters.
    async fn journal_keys(&self) -> Result<Vec<(u64, String)>, StateError> {
        self.numbered_keys(&self.journal_prefix()).await
    }

    /// The objects `PREFIX000000000001.json`, ... under `prefix`, in
    /// order, with their numbers (other keys ignored).
    async fn numbered_keys(&self, prefix: &str) -> Result<Vec<(u64, String)>, StateError> {
        let mut keys: Vec<(u64, String)> = self
            .list(prefix)
            .await?
            .into_iter()
            .filter_map(|k| {
                let n = k
                    .strip_prefix(prefix)?
                    .strip_suffix(".json")?
                    .parse()
                    .ok()?;
                Some((n, k))
            })
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// The journal's entries, in order; remembers the next counter.
    async fn journal(&self) -> Result<Vec<Entry>, StateError> {
        let keys = self.journal_keys().await?;
        *self.next_entry.lock().await = Some(keys.last().map_or(1, |(n, _)| n + 1));
        let mut entries = Vec::with_capacity(keys.len());
        // A few reads at once: an interrupted large apply leaves many.
        for chunk in keys.chunks(16) {
            let mut reads = tokio::task::JoinSet::new();
            for (i, (_, key)) in chunk.iter().enumerate() {
                let client = self.client().await.clone();
                let bucket = self.config.bucket.clone();
                let key = key.clone();
                reads.spawn(async move {
                    let r = client.get_object().bucket(bucket).key(&key).send().await;
                    let body = match r {
                        Ok(o) => o
                            .body
                            .collect()
                            .await
                            .map(|b| Some(b.into_bytes().to_vec()))
                            .map_err(|e| e.to_string()),
                        Err(e) if status(&e) == Some(404) => Ok(None),
                        Err(e) => Err(describe("GetObject", &e)),
                    };
                    (i, key, body)
                });
            }
            let mut got: Vec<(usize, String, Fetched)> = reads.join_all().await;
            got.sort_by_key(|(i, _, _)| *i);
            for (_, key, body) in got {
                let shown = self.url(&key);
                let body = match body {
                    Ok(Some(b)) => b,
                    // Deleted by a write that finished meanwhile.
                    Ok(None) => continue,
                    Err(e) => return Err(StateError::Remote(format!("reading {shown}: {e}"))),
                };
                entries.push(sealed::read_entry(&body, &shown, &self.encryption)?);
            }
        }
        Ok(entries)
    }

    /// Whether the bucket keeps old versions (then no `KEY.backup`).
    async fn versioned(&self) -> bool {
        *self
            .versioned
            .get_or_init(|| async {
                let client = self.client().await;
                client
                    .get_bucket_versioning()
                    .bucket(&self.config.bucket)
                    .send()
                    .await
                    .is_ok_and(|v| v.status() == Some(&BucketVersioningStatus::Enabled))
            })
            .await
    }

    /// Refuses to replace `current` with `state`: another lineage, or a
    /// serial not older than ours.
    fn check(&self, current: &Current, state: &State, replaced: bool) -> Result<(), StateError> {
        let location = self.url(&self.state_key);
        let since = if replaced {
            " (another run wrote it after this one read it)"
        } else {
            ""
        };
        if current.lineage != state.lineage {
            return Err(StateError::Conflict {
                location,
                reason: format!(
                    "it holds lineage {} at serial {}{since}, another history than this run's lineage {}",
                    current.lineage, current.serial, state.lineage
                ),
            });
        }
        if current.serial >= state.serial {
            return Err(StateError::Conflict {
                location,
                reason: format!(
                    "it is at serial {}{since}, not older than the serial {} this run would write",
                    current.serial, state.serial
                ),
            });
        }
        Ok(())
    }

    /// Deletes the journal's objects (best effort: entries left behind
    /// were made against an older serial and are never replayed).
    async fn clear_journal(&self) {
        let mut next = self.next_entry.lock().await;
        if let Ok(keys) = self.journal_keys().await {
            let client = self.client().await;
            for (_, key) in keys {
                let _ = client
                    .delete_object()
                    .bucket(&self.config.bucket)
                    .key(key)
                    .send()
                    .await;
            }
        }
        *next = Some(1);
    }
}

/// `DeleteObject` with `If-Match`; `Ok(false)` on 412 (another object
/// now); a missing object counts as deleted.
async fn delete_if(
    client: &Client,
    bucket: &str,
    key: &str,
    etag: &str,
) -> Result<bool, StateError> {
    match client
        .delete_object()
        .bucket(bucket)
        .key(key)
        .if_match(etag)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e)
            if status(&e) == Some(412)
                || error_code(&e).as_deref() == Some("PreconditionFailed") =>
        {
            Ok(false)
        }
        Err(e) if status(&e) == Some(404) => Ok(true),
        Err(e) => Err(StateError::Remote(format!(
            "removing s3://{bucket}/{key}: {}",
            describe("DeleteObject", &e)
        ))),
    }
}

/// The lock object of an [`S3Store`].
struct S3LockObject<'a> {
    store: &'a S3Store,
}

#[async_trait]
impl LockObject for S3LockObject<'_> {
    fn location(&self) -> String {
        self.store.url(&self.store.lock_key())
    }

    async fn put_if_absent(&self, body: &[u8]) -> Result<PutOutcome, StateError> {
        self.store
            .put(&self.store.lock_key(), body.to_vec(), None)
            .await
    }

    async fn current(&self) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self
            .store
            .get(&self.store.lock_key())
            .await?
            .map(|(b, _)| b))
    }
}

/// A held S3 lock: `release` deletes it (if it is still ours); dropping
/// it unreleased deletes it too, blocking when that is possible (outside
/// a runtime, on a multi-threaded one), else in a background task.
struct S3Lock {
    client: Client,
    bucket: String,
    key: String,
    etag: String,
    handle: Option<tokio::runtime::Handle>,
    released: bool,
}

impl S3Lock {
    async fn remove(
        client: Client,
        bucket: String,
        key: String,
        etag: String,
    ) -> Result<(), StateError> {
        if delete_if(&client, &bucket, &key, &etag).await? {
            Ok(())
        } else {
            Err(StateError::Remote(format!(
                "the lock s3://{bucket}/{key} is not ours any more (it was force-unlocked and taken by someone else); it was left alone"
            )))
        }
    }
}

#[async_trait]
impl LockGuard for S3Lock {
    async fn release(mut self: Box<Self>) -> Result<(), StateError> {
        self.released = true;
        S3Lock::remove(
            self.client.clone(),
            self.bucket.clone(),
            self.key.clone(),
            self.etag.clone(),
        )
        .await
    }
}

impl Drop for S3Lock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let fut = S3Lock::remove(
            self.client.clone(),
            self.bucket.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.etag),
        );
        match (tokio::runtime::Handle::try_current(), &self.handle) {
            (Ok(current), _) => {
                current.spawn(fut);
            }
            (Err(_), Some(h))
                if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread =>
            {
                let _ = h.block_on(fut);
            }
            (Err(_), Some(h)) => {
                h.spawn(fut);
            }
            (Err(_), None) => {}
        }
    }
}

/// Locking turned off (`use_lockfile = false`).
struct NoLock;

impl LockGuard for NoLock {}

#[async_trait]
impl StateStore for S3Store {
    fn workspace(&self) -> &str {
        &self.workspace
    }

    fn encryption(&self) -> Arc<Target> {
        self.encryption.clone()
    }

    fn describe(&self) -> String {
        self.url(&self.state_key)
    }

    async fn lock(
        &self,
        info: LockInfo,
        timeout: Duration,
    ) -> Result<Box<dyn LockGuard>, StateError> {
        if !self.config.use_lockfile {
            return Ok(Box::new(NoLock));
        }
        let info = LockInfo {
            path: self.url(&self.lock_key()),
            workspace: self.workspace.clone(),
            ..info
        };
        let obj = S3LockObject { store: self };
        let etag = acquire(&obj, &info, timeout, self.timing).await?;
        Ok(Box::new(S3Lock {
            client: self.client().await.clone(),
            bucket: self.config.bucket.clone(),
            key: self.lock_key(),
            etag,
            handle: tokio::runtime::Handle::try_current().ok(),
            released: false,
        }))
    }

    async fn check_unlocked(&self) -> Result<(), StateError> {
        if !self.config.use_lockfile {
            return Ok(());
        }
        let key = self.lock_key();
        match self.get(&key).await? {
            Some((body, _)) => Err(holder(&self.url(&key), &body)),
            None => Ok(()),
        }
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        let current = self.fetch().await?;
        let state = match &current {
            Some(c) => Some(self.parse(&c.body)?),
            None => None,
        };
        self.remember(current);
        let entries = self.journal().await?;
        journal::replay(state, &entries).map_err(|mut m| {
            m.journal = self.url(&self.journal_prefix());
            m.state = self.url(&self.state_key);
            StateError::JournalMismatch(m)
        })
    }

    async fn write(&self, state: &State) -> Result<(), StateError> {
        let body = sealed::state_bytes(state, &self.url(&self.state_key), &self.encryption)?;
        let mut expected = match self.remembered() {
            Some(seen) => seen,
            None => self.fetch().await?,
        };
        let mut replaced = false;
        let mut conflicts = 0u32;
        for _ in 0..WRITE_ATTEMPTS + self.timing.max_conflicts {
            if let Some(cur) = &expected {
                self.check(cur, state, replaced)?;
                if !self.versioned().await {
                    // Unconditional: the backup is only ever the last
                    // state we replaced.
                    // Migrating to encryption, the plain previous version
                    // is kept encrypted.
                    let backup = self.backup_key();
                    let kept =
                        sealed::backup_bytes(&cur.body, &self.url(&backup), &self.encryption)?
                            .unwrap_or_else(|| cur.body.clone());
                    self.put_plain(&backup, kept).await?;
                }
            }
            let outcome = self
                .put(
                    &self.state_key,
                    body.clone(),
                    expected.as_ref().map(|c| c.etag.as_str()),
                )
                .await?;
            match outcome {
                PutOutcome::Written(etag) => {
                    self.remember(Some(Current {
                        etag,
                        body,
                        serial: state.serial,
                        lineage: state.lineage.clone(),
                    }));
                    self.clear_journal().await;
                    return Ok(());
                }
                PutOutcome::PreconditionFailed => {
                    replaced = true;
                    expected = self.fetch().await?;
                }
                PutOutcome::Conflict => {
                    conflicts += 1;
                    tokio::time::sleep(self.timing.backoff * 2u32.pow(conflicts.min(5) - 1)).await;
                }
            }
        }
        Err(StateError::Remote(format!(
            "could not write {}: it kept changing while infra wrote it",
            self.url(&self.state_key)
        )))
    }

    async fn record(&self, entry: &Entry) -> Result<(), StateError> {
        let mut next = self.next_entry.lock().await;
        let mut n = match *next {
            Some(n) => n,
            None => self.journal_keys().await?.last().map_or(1, |(n, _)| n + 1),
        };
        let body = sealed::entry_bytes(entry, &self.encryption)?;
        loop {
            let key = format!("{}{n:020}.json", self.journal_prefix());
            match self.put(&key, body.clone(), None).await? {
                PutOutcome::Written(_) => {
                    *next = Some(n + 1);
                    return Ok(());
                }
                // Taken (a run that lost its lock?): the next number.
                PutOutcome::PreconditionFailed => n += 1,
                PutOutcome::Conflict => {
                    tokio::time::sleep(self.timing.backoff).await;
                }
            }
        }
    }

    async fn audit_records(&self) -> Result<Vec<Vec<u8>>, StateError> {
        self.audit_records_s3().await
    }

    async fn audit_last(&self) -> Result<Option<Vec<u8>>, StateError> {
        self.audit_last_s3().await
    }

    async fn audit_append(&self, seq: u64, bytes: &[u8]) -> Result<(), StateError> {
        self.audit_append_s3(seq, bytes).await
    }

    async fn side_read(&self, name: &str) -> Result<Option<Vec<u8>>, StateError> {
        self.side_read_s3(name).await
    }

    async fn side_write(&self, name: &str, bytes: &[u8]) -> Result<(), StateError> {
        self.side_write_s3(name, bytes).await
    }

    async fn side_delete(&self, name: &str) -> Result<(), StateError> {
        self.side_delete_s3(name).await
    }

    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let key = self.lock_key();
        let location = self.url(&key);
        let Some((body, etag)) = self.get(&key).await? else {
            return Err(StateError::NotLocked(self.url(&self.state_key)));
        };
        let info = match holder(&location, &body) {
            StateError::Locked(info) => info,
            _ => {
                return Err(StateError::Remote(format!(
                    "the lock {location} does not hold lock information; if no infra command is running, delete it by hand"
                )));
            }
        };
        if info.id != id {
            return Err(StateError::WrongLock {
                given: id.to_string(),
                held: info,
            });
        }
        if self.delete_if(&key, &etag).await? {
            Ok(*info)
        } else {
            Err(StateError::Remote(format!(
                "the lock {location} changed while it was being removed; run `infra force-unlock` again with the id it names now"
            )))
        }
    }
}

impl S3Store {
    /// Deletes the state object, its backup and its journal's objects
    /// (`infra workspace delete`, with the lock held; the lock object is
    /// removed when it is released).
    ///
    /// # Errors
    /// A delete S3 refused (what was deleted before stays deleted).
    pub async fn remove(&self) -> Result<(), StateError> {
        let mut keys = vec![self.state_key.clone(), self.backup_key()];
        keys.extend(self.journal_keys().await?.into_iter().map(|(_, k)| k));
        let client = self.client().await;
        for key in keys {
            if let Err(e) = client
                .delete_object()
                .bucket(&self.config.bucket)
                .key(&key)
                .send()
                .await
                && status(&e) != Some(404)
            {
                return Err(StateError::Remote(format!(
                    "removing {}: {}",
                    self.url(&key),
                    describe("DeleteObject", &e)
                )));
            }
        }
        Ok(())
    }

    /// `PutObject` without a condition.
    async fn put_plain(&self, key: &str, body: Vec<u8>) -> Result<(), StateError> {
        self.client()
            .await
            .put_object()
            .bucket(&self.config.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                StateError::Remote(format!(
                    "writing {}: {}",
                    self.url(key),
                    describe("PutObject", &e)
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Answers puts from a script, then `Written`.
    struct Scripted {
        puts: Mutex<VecDeque<PutOutcome>>,
        holder: Option<Vec<u8>>,
        calls: Mutex<u32>,
    }

    #[async_trait]
    impl LockObject for Scripted {
        fn location(&self) -> String {
            "s3://b/k.lock".into()
        }

        async fn put_if_absent(&self, _body: &[u8]) -> Result<PutOutcome, StateError> {
            *self
                .calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
            Ok(self
                .puts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop_front()
                .unwrap_or_else(|| PutOutcome::Written("\"etag\"".into())))
        }

        async fn current(&self) -> Result<Option<Vec<u8>>, StateError> {
            Ok(self.holder.clone())
        }
    }

    fn fast() -> LockTiming {
        LockTiming {
            poll: Duration::from_millis(10),
            backoff: Duration::from_millis(1),
            max_conflicts: 3,
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    }

    fn scripted(puts: Vec<PutOutcome>, holder: Option<&LockInfo>) -> Scripted {
        Scripted {
            puts: Mutex::new(puts.into()),
            holder: holder.map(|h| serde_json::to_vec(h).unwrap_or_default()),
            calls: Mutex::new(0),
        }
    }

    #[test]
    fn conflict_is_retried_then_the_lock_is_taken() {
        let obj = scripted(vec![PutOutcome::Conflict, PutOutcome::Conflict], None);
        let got = rt().block_on(acquire(
            &obj,
            &LockInfo::new("apply"),
            Duration::ZERO,
            fast(),
        ));
        assert_eq!(got.ok().as_deref(), Some("\"etag\""));
        assert_eq!(
            *obj.calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            3
        );
    }

    #[test]
    fn endless_conflicts_give_up() {
        let obj = scripted(vec![PutOutcome::Conflict; 10], None);
        let got = rt().block_on(acquire(
            &obj,
            &LockInfo::new("apply"),
            Duration::ZERO,
            fast(),
        ));
        assert!(
            matches!(&got, Err(StateError::Remote(m)) if m.contains("409")),
            "{got:?}"
        );
    }

    #[test]
    fn held_lock_names_its_holder() {
        let other = LockInfo::new("plan");
        let obj = scripted(vec![PutOutcome::PreconditionFailed; 3], Some(&other));
        let got = rt().block_on(acquire(
            &obj,
            &LockInfo::new("apply"),
            Duration::ZERO,
            fast(),
        ));
        match got {
            Err(StateError::Locked(info)) => {
                assert_eq!(info.id, other.id);
                assert_eq!(info.path, "s3://b/k.lock");
                assert!(info.is_remote());
            }
            other => panic!("expected Locked, got {other:?}"),
        }
    }

    #[test]
    fn a_timeout_waits_for_the_holder() {
        let other = LockInfo::new("plan");
        let obj = scripted(vec![PutOutcome::PreconditionFailed; 2], Some(&other));
        let got = rt().block_on(acquire(
            &obj,
            &LockInfo::new("apply"),
            Duration::from_secs(5),
            fast(),
        ));
        assert!(got.is_ok(), "{got:?}");
        assert_eq!(
            *obj.calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            3
        );
    }

    #[test]
    fn unreadable_lock_is_locked_unknown() {
        let mut obj = scripted(vec![PutOutcome::PreconditionFailed], None);
        obj.holder = Some(b"garbage".to_vec());
        let got = rt().block_on(acquire(
            &obj,
            &LockInfo::new("apply"),
            Duration::ZERO,
            fast(),
        ));
        assert!(matches!(got, Err(StateError::LockedUnknown(_))), "{got:?}");
    }

    fn config(value: &str) -> Result<S3BackendConfig, Vec<Diagnostic>> {
        let v: serde_json::Value = serde_json::from_str(value).unwrap_or_default();
        let mut m = Attrs::new();
        if let serde_json::Value::Object(o) = v {
            for (k, x) in o {
                let val = match x {
                    serde_json::Value::String(s) => Value::string(s),
                    serde_json::Value::Bool(b) => Value::Bool(b),
                    _ => Value::NULL,
                };
                m.insert(k, val);
            }
        }
        S3BackendConfig::from_value(&Value::Object(m))
    }

    #[test]
    fn backend_arguments() {
        let c = config(r#"{"bucket": "b", "key": "web/state", "region": "eu-west-1"}"#)
            .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(c.state_key("default"), "web/state");
        assert_eq!(c.state_key("staging"), "env:/staging/web/state");
        assert!(c.use_lockfile);
        assert_eq!(c.settings.region.as_deref(), Some("eu-west-1"));
        let c = config(
            r#"{"bucket": "b", "key": "k", "workspace_key_prefix": "ws/", "use_lockfile": false}"#,
        )
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(c.state_key("dev"), "ws/dev/k");
        assert!(!c.use_lockfile);
        let errs = config(r#"{"bukket": "b"}"#).err().unwrap_or_default();
        let text: Vec<String> = errs.iter().map(|d| d.message.clone()).collect();
        assert!(
            text.iter().any(|m| m.contains("no argument `bukket`")),
            "{text:?}"
        );
        assert!(text.iter().any(|m| m.contains("needs `key`")), "{text:?}");
    }
}
