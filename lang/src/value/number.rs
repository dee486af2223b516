//! Numbers of the language: exact 64-bit integers while a result stays an
//! integer, 64-bit floats otherwise, so `9007199254740993 + 0` stays exact
//! and `10 / 4` is `2.5`.

use std::cmp::Ordering;
use std::fmt;

/// A number value. Integers stay exact until an operation overflows `i64`
/// or produces a fraction; then the result is an `f64`.
///
/// Equality and ordering compare mathematically: `Int(2) == Float(2.0)`.
#[derive(Clone, Copy, Debug)]
pub enum Number {
    /// An exact integer.
    Int(i64),
    /// A floating-point number (never NaN: operations that would produce
    /// one are reported as errors by the evaluator).
    Float(f64),
}

/// Largest integer an `f64` holds exactly (2^53).
const EXACT_F64: f64 = 9_007_199_254_740_992.0;

impl Number {
    /// Parses a literal as written in source or in a string being converted
    /// (`"42"`, `"-1.5"`, `"1e3"`, surrounding spaces not allowed).
    /// Returns `None` when `s` is not a number.
    pub fn parse(s: &str) -> Option<Number> {
        if s.is_empty() || s.trim() != s {
            return None;
        }
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        if digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(i) = s.parse::<i64>()
        {
            return Some(Number::Int(i));
        }
        let f: f64 = s.parse().ok()?;
        f.is_finite().then(|| Number::from_f64(f))
    }

    /// Makes a number from a float, keeping it an exact integer when it is
    /// one and small enough to be exact.
    pub fn from_f64(f: f64) -> Number {
        if f.fract() == 0.0 && f.abs() <= EXACT_F64 {
            Number::Int(f as i64)
        } else {
            Number::Float(f)
        }
    }

    /// The value as an `f64` (integers beyond 2^53 lose precision).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// The value as an `i64` when it is a whole number in range.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            Number::Float(_) => None,
        }
    }

    /// True for whole numbers.
    pub fn is_integer(self) -> bool {
        match self {
            Number::Int(_) => true,
            Number::Float(f) => f.fract() == 0.0,
        }
    }

    fn float_op(self, other: Number, f: fn(f64, f64) -> f64) -> Number {
        Number::from_f64(f(self.as_f64(), other.as_f64()))
    }

    /// `self / other`, or `None` when `other` is zero.
    pub fn checked_div(self, other: Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        Some(match (self, other) {
            (Number::Int(a), Number::Int(b)) if b != 0 && a % b == 0 => a
                .checked_div(b)
                .map_or_else(|| self.float_op(other, |a, b| a / b), Number::Int),
            _ => self.float_op(other, |a, b| a / b),
        })
    }

    /// `self % other` with the sign of `self` (as Terraform), or `None` when
    /// `other` is zero.
    pub fn checked_rem(self, other: Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        Some(match (self, other) {
            (Number::Int(a), Number::Int(b)) => {
                a.checked_rem(b).map_or(Number::Int(0), Number::Int)
            }
            _ => self.float_op(other, |a, b| a % b),
        })
    }

    /// True for zero.
    pub fn is_zero(self) -> bool {
        match self {
            Number::Int(i) => i == 0,
            Number::Float(f) => f == 0.0,
        }
    }

    /// Mathematical comparison.
    pub fn compare(self, other: Number) -> Ordering {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a.cmp(&b),
            _ => self.as_f64().total_cmp(&other.as_f64()),
        }
    }
}

/// `m × 10^e`: a number at its shortest decimal form, so `+`, `-` and `*`
/// on fractions are exact in decimal as in Terraform (which computes with
/// 512-bit floats): `0.1 + 0.2` is `0.3`, `3 * 1.1` is `3.3`.
#[derive(Clone, Copy)]
struct Decimal {
    m: i128,
    e: i32,
}

