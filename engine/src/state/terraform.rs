//! Terraform's state format version 4 (`terraform.tfstate`, Terraform's
//! `internal/states/statefile/version4.go`) read into infra's [`State`]
//! and written back, losing nothing: lineage, serial, outputs with their
//! types, every resource instance with its index key, schema version,
//! attributes (dynamic ones, which Terraform writes `{"value", "type"}`,
//! unwrapped by the schema), sensitive paths (cty paths), private bytes,
//! dependencies, `create_before_destroy` and deposed objects. What infra
//! has no place for — `terraform_version`, `check_results`, each
//! resource's provider address as Terraform wrote it, and instance fields
//! such as `identity` or `status` — is kept in [`Kept`] (saved with
//! infra's state) and written back as it was.

use super::codec::{self, Path};
use super::{InstanceState, ObjectMeta, OutputState, State, StateError};
use crate::addr::{InstanceKey, ResourceAddress, ResourceMode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// The only Terraform state format version there is since Terraform 0.12.
pub const VERSION: u64 = 4;

/// The Terraform version whose state and language infra claims to match
/// (the oracle its tests run): written as `terraform_version` into a state
/// infra did not take over from Terraform, and checked against
/// `required_version`.
pub const COMPATIBLE_TERRAFORM_VERSION: &str = "1.15.5";

/// What Terraform's state has that infra's has no place for, kept beside
/// infra's state (its `terraform` member) so that
/// `infra state pull --format terraform` writes it back as it was.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// The Terraform version that last wrote the state.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub terraform_version: String,
    /// `check_results` as Terraform wrote them (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_results: Option<Json>,
    /// Each resource's provider address as Terraform wrote it
    /// (`provider["registry.terraform.io/hashicorp/random"].west`), by
    /// resource address without instance key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub providers: BTreeMap<String, String>,
    /// Fields of an instance object infra does not read (`identity`,
    /// `identity_schema_version`, `status`, ...), by instance address, or
    /// `ADDRESS deposed KEY` for a deposed object.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub objects: BTreeMap<String, KeptObject>,
}

/// The fields of one object infra does not read, with the object they
/// belong to: once infra has changed the object (an update, a
/// replacement), they describe another object and are not written back.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeptObject {
    /// SHA-256 (hex) of the object's attributes as Terraform wrote them.
    pub attributes_sha256: String,
    /// The fields, as Terraform wrote them.
    pub fields: Map<String, Json>,
}

/// The fingerprint [`KeptObject::attributes_sha256`] of `attributes`.
fn fingerprint(attributes: &Json) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(attributes.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Kept {
    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self == &Kept::default()
    }
}

/// Which attributes of a resource type (`mode`, type name) are dynamic
/// (`any`): Terraform writes those as `{"value": ..., "type": ...}`. Built
/// from the providers' schemas; an unknown type has none.
pub type DynamicAttributes<'a> = &'a dyn Fn(ResourceMode, &str) -> Vec<String>;

