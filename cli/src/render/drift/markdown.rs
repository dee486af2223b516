//! `infra drift --format markdown`: the report ready to post to an issue
//! or a pull request.

use super::human::changed_block;
use super::{Meta, check_message, entry_note, expired_notes, failing_checks, ignored_items};
use crate::render::markdown::{cell, code, fenced, html, plural};
use crate::render::plan::Style;
use infra_engine::drift::{DriftKind, DriftReport, ResourceDrift};
use std::fmt::Write;

/// The report as Markdown for an issue or a pull request: the summary
/// first, a table of what drifted, then each object's details in a
/// `<details>` block; failing checks, pending configuration changes,
/// accepted and expired ignores, and errors after.
pub fn markdown(report: &DriftReport, meta: &Meta<'_>) -> String {
    let mut out = String::new();
    let plain = Style::new(false);
    if meta.workspace == infra_engine::state::workspaces::DEFAULT {
        let _ = writeln!(out, "## infra drift report\n");
    } else {
        let _ = writeln!(
            out,
            "## infra drift report — workspace {}\n",
            code(meta.workspace)
        );
    }
    let _ = writeln!(out, "**{}**\n", report.summary());
    let state = match (&report.serial, &report.lineage) {
        (Some(s), Some(l)) => format!("state serial {s} (lineage {})", code(l)),
        _ => "no state yet".to_string(),
    };
    let _ = writeln!(
        out,
        "Read {} in {state} at {} with infra {}; exit code {}.\n",
        plural(report.checked, "object", "objects"),
        meta.time,
        meta.version,
        meta.exit_code
    );
    let shown: Vec<&ResourceDrift> = report.drift.iter().filter(|d| d.counts()).collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "| Resource | Drift | Attributes |\n|---|---|---|");
        for d in &shown {
            let attrs: Vec<String> = d
                .attributes
                .iter()
                .filter(|a| a.counts())
                .map(|a| code(&a.path_string()))
                .collect();
            let mut kind = d.kind.as_str().to_string();
            if !d.expired_ignores().is_empty() {
                kind.push_str(" (ignore expired)");
            }
            let _ = writeln!(
                out,
                "| {} | {kind} | {} |",
                cell(&code(&d.address.to_string())),
                cell(&attrs.join(", "))
            );
        }
        let _ = writeln!(out);
        for d in &shown {
            let what = match d.kind {
                DriftKind::Missing => "deleted outside infra".to_string(),
                DriftKind::Changed => format!(
                    "changed ({})",
                    plural(
                        d.attributes.iter().filter(|a| a.counts()).count(),
                        "attribute",
                        "attributes"
                    )
                ),
            };
            let _ = writeln!(
                out,
                "<details>\n<summary><code>{}</code> {what}</summary>\n",
                html(&d.address.to_string())
            );
            match d.kind {
                DriftKind::Missing => {
                    let _ = writeln!(
                        out,
                        "The object recorded in state no longer exists. `infra apply` would create it again; `infra state rm` forgets it.\n"
                    );
                }
                DriftKind::Changed => {
                    let mut body = String::new();
                    changed_block(&mut body, d, plain);
                    let body: String = body
                        .lines()
                        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
                        .collect();
                    fenced(&mut out, "", &body);
                    let _ = writeln!(out);
                }
            }
            for note in expired_notes(report, d) {
                let _ = writeln!(out, "Reported again: the ignore entry expired ({note}).\n");
            }
            let _ = writeln!(out, "</details>\n");
        }
    }
    let failing = failing_checks(report);
    if !failing.is_empty() {
        let _ = writeln!(out, "### Failing checks\n\n| Check | Message |\n|---|---|");
        for c in failing {
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell(&code(&c.address)),
                cell(check_message(&c.status).unwrap_or_default())
            );
        }
        let _ = writeln!(out);
    }
    match &report.pending {
        None => {
            let _ = writeln!(
                out,
                "### Configuration changes not yet applied\n\nUnknown: the configuration could not be planned (see the errors).\n"
            );
        }
        Some(pending) if !pending.is_empty() => {
            let _ = writeln!(
                out,
                "### Pending changes\n\nWhat `infra apply` would do now. *Cause* `configuration`: the code changed; `drift`: apply would undo the drift above.\n\n| Resource | Action | Cause | Attributes |\n|---|---|---|---|"
            );
            for p in pending {
                let attrs: Vec<String> = p.attributes.iter().map(|a| code(a)).collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    cell(&code(&p.address.to_string())),
                    p.action.as_str(),
                    p.cause.as_str(),
                    cell(&attrs.join(", "))
                );
            }
            let _ = writeln!(out);
        }
        Some(_) => {}
    }
    let ignored = ignored_items(report);
    if !ignored.is_empty() {
        let _ = writeln!(
            out,
            "### Accepted drift\n\nListed in `.infradriftignore`; not counted.\n\n| What | Why |\n|---|---|"
        );
        for (what, hit) in ignored {
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell(&code(&what)),
                cell(&entry_note(report, hit))
            );
        }
        let _ = writeln!(out);
    }
    let expired: Vec<_> = report.ignores.iter().filter(|u| u.expired).collect();
    if !expired.is_empty() {
        let _ = writeln!(
            out,
            "### Expired ignore entries\n\n| Line | Entry | Reason | Until |\n|---|---|---|---|"
        );
        for u in expired {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                u.entry.line,
                cell(&code(&u.entry.text)),
                cell(&u.entry.reason),
                u.entry.until.map(|d| d.to_string()).unwrap_or_default()
            );
        }
        let _ = writeln!(out);
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out, "### Errors\n");
        for e in &report.errors {
            let _ = writeln!(
                out,
                "- {} {}",
                code(e.diagnostic.code),
                cell(&e.diagnostic.message)
            );
        }
        let _ = writeln!(out);
    }
    out
}
