//! Numbers of the language, as Terraform computes them (cty's `big.Float`
//! with a 512-bit mantissa): exact 64-bit integers and short floats as fast
//! paths, and a big binary float for everything else, so `9007199254740993
//! + 0` and `18446744073709551617 % 10` stay exact, `10 / 4` is `2.5` and
//! `1 / 3` has Terraform's 155 digits.

use super::bigfloat::{BigFloat, Overflow, Rounded};
use super::decimal::Decimal;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// A number value. Which variant holds a number is decided by its value
/// (see [`Number::from_big`]), so every variant is exact:
///
/// - `Int`: a whole number in `i64` range;
/// - `Float`: an `f64`, either a function's float result (`pow`, `log`:
///   Go `float64`s in Terraform too, printed shortest) or a fraction whose
///   exact decimal has at most 15 digits (`2.5`, `0.125`);
/// - `Big`: any other number, at 512 bits, printed with the fewest digits
///   that read back at that precision (Go's `Text('f', -1)`).
///
/// Equality and ordering compare mathematically: `Int(2) == Float(2.0)`.
#[derive(Clone, Debug)]
pub enum Number {
    /// An exact integer.
    Int(i64),
    /// A floating-point number (never NaN: operations that would produce
    /// one are reported as errors by the evaluator; infinite when a result
    /// is beyond about 10^19728).
    Float(f64),
    /// A number that neither of the above holds exactly.
    Big(Arc<BigFloat>),
}

/// Largest integer an `f64` holds exactly (2^53).
const EXACT_F64: f64 = 9_007_199_254_740_992.0;

/// 2^63, the first `f64` beyond `i64`.
const I64_END: f64 = 9_223_372_036_854_775_808.0;