/// [`DynamicAttributes`] from the schemas of `providers`: the top-level
/// attributes of type `any` (a type no provider of `providers` has, none).
pub fn dynamic_attributes(
    providers: &crate::provider::Providers,
) -> impl Fn(ResourceMode, &str) -> Vec<String> + '_ {
    move |mode, type_name| {
        providers
            .schema(type_name, mode == ResourceMode::Data)
            .map(|s| {
                s.attributes
                    .iter()
                    .filter(|(_, a)| a.ty == Type::Any)
                    .map(|(n, _)| n.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A Terraform state read into infra's, with what the reader should know.
#[derive(Debug)]
pub struct Migrated {
    /// The state.
    pub state: State,
    /// Things Terraform's state says that infra does not act on
    /// (a tainted instance), one sentence each.
    pub notes: Vec<String>,
}

/// True when `text` starts like a Terraform state (`{"version": ...`
/// without infra's `format_version`): a cheap check on the first bytes,
/// made before a state file is locked or parsed.
pub fn looks_like_terraform(prefix: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&prefix[..prefix.len().min(200)]).into_owned();
    let t = head.trim_start();
    t.starts_with('{')
        && t[1..].trim_start().starts_with("\"version\"")
        && !head.contains("\"format_version\"")
}

#[derive(Deserialize)]
struct FileV4 {
    version: u64,
    #[serde(default)]
    terraform_version: String,
    #[serde(default)]
    serial: u64,
    #[serde(default)]
    lineage: String,
    #[serde(default)]
    outputs: BTreeMap<String, OutputV4>,
    #[serde(default)]
    resources: Vec<ResourceV4>,
    #[serde(default)]
    check_results: Option<Json>,
}

#[derive(Serialize, Deserialize)]
struct OutputV4 {
    value: Json,
    #[serde(rename = "type")]
    ty: Json,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sensitive: bool,
}

#[derive(Deserialize)]
struct ResourceV4 {
    #[serde(default)]
    module: String,
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    provider: String,
    #[serde(default)]
    instances: Vec<Map<String, Json>>,
}

/// The local name and alias of a Terraform provider address:
/// `provider["registry.terraform.io/hashicorp/aws"].west` → `aws.west`,
/// the key infra records.
fn provider_key(tf: &str) -> String {
    let after = tf.find("provider[\"").map_or(tf, |i| &tf[i + 10..]);
    let (source, rest) = after.split_once("\"]").unwrap_or((after, ""));
    let local = source.rsplit('/').next().unwrap_or(source);
    match rest.strip_prefix('.') {
        Some(alias) if !alias.is_empty() => format!("{local}.{alias}"),
        _ => local.to_string(),
    }
}

/// The Terraform provider address for infra's provider key `key`
/// (`aws.west`): Terraform's built-in provider for `terraform`, else the
/// provider of that name in the public registry's `hashicorp` namespace.
fn provider_address(key: &str) -> String {
    let (local, alias) = key.split_once('.').unwrap_or((key, ""));
    let source = if local == "terraform" {
        "terraform.io/builtin/terraform".to_string()
    } else {
        format!("registry.terraform.io/hashicorp/{local}")
    };
    if alias.is_empty() {
        format!("provider[\"{source}\"]")
    } else {
        format!("provider[\"{source}\"].{alias}")
    }
}

/// `v` without its sensitive marks on the outside.
fn bare(v: &Value) -> &Value {
    match v {
        Value::Sensitive(inner) => bare(inner),
        other => other,
    }
}

/// A cty path step (`{"type":"get_attr","value":"a"}`,
/// `{"type":"index","value":{"value":0,"type":"number"}}`) as infra's.
fn step_from_cty(step: &Json) -> Option<Json> {
    match step.get("type")?.as_str()? {
        "get_attr" => Some(step.get("value")?.clone()),
        "index" => Some(step.get("value")?.get("value")?.clone()),
        _ => None,
    }
}

/// infra's path `path` into `value` as a cty path: strings are
/// attributes of objects and keys of maps, numbers indexes.
fn path_to_cty(value: &Value, path: &[Json]) -> Json {
    let mut steps = Vec::new();
    let mut at = Some(value);
    for step in path {
        let here = at.map(bare);
        let next = match (here, step) {
            (Some(Value::Object(m)), Json::String(k)) => {
                steps.push(json!({"type": "get_attr", "value": k}));
                m.get(k)
            }
            (Some(Value::Map(_, m)), Json::String(k)) => {
                steps.push(json!({"type": "index", "value": {"value": k, "type": "string"}}));
                m.get(k)
            }
            (here, Json::Number(n)) => {
                steps.push(json!({"type": "index", "value": {"value": n, "type": "number"}}));
                let i = n.as_u64().and_then(|i| usize::try_from(i).ok());
                match (here, i) {
                    (
                        Some(Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items)),
                        Some(i),
                    ) => items.get(i),
                    _ => None,
                }
            }
            (_, other) => {
                steps.push(json!({"type": "get_attr", "value": other}));
                None
            }
        };
        at = next;
    }
    Json::Array(steps)
}

/// An instance object's attributes: dynamic attributes unwrapped and
/// converted to the type Terraform recorded, sensitive paths marked.
fn decode_attributes(
    attributes: &Json,
    sensitive: &[Path],
    dynamic: &[String],
    what: &str,
) -> Result<Value, String> {
    let Json::Object(attrs) = attributes else {
        return Err(format!("{what}: `attributes` is not an object"));
    };
    let mut out = ValueMap::new();
    for (k, v) in attrs {
        let under: Vec<Path> = sensitive
            .iter()
            .filter(|p| p.first().and_then(Json::as_str) == Some(k.as_str()))
            .map(|p| p[1..].to_vec())
            .collect();
        let wrapped = dynamic.iter().any(|d| d == k) && v.is_object();
        let value = if wrapped {
            let ty = v
                .get("type")
                .map(Type::from_json)
                .transpose()
                .map_err(|e| format!("{what}: the type of dynamic attribute `{k}`: {e}"))?;
            let inner = v.get("value").unwrap_or(&Json::Null);
            codec::decode(inner, &under, &[], ty.as_ref())
        } else {
            codec::decode(v, &under, &[], None)
        };
        out.insert(k.clone(), value);
    }
    let whole = sensitive.iter().any(Vec::is_empty);
    Ok(Value::Object(out).mark_if(whole))
}

/// infra's attributes value as Terraform's `attributes` (dynamic ones
/// wrapped with their type) and `sensitive_attributes` (cty paths).
fn encode_attributes(value: &Value, dynamic: &[String]) -> (Json, Json) {
    let e = codec::encode(value);
    let mut json = e.json;
    if let (Json::Object(m), Value::Object(attrs)) = (&mut json, bare(value)) {
        for d in dynamic {
            if let (Some(slot), Some(v)) = (m.get_mut(d), attrs.get(d))
                && !slot.is_null()
            {
                let inner = std::mem::take(slot);
                *slot = json!({"value": inner, "type": v.type_of().to_json()});
            }
        }
    }
    let paths = e.sensitive.iter().map(|p| path_to_cty(value, p)).collect();
    (json, Json::Array(paths))
}

/// The fields infra reads from a current object; the rest is kept.
const CURRENT_FIELDS: &[&str] = &[
    "index_key",
    "schema_version",
    "attributes",
    "sensitive_attributes",
    "private",
    "dependencies",
    "create_before_destroy",
];

/// The fields infra reads from a deposed object; the rest is kept.
const DEPOSED_FIELDS: &[&str] = &[
    "index_key",
    "deposed",
    "schema_version",
    "attributes",
    "sensitive_attributes",
    "private",
];

/// One instance object of Terraform's state, read.
struct Object {
    value: Value,
    meta: ObjectMeta,
    kept: KeptObject,
}

fn read_object(
    o: &Map<String, Json>,
    fields: &[&str],
    dynamic: &[String],
    what: &str,
) -> Result<Object, String> {
    let sensitive: Vec<Path> = match o.get("sensitive_attributes") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(paths)) => paths
            .iter()
            .map(|p| {
                p.as_array()
                    .map(|steps| steps.iter().filter_map(step_from_cty).collect())
                    .ok_or_else(|| format!("{what}: a sensitive path is not a list of steps"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("{what}: `sensitive_attributes` is not a list")),
    };
    let attributes = o.get("attributes").ok_or_else(|| {
        format!("{what}: no `attributes` (a state written before Terraform 0.12 must be upgraded by Terraform first)")
    })?;
    let private = match o.get("private").and_then(Json::as_str) {
        Some(t) => STANDARD
            .decode(t.as_bytes())
            .map_err(|e| format!("{what}: `private` is not base64: {e}"))?,
        None => Vec::new(),
    };
    let value = decode_attributes(attributes, &sensitive, dynamic, what)?;
    let mut kept: Map<String, Json> = o
        .iter()
        .filter(|(k, _)| !fields.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // infra's paths do not tell a map's key from an object's attribute:
    // Terraform's exact paths are kept when infra's would differ.
    if let Some(exact @ Json::Array(_)) = o.get("sensitive_attributes")
        && !same_paths(exact, &encode_attributes(&value, dynamic).1, true)
    {
        kept.insert("sensitive_attributes".into(), exact.clone());
    }
    let (attributes, _) = encode_attributes(&value, dynamic);
    let kept = KeptObject {
        attributes_sha256: fingerprint(&attributes),
        fields: kept,
    };
    Ok(Object {
        value,
        meta: ObjectMeta {
            schema_version: o.get("schema_version").and_then(Json::as_u64).unwrap_or(0),
            private,
            ..ObjectMeta::default()
        },
        kept,
    })
}

/// True when two lists of cty paths hold the same paths in any order;
/// with `exact` false, a string index and an attribute step of the same
/// name count as the same step (infra's paths do not tell them apart).
fn same_paths(a: &Json, b: &Json, exact: bool) -> bool {
    let norm = |j: &Json| -> Vec<String> {
        let mut v: Vec<String> = j
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        if exact {
                            p.to_string()
                        } else {
                            let steps: Vec<Json> = p
                                .as_array()
                                .map(|s| s.iter().filter_map(step_from_cty).collect())
                                .unwrap_or_default();
                            Json::Array(steps).to_string()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    norm(a) == norm(b)
}

fn key_of(o: &Map<String, Json>, what: &str) -> Result<InstanceKey, String> {
    super::file::index_key(o.get("index_key")).map_err(|e| format!("{what}: {e}"))
}

/// Reads Terraform's state `text` (from `path`, for messages).
///
/// # Errors
/// [`StateError::Corrupt`] when it is not JSON, not format version 4, or
/// an instance is malformed (its address and what is wrong), or a
/// deposed object has no current object beside it.
pub fn from_text(
    text: &str,
    path: &str,
    dynamic: DynamicAttributes<'_>,
) -> Result<Migrated, StateError> {
    let corrupt = |message: String| StateError::Corrupt {
        path: path.to_string(),
        message,
    };
    let file: FileV4 = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    if file.version != VERSION {
        return Err(corrupt(format!(
            "it is Terraform's state format version {}; infra reads version {VERSION} (Terraform 0.12 and later): run `terraform apply` or `terraform state push` with a newer Terraform first",
            file.version
        )));
    }
    let mut kept = Kept {
        terraform_version: file.terraform_version,
        check_results: file.check_results,
        ..Kept::default()
    };
    let mut state = State {
        lineage: file.lineage,
        serial: file.serial,
        ..State::new()
    };
    let mut notes = Vec::new();
    for (k, o) in file.outputs {
        let ty = Type::from_json(&o.ty).ok();
        state.outputs.insert(
            k,
            OutputState {
                value: codec::decode(&o.value, &[], &[], ty.as_ref()),
                sensitive: o.sensitive,
            },
        );
    }
    for r in file.resources {
        let (base, text) = super::file::resource_address(&r.module, &r.mode, &r.type_name, &r.name)
            .map_err(corrupt)?;
        let dynamic = dynamic(base.mode, &r.type_name);
        let provider = provider_key(&r.provider);
        if provider_address(&provider) != r.provider {
            kept.providers.insert(text.clone(), r.provider.clone());
        }
        let mut deposed = Vec::new();
        for o in &r.instances {
            let mut addr = base.clone();
            addr.key = key_of(o, &text).map_err(corrupt)?;
            if let Some(d) = o.get("deposed").and_then(Json::as_str) {
                deposed.push((addr, d.to_string(), o));
                continue;
            }
            let what = addr.to_string();
            let obj = read_object(o, CURRENT_FIELDS, &dynamic, &what).map_err(corrupt)?;
            if o.get("status").and_then(Json::as_str) == Some("tainted") {
                notes.push(format!("{what} is tainted in Terraform's state: infra does not replace tainted objects by itself; `infra apply --replace {what}` does."));
            }
            let dependencies = match o.get("dependencies") {
                Some(Json::Array(ds)) => ds
                    .iter()
                    .map(|d| {
                        let t = d.as_str().unwrap_or_default();
                        ResourceAddress::parse(t)
                            .map_err(|e| corrupt(format!("{what}: dependency {d}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                _ => Vec::new(),
            };
            if !obj.kept.fields.is_empty() {
                kept.objects.insert(what.clone(), obj.kept);
            }
            if state.resources.contains_key(&addr) {
                return Err(corrupt(format!("`{what}` is recorded twice")));
            }
            state.resources.insert(
                addr,
                InstanceState {
                    value: obj.value,
                    provider: provider.clone(),
                    dependencies,
                    create_before_destroy: o
                        .get("create_before_destroy")
                        .and_then(Json::as_bool)
                        .unwrap_or(false),
                    deposed: ValueMap::new(),
                    meta: obj.meta,
                    deposed_meta: BTreeMap::new(),
                },
            );
        }
        for (addr, key, o) in deposed {
            let what = format!("{addr} deposed {key}");
            let obj = read_object(o, DEPOSED_FIELDS, &dynamic, &what).map_err(corrupt)?;
            let Some(inst) = state.resources.get_mut(&addr) else {
                return Err(corrupt(format!(
                    "{what} has no current object beside it, which infra cannot hold: run `terraform apply` to finish the replacement first"
                )));
            };
            if !obj.kept.fields.is_empty() {
                kept.objects.insert(what, obj.kept);
            }
            inst.deposed.insert(key.clone(), obj.value);
            if !obj.meta.is_empty() {
                inst.deposed_meta.insert(key, obj.meta);
            }
        }
    }
    if !kept.is_empty() {
        state.terraform = Some(Box::new(kept));
    }
    Ok(Migrated { state, notes })
}

/// `state` as the text of a Terraform state file, format version 4
/// (pretty JSON, trailing newline), with what [`Kept`] holds put back.
/// `terraform_version` is the kept one, else
/// [`COMPATIBLE_TERRAFORM_VERSION`].
pub fn to_text(state: &State, dynamic: DynamicAttributes<'_>) -> String {
    let empty = Kept::default();
    let kept = state.terraform.as_deref().unwrap_or(&empty);
    let mut resources: Vec<Map<String, Json>> = Vec::new();
    let mut last = String::new();
    for (addr, inst) in &state.resources {
        let mut base = addr.clone();
        base.key = InstanceKey::None;
        let text = base.to_string();
        let dynamic = dynamic(addr.mode, &addr.type_name);
        let mut objects = vec![object(
            addr,
            None,
            &inst.value,
            &inst.meta,
            &dynamic,
            kept.objects.get(&addr.to_string()),
        )];
        if let Some(o) = objects.last_mut() {
            if !inst.dependencies.is_empty() {
                o.insert(
                    "dependencies".into(),
                    inst.dependencies.iter().map(ToString::to_string).collect(),
                );
            }
            if inst.create_before_destroy {
                o.insert("create_before_destroy".into(), Json::Bool(true));
            }
        }
        for (key, v) in &inst.deposed {
            let meta = inst.deposed_meta.get(key).cloned().unwrap_or_default();
            let k = format!("{addr} deposed {key}");
            objects.push(object(
                addr,
                Some(key),
                v,
                &meta,
                &dynamic,
                kept.objects.get(&k),
            ));
        }
        if text == last
            && let Some(Json::Array(list)) =
                resources.last_mut().and_then(|r| r.get_mut("instances"))
        {
            list.extend(objects.into_iter().map(Json::Object));
            continue;
        }
        last = text.clone();
        let mut r = Map::new();
        if !addr.module.0.is_empty() {
            r.insert("module".into(), Json::String(addr.module.to_string()));
        }
        r.insert(
            "mode".into(),
            Json::from(match addr.mode {
                ResourceMode::Managed => "managed",
                ResourceMode::Data => "data",
            }),
        );
        r.insert("type".into(), Json::String(addr.type_name.clone()));
        r.insert("name".into(), Json::String(addr.name.clone()));
        let provider = kept
            .providers
            .get(&text)
            .cloned()
            .unwrap_or_else(|| provider_address(&inst.provider));
        r.insert("provider".into(), Json::String(provider));
        r.insert(
            "instances".into(),
            Json::Array(objects.into_iter().map(Json::Object).collect()),
        );
        resources.push(r);
    }
    let outputs: Map<String, Json> = state
        .outputs
        .iter()
        .map(|(k, o)| {
            let e = codec::encode(&o.value);
            let out = OutputV4 {
                value: e.json,
                ty: o.value.type_of().to_json(),
                sensitive: o.sensitive,
            };
            (k.clone(), serde_json::to_value(out).unwrap_or(Json::Null))
        })
        .collect();
    let mut doc = Map::new();
    doc.insert("version".into(), Json::from(VERSION));
    doc.insert(
        "terraform_version".into(),
        Json::String(if kept.terraform_version.is_empty() {
            COMPATIBLE_TERRAFORM_VERSION.to_string()
        } else {
            kept.terraform_version.clone()
        }),
    );
    doc.insert("serial".into(), Json::from(state.serial));
    doc.insert("lineage".into(), Json::String(state.lineage.clone()));
    doc.insert("outputs".into(), Json::Object(outputs));
    doc.insert(
        "resources".into(),
        Json::Array(resources.into_iter().map(Json::Object).collect()),
    );
    if let Some(c) = &kept.check_results {
        doc.insert("check_results".into(), c.clone());
    }
    let mut text = serde_json::to_string_pretty(&Json::Object(doc)).unwrap_or_default();
    text.push('\n');
    text
}

/// One instance object as Terraform writes it: the kept fields, then
/// infra's.
fn object(
    addr: &ResourceAddress,
    deposed: Option<&String>,
    value: &Value,
    meta: &ObjectMeta,
    dynamic: &[String],
    kept: Option<&KeptObject>,
) -> Map<String, Json> {
    let mut o = Map::new();
    match &addr.key {
        InstanceKey::None => {}
        InstanceKey::Int(i) => {
            o.insert("index_key".into(), Json::from(*i));
        }
        InstanceKey::Str(s) => {
            o.insert("index_key".into(), Json::String(s.clone()));
        }
    }
    if let Some(d) = deposed {
        o.insert("deposed".into(), Json::String(d.clone()));
    }
    o.insert("schema_version".into(), Json::from(meta.schema_version));
    let (attributes, sensitive) = encode_attributes(value, dynamic);
    o.insert("attributes".into(), attributes);
    o.insert("sensitive_attributes".into(), sensitive);
    if !meta.private.is_empty() {
        o.insert(
            "private".into(),
            Json::String(STANDARD.encode(&meta.private)),
        );
    }
    let kept = kept.filter(|k| {
        o.get("attributes")
            .is_some_and(|a| fingerprint(a) == k.attributes_sha256)
    });
    if let Some(k) = kept {
        for (name, v) in &k.fields {
            // Terraform's exact sensitive paths, while they are still the
            // paths of this value.
            if name == "sensitive_attributes"
                && !o.get(name).is_some_and(|mine| same_paths(mine, v, false))
            {
                continue;
            }
            o.insert(name.clone(), v.clone());
        }
    }
    o
}

#[cfg(test)]
mod tests;
