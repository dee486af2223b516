//! The list / set argument conversions built on cty's `UnifyUnsafe`
//! (`infra_lang::value::unify_unsafe`), shared by the collection and type
//! functions:
//! `tolist([1, "a"])` is `list(string)`, `[[], ["a"]]` unifies to
//! `list(list(string))`, `[{a = 1}, {b = 2}]` to `list(map(number))`.

use crate::FnError;
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value;

/// Argument `i` as a list of one element type, as Terraform converts an
/// argument to `list(any)`: lists and sets as they are, tuples unified.
pub(crate) fn any_list(args: &[Value], i: usize) -> Result<(Type, Vec<Value>), FnError> {
    let v = crate::args::get(args, i);
    match v {
        Value::List(t, items) | Value::Set(t, items) => Ok((t, items)),
        Value::Tuple(items) => value::unify_unsafe_values(items).ok_or_else(|| {
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
                value::convert(e, want).map_err(|_| {
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