impl Number {
    /// Parses a literal as written in source or in a string being converted
    /// (`"42"`, `"-1.5"`, `"1e3"`, `"0.1"` at 512 bits; surrounding spaces
    /// not allowed), as cty's `ParseNumberVal`. Returns `None` when `s` is
    /// not a number.
    pub fn parse(s: &str) -> Option<Number> {
        if s.len() <= 18 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s.parse::<i64>().ok().map(Number::Int);
        }
        Number::parse_short(s).or_else(|| BigFloat::parse(s).map(Number::rounded))
    }

    /// The fast path of [`Number::parse`]: a literal of at most 15
    /// significant digits whose nearest `f64` is exact (`2.5`, `-0.125`,
    /// `1e3`). Two such literals never share an `f64`, so when that `f64`
    /// is a short fraction or a small whole number it is the literal's
    /// value. `None` sends the rest (`0.1`, long digits) to the big path.
    fn parse_short(s: &str) -> Option<Number> {
        let mantissa = s.split(['e', 'E']).next()?;
        let body = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
        if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        // Significant digits: from the first nonzero digit to the last.
        let nonzero = |b: &u8| b.is_ascii_digit() && *b != b'0';
        let (first, last) = (
            body.bytes().position(|b| nonzero(&b)),
            body.bytes().rposition(|b| nonzero(&b)),
        );
        if let (Some(a), Some(b)) = (first, last)
            && body[a..=b].bytes().filter(u8::is_ascii_digit).count() > 15
        {
            return None;
        }
        let f: f64 = s.parse().ok()?;
        if f.fract() == 0.0 && f.abs() < EXACT_F64 {
            Some(Number::Int(f as i64))
        } else if is_short_fraction(f) {
            Some(Number::Float(f))
        } else {
            None
        }
    }

    /// The number for a rounded result: infinite on overflow.
    fn rounded(r: Rounded) -> Number {
        match r {
            Ok(b) => Number::from_big(b),
            Err(Overflow { neg }) => Number::Float(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
        }
    }

    /// The variant for an exact value: `Int` for whole numbers in range,
    /// `Float` for fractions whose exact decimal is short, `Big` otherwise.
    pub fn from_big(b: BigFloat) -> Number {
        if let Some(i) = b.to_i64() {
            return Number::Int(i);
        }
        if !b.is_integer() {
            let f = b.to_f64();
            if is_short_fraction(f) && BigFloat::from_f64(f).as_ref() == Some(&b) {
                return Number::Float(f);
            }
        }
        Number::Big(Arc::new(b))
    }

    /// The exact result of an `f64` operation known to be exact.
    fn from_exact_f64(f: f64) -> Number {
        if f.fract() == 0.0 && f.abs() < I64_END {
            Number::Int(f as i64)
        } else if !f.is_finite() || is_short_fraction(f) {
            Number::Float(f)
        } else {
            BigFloat::from_f64(f).map_or(Number::Float(f), |b| Number::Big(Arc::new(b)))
        }
    }

    /// Makes a number from a float a function computed (Terraform's
    /// `NumberFloatVal`), keeping it an integer when it is a whole number
    /// small enough to be exact.
    pub fn from_f64(f: f64) -> Number {
        if f.fract() == 0.0 && f.abs() <= EXACT_F64 {
            Number::Int(f as i64)
        } else {
            Number::Float(f)
        }
    }

    /// The exact value as a big float (`None` for infinities).
    pub fn to_big(&self) -> Option<BigFloat> {
        match self {
            Number::Int(i) => Some(BigFloat::from_i64(*i)),
            Number::Float(f) => BigFloat::from_f64(*f),
            Number::Big(b) => Some(BigFloat::clone(b)),
        }
    }

    /// The value as an `f64` (the nearest one for integers beyond 2^53 and
    /// big numbers).
    pub fn as_f64(&self) -> f64 {
        match self {
            Number::Int(i) => *i as f64,
            Number::Float(f) => *f,
            Number::Big(b) => b.to_f64(),
        }
    }

    /// The value as an `i64` when it is a whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
            Number::Float(_) | Number::Big(_) => None,
        }
    }

    /// True for whole numbers.
    pub fn is_integer(&self) -> bool {
        match self {
            Number::Int(_) => true,
            Number::Float(f) => f.fract() == 0.0,
            Number::Big(b) => b.is_integer(),
        }
    }

    /// True for infinities.
    pub fn is_infinite(&self) -> bool {
        matches!(self, Number::Float(f) if f.is_infinite())
    }

    /// `op` on the exact values of two finite numbers, rounded at 512 bits;
    /// `None` when `op` declines (division by zero). An infinite operand
    /// gives the `f64` result.
    fn big_op(
        &self,
        other: &Number,
        op: fn(&BigFloat, &BigFloat) -> Option<Rounded>,
        float: fn(f64, f64) -> f64,
    ) -> Option<Number> {
        match (self.to_big(), other.to_big()) {
            (Some(a), Some(b)) => op(&a, &b).map(Number::rounded),
            _ => Some(Number::from_f64(float(self.as_f64(), other.as_f64()))),
        }
    }

    /// Both as `f64`s when both are exactly `f64`s (integers up to 2^53).
    fn small_pair(&self, other: &Number) -> Option<(f64, f64)> {
        let small = |n: &Number| match n {
            Number::Int(i) if i.unsigned_abs() <= 1 << 53 => Some(*i as f64),
            Number::Float(f) if f.is_finite() => Some(*f),
            _ => None,
        };
        Some((small(self)?, small(other)?))
    }

    /// `self / other`, or `None` when `other` is zero.
    pub fn checked_div(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        if let (Number::Int(a), Number::Int(b)) = (self, other)
            && a % b == 0
            && let Some(q) = a.checked_div(*b)
        {
            return Some(Number::Int(q));
        }
        if let Some((a, b)) = self.small_pair(other) {
            let q = a / b;
            if exact_result(q) && q.mul_add(b, -a) == 0.0 {
                return Some(Number::from_exact_f64(q));
            }
        }
        self.big_op(other, BigFloat::div, |a, b| a / b)
    }

    /// `self % other` with the sign of `self`, as cty's `Modulo` (`self -
    /// other × trunc(self / other)` at 512 bits), or `None` when `other`
    /// is zero.
    pub fn checked_rem(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        if let (Number::Int(a), Number::Int(b)) = (self, other) {
            return Some(a.checked_rem(*b).map_or(Number::Int(0), Number::Int));
        }
        self.big_op(other, BigFloat::rem, |a, b| a % b)
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        match self {
            Number::Int(i) => *i == 0,
            Number::Float(f) => *f == 0.0,
            Number::Big(b) => b.is_zero(),
        }
    }

    /// Mathematical comparison.
    pub fn compare(&self, other: &Number) -> Ordering {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a.cmp(b),
            (Number::Float(a), Number::Float(b)) => a.total_cmp(b),
            _ => match (self.to_big(), other.to_big()) {
                (Some(a), Some(b)) => a.compare(&b),
                // An infinity against anything else.
                _ => self.as_f64().total_cmp(&other.as_f64()),
            },
        }
    }

    /// The greatest whole number not above (`ceil` false) or the least not
    /// below (`ceil` true) this one, as cty's `floor` and `ceil`.
    pub fn to_whole(&self, ceil: bool) -> Number {
        match self {
            Number::Int(_) => self.clone(),
            Number::Float(f) if f.abs() < EXACT_F64 || !f.is_finite() => {
                Number::from_f64(if ceil { f.ceil() } else { f.floor() })
            }
            _ => match self.to_big() {
                Some(b) => Number::rounded(b.to_whole(ceil)),
                None => self.clone(),
            },
        }
    }

    /// The absolute value.
    pub fn abs(&self) -> Number {
        if self.compare(&Number::Int(0)) == Ordering::Less {
            -self.clone()
        } else {
            self.clone()
        }
    }

    /// The exact decimal value (for `format`'s verbs).
    pub fn exact_decimal(&self) -> Decimal {
        match self {
            Number::Int(i) => {
                let s = i.unsigned_abs().to_string();
                let len = s.len() as i64;
                Decimal::from_parts(*i < 0, &s, len)
            }
            Number::Float(f) => {
                Decimal::from_sci(f.is_sign_negative(), &format!("{:.800e}", f.abs()))
            }
            Number::Big(b) => b.exact_decimal(),
        }
    }

    /// The fewest digits that read back as this number: at 53 bits for a
    /// `Float`, at 512 bits for a `Big` (Go's `Text('f', -1)`).
    pub fn shortest_decimal(&self) -> Decimal {
        match self {
            Number::Int(_) => self.exact_decimal(),
            Number::Float(f) => Decimal::from_sci(f.is_sign_negative(), &format!("{:e}", f.abs())),
            Number::Big(b) => b.shortest_decimal(),
        }
    }
}

