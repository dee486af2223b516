//! Built-in string functions: case, trimming, searching, splitting and
//! joining, formatting.

use crate::args::{integer, string};
use crate::{Builtin, Example, FnContext, FnError, Returns};
use infra_lang::Value;

/// The string functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin {
        name: "upper",
        group: "string",
        summary: "Converts every letter of a string to upper case.",
        examples: &[
            Example {
                expr: r#"upper("hello")"#,
                result: r#""HELLO""#,
            },
            Example {
                expr: r#"upper("алло!")"#,
                result: r#""АЛЛО!""#,
            },
        ],
        returns: Returns::String,
        raw: false,
        run: upper,
    },
    Builtin {
        name: "indent",
        group: "string",
        summary: "Adds `spaces` spaces before every line of a string except the first.",
        examples: &[Example {
            expr: r#"indent(2, "a\nb")"#,
            result: r#""a\n  b""#,
        }],
        returns: Returns::String,
        raw: false,
        run: indent,
    },
];

fn upper(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::String(string(&args, 0)?.to_uppercase()))
}

fn indent(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let n = integer(&args, 0)?;
    let n = usize::try_from(n).map_err(|_| {
        FnError::arg(
            0,
            format!("the number of spaces cannot be negative, got {n}"),
        )
    })?;
    let s = string(&args, 1)?;
    let pad = " ".repeat(n);
    Ok(Value::String(s.replace('\n', &format!("\n{pad}"))))
}
