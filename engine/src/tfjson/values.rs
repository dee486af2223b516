//! Values as Terraform's JSON formats write them: the known parts (an
//! object's unknown attributes left out), and trees marking the unknown
//! or sensitive parts (`{"id": true}`, `[false, true]`).

use crate::state::codec::{self, Path};
use infra_lang::Value;
use serde_json::{Value as Json, json};

/// What [`split`] makes of a value.
pub struct Parts {
    /// The value with unknown object attributes left out (unknown list
    /// elements `null`); sensitive parts in clear.
    pub known: Json,
    /// `true` where the value is unknown: `true` for a wholly unknown
    /// value, else a tree of the value's shape (`{}` when nothing is).
    pub unknown: Json,
    /// The same for sensitive parts.
    pub sensitive: Json,
}

/// Splits `v` into its known JSON and its unknown and sensitive trees.
pub fn split(v: &Value) -> Parts {
    let e = codec::encode(v);
    let unknown = tree(&e.json, &e.unknown);
    let sensitive = tree(&e.json, &e.sensitive);
    let mut known = e.json;
    for p in &e.unknown {
        drop_path(&mut known, p);
    }
    Parts {
        known,
        unknown,
        sensitive,
    }
}

/// A tree of `shape`'s structure with `true` at each of `paths`, as
/// Terraform's `SensitiveAsBool`/`unknownAsBool` make it: objects keep
/// their marked keys and every collection-valued key (as an empty-shaped
/// tree), lists are `[]` when nothing in them is marked and otherwise one
/// entry per element (`false` for an unmarked primitive); an unmarked
/// primitive is `false`.
fn tree(shape: &Json, paths: &[Path]) -> Json {
    if paths.iter().any(Vec::is_empty) {
        return Json::Bool(true);
    }
    let below = |step: &Json| -> Vec<Path> {
        paths
            .iter()
            .filter(|p| p.first() == Some(step))
            .map(|p| p[1..].to_vec())
            .collect()
    };
    match shape {
        Json::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let b = below(&Json::String(k.clone()));
                if !b.is_empty() || matches!(v, Json::Object(_) | Json::Array(_)) {
                    out.insert(k.clone(), tree(v, &b));
                }
            }
            Json::Object(out)
        }
        Json::Array(a) if paths.is_empty() => {
            if a.iter()
                .any(|v| matches!(v, Json::Object(_) | Json::Array(_)))
            {
                Json::Array(a.iter().map(|v| tree(v, &[])).collect())
            } else {
                json!([])
            }
        }
        Json::Array(a) => Json::Array(
            a.iter()
                .enumerate()
                .map(|(i, v)| tree(v, &below(&json!(i))))
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

/// Removes the object attribute at `path` (an unknown one); a list
/// element stays, as `null`.
fn drop_path(json: &mut Json, path: &[Json]) {
    let Some((step, rest)) = path.split_first() else {
        return;
    };
    match (json, step) {
        (Json::Object(m), Json::String(k)) => {
            if rest.is_empty() {
                m.remove(k);
            } else if let Some(v) = m.get_mut(k) {
                drop_path(v, rest);
            }
        }
        (Json::Array(a), Json::Number(n)) => {
            if let Some(v) = n
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| a.get_mut(i))
            {
                drop_path(v, rest);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_attributes_are_left_out_and_marked() {
        let v = Value::object_of(&[
            ("id", Value::unknown()),
            ("input", Value::string("x")),
            (
                "tags",
                Value::Tuple(vec![
                    Value::string("a"),
                    Value::Sensitive(Box::new(Value::string("s"))),
                ]),
            ),
        ]);
        let p = split(&v);
        assert_eq!(p.known, json!({"input": "x", "tags": ["a", "s"]}));
        assert_eq!(p.unknown, json!({"id": true, "tags": []}));
        assert_eq!(p.sensitive, json!({"tags": [false, true]}));
        let whole = split(&Value::unknown());
        assert_eq!(whole.unknown, json!(true));
        assert_eq!(split(&Value::string("x")).sensitive, json!(false));
        let list = Value::object_of(&[("l", Value::Tuple(vec![Value::string("a")]))]);
        assert_eq!(split(&list).sensitive, json!({"l": []}));
    }
}
