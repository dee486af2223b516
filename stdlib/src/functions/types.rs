//! Built-in type functions: explicit conversions (`tostring`, `tolist`,
//! ...), `type`, and the sensitive mark (`sensitive`, `nonsensitive`).

use super::builtin;
use super::ex;
use crate::args::get;
use crate::{Builtin, Example, FnContext, FnError, Returns};
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::Number;
use infra_lang::value::unify_unsafe_values;

const fn f(
    name: &'static str,
    summary: &'static str,
    examples: &'static [Example],
    returns: Returns,
    raw: bool,
    run: fn(Vec<Value>, &FnContext<'_>) -> Result<Value, FnError>,
) -> Builtin {
    Builtin {
        raw,
        ..builtin(name, "type", summary, examples, returns, run)
    }
}

/// The type functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    f(
        "tostring",
        "Converts a string, number or bool to a string; null stays null.",
        &[
            ex("tostring(1.5)", r#""1.5""#),
            ex("tostring(true)", r#""true""#),
        ],
        Returns::String,
        false,
        tostring,
    ),
    f(
        "tonumber",
        "Converts a number or a string holding a decimal number to a number; null stays null.",
        &[
            ex(r#"tonumber("1e3")"#, "1000"),
            ex(r#"tonumber("-1.5")"#, "-1.5"),
        ],
        Returns::Number,
        false,
        tonumber,
    ),
    f(
        "tobool",
        "Converts a bool or the strings \"true\"/\"false\" (and \"1\"/\"0\", as Terraform) to a bool; null stays null.",
        &[ex(r#"tobool("true")"#, "true")],
        Returns::Bool,
        false,
        tobool,
    ),
    f(
        "tolist",
        "Converts a list, set or tuple to a list, converting the elements to one common type.",
        &[
            ex(r#"tolist(["a", 1])"#, "tolist([\n  \"a\",\n  \"1\",\n])"),
            ex(
                r#"tolist(toset(["b", "a"]))"#,
                "tolist([\n  \"a\",\n  \"b\",\n])",
            ),
        ],
        Returns::Any,
        false,
        tolist,
    ),
    f(
        "toset",
        "Converts a list, set or tuple to a set (sorted, without duplicates), converting the elements to one common type.",
        &[ex(
            r#"toset(["b", "a", "b"])"#,
            "toset([\n  \"a\",\n  \"b\",\n])",
        )],
        Returns::Any,
        false,
        toset,
    ),
    f(
        "tomap",
        "Converts an object or map to a map, converting the values to one common type.",
        &[ex(
            r#"tomap({a = "x", b = true})"#,
            "tomap({\n  \"a\" = \"x\"\n  \"b\" = \"true\"\n})",
        )],
        Returns::Any,
        false,
        tomap,
    ),
    f(
        "type",
        "The type of a value in the language's syntax, e.g. \"list(string)\". Terraform has this only in `terraform console`.",
        &[
            ex(r#"type(tolist(["a"]))"#, r#""list(string)""#),
            ex(r#"type([1, "a"])"#, r#""tuple([number, string])""#),
        ],
        Returns::String,
        true,
        type_of,
    ),
    f(
        "sensitive",
        "The value marked sensitive: it prints as `(sensitive value)` and everything computed from it is sensitive.",
        &[ex(r#"sensitive("secret")"#, "(sensitive value)")],
        Returns::Any,
        true,
        sensitive,
    ),
    f(
        "nonsensitive",
        "The value without its sensitive mark. A value that is not sensitive is returned as it is (as in Terraform 1.15).",
        &[ex(r#"nonsensitive(sensitive("x"))"#, r#""x""#)],
        Returns::Any,
        true,
        nonsensitive,
    ),
];

fn cannot(v: &Value, to: &str) -> FnError {
    FnError::arg(
        0,
        format!("expected a value convertible to {to}, got {}", v.describe()),
    )
    .redacted_as(sensitive_cannot(v, to))
}

/// Terraform's message for a sensitive argument that does not convert.
fn sensitive_cannot(v: &Value, to: &str) -> String {
    format!(
        "cannot convert this sensitive {} to {to}",
        v.type_of().friendly()
    )
}

fn tostring(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match get(&args, 0) {
        Value::Null(_) => Ok(Value::Null(Type::String)),
        v @ Value::String(_) => Ok(v),
        Value::Number(Number::Float(x)) if x.is_infinite() => {
            Ok(Value::string(if x > 0.0 { "+Inf" } else { "-Inf" }))
        }
        Value::Number(n) => Ok(Value::String(n.to_string())),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        other => Err(cannot(&other, "string").with_help(
            "Only strings, numbers and bools convert to strings; use `jsonencode` for collections.",
        )),
    }
}

fn tonumber(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match get(&args, 0) {
        Value::Null(_) => Ok(Value::Null(Type::Number)),
        v @ Value::Number(_) => Ok(v),
        Value::String(s) => Number::parse(&s).map(Value::Number).ok_or_else(|| {
            FnError::arg(0, format!("expected a decimal number, got string {s:?}"))
                .redacted_as(sensitive_cannot(&Value::string(""), "number"))
                .with_help("Write the number in decimal, e.g. \"42\", \"-1.5\" or \"1e3\"; use `parseint` for other bases.")
        }),
        other => Err(cannot(&other, "number")),
    }
}

fn tobool(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match get(&args, 0) {
        Value::Null(_) => Ok(Value::Null(Type::Bool)),
        v @ Value::Bool(_) => Ok(v),
        Value::String(s) => match s.as_str() {
            "true" | "1" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err(FnError::arg(
                0,
                format!("expected \"true\" or \"false\", got string {s:?}"),
            )
            .redacted_as(sensitive_cannot(&Value::string(""), "bool"))),
        },
        other => Err(cannot(&other, "bool")),
    }
}

/// The elements of a list, set or tuple converted to one type.
fn sequence_of_one_type(v: Value, to: &str) -> Result<(Type, Vec<Value>), FnError> {
    match v {
        Value::List(t, items) | Value::Set(t, items) => Ok((t, items)),
        Value::Tuple(items) => unify_unsafe_values(items).ok_or_else(|| {
            FnError::arg(0, format!("expected elements that convert to one type for a {to}, got a tuple of mixed types"))
                .with_help("Strings, numbers and bools mix (as strings); collections of different kinds do not.")
        }),
        other => Err(cannot(&other, to)),
    }
}

fn tolist(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match get(&args, 0) {
        Value::Null(_) => Ok(Value::Null(Type::List(Box::new(Type::Any)))),
        v => {
            let (t, items) = sequence_of_one_type(v, "list")?;
            Ok(Value::List(t, items))
        }
    }
}

fn toset(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match get(&args, 0) {
        Value::Null(_) => Ok(Value::Null(Type::Set(Box::new(Type::Any)))),
        v => {
            let (t, items) = sequence_of_one_type(v, "set")?;
            Ok(Value::set(t, items))
        }
    }
}

fn tomap(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    match get(&args, 0) {
        Value::Null(_) => Ok(Value::Null(Type::Map(Box::new(Type::Any)))),
        v @ Value::Map(..) => Ok(v),
        Value::Object(m) => {
            let (keys, values): (Vec<String>, Vec<Value>) = m.into_iter().unzip();
            let (t, values) = unify_unsafe_values(values).ok_or_else(|| {
                FnError::arg(0, "expected attributes that convert to one type for a map, got an object of mixed types")
                    .with_help("Strings, numbers and bools mix (as strings); collections of different kinds do not.")
            })?;
            Ok(Value::Map(t, keys.into_iter().zip(values).collect()))
        }
        other => Err(cannot(&other, "map")),
    }
}

/// The type's text is sensitive when a sensitive value holds an object:
/// its attribute names are part of the text, and they can come from the
/// secret (`{ for k, v in var.secret_map : v => k }`). The type of a
/// sensitive string or list is not.
fn type_of(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    fn names_from_a_secret(v: &Value, inside: bool) -> bool {
        match v {
            Value::Sensitive(inner) => names_from_a_secret(inner, true),
            Value::Object(m) => {
                (inside && !m.is_empty()) || m.values().any(|x| names_from_a_secret(x, inside))
            }
            Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) => {
                xs.iter().any(|x| names_from_a_secret(x, inside))
            }
            Value::Map(_, m) => m.values().any(|x| names_from_a_secret(x, inside)),
            _ => false,
        }
    }
    let v = get(&args, 0);
    Ok(Value::String(v.type_of().to_string()).mark_if(names_from_a_secret(&v, false)))
}

fn sensitive(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(get(&args, 0).mark_if(true))
}

fn nonsensitive(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(get(&args, 0).unmark().0)
}

#[cfg(test)]
mod tests {
    use crate::{FnContext, call};
    use infra_lang::Value;
    use infra_lang::types::Type;
    use std::path::Path;

    fn run(name: &str, v: Value) -> Value {
        let ctx = FnContext {
            base_dir: Path::new("."),
        };
        call(name, vec![v], &ctx).expect("call succeeds")
    }

    #[test]
    fn a_sensitive_argument_that_does_not_convert_is_not_shown() {
        let ctx = FnContext {
            base_dir: Path::new("."),
        };
        let secret = Value::string("S3cr3t").mark_if(true);
        for (name, want) in [
            ("tonumber", "cannot convert this sensitive string to number"),
            ("tobool", "cannot convert this sensitive string to bool"),
            ("tolist", "cannot convert this sensitive string to list"),
        ] {
            let e = call(name, vec![secret.clone()], &ctx).expect_err("fails");
            assert_eq!(e.message, want);
            assert!(!e.help.unwrap_or_default().contains("S3cr3t"));
        }
        // Without a redacted message of its own, a function's failure is
        // hidden behind a generic one.
        let e = call("cidrhost", vec![secret, Value::int(1)], &ctx).expect_err("fails");
        assert!(e.message.contains("sensitive argument"), "{}", e.message);
        assert!(!e.message.contains("S3cr3t"));
    }

    #[test]
    fn marks_and_types_pass_through_unknowns() {
        let unknown = Value::Unknown(Type::String);
        assert_eq!(
            run("sensitive", unknown.clone()),
            unknown.clone().mark_if(true)
        );
        assert_eq!(run("nonsensitive", unknown.clone().mark_if(true)), unknown);
        assert_eq!(run("nonsensitive", Value::int(1)), Value::int(1));
        assert_eq!(
            run("type", Value::Unknown(Type::List(Box::new(Type::Number)))),
            Value::string("list(number)")
        );
        assert_eq!(
            run("tostring", Value::int(1).mark_if(true)),
            Value::string("1").mark_if(true)
        );
    }
}
