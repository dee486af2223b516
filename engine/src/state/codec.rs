//! Values in state and plan files: JSON plus the paths of the parts that
//! are sensitive or unknown, since JSON has neither. A path is an array of
//! steps, strings for attributes and map keys, numbers for indexes:
//! `["tags", "owner"]`, `["rules", 0, "id"]`.

use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::{AsJson, Number, convert, from_json, to_json};
use serde_json::Value as Json;

/// A path to a part of a value: strings and numbers.
pub type Path = Vec<Json>;

/// A value as JSON with the paths of its sensitive and unknown parts
/// (unknown parts are `null` in `json`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Encoded {
    /// The value; unknown parts as `null`, sensitive parts in clear.
    pub json: Json,
    /// Paths of the sensitive parts.
    pub sensitive: Vec<Path>,
    /// Paths of the unknown parts.
    pub unknown: Vec<Path>,
    /// Numbers `json` holds only to the nearest `f64` (serde_json has no
    /// bigger numbers): each path with the number's exact text, for the
    /// files that keep numbers exactly (state).
    pub exact_numbers: Vec<(Path, String)>,
}

/// Encodes `value`.
pub fn encode(value: &Value) -> Encoded {
    let mut e = marks(value);
    e.json = serde_json::to_value(AsJson(value)).unwrap_or(Json::Null);
    e
}

/// The paths of `value`'s sensitive and unknown parts and its numbers
/// beyond `f64`, as [`encode`] gives them, with `json` left `null`: for
/// writers that serialise the value itself through [`AsJson`] (the state
/// file), without a JSON tree in between.
pub fn marks(value: &Value) -> Encoded {
    let mut e = Encoded::default();
    let mut path = Vec::new();
    walk(value, &mut path, &mut e);
    e
}

fn walk(v: &Value, path: &mut Path, e: &mut Encoded) {
    match v {
        Value::Unknown(_) => e.unknown.push(path.clone()),
        Value::Sensitive(inner) => {
            e.sensitive.push(path.clone());
            walk(inner, path, e);
        }
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            for (i, x) in items.iter().enumerate() {
                path.push(Json::from(i));
                walk(x, path, e);
                path.pop();
            }
        }
        Value::Map(_, m) | Value::Object(m) => {
            for (k, x) in m {
                path.push(Json::String(k.clone()));
                walk(x, path, e);
                path.pop();
            }
        }
        Value::Number(n @ Number::Big(_)) => {
            let json = to_json(v).unwrap_or(Json::Null);
            if from_json(&json) != *v {
                e.exact_numbers.push((path.clone(), n.to_string()));
            }
        }
        _ => {}
    }
}

/// `value` with the numbers at `exact` (from [`Encoded::exact_numbers`])
/// put back exactly; a path or text that does not fit is left alone.
pub fn restore_numbers(value: Value, exact: &[(Path, String)]) -> Value {
    exact.iter().fold(value, |v, (path, text)| {
        replace_at(v, path, &mut |x| match (Number::parse(text), x) {
            (Some(n), Value::Sensitive(_)) => Value::Number(n).mark_if(true),
            (Some(n), Value::Number(_)) => Value::Number(n),
            (_, other) => other,
        })
    })
}

/// Decodes an encoded value, converted to `ty` when given (as the schema
/// says; a value that does not convert is kept as read), then marked
/// unknown and sensitive at the recorded paths.
pub fn decode(json: &Json, sensitive: &[Path], unknown: &[Path], ty: Option<&Type>) -> Value {
    let mut v = from_json(json);
    for p in unknown {
        v = replace_at(v, p, &mut |_| Value::unknown());
    }
    if let Some(ty) = ty
        && let Ok(c) = convert(v.clone(), ty)
    {
        v = c;
    }
    mark_sensitive(v, sensitive)
}

/// `v` marked sensitive at the paths `sensitive` (from
/// [`Encoded::sensitive`]); a path that does not fit is left alone.
pub fn mark_sensitive(mut v: Value, sensitive: &[Path]) -> Value {
    for p in sensitive {
        v = replace_at(v, p, &mut |x| x.mark_if(true));
    }
    v
}

fn replace_at(v: Value, path: &[Json], f: &mut dyn FnMut(Value) -> Value) -> Value {
    let Some((step, rest)) = path.split_first() else {
        return f(v);
    };
    match (v, step) {
        (Value::Sensitive(inner), _) => replace_at(*inner, path, f).mark_if(true),
        (Value::Object(mut m), Json::String(k)) => {
            if let Some(x) = m.remove(k) {
                m.insert(k.clone(), replace_at(x, rest, f));
            }
            Value::Object(m)
        }
        (Value::Map(t, mut m), Json::String(k)) => {
            if let Some(x) = m.remove(k) {
                m.insert(k.clone(), replace_at(x, rest, f));
            }
            Value::Map(t, m)
        }
        (Value::Tuple(mut items), Json::Number(n)) => {
            edit_item(&mut items, n, rest, f);
            Value::Tuple(items)
        }
        (Value::List(t, mut items), Json::Number(n)) => {
            edit_item(&mut items, n, rest, f);
            Value::List(t, items)
        }
        (Value::Set(t, mut items), Json::Number(n)) => {
            edit_item(&mut items, n, rest, f);
            Value::Set(t, items)
        }
        (other, _) => other,
    }
}

fn edit_item(
    items: &mut [Value],
    n: &serde_json::Number,
    rest: &[Json],
    f: &mut dyn FnMut(Value) -> Value,
) {
    if let Some(slot) = n
        .as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| items.get_mut(i))
    {
        let x = std::mem::replace(slot, Value::NULL);
        *slot = replace_at(x, rest, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::value::ValueMap;

    #[test]
    fn round_trips_marks() {
        let mut m = ValueMap::new();
        m.insert("a".to_string(), Value::string("x").mark_if(true));
        m.insert("b".to_string(), Value::unknown());
        m.insert(
            "c".to_string(),
            Value::Tuple(vec![Value::int(1), Value::string("s").mark_if(true)]),
        );
        let v = Value::Object(m);
        let e = encode(&v);
        assert_eq!(e.sensitive.len(), 2);
        assert_eq!(e.unknown, vec![vec![Json::from("b")]]);
        let back = decode(&e.json, &e.sensitive, &e.unknown, None);
        assert_eq!(back, v);
    }
}
