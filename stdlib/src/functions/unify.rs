//! Terraform's type unification (cty's unsafe `Unify`) and the list / set
//! conversions built on it, shared by the collection and type functions:
//! `tolist([1, "a"])` is `list(string)`, `[[], ["a"]]` unifies to
//! `list(list(string))`, `[{a = 1}, {b = 2}]` to `list(map(number))`.

use crate::FnError;
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value;

/// The one type every type in `types` converts to, as Terraform finds it,
/// or `None` when there is none. `any` (the type of an untyped `null`)
/// converts to anything, but mixed with collections or structural types
/// it makes the result `any`, as in Terraform.
pub(crate) fn unify_types(types: &[Type]) -> Option<Type> {
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
        return Some(Type::Map(boxed(unify_types(&elements())?)));
    }
    if maps > 0 && maps + objects == n {
        return Some(Type::Map(boxed(unify_types(&elements())?)));
    }
    if lists == n {
        return Some(Type::List(boxed(unify_types(&elements())?)));
    }
    if sets == n {
        return Some(Type::Set(boxed(unify_types(&elements())?)));
    }
    if objects == n {
        let Type::Object(o) = first else { return None };
        let same_names = known.iter().all(|t| match t {
            Type::Object(p) => p.attrs.keys().eq(o.attrs.keys()),
            _ => false,
        });
        if !same_names {
            return Some(Type::Map(boxed(unify_types(&elements())?)));
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
            *ty = unify_types(&across)?;
        }
        return Some(Type::object(attrs));
    }
    if tuples == n {
        let Type::Tuple(ts) = first else { return None };
        let same_len = known
            .iter()
            .all(|t| matches!(t, Type::Tuple(us) if us.len() == ts.len()));
        if !same_len {
            return Some(Type::List(boxed(unify_types(&elements())?)));
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
            out.push(unify_types(&across)?);
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
            .try_fold((*first).clone(), |acc, t| value::unify_types(&acc, t))
    };
    general.or(if dynamic { Some(Type::Any) } else { None })
}

/// Converts `v` to `want`, accepting `"1"` and `"0"` as bools as Terraform
/// does.
pub(crate) fn convert(v: Value, want: &Type) -> Result<Value, value::ConvertError> {
    match (&v, want) {
        (Value::String(s), Type::Bool) if s == "1" || s == "0" => Ok(Value::Bool(s == "1")),
        _ => value::convert(v, want),
    }
}

/// Converts `items` to the one type they unify to. `None` when they don't.
pub(crate) fn unify_values(items: Vec<Value>) -> Option<(Type, Vec<Value>)> {
    let types: Vec<Type> = items.iter().map(Value::type_of).collect();
    let t = unify_types(&types)?;
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

/// Argument `i` as a list of one element type, as Terraform converts an
/// argument to `list(any)`: lists and sets as they are, tuples unified.
pub(crate) fn any_list(args: &[Value], i: usize) -> Result<(Type, Vec<Value>), FnError> {
    let v = crate::args::get(args, i);
    match v {
        Value::List(t, items) | Value::Set(t, items) => Ok((t, items)),
        Value::Tuple(items) => unify_values(items).ok_or_else(|| {
            FnError::arg(
                i,
                "expected a list of one element type, got a tuple whose elements have no common type",
            )
            .with_help("Elements must all convert to one type: strings, numbers and bools mix as strings.")
        }),
        Value::Null(_) => Err(FnError::arg(i, "expected a list, got null")),
        other => Err(FnError::arg(
            i,
            format!("expected a list, got {}", other.describe()),
        )),
    }
}

/// Argument `i` as a list of `want` (each element converted; nulls stay
/// null).
pub(crate) fn typed_list(args: &[Value], i: usize, want: &Type) -> Result<Vec<Value>, FnError> {
    let v = crate::args::get(args, i);
    match v {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => items
            .into_iter()
            .enumerate()
            .map(|(j, e)| {
                let got = e.describe();
                convert(e, want).map_err(|_| {
                    FnError::arg(
                        i,
                        format!("element {j}: expected {}, got {got}", want.friendly()),
                    )
                })
            })
            .collect(),
        Value::Null(_) => Err(FnError::arg(
            i,
            format!("expected a list of {}, got null", want.friendly()),
        )),
        other => Err(FnError::arg(
            i,
            format!(
                "expected a list of {}, got {}",
                want.friendly(),
                other.describe()
            ),
        )),
    }
}

/// Terraform's `==` between two values: same type and same content.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    a.type_of() == b.type_of() && a == b
}
