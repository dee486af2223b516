//! Built-in date and time functions on RFC 3339 timestamps: `formatdate`,
//! `timeadd`, `timecmp`. Timestamps are read and written by `crate::time`
//! (Go's RFC 3339 rules) and keep their UTC offset; `formatdate`'s layout
//! language is Terraform's own, so it is interpreted here by hand.

use super::ex;
use crate::args::string;
use crate::time::Time;
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

fn time_arg(args: &[Value], i: usize) -> Result<Time, FnError> {
    let s = string(args, i)?;
    Time::parse_rfc3339(&s).map_err(|m| {
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
        let month = MONTHS[usize::from(f.month.saturating_sub(1)) % 12];
        let weekday = WEEKDAYS[usize::from(f.weekday) % 7];
        match (c, n) {
            ('Y', 2) => num(&mut out, f.year % 100),
            ('Y', 4) => {
                let _ = write!(out, "{:04}", f.year);
            }
            ('Y', _) => return Err(verb_error(&tok, ": the year is YY or YYYY")),
            ('M', 1 | 2) => num(&mut out, i64::from(f.month)),
            ('M', 3) => out.push_str(&month[..3]),
            ('M', 4) => out.push_str(month),
            ('M', _) => return Err(verb_error(&tok, ": the month is M, MM, MMM or MMMM")),
            ('D', 1 | 2) => num(&mut out, i64::from(f.day)),
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
