//! cty's type JSON (go-cty `cty/json_type.go`) ⇄ [`Type`].

use super::WireError;
use infra_lang::types::Type;
use serde_json::Value as Json;

/// Types parsed per thread, by their JSON bytes: every dynamic value
/// received carries its type, and a plan's values mostly share a few
/// (parsing them again each time was a quarter of a plugin's work in a
/// 1,000-resource plan). Cleared when it holds this many.
const PARSED_TYPES: usize = 256;

thread_local! {
    static PARSED: std::cell::RefCell<std::collections::HashMap<Box<[u8]>, Type>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Parses type JSON bytes.
pub(super) fn from_bytes(json: &[u8]) -> Result<Type, WireError> {
    if let Some(ty) = PARSED.with(|p| p.borrow().get(json).cloned()) {
        return Ok(ty);
    }
    let doc: Json = serde_json::from_slice(json)
        .map_err(|e| WireError::new(format!("type JSON is not valid JSON ({e})")))?;
    let ty = from_json(&doc)?;
    PARSED.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= PARSED_TYPES {
            p.clear();
        }
        p.insert(json.into(), ty.clone());
    });
    Ok(ty)
}

/// The type a parsed type JSON document describes ([`Type::from_json`]).
pub(crate) fn from_json(doc: &Json) -> Result<Type, WireError> {
    Type::from_json(doc).map_err(WireError::new)
}

/// Serializes [`Type::to_json`] (compact, keys in order), written straight
/// to bytes: every dynamic value sent to a plugin carries its type this
/// way, and going through a `serde_json::Value` tree cost a tenth of a
/// plugin plan's instructions.
pub(super) fn to_bytes(ty: &Type) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write(&mut out, ty);
    out
}

fn write(out: &mut Vec<u8>, ty: &Type) {
    let kind = |out: &mut Vec<u8>, name: &str| {
        out.extend_from_slice(b"[\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\",");
    };
    match ty {
        Type::String => out.extend_from_slice(b"\"string\""),
        Type::Number => out.extend_from_slice(b"\"number\""),
        Type::Bool => out.extend_from_slice(b"\"bool\""),
        Type::Any => out.extend_from_slice(b"\"dynamic\""),
        Type::List(t) | Type::Set(t) | Type::Map(t) => {
            kind(
                out,
                match ty {
                    Type::List(_) => "list",
                    Type::Set(_) => "set",
                    _ => "map",
                },
            );
            write(out, t);
            out.push(b']');
        }
        Type::Tuple(ts) => {
            kind(out, "tuple");
            out.push(b'[');
            for (i, t) in ts.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(out, t);
            }
            out.extend_from_slice(b"]]");
        }
        Type::Object(o) => {
            kind(out, "object");
            out.push(b'{');
            for (i, (name, t)) in o.attrs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                // A string always serializes; the name is escaped as JSON.
                let _ = serde_json::to_writer(&mut *out, name);
                out.push(b':');
                write(out, t);
            }
            out.extend_from_slice(b"}]");
        }
    }
}
