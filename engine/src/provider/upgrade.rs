//! The default state upgrade: stored JSON decoded with the current
//! schema's type, attributes the schema no longer has dropped (Terraform's
//! `stripRemovedStateAttributes` in `upgrade_resource_state.go`).

use super::ResourceSchema;
use infra_lang::Value;
use infra_lang::value::{convert, from_json};
use serde_json::Value as Json;

/// Decodes `raw_json` (a state file's `attributes` object) as an object of
/// `schema`'s type: attributes and blocks the schema does not have are
/// dropped (at every level of nested blocks), missing ones are null.
///
/// # Errors
/// Not JSON, not an object, or a value that does not convert to its
/// attribute's type (the message names the attribute path).
pub fn decode_with_schema(schema: &ResourceSchema, raw_json: &[u8]) -> Result<Value, String> {
    let json: Json = serde_json::from_slice(raw_json)
        .map_err(|e| format!("the stored state is not JSON: {e}"))?;
    let Json::Object(_) = &json else {
        return Err("the stored state is not a JSON object".into());
    };
    let stripped = strip(schema, json);
    convert(from_json(&stripped), &schema.object_type()).map_err(|e| {
        format!(
            "the stored state does not fit the schema: at `{}`: {}",
            e.path_string(),
            e.message
        )
    })
}

/// `json` with only `schema`'s attributes and blocks (null where absent);
/// nested blocks' objects stripped alike.
fn strip(schema: &ResourceSchema, json: Json) -> Json {
    let Json::Object(mut m) = json else {
        return json;
    };
    let mut out = serde_json::Map::new();
    for name in schema.attributes.keys() {
        out.insert(name.clone(), m.remove(name).unwrap_or(Json::Null));
    }
    for (name, b) in &schema.blocks {
        let v = match m.remove(name) {
            Some(Json::Array(items)) => {
                Json::Array(items.into_iter().map(|i| strip(&b.block, i)).collect())
            }
            Some(Json::Object(o)) if matches!(b.nesting, super::schema::Nesting::Map) => {
                Json::Object(
                    o.into_iter()
                        .map(|(k, v)| (k, strip(&b.block, v)))
                        .collect(),
                )
            }
            Some(o @ Json::Object(_)) => strip(&b.block, o),
            Some(other) => other,
            None => Json::Null,
        };
        out.insert(name.clone(), v);
    }
    Json::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Attribute;
    use infra_lang::Type;

    #[test]
    fn removed_attributes_are_dropped_and_missing_ones_null() {
        let s = ResourceSchema::new(
            "t",
            vec![
                ("a", Attribute::required(Type::Number, "a")),
                ("b", Attribute::optional(Type::String, "b")),
            ],
        );
        let v = decode_with_schema(&s, br#"{"a": "1", "gone": true}"#).expect("decodes");
        assert_eq!(
            v,
            Value::object_of(&[("a", Value::int(1)), ("b", Value::Null(Type::String))])
        );
        let e = decode_with_schema(&s, br#"{"a": "x"}"#).expect_err("not a number");
        assert!(e.contains("`.a`"), "{e}");
        assert!(decode_with_schema(&s, b"[1]").is_err());
    }
}
