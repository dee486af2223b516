//! Binary floating-point numbers with a 512-bit mantissa rounded to nearest
//! even: the arithmetic of Go's `big.Float` at the precision cty gives
//! numbers (`big.ParseFloat(s, 10, 512, big.ToNearestEven)`), and its
//! shortest decimal rendering `Text('f', -1)`.
//!
//! Written over `num-bigint` (already linked by the dependency tree) rather
//! than an arbitrary-precision float crate: `dashu-float` cannot parse a
//! decimal string into a binary float directly (only through a decimal
//! float and a base conversion that panics at unlimited precision), and no
//! crate offers Go's shortest rendering at a given precision, so the few
//! operations cty uses (parse, + - * /, compare, truncate, render) are
//! written here on exact big integers, each rounded once as Go rounds.

use super::decimal::Decimal;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{ToPrimitive, Zero};
use std::cmp::Ordering;

/// Mantissa bits, as cty's `ParseNumberVal`.
pub(crate) const PREC: u64 = 512;

/// Largest binary exponent of a number's leading bit (about 10^19728).
/// Go's exponent range is ±2^31, but rendering or truncating such a number
/// would take unbounded memory; beyond this a result overflows to an
/// infinity, and below its negative it underflows to zero.
pub(crate) const MAX_EXP: i64 = 1 << 16;

/// Significant decimal digits read from a literal; further digits only
/// count as "some nonzero digit follows" (which keeps rounding exact for
/// any number in range short of the extreme exponents).
const MAX_DIGITS: usize = 50_000;

/// A finite number `±mant × 2^exp` with `mant` odd and at most [`PREC`]
/// bits (zero is `mant` 0, `exp` 0, not negative), so equal numbers are
/// equal structs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BigFloat {
    neg: bool,
    mant: BigUint,
    exp: i64,
}

/// A result too large for [`MAX_EXP`]: an infinity of this sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow {
    /// True for negative infinity.
    pub neg: bool,
}

/// A rounded result.
pub type Rounded = Result<BigFloat, Overflow>;

impl BigFloat {
    fn zero() -> BigFloat {
        BigFloat {
            neg: false,
            mant: BigUint::ZERO,
            exp: 0,
        }
    }

    /// `±mant × 2^exp`, plus a nonzero tail below `mant` when `sticky`,
    /// rounded to `prec` bits, nearest even. When `sticky`, `mant` must
    /// have more than `prec` bits.
    fn round(neg: bool, mut mant: BigUint, mut exp: i64, sticky: bool, prec: u64) -> Rounded {
        let bits = mant.bits();
        if bits > prec {
            let drop = bits - prec;
            let half = mant.bit(drop - 1);
            let below = sticky || mant.trailing_zeros().is_some_and(|t| t < drop - 1);
            mant >>= drop;
            exp += drop as i64;
            if half && (below || mant.bit(0)) {
                mant += 1u32;
            }
        }
        let Some(tz) = mant.trailing_zeros() else {
            return Ok(BigFloat::zero());
        };
        mant >>= tz;
        exp += tz as i64;
        let top = exp + mant.bits() as i64;
        if top > MAX_EXP {
            return Err(Overflow { neg });
        }
        if top < -MAX_EXP {
            return Ok(BigFloat::zero());
        }
        Ok(BigFloat { neg, mant, exp })
    }

    /// `±num / den × 2^exp` rounded to [`PREC`] bits; `den` is not zero.
    fn quotient(neg: bool, num: BigUint, den: BigUint, exp: i64) -> Rounded {
        // Enough quotient bits that the remainder only decides ties.
        let shift = PREC as i64 + 2 + den.bits() as i64 - num.bits() as i64;
        let (n, d) = if shift >= 0 {
            (num << shift as u64, den)
        } else {
            (num, den << shift.unsigned_abs())
        };
        let (q, r) = n.div_rem(&d);
        BigFloat::round(neg, q, exp - shift, !r.is_zero(), PREC)
    }

