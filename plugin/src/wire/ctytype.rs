//! cty's type JSON (go-cty `cty/json_type.go`) ⇄ [`Type`].

use super::WireError;
use infra_lang::types::Type;
use serde_json::Value as Json;

/// Parses type JSON bytes.
pub(super) fn from_bytes(json: &[u8]) -> Result<Type, WireError> {
    let doc: Json = serde_json::from_slice(json)
        .map_err(|e| WireError::new(format!("type JSON is not valid JSON ({e})")))?;
    from_json(&doc)
}

/// The type a parsed type JSON document describes ([`Type::from_json`]).
pub(crate) fn from_json(doc: &Json) -> Result<Type, WireError> {
    Type::from_json(doc).map_err(WireError::new)
}

/// Serializes [`Type::to_json`].
pub(super) fn to_bytes(ty: &Type) -> Vec<u8> {
    ty.to_json().to_string().into_bytes()
}
