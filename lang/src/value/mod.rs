//! Values of the language — primitives, collections, structural values,
//! `null`, *unknown* ("known after apply") and the *sensitive* mark — with
//! their types, conversions and renderings.

mod bigfloat;
mod convert;
mod decimal;
mod json;
mod json_serde;
mod map;
mod number;
mod render;
mod secrets;
mod unify;

pub use bigfloat::BigFloat;
pub use convert::{ConvertError, PathStep, convert, convert_or_keep};
pub use decimal::Decimal;
pub use json::{FromJsonError, from_json, from_json_text, to_json, to_json_text, write_json_with};
pub use json_serde::{AsJson, FromJson};
pub use map::{Entry as ValueMapEntry, ValueMap};
pub use number::Number;
pub use render::{quote, render};
pub use secrets::{REDACTED, Secrets};
pub use unify::{unify, unify_all, unify_types, unify_unsafe, unify_unsafe_values};

use crate::types::Type;
use std::cmp::Ordering;

/// A value.
///
/// Collections (`List`, `Set`, `Map`) carry their element type so an empty
/// one still has a type; structural values (`Tuple`, `Object`) have a type
/// per element. Sets are kept sorted (by [`Value::total_cmp`]) and without
/// duplicates, maps and objects sorted by key — the iteration order
/// Terraform uses.
///
/// `Sensitive` wraps a value whose contents must never be shown; every
/// operation that reads a sensitive value produces a sensitive result.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A null of the given type (`Type::Any` for the `null` literal).
    Null(Type),
    /// A value not known until apply, of the given type (`Type::Any` when
    /// even the type is open).
    Unknown(Type),
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string (Unicode).
    String(String),
    /// `list(T)`: element type and elements.
    List(Type, Vec<Value>),
    /// `set(T)`: element type and distinct elements, sorted.
    Set(Type, Vec<Value>),
    /// `map(T)`: element type and entries.
    Map(Type, ValueMap),
    /// A tuple: what `[a, b]` makes.
    Tuple(Vec<Value>),
    /// An object: what `{ a = 1 }` makes.
    Object(ValueMap),
    /// A sensitive value.
    Sensitive(Box<Value>),
}

