//! The state file format, version 1: versioned serde structs of their own,
//! shaped like Terraform's state v4 (`format_version`, `serial`, `lineage`,
//! `outputs`, `resources` → `instances` with `attributes`,
//! `sensitive_attributes`, `dependencies`). Version 2 adds the `pending`
//! list (creates whose outcome a crash left unknown); a state without
//! pending operations is still written as version 1, which older infra
//! reads. Version 3 adds each object's `schema_version` and provider
//! `private` bytes (base64, as Terraform's state v4 has them); it is
//! written only when some object has either. Version 4 adds `terraform`,
//! what a state taken over from Terraform had beyond infra's
//! (`terraform.rs`); written only then. Documented in docs/state.md.

use super::codec::{self, Path};
use super::pending::PendingRecord;
use super::{InstanceState, ObjectMeta, OutputState, State, StateError};
use crate::addr::{InstanceKey, ResourceAddress, ResourceMode};
use infra_lang::Value;
use infra_lang::value::{AsJson, FromJson, from_json};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The newest format version this infra reads and writes: 4 when the
/// state keeps what Terraform's state had beyond infra's (taken over by
/// `infra init -migrate-state`), 3 when an
/// object has a schema version or private bytes, else 2 when the state has
/// pending operations, else 1 (so older infra, which would drop what it
/// does not know, refuses such a state instead of losing it).
pub const FORMAT_VERSION: u64 = 4;

/// The format version of a state with object schema versions or private
/// bytes but nothing kept from Terraform.
pub const FORMAT_VERSION_META: u64 = 3;

/// The format version of a state with pending operations but no object
/// schema versions or private bytes.
pub const FORMAT_VERSION_PENDING: u64 = 2;

/// The format version of a state without pending operations.
pub const FORMAT_VERSION_PLAIN: u64 = 1;

/// Private bytes as stored: base64 with standard padding (what Go's
/// `encoding/json` writes for `[]byte`), absent when empty.
pub(crate) mod private_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("`private` is not base64: {e}")))
    }
}

pub(crate) fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The state file; `A` is how instances' attributes are held: borrowed
/// values written straight to text ([`AsJson`]), values read straight
/// from it ([`FromJson`]).
#[derive(Serialize, Deserialize)]
struct StateFile<A> {
    format_version: u64,
    #[serde(default)]
    infra_version: String,
    serial: u64,
    lineage: String,
    #[serde(default)]
    outputs: BTreeMap<String, OutputFile>,
    #[serde(default = "Vec::new")]
    resources: Vec<ResourceFile<A>>,
    /// Version 2: creates whose outcome is unknown (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending: Vec<PendingRecord>,
    /// Version 4: what a state taken over from Terraform had that infra
    /// has no place for (absent for a state infra began).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    terraform: Option<Box<super::terraform::Kept>>,
}

#[derive(Serialize, Deserialize)]
struct OutputFile {
    value: Json,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sensitive: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sensitive_attributes: Vec<Path>,
    /// Numbers beyond `f64` with their exact text (`value` holds the
    /// nearest `f64`; docs/state.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    exact_numbers: Vec<(Path, String)>,
}

#[derive(Serialize, Deserialize)]
struct ResourceFile<A> {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    module: String,
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    provider: String,
    instances: Vec<InstanceRecord<A>>,
}

/// One instance as stored in the state file and in journal entries. Its
/// attributes are a JSON tree (`A = Json`, journal entries), or, in the
/// state file, values serialised straight to and from the text
/// ([`AsJson`], [`FromJson`]): the same text either way.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InstanceRecord<A = Json> {
    /// `null`/absent, a number (`count`) or a string (`for_each`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<Json>,
    /// The attributes, sensitive values in clear (the state file is a
    /// secret; see docs/state.md).
    pub attributes: A,
    /// Paths of sensitive attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<Path>,
    /// Numbers beyond `f64` with their exact text (`attributes` holds
    /// the nearest `f64`; docs/state.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exact_numbers: Vec<(Path, String)>,
    /// Addresses it depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// `lifecycle { create_before_destroy = true }`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// Deposed objects by deposed key (absent when there are none).
    #[serde(default = "BTreeMap::new", skip_serializing_if = "BTreeMap::is_empty")]
    pub deposed: BTreeMap<String, DeposedRecord<A>>,
    /// Version 3: the schema version the attributes were written by
    /// (absent: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub schema_version: u64,
    /// Version 3: the provider's private bytes, base64 (absent: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "private_bytes")]
    pub private: Vec<u8>,
    /// When the object was last read or written, RFC 3339 UTC (absent:
    /// never recorded). Advisory, for `plan --refresh=auto`: any format
    /// version may hold it, and an infra that does not know it drops it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
    /// Hex SHA-256 of the configuration it was last planned or applied
    /// from (absent: never recorded); advisory like `read_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
}