    /// The exact value of an integer.
    pub fn from_i64(i: i64) -> BigFloat {
        let mag = BigUint::from(i.unsigned_abs());
        BigFloat::round(i < 0, mag, 0, false, PREC).unwrap_or_else(|_| BigFloat::zero())
    }

    /// An exact integer rounded to [`PREC`] bits.
    pub fn from_bigint(i: &BigInt) -> Rounded {
        BigFloat::round(
            i.sign() == Sign::Minus,
            i.magnitude().clone(),
            0,
            false,
            PREC,
        )
    }

    /// The exact value of a finite `f64` (`None` for NaN and infinities).
    pub fn from_f64(f: f64) -> Option<BigFloat> {
        if !f.is_finite() {
            return None;
        }
        let bits = f.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1 << 52) - 1);
        let (m, e) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), biased - 1075)
        };
        BigFloat::round(f < 0.0, BigUint::from(m), e, false, PREC).ok()
    }

    /// Parses a decimal literal (`-12.5e3`: optional sign, digits with an
    /// optional fraction, optional exponent) as Go's
    /// `big.ParseFloat(s, 10, 512, big.ToNearestEven)`. `None` when `s` is
    /// not such a literal.
    pub fn parse(s: &str) -> Option<Rounded> {
        let (neg, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
            return None;
        }
        let exp10: i64 = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !all_digits(digits) {
                    return None;
                }
                // A huge exponent saturates: the number then overflows or
                // underflows below.
                let mag = digits.parse::<i64>().unwrap_or(i64::MAX / 4);
                if e.starts_with('-') { -mag } else { mag }
            }
        };
        let all = [int, frac].concat();
        let significant = all.trim_start_matches('0');
        // Trailing zeros only scale the exponent.
        let mut digits = significant.trim_end_matches('0');
        let mut exp10 = exp10
            .saturating_sub(frac.len() as i64)
            .saturating_add((significant.len() - digits.len()) as i64);
        if digits.is_empty() {
            return Some(Ok(BigFloat::zero()));
        }
        let mut tail = String::new();
        if digits.len() > MAX_DIGITS {
            exp10 = exp10.saturating_add((digits.len() - MAX_DIGITS) as i64);
            digits = &digits[..MAX_DIGITS];
            // The dropped digits are not all zero (trailing zeros went
            // above): one more low digit stands for them.
            tail.push('1');
            exp10 = exp10.saturating_sub(1);
        }
        // The decimal point's position decides overflow before any work.
        let point = exp10.saturating_add((digits.len() + tail.len()) as i64);
        if point > MAX_EXP / 3 + 2 {
            return Some(Err(Overflow { neg }));
        }
        if point < -(MAX_EXP / 3) - 2 {
            return Some(Ok(BigFloat::zero()));
        }
        let m = BigUint::parse_bytes([digits, &tail].concat().as_bytes(), 10)?;
        let pow = BigUint::from(10u32).pow(u32::try_from(exp10.unsigned_abs()).ok()?);
        Some(if exp10 >= 0 {
            BigFloat::round(neg, m * pow, 0, false, PREC)
        } else {
            BigFloat::quotient(neg, m, pow, 0)
        })
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.mant.is_zero()
    }

    /// True for a negative number.
    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// True for whole numbers.
    pub fn is_integer(&self) -> bool {
        self.exp >= 0 || self.is_zero()
    }

    /// The negation.
    pub fn negated(mut self) -> BigFloat {
        if !self.is_zero() {
            self.neg = !self.neg;
        }
        self
    }

    fn signed(&self) -> BigInt {
        BigInt::from_biguint(
            if self.neg { Sign::Minus } else { Sign::Plus },
            self.mant.clone(),
        )
    }

    /// `self + other`, rounded.
    pub fn add(&self, other: &BigFloat) -> Rounded {
        let e = self.exp.min(other.exp);
        let a = self.signed() << (self.exp - e) as u64;
        let b = other.signed() << (other.exp - e) as u64;
        let sum = a + b;
        BigFloat::round(
            sum.sign() == Sign::Minus,
            sum.magnitude().clone(),
            e,
            false,
            PREC,
        )
    }

    /// `self - other`, rounded.
    pub fn sub(&self, other: &BigFloat) -> Rounded {
        self.add(&other.clone().negated())
    }

    /// `self × other`, rounded.
    pub fn mul(&self, other: &BigFloat) -> Rounded {
        BigFloat::round(
            self.neg != other.neg,
            &self.mant * &other.mant,
            self.exp + other.exp,
            false,
            PREC,
        )
    }

    /// `self / other`, rounded; `None` when `other` is zero.
    pub fn div(&self, other: &BigFloat) -> Option<Rounded> {
        if other.is_zero() {
            return None;
        }
        Some(BigFloat::quotient(
            self.neg != other.neg,
            self.mant.clone(),
            other.mant.clone(),
            self.exp - other.exp,
        ))
    }

    /// The remainder as cty's `Modulo` computes it: `self - other ×
    /// trunc(self / other)`, each step rounded; `None` when `other` is zero.
    pub fn rem(&self, other: &BigFloat) -> Option<Rounded> {
        let q = match self.div(other)? {
            Ok(q) => q,
            Err(o) => return Some(Err(o)),
        };
        Some(
            BigFloat::from_bigint(&q.trunc())
                .and_then(|t| other.mul(&t))
                .and_then(|p| self.sub(&p)),
        )
    }

    /// The integer part, toward zero (Go's `Float.Int`).
    pub fn trunc(&self) -> BigInt {
        let mag = if self.exp >= 0 {
            &self.mant << self.exp as u64
        } else {
            &self.mant >> self.exp.unsigned_abs()
        };
        BigInt::from_biguint(if self.neg { Sign::Minus } else { Sign::Plus }, mag)
    }

    /// The largest whole number not above `self` (`ceil` = false) or the
    /// smallest not below it (`ceil` = true), as cty's `floor` and `ceil`.
    pub fn to_whole(&self, ceil: bool) -> Rounded {
        let mut i = self.trunc();
        if !self.is_integer() {
            match (self.neg, ceil) {
                (false, true) => i += 1,
                (true, false) => i -= 1,
                _ => {}
            }
        }
        BigFloat::from_bigint(&i)
    }

    /// The value as an `i64` when it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        self.trunc().to_i64()
    }

    /// The nearest `f64` (infinite beyond its range).
    pub fn to_f64(&self) -> f64 {
        let Ok(r) = BigFloat::round(self.neg, self.mant.clone(), self.exp, false, 53) else {
            return if self.neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
        };
        let m = r.mant.to_f64().unwrap_or(0.0);
        // 2^e in steps that stay finite; subnormal results may round twice.
        let mut x = if r.neg { -m } else { m };
        let mut e = r.exp;
        while e > 1000 && x.is_finite() {
            x *= 2f64.powi(1000);
            e -= 1000;
        }
        while e < -1000 && x != 0.0 {
            x *= 2f64.powi(-1000);
            e += 1000;
        }
        x * 2f64.powi(e as i32)
    }

    /// Mathematical comparison.
    pub fn compare(&self, other: &BigFloat) -> Ordering {
        let sign = |b: &BigFloat| match (b.is_zero(), b.neg) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        let (sa, sb) = (sign(self), sign(other));
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        let top = |b: &BigFloat| b.exp + b.mant.bits() as i64;
        let mag = top(self).cmp(&top(other)).then_with(|| {
            let e = self.exp.min(other.exp);
            (&self.mant << (self.exp - e) as u64).cmp(&(&other.mant << (other.exp - e) as u64))
        });
        if self.neg { mag.reverse() } else { mag }
    }

    /// The exact decimal value.
    pub(crate) fn exact_decimal(&self) -> Decimal {
        let (digits, point) = decimal_of(&self.mant, self.exp);
        Decimal::from_parts(self.neg, &digits, point)
    }

    /// The fewest decimal digits that read back as this number at
    /// [`PREC`] bits (Go's `roundShortest`, used by `Text('f', -1)`).
    pub(crate) fn shortest_decimal(&self) -> Decimal {
        let mut d = self.exact_decimal();
        if self.is_zero() {
            return d;
        }
        // The mantissa with PREC + 1 bits, its lowest bit half an ulp.
        let s = (PREC + 1) as i64 - self.mant.bits() as i64;
        let mant = &self.mant << s.max(0) as u64;
        let exp = self.exp - s;
        let bound = |m: BigUint| {
            let (digits, point) = decimal_of(&m, exp);
            Decimal::from_parts(false, &digits, point)
        };
        let lower = bound(&mant - 1u32);
        let upper = bound(&mant + 1u32);
        // The bounds themselves round back only to an even mantissa.
        let inclusive = !mant.bit(1);
        d.round_shortest(&lower, &upper, inclusive);
        d
    }
}

