//! DynamicValue and cty type JSON ⇄ infra values and types: the value
//! codec of the Terraform plugin protocol (Terraform's
//! `docs/plugin-protocol/object-wire-format.md`, go-cty's `cty/msgpack` and
//! `cty/json`).
//!
//! Decoding is driven by the schema type, as cty's `Unmarshal(buf, ty)`:
//! msgpack alone cannot tell a list from a set or a map from an object.
//! Unknowns are msgpack extension values (written as `d4 00 00`); their
//! refinements (extension 12) are read and dropped, which the wire format
//! allows. Sensitive marks never travel: the encoders strip them.

mod ctytype;
mod json;
mod msgpack;

use infra_lang::Value;
use infra_lang::types::{ObjectType, Type};
use infra_lang::value::ValueMap;
use infra_lang::value::{ConvertError, PathStep};
use std::fmt;

/// A DynamicValue or type JSON that does not fit the expected type, or is
/// not well-formed. The message names the position (`.tags["env"]`) and
/// the types involved, never the value itself (it may be secret).
#[derive(Clone, Debug, PartialEq)]
pub struct WireError {
    /// Steps from the whole value down to the part that failed, outermost
    /// first; empty for the value itself.
    pub path: Vec<PathStep>,
    /// What was expected and what was found: `expected string, found a
    /// msgpack array`.
    pub message: String,
}

impl WireError {
    pub(crate) fn new(message: impl Into<String>) -> WireError {
        WireError {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// The same error one step further out (`step` is prepended).
    pub(crate) fn at(mut self, step: PathStep) -> WireError {
        self.path.insert(0, step);
        self
    }

    /// The position in the language's syntax: `.tags["env"]`, `.rule[0].id`;
    /// empty for the whole value.
    pub fn path_string(&self) -> String {
        ConvertError {
            path: self.path.clone(),
            message: String::new(),
        }
        .path_string()
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.path_string(), self.message)
        }
    }
}

impl std::error::Error for WireError {}

/// The type described by cty's type JSON (`"string"`, `["list","number"]`,
/// `["object",{"a":"bool"}]`, `["object",{…},["a"]]` whose third element,
/// the optional attributes of a type constraint, is accepted and ignored);
/// `"dynamic"` is [`Type::Any`]. Mirrors go-cty `cty/json_type.go`.
///
/// # Errors
/// Not JSON, or not a type.
pub fn type_from_json(json: &[u8]) -> Result<Type, WireError> {
    ctytype::from_bytes(json)
}

/// The cty type JSON of `ty` (see [`type_from_json`]): [`Type::to_json`]
/// serialized.
pub fn type_to_json(ty: &Type) -> Vec<u8> {
    ctytype::to_bytes(ty)
}

/// The value of a DynamicValue's two fields (`msgpack`, `json`) for the
/// schema type `ty`: msgpack when present, else JSON, and a null of `ty`
/// when both are empty (Terraform's `decodeDynamicValue`).
///
/// # Errors
/// The bytes are malformed or do not fit `ty`.
pub fn decode(msgpack: &[u8], json: &[u8], ty: &Type) -> Result<Value, WireError> {
    if !msgpack.is_empty() {
        msgpack::decode(msgpack, ty)
    } else if !json.is_empty() {
        decode_json(json, ty)
    } else {
        Ok(Value::Null(ty.clone()))
    }
}

/// The msgpack form of `value` as a `ty` (sensitive marks stripped;
/// unknowns as `d4 00 00`; every object attribute written, null where
/// unset; a value of type `dynamic` wrapped as `[bin(type JSON), value]`).
///
/// # Errors
/// The value does not fit `ty` (the message names the position).
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, WireError> {
    msgpack::encode(value, ty)
}

/// The value of a JSON DynamicValue or `RawState.json` for `ty`: the same
/// shapes as msgpack without unknowns; a `dynamic` value is
/// `{"type": T, "value": V}`. Mirrors go-cty `cty/json`.
///
/// # Errors
/// Not JSON, or the document does not fit `ty`.
pub fn decode_json(json: &[u8], ty: &Type) -> Result<Value, WireError> {
    json::decode(json, ty)
}

