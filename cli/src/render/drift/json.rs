//! `infra drift --json`: the versioned JSON document of docs/drift.md.

use super::{FORMAT_VERSION, Meta, check_message};
use infra_engine::addr::InstanceKey;
use infra_engine::drift::{DriftReport, IgnoreHit};
use infra_engine::eval::CheckStatus;
use infra_lang::Value;
use serde_json::{Value as Json, json};

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
    let mut doc = json!({
        "format_version": FORMAT_VERSION,
        "infra_version": meta.version,
        "checked_at": meta.time,
        "exit_code": meta.exit_code,
        "workspace": meta.workspace,
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
    });
    // Only a `--budget` run says its coverage: the others keep their shape.
    if let (Some((c, _)), Some(m)) = (&report.coverage, doc.as_object_mut()) {
        m.insert(
            "coverage".into(),
            json!({
                "budget": c.budget.to_string(),
                "objects": c.total,
                "read": c.read,
                "never_read": c.never_read,
                "oldest_read": c.oldest_read.map(infra_stdlib::time::rfc3339_utc),
                "runs_to_cover": c.runs_to_cover,
            }),
        );
    }
    doc
}