/// A deposed object as stored in the state file: an earlier object of the
/// instance, replaced create-then-delete, still to be deleted.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeposedRecord<A = Json> {
    /// Its attributes, sensitive values in clear.
    pub attributes: A,
    /// Paths of sensitive attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<Path>,
    /// Numbers beyond `f64` with their exact text (`attributes` holds
    /// the nearest `f64`; docs/state.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exact_numbers: Vec<(Path, String)>,
    /// Version 3: its schema version (absent: 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub schema_version: u64,
    /// Version 3: its private bytes, base64 (absent: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "private_bytes")]
    pub private: Vec<u8>,
}

/// What a record's attributes are read as: the value, unmarked.
pub trait Attributes {
    /// The value the attributes hold (no sensitive marks).
    fn into_value(self) -> Value;
}

impl Attributes for Json {
    fn into_value(self) -> Value {
        from_json(&self)
    }
}

impl Attributes for FromJson {
    fn into_value(self) -> Value {
        self.0
    }
}

/// A stored object's value: its attributes marked sensitive at the
/// recorded paths, exact numbers put back.
fn stored_value(
    attributes: impl Attributes,
    sensitive: &[Path],
    exact: &[(Path, String)],
) -> Value {
    codec::restore_numbers(
        codec::mark_sensitive(attributes.into_value(), sensitive),
        exact,
    )
}

impl<A> InstanceRecord<A> {
    /// True when it (or a deposed object of it) has a schema version or
    /// private bytes: the state needs format version 3.
    fn has_meta(&self) -> bool {
        self.schema_version != 0
            || !self.private.is_empty()
            || self
                .deposed
                .values()
                .any(|d| d.schema_version != 0 || !d.private.is_empty())
    }

    /// The record of `inst` at `addr`, its values as `attributes` holds
    /// them.
    fn of<'a>(
        addr: &ResourceAddress,
        inst: &'a InstanceState,
        attributes: impl Fn(&'a Value) -> A,
    ) -> InstanceRecord<A> {
        let e = codec::marks(&inst.value);
        InstanceRecord {
            index_key: match &addr.key {
                InstanceKey::None => None,
                InstanceKey::Int(i) => Some(Json::from(*i)),
                InstanceKey::Str(s) => Some(Json::String(s.clone())),
            },
            attributes: attributes(&inst.value),
            sensitive_attributes: e.sensitive,
            exact_numbers: e.exact_numbers,
            dependencies: inst.dependencies.iter().map(ToString::to_string).collect(),
            create_before_destroy: inst.create_before_destroy,
            deposed: inst
                .deposed
                .iter()
                .map(|(k, v)| {
                    let e = codec::marks(v);
                    let meta = inst.deposed_meta.get(k).cloned().unwrap_or_default();
                    (
                        k.clone(),
                        DeposedRecord {
                            attributes: attributes(v),
                            sensitive_attributes: e.sensitive,
                            exact_numbers: e.exact_numbers,
                            schema_version: meta.schema_version,
                            private: meta.private,
                        },
                    )
                })
                .collect(),
            schema_version: inst.meta.schema_version,
            private: inst.meta.private.clone(),
            read_at: inst.meta.read_at.map(infra_stdlib::time::rfc3339_utc),
            config_digest: inst.meta.config_digest.clone(),
        }
    }

    /// The instance key.
    pub fn key(&self) -> Result<InstanceKey, String> {
        index_key(self.index_key.as_ref())
    }
}

