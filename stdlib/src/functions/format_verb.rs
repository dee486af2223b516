//! The `format` mini-language (Terraform's, from cty): `%[n]` argument
//! indexes, flags `-+# 0`, width and precision, the verbs
//! `v t b d o x X e E f g G s q`, with Go's number formatting (integers
//! exact, floats as Go's `big.Float` prints them) and string widths
//! counted in grapheme clusters.

use super::encoding::json_text;
use crate::{FnError, limits};
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::{self, Number};
use unicode_segmentation::UnicodeSegmentation;

/// One parsed `%...` verb.
#[derive(Default)]
struct Verb {
    arg: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
    raw: String,
    offset: usize,
}

/// Formats `args` by `spec`. The error is Terraform's message, about
/// argument 0 (the format), or `function::too-large` when a width or
/// precision asks for more text than a result may hold.
pub(crate) fn format(spec: &str, args: &[Value]) -> Result<String, FnError> {
    format_text(spec, args).map_err(|e| match e {
        Failure::Invalid(m) => FnError::arg(0, m),
        Failure::TooLarge(e) => e,
    })
}

/// Why formatting failed.
enum Failure {
    /// Terraform's message about the format or an argument.
    Invalid(String),
    /// The result would pass the size limit.
    TooLarge(FnError),
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Invalid(m)
    }
}

fn format_text(spec: &str, args: &[Value]) -> Result<String, Failure> {
    let mut out = String::new();
    let mut next = 1;
    let mut max_used = 0;
    let chars: Vec<(usize, char)> = spec.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (offset, c) = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.get(i).map(|c| c.1) == Some('%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut verb = Verb {
            arg: next,
            offset,
            ..Verb::default()
        };
        while let Some(&(_, f)) = chars.get(i) {
            match f {
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                '-' => verb.minus = true,
                '+' => verb.plus = true,
                ' ' => verb.space = true,
                _ => break,
            }
            i += 1;
        }
        if chars.get(i).map(|c| c.1) == Some('[') {
            i += 1;
            let n = digits(&chars, &mut i).filter(|n| *n > 0);
            match (n, chars.get(i).map(|c| c.1)) {
                (Some(n), Some(']')) => {
                    verb.arg = n;
                    i += 1;
                }
                _ => return Err(bad_char(&chars, i, spec).into()),
            }
        }
        if chars.get(i).is_some_and(|c| ('1'..='9').contains(&c.1)) {
            verb.width = digits(&chars, &mut i);
        }
        if chars.get(i).map(|c| c.1) == Some('.') {
            i += 1;
            verb.prec = Some(digits(&chars, &mut i).unwrap_or(0));
        }
        match chars.get(i) {
            Some(&(end, m)) if m.is_ascii_alphabetic() => {
                verb.mode = m;
                verb.raw = spec[offset..end + 1].to_string();
                i += 1;
            }
            Some(_) => return Err(bad_char(&chars, i, spec).into()),
            None => {
                return Err(
                    format!("invalid format string starting at offset {}", spec.len()).into(),
                );
            }
        }
        // A width, or a number's precision, is text to be written: check
        // it against the limit before building it.
        let prec = match verb.mode {
            's' | 'q' | 'v' | 't' => 0,
            _ => verb.prec.unwrap_or(0),
        };
        limits::check_string(
            out.len() as u128 + verb.width.unwrap_or(0) as u128 + prec as u128,
            "a formatted string",
        )
        .map_err(Failure::TooLarge)?;
        append(&verb, &mut out, args)?;
        max_used = max_used.max(verb.arg);
        next = verb.arg + 1;
    }
    if max_used < args.len() {
        return Err(if max_used == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {max_used} used by format string")
        }
        .into());
    }
    Ok(out)
}

fn digits(chars: &[(usize, char)], i: &mut usize) -> Option<usize> {
    let start = *i;
    let mut n: usize = 0;
    while let Some(d) = chars.get(*i).and_then(|c| c.1.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        *i += 1;
    }
    (*i > start).then_some(n)
}

fn bad_char(chars: &[(usize, char)], i: usize, spec: &str) -> String {
    match chars.get(i) {
        Some(&(at, c)) => format!("unrecognized format character {c:?} at offset {at}"),
        None => format!("invalid format string starting at offset {}", spec.len()),
    }
}