/// The decimal digits of `mant × 2^exp` and the position of the decimal
/// point (`0.digits × 10^point`).
fn decimal_of(mant: &BigUint, exp: i64) -> (String, i64) {
    if exp >= 0 {
        let s = (mant << exp as u64).to_string();
        let len = s.len() as i64;
        (s, len)
    } else {
        let k = exp.unsigned_abs();
        let five = BigUint::from(5u32).pow(u32::try_from(k).unwrap_or(u32::MAX));
        let s = (mant * five).to_string();
        let len = s.len() as i64;
        (s, len - k as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> BigFloat {
        match BigFloat::parse(s) {
            Some(Ok(b)) => b,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn parse_rounds_to_512_bits_and_renders_shortest() {
        assert_eq!(p("0.1").shortest_decimal().text(), "0.1");
        assert_eq!(
            p("18446744073709551617").shortest_decimal().text(),
            "18446744073709551617"
        );
        let third = p("1")
            .div(&p("3"))
            .and_then(Result::ok)
            .map(|t| t.shortest_decimal().text());
        assert_eq!(
            third.as_deref(),
            Some(
                "0.33333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333335"
            )
        );
        assert_eq!(
            p("1e400").shortest_decimal().text(),
            format!("1{}", "0".repeat(400))
        );
        assert!(
            p("0.999999999999999999999")
                .to_whole(false)
                .is_ok_and(|z| z.is_zero())
        );
        assert_eq!(
            BigFloat::parse("1e99999999"),
            Some(Err(Overflow { neg: false }))
        );
        assert_eq!(BigFloat::parse("-1e-99999999"), Some(Ok(BigFloat::zero())));
        assert!(BigFloat::parse("1e").is_none() && BigFloat::parse(".").is_none());
    }

    #[test]
    fn arithmetic_and_comparison_are_exact_where_512_bits_hold() {
        let big = p("18446744073709551617");
        assert_eq!(
            big.rem(&p("10"))
                .and_then(Result::ok)
                .and_then(|r| r.to_i64()),
            Some(7)
        );
        assert_eq!(
            big.mul(&p("3")).map(|m| m.shortest_decimal().text()),
            Ok("55340232221128654851".to_string())
        );
        assert_eq!(
            p("2").compare(&p("2.0000000000000000000001")),
            Ordering::Less
        );
        assert_eq!(p("-3").compare(&p("-2.5")), Ordering::Less);
        assert_eq!(p("0.5").to_f64(), 0.5);
        assert_eq!(p("1e400").to_f64(), f64::INFINITY);
        assert_eq!(
            BigFloat::from_f64(-1.5).map(|b| b.exact_decimal().text()),
            Some("-1.5".into())
        );
    }
}
