//! Values to and from JSON: the mapping `jsonencode`/`jsondecode`, state
//! files and `--json` output use.

use super::{Number, Value};
use num_traits::ToPrimitive;
use serde_json::Value as Json;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
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
    let key = |out: &mut String, k: &str| out.push_str(&Json::from(k).to_string());
    write_json_with(&mut out, value, &key, &mut |out, leaf| {
        match leaf {
            Value::Number(n @ Number::Big(_)) => out.push_str(&n.to_string()),
            other => out.push_str(&to_json(other)?.to_string()),
        }
        Ok(())
    })?;
    Ok(out)
}

/// Writes `value` as compact JSON into `out`: arrays for lists, sets and
/// tuples, objects for maps and objects (keys written by `key`), sensitive
/// marks dropped, and every other value written by `leaf`, whose error
/// stops the writing. Values may nest deeper than the thread's stack
/// allows one frame per level (a chain of locals each wrapping the next),
/// so the stack grows on demand. `jsonencode` and [`to_json_text`] share it.
///
/// # Errors
/// The first error of `leaf`.
pub fn write_json_with<E>(
    out: &mut String,
    value: &Value,
    key: &dyn Fn(&mut String, &str),
    leaf: &mut dyn FnMut(&mut String, &Value) -> Result<(), E>,
) -> Result<(), E> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Sensitive(inner) => write_json_with(out, inner, key, leaf),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_with(out, item, key, leaf)?;
            }
            out.push(']');
            Ok(())
        }
        Value::Map(_, m) | Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                key(out, k);
                out.push(':');
                write_json_with(out, item, key, leaf)?;
            }
            out.push('}');
            Ok(())
        }
        other => leaf(out, other),
    })
}

/// serde_json (without `arbitrary_precision`, which would break the
/// untagged enums of the LSP messages) holds `i64`, `u64` and `f64` only: a
/// big number beyond them is the nearest `f64` here. `jsonencode` and the
/// state codec write numbers from their own text instead.
pub(crate) fn number_to_json(n: &Number) -> Json {
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
pub(crate) fn number_from_json(n: &serde_json::Number) -> Number {
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

/// The value for a JSON text, as [`from_json`] gives it but with every
/// number read from its text at 512 bits, as cty reads JSON
/// (`jsondecode("123456789012345678901234567890")` keeps every digit).
/// Documents without long digit runs or exponents take serde_json's own
/// path; the others are read one level at a time through `RawValue`.
///
/// # Errors
/// serde_json's error for text that is not JSON.
pub fn from_json_text(text: &str) -> Result<Value, serde_json::Error> {
    if needs_exact(text) {
        from_raw(serde_json::from_str(text)?)
    } else {
        Ok(from_json(&serde_json::from_str(text)?))
    }
}

/// True when a number in `text` may not survive an `f64`: a run of 16 or
/// more digits, or an exponent (anywhere, strings included: a false
/// positive only costs time).
fn needs_exact(text: &str) -> bool {
    let mut run = 0;
    text.bytes().any(|b| {
        let exponent = matches!(b, b'e' | b'E') && run > 0;
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        exponent || run >= 16
    })
}

fn from_raw(raw: &RawValue) -> Result<Value, serde_json::Error> {
    let t = raw.get().trim_start();
    Ok(match t.as_bytes().first() {
        Some(b'{') => {
            let m: BTreeMap<String, &RawValue> = serde_json::from_str(t)?;
            Value::Object(
                m.into_iter()
                    .map(|(k, v)| Ok((k, from_raw(v)?)))
                    .collect::<Result<_, serde_json::Error>>()?,
            )
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(t)?;
            Value::Tuple(items.into_iter().map(from_raw).collect::<Result<_, _>>()?)
        }
        Some(b'-' | b'0'..=b'9') => Value::Number(
            Number::parse(t.trim_end())
                .ok_or_else(|| <serde_json::Error as serde::de::Error>::custom("invalid number"))?,
        ),
        _ => from_json(&serde_json::from_str::<Json>(t)?),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_are_read_and_written_exactly() {
        let text = r#"{"a": [123456789012345678901234567890, 0.1, 1e400], "b": {"c": -5}}"#;
        let v = from_json_text(text).expect("JSON");
        assert_eq!(
            to_json_text(&v).expect("known"),
            format!(
                r#"{{"a":[123456789012345678901234567890,0.1,1{}],"b":{{"c":-5}}}}"#,
                "0".repeat(400)
            )
        );
        // The fast path gives the same values.
        let small = r#"{"x": [1, 2.5, "e"]}"#;
        assert_eq!(
            from_json_text(small).ok(),
            serde_json::from_str(small).ok().map(|j| from_json(&j))
        );
        assert!(from_json_text("[1e5,").is_err());
    }
}
