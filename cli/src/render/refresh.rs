//! The line a plan that read selectively (`--refresh=auto`, `--target`)
//! prints about what it read and did not, and the ages it shows (shared
//! with `infra drift --budget`'s coverage line).

use infra_engine::plan::{ReadReason, RefreshReport};

/// `1234567` as `1,234,567`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A non-negative age in seconds, rounded down to its largest unit:
/// `45 s`, `3 min`, `5 h`, `2 d`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

/// `objects` with its count: `1 object`, `1,000 objects`.
fn objects(n: usize) -> String {
    if n == 1 {
        "1 object".into()
    } else {
        format!("{} objects", grouped(n))
    }
}

/// "Refreshed 14 of 1,000 objects (12 changed or depended on, 2
/// stalest); 986 not read, last read 3 h to 2 d ago." for `r` at `now`
/// (seconds since the Unix epoch).
pub fn line(r: &RefreshReport, now: i64) -> String {
    let of = |reasons: &[ReadReason]| reasons.iter().map(|x| r.count(*x)).sum::<usize>();
    let mut why = Vec::new();
    for (n, text) in [
        (
            of(&[
                ReadReason::Changed,
                ReadReason::Configuration,
                ReadReason::Dependency,
                ReadReason::Replanned,
            ]),
            "changed or depended on",
        ),
        (of(&[ReadReason::Target]), "targeted"),
        (of(&[ReadReason::MaxAge]), "older than the maximum age"),
        (of(&[ReadReason::Stalest]), "stalest"),
    ] {
        if n > 0 {
            why.push(format!("{} {text}", grouped(n)));
        }
    }
    let mut out = format!(
        "Refreshed {} of {}",
        grouped(r.read.len()),
        objects(r.total)
    );
    if !why.is_empty() {
        out.push_str(&format!(" ({})", why.join(", ")));
    }
    if r.not_read() == 0 {
        out.push_str("; every object read.");
        return out;
    }
    out.push_str(&format!("; {} not read", grouped(r.not_read())));
    if let Some((oldest, newest)) = r.not_read_span {
        let (young, old) = (age(now - newest), age(now - oldest));
        if young == old {
            out.push_str(&format!(", last read {old} ago"));
        } else {
            out.push_str(&format!(", last read {young} to {old} ago"));
        }
    }
    if r.not_read_never > 0 {
        out.push_str(&format!(", {} never read", grouped(r.not_read_never)));
    }
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ages_read_as_people_write_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(986), "986");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(age(59), "59 s");
        assert_eq!(age(3 * 3600 + 5), "3 h");
        assert_eq!(age(2 * 86_400 + 7), "2 d");
    }
}
