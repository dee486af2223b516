//! The drift report (`infra drift`) in its three forms: for people (the
//! plan's drift layout: attribute-level before → after, multi-line strings
//! as unified diffs, sensitive values redacted), as Markdown ready to post
//! to an issue, and as the versioned JSON document of docs/drift.md.

use super::markdown::{cell, code, fenced, html, plural};
use super::plan::{Style, attribute_diff};
use infra_engine::addr::{InstanceKey, ResourceAddress};
use infra_engine::drift::ignore::Subject;
use infra_engine::drift::{
    ChangeCause, DriftKind, DriftReport, IgnoreHit, ResourceDrift, path_string,
};
use infra_engine::eval::CheckStatus;
use infra_engine::plan::Action;
use infra_lang::Value;
use infra_lang::value::quote;
use serde_json::{Value as Json, json};
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

/// The `~ resource "T" "N" { ... }` block of a changed object with only
/// the attributes that count, at column 2.
fn changed_block(out: &mut String, d: &ResourceDrift, style: Style) {
    let Some(after) = d.reported_after() else {
        return;
    };
    let _ = writeln!(
        out,
        "  {} resource {} {} {{",
        style.marker("~"),
        quote(&d.address.type_name),
        quote(&d.address.name)
    );
    attribute_diff(out, &d.before, &after, 6, style);
    let _ = writeln!(out, "    }}");
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
            for e in d.expired_ignores() {
                let note = entry_note(
                    report,
                    IgnoreHit {
                        entry: e,
                        expired: true,
                    },
                );
                let _ = writeln!(out, "    # reported again: ignore entry expired ({note})");
            }
            let _ = writeln!(out);
        }
    }
    let failing: Vec<_> = report
        .checks
        .iter()
        .flatten()
        .filter(|c| c.failing())
        .collect();
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

/// The report as Markdown for an issue or a pull request: the summary
/// first, a table of what drifted, then each object's details in a
/// `<details>` block; failing checks, pending configuration changes,
/// accepted and expired ignores, and errors after.
pub fn markdown(report: &DriftReport, meta: &Meta<'_>) -> String {
    let mut out = String::new();
    let plain = Style::new(false);
    let _ = writeln!(out, "## infra drift report\n");
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
            for e in d.expired_ignores() {
                let note = entry_note(
                    report,
                    IgnoreHit {
                        entry: e,
                        expired: true,
                    },
                );
                let _ = writeln!(out, "Reported again: the ignore entry expired ({note}).\n");
            }
            let _ = writeln!(out, "</details>\n");
        }
    }
    let failing: Vec<_> = report
        .checks
        .iter()
        .flatten()
        .filter(|c| c.failing())
        .collect();
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

/// A value for JSON: sensitive values (anywhere inside) become `null`,
/// unknowns too.
fn value_json(v: &Value, sensitive: bool) -> Json {
    if sensitive {
        return Json::Null;
    }
    infra_lang::value::to_json(v).unwrap_or(Json::Null)
}

fn hit_json(report: &DriftReport, hit: Option<IgnoreHit>) -> Json {
    let Some(h) = hit else {
        return Json::Null;
    };
    let Some(u) = report.ignores.get(h.entry) else {
        return Json::Null;
    };
    json!({
        "line": u.entry.line,
        "entry": u.entry.text,
        "reason": u.entry.reason,
        "until": u.entry.until.map(|d| d.to_string()),
        "expired": h.expired,
    })
}

fn index_json(k: &InstanceKey) -> Json {
    match k {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(i) => json!(i),
        InstanceKey::Str(s) => json!(s),
    }
}

/// The `--json` document (format version [`FORMAT_VERSION`], documented
/// in docs/drift.md). Sensitive values are `null` with `"sensitive":
/// true`.
pub fn json(report: &DriftReport, meta: &Meta<'_>) -> Json {
    let drift: Vec<Json> = report
        .drift
        .iter()
        .map(|d| {
            let attributes: Vec<Json> = d
                .attributes
                .iter()
                .map(|a| {
                    let sensitive = a.sensitive();
                    json!({
                        "path": a.path_string(),
                        "path_steps": a.path,
                        "before": value_json(&a.before, sensitive),
                        "after": value_json(&a.after, sensitive),
                        "sensitive": sensitive,
                        "ignored": !a.counts(),
                        "ignore": hit_json(report, a.ignore),
                    })
                })
                .collect();
            json!({
                "address": d.address.to_string(),
                "module": if d.address.module.is_root() { Json::Null } else { Json::String(d.address.module.to_string()) },
                "type": d.address.type_name,
                "name": d.address.name,
                "index": index_json(&d.address.key),
                "kind": d.kind.as_str(),
                "ignored": !d.counts(),
                "ignore": hit_json(report, d.ignore),
                "attributes": attributes,
            })
        })
        .collect();
    let checks = report.checks.as_ref().map(|cs| {
        cs.iter()
            .map(|c| {
                let status = match c.status {
                    CheckStatus::Pass => "pass",
                    CheckStatus::Fail(_) => "fail",
                    CheckStatus::Unknown => "unknown",
                };
                json!({
                    "address": c.address,
                    "status": status,
                    "message": check_message(&c.status),
                    "ignored": matches!(c.status, CheckStatus::Fail(_)) && !c.failing(),
                    "ignore": hit_json(report, c.ignore),
                })
            })
            .collect::<Vec<_>>()
    });
    let pending = report.pending.as_ref().map(|ps| {
        ps.iter()
            .map(|p| {
                json!({
                    "address": p.address.to_string(),
                    "action": p.action.as_str(),
                    "cause": p.cause.as_str(),
                    "attributes": p.attributes,
                })
            })
            .collect::<Vec<_>>()
    });
    let ignores: Vec<Json> = report
        .ignores
        .iter()
        .map(|u| {
            json!({
                "line": u.entry.line,
                "entry": u.entry.text,
                "reason": u.entry.reason,
                "until": u.entry.until.map(|d| d.to_string()),
                "expired": u.expired,
                "matched": u.matched,
            })
        })
        .collect();
    let errors: Vec<Json> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "address": e.address.as_ref().map(ToString::to_string),
                "code": e.diagnostic.code,
                "message": e.diagnostic.message,
                "help": e.diagnostic.help,
            })
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "infra_version": meta.version,
        "checked_at": meta.time,
        "exit_code": meta.exit_code,
        "state": match (&report.lineage, report.serial) {
            (Some(l), Some(s)) => json!({"lineage": l, "serial": s}),
            _ => Json::Null,
        },
        "summary": {
            "drift_found": report.found(),
            "resources_checked": report.checked,
            "changed": report.changed(),
            "missing": report.missing(),
            "checks_failing": report.failing_checks(),
            "ignored": report.ignored(),
            "pending_changes": report.pending.as_ref().map(Vec::len),
            "errors": report.errors.len(),
            "text": report.summary(),
        },
        "drift": drift,
        "checks": checks,
        "pending_changes": pending,
        "ignores": ignores,
        "errors": errors,
    })
}
