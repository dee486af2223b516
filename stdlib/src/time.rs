//! Calendars and RFC 3339 timestamps for every crate: the built-in date
//! functions, `yamldecode`'s timestamps, `.infradriftignore` dates and the
//! times written into state and reports. The calendar is jiff's (proleptic
//! Gregorian). Hand-written only where Terraform's semantics demand it:
//! reading RFC 3339 by Go's `time.Parse` rules with Go's error wording
//! ([`Time::parse_rfc3339`]), and writing Go's `time.RFC3339` layout
//! ([`Time::rfc3339`]: `Z` for a zero offset, whole seconds, years past
//! 9999 written out as Go does). Durations are in `duration.rs`.

use jiff::SignedDuration;
use jiff::civil;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

const EPOCH: civil::Date = civil::Date::constant(1970, 1, 1);

/// Days in 400 Gregorian years, after which dates and weekdays repeat.
const DAYS_PER_400_YEARS: i64 = 146_097;

/// The calendar date and weekday `days` days after 1970-01-01 (negative:
/// before): `(year, month 1–12, day 1–31, weekday 0 = Sunday)`. Any day
/// count works, as in Go: jiff's calendar (years −9999 to 9999) is used
/// within one 400-year cycle from 1970, and whole cycles added to the year.
pub fn civil_from_days(days: i64) -> (i64, u8, u8, u8) {
    let cycles = days.div_euclid(DAYS_PER_400_YEARS);
    let rest = days.rem_euclid(DAYS_PER_400_YEARS);
    let date = EPOCH
        .checked_add(SignedDuration::from_hours(rest * 24))
        .unwrap_or(EPOCH);
    (
        i64::from(date.year()) + cycles * 400,
        u8::try_from(date.month()).unwrap_or(1),
        u8::try_from(date.day()).unwrap_or(1),
        u8::try_from(date.weekday().to_sunday_zero_offset()).unwrap_or(0),
    )
}

/// Days from 1970-01-01 to the date, or `None` when it does not exist
/// (`2025-02-29`, month 13) or lies outside years −9999 to 9999.
pub fn days_from_civil(year: i64, month: u8, day: u8) -> Option<i64> {
    let date = civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    Some(date.duration_since(EPOCH).as_secs() / 86_400)
}

/// True when the date exists (`2024-02-29` does, `2025-02-29` does not).
pub fn is_valid_date(year: i64, month: u8, day: u8) -> bool {
    days_from_civil(year, month, day).is_some()
}

/// Seconds since the Unix epoch of `t`; 0 for times before it.
pub fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An instant with the UTC offset it was written with: Go's `time.Time`
/// in a fixed zone, as Terraform's date functions see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// UTC offset in seconds (east positive).
    pub offset: i64,
}

/// The calendar fields of a [`Time`] in its own offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    /// The year, e.g. 2018.
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, from 1.
    pub day: u8,
    /// The day of the week, 0 = Sunday.
    pub weekday: u8,
    /// The hour, 0 to 23.
    pub hour: i64,
    /// The minute, 0 to 59.
    pub minute: i64,
    /// The second, 0 to 59.
    pub second: i64,
}

fn invalid(msg: impl fmt::Display) -> String {
    format!("not a valid RFC 3339 timestamp: {msg}")
}

/// A fixed-width decimal field at the start of `s`.
fn digits(s: &str, n: usize, what: &str) -> Result<i64, String> {
    match s.get(..n) {
        Some(d) if d.bytes().all(|b| b.is_ascii_digit()) => d
            .parse()
            .map_err(|_| invalid(format!("cannot use {s:?} as {what}"))),
        _ => Err(invalid(format!("cannot use {s:?} as {what}"))),
    }
}

fn expect(s: &str, c: char) -> Result<&str, String> {
    match s.strip_prefix(c) {
        Some(rest) => Ok(rest),
        None if s.is_empty() => Err(invalid(format!("end of string where \"{c}\" is expected"))),
        None => Err(invalid(format!("found {s:?} where \"{c}\" is expected"))),
    }
}

