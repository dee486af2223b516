//! The drift report (`infra drift`) in its three forms, one file each:
//! for people (`human.rs`), as Markdown ready to post to an issue
//! (`markdown.rs`), and as the versioned JSON document of docs/drift.md
//! (`json.rs`); what they share (ignore notes, pending lines) is here.

mod human;
mod json;
mod markdown;

pub use human::human;
pub use json::json;
pub use markdown::markdown;

use infra_engine::addr::ResourceAddress;
use infra_engine::drift::ignore::Subject;
use infra_engine::drift::{
    DriftCheck, DriftKind, DriftReport, IgnoreHit, ResourceDrift, path_string,
};
use infra_engine::eval::CheckStatus;
use infra_engine::plan::Action;
use std::fmt::Write;

/// The version of the `--json` document (docs/drift.md); bumped when a
/// field changes meaning or goes away, not when one is added.
pub const FORMAT_VERSION: &str = "1";

/// What the report says about the run itself.
pub struct Meta<'a> {
    /// The infra version, e.g. `0.1.0`.
    pub version: &'a str,
    /// When the run started, RFC 3339 UTC (`2025-06-30T14:05:09Z`).
    pub time: &'a str,
    /// The exit code the run ends with (0, 1 or 2).
    pub exit_code: i32,
    /// The workspace whose state was read.
    pub workspace: &'a str,
}

/// The action's marker (shared with the human plan); a space for no-op.
fn marker(a: Action) -> &'static str {
    match super::plan::action_marker(a) {
        "" => " ",
        m => m,
    }
}

/// `local_file.page.content`, `x.y.tags["a.b"]`, or the address alone
/// for an empty path.
fn join(addr: &ResourceAddress, path: &str) -> String {
    if path.is_empty() {
        addr.to_string()
    } else if path.starts_with('[') {
        format!("{addr}{path}")
    } else {
        format!("{addr}.{path}")
    }
}

/// `(line 3: reason; until 2025-12-31)`.
fn entry_note(report: &DriftReport, hit: IgnoreHit) -> String {
    let Some(u) = report.ignores.get(hit.entry) else {
        return String::new();
    };
    let until = match u.entry.until {
        Some(d) if hit.expired => format!("; expired after {d}"),
        Some(d) => format!("; until {d}"),
        None => String::new(),
    };
    format!(
        "{} line {}: {}{until}",
        infra_engine::drift::IGNORE_FILE,
        u.entry.line,
        u.entry.reason
    )
}

/// The notes of the ignore entries of `d` that expired (see
/// [`entry_note`]).
fn expired_notes(report: &DriftReport, d: &ResourceDrift) -> Vec<String> {
    d.expired_ignores()
        .into_iter()
        .map(|entry| {
            entry_note(
                report,
                IgnoreHit {
                    entry,
                    expired: true,
                },
            )
        })
        .collect()
}

/// The checks that fail and count (not ignored, or ignored past expiry).
fn failing_checks(report: &DriftReport) -> Vec<&DriftCheck> {
    report
        .checks
        .iter()
        .flatten()
        .filter(|c| c.failing())
        .collect()
}

/// What an ignore entry accepted in this run: `(what, hit)` pairs.
fn ignored_items(report: &DriftReport) -> Vec<(String, IgnoreHit)> {
    let mut out = Vec::new();
    for d in &report.drift {
        match d.kind {
            DriftKind::Missing => {
                if let Some(h) = d.ignore.filter(|h| !h.expired) {
                    out.push((format!("{} (missing)", d.address), h));
                }
            }
            DriftKind::Changed => {
                // One line per entry that accepted some of its attributes.
                let mut hits: Vec<IgnoreHit> = d
                    .attributes
                    .iter()
                    .filter_map(|a| a.ignore.filter(|h| !h.expired))
                    .collect();
                hits.sort_by_key(|h| h.entry);
                hits.dedup();
                for h in hits {
                    let path = match report.ignores.get(h.entry).map(|u| &u.entry.subject) {
                        Some(Subject::Resource { path, .. }) => path_string(path),
                        _ => String::new(),
                    };
                    let what = if path.is_empty() {
                        format!("{} (changed)", d.address)
                    } else {
                        join(&d.address, &path)
                    };
                    out.push((what, h));
                }
            }
        }
    }
    for c in report.checks.iter().flatten() {
        if let (CheckStatus::Fail(_), Some(h)) = (&c.status, c.ignore)
            && !h.expired
        {
            out.push((format!("{} (failing)", c.address), h));
        }
    }
    out
}

fn check_message(s: &CheckStatus) -> Option<&str> {
    match s {
        CheckStatus::Fail(m) => Some(m),
        _ => None,
    }
}

fn pending_line(p: &infra_engine::drift::PendingChange) -> String {
    let mut s = format!("{} ({}", p.address, p.action.as_str());
    if !p.attributes.is_empty() {
        let _ = write!(s, ": {}", p.attributes.join(", "));
    }
    s.push(')');
    s
}