impl Value {
    /// The `null` literal.
    pub const NULL: Value = Value::Null(Type::Any);

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// An object of the given attributes (a later name replaces an
    /// earlier one), e.g. `Value::object_of(&[("name", Value::string("a"))])`.
    pub fn object_of(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        )
    }

    /// A whole number.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    /// An unknown value of any type.
    pub fn unknown() -> Value {
        Value::Unknown(Type::Any)
    }

    /// A list whose element type is taken from its elements (which must
    /// share one type; use [`unify`] first when they may not).
    pub fn list(items: Vec<Value>) -> Value {
        let elem = items.first().map_or(Type::Any, Value::type_of);
        Value::List(elem, items)
    }

    /// A set from any elements: sorted and deduplicated.
    pub fn set(elem: Type, mut items: Vec<Value>) -> Value {
        items.sort_by(Value::total_cmp);
        items.dedup();
        Value::Set(elem, items)
    }

    /// Wraps `self` as sensitive when `sensitive` is true.
    pub fn mark_if(self, sensitive: bool) -> Value {
        if sensitive && !matches!(self, Value::Sensitive(_)) {
            Value::Sensitive(Box::new(self))
        } else {
            self
        }
    }

    /// The value without its top-level sensitive mark, and whether it had
    /// one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.unmark().0, true),
            v => (v, false),
        }
    }

    /// True when `self` and `other` hold the same data: sensitive marks,
    /// the kind of collection (list, set or tuple; map or object) and the
    /// types of nulls are ignored; an unknown is never the same as
    /// anything. Allocates nothing (plans compare every attribute of every
    /// instance with it).
    pub fn same_data(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Sensitive(a), b) => a.same_data(b),
            (a, Value::Sensitive(b)) => a.same_data(b),
            (Value::Unknown(_), _) | (_, Value::Unknown(_)) => false,
            (Value::Null(_), Value::Null(_)) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a.compare(b) == Ordering::Equal,
            (Value::String(a), Value::String(b)) => a == b,
            (
                Value::List(_, a) | Value::Set(_, a) | Value::Tuple(a),
                Value::List(_, b) | Value::Set(_, b) | Value::Tuple(b),
            ) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_data(y)),
            (Value::Map(_, a) | Value::Object(a), Value::Map(_, b) | Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, x), (kb, y))| ka == kb && x.same_data(y))
            }
            _ => false,
        }
    }

    /// The value with every sensitive mark removed at any depth, and whether
    /// there was one.
    pub fn unmark_deep(self) -> (Value, bool) {
        let mut marked = false;
        let v = self.map_deep(&mut |v| match v {
            Value::Sensitive(inner) => {
                marked = true;
                *inner
            }
            v => v,
        });
        (v, marked)
    }

    fn map_deep(self, f: &mut dyn FnMut(Value) -> Value) -> Value {
        let v = f(self);
        match v {
            Value::List(t, items) => {
                Value::List(t, items.into_iter().map(|i| i.map_deep(f)).collect())
            }
            Value::Set(t, items) => {
                Value::Set(t, items.into_iter().map(|i| i.map_deep(f)).collect())
            }
            Value::Tuple(items) => Value::Tuple(items.into_iter().map(|i| i.map_deep(f)).collect()),
            Value::Map(t, m) => {
                Value::Map(t, m.into_iter().map(|(k, i)| (k, i.map_deep(f))).collect())
            }
            Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, i)| (k, i.map_deep(f))).collect())
            }
            Value::Sensitive(inner) => Value::Sensitive(Box::new(inner.map_deep(f))),
            v => v,
        }
    }

    /// True when the value is marked sensitive here or anywhere inside.
    pub fn is_sensitive_deep(&self) -> bool {
        self.any_deep(&|v| matches!(v, Value::Sensitive(_)))
    }

    /// True when the value is unknown or contains an unknown anywhere.
    pub fn has_unknown(&self) -> bool {
        self.any_deep(&|v| matches!(v, Value::Unknown(_)))
    }

    fn any_deep(&self, p: &dyn Fn(&Value) -> bool) -> bool {
        if p(self) {
            return true;
        }
        match self {
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                items.iter().any(|i| i.any_deep(p))
            }
            Value::Map(_, m) | Value::Object(m) => m.values().any(|i| i.any_deep(p)),
            Value::Sensitive(inner) => inner.any_deep(p),
            _ => false,
        }
    }

    /// True for `Unknown` (possibly under a sensitive mark).
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Sensitive(inner) => inner.is_unknown(),
            _ => false,
        }
    }

    /// True for `Null` (possibly under a sensitive mark).
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null(_) => true,
            Value::Sensitive(inner) => inner.is_null(),
            _ => false,
        }
    }

    /// The value's type.
    pub fn type_of(&self) -> Type {
        match self {
            Value::Null(t) | Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(t, _) => Type::List(Box::new(t.clone())),
            Value::Set(t, _) => Type::Set(Box::new(t.clone())),
            Value::Map(t, _) => Type::Map(Box::new(t.clone())),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::type_of).collect()),
            Value::Object(m) => {
                Type::object(m.iter().map(|(k, v)| (k.clone(), v.type_of())).collect())
            }
            Value::Sensitive(inner) => inner.type_of(),
        }
    }

    /// A short description for error messages: `string "x"`, `number 3`,
    /// `null`, `list of string`, `object with attributes a, b`. Sensitive
    /// contents are not shown: a sensitive value is `sensitive string`,
    /// `sensitive object`... (its type only, as Terraform's "this sensitive
    /// string").
    ///
    /// A value whose mark was taken off (`unmark`) must be described with
    /// [`Value::describe_as`] and the mark, or its contents would show.
    pub fn describe(&self) -> String {
        match self {
            Value::Null(_) => "null".into(),
            Value::Unknown(_) => "a value known only after apply".into(),
            Value::Bool(b) => format!("bool {b}"),
            Value::Number(n) => format!("number {n}"),
            Value::String(s) if s.chars().count() <= 40 => format!("string {s:?}"),
            Value::String(_) => "a string".into(),
            Value::List(..) | Value::Set(..) | Value::Map(..) => self.type_of().friendly(),
            Value::Tuple(items) => format!(
                "tuple with {} element{}",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            ),
            Value::Object(m) if m.is_empty() => "object with no attributes".into(),
            Value::Object(m) => {
                let names: Vec<&str> = m.keys().map(String::as_str).take(5).collect();
                let more = if m.len() > 5 { ", ..." } else { "" };
                format!("object with attributes {}{more}", names.join(", "))
            }
            Value::Sensitive(inner) => format!("sensitive {}", inner.type_of().friendly()),
        }
    }

    /// [`Value::describe`] for a value that was sensitive before its mark
    /// was taken off: with `sensitive` only its type is named
    /// (`sensitive string`), never its contents, keys or length. This is
    /// the one place error messages turn a value into text.
    pub fn describe_as(&self, sensitive: bool) -> String {
        if sensitive {
            match self {
                Value::Sensitive(_) => self.describe(),
                v => format!("sensitive {}", v.type_of().friendly()),
            }
        } else {
            self.describe()
        }
    }

    /// Elements of a list, set or tuple; `None` for anything else.
    pub fn as_sequence(&self) -> Option<&[Value]> {
        match self {
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The (key, value) pairs a `for` expression, a template `%{for}` or a
    /// `dynamic` block iterates over: index and element for lists and
    /// tuples, the element twice for sets, key and value for maps and
    /// objects. Anything else is given back as the error.
    ///
    /// # Errors
    /// The value itself when it is not a collection.
    pub fn into_pairs(self) -> Result<Vec<(Value, Value)>, Value> {
        match self {
            Value::List(_, items) | Value::Tuple(items) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::int(i as i64), v))
                .collect()),
            Value::Set(_, items) => Ok(items.into_iter().map(|v| (v.clone(), v)).collect()),
            Value::Map(_, m) | Value::Object(m) => {
                Ok(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect())
            }
            other => Err(other),
        }
    }

    /// Entries of a map or object; `None` for anything else.
    pub fn as_mapping(&self) -> Option<&ValueMap> {
        match self {
            Value::Map(_, m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The string, when this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A total order used to sort set elements: by kind (bool, number,
    /// string, then collections), then by content. Mirrors Terraform for
    /// sets of primitives (numbers ascending, strings lexically).
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Bool(_) => 0,
                Value::Number(_) => 1,
                Value::String(_) => 2,
                Value::List(..) | Value::Set(..) | Value::Tuple(_) => 3,
                Value::Map(..) | Value::Object(_) => 4,
                Value::Null(_) => 5,
                Value::Unknown(_) => 6,
                Value::Sensitive(_) => 7,
            }
        }
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.compare(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            (Value::Sensitive(a), Value::Sensitive(b)) => a.total_cmp(b),
            (a, b) if rank(a) != rank(b) => rank(a).cmp(&rank(b)),
            (a, b) => match (
                a.as_sequence(),
                b.as_sequence(),
                a.as_mapping(),
                b.as_mapping(),
            ) {
                (Some(x), Some(y), _, _) => x
                    .iter()
                    .zip(y)
                    .map(|(p, q)| p.total_cmp(q))
                    .find(|o| o.is_ne())
                    .unwrap_or(x.len().cmp(&y.len())),
                (_, _, Some(x), Some(y)) => x
                    .iter()
                    .zip(y)
                    .map(|((ka, va), (kb, vb))| ka.cmp(kb).then_with(|| va.total_cmp(vb)))
                    .find(|o| o.is_ne())
                    .unwrap_or(x.len().cmp(&y.len())),
                _ => Ordering::Equal,
            },
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}