impl<A: Attributes> InstanceRecord<A> {
    /// The domain form, for provider `provider`.
    pub fn into_state(self, provider: &str) -> InstanceState {
        let deposed_meta = self
            .deposed
            .iter()
            .filter(|(_, d)| d.schema_version != 0 || !d.private.is_empty())
            .map(|(k, d)| {
                (
                    k.clone(),
                    ObjectMeta {
                        schema_version: d.schema_version,
                        private: d.private.clone(),
                        ..ObjectMeta::default()
                    },
                )
            })
            .collect();
        InstanceState {
            value: stored_value(
                self.attributes,
                &self.sensitive_attributes,
                &self.exact_numbers,
            ),
            provider: provider.to_string(),
            dependencies: self
                .dependencies
                .iter()
                .filter_map(|d| ResourceAddress::parse(d).ok())
                .collect(),
            create_before_destroy: self.create_before_destroy,
            deposed: self
                .deposed
                .into_iter()
                .map(|(k, d)| {
                    let v = stored_value(d.attributes, &d.sensitive_attributes, &d.exact_numbers);
                    (k, v)
                })
                .collect(),
            meta: ObjectMeta {
                schema_version: self.schema_version,
                private: self.private,
                // A time that does not parse is as good as none.
                read_at: self.read_at.as_deref().and_then(|t| {
                    infra_stdlib::time::Time::parse_rfc3339(t)
                        .ok()
                        .map(|t| t.secs)
                }),
                config_digest: self.config_digest,
            },
            deposed_meta,
        }
    }
}

impl InstanceRecord {
    /// The record of `inst` at `addr` (a journal entry's).
    pub fn from_state(addr: &ResourceAddress, inst: &InstanceState) -> InstanceRecord {
        // Infallible, as for `to_text`.
        InstanceRecord::of(addr, inst, |v| {
            serde_json::to_value(AsJson(v)).unwrap_or(Json::Null)
        })
    }

    /// The domain form, for provider `provider`.
    pub fn to_state(&self, provider: &str) -> InstanceState {
        self.clone().into_state(provider)
    }
}

/// An instance key as a state file records it (infra's and Terraform's
/// alike): absent or `null`, a whole number (`count`) or a string
/// (`for_each`).
///
/// # Errors
/// A message naming any other value.
pub(crate) fn index_key(key: Option<&Json>) -> Result<InstanceKey, String> {
    match key {
        None | Some(Json::Null) => Ok(InstanceKey::None),
        Some(Json::String(s)) => Ok(InstanceKey::Str(s.clone())),
        Some(Json::Number(n)) => n
            .as_i64()
            .map(InstanceKey::Int)
            .ok_or_else(|| format!("index_key {n} is not a whole number")),
        Some(other) => Err(format!(
            "index_key {other} is neither a number nor a string"
        )),
    }
}

/// The address (without instance key) of a resource as a state file
/// records it (infra's and Terraform's alike): `module` (`module.a["k"]`
/// or empty), `mode` (`managed` or `data`), type and name; with its text.
///
/// # Errors
/// An unknown mode, or parts that make no address.
pub(crate) fn resource_address(
    module: &str,
    mode: &str,
    type_name: &str,
    name: &str,
) -> Result<(ResourceAddress, String), String> {
    let prefix = if module.is_empty() {
        String::new()
    } else {
        format!("{module}.")
    };
    let data = match mode {
        "managed" => "",
        "data" => "data.",
        other => return Err(format!("unknown resource mode {other:?}")),
    };
    let text = format!("{prefix}{data}{type_name}.{name}");
    let base = ResourceAddress::parse(&text).map_err(|e| format!("{text}: {e}"))?;
    Ok((base, text))
}

/// The state as the text of a state file (pretty JSON, trailing newline).
/// Attributes are serialised straight from the values ([`AsJson`]).
pub fn to_text(state: &State) -> String {
    // Infallible: every map key is a string and `AsJson` reports no
    // error (a non-finite number is written as `null`, as serde_json does).
    let mut text = serde_json::to_string_pretty(&state_file(state, AsJson)).unwrap_or_default();
    text.push('\n');
    text
}

