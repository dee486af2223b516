//! Built-in number functions: rounding, logarithms and powers, sign,
//! parsing integers in other bases, minimum and maximum. Whole results are
//! exact integers.

use super::builtin;
use super::ex;
use crate::args::{get, number};
use crate::{Builtin, Example, FnContext, FnError, Returns};
use infra_lang::Value;
use infra_lang::value::Number;

const fn f(
    name: &'static str,
    summary: &'static str,
    examples: &'static [Example],
    run: fn(Vec<Value>, &FnContext<'_>) -> Result<Value, FnError>,
) -> Builtin {
    builtin(name, "number", summary, examples, Returns::Number, run)
}

/// The number functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    f(
        "abs",
        "The absolute value of a number.",
        &[ex("abs(-12.4)", "12.4"), ex("abs(3)", "3")],
        abs,
    ),
    f(
        "ceil",
        "The smallest whole number greater than or equal to a number.",
        &[ex("ceil(5.1)", "6"), ex("ceil(-5.1)", "-5")],
        ceil,
    ),
    f(
        "floor",
        "The largest whole number less than or equal to a number.",
        &[ex("floor(4.9)", "4"), ex("floor(-4.1)", "-5")],
        floor,
    ),
    f(
        "log",
        "The logarithm of `num` in base `base`.",
        &[
            ex("log(16, 2)", "4"),
            ex("log(50, 10)", "1.6989700043360185"),
        ],
        log,
    ),
    f(
        "pow",
        "`num` raised to the power `power`.",
        &[ex("pow(3, 2)", "9"), ex("pow(2, -1)", "0.5")],
        pow,
    ),
    f(
        "signum",
        "-1, 0 or 1: the sign of a whole number.",
        &[ex("signum(-13)", "-1"), ex("signum(0)", "0")],
        signum,
    ),
    f(
        "parseint",
        "Parses a string as a whole number in `base` (2 to 62; digits 0-9, then a-z, then A-Z above base 36).",
        &[
            ex(r#"parseint("FF", 16)"#, "255"),
            ex(r#"parseint("-1011", 2)"#, "-11"),
        ],
        parseint,
    ),
    f(
        "min",
        "The smallest of the numbers given.",
        &[ex("min(12, 54, 3)", "3"), ex("min([4, 2]...)", "2")],
        min,
    ),
    f(
        "max",
        "The largest of the numbers given.",
        &[ex("max(12, 54, 3)", "54")],
        max,
    ),
];

fn abs(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let n = number(&args, 0)?;
    Ok(Value::Number(n.abs()))
}

fn ceil(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::Number(number(&args, 0)?.to_whole(true)))
}

fn floor(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::Number(number(&args, 0)?.to_whole(false)))
}

/// A float result as a number (infinities included, as in Terraform), or
/// an error when it is undefined.
fn defined(x: f64, what: &str) -> Result<Value, FnError> {
    if x.is_nan() {
        Err(FnError::call(format!("the result of {what} is undefined")))
    } else {
        Ok(Value::Number(Number::from_f64(x)))
    }
}

fn log(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let n = number(&args, 0)?.as_f64();
    let base = number(&args, 1)?.as_f64();
    defined(n.ln() / base.ln(), "this logarithm")
        .map_err(|e| e.with_help("The number must not be negative, nor the base 1."))
}

fn pow(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let n = number(&args, 0)?;
    let p = number(&args, 1)?;
    if let (Number::Int(b), Number::Int(e)) = (&n, &p)
        && let Some(r) = u32::try_from(*e).ok().and_then(|e| b.checked_pow(e))
    {
        return Ok(Value::int(r));
    }
    defined(n.as_f64().powf(p.as_f64()), "this power")
}

fn signum(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let n = number(&args, 0)?;
    let i = n
        .as_i64()
        .filter(|_| n.is_integer())
        .ok_or_else(|| FnError::arg(0, format!("expected a whole number, got {n}")))?;
    Ok(Value::int(i.signum()))
}

fn parseint(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let s = match get(&args, 0) {
        Value::String(s) => s,
        other => {
            return Err(
                FnError::arg(0, format!("expected a string, got {}", other.describe()))
                    .with_help("Quote the digits: `parseint(\"17\", 10)`."),
            );
        }
    };
    let base = number(&args, 1)?;
    let base = base
        .as_i64()
        .filter(|_| base.is_integer())
        .ok_or_else(|| FnError::arg(1, format!("expected a whole number base, got {base}")))?;
    let base = u32::try_from(base)
        .ok()
        .filter(|b| (2..=62).contains(b))
        .ok_or_else(|| FnError::arg(1, format!("expected a base from 2 to 62, got {base}")))?;
    parse_int(&s, base).map(Value::Number).ok_or_else(|| {
        FnError::arg(
            0,
            format!("expected a base {base} integer, got string {s:?}"),
        )
    })
}

/// Parses `s` as Go's `big.Int.SetString(s, base)` does: an optional sign,
/// then digits (letters are case-insensitive up to base 36; above it
/// lower case is 10–35 and upper case 36–61).
fn parse_int(s: &str, base: u32) -> Option<Number> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    // Exact as Go's big.Int while it fits 512 bits (Terraform keeps every
    // digit; a longer one is rounded to 512 bits here).
    let mut small: Option<i64> = Some(0);
    let mut big = Number::Int(0);
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        small = small
            .and_then(|e| e.checked_mul(i64::from(base)))
            .and_then(|e| e.checked_add(i64::from(d)));
        big = match small {
            Some(i) => Number::Int(i),
            None => big * Number::Int(i64::from(base)) + Number::Int(i64::from(d)),
        };
    }
    Some(if neg { -big } else { big })
}

fn extreme(args: &[Value], keep: std::cmp::Ordering) -> Result<Value, FnError> {
    if args.is_empty() {
        return Err(FnError::call("expected at least one number"));
    }
    let mut best = number(args, 0)?;
    for i in 1..args.len() {
        let n = number(args, i)?;
        if n.compare(&best) == keep {
            best = n;
        }
    }
    Ok(Value::Number(best))
}

fn min(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    extreme(&args, std::cmp::Ordering::Less)
}

fn max(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    extreme(&args, std::cmp::Ordering::Greater)
}