fn append(verb: &Verb, out: &mut String, args: &[Value]) -> Result<(), String> {
    let Some(arg) = args.get(verb.arg - 1) else {
        return Err(format!(
            "not enough arguments for {:?} at {}: need index {} but have {} total",
            verb.raw,
            verb.offset,
            verb.arg,
            args.len()
        ));
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(format!(
            "unsupported value for {:?} at {}: null value cannot be formatted",
            verb.raw, verb.offset
        ));
    }
    let unsupported = |what: String| {
        format!(
            "unsupported value for {:?} at {}: {what}",
            verb.raw, verb.offset
        )
    };
    let convert =
        |t: Type| value::convert(arg.clone(), &t).map_err(|e| unsupported(e.message.clone()));
    match verb.mode {
        'v' => {
            let text = match arg {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => match infinity(n) {
                    Some(inf) => inf.to_string(),
                    None => n.shortest_decimal().text_g(None),
                },
                other => json_text(other).map_err(unsupported)?,
            };
            out.push_str(&pad(verb, text));
        }
        't' => match convert(Type::Bool)? {
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            other => return Err(unsupported(format!("got {}", other.describe()))),
        },
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = match convert(Type::Number)? {
                Value::Number(n) => n,
                other => return Err(unsupported(format!("got {}", other.describe()))),
            };
            if matches!(verb.mode, 'e' | 'E' | 'f' | 'g' | 'G') {
                out.push_str(&float(verb, &n));
            } else {
                out.push_str(
                    &integer(verb, &n)
                        .ok_or_else(|| unsupported("an integer is required".to_string()))?,
                );
            }
        }
        's' | 'q' => {
            let mut s = match convert(Type::String)? {
                Value::String(s) => s,
                other => return Err(unsupported(format!("got {}", other.describe()))),
            };
            if let Some(p) = verb.prec.filter(|p| *p > 0) {
                let end: usize = s.graphemes(true).take(p).map(str::len).sum();
                s.truncate(end);
            }
            if verb.mode == 'q' {
                s = json_text(&Value::String(s)).map_err(unsupported)?;
            }
            out.push_str(&pad(verb, s));
        }
        m => {
            return Err(format!(
                "unsupported format verb {m:?} in {:?} at offset {}",
                verb.raw, verb.offset
            ));
        }
    }
    Ok(())
}

/// `"+Inf"` or `"-Inf"` when `n` is infinite (`pow(10, 400)`, or
/// `1e308 * 10`, which Terraform's arbitrary precision keeps finite).
fn infinity(n: &Number) -> Option<&'static str> {
    if !n.is_infinite() {
        None
    } else if n.as_f64() > 0.0 {
        Some("+Inf")
    } else {
        Some("-Inf")
    }
}

/// Go's `big.Float` format of an infinity: the sign (`+` unless the space
/// flag asks for a space), `Inf`, padded with spaces even with `0`.
fn float_infinity(verb: &Verb, inf: &str) -> String {
    let (sign, body) = inf.split_at(1);
    let sign = if sign == "+" && verb.space { " " } else { sign };
    let len = sign.len() + body.len();
    let padding = verb.width.filter(|w| *w > len).map_or(0, |w| w - len);
    if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// Pads to the verb's width in grapheme clusters (cty's formatPadWidth).
fn pad(verb: &Verb, text: String) -> String {
    let Some(width) = verb.width else {
        return text;
    };
    let len = text.graphemes(true).count();
    if len >= width {
        return text;
    }
    let fill = if verb.zero { "0" } else { " " }.repeat(width - len);
    if verb.minus {
        text + &fill
    } else {
        fill + &text
    }
}

/// Go's `fmt` of a `*big.Int`: `[pad][sign][prefix][zeros]digits[pad]`.
fn integer(verb: &Verb, n: &Number) -> Option<String> {
    if infinity(n).is_some() {
        return None;
    }
    let d = n.exact_decimal();
    if !d.is_integer() {
        return None;
    }
    let mut digits = d.integer_digits();
    if verb.mode != 'd' {
        let base = match verb.mode {
            'b' => 2,
            'o' => 8,
            _ => 16,
        };
        digits = to_base(&digits, base);
        if verb.mode == 'X' {
            digits = digits.to_ascii_uppercase();
        }
    }
    let sign = if d.neg {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(p) = verb.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            return Some(String::new());
        }
    }
    let (mut left, mut right) = (0, 0);
    let len = sign.len() + prefix.len() + zeros + digits.len();
    if let Some(w) = verb.width.filter(|w| *w > len) {
        if verb.minus {
            right = w - len;
        } else if verb.zero && verb.prec.is_none() {
            zeros = w - len;
        } else {
            left = w - len;
        }
    }
    Some(format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    ))
}