impl Decimal {
    fn of(n: Number) -> Option<Decimal> {
        match n {
            Number::Int(i) => Some(Decimal {
                m: i128::from(i),
                e: 0,
            }),
            Number::Float(f) => {
                let s = format!("{f:e}");
                let (mantissa, exp) = s.split_once('e')?;
                let exp: i32 = exp.parse().ok()?;
                let (neg, mantissa) = match mantissa.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, mantissa),
                };
                let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
                // Only numbers written as short decimals (at most 15
                // significant digits) are taken as decimals; a result of an
                // inexact division (`1 / 3`) stays a float, so `1 / 3 * 3`
                // is 1.
                if int.len() + frac.len() > 15 {
                    return None;
                }
                let m: i128 = format!("{int}{frac}").parse().ok()?;
                let e = exp.checked_sub(i32::try_from(frac.len()).ok()?)?;
                Some(Decimal {
                    m: if neg { -m } else { m },
                    e,
                })
            }
        }
    }

    fn add(x: Decimal, y: Decimal) -> Option<Decimal> {
        let e = x.e.min(y.e);
        let scaled = |d: Decimal| -> Option<i128> {
            d.m.checked_mul(10i128.checked_pow(u32::try_from(d.e - e).ok()?)?)
        };
        Some(Decimal {
            m: scaled(x)?.checked_add(scaled(y)?)?,
            e,
        })
    }

    fn mul(x: Decimal, y: Decimal) -> Option<Decimal> {
        Some(Decimal {
            m: x.m.checked_mul(y.m)?,
            e: x.e.checked_add(y.e)?,
        })
    }

    fn to_number(self) -> Option<Number> {
        if self.e >= 0
            && let Some(i) = 10i128
                .checked_pow(u32::try_from(self.e).ok()?)
                .and_then(|p| self.m.checked_mul(p))
                .and_then(|w| i64::try_from(w).ok())
        {
            return Some(Number::Int(i));
        }
        let f: f64 = format!("{}e{}", self.m, self.e).parse().ok()?;
        f.is_finite().then(|| Number::from_f64(f))
    }
}

/// `op` on the decimal forms of `a` and `b`; `None` when they do not fit
/// (then the caller uses float arithmetic).
fn decimal_op(a: Number, b: Number, op: fn(Decimal, Decimal) -> Option<Decimal>) -> Option<Number> {
    op(Decimal::of(a)?, Decimal::of(b)?)?.to_number()
}

/// Overflowing integers become floats.
impl std::ops::Add for Number {
    type Output = Number;

    fn add(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_add(b)
                .map_or_else(|| self.float_op(other, |a, b| a + b), Number::Int),
            _ => decimal_op(self, other, Decimal::add)
                .unwrap_or_else(|| self.float_op(other, |a, b| a + b)),
        }
    }
}

/// Overflowing integers become floats.
impl std::ops::Sub for Number {
    type Output = Number;

    fn sub(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_sub(b)
                .map_or_else(|| self.float_op(other, |a, b| a - b), Number::Int),
            _ => decimal_op(self, -other, Decimal::add)
                .unwrap_or_else(|| self.float_op(other, |a, b| a - b)),
        }
    }
}

/// Overflowing integers become floats.
impl std::ops::Mul for Number {
    type Output = Number;

    fn mul(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_mul(b)
                .map_or_else(|| self.float_op(other, |a, b| a * b), Number::Int),
            _ => decimal_op(self, other, Decimal::mul)
                .unwrap_or_else(|| self.float_op(other, |a, b| a * b)),
        }
    }
}

impl std::ops::Neg for Number {
    type Output = Number;

    fn neg(self) -> Number {
        match self {
            Number::Int(i) => i
                .checked_neg()
                .map_or(Number::Float(-(i as f64)), Number::Int),
            Number::Float(f) => Number::Float(-f),
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.compare(*other) == Ordering::Equal
    }
}

impl fmt::Display for Number {
    /// Integers in full (`12345678901234567890` stays as written when it
    /// was parsed exactly), fractions in the shortest form that reads back
    /// to the same `f64` (`0.30000000000000004`), as Terraform prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) if x.fract() == 0.0 && x.abs() < 1e21 => write!(f, "{x:.0}"),
            Number::Float(x) => write!(f, "{x}"),
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
            .checked_div(Number::Int(4))
            .expect("nonzero");
        assert_eq!(q.to_string(), "2.5");
        assert_eq!(
            Number::Int(10)
                .checked_div(Number::Int(5))
                .map(|n| n.to_string()),
            Some("2".into())
        );
        assert_eq!(
            Number::parse("1e3").map(|n| n.to_string()),
            Some("1000".into())
        );
        assert!(Number::Int(1).checked_div(Number::Int(0)).is_none());
        assert_eq!(
            (Number::Int(i64::MAX) + Number::Int(1)).to_string(),
            "9223372036854775808"
        );
        assert_eq!(
            Number::Int(-7).checked_rem(Number::Int(3)),
            Some(Number::Int(-1))
        );
        assert!(
            Number::parse(" 1").is_none()
                && Number::parse("abc").is_none()
                && Number::parse("").is_none()
        );
    }
}
