//! Built-in date and time functions on RFC 3339 timestamps: `formatdate`,
//! `timeadd`, `timecmp`. Timestamps are parsed as Go's `time.Parse` with
//! the RFC 3339 layout does, and keep their UTC offset.

use super::ex;
use crate::args::string;
use crate::{Builtin, FnContext, FnError, Returns};
use infra_lang::Value;
use std::cmp::Ordering;
use std::fmt::Write as _;

/// The date and time functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin {
        name: "formatdate",
        group: "datetime",
        summary: "Formats an RFC 3339 timestamp: YYYY/YY year, MMMM/MMM/MM/M month, DD/D day, EEEE/EEE weekday, hh/h hour, HH/H 12-hour, AA/aa AM/PM, mm/m minute, ss/s second, ZZZZZ/ZZZZ/ZZZ/Z offset, 'quoted' text.",
        examples: &[
            ex(
                r#"formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")"#,
                r#""02 Jan 2018 23:12 UTC""#,
            ),
            ex(
                r#"formatdate("EEEE, h:mm AA", "2018-01-02T15:04:05-08:00")"#,
                r#""Tuesday, 15:04 PM""#,
            ),
        ],
        returns: Returns::String,
        raw: false,
        run: formatdate,
    },
    Builtin {
        name: "timeadd",
        group: "datetime",
        summary: "Adds a duration (Go syntax: \"1h30m\", \"-10s\", \"1.5h\"; units ns, us, ms, s, m, h) to an RFC 3339 timestamp, keeping its offset; fractional seconds are dropped.",
        examples: &[
            ex(
                r#"timeadd("2017-11-22T00:00:00Z", "10m")"#,
                r#""2017-11-22T00:10:00Z""#,
            ),
            ex(
                r#"timeadd("2017-11-22T00:00:00+01:00", "-1h30m")"#,
                r#""2017-11-21T22:30:00+01:00""#,
            ),
        ],
        returns: Returns::String,
        raw: false,
        run: timeadd,
    },
    Builtin {
        name: "timecmp",
        group: "datetime",
        summary: "Compares two RFC 3339 timestamps as instants: -1, 0 or 1.",
        examples: &[
            ex(
                r#"timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00+01:00")"#,
                "0",
            ),
            ex(
                r#"timecmp("2017-11-22T00:00:00Z", "2017-11-23T00:00:00Z")"#,
                "-1",
            ),
        ],
        returns: Returns::Number,
        raw: false,
        run: timecmp,
    },
];

/// An instant with the UTC offset it was written with.
#[derive(Clone, Copy, Debug)]
struct Time {
    /// Seconds since 1970-01-01T00:00:00Z.
    secs: i64,
    /// Nanoseconds within the second.
    nanos: u32,
    /// UTC offset in seconds.
    offset: i64,
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Local calendar fields of a time, in its own offset.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    weekday: usize,
    hour: i64,
    minute: i64,
    second: i64,
}

impl Time {
    fn fields(&self) -> Fields {
        let local = self.secs + self.offset;
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Fields {
            year,
            month,
            day,
            weekday: usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0),
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }

    /// The offset as `+hh:mm` (`sep` ":") or `+hhmm` (`sep` "").
    fn offset_string(&self, sep: &str) -> String {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let m = self.offset.abs() / 60;
        format!("{sign}{:02}{sep}{:02}", m / 60, m % 60)
    }

