//! Terraform's duration strings (Go's `time.ParseDuration`, positive):
//! `"30s"`, `"1m30s"`, `"1.5s"`, `"500ms"`, `"2h"`, for the provider's
//! timeout arguments.

use std::time::Duration;

/// Parses a positive Go duration: one or more decimal numbers, each with a
/// unit `ns`, `us` (`µs`), `ms`, `s`, `m` or `h`.
///
/// # Errors
/// A phrase saying what is wrong: `missing unit in "30"`, `unknown unit
/// "sec" in "30sec"`, `"-1s" is not positive`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration such as \"30s\", \"1m30s\" or \"500ms\"");
    if text.starts_with('-') || text == "0" {
        return Err(format!("{text:?} is not positive"));
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().map_err(|_| bad())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(format!("missing unit in {text:?} (e.g. \"30s\")")),
            other => return Err(format!("unknown unit {other:?} in {text:?}")),
        };
        rest = &rest[unit_len..];
        let part = Duration::try_from_secs_f64(number * seconds).map_err(|_| bad())?;
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    if total.is_zero() {
        return Err(format!("{text:?} is not positive"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
    }

    #[test]
    fn refuses_what_go_refuses() {
        for bad in [
            "",
            "30",
            "-1s",
            "0s",
            "0",
            "1x",
            "s",
            "1..5s",
            "1e400h",
            "99999999999999999999h",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse("30").expect_err("no unit").contains("missing unit"));
    }
}