/// The state file of `state`, attributes as `attributes` holds them.
fn state_file<'a, A>(state: &'a State, attributes: impl Fn(&'a Value) -> A + Copy) -> StateFile<A> {
    let mut resources: Vec<ResourceFile<A>> = Vec::new();
    let mut has_meta = false;
    let mut last: Option<&ResourceAddress> = None;
    for (addr, inst) in &state.resources {
        let record = InstanceRecord::of(addr, inst, attributes);
        has_meta |= record.has_meta();
        // Instances of one resource are adjacent: addresses sort by module,
        // mode, type, name, then key.
        if let Some(l) = last
            && let Some(r) = resources.last_mut()
            && l.module == addr.module
            && l.mode == addr.mode
            && l.type_name == addr.type_name
            && l.name == addr.name
        {
            r.instances.push(record);
            continue;
        }
        last = Some(addr);
        resources.push(ResourceFile {
            module: addr.module.to_string(),
            mode: match addr.mode {
                ResourceMode::Managed => "managed",
                ResourceMode::Data => "data",
            }
            .to_string(),
            type_name: addr.type_name.clone(),
            name: addr.name.clone(),
            provider: inst.provider.clone(),
            instances: vec![record],
        });
    }
    StateFile {
        format_version: if state.terraform.is_some() {
            FORMAT_VERSION
        } else if has_meta {
            FORMAT_VERSION_META
        } else if state.pending.is_empty() {
            FORMAT_VERSION_PLAIN
        } else {
            FORMAT_VERSION_PENDING
        },
        infra_version: env!("CARGO_PKG_VERSION").to_string(),
        serial: state.serial,
        lineage: state.lineage.clone(),
        outputs: state
            .outputs
            .iter()
            .map(|(k, o)| {
                let e = codec::encode(&o.value);
                (
                    k.clone(),
                    OutputFile {
                        value: e.json,
                        sensitive: o.sensitive,
                        sensitive_attributes: e.sensitive,
                        exact_numbers: e.exact_numbers,
                    },
                )
            })
            .collect(),
        resources,
        pending: state
            .pending
            .iter()
            .map(PendingRecord::from_pending)
            .collect(),
        terraform: state.terraform.clone(),
    }
}

