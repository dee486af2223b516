//! Terraform's duration strings (Go's `time.ParseDuration`, positive):
//! `"30s"`, `"1m30s"`, `"1.5s"`, `"500ms"`, `"2h"`, for the provider's
//! timeout arguments.

use std::time::Duration;

/// Parses a positive Go duration: one or more decimal numbers, each with a
/// unit `ns`, `us` (`µs`), `ms`, `s`, `m` or `h` (through
/// [`infra_stdlib::duration::parse_go`], the one parser of Terraform's
/// duration syntax).
///
/// # Errors
/// A phrase saying what is wrong: `missing unit in duration "30"`,
/// `unknown unit "sec" in duration "30sec"`, `"-1s" is not positive`.
pub fn parse(text: &str) -> Result<Duration, String> {
    match infra_stdlib::duration::parse_go(text)? {
        ns if ns <= 0 => Err(format!("{text:?} is not positive")),
        ns => Ok(Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))),
    }
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
