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
                Value::Number(n) if !verb.sharp => match infinity(*n) {
                    Some(inf) => inf.to_string(),
                    None => Decimal::shortest(*n).text_g(None),
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
                out.push_str(&float(verb, n));
            } else {
                out.push_str(
                    &integer(verb, n)
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
fn infinity(n: Number) -> Option<&'static str> {
    let f = n.as_f64();
    if f.is_finite() {
        None
    } else if f > 0.0 {
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
fn integer(verb: &Verb, n: Number) -> Option<String> {
    if infinity(n).is_some() {
        return None;
    }
    let d = Decimal::exact(n);
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
fn float(verb: &Verb, n: Number) -> String {
    if let Some(inf) = infinity(n) {
        return float_infinity(verb, inf);
    }
    let (d, prec) = match verb.prec {
        Some(p) => (Decimal::exact(n), Some(p)),
        None if matches!(verb.mode, 'g' | 'G') => (Decimal::shortest(n), None),
        None => (Decimal::exact(n), Some(6)),
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
            d.round(i64::from(d.exp) + p as i64);
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

/// A decimal number as Go's `math/big` formats it: `0.mant × 10^exp`,
/// `mant` without leading or trailing zeros (empty for zero).
#[derive(Clone, Debug)]
pub(crate) struct Decimal {
    neg: bool,
    mant: Vec<u8>,
    exp: i32,
}

impl Decimal {
    fn from_parts(neg: bool, digits: &str, point: i32) -> Decimal {
        let lead = digits.bytes().take_while(|b| *b == b'0').count();
        let mut mant: Vec<u8> = digits.bytes().skip(lead).collect();
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        let exp = if mant.is_empty() {
            0
        } else {
            point - lead as i32
        };
        Decimal { neg, mant, exp }
    }

    /// From Rust's `{:e}` rendering (`1.2345e-7`).
    fn from_sci(neg: bool, sci: &str) -> Decimal {
        let (m, e) = sci.split_once('e').unwrap_or((sci, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let digits: String = m.chars().filter(char::is_ascii_digit).collect();
        Decimal::from_parts(neg, &digits, e + 1)
    }

    /// The exact value of `n`.
    fn exact(n: Number) -> Decimal {
        match n {
            Number::Int(i) => {
                let s = i.unsigned_abs().to_string();
                let len = s.len() as i32;
                Decimal::from_parts(i < 0, &s, len)
            }
            Number::Float(f) => {
                Decimal::from_sci(f.is_sign_negative(), &format!("{:.800e}", f.abs()))
            }
        }
    }

    /// The fewest digits that read back as `n`.
    pub(crate) fn shortest(n: Number) -> Decimal {
        match n {
            Number::Int(_) => Decimal::exact(n),
            Number::Float(f) => Decimal::from_sci(f.is_sign_negative(), &format!("{:e}", f.abs())),
        }
    }

    fn is_integer(&self) -> bool {
        self.mant.len() as i64 <= i64::from(self.exp)
    }

    fn integer_digits(&self) -> String {
        if self.mant.is_empty() {
            return "0".into();
        }
        let mut s: String = self.mant.iter().map(|b| *b as char).collect();
        for _ in self.mant.len() as i32..self.exp {
            s.push('0');
        }
        s
    }

    fn at(&self, i: i64) -> u8 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.mant.get(i).copied())
            .unwrap_or(b'0')
    }

    /// Rounds to `n` digits, half to even (Go's `decimal.round`).
    fn round(&mut self, n: i64) {
        let Ok(n) = usize::try_from(n) else { return };
        if n >= self.mant.len() {
            return;
        }
        let up = if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            n > 0 && (self.mant[n - 1] - b'0') % 2 == 1
        } else {
            self.mant[n] >= b'5'
        };
        if up {
            let mut k = n;
            while k > 0 && self.mant[k - 1] >= b'9' {
                k -= 1;
            }
            if k == 0 {
                self.mant = vec![b'1'];
                self.exp += 1;
            } else {
                self.mant[k - 1] += 1;
                self.mant.truncate(k);
            }
        } else {
            self.mant.truncate(n);
            while self.mant.last() == Some(&b'0') {
                self.mant.pop();
            }
        }
        if self.mant.is_empty() {
            self.exp = 0;
        }
    }

    fn fmt_e(&self, mode: char, prec: usize) -> String {
        let mut s = String::new();
        s.push(self.mant.first().map_or('0', |b| *b as char));
        if prec > 0 {
            s.push('.');
            for i in 1..=prec {
                s.push(self.at(i as i64) as char);
            }
        }
        s.push(if mode.is_ascii_uppercase() { 'E' } else { 'e' });
        let exp = if self.mant.is_empty() {
            0
        } else {
            i64::from(self.exp) - 1
        };
        s.push(if exp < 0 { '-' } else { '+' });
        if exp.abs() < 10 {
            s.push('0');
        }
        s.push_str(&exp.abs().to_string());
        s
    }

    fn fmt_f(&self, prec: usize) -> String {
        let mut s = String::new();
        if self.exp > 0 {
            for i in 0..i64::from(self.exp) {
                s.push(self.at(i) as char);
            }
        } else {
            s.push('0');
        }
        if prec > 0 {
            s.push('.');
            for i in 1..=prec as i64 {
                s.push(self.at(i64::from(self.exp) + i - 1) as char);
            }
        }
        s
    }

    /// `%g` with precision `prec` (`None`: shortest), without the sign.
    pub(crate) fn text_g(&self, prec: Option<usize>) -> String {
        let mut d = self.clone();
        let (shortest, mut prec) = match prec {
            None => (true, d.mant.len()),
            Some(p) => {
                let p = p.max(1);
                d.round(p as i64);
                (false, p)
            }
        };
        let mut eprec = prec;
        if eprec > d.mant.len() && d.mant.len() as i64 >= i64::from(d.exp) {
            eprec = d.mant.len();
        }
        if shortest {
            eprec = 6;
        }
        let exp = i64::from(d.exp) - 1;
        if exp < -4 || exp >= eprec as i64 {
            prec = prec.min(d.mant.len());
            return d.fmt_e('e', prec.saturating_sub(1));
        }
        if prec as i64 > i64::from(d.exp) {
            prec = d.mant.len();
        }
        d.fmt_f((prec as i64 - i64::from(d.exp)).max(0) as usize)
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