/// Parses the text of a state file read from `path`.
///
/// # Errors
/// [`StateError::TooNew`] for a newer format version;
/// [`StateError::Corrupt`] with the line and column of the problem, for
/// a format version older than 1 (none exists), or an instance recorded
/// twice.
pub fn from_text(text: &str, path: &str) -> Result<State, StateError> {
    let corrupt = |message: String| StateError::Corrupt {
        path: path.to_string(),
        message,
    };
    // One parse: the format version is checked on what it read, or, when
    // the text does not read as a state file, on the version alone (a
    // newer or older format is reported as such, not as corrupt).
    let parsed = serde_json::from_str::<StateFile<FromJson>>(text);
    #[derive(Deserialize)]
    struct Version {
        format_version: Option<u64>,
    }
    let version = match &parsed {
        Ok(file) => Some(file.format_version),
        Err(_) => {
            let v: Version = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
            v.format_version
        }
    };
    match version {
        None if super::terraform::looks_like_terraform(text.as_bytes()) => {
            return Err(StateError::Terraform {
                path: path.to_string(),
            });
        }
        None => return Err(corrupt("it has no `format_version`".into())),
        Some(found) if found > FORMAT_VERSION => {
            return Err(StateError::TooNew {
                path: path.to_string(),
                found,
                supported: FORMAT_VERSION,
            });
        }
        Some(found) if found < FORMAT_VERSION_PLAIN => {
            return Err(corrupt(format!(
                "it has format version {found}, which no infra writes (this one reads versions {FORMAT_VERSION_PLAIN} to {FORMAT_VERSION})"
            )));
        }
        Some(_) => {}
    }
    let file = parsed.map_err(|e| corrupt(e.to_string()))?;
    let mut state = State {
        lineage: file.lineage,
        serial: file.serial,
        outputs: BTreeMap::new(),
        resources: BTreeMap::new(),
        pending: Vec::new(),
        interrupted: None,
        terraform: file.terraform,
    };
    for p in &file.pending {
        state.pending.push(p.to_pending().map_err(corrupt)?);
    }
    for (k, o) in file.outputs {
        state.outputs.insert(
            k,
            OutputState {
                value: codec::restore_numbers(
                    codec::decode(&o.value, &o.sensitive_attributes, &[], None),
                    &o.exact_numbers,
                ),
                sensitive: o.sensitive,
            },
        );
    }
    for r in file.resources {
        let (base, text) =
            resource_address(&r.module, &r.mode, &r.type_name, &r.name).map_err(corrupt)?;
        for inst in r.instances {
            let mut addr = base.clone();
            addr.key = inst.key().map_err(|e| corrupt(format!("{text}: {e}")))?;
            if state.resources.contains_key(&addr) {
                return Err(corrupt(format!(
                    "`{addr}` is recorded twice (which of its records is right cannot be told)"
                )));
            }
            state.resources.insert(addr, inst.into_state(&r.provider));
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::value::ValueMap;

    fn text() -> String {
        let mut state = State::new();
        let addr = ResourceAddress::parse("test_fault.a").expect("address");
        state.resources.insert(
            addr,
            InstanceState {
                value: infra_lang::Value::Object(ValueMap::new()),
                provider: "test".into(),
                dependencies: Vec::new(),
                create_before_destroy: false,
                deposed: ValueMap::new(),
                meta: ObjectMeta::default(),
                deposed_meta: BTreeMap::new(),
            },
        );
        to_text(&state)
    }

    #[test]
    fn schema_versions_and_private_bytes_need_version_3_and_round_trip() {
        let plain = text();
        assert!(plain.contains("\"format_version\": 1"), "{plain}");
        assert!(!plain.contains("private") && !plain.contains("schema_version"));
        let mut state = from_text(&plain, "s").expect("reads");
        let addr = ResourceAddress::parse("test_fault.a").expect("address");
        if let Some(i) = state.resources.get_mut(&addr) {
            i.meta = ObjectMeta {
                schema_version: 2,
                private: b"\x00secret\xff".to_vec(),
                ..ObjectMeta::default()
            };
            i.deposed.insert(
                "0badc0de".into(),
                infra_lang::Value::Object(ValueMap::new()),
            );
            i.deposed_meta.insert(
                "0badc0de".into(),
                ObjectMeta {
                    schema_version: 1,
                    private: b"old".to_vec(),
                    ..ObjectMeta::default()
                },
            );
        }
        let t = to_text(&state);
        assert!(t.contains("\"format_version\": 3"), "{t}");
        // base64 with standard padding, as Go writes []byte.
        assert!(t.contains("\"private\": \"AHNlY3JldP8=\""), "{t}");
        assert!(t.contains("\"private\": \"b2xk\""), "{t}");
        assert_eq!(from_text(&t, "s").expect("reads back"), state);
        let bad = t.replace("AHNlY3JldP8=", "not base64!");
        assert!(message(from_text(&bad, "s")).contains("not base64"));
    }

    #[test]
    fn read_times_and_config_digests_round_trip_in_any_version() {
        let mut state = from_text(&text(), "s").expect("reads");
        let addr = ResourceAddress::parse("test_fault.a").expect("address");
        if let Some(i) = state.resources.get_mut(&addr) {
            i.meta.read_at = Some(1_790_000_000);
            i.meta.config_digest = Some("ab12".into());
        }
        let t = to_text(&state);
        // Advisory: no new format version, so older infra still reads it.
        assert!(t.contains("\"format_version\": 1"), "{t}");
        assert!(t.contains("\"read_at\": \"2026-09-21T14:13:20Z\""), "{t}");
        assert!(t.contains("\"config_digest\": \"ab12\""), "{t}");
        assert_eq!(from_text(&t, "s").expect("reads back"), state);
        // A time that does not parse is as good as none.
        let bad = from_text(&t.replace("2026-09-21T14:13:20Z", "yesterday"), "s").expect("reads");
        assert_eq!(bad.resources[&addr].meta.read_at, None);
    }

    fn message(r: Result<State, StateError>) -> String {
        match r {
            Err(StateError::Corrupt { message, .. }) => message,
            other => panic!("expected corrupt, got {other:?}"),
        }
    }

    /// A state with what the file can hold: sensitive parts, numbers
    /// beyond `f64`, floats, deposed objects, module instances, keys.
    fn varied() -> State {
        use infra_lang::value::Number;
        let mut state = State::new();
        for (i, text) in [
            "infra_data.a",
            "infra_data.b[0]",
            "infra_data.b[1]",
            "module.m[\"x\"].infra_data.c[\"k\"]",
            "module.m[\"y\"].infra_data.c[\"k\"]",
        ]
        .iter()
        .enumerate()
        {
            let value = Value::object_of(&[
                ("id", Value::string(format!("id-{i}\n\"q\""))),
                ("n", Value::int(i as i64)),
                ("f", Value::Number(Number::parse("0.25").expect("number"))),
                (
                    "exact",
                    Value::Number(Number::parse("123456789012345678901234567890.5").expect("big")),
                ),
                ("secret", Value::string("s").mark_if(true)),
                (
                    "list",
                    Value::Tuple(vec![Value::Bool(true), Value::NULL, Value::object_of(&[])]),
                ),
            ]);
            let mut deposed = ValueMap::new();
            if i == 1 {
                deposed.insert("0badc0de".to_string(), value.clone());
            }
            state.resources.insert(
                ResourceAddress::parse(text).expect("address"),
                InstanceState {
                    value,
                    provider: "infra".into(),
                    dependencies: vec![ResourceAddress::parse("infra_data.a").expect("address")],
                    create_before_destroy: i == 2,
                    deposed,
                    meta: ObjectMeta::default(),
                    deposed_meta: BTreeMap::new(),
                },
            );
        }
        state
    }

    #[test]
    fn values_written_and_read_directly_give_the_json_trees_text_and_state() {
        let state = varied();
        let text = to_text(&state);
        // The reference: the same file through a JSON tree per value.
        let tree = state_file(&state, |v| {
            infra_lang::value::to_json(v).unwrap_or(Json::Null)
        });
        let mut expected = serde_json::to_string_pretty(&tree).expect("text");
        expected.push('\n');
        assert_eq!(text, expected);
        assert!(text.contains("\"exact_numbers\""), "{text}");
        let back = from_text(&text, "s").expect("reads");
        assert_eq!(back, state);
        // Read through JSON trees (as journal entries are), the same.
        let file: StateFile<Json> = serde_json::from_str(&text).expect("JSON");
        let inst = file.resources[0].instances[0].to_state("infra");
        assert_eq!(Some(&inst), state.resources.values().next());
        assert_eq!(to_text(&back), text);
    }

    #[test]
    fn a_state_written_by_earlier_infra_reads() {
        // Text as infra wrote it before values were serialised directly.
        let old = r#"{
  "format_version": 1,
  "infra_version": "0.1.0",
  "serial": 7,
  "lineage": "0b045d90-8efa-4b24-a2b8-9d0c5f64c7bb",
  "outputs": {},
  "resources": [
    {
      "mode": "managed",
      "type": "infra_data",
      "name": "a",
      "provider": "infra",
      "instances": [
        {
          "attributes": {
            "id": "x",
            "input": { "n": 1.5, "s": "pw" }
          },
          "sensitive_attributes": [["input", "s"]]
        }
      ]
    }
  ]
}
"#;
        let state = from_text(old, "s").expect("reads");
        let inst = state.resources.values().next().expect("one instance");
        assert_eq!(
            inst.value,
            Value::object_of(&[
                ("id", Value::string("x")),
                (
                    "input",
                    Value::object_of(&[
                        (
                            "n",
                            Value::Number(infra_lang::value::Number::parse("1.5").expect("n"))
                        ),
                        ("s", Value::string("pw").mark_if(true)),
                    ])
                ),
            ])
        );
        assert_eq!(state.serial, 7);
    }

    #[test]
    fn a_torn_state_file_is_corrupt_and_a_newer_one_too_new() {
        let text = to_text(&varied());
        for cut in [1, text.len() / 3, text.len() - 3] {
            assert!(
                matches!(
                    from_text(&text[..cut], "s"),
                    Err(StateError::Corrupt { .. })
                ),
                "cut at {cut}"
            );
        }
        let newer = text.replace("\"format_version\": 1", "\"format_version\": 99");
        assert!(matches!(
            from_text(&newer, "s"),
            Err(StateError::TooNew { found: 99, .. })
        ));
        let newer_shape = r#"{"format_version": 99, "resources": "elsewhere"}"#;
        assert!(matches!(
            from_text(newer_shape, "s"),
            Err(StateError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn format_version_zero_is_corrupt() {
        let t = text().replace("\"format_version\": 1", "\"format_version\": 0");
        assert!(message(from_text(&t, "s")).contains("format version 0"));
    }

    #[test]
    fn an_instance_recorded_twice_is_corrupt() {
        let mut doc: Json = serde_json::from_str(&text()).expect("JSON");
        let inst = doc["resources"][0]["instances"][0].clone();
        if let Some(a) = doc["resources"][0]["instances"].as_array_mut() {
            a.push(inst);
        }
        let m = message(from_text(&doc.to_string(), "s"));
        assert!(m.contains("`test_fault.a` is recorded twice"), "{m}");
    }
}
