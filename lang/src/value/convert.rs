//! Type conversion as Terraform does it: `"1"` ↔ `1`, `"true"` ↔ `true`,
//! tuples to lists and sets, objects to maps, optional attributes filled
//! from their defaults — with errors that name the path to the bad part.

use super::unify::unify;
use super::{Number, Value, ValueMap};
use crate::types::{ObjectType, Type};
use std::fmt;

/// One step of the path to the part of a value that failed to convert.
#[derive(Clone, Debug, PartialEq)]
pub enum PathStep {
    /// `.name` — an object attribute.
    Attr(String),
    /// `[2]` — a list or tuple element.
    Index(usize),
    /// `["key"]` — a map element.
    Key(String),
}

/// A conversion failure: where (`path`, outermost step first) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvertError {
    /// Steps from the converted value down to the part that failed.
    pub path: Vec<PathStep>,
    /// What was expected and what was found: `expected number, got string "x"`.
    pub message: String,
}

impl ConvertError {
    pub(super) fn new(message: impl Into<String>) -> ConvertError {
        ConvertError {
            path: Vec::new(),
            message: message.into(),
        }
    }

    pub(super) fn at(mut self, step: PathStep) -> ConvertError {
        self.path.insert(0, step);
        self
    }

    /// The path in the language's syntax, to append to a reference:
    /// `.ports[2]`, `["a"].name`; empty for the value itself.
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                PathStep::Attr(a) => {
                    out.push('.');
                    out.push_str(a);
                }
                PathStep::Index(i) => out.push_str(&format!("[{i}]")),
                PathStep::Key(k) => out.push_str(&format!("[{k:?}]")),
            }
        }
        out
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path_string(), self.message)
        }
    }
}

fn mismatch(want: &Type, got: &Value) -> ConvertError {
    ConvertError::new(format!(
        "expected {}, got {}",
        want.friendly(),
        got.describe()
    ))
}

/// The error for a sensitive value that does not convert: its type only,
/// no path inside it (keys of a sensitive map are sensitive too), as
/// Terraform's "cannot convert this sensitive string to number".
fn sensitive_mismatch(from: &Type, want: &Type) -> ConvertError {
    ConvertError::new(format!(
        "cannot convert this sensitive {} to {}",
        from.friendly(),
        want.friendly()
    ))
}

