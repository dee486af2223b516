//! Values written to and read from JSON text by serde directly, without a
//! `serde_json::Value` tree in between: what state files of 100,000
//! instances need (the tree costs an allocation per key and per string,
//! twice). Both give exactly what the tree does: [`AsJson`] writes the
//! text `serde_json` writes for [`to_json`](super::to_json) (unknowns as
//! `null`, sensitive marks dropped), [`FromJson`] reads the value
//! [`from_json`](super::from_json) makes of the parsed text.

use super::json::number_from_json;
use super::{Number, Value};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::fmt;

/// `value` as JSON for serde: arrays for lists, sets and tuples, objects
/// for maps and objects, `null` for nulls and unknowns, sensitive marks
/// dropped; numbers as `to_json` writes them (the nearest `f64` beyond
/// 64-bit integers).
pub struct AsJson<'a>(pub &'a Value);

impl Serialize for AsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null(_) | Value::Unknown(_) => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => match n {
                Number::Int(i) => s.serialize_i64(*i),
                other => super::json::number_to_json(other).serialize(s),
            },
            Value::String(text) => s.serialize_str(text),
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&AsJson(item))?;
                }
                seq.end()
            }
            Value::Map(_, m) | Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, item) in m {
                    map.serialize_entry(k, &AsJson(item))?;
                }
                map.end()
            }
            Value::Sensitive(inner) => AsJson(inner).serialize(s),
        }
    }
}

/// A value read from JSON: what [`from_json`](super::from_json) makes of
/// the same text (arrays as tuples, objects as objects, integers exact,
/// other numbers from their shortest `f64` text).
#[derive(Clone, Debug, PartialEq)]
pub struct FromJson(pub Value);

impl<'de> Deserialize<'de> for FromJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FromJson, D::Error> {
        d.deserialize_any(ValueVisitor).map(FromJson)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::NULL)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::NULL)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Number(Number::Int(i)))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Number(number_from_json(&u.into())))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(match serde_json::Number::from_f64(f) {
            Some(n) => Value::Number(number_from_json(&n)),
            None => Value::NULL,
        })
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(FromJson(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Tuple(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // Collected at the end: sorted once, whatever order the keys come
        // in, and the last of repeated keys kept.
        let mut m = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((k, FromJson(v))) = map.next_entry::<String, FromJson>()? {
            m.push((k, v));
        }
        Ok(Value::Object(m.into_iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{from_json, to_json};

    #[test]
    fn the_direct_path_writes_and_reads_what_the_tree_does() {
        let text = r#"{"a": [1, -2, 2.5, 0.1, 18446744073709551615, 1e300, "x\n\"y"],
            "b": {"c": null, "d": true, "e": {}}, "f": [], "g": 123456789012345678901234567890}"#;
        let tree: serde_json::Value = serde_json::from_str(text).expect("JSON");
        let direct: FromJson = serde_json::from_str(text).expect("JSON");
        assert_eq!(direct.0, from_json(&tree));
        let v = direct.0.clone().mark_if(true);
        let via_tree = serde_json::to_string_pretty(&to_json(&v).expect("known")).expect("text");
        let via_direct = serde_json::to_string_pretty(&AsJson(&v)).expect("text");
        assert_eq!(via_direct, via_tree);
        let unknown = Value::Tuple(vec![Value::unknown(), Value::NULL]);
        assert_eq!(
            serde_json::to_string(&AsJson(&unknown)).expect("text"),
            "[null,null]"
        );
    }
}
