//! The JSON form of DynamicValue and `RawState.json`, type-driven as
//! go-cty's `cty/json` (`marshal.go`, `unmarshal.go`): the msgpack shapes
//! without unknowns; a `dynamic` value is `{"type": T, "value": V}`.

use super::{
    WireError, attr, attribute_type, complete_object, ctytype, key, mismatch, no_extra_attributes,
    set_of, tuple_len, wrapped_type,
};
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use infra_lang::value::{Number, PathStep};
use serde_json::Value as Json;

/// Decodes a JSON document as a value of type `ty`.
pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, WireError> {
    let doc: Json = serde_json::from_slice(bytes)
        .map_err(|e| WireError::new(format!("not valid JSON ({e})")))?;
    value(&doc, ty)
}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a JSON bool",
        Json::Number(_) => "a JSON number",
        Json::String(_) => "a JSON string",
        Json::Array(_) => "a JSON array",
        Json::Object(_) => "a JSON object",
    }
}

fn value(j: &Json, ty: &Type) -> Result<Value, WireError> {
    if j.is_null() {
        return Ok(Value::Null(ty.clone()));
    }
    let bad = || mismatch(ty, json_kind(j));
    match ty {
        Type::Any => {
            let o = j.as_object().ok_or_else(bad)?;
            let (Some(t), Some(v)) = (o.get("type"), o.get("value")) else {
                return Err(WireError::new(
                    "a dynamic value must be an object with `type` and `value`",
                ));
            };
            let t = ctytype::from_json(t)?;
            value(v, &t)
        }
        Type::String => Ok(Value::String(j.as_str().ok_or_else(bad)?.to_string())),
        Type::Bool => Ok(Value::Bool(j.as_bool().ok_or_else(bad)?)),
        Type::Number => Ok(Value::Number(match j {
            Json::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Number::Int(i),
                (None, Some(f)) => Number::from_f64(f),
                (None, None) => return Err(WireError::new("a JSON number out of range")),
            },
            // cty accepts a number written as a string.
            Json::String(s) => Number::parse(s).ok_or_else(|| {
                WireError::new("a number written as a string is not a decimal number")
            })?,
            _ => return Err(bad()),
        })),
        Type::List(t) | Type::Set(t) => {
            let items = j
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .enumerate()
                .map(|(i, e)| value(e, t).map_err(|err| err.at(PathStep::Index(i))))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(match ty {
                Type::Set(_) => set_of((**t).clone(), items),
                _ => Value::List((**t).clone(), items),
            })
        }
        Type::Tuple(ts) => {
            let items = j.as_array().ok_or_else(bad)?;
            tuple_len(items.len(), ts)?;
            Ok(Value::Tuple(
                items
                    .iter()
                    .zip(ts)
                    .enumerate()
                    .map(|(i, (e, t))| value(e, t).map_err(|err| err.at(PathStep::Index(i))))
                    .collect::<Result<_, _>>()?,
            ))
        }
        Type::Map(t) => Ok(Value::Map(
            (**t).clone(),
            j.as_object()
                .ok_or_else(bad)?
                .iter()
                .map(|(k, e)| Ok((k.clone(), value(e, t).map_err(|err| err.at(key(k, false)))?)))
                .collect::<Result<_, WireError>>()?,
        )),
        Type::Object(o) => {
            let m = j.as_object().ok_or_else(bad)?;
            let mut out = ValueMap::new();
            for (k, e) in m {
                let t = attribute_type(o, k)?;
                out.insert(k.clone(), value(e, t).map_err(|err| err.at(attr(k)))?);
            }
            Ok(complete_object(out, o))
        }
    }
}

/// Encodes `v` as a `ty` in JSON.
pub(super) fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, WireError> {
    Ok(to_json(v, ty, false)?.to_string().into_bytes())
}

fn to_json(v: &Value, ty: &Type, secret: bool) -> Result<Json, WireError> {
    let found = || super::kind_of(v);
    if let Value::Sensitive(inner) = v {
        return to_json(inner, ty, true);
    }
    if let Some(t) = wrapped_type(v, ty) {
        let value = to_json(v, &t, secret)?;
        return Ok(serde_json::json!({ "type": t.to_json(), "value": value }));
    }
    match v {
        Value::Null(_) => return Ok(Json::Null),
        Value::Unknown(_) => {
            return Err(WireError::new(
                "an unknown value has no JSON form (known only after apply)",
            ));
        }
        _ => {}
    }
    Ok(match ty {
        // A known value always has a type other than dynamic.
        Type::Any => return Err(mismatch(ty, &found())),
        Type::String => Json::String(v.as_str().ok_or_else(|| mismatch(ty, &found()))?.into()),
        Type::Bool => match v {
            Value::Bool(b) => Json::Bool(*b),
            _ => return Err(mismatch(ty, &found())),
        },
        Type::Number => {
            match v {
                Value::Number(Number::Int(i)) => Json::from(*i),
                Value::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
                    .map(Json::Number)
                    .ok_or_else(|| WireError::new("an infinite number has no JSON form"))?,
                // Beyond serde_json's numbers: the exact text, which cty
                // reads as a number.
                Value::Number(n @ Number::Big(_)) => Json::String(n.to_string()),
                _ => return Err(mismatch(ty, &found())),
            }
        }
        Type::List(t) | Type::Set(t) => Json::Array(
            v.as_sequence()
                .ok_or_else(|| mismatch(ty, &found()))?
                .iter()
                .enumerate()
                .map(|(i, e)| to_json(e, t, secret).map_err(|err| err.at(PathStep::Index(i))))
                .collect::<Result<_, _>>()?,
        ),
        Type::Tuple(ts) => {
            let items = v.as_sequence().ok_or_else(|| mismatch(ty, &found()))?;
            tuple_len(items.len(), ts)?;
            Json::Array(
                items
                    .iter()
                    .zip(ts)
                    .enumerate()
                    .map(|(i, (e, t))| {
                        to_json(e, t, secret).map_err(|err| err.at(PathStep::Index(i)))
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Map(t) => Json::Object(
            v.as_mapping()
                .ok_or_else(|| mismatch(ty, &found()))?
                .iter()
                .map(|(k, e)| {
                    Ok((
                        k.clone(),
                        to_json(e, t, secret).map_err(|err| err.at(key(k, secret)))?,
                    ))
                })
                .collect::<Result<_, WireError>>()?,
        ),
        Type::Object(o) => {
            let m = v.as_mapping().ok_or_else(|| mismatch(ty, &found()))?;
            no_extra_attributes(m.keys(), o)?;
            Json::Object(
                o.attrs
                    .iter()
                    .map(|(k, t)| {
                        let e = match m.get(k) {
                            Some(e) => to_json(e, t, secret).map_err(|err| err.at(attr(k)))?,
                            None => Json::Null,
                        };
                        Ok((k.clone(), e))
                    })
                    .collect::<Result<_, WireError>>()?,
            )
        }
    })
}
