//! Reading function arguments as the types a function needs, with
//! Terraform's conversions (`"3"` is accepted where a number is expected)
//! and errors that name the argument.

use crate::FnError;
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use infra_lang::value::{self, Number};

/// Argument `i`, or null when absent.
pub(crate) fn get(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::NULL)
}

fn not_null(args: &[Value], i: usize, what: &str) -> Result<Value, FnError> {
    let v = get(args, i);
    if v.is_null() {
        let message = format!("expected {what}, got null");
        return Err(FnError::arg(i, message.clone()).redacted_as(message));
    }
    Ok(v)
}

/// Argument `i` as a string (numbers and bools convert).
pub(crate) fn string(args: &[Value], i: usize) -> Result<String, FnError> {
    let v = not_null(args, i, "a string")?;
    match value::convert(v.clone(), &Type::String) {
        Ok(Value::String(s)) => Ok(s),
        _ => Err(
            FnError::arg(i, format!("expected a string, got {}", v.describe()))
                .redacted_as(format!("expected a string, got {}", kind(&v))),
        ),
    }
}

/// Argument `i` as a number (numeric strings convert).
pub(crate) fn number(args: &[Value], i: usize) -> Result<Number, FnError> {
    let v = not_null(args, i, "a number")?;
    match value::convert(v.clone(), &Type::Number) {
        Ok(Value::Number(n)) => Ok(n),
        _ => Err(
            FnError::arg(i, format!("expected a number, got {}", v.describe()))
                .redacted_as(format!("expected a number, got {}", kind(&v))),
        ),
    }
}

/// Argument `i` as a whole number.
pub(crate) fn integer(args: &[Value], i: usize) -> Result<i64, FnError> {
    let n = number(args, i)?;
    n.as_i64().ok_or_else(|| {
        FnError::arg(i, format!("expected a whole number, got {n}"))
            .redacted_as("expected a whole number, got a fraction or a number out of range")
    })
}

/// Argument `i` as the elements of a list, set or tuple.
pub(crate) fn sequence(args: &[Value], i: usize) -> Result<Vec<Value>, FnError> {
    let v = not_null(args, i, "a list")?;
    match v {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => Ok(items),
        other => Err(FnError::arg(
            i,
            format!("expected a list, set or tuple, got {}", other.describe()),
        )
        .redacted_as(format!(
            "expected a list, set or tuple, got {}",
            kind(&other)
        ))),
    }
}

/// Argument `i` as the entries of a map or object.
pub(crate) fn mapping(args: &[Value], i: usize) -> Result<ValueMap, FnError> {
    let v = not_null(args, i, "a map")?;
    match v {
        Value::Map(_, m) | Value::Object(m) => Ok(m),
        other => Err(FnError::arg(
            i,
            format!("expected a map or object, got {}", other.describe()),
        )
        .redacted_as(format!("expected a map or object, got {}", kind(&other)))),
    }
}

/// Argument `i` as a list of strings.
pub(crate) fn strings(args: &[Value], i: usize) -> Result<Vec<String>, FnError> {
    sequence(args, i)?
        .into_iter()
        .enumerate()
        .map(|(j, v)| match value::convert(v.clone(), &Type::String) {
            Ok(Value::String(s)) => Ok(s),
            _ => Err(FnError::arg(
                i,
                format!("element {j}: expected a string, got {}", v.describe()),
            )
            .redacted_as(format!("element {j}: expected a string, got {}", kind(&v)))),
        })
        .collect()
}

/// The kind of `v` for a redacted message (see [`FnError::redacted`]):
/// its type in words, never its contents.
pub(crate) fn kind(v: &Value) -> String {
    v.type_of().friendly()
}

/// A list of strings.
pub(crate) fn string_list(items: impl IntoIterator<Item = String>) -> Value {
    Value::List(Type::String, items.into_iter().map(Value::String).collect())
}