/// Converts `value` to type `want`.
///
/// Marks are kept: a sensitive value converts to a sensitive value, and
/// when it does not convert the error names its type only (never its
/// contents, nor keys inside it). Nulls
/// and unknowns take the wanted type. Object attributes not in `want` are
/// dropped; missing optional ones get their default (or null).
///
/// # Errors
/// [`ConvertError`] naming the path to the first part that does not fit,
/// e.g. `.ports[2]: expected number, got string "x"`.
pub fn convert(value: Value, want: &Type) -> Result<Value, ConvertError> {
    match (value, want) {
        (Value::Sensitive(inner), _) => {
            let from = inner.type_of();
            convert(*inner, want)
                .map(|v| v.mark_if(true))
                .map_err(|_| sensitive_mismatch(&from, want))
        }
        (Value::Null(t), Type::Any) => Ok(Value::Null(t)),
        (Value::Null(_), _) => Ok(Value::Null(want.clone())),
        (Value::Unknown(t), Type::Any) => Ok(Value::Unknown(t)),
        (Value::Unknown(_), _) => Ok(Value::Unknown(want.clone())),
        (v, Type::Any) => Ok(v),
        (v @ Value::String(_), Type::String) => Ok(v),
        (Value::Number(n), Type::String) => Ok(Value::String(n.to_string())),
        (Value::Bool(b), Type::String) => Ok(Value::String(b.to_string())),
        (v @ Value::Number(_), Type::Number) => Ok(v),
        (Value::String(s), Type::Number) => match Number::parse(&s) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(ConvertError::new(format!(
                "expected number, got string {s:?} (not a number)"
            ))),
        },
        (v @ Value::Bool(_), Type::Bool) => Ok(v),
        (Value::String(s), Type::Bool) if matches!(s.as_str(), "true" | "false" | "1" | "0") => {
            Ok(Value::Bool(s == "true" || s == "1"))
        }
        (Value::String(s), Type::Bool) => Err(ConvertError::new(format!(
            "expected bool, got string {s:?} (only \"true\" and \"false\" convert)"
        ))),
        (Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items), Type::List(elem)) => {
            let (t, items) = convert_elements(items, elem)?;
            Ok(Value::List(t, items))
        }
        (Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items), Type::Set(elem)) => {
            let (t, items) = convert_elements(items, elem)?;
            Ok(Value::set(t, items))
        }
        (Value::Map(_, m) | Value::Object(m), Type::Map(elem)) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let values: Vec<Value> = m.into_values().collect();
            let (t, values) = convert_elements(values, elem).map_err(|mut e| {
                if let Some(PathStep::Index(i)) = e.path.first().cloned() {
                    e.path[0] = PathStep::Key(keys.get(i).cloned().unwrap_or_default());
                }
                e
            })?;
            Ok(Value::Map(t, keys.into_iter().zip(values).collect()))
        }
        (Value::Tuple(items) | Value::List(_, items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(ConvertError::new(format!(
                    "expected a tuple of {} element{}, got {}",
                    types.len(),
                    if types.len() == 1 { "" } else { "s" },
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (v, t)) in items.into_iter().zip(types).enumerate() {
                out.push(convert(v, t).map_err(|e| e.at(PathStep::Index(i)))?);
            }
            Ok(Value::Tuple(out))
        }
        (Value::Object(m) | Value::Map(_, m), Type::Object(o)) => convert_object(m, o),
        (v, want) => Err(mismatch(want, &v)),
    }
}

/// [`convert`]`(value, want)`, or `value` as it was when that fails
/// (reading state: a stored object that no longer fits its schema is kept
/// as stored). Of an object converted to an object type without optional
/// attributes it clones only the attributes whose conversion could fail;
/// those of type `any` are moved, not copied to be thrown away.
pub fn convert_or_keep(value: Value, want: &Type) -> Value {
    let o = match (&value, want) {
        (Value::Object(m), Type::Object(o))
            if o.optional.is_empty() && o.attrs.keys().all(|k| m.contains_key(k)) =>
        {
            o
        }
        _ => {
            return match convert(value.clone(), want) {
                Ok(v) => v,
                Err(_) => value,
            };
        }
    };
    let Value::Object(mut m) = value else {
        return value;
    };
    // What could fail first, on copies: `value` is whole until all of it
    // converted.
    let mut out = ValueMap::with_capacity(o.attrs.len());
    for (name, ty) in o.attrs.iter().filter(|(_, t)| **t != Type::Any) {
        let Some(v) = m.get(name) else {
            return Value::Object(m);
        };
        match convert(v.clone(), ty) {
            Ok(c) => {
                out.insert(name.clone(), c);
            }
            Err(_) => return Value::Object(m),
        }
    }
    // `convert(v, any)`: the value, its sensitive marks folded into one.
    fn to_any(v: Value) -> Value {
        match v {
            Value::Sensitive(inner) => to_any(*inner).mark_if(true),
            v => v,
        }
    }
    for (name, ty) in &o.attrs {
        if *ty == Type::Any
            && let Some(v) = m.remove(name)
        {
            out.insert(name.clone(), to_any(v));
        }
    }
    Value::Object(out)
}

fn convert_object(mut m: ValueMap, o: &ObjectType) -> Result<Value, ConvertError> {
    let mut out = ValueMap::with_capacity(o.attrs.len());
    let mut missing = Vec::new();
    for (name, ty) in &o.attrs {
        match (m.remove(name), o.optional.get(name)) {
            (Some(v), Some(Some(default))) if v.is_null() => {
                out.insert(
                    name.clone(),
                    convert(default.clone(), ty).map_err(|e| e.at(PathStep::Attr(name.clone())))?,
                );
            }
            (Some(v), _) => {
                out.insert(
                    name.clone(),
                    convert(v, ty).map_err(|e| e.at(PathStep::Attr(name.clone())))?,
                );
            }
            (None, Some(Some(default))) => {
                out.insert(
                    name.clone(),
                    convert(default.clone(), ty).map_err(|e| e.at(PathStep::Attr(name.clone())))?,
                );
            }
            (None, Some(None)) => {
                out.insert(name.clone(), Value::Null(ty.clone()));
            }
            (None, None) => missing.push(name.as_str()),
        }
    }
    match missing.as_slice() {
        [] => Ok(Value::Object(out)),
        [one] => Err(ConvertError::new(format!("attribute `{one}` is required"))),
        many => Err(ConvertError::new(format!(
            "attributes {} are required",
            many.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Converts every element to `elem`; when `elem` is `any`, first finds the
/// one type they all convert to (see [`unify`]).
fn convert_elements(items: Vec<Value>, elem: &Type) -> Result<(Type, Vec<Value>), ConvertError> {
    if *elem == Type::Any {
        return unify(items);
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        out.push(convert(v, elem).map_err(|e| e.at(PathStep::Index(i)))?);
    }
    Ok((elem.clone(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convert_or_keep_is_convert_or_the_value_unchanged() {
        let want = Type::object(
            [
                ("input".to_string(), Type::Any),
                ("id".to_string(), Type::String),
                ("n".to_string(), Type::Number),
            ]
            .into(),
        );
        let obj = |pairs: &[(&str, Value)]| Value::object_of(pairs);
        let nested = obj(&[("k", Value::string("v").mark_if(true))]);
        let cases = [
            obj(&[
                ("input", nested.clone()),
                ("id", Value::string("x")),
                ("n", Value::string("3")),
            ]),
            obj(&[
                (
                    "input",
                    Value::Sensitive(Box::new(nested.clone().mark_if(true))),
                ),
                ("id", Value::int(7).mark_if(true)),
                ("n", Value::NULL),
                ("extra", Value::Bool(true)),
            ]),
            // Does not convert: kept as it is.
            obj(&[
                ("input", nested.clone()),
                ("id", Value::string("x")),
                ("n", Value::string("not a number")),
            ]),
            // Lacks an attribute.
            obj(&[("input", nested.clone()), ("id", Value::string("x"))]),
            Value::string("not an object"),
            nested.clone().mark_if(true),
        ];
        for v in cases {
            let expected = convert(v.clone(), &want).unwrap_or_else(|_| v.clone());
            assert_eq!(convert_or_keep(v.clone(), &want), expected, "{v:?}");
        }
    }

    #[test]
    fn a_sensitive_value_that_does_not_convert_is_named_by_its_type_only() {
        let e = convert(Value::string("S3cr3t").mark_if(true), &Type::Number)
            .expect_err("not a number");
        assert_eq!(
            e.to_string(),
            "cannot convert this sensitive string to number"
        );
        // No path inside a sensitive map: its keys are secret too.
        let m: ValueMap = [("S3cr3t".to_string(), Value::string("x"))].into();
        let e = convert(
            Value::Object(m).mark_if(true),
            &Type::Map(Box::new(Type::Number)),
        )
        .expect_err("not numbers");
        assert!(e.path.is_empty(), "{e}");
        assert!(!e.to_string().contains("S3cr3t"), "{e}");
        // A sensitive element of a plain list: the path to it, not its value.
        let e = convert(
            Value::Tuple(vec![Value::int(1), Value::string("S3cr3t").mark_if(true)]),
            &Type::List(Box::new(Type::Number)),
        )
        .expect_err("not numbers");
        assert_eq!(
            e.to_string(),
            "[1]: cannot convert this sensitive string to number"
        );
    }
}