    fn rfc3339(&self) -> String {
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

fn invalid(msg: impl std::fmt::Display) -> String {
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

/// Parses an RFC 3339 timestamp such as `2006-01-02T15:04:05.999Z` or
/// `2006-01-02T15:04:05+07:00`.
fn parse(ts: &str) -> Result<Time, String> {
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
            nanos =
                d.parse::<u32>().unwrap_or(0) * 10u32.pow(9 - u32::try_from(d.len()).unwrap_or(9));
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
    if day < 1 || day > days_in_month(year, month) {
        return Err(invalid("day out of range"));
    }
    if hour > 23 {
        return Err(invalid("hour out of range"));
    }
    if minute > 59 {
        return Err(invalid("minute out of range"));
    }
    if second > 59 {
        return Err(invalid("second out of range"));
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok(Time {
        secs: local - offset,
        nanos,
        offset,
    })
}

fn time_arg(args: &[Value], i: usize) -> Result<Time, FnError> {
    let s = string(args, i)?;
    parse(&s).map_err(|m| {
        FnError::arg(i, m).with_help("Write timestamps as RFC 3339, e.g. \"2018-01-02T23:12:01Z\".")
    })
}

fn formatdate(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let format = string(&args, 0)?;
    let t = time_arg(&args, 1)?;
    let f = t.fields();
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    let verb_error = |tok: &str, why: &str| {
        FnError::arg(0, format!("invalid date format verb {tok:?}{why}"))
            .with_help("Quote literal letters: 'at'.")
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a quote; 'text' is literal, with '' inside for a quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut closed = false;
            while j < chars.len() {
                if chars[j] == '\'' {
                    if chars.get(j + 1) == Some(&'\'') {
                        j += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                j += 1;
            }
            if !closed {
                return Err(FnError::arg(0, "unterminated literal: a ' is not closed")
                    .with_help("Close quoted text with ', and write '' for a quote."));
            }
            out.push_str(
                &chars[i + 1..j]
                    .iter()
                    .collect::<String>()
                    .replace("''", "'"),
            );
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|&&d| d == c).count();
        let tok: String = chars[i..i + n].iter().collect();
        i += n;
        let num = |out: &mut String, v: i64| match n {
            1 => {
                let _ = write!(out, "{v}");
            }
            _ => {
                let _ = write!(out, "{v:02}");
            }
        };
        let month = MONTHS[usize::try_from(f.month - 1).unwrap_or(0) % 12];
        let weekday = WEEKDAYS[f.weekday % 7];
        match (c, n) {
            ('Y', 2) => num(&mut out, f.year % 100),
            ('Y', 4) => {
                let _ = write!(out, "{:04}", f.year);
            }
            ('Y', _) => return Err(verb_error(&tok, ": the year is YY or YYYY")),
            ('M', 1 | 2) => num(&mut out, f.month),
            ('M', 3) => out.push_str(&month[..3]),
            ('M', 4) => out.push_str(month),
            ('M', _) => return Err(verb_error(&tok, ": the month is M, MM, MMM or MMMM")),
            ('D', 1 | 2) => num(&mut out, f.day),
            ('D', _) => return Err(verb_error(&tok, ": the day of month is D or DD")),
            ('E', 3) => out.push_str(&weekday[..3]),
            ('E', 4) => out.push_str(weekday),
            ('E', _) => return Err(verb_error(&tok, ": the day of week is EEE or EEEE")),
            ('h', 1 | 2) => num(&mut out, f.hour),
            ('h', _) => return Err(verb_error(&tok, ": the 24-hour hour is h or hh")),
            ('H', 1 | 2) => num(&mut out, if f.hour % 12 == 0 { 12 } else { f.hour % 12 }),
            ('H', _) => return Err(verb_error(&tok, ": the 12-hour hour is H or HH")),
            ('A' | 'a', 2) => {
                let pm = f.hour >= 12;
                out.push_str(match (c, pm) {
                    ('A', false) => "AM",
                    ('A', true) => "PM",
                    (_, false) => "am",
                    (_, true) => "pm",
                });
            }
            ('A' | 'a', _) => return Err(verb_error(&tok, &format!(": write {c}{c}"))),
            ('m', 1 | 2) => num(&mut out, f.minute),
            ('m', _) => return Err(verb_error(&tok, ": the minute is m or mm")),
            ('s', 1 | 2) => num(&mut out, f.second),
            ('s', _) => return Err(verb_error(&tok, ": the second is s or ss")),
            ('Z', 1) if t.offset == 0 => out.push('Z'),
            ('Z', 1 | 5) => out.push_str(&t.offset_string(":")),
            ('Z', 3) if t.offset == 0 => out.push_str("UTC"),
            ('Z', 3 | 4) => out.push_str(&t.offset_string("")),
            ('Z', _) => return Err(verb_error(&tok, ": the time zone is Z, ZZZ, ZZZZ or ZZZZZ")),
            _ => return Err(verb_error(&tok, "")),
        }
    }
    Ok(Value::String(out))
}

fn timeadd(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let t = time_arg(&args, 0)?;
    let d = string(&args, 1)?;
    let ns = crate::duration::parse_go(&d).map_err(|m| {
        FnError::arg(1, m).with_help("Write durations as Go does: \"1h30m\", \"-10s\", \"1.5h\" (units ns, us, ms, s, m, h).")
    })?;
    let total = i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos) + ns;
    let secs = i64::try_from(total.div_euclid(1_000_000_000))
        .map_err(|_| FnError::arg(1, "the resulting time is out of range"))?;
    let nanos = u32::try_from(total.rem_euclid(1_000_000_000)).unwrap_or(0);
    let r = Time {
        secs,
        nanos,
        offset: t.offset,
    };
    Ok(Value::String(r.rfc3339()))
}

fn timecmp(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let a = time_arg(&args, 0)?;
    let b = time_arg(&args, 1)?;
    Ok(Value::int(
        match (a.secs, a.nanos).cmp(&(b.secs, b.nanos)) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        },
    ))
}

/// `secs` since the Unix epoch as an RFC 3339 UTC timestamp:
/// `2026-11-21T09:30:00Z`.
pub fn rfc3339_utc(secs: i64) -> String {
    Time {
        secs,
        nanos: 0,
        offset: 0,
    }
    .rfc3339()
}