/// Converts a decimal digit string to `base`.
fn to_base(decimal: &str, base: u32) -> String {
    let mut num: Vec<u32> = decimal.bytes().map(|b| u32::from(b - b'0')).collect();
    let mut out = Vec::new();
    while num.iter().any(|d| *d != 0) {
        let mut rem = 0;
        for d in &mut num {
            let cur = rem * 10 + *d;
            *d = cur / base;
            rem = cur % base;
        }
        out.push(char::from_digit(rem, base).unwrap_or('0'));
    }
    if out.is_empty() {
        out.push('0');
    }
    out.iter().rev().collect()
}

/// Go's `fmt` of a `*big.Float` for `%e %E %f %g %G`.
fn float(verb: &Verb, n: &Number) -> String {
    if let Some(inf) = infinity(n) {
        return float_infinity(verb, inf);
    }
    let (d, prec) = match verb.prec {
        Some(p) => (n.exact_decimal(), Some(p)),
        None if matches!(verb.mode, 'g' | 'G') => (n.shortest_decimal(), None),
        None => (n.exact_decimal(), Some(6)),
    };
    let body = match verb.mode {
        'e' | 'E' => {
            let p = prec.unwrap_or(6);
            let mut d = d.clone();
            d.round(1 + p as i64);
            d.fmt_e(verb.mode, p)
        }
        'f' => {
            let p = prec.unwrap_or(6);
            let mut d = d.clone();
            d.round(d.exp + p as i64);
            d.fmt_f(p)
        }
        _ => {
            let s = d.text_g(prec);
            if verb.mode == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
    };
    let sign = if d.neg {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + body.len();
    let padding = verb.width.filter(|w| *w > len).map_or(0, |w| w - len);
    if verb.zero {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

#[cfg(test)]
mod tests {
    use crate::harness::eval;
    use infra_lang::Value;

    /// Answers Terraform 1.15.5 gave.
    #[test]
    fn format_matches_terraform() {
        let cases = [
            (
                r#"format("%v|%v|%v|%v", 1000000, 123456789012345678, 0.000012, 123456)"#,
                "1e+06|1.23456789012345678e+17|1.2e-05|123456",
            ),
            (
                r#"format("%5t|%-5v|%05s|%05v|%5q", true, 1, "ab", "x", "y")"#,
                "true|1    |000ab|0000x|  \"y\"",
            ),
            (
                r#"format("%#x|%#o|%#b|%.3d|%+.2e|% f|%08.3f|%-8.2f|", 255, 8, 5, 7, 1234.5678, 1.5, -3.14159, 2.5)"#,
                "0xff|010|0b101|007|+1.23e+03| 1.500000|-003.142|2.50    |",
            ),
            (
                r#"format("%g|%.3g|%g|%g|%.2g|%G", 0.0001, 1234567, 1e-5, 123456789, 100, 1e100)"#,
                "0.0001|1.23e+06|1e-05|1.23456789e+08|1e+02|1E+100",
            ),
            (r#"format("%[3]s %[1]s", "a", "b", "c")"#, "c a"),
            (r#"format("%[2]s", "a", "b")"#, "b"),
            (
                r#"format("%08.3e|%+d|% d|%x|%X", -1234.5, -3, -3, -255, 3054)"#,
                "-1.234e+03|-3|-3|-ff|BEE",
            ),
            (r#"title("ǆemal ǅ")"#, "ǅemal ǅ"),
        ];
        for (expr, want) in cases {
            assert_eq!(eval(expr), Ok(Value::string(want)), "{expr}");
        }
        assert!(eval(r#"format("%[1]s", "a", "b")"#).is_err());
    }
}
