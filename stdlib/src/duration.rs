//! Durations as Terraform writes them: Go's `time.ParseDuration` syntax,
//! the one parser behind `timeadd`, the `aws` provider's timeouts and the
//! CLI's `--lock-timeout`/`--stop-timeout`. Hand-written because jiff's and
//! humantime's friendly formats accept other spellings (`1 min`, `1h 30m`)
//! and reject Go's fractional parts per unit (`1.5h30m`).

use std::time::Duration;

/// Parses a Go duration (`time.ParseDuration`, which Terraform uses for
/// `timeadd` and for every duration argument): `"1h30m"`, `"-1.5s"`,
/// `"300ms"`, `"0"`; units `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`. Returns
/// nanoseconds, signed, within Go's range (±2^63−1 ns, about 292 years).
///
/// # Errors
/// A phrase saying what is wrong: `invalid duration "x"`, `missing unit in
/// duration "30"`, `unknown unit "sec" in duration "30sec"`.
pub fn parse_go(s: &str) -> Result<i128, String> {
    let bad = || format!("invalid duration {s:?}");
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac = "";
        if let Some(after) = rest.strip_prefix('.') {
            let n = after.bytes().take_while(u8::is_ascii_digit).count();
            frac = &after[..n];
            rest = &after[n..];
        }
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("missing unit in duration {s:?}")),
            other => return Err(format!("unknown unit {other:?} in duration {s:?}")),
        };
        let whole: i128 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        let mut v = whole.checked_mul(scale).ok_or_else(bad)?;
        if !frac.is_empty() {
            let f: f64 = format!("0.{frac}").parse().map_err(|_| bad())?;
            v += (f * scale as f64) as i128;
        }
        total = total.checked_add(v).ok_or_else(bad)?;
        if total > i128::from(i64::MAX) {
            return Err(bad());
        }
    }
    Ok(if neg { -total } else { total })
}

/// A duration that must not be negative, as a [`Duration`]: a Go duration
/// (`"1m30s"`, `"0s"`, `"500ms"`).
///
/// # Errors
/// What [`parse_go`] says, or that the duration is negative.
pub fn parse_non_negative(s: &str) -> Result<Duration, String> {
    let ns = parse_go(s)?;
    let ns = u64::try_from(ns).map_err(|_| format!("duration {s:?} is negative"))?;
    Ok(Duration::from_nanos(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse_as_terraform_reads_them() {
        assert_eq!(parse_go("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_go("-1.5h"), Ok(-5_400_000_000_000));
        assert_eq!(parse_go("300ms"), Ok(300_000_000));
        assert_eq!(parse_go("0"), Ok(0));
        assert!(parse_go("30").is_err_and(|e| e.contains("missing unit")));
        assert!(parse_go("30sec").is_err_and(|e| e.contains("unknown unit")));
        assert!(parse_go("").is_err());
        assert_eq!(parse_non_negative("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_non_negative("0s"), Ok(Duration::ZERO));
        assert!(parse_non_negative("-1s").is_err_and(|e| e.contains("negative")));
    }
}
