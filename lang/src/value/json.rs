//! Values to and from JSON: the mapping `jsonencode`/`jsondecode`, state
//! files and `--json` output use.

use super::{Number, Value};
use num_traits::ToPrimitive;
use serde_json::Value as Json;
use std::fmt;

/// A value that has no JSON form yet.
#[derive(Clone, Debug, PartialEq)]
pub struct FromJsonError(pub String);

impl fmt::Display for FromJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The JSON form of `value`: strings, numbers, bools, `null`; lists, sets
/// and tuples as arrays; maps and objects as objects. Sensitive marks are
/// dropped — callers that print must redact first.
///
/// # Errors
/// When `value` is or contains an unknown: it has no JSON form until apply.
pub fn to_json(value: &Value) -> Result<Json, FromJsonError> {
    Ok(match value {
        Value::Null(_) => Json::Null,
        Value::Unknown(_) => {
            return Err(FromJsonError("the value is not known until apply".into()));
        }
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => number_to_json(n),
        Value::String(s) => Json::String(s.clone()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Value::Map(_, m) | Value::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
                .collect::<Result<_, FromJsonError>>()?,
        ),
        Value::Sensitive(inner) => to_json(inner)?,
    })
}

/// The compact JSON text of `value`, as `serde_json::to_string(&to_json(value))`
/// writes it but with every number exact (`1 / 3` in its 155 digits):
/// what `infra output -json` prints.
///
/// # Errors
/// As [`to_json`].
pub fn to_json_text(value: &Value) -> Result<String, FromJsonError> {
    let mut out = String::new();
    write_text(&mut out, value)?;
    Ok(out)
}

fn write_text(out: &mut String, value: &Value) -> Result<(), FromJsonError> {
    let key = |k: &str| serde_json::to_string(k).unwrap_or_default();
    match value {
        Value::Sensitive(inner) => write_text(out, inner)?,
        Value::Number(n @ Number::Big(_)) => out.push_str(&n.to_string()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_text(out, item)?;
            }
            out.push(']');
        }
        Value::Map(_, m) | Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&key(k));
                out.push(':');
                write_text(out, item)?;
            }
            out.push('}');
        }
        leaf => out.push_str(&to_json(leaf)?.to_string()),
    }
    Ok(())
}

/// serde_json (without `arbitrary_precision`, which would break the
/// untagged enums of the LSP messages) holds `i64`, `u64` and `f64` only: a
/// big number beyond them is the nearest `f64` here. `jsonencode` and the
/// state codec write numbers from their own text instead.
fn number_to_json(n: &Number) -> Json {
    match n {
        Number::Int(i) => Json::from(*i),
        Number::Big(b) if b.is_integer() && !b.is_negative() => b
            .trunc()
            .to_u64()
            .map_or_else(|| float_json(n.as_f64()), Json::from),
        other => float_json(other.as_f64()),
    }
}

fn float_json(f: f64) -> Json {
    serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
}

/// A JSON number at 512 bits, as cty reads the number's text: integers
/// exactly, fractions from their shortest text (serde_json has already
/// rounded them to an `f64`, which that text reads back as).
fn number_from_json(n: &serde_json::Number) -> Number {
    if let Some(i) = n.as_i64() {
        return Number::Int(i);
    }
    let text = match (n.as_u64(), n.as_f64()) {
        (Some(u), _) => u.to_string(),
        (None, Some(f)) => f.to_string(),
        (None, None) => return Number::Int(0),
    };
    Number::parse(&text).unwrap_or(Number::Int(0))
}

/// The value for a JSON document: arrays become tuples and objects become
/// objects (as `jsondecode` does); integers stay exact.
pub fn from_json(json: &Json) -> Value {
    match json {
        Json::Null => Value::NULL,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(number_from_json(n)),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Tuple(items.iter().map(from_json).collect()),
        Json::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}
