//! `infra drift` for people: the plan's drift layout (attribute-level
//! before → after, multi-line strings as unified diffs, sensitive values
//! redacted), failing checks, accepted and expired ignores, pending
//! configuration changes, errors and the summary line.

use super::{
    check_message, entry_note, expired_notes, failing_checks, ignored_items, marker, pending_line,
};
use crate::render::markdown::plural;
use crate::render::plan::{Style, drifted_block};
use infra_engine::drift::{ChangeCause, DriftKind, DriftReport, ResourceDrift};
use std::fmt::Write;

/// The `~ resource "T" "N" { ... }` block of a changed object with only
/// the attributes that count, at column 2.
pub(super) fn changed_block(out: &mut String, d: &ResourceDrift, style: Style) {
    if let Some(diff) = d.reported_diff() {
        drifted_block(out, &d.address, &diff, style);
    }
}

/// The report for people.
pub fn human(report: &DriftReport, style: Style) -> String {
    let mut out = String::new();
    let state = match report.serial {
        Some(s) => format!("state serial {s}"),
        None => "no state yet".to_string(),
    };
    let _ = writeln!(
        out,
        "infra drift: read {} in state ({state}) and compared {} with what infra recorded.\n",
        plural(report.checked, "object", "objects"),
        if report.checked == 1 { "it" } else { "them" }
    );
    if let Some((c, _)) = &report.coverage {
        let _ = writeln!(out, "{}\n", coverage_line(c));
    }
    let shown: Vec<&ResourceDrift> = report.drift.iter().filter(|d| d.counts()).collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "{}\n", style.bold("Objects changed outside infra:"));
        for d in shown {
            match d.kind {
                DriftKind::Missing => {
                    let _ = writeln!(out, "  # {} has been deleted outside infra", d.address);
                }
                DriftKind::Changed => {
                    let _ = writeln!(out, "  # {} has changed", d.address);
                    changed_block(&mut out, d, style);
                }
            }
            for note in expired_notes(report, d) {
                let _ = writeln!(out, "    # reported again: ignore entry expired ({note})");
            }
            let _ = writeln!(out);
        }
    }
    let failing = failing_checks(report);
    if !failing.is_empty() {
        let _ = writeln!(out, "{}\n", style.bold("Failing checks:"));
        for c in failing {
            let _ = writeln!(
                out,
                "  {}: {}",
                c.address,
                check_message(&c.status).unwrap_or_default()
            );
        }
        let _ = writeln!(out);
    }
    let ignored = ignored_items(report);
    if !ignored.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            style.bold("Accepted drift (not counted; see .infradriftignore):")
        );
        for (what, hit) in ignored {
            let _ = writeln!(out, "  {what}  ({})", entry_note(report, hit));
        }
        let _ = writeln!(out);
    }
    match &report.pending {
        None => {
            let _ = writeln!(
                out,
                "Configuration changes not yet applied: unknown (the configuration could not be planned; see the errors).\n"
            );
        }
        Some(pending) => {
            let code: Vec<_> = pending.iter().filter(|p| p.cause.configuration()).collect();
            if !code.is_empty() {
                let _ = writeln!(
                    out,
                    "{}\n",
                    style.bold(
                        "Configuration changes not yet applied (the code changed, not the objects):"
                    )
                );
                for p in code {
                    let _ = writeln!(
                        out,
                        "  {} {}",
                        style.marker(marker(p.action)),
                        pending_line(p)
                    );
                }
                let _ = writeln!(out);
            }
            let undo: Vec<String> = pending
                .iter()
                .filter(|p| matches!(p.cause, ChangeCause::Drift | ChangeCause::Both))
                .map(|p| p.address.to_string())
                .collect();
            if !undo.is_empty() {
                let _ = writeln!(
                    out,
                    "`infra apply` would undo the drift of: {}.\n",
                    undo.join(", ")
                );
            }
        }
    }
    let expired: Vec<_> = report.ignores.iter().filter(|u| u.expired).collect();
    if !expired.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            style.bold("Expired ignore entries (their drift is reported again):")
        );
        for u in expired {
            let _ = writeln!(
                out,
                "  line {}: {}  # {}  (until {})",
                u.entry.line,
                u.entry.text,
                u.entry.reason,
                u.entry.until.map(|d| d.to_string()).unwrap_or_default()
            );
        }
        let _ = writeln!(out);
    }
    if !report.errors.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            style.paint(
                "31",
                &format!(
                    "{} (details on standard error):",
                    plural(report.errors.len(), "error", "errors")
                )
            )
        );
        for e in &report.errors {
            let _ = writeln!(out, "  {}", e.diagnostic.message);
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "{}", style.bold(&report.summary()));
    out
}

/// "Coverage: read 10 of 100 objects this run (budget 10%); 90 not read
/// this run, none never read, oldest read 3 d ago; a run of this budget
/// every time covers every object within 10 runs."
fn coverage_line(c: &infra_engine::drift::coverage::Coverage) -> String {
    use crate::render::refresh::{age, grouped};
    let mut out = format!(
        "Coverage: read {} of {} this run (budget {})",
        grouped(c.read),
        plural(c.total, "object", "objects"),
        c.budget
    );
    if c.never_read > 0 {
        out.push_str(&format!("; {} never read", grouped(c.never_read)));
    }
    if let Some(t) = c.oldest_read {
        let ago = infra_engine::state::now_secs() - t;
        out.push_str(&format!("; oldest read {} ago", age(ago)));
    }
    out.push_str(&format!(
        "; every object is read within {} runs of this budget.",
        grouped(c.runs_to_cover)
    ));
    out
}
