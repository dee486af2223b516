//! State: what infra last knew of every object it manages — the domain
//! types here, the versioned file format in `file.rs`, the journal of
//! completed operations in `journal.rs`, and the state stores (`local.rs`;
//! remote ones implement [`StateStore`]).

pub mod codec;
pub mod file;
pub mod journal;
pub mod local;
pub mod pending;
pub mod private;
pub mod sealed;
mod store;
pub mod terraform;
pub mod workspaces;

pub use pending::{Pending, PendingOperation};
pub use store::{LockGuard, LockInfo, StateError, StateStore};

use crate::addr::ResourceAddress;
use infra_lang::Value;
use infra_lang::value::ValueMap;
use std::collections::BTreeMap;

/// One output of the root module, as of the last apply.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputState {
    /// Its value (sensitive parts marked).
    pub value: Value,
    /// Declared `sensitive = true`.
    pub sensitive: bool,
}

/// What a provider keeps beside an object's attributes: the schema
/// version the attributes were written by, and the provider's private
/// bytes (opaque to infra; Terraform's `private`). Both are zero/empty
/// for native providers. Beside them, what incremental refresh
/// (`plan --refresh=auto`, docs/performance.md) needs: when the object
/// was last read and from which configuration it was last planned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The resource type's schema version when the object was stored.
    pub schema_version: u64,
    /// The provider's private bytes for the object.
    pub private: Vec<u8>,
    /// When the object was last read from its provider (refresh, import)
    /// or written by an apply, in whole seconds since the Unix epoch
    /// (UTC); `None`: never recorded (a state older than the field).
    pub read_at: Option<i64>,
    /// [`config_digest`] of the instance's configuration when it was
    /// last planned (a no-op) or applied; `None`: never recorded.
    pub config_digest: Option<String>,
}

impl ObjectMeta {
    /// True when neither the schema version nor private bytes are set
    /// (what native providers store); the refresh bookkeeping
    /// (`read_at`, `config_digest`) does not count.
    pub fn is_empty(&self) -> bool {
        self.schema_version == 0 && self.private.is_empty()
    }
}

/// The current time in whole seconds since the Unix epoch: what
/// [`ObjectMeta::read_at`] records.
pub fn now_secs() -> i64 {
    infra_stdlib::time::unix_secs(std::time::SystemTime::now())
}

/// Hex SHA-256 of an instance's evaluated configuration (as conformed
/// to its schema, every attribute present), over an unambiguous encoding
/// of the value fed straight to the hash (no JSON in between: this runs
/// once per instance in every plan): a tag per kind, lengths before
/// strings and collections, object keys in order, numbers by their exact
/// text, sensitive and unknown parts marked. Lists, sets and tuples encode
/// alike, as do maps and objects, and nulls of any type: equal
/// configurations give equal digests.
pub fn config_digest(config: &Value) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    // The bytes are gathered first and hashed in one call: many small
    // updates cost more than the hashing of a configuration's few hundred
    // bytes. The byte stream is what it always was.
    struct Feed {
        bytes: Vec<u8>,
        number: String,
    }
    impl Feed {
        fn text(&mut self, s: &str) {
            self.bytes
                .extend_from_slice(&(s.len() as u64).to_le_bytes());
            self.bytes.extend_from_slice(s.as_bytes());
        }
        fn value(&mut self, v: &Value) {
            match v {
                Value::Null(_) => self.bytes.push(b'n'),
                Value::Unknown(_) => self.bytes.push(b'u'),
                Value::Bool(true) => self.bytes.push(b't'),
                Value::Bool(false) => self.bytes.push(b'f'),
                Value::Number(n) => {
                    self.bytes.push(b'#');
                    let mut number = std::mem::take(&mut self.number);
                    number.clear();
                    let _ = write!(number, "{n}");
                    self.text(&number);
                    self.number = number;
                }
                Value::String(s) => {
                    self.bytes.push(b's');
                    self.text(s);
                }
                Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) => {
                    self.bytes.push(b'[');
                    self.bytes
                        .extend_from_slice(&(xs.len() as u64).to_le_bytes());
                    for x in xs {
                        self.value(x);
                    }
                }
                Value::Map(_, m) | Value::Object(m) => {
                    self.bytes.push(b'{');
                    self.bytes
                        .extend_from_slice(&(m.len() as u64).to_le_bytes());
                    for (k, x) in m {
                        self.text(k);
                        self.value(x);
                    }
                }
                Value::Sensitive(inner) => {
                    self.bytes.push(b'!');
                    self.value(inner);
                }
            }
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut feed = Feed {
        bytes: Vec::with_capacity(1024),
        number: String::new(),
    };
    feed.value(config);
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(&feed.bytes) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// What is known of one resource instance's real object.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceState {
    /// Its attributes (an object; sensitive parts marked).
    pub value: Value,
    /// The provider that manages it (`random`).
    pub provider: String,
    /// Instances it depended on when last applied: deleted after them,
    /// and before them when both go away.
    pub dependencies: Vec<ResourceAddress>,
    /// Replaced create-then-delete (`lifecycle { create_before_destroy }`).
    pub create_before_destroy: bool,
    /// Deposed objects, by deposed key (8 hex digits): earlier objects of
    /// this instance replaced create-then-delete whose delete has not
    /// succeeded yet. The next plan deletes them.
    pub deposed: ValueMap,
    /// The schema version and private bytes of the current object.
    pub meta: ObjectMeta,
    /// The schema version and private bytes of deposed objects, by
    /// deposed key (absent: empty).
    pub deposed_meta: BTreeMap<String, ObjectMeta>,
}

