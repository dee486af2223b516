//! `.infradriftignore`: drift that is known and accepted. One entry per
//! line, `ENTRY  # REASON  [until=YYYY-MM-DD]`, where ENTRY is a resource
//! or module address, optionally followed by an attribute path
//! (`aws_s3_bucket.logs.tags.owner`), or a check address (`check.NAME`).
//! The `until=` dates and report times come from `infra_stdlib::time`.

use crate::addr::{ResourceAddress, Target};
use infra_lang::Diagnostic;
use std::path::Path;

pub use infra_stdlib::time::{Date, rfc3339};

/// The ignore file's name, in the configuration directory.
pub const IGNORE_FILE: &str = ".infradriftignore";

/// What an ignore entry covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Resource instances (a module, a resource or one instance), and
    /// within them the attribute at `path` and everything under it (every
    /// attribute when `path` is empty).
    Resource {
        /// The instances.
        target: Target,
        /// Attribute path steps (`["tags", "owner"]`); empty for all.
        path: Vec<String>,
    },
    /// The `check` block assertion(s) with this address (`check.NAME`,
    /// `module.web.check.NAME`).
    Check(String),
}

/// One line of `.infradriftignore`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// The entry as written (before the `#`), trimmed.
    pub text: String,
    /// What it covers.
    pub subject: Subject,
    /// Why the drift is accepted (required).
    pub reason: String,
    /// The last day it applies (UTC, inclusive); `None`: no expiry.
    pub until: Option<Date>,
    /// Its line in the file, from 1.
    pub line: usize,
}

impl IgnoreEntry {
    /// True when `until` has passed on `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.until.is_some_and(|u| today > u)
    }

    /// True when this entry covers attribute `path` of instance `addr`
    /// (an empty `path`: the whole instance, e.g. a missing object).
    pub fn covers(&self, addr: &ResourceAddress, path: &[String]) -> bool {
        match &self.subject {
            Subject::Resource { target, path: p } => {
                target.matches(addr) && p.len() <= path.len() && path[..p.len()] == p[..]
            }
            Subject::Check(_) => false,
        }
    }

    /// True when this entry covers the check with address `address`.
    pub fn covers_check(&self, address: &str) -> bool {
        matches!(&self.subject, Subject::Check(a) if a == address)
    }
}

/// The entries of `.infradriftignore`, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The entries.
    pub entries: Vec<IgnoreEntry>,
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// An attribute path as written in reports and in the ignore file:
/// `tags.owner`, `tags["kubernetes.io/role"]`; empty for the whole object.
pub fn path_string(path: &[String]) -> String {
    let mut out = String::new();
    for (i, step) in path.iter().enumerate() {
        if is_ident(step) {
            if i > 0 {
                out.push('.');
            }
            out.push_str(step);
        } else {
            out.push('[');
            out.push_str(&serde_json::to_string(step).unwrap_or_else(|_| format!("\"{step}\"")));
            out.push(']');
        }
    }
    out
}

/// Parses an attribute path written by [`path_string`].
///
/// # Errors
/// A step that is neither a name nor a `["quoted key"]`.
pub fn parse_path(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let mut de = serde_json::Deserializer::from_str(r).into_iter::<String>();
            let key = match de.next() {
                Some(Ok(k)) => k,
                _ => return Err(format!("expected a quoted key after `[` in `{text}`")),
            };
            let after = &r[de.byte_offset()..];
            let Some(after) = after.strip_prefix(']') else {
                return Err(format!("expected `]` after a key in `{text}`"));
            };
            out.push(key);
            rest = after;
        } else {
            if !first {
                let Some(r) = rest.strip_prefix('.') else {
                    return Err(format!("expected `.` or `[` in `{text}`"));
                };
                rest = r;
            }
            let len = rest.find(['.', '[']).unwrap_or(rest.len());
            let name = &rest[..len];
            if !is_ident(name) {
                return Err(format!("`{name}` is not an attribute name (in `{text}`)"));
            }
            out.push(name.to_string());
            rest = &rest[len..];
        }
        first = false;
    }
    Ok(out)
}

/// Byte offsets of the `.`s of `text` outside `[...]` and quoted strings.
fn top_level_dots(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for (i, c) in text.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => out.push(i),
            _ => {}
        }
    }
    out
}

/// Splits an entry into what it covers: the shortest prefix that is a
/// resource address, then the attribute path; or a module address alone;
/// or a check address.
fn parse_subject(text: &str) -> Result<Subject, String> {
    let mut cuts = top_level_dots(text);
    cuts.push(text.len());
    for cut in cuts {
        let Ok(target) = Target::parse(&text[..cut]) else {
            continue;
        };
        let rest = text.get(cut + 1..).unwrap_or("");
        match &target.resource {
            Some((_, t, _, _)) if t == "check" => {
                if !rest.is_empty() {
                    return Err(format!(
                        "`{text}`: a check is ignored as a whole, without an attribute path"
                    ));
                }
                return Ok(Subject::Check(text.to_string()));
            }
            Some(_) => {
                return Ok(Subject::Resource {
                    target,
                    path: parse_path(rest)?,
                });
            }
            None if rest.is_empty() => {
                return Ok(Subject::Resource {
                    target,
                    path: Vec::new(),
                });
            }
            None => {}
        }
    }
    Err(format!(
        "`{text}` is not a resource address, a resource address with an attribute path, a module or a check"
    ))
}

