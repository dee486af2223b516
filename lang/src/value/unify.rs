//! Type unification: the one type a number of values or types convert to.
//!
//! cty (Terraform's type system) has one algorithm behind two names:
//! `convert.Unify` allows only conversions that cannot fail, and
//! `convert.UnifyUnsafe` also those that may (`"1"` to `1`). Terraform uses
//! the unsafe rule everywhere a user sees unification: its built-in
//! functions call `UnifyUnsafe`, HCL's conditional calls it, and
//! `convert.Convert` applies it to `list(any)`/`map(any)`. So does infra:
//!
//! - [`unify_unsafe`] (and [`unify_unsafe_values`]) follow cty's
//!   `UnifyUnsafe` case by case, for the built-in functions.
//! - [`unify`], [`unify_all`] and [`unify_types`] are the same rule folded
//!   pair by pair, for conversion to `list(any)`, `set(any)`, `map(any)`,
//!   conditionals and splats. They differ from cty in corner cases that
//!   infra has always answered this way and keeps (a refactor must not
//!   change results): an untyped null beside collections does not make the
//!   result `any`; tuples of one length (objects with the same attributes)
//!   whose elements do not unify fall back to a list (a map); a list and a
//!   set do not unify.

use super::Value;
use super::convert::{ConvertError, PathStep, convert};
use crate::types::Type;
use std::collections::BTreeMap;

/// Finds the single type all `items` can convert to and converts them, as
/// Terraform does for `list(any)`, `tolist`, and conditional results:
/// equal types stay; mixed strings, numbers and bools become strings;
/// collections unify element-wise.
///
/// # Errors
/// When no such type exists: "all elements must have the same type".
pub fn unify(items: Vec<Value>) -> Result<(Type, Vec<Value>), ConvertError> {
    let types: Vec<Type> = items
        .iter()
        .map(Value::type_of)
        .filter(|t| *t != Type::Any)
        .collect();
    let t = unify_all(&types).ok_or_else(|| {
        let a = types.first().map(Type::friendly).unwrap_or_default();
        let b = types
            .iter()
            .find(|t| Some(*t) != types.first())
            .map(Type::friendly)
            .unwrap_or_default();
        ConvertError::new(format!(
            "all elements must have the same type: found both {a} and {b}"
        ))
    })?;
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        out.push(convert(v, &t).map_err(|e| e.at(PathStep::Index(i)))?);
    }
    Ok((t, out))
}

/// The type every one of `types` converts to, if there is one (`any` for
/// none). Primitives mixed with a string become strings regardless of
/// order; tuples of different lengths unify as lists and objects with
/// different attributes as maps, as Terraform does.
pub fn unify_all(types: &[Type]) -> Option<Type> {
    let Some(first) = types.first() else {
        return Some(Type::Any);
    };
    if types.iter().all(|t| t == first) {
        return Some(first.clone());
    }
    if types.iter().all(Type::is_primitive) {
        return types.contains(&Type::String).then_some(Type::String);
    }
    let mut acc = first.clone();
    for t in &types[1..] {
        acc = match unify_types(&acc, t) {
            Some(u) => u,
            None => match (&acc, t) {
                (Type::Tuple(_) | Type::List(_), Type::Tuple(_) | Type::List(_)) => {
                    let elems: Vec<Type> =
                        [&acc, t].iter().flat_map(|x| element_types(x)).collect();
                    Type::List(Box::new(unify_all(&elems)?))
                }
                (Type::Object(_) | Type::Map(_), Type::Object(_) | Type::Map(_)) => {
                    let elems: Vec<Type> =
                        [&acc, t].iter().flat_map(|x| element_types(x)).collect();
                    Type::Map(Box::new(unify_all(&elems)?))
                }
                _ => return None,
            },
        };
    }
    Some(acc)
}

fn element_types(t: &Type) -> Vec<Type> {
    match t {
        Type::Tuple(ts) => ts.clone(),
        Type::List(e) | Type::Map(e) | Type::Set(e) => vec![(**e).clone()],
        Type::Object(o) => o.attrs.values().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The type both `a` and `b` convert to, if there is one.
pub fn unify_types(a: &Type, b: &Type) -> Option<Type> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Type::Any, t) | (t, Type::Any) => Some(t.clone()),
        (x, y) if x.is_primitive() && y.is_primitive() => match (x, y) {
            (Type::Number, Type::Bool) | (Type::Bool, Type::Number) => None,
            _ => Some(Type::String),
        },
        (Type::List(x), Type::List(y)) => Some(Type::List(Box::new(unify_types(x, y)?))),
        (Type::Set(x), Type::Set(y)) => Some(Type::Set(Box::new(unify_types(x, y)?))),
        (Type::Map(x), Type::Map(y)) => Some(Type::Map(Box::new(unify_types(x, y)?))),
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => Some(Type::Tuple(
            xs.iter()
                .zip(ys)
                .map(|(x, y)| unify_types(x, y))
                .collect::<Option<Vec<_>>>()?,
        )),
        (Type::List(x), Type::Tuple(ys)) | (Type::Tuple(ys), Type::List(x)) => {
            let mut t = (**x).clone();
            for y in ys {
                t = unify_types(&t, y)?;
            }
            Some(Type::List(Box::new(t)))
        }
        (Type::Object(x), Type::Object(y)) if x.attrs.keys().eq(y.attrs.keys()) => {
            let attrs = x
                .attrs
                .iter()
                .zip(&y.attrs)
                .map(|((k, tx), (_, ty))| Some((k.clone(), unify_types(tx, ty)?)))
                .collect::<Option<BTreeMap<_, _>>>()?;
            Some(Type::object(attrs))
        }
        (Type::Map(x), Type::Object(o)) | (Type::Object(o), Type::Map(x)) => {
            let mut t = (**x).clone();
            for ty in o.attrs.values() {
                t = unify_types(&t, ty)?;
            }
            Some(Type::Map(Box::new(t)))
        }
        _ => None,
    }
}

