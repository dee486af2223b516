//! Decimal numbers as Go's `math/big` formats them (`0.mant × 10^exp`):
//! rounding half to even, the shortest digits that read back at a
//! precision, and the `%e %f %g` layouts the `format` function and number
//! rendering share.

/// A decimal number as Go's `math/big` formats it: `0.mant × 10^exp`,
/// `mant` without leading or trailing zeros (empty for zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// True for a negative number.
    pub neg: bool,
    mant: Vec<u8>,
    /// The position of the decimal point: the value is `0.mant × 10^exp`.
    pub exp: i64,
}

impl Decimal {
    /// `±0.digits × 10^point` (`digits` ASCII decimal digits).
    pub fn from_parts(neg: bool, digits: &str, point: i64) -> Decimal {
        let lead = digits.bytes().take_while(|b| *b == b'0').count();
        let mut mant: Vec<u8> = digits.bytes().skip(lead).collect();
        while mant.last() == Some(&b'0') {
            mant.pop();
        }
        let exp = if mant.is_empty() {
            0
        } else {
            point - lead as i64
        };
        Decimal { neg, mant, exp }
    }

    /// From Rust's `{:e}` rendering (`1.2345e-7`).
    pub(crate) fn from_sci(neg: bool, sci: &str) -> Decimal {
        let (m, e) = sci.split_once('e').unwrap_or((sci, "0"));
        let e: i64 = e.parse().unwrap_or(0);
        let digits: String = m.chars().filter(char::is_ascii_digit).collect();
        Decimal::from_parts(neg, &digits, e + 1)
    }

    /// True when no digit follows the decimal point.
    pub fn is_integer(&self) -> bool {
        self.mant.len() as i64 <= self.exp
    }

    /// The digits of a whole number (`"0"` for zero).
    pub fn integer_digits(&self) -> String {
        if self.mant.is_empty() {
            return "0".into();
        }
        let mut s: String = self.mant.iter().map(|b| *b as char).collect();
        for _ in self.mant.len() as i64..self.exp {
            s.push('0');
        }
        s
    }

    /// The digit at `i` (`'0'` outside the digits).
    pub fn at(&self, i: i64) -> u8 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.mant.get(i).copied())
            .unwrap_or(b'0')
    }

    /// Rounds to `n` digits, half to even (Go's `decimal.round`).
    pub fn round(&mut self, n: i64) {
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
            self.round_up(n);
        } else {
            self.round_down(n);
        }
    }

    /// Keeps the first `n` digits, the last one increased (Go's
    /// `decimal.roundUp`); `n` is below the digit count.
    fn round_up(&mut self, n: usize) {
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
    }

    /// Keeps the first `n` digits (Go's `decimal.roundDown`).
    fn round_down(&mut self, n: usize) {
        self.mant.truncate(n);
        while self.mant.last() == Some(&b'0') {
            self.mant.pop();
        }
        if self.mant.is_empty() {
            self.exp = 0;
        }
    }

    /// Cuts the digits to the fewest that still lie between `lower` and
    /// `upper` (the number's neighbours half an ulp away, themselves allowed
    /// when `inclusive`), rounding to the nearest: Go's `roundShortest` in
    /// `math/big`, which compares the digit strings position by position.
    pub(crate) fn round_shortest(&mut self, lower: &Decimal, upper: &Decimal, inclusive: bool) {
        for i in 0..self.mant.len() {
            let (l, m, u) = (lower.at(i as i64), self.mant[i], upper.at(i as i64));
            let ok_down = l != m || (inclusive && i + 1 == lower.mant.len());
            let ok_up = m != u && (inclusive || m + 1 < u || i + 1 < upper.mant.len());
            match (ok_down, ok_up) {
                (true, true) => return self.round(i as i64 + 1),
                (true, false) => return self.round_down(i + 1),
                (false, true) => return self.round_up(i + 1),
                (false, false) => {}
            }
        }
    }

    /// Go's `Text('f', -1)` of a number whose digits are already the
    /// shortest: every digit, no exponent (`-0.25`, `1000`).
    pub fn text(&self) -> String {
        let frac = (self.mant.len() as i64 - self.exp).max(0) as usize;
        let body = self.fmt_f(frac);
        if self.neg { format!("-{body}") } else { body }
    }

    /// `%e` (`mode` `e` or `E`) with `prec` digits after the point, without the sign.
    pub fn fmt_e(&self, mode: char, prec: usize) -> String {
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
            self.exp - 1
        };
        s.push(if exp < 0 { '-' } else { '+' });
        if exp.abs() < 10 {
            s.push('0');
        }
        s.push_str(&exp.abs().to_string());
        s
    }

    /// `%f` with `prec` digits after the point, without the sign (Go's `fmtF`).
    pub fn fmt_f(&self, prec: usize) -> String {
        let mut s = String::new();
        if self.exp > 0 {
            for i in 0..self.exp {
                s.push(self.at(i) as char);
            }
        } else {
            s.push('0');
        }
        if prec > 0 {
            s.push('.');
            for i in 1..=prec as i64 {
                s.push(self.at(self.exp + i - 1) as char);
            }
        }
        s
    }

    /// `%g` with precision `prec` (`None`: shortest), without the sign.
    pub fn text_g(&self, prec: Option<usize>) -> String {
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
        if eprec > d.mant.len() && d.mant.len() as i64 >= d.exp {
            eprec = d.mant.len();
        }
        if shortest {
            eprec = 6;
        }
        let exp = d.exp - 1;
        if exp < -4 || exp >= eprec as i64 {
            prec = prec.min(d.mant.len());
            return d.fmt_e('e', prec.saturating_sub(1));
        }
        if prec as i64 > d.exp {
            prec = d.mant.len();
        }
        d.fmt_f((prec as i64 - d.exp).max(0) as usize)
    }
}