/// The byte offset of the first `#` of `line` outside quoted strings.
fn comment_start(line: &str) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in line.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '#' => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_line(line: &str, number: usize) -> Result<Option<IgnoreEntry>, String> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let Some(hash) = comment_start(trimmed) else {
        return Err(format!(
            "`{trimmed}` has no reason: write `ENTRY  # REASON` (optionally ending with `until=YYYY-MM-DD`)"
        ));
    };
    let text = trimmed[..hash].trim();
    let mut comment = trimmed[hash + 1..].trim();
    let mut until = None;
    let last = comment.rsplit(char::is_whitespace).next().unwrap_or("");
    if let Some(date) = last.strip_prefix("until=") {
        until = Some(Date::parse(date)?);
        comment = comment[..comment.len() - last.len()].trim();
    }
    if comment.is_empty() {
        return Err(format!(
            "`{text}` has no reason: say after the `#` why this drift is accepted"
        ));
    }
    let subject = parse_subject(text)?;
    Ok(Some(IgnoreEntry {
        text: text.to_string(),
        subject,
        reason: comment.to_string(),
        until,
        line: number,
    }))
}

impl IgnoreFile {
    /// Parses the text of an ignore file. `name` is used in messages.
    ///
    /// # Errors
    /// One `drift::ignore-file` error per bad line (line number, what is
    /// wrong): an entry that is not an address, a missing reason, a bad
    /// `until=` date.
    pub fn parse(text: &str, name: &str) -> Result<IgnoreFile, Vec<Diagnostic>> {
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            match parse_line(line, i + 1) {
                Ok(Some(e)) => entries.push(e),
                Ok(None) => {}
                Err(m) => errors.push(
                    Diagnostic::error("drift::ignore-file", format!("{name} line {}: {m}", i + 1))
                        .with_help("Each line is `ADDRESS[.attribute.path]  # reason  until=YYYY-MM-DD` (until= optional); see docs/drift.md."),
                ),
            }
        }
        if errors.is_empty() {
            Ok(IgnoreFile { entries })
        } else {
            Err(errors)
        }
    }

    /// Reads [`IGNORE_FILE`] in `root`; empty when there is none.
    ///
    /// # Errors
    /// The file exists but cannot be read (`drift::ignore-file`), or does
    /// not parse (see [`IgnoreFile::parse`]).
    pub fn load(root: &Path) -> Result<IgnoreFile, Vec<Diagnostic>> {
        let path = root.join(IGNORE_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => IgnoreFile::parse(&text, IGNORE_FILE),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IgnoreFile::default()),
            Err(e) => Err(vec![Diagnostic::error(
                "drift::ignore-file",
                format!("cannot read {}: {e}", path.display()),
            )]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> ResourceAddress {
        ResourceAddress::parse(s).expect("address")
    }

    fn path(s: &str) -> Vec<String> {
        parse_path(s).expect("path")
    }

    #[test]
    fn paths_round_trip() {
        for p in [
            "tags",
            "tags.owner",
            "tags[\"kubernetes.io/role\"]",
            "a.b-c.d_e",
        ] {
            assert_eq!(path_string(&path(p)), p);
        }
        assert_eq!(path("tags[\"a.b\"].x"), vec!["tags", "a.b", "x"]);
        assert!(parse_path("tags..x").is_err());
        assert!(parse_path("tags[0]").is_err());
    }

    #[test]
    fn entries() {
        let f = IgnoreFile::parse(
            "# accepted drift\n\n\
             aws_s3_bucket.logs.tags.owner  # set by the cost tool  until=2025-12-31\n\
             local_file.page[\"a#b\"]   # hand-edited on purpose\n\
             module.web  # the web team owns it\n\
             check.health # flaky upstream until=2000-01-01\n",
            "f",
        )
        .expect("parses");
        assert_eq!(f.entries.len(), 4);
        let e = &f.entries[0];
        assert_eq!(e.reason, "set by the cost tool");
        assert_eq!(e.until, Some(Date::parse("2025-12-31").expect("date")));
        assert_eq!(e.line, 3);
        assert!(e.covers(&addr("aws_s3_bucket.logs"), &path("tags.owner")));
        assert!(e.covers(&addr("aws_s3_bucket.logs"), &path("tags.owner.x")));
        assert!(!e.covers(&addr("aws_s3_bucket.logs"), &path("tags")));
        assert!(!e.covers(&addr("aws_s3_bucket.logs"), &path("tags.owners")));
        assert!(!e.covers(&addr("aws_s3_bucket.other"), &path("tags.owner")));
        assert!(e.expired(Date::parse("2026-01-01").expect("date")));
        assert!(!e.expired(Date::parse("2025-12-31").expect("date")));
        let e = &f.entries[1];
        assert_eq!(e.reason, "hand-edited on purpose");
        assert!(e.covers(&addr("local_file.page[\"a#b\"]"), &[]));
        assert!(!e.covers(&addr("local_file.page[\"c\"]"), &[]));
        assert!(f.entries[2].covers(&addr("module.web.local_file.x"), &path("content")));
        assert!(f.entries[3].covers_check("check.health"));
        assert_eq!(f.entries[3].reason, "flaky upstream");
        assert!(f.entries[3].expired(Date::today_utc()));
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let errs = IgnoreFile::parse(
            "local_file.a\nlocal_file.b #\nlocal_file.c # r until=2025-13-01\nnot an address # r\ncheck.x.y # r\n",
            ".infradriftignore",
        )
        .expect_err("bad");
        let msgs: Vec<&str> = errs.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 5, "{msgs:#?}");
        assert!(
            msgs[0].starts_with(".infradriftignore line 1: "),
            "{msgs:?}"
        );
        assert!(msgs[0].contains("no reason"));
        assert!(msgs[1].contains("no reason"));
        assert!(msgs[2].contains("not a date"));
        assert!(msgs[3].contains("is not a resource address"));
        assert!(msgs[4].contains("check is ignored as a whole"));
    }
}