/// For tests: an instance of provider `x` with a null value, these
/// dependencies and this metadata, nothing else.
#[cfg(test)]
pub(crate) fn test_instance(dependencies: Vec<ResourceAddress>, meta: ObjectMeta) -> InstanceState {
    InstanceState {
        value: Value::NULL,
        provider: "x".into(),
        dependencies,
        create_before_destroy: false,
        deposed: ValueMap::new(),
        meta,
        deposed_meta: BTreeMap::new(),
    }
}

/// A fresh deposed key: 8 random hex digits, as Terraform's.
pub fn new_deposed_key() -> String {
    let mut key = uuid::Uuid::new_v4().simple().to_string();
    key.truncate(8);
    key
}

/// The whole state of one workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Identifies this state's history; a state with another lineage is
    /// another history (a plan made against one cannot apply to the other).
    pub lineage: String,
    /// Increases by one with every write.
    pub serial: u64,
    /// Root module outputs.
    pub outputs: BTreeMap<String, OutputState>,
    /// Every managed resource instance and data source read, by address.
    pub resources: BTreeMap<ResourceAddress, InstanceState>,
    /// Creates started by an apply that died before recording their
    /// outcome, in the order they started: the object may exist without
    /// being in `resources` (see [`Pending`]).
    pub pending: Vec<Pending>,
    /// What the journal replayed onto this state says of the run that
    /// wrote it and did not finish (killed); `None` when no unfinished run
    /// was replayed. Never stored in the state file.
    pub interrupted: Option<journal::Interrupted>,
    /// What a state taken over from Terraform had that infra has no place
    /// for, written back by `infra state pull --format terraform`
    /// ([`terraform::Kept`]); `None` for a state infra began.
    pub terraform: Option<Box<terraform::Kept>>,
}

impl State {
    /// An empty state with a fresh lineage (a random UUID) and serial 0.
    pub fn new() -> State {
        State {
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            outputs: BTreeMap::new(),
            resources: BTreeMap::new(),
            pending: Vec::new(),
            interrupted: None,
            terraform: None,
        }
    }
}

impl State {
    /// The serial of the next version of this state.
    ///
    /// # Errors
    /// [`StateError::SerialOverflow`] when the serial is `u64::MAX`
    /// (it never wraps to 0).
    pub fn next_serial(&self) -> Result<u64, StateError> {
        self.serial
            .checked_add(1)
            .ok_or(StateError::SerialOverflow(self.serial))
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::Type;

    /// The digest as it was computed before the bytes were gathered first:
    /// one hash update per piece.
    fn streamed(config: &Value) -> String {
        use sha2::{Digest, Sha256};
        fn text(h: &mut Sha256, s: &str) {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
        fn feed(h: &mut Sha256, v: &Value) {
            match v {
                Value::Null(_) => h.update(b"n"),
                Value::Unknown(_) => h.update(b"u"),
                Value::Bool(true) => h.update(b"t"),
                Value::Bool(false) => h.update(b"f"),
                Value::Number(n) => {
                    h.update(b"#");
                    text(h, &n.to_string());
                }
                Value::String(s) => {
                    h.update(b"s");
                    text(h, s);
                }
                Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) => {
                    h.update(b"[");
                    h.update((xs.len() as u64).to_le_bytes());
                    for x in xs {
                        feed(h, x);
                    }
                }
                Value::Map(_, m) | Value::Object(m) => {
                    h.update(b"{");
                    h.update((m.len() as u64).to_le_bytes());
                    for (k, x) in m {
                        text(h, k);
                        feed(h, x);
                    }
                }
                Value::Sensitive(inner) => {
                    h.update(b"!");
                    feed(h, inner);
                }
            }
        }
        let mut h = Sha256::new();
        feed(&mut h, config);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn config_digests_are_those_of_the_streamed_bytes() {
        let tags = Value::object_of(&[
            ("team", Value::string("team-1")),
            ("owner", Value::string("o@example.com").mark_if(true)),
        ]);
        let values = [
            Value::NULL,
            Value::object_of(&[]),
            Value::object_of(&[
                ("name", Value::string("svc-00001")),
                ("index", Value::int(1)),
                (
                    "cpu",
                    Value::Number(infra_lang::value::Number::parse("0.25").expect("number")),
                ),
                ("enabled", Value::Bool(true)),
                ("off", Value::Bool(false)),
                ("tags", tags),
                ("id", Value::Unknown(Type::String)),
                ("gone", Value::Null(Type::Number)),
                (
                    "list",
                    Value::Tuple(vec![Value::int(-7), Value::string(""), Value::NULL]),
                ),
            ]),
        ];
        for v in &values {
            assert_eq!(config_digest(v), streamed(v), "{v:?}");
        }
    }
}