impl Time {
    /// The instant `secs` seconds after the Unix epoch, in UTC.
    pub fn utc(secs: i64) -> Time {
        Time {
            secs,
            nanos: 0,
            offset: 0,
        }
    }

    /// Parses an RFC 3339 timestamp as Go's `time.Parse(time.RFC3339, ..)`
    /// does (Terraform's `formatdate`, `timeadd`, `timecmp`):
    /// `2006-01-02T15:04:05Z`, `2006-01-02T15:04:05.999+07:00`; a four-digit
    /// year, two-digit fields, an optional fraction, `Z` or `±hh:mm`.
    ///
    /// # Errors
    /// `not a valid RFC 3339 timestamp: ...` saying what is wrong, in the
    /// order Go checks it.
    pub fn parse_rfc3339(ts: &str) -> Result<Time, String> {
        let s = ts;
        let year = digits(s, 4, "year")?;
        let s = expect(&s[4..], '-')?;
        let month = digits(s, 2, "month")?;
        let s = expect(&s[2..], '-')?;
        let day = digits(s, 2, "day of month")?;
        let s = &s[2..];
        let s = s
            .strip_prefix('T')
            .ok_or_else(|| invalid("missing required time introducer 'T'"))?;
        let hour = digits(s, 2, "hour")?;
        let s = expect(&s[2..], ':')?;
        let minute = digits(s, 2, "minute")?;
        let s = expect(&s[2..], ':')?;
        let second = digits(s, 2, "second")?;
        let mut s = &s[2..];
        let mut nanos = 0u32;
        if let Some(frac) = s.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n > 0 {
                let d = &frac[..n.min(9)];
                nanos = d.parse::<u32>().unwrap_or(0)
                    * 10u32.pow(9 - u32::try_from(d.len()).unwrap_or(9));
                s = &frac[n..];
            }
        }
        let offset = if let Some(rest) = s.strip_prefix('Z') {
            s = rest;
            0
        } else {
            let sign = match s.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(invalid(format!("cannot use {s:?} as UTC offset"))),
            };
            let bad = || invalid(format!("cannot use {s:?} as UTC offset"));
            let oh = digits(&s[1..], 2, "UTC offset").map_err(|_| bad())?;
            let rest = s[3..].strip_prefix(':').ok_or_else(bad)?;
            let om = digits(rest, 2, "UTC offset").map_err(|_| bad())?;
            s = &rest[2..];
            if oh > 23 || om > 59 {
                return Err(invalid("time zone offset out of range"));
            }
            sign * (oh * 3600 + om * 60)
        };
        if !s.is_empty() {
            return Err(invalid(format!("extra text: {s:?}")));
        }
        if !(1..=12).contains(&month) {
            return Err(invalid("month out of range"));
        }
        // Month and day are two digits each, checked above to fit.
        let days = days_from_civil(
            year,
            u8::try_from(month).unwrap_or(0),
            u8::try_from(day).unwrap_or(0),
        )
        .ok_or_else(|| invalid("day out of range"))?;
        if hour > 23 {
            return Err(invalid("hour out of range"));
        }
        if minute > 59 {
            return Err(invalid("minute out of range"));
        }
        if second > 59 {
            return Err(invalid("second out of range"));
        }
        let local = days * 86_400 + hour * 3600 + minute * 60 + second;
        Ok(Time {
            secs: local - offset,
            nanos,
            offset,
        })
    }

    /// The calendar fields in the time's own offset.
    pub fn fields(&self) -> Fields {
        let local = self.secs + self.offset;
        let rem = local.rem_euclid(86_400);
        let (year, month, day, weekday) = civil_from_days(local.div_euclid(86_400));
        Fields {
            year,
            month,
            day,
            weekday,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }

    /// The offset as `+hh:mm` (`sep` ":") or `+hhmm` (`sep` "").
    pub fn offset_string(&self, sep: &str) -> String {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let m = self.offset.abs() / 60;
        format!("{sign}{:02}{sep}{:02}", m / 60, m % 60)
    }

    /// Go's `time.RFC3339` layout, which Terraform writes:
    /// `2017-11-22T00:10:00Z`, `2017-11-21T22:30:00+01:00` (whole seconds;
    /// `Z` for a zero offset).
    pub fn rfc3339(&self) -> String {
        let f = self.fields();
        let zone = if self.offset == 0 {
            "Z".to_string()
        } else {
            self.offset_string(":")
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
            f.year, f.month, f.day, f.hour, f.minute, f.second
        )
    }
}