/// True when `f` is finite, not whole and its exact decimal has at most
/// 15 significant digits — then Rust's shortest rendering is that exact
/// decimal, as Go prints the same value at 512 bits.
fn is_short_fraction(f: f64) -> bool {
    if !f.is_finite() || f.fract() == 0.0 {
        return false;
    }
    let bits = f.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    let (mut m, mut e) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), biased - 1075)
    };
    let tz = m.trailing_zeros();
    m >>= tz;
    e += i64::from(tz);
    // f = m / 2^k = m × 5^k / 10^k: at most 15 digits when m × 5^k < 10^15.
    let k = -e;
    k <= 21 && u128::from(m) * 5u128.pow(k as u32) < 1_000_000_000_000_000
}

/// True when an `f64` result can be checked for exactness: finite and
/// far enough from the subnormal range that the residual is exact.
fn exact_result(r: f64) -> bool {
    r.is_finite() && (r == 0.0 || r.abs() >= f64::MIN_POSITIVE * 2f64.powi(54))
}

impl std::ops::Add for Number {
    type Output = Number;

    fn add(self, other: Number) -> Number {
        if let (Number::Int(a), Number::Int(b)) = (&self, &other)
            && let Some(s) = a.checked_add(*b)
        {
            return Number::Int(s);
        }
        if let Some((a, b)) = self.small_pair(&other) {
            // Two-sum: the rounding error of `a + b` is exactly `err`.
            let s = a + b;
            let bb = s - a;
            let err = (a - (s - bb)) + (b - bb);
            if exact_result(s) && err == 0.0 {
                return Number::from_exact_f64(s);
            }
        }
        self.big_op(&other, |a, b| Some(a.add(b)), |a, b| a + b)
            .unwrap_or(Number::Int(0))
    }
}

impl std::ops::Sub for Number {
    type Output = Number;

    fn sub(self, other: Number) -> Number {
        self + -other
    }
}

impl std::ops::Mul for Number {
    type Output = Number;

    fn mul(self, other: Number) -> Number {
        if let (Number::Int(a), Number::Int(b)) = (&self, &other)
            && let Some(p) = a.checked_mul(*b)
        {
            return Number::Int(p);
        }
        if let Some((a, b)) = self.small_pair(&other) {
            let p = a * b;
            if exact_result(p) && a.mul_add(b, -p) == 0.0 {
                return Number::from_exact_f64(p);
            }
        }
        self.big_op(&other, |a, b| Some(a.mul(b)), |a, b| a * b)
            .unwrap_or(Number::Int(0))
    }
}

impl std::ops::Neg for Number {
    type Output = Number;

    fn neg(self) -> Number {
        match self {
            Number::Int(i) => i.checked_neg().map_or_else(
                || Number::from_big(BigFloat::from_i64(i).negated()),
                Number::Int,
            ),
            Number::Float(f) => Number::Float(-f),
            Number::Big(b) => Number::Big(Arc::new(BigFloat::clone(&b).negated())),
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.compare(other))
    }
}

