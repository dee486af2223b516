//! cty's type JSON (go-cty `cty/json_type.go`) ⇄ [`Type`].

use super::WireError;
use infra_lang::types::Type;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Parses type JSON bytes.
pub(super) fn from_bytes(json: &[u8]) -> Result<Type, WireError> {
    let doc: Json = serde_json::from_slice(json)
        .map_err(|e| WireError::new(format!("type JSON is not valid JSON ({e})")))?;
    from_json(&doc)
}

/// The type a parsed type JSON document describes.
pub(crate) fn from_json(doc: &Json) -> Result<Type, WireError> {
    match doc {
        Json::String(s) => match s.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Any),
            other => Err(WireError::new(format!("unknown primitive type `{other}`"))),
        },
        Json::Array(items) => {
            let kind = items.first().and_then(Json::as_str).ok_or_else(|| {
                WireError::new("a type array must start with its kind (`list`, `object`, ...)")
            })?;
            match (kind, &items[1..]) {
                ("list", [t]) => Ok(Type::List(Box::new(from_json(t)?))),
                ("set", [t]) => Ok(Type::Set(Box::new(from_json(t)?))),
                ("map", [t]) => Ok(Type::Map(Box::new(from_json(t)?))),
                ("tuple", [Json::Array(ts)]) => Ok(Type::Tuple(
                    ts.iter().map(from_json).collect::<Result<_, _>>()?,
                )),
                // The third element lists the optional attributes of a type
                // constraint; values never carry it, so it is ignored.
                ("object", [Json::Object(attrs)] | [Json::Object(attrs), Json::Array(_)]) => {
                    let attrs = attrs
                        .iter()
                        .map(|(k, t)| Ok((k.clone(), from_json(t)?)))
                        .collect::<Result<BTreeMap<_, _>, WireError>>()?;
                    Ok(Type::object(attrs))
                }
                (kind, _) => Err(WireError::new(format!(
                    "type `{kind}` with {} argument(s) is not a cty type",
                    items.len() - 1
                ))),
            }
        }
        _ => Err(WireError::new(
            "a type must be a string or an array in type JSON",
        )),
    }
}

/// Serializes [`Type::to_json`].
pub(super) fn to_bytes(ty: &Type) -> Vec<u8> {
    ty.to_json().to_string().into_bytes()
}