/// cty's `convert.UnifyUnsafe`, which Terraform's built-in functions use
/// (`concat`, `coalesce`, `setunion`, `tolist`, ...): the one type every
/// type in `types` converts to, or `None` when there is none. Collections
/// of one kind unify element-wise, objects with different attributes
/// (and maps with objects) as maps, tuples of different lengths as lists;
/// otherwise the first type (strings before numbers and bools) that all
/// convert to. `any` (the type of an untyped `null`)
/// converts to anything, but mixed with collections or structural types
/// it makes the result `any`, as in Terraform.
pub fn unify_unsafe(types: &[Type]) -> Option<Type> {
    let known: Vec<&Type> = types.iter().filter(|t| **t != Type::Any).collect();
    let dynamic = known.len() < types.len();
    let Some(first) = known.first() else {
        return Some(Type::Any);
    };
    let n = known.len();
    let count = |p: fn(&Type) -> bool| known.iter().filter(|t| p(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let elements = || -> Vec<Type> {
        known
            .iter()
            .flat_map(|t| match t {
                Type::List(e) | Type::Set(e) | Type::Map(e) => vec![(**e).clone()],
                Type::Tuple(ts) => ts.clone(),
                Type::Object(o) => o.attrs.values().cloned().collect(),
                _ => Vec::new(),
            })
            .collect()
    };
    let boxed = |t: Type| Box::new(t);
    if maps + lists + sets + objects + tuples == n && dynamic {
        // Terraform cannot predict these until the nulls are known.
        if maps == n || lists == n || sets == n || objects == n || tuples == n {
            return Some(Type::Any);
        }
    }
    if maps == n {
        return Some(Type::Map(boxed(unify_unsafe(&elements())?)));
    }
    if maps > 0 && maps + objects == n {
        return Some(Type::Map(boxed(unify_unsafe(&elements())?)));
    }
    if lists == n {
        return Some(Type::List(boxed(unify_unsafe(&elements())?)));
    }
    if sets == n {
        return Some(Type::Set(boxed(unify_unsafe(&elements())?)));
    }
    if objects == n {
        let Type::Object(o) = first else { return None };
        let same_names = known.iter().all(|t| match t {
            Type::Object(p) => p.attrs.keys().eq(o.attrs.keys()),
            _ => false,
        });
        if !same_names {
            return Some(Type::Map(boxed(unify_unsafe(&elements())?)));
        }
        let mut attrs = o.attrs.clone();
        for (name, ty) in attrs.iter_mut() {
            let across: Vec<Type> = known
                .iter()
                .filter_map(|t| match t {
                    Type::Object(p) => p.attrs.get(name).cloned(),
                    _ => None,
                })
                .collect();
            *ty = unify_unsafe(&across)?;
        }
        return Some(Type::object(attrs));
    }
    if tuples == n {
        let Type::Tuple(ts) = first else { return None };
        let same_len = known
            .iter()
            .all(|t| matches!(t, Type::Tuple(us) if us.len() == ts.len()));
        if !same_len {
            return Some(Type::List(boxed(unify_unsafe(&elements())?)));
        }
        let mut out = Vec::with_capacity(ts.len());
        for i in 0..ts.len() {
            let across: Vec<Type> = known
                .iter()
                .filter_map(|t| match t {
                    Type::Tuple(us) => us.get(i).cloned(),
                    _ => None,
                })
                .collect();
            out.push(unify_unsafe(&across)?);
        }
        return Some(Type::Tuple(out));
    }
    if objects > 0 && tuples > 0 {
        return None;
    }
    let general = if known.iter().all(|t| t.is_primitive()) {
        if known.iter().all(|t| *t == *first) {
            Some((*first).clone())
        } else if known.contains(&&Type::String) {
            Some(Type::String)
        } else {
            None
        }
    } else {
        known
            .iter()
            .skip(1)
            .try_fold((*first).clone(), |acc, t| unify_types(&acc, t))
    };
    general.or(if dynamic { Some(Type::Any) } else { None })
}

/// Converts `items` to the one type [`unify_unsafe`] finds for them;
/// `None` when there is none, or when only `any` unifies typed values.
pub fn unify_unsafe_values(items: Vec<Value>) -> Option<(Type, Vec<Value>)> {
    let types: Vec<Type> = items.iter().map(Value::type_of).collect();
    let t = unify_unsafe(&types)?;
    if t == Type::Any && types.iter().any(|t| *t != Type::Any) {
        return None;
    }
    let items = items
        .into_iter()
        .map(|v| convert(v, &t))
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    Some((t, items))
}