/// The JSON form of `value` as a `ty` (see [`decode_json`]); sensitive
/// marks stripped.
///
/// # Errors
/// The value is or holds an unknown (JSON has none), or does not fit `ty`.
pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, WireError> {
    json::encode(value, ty)
}

/// A set value as cty keeps it: sorted, equal elements merged, but
/// elements holding unknowns are never merged (two unknowns may turn out
/// different).
pub(crate) fn set_of(elem: Type, mut items: Vec<Value>) -> Value {
    items.sort_by(Value::total_cmp);
    items.dedup_by(|a, b| !a.has_unknown() && a == b);
    Value::Set(elem, items)
}

/// The position of a map key, as a path step; under a sensitive mark
/// (`secret`) the key is not named, since keys are secret too.
pub(crate) fn key(k: &str, secret: bool) -> PathStep {
    if secret {
        PathStep::Key("(sensitive)".into())
    } else {
        PathStep::Key(k.to_string())
    }
}

/// The type to write along with `v` where the schema says `dynamic`:
/// `v`'s own type, unless that is dynamic too (an untyped null or
/// unknown), which cty writes bare (go-cty `msgpack/marshal.go`,
/// `json/marshal.go`).
pub(crate) fn wrapped_type(v: &Value, ty: &Type) -> Option<Type> {
    if *ty != Type::Any {
        return None;
    }
    Some(v.type_of()).filter(|t| *t != Type::Any)
}

/// Checks a tuple's length against its type.
pub(crate) fn tuple_len(found: usize, types: &[Type]) -> Result<(), WireError> {
    if found == types.len() {
        Ok(())
    } else {
        Err(WireError::new(format!(
            "expected a tuple of {} element(s), found {found}",
            types.len()
        )))
    }
}

/// The error for an object attribute `name` its type does not have.
pub(crate) fn extra_attribute(name: &str) -> WireError {
    WireError::new("an attribute the type does not have").at(attr(name))
}

/// The attribute type of `name`, or the error for one the type lacks.
pub(crate) fn attribute_type<'a>(o: &'a ObjectType, name: &str) -> Result<&'a Type, WireError> {
    o.attrs.get(name).ok_or_else(|| extra_attribute(name))
}

/// Fails when `m` has an attribute the object type does not.
pub(crate) fn no_extra_attributes<'k>(
    mut keys: impl Iterator<Item = &'k String>,
    o: &ObjectType,
) -> Result<(), WireError> {
    match keys.find(|k| !o.attrs.contains_key(*k)) {
        Some(extra) => Err(extra_attribute(extra)),
        None => Ok(()),
    }
}

/// A decoded object: the attributes read, and null for every other
/// attribute of its type.
pub(crate) fn complete_object(mut m: ValueMap, o: &ObjectType) -> Value {
    for (k, t) in &o.attrs {
        m.entry(k.clone()).or_insert_with(|| Value::Null(t.clone()));
    }
    Value::Object(m)
}

/// The position of an object attribute, as a path step.
pub(crate) fn attr(k: &str) -> PathStep {
    PathStep::Attr(k.to_string())
}

/// "expected string, found a number": a mismatch between the type and
/// what the value is, naming kinds only.
pub(crate) fn mismatch(want: &Type, found: &str) -> WireError {
    WireError::new(format!("expected {}, found {found}", want.friendly()))
}

/// The kind of a value, for messages: `a string`, `an object`; never its
/// content.
pub(crate) fn kind_of(v: &Value) -> String {
    match v {
        Value::Null(_) => "null".into(),
        Value::Unknown(_) => "an unknown value".into(),
        Value::Sensitive(inner) => kind_of(inner),
        v => format!("a value of type {}", v.type_of().friendly()),
    }
}

#[cfg(test)]
mod tests;