/// `secs` since the Unix epoch as an RFC 3339 UTC timestamp:
/// `2026-11-21T09:30:00Z`.
pub fn rfc3339_utc(secs: i64) -> String {
    Time::utc(secs).rfc3339()
}

/// `t` as an RFC 3339 timestamp in UTC with whole seconds:
/// `2025-06-30T14:05:09Z`. Times before 1970 show as 1970-01-01T00:00:00Z.
pub fn rfc3339(t: SystemTime) -> String {
    rfc3339_utc(unix_secs(t))
}

/// A calendar date (proleptic Gregorian, UTC), as `.infradriftignore`
/// writes it: `2025-12-31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year, e.g. 2025.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, from 1.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (exactly: four, two and two digits).
    ///
    /// # Errors
    /// Anything else, or a day that does not exist (`2025-02-30`).
    pub fn parse(text: &str) -> Result<Date, String> {
        let bad = || format!("`{text}` is not a date: write YYYY-MM-DD, e.g. 2025-12-31");
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if !(all_digits(y) && all_digits(m) && all_digits(d)) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        let day: u8 = d.parse().map_err(|_| bad())?;
        if !is_valid_date(i64::from(year), month, day) {
            return Err(bad());
        }
        Ok(Date { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    pub fn from_unix_days(days: i64) -> Date {
        let (year, month, day, _) = civil_from_days(days);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month,
            day,
        }
    }

    /// Today's date in UTC, from the system clock.
    pub fn today_utc() -> Date {
        Date::from_unix_days(unix_secs(SystemTime::now()).div_euclid(86_400))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_gregorian_calendar() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(19_723).to_string(), "2024-01-01");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2025-02-29").is_err());
        assert!(Date::parse("2025-1-01").is_err());
        assert!(Date::parse("tomorrow").is_err());
        assert!(Date::parse("2025-06-30").expect("date") < Date::parse("2025-07-01").expect("d"));
        assert_eq!(days_from_civil(2024, 2, 29), Some(19_782));
        assert_eq!(days_from_civil(0, 1, 1), Some(-719_528));
        assert_eq!(days_from_civil(2025, 13, 1), None);
        // 1970-01-01 was a Thursday; beyond jiff's years, 400-year cycles.
        assert_eq!(civil_from_days(0), (1970, 1, 1, 4));
        assert_eq!(civil_from_days(2_932_897), (10_000, 1, 1, 6));
        assert_eq!(civil_from_days(-719_529), (-1, 12, 31, 5));
    }

    #[test]
    fn rfc3339_is_written_as_go_writes_it() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_719_756_309);
        assert_eq!(rfc3339(t), "2024-06-30T14:05:09Z");
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        let t = Time::parse_rfc3339("2017-11-22T00:00:00.5+01:00").expect("parses");
        assert_eq!(t.nanos, 500_000_000);
        assert_eq!(t.rfc3339(), "2017-11-22T00:00:00+01:00");
        assert_eq!(rfc3339_utc(253_402_300_800), "10000-01-01T00:00:00Z");
        for (bad, why) in [
            ("2017-02-29T00:00:00Z", "day out of range"),
            ("2017-13-01T00:00:00Z", "month out of range"),
            ("2017-01-01 00:00:00Z", "time introducer"),
            ("2017-01-01T00:00:00+24:00", "offset out of range"),
            ("2017-01-01T00:00:00", "UTC offset"),
        ] {
            let e = Time::parse_rfc3339(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