impl fmt::Display for Number {
    /// As Terraform prints numbers: integers in full, fractions with the
    /// fewest digits that read back (`0.30000000000000004` for an `f64`,
    /// 155 digits for `1 / 3` at 512 bits), never an exponent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) if x.fract() == 0.0 && x.abs() < 1e21 => write!(f, "{x:.0}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Big(b) => f.write_str(&b.shortest_decimal().text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_stay_exact_and_fractions_are_floats() {
        let big = Number::parse("9007199254740993").expect("number");
        assert_eq!((big + Number::Int(0)).to_string(), "9007199254740993");
        let q = Number::Int(10)
            .checked_div(&Number::Int(4))
            .expect("nonzero");
        assert_eq!(q.to_string(), "2.5");
        assert_eq!(
            Number::Int(10)
                .checked_div(&Number::Int(5))
                .map(|n| n.to_string()),
            Some("2".into())
        );
        assert_eq!(
            Number::parse("1e3").map(|n| n.to_string()),
            Some("1000".into())
        );
        assert!(Number::Int(1).checked_div(&Number::Int(0)).is_none());
        assert_eq!(
            (Number::Int(i64::MAX) + Number::Int(1)).to_string(),
            "9223372036854775808"
        );
        assert_eq!(
            Number::Int(-7).checked_rem(&Number::Int(3)),
            Some(Number::Int(-1))
        );
        assert!(
            Number::parse(" 1").is_none()
                && Number::parse("abc").is_none()
                && Number::parse("").is_none()
        );
    }

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|| panic!("{s} is a number"))
    }

    /// Answers Terraform 1.15.5 gives (tests/data/eval).
    #[test]
    fn big_numbers_compute_as_terraform() {
        let text = |x: Number| x.to_string();
        assert_eq!(
            text(n("12345678901234567890") * n("10")),
            "123456789012345678900"
        );
        assert_eq!(
            text(n("123456789012345678901234567890") * n("3")),
            "370370367037037036703703703670"
        );
        assert_eq!(
            n("18446744073709551617").checked_rem(&n("10")).map(text),
            Some("7".into())
        );
        assert_eq!(text(n("0.1") + n("0.2")), "0.3");
        // 1.1 is not exact in binary: Terraform's own answer.
        assert_eq!(text(n("3") * n("1.1")), format!("3.3{}2", "0".repeat(152)));
        assert_eq!(
            text(n("18446744073709551617") - n("1")),
            "18446744073709551616"
        );
        let third = n("1").checked_div(&n("3")).map(text).unwrap_or_default();
        assert_eq!(third.len(), 157);
        assert!(third.starts_with("0.3333") && third.ends_with("335"));
        assert_eq!(n("0.999999999999999999999").to_whole(false), Number::Int(0));
        assert_eq!(n("1e400").to_string().len(), 401);
        assert_eq!(text(n("1e308") * n("10")).len(), 310);
        assert!(matches!(n("1e99999999"), Number::Float(f) if f == f64::INFINITY));
    }

    #[test]
    fn variants_compare_and_print_by_value() {
        assert_ne!(n("1").checked_div(&n("3")), Some(n("0.3333333333333333")));
        assert!(n("2") < n("2.0000000000000000000001"));
        assert_eq!(n("2.5"), Number::Float(2.5));
        assert!(matches!(n("2.5"), Number::Float(_)) && matches!(n("0.1"), Number::Big(_)));
        assert_eq!(n("9223372036854775808"), -(-n("9223372036854775808")));
        assert!(n("9223372036854775807") < n("9223372036854775808"));
        assert!(n("-9223372036854775809") < Number::Int(i64::MIN));
        assert_eq!(n("1e22"), Number::Float(1e22));
        assert!(matches!(n("-0.125"), Number::Float(f) if f == -0.125));
        assert!(matches!(n("2.50e1"), Number::Int(25)));
        assert!(matches!(n("0.30000000000000004"), Number::Big(_)));
        assert!(Number::parse("inf").is_none() && Number::parse("-nan").is_none());
        assert_eq!(Number::Float(0.5).to_string(), "0.5");
        assert_eq!((Number::Float(0.25) * Number::Int(2)).to_string(), "0.5");
        assert_eq!(n("1.5").to_whole(true), Number::Int(2));
        assert_eq!(n("-0.1").to_whole(false), Number::Int(-1));
        assert_eq!(
            n("-12345678901234567890.5").abs().to_string(),
            "12345678901234567890.5"
        );
        assert_eq!(
            Number::Int(10).checked_div(&Number::Int(4)),
            Some(Number::Float(2.5))
        );
        assert!(matches!(
            Number::Int(10).checked_div(&Number::Int(4)),
            Some(Number::Float(_))
        ));
    }
}
