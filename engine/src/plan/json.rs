//! The machine-readable plan (`infra plan --json`), format version "1",
//! documented in docs/plan-json.md. Sensitive values are never included:
//! they appear as `null` with their paths listed in `*_sensitive`; unknown
//! values are `null` with their paths in `after_unknown`.

use super::Plan;
use crate::addr::{InstanceKey, ResourceMode};
use crate::eval::CheckStatus;
use crate::state::codec::{self, Path};
use infra_lang::Value;
use serde_json::{Value as Json, json};

/// The JSON format version of `--json` plans.
pub const FORMAT_VERSION: &str = "1";

/// Encodes `v` with sensitive parts redacted to `null`.
fn redacted(v: &Value) -> (Json, Vec<Path>, Vec<Path>) {
    let e = codec::encode(v);
    let mut json = e.json;
    for p in &e.sensitive {
        blank(&mut json, p);
    }
    (json, e.sensitive, e.unknown)
}

fn blank(json: &mut Json, path: &[Json]) {
    let Some((step, rest)) = path.split_first() else {
        *json = Json::Null;
        return;
    };
    let next = match (json, step) {
        (Json::Object(m), Json::String(k)) => m.get_mut(k),
        (Json::Array(a), Json::Number(n)) => n
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| a.get_mut(i)),
        _ => None,
    };
    if let Some(n) = next {
        blank(n, rest);
    }
}

/// The `--json` document of `plan`.
pub fn to_json(plan: &Plan) -> Json {
    let super::Summary {
        add,
        change,
        destroy,
        import,
        ..
    } = plan.summary();
    let entry = |address: &crate::addr::ResourceAddress,
                 provider: &str,
                 action: &str,
                 reasons: &[String],
                 replace_paths: &[String],
                 before: Option<&Value>,
                 after: Option<&Value>| {
        let (before, before_sensitive, _) = before.map_or((Json::Null, vec![], vec![]), redacted);
        let (after, after_sensitive, after_unknown) =
            after.map_or((Json::Null, vec![], vec![]), redacted);
        json!({
            "address": address.to_string(),
            "previous_address": plan.previous_address(address).map_or(Json::Null, |a| Json::String(a.to_string())),
            "module": if address.module.is_root() { Json::Null } else { Json::String(address.module.to_string()) },
            "mode": mode_json(address.mode),
            "type": address.type_name,
            "name": address.name,
            "index": index_json(&address.key),
            "provider": provider,
            "action": action,
            "reasons": reasons,
            "replace_paths": replace_paths,
            "before": before,
            "after": after,
            "after_unknown": after_unknown,
            "before_sensitive": before_sensitive,
            "after_sensitive": after_sensitive,
        })
    };
    let mut listed: Vec<(&crate::addr::ResourceAddress, Json)> = plan
        .changes
        .iter()
        .map(|c| {
            let mut j = entry(
                &c.address,
                &c.provider,
                c.action.as_str(),
                &c.reasons,
                &c.replace_paths,
                c.before.as_ref(),
                c.after.as_ref(),
            );
            // A deposed object's delete names its deposed key, as in
            // Terraform (absent otherwise).
            if let (Some(key), Json::Object(m)) = (&c.deposed, &mut j) {
                m.insert("deposed".to_string(), Json::String(key.clone()));
            }
            (&c.address, j)
        })
        .collect();
    // Moved instances without other changes are listed as no-ops, with
    // their previous address.
    let changed: std::collections::BTreeSet<&crate::addr::ResourceAddress> = plan
        .changes
        .iter()
        .filter(|c| c.deposed.is_none())
        .map(|c| &c.address)
        .collect();
    for m in &plan.moves {
        if changed.contains(&m.to) {
            continue;
        }
        if let Some(inst) = plan.prior.resources.get(&m.to) {
            let v = Some(&inst.value);
            listed.push((&m.to, entry(&m.to, &inst.provider, "no-op", &[], &[], v, v)));
        }
    }
    // Imported objects without other changes are no-ops too; every
    // imported one carries Terraform's `importing: {id}`.
    for i in &plan.imports {
        if changed.contains(&i.address) || plan.moves.iter().any(|m| m.to == i.address) {
            continue;
        }
        if let Some(inst) = plan.prior.resources.get(&i.address) {
            let v = Some(&inst.value);
            listed.push((
                &i.address,
                entry(&i.address, &inst.provider, "no-op", &[], &[], v, v),
            ));
        }
    }
    for (a, j) in &mut listed {
        if let (Some(i), Json::Object(m)) = (plan.import_of(a), j) {
            m.insert("importing".to_string(), json!({ "id": i.id }));
        }
    }
    listed.sort_by(|a, b| a.0.cmp(b.0));
    let resource_changes: Vec<Json> = listed.into_iter().map(|(_, j)| j).collect();
    let output_changes: serde_json::Map<String, Json> = plan
        .outputs
        .iter()
        .map(|o| {
            let action = match (&o.before, &o.after) {
                (None, Some(_)) => "create",
                (Some(_), None) => "delete",
                (Some(b), Some(a)) if b == a => "no-op",
                _ => "update",
            };
            let show = |v: &Option<Value>| match v {
                Some(v) if !o.sensitive => redacted(v).0,
                _ => Json::Null,
            };
            (
                o.name.clone(),
                json!({
                    "action": action,
                    "before": show(&o.before),
                    "after": show(&o.after),
                    "after_unknown": o.after.as_ref().is_some_and(Value::has_unknown),
                    "sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|d| {
            json!({
                "address": d.address.to_string(),
                "action": if d.after.is_some() { "update" } else { "delete" },
                "before": redacted(&d.before).0,
                "after": d.after.as_ref().map_or(Json::Null, |a| redacted(a).0),
            })
        })
        .collect();
    // Each `check` assertion with its outcome (Terraform's plan JSON has
    // `checks` too); a failing one carries its message.
    let checks: Vec<Json> = plan
        .checks
        .iter()
        .map(|c| {
            let (status, message) = match &c.status {
                CheckStatus::Pass => ("pass", Json::Null),
                CheckStatus::Fail(m) => ("fail", Json::String(m.clone())),
                CheckStatus::Unknown => ("unknown", Json::Null),
            };
            json!({ "address": c.address, "status": status, "message": message })
        })
        .collect();
    let mut summary = json!({ "add": add, "change": change, "destroy": destroy });
    if let (true, Json::Object(m)) = (import > 0, &mut summary) {
        // Only when something is imported: plans without imports keep
        // their shape.
        m.insert("import".to_string(), json!(import));
    }
    let mut doc = json!({
        "format_version": FORMAT_VERSION,
        "infra_version": env!("CARGO_PKG_VERSION"),
        "destroy": plan.destroy,
        "prior_state": { "lineage": plan.prior.lineage, "serial": plan.prior_serial },
        "summary": summary,
        "has_changes": plan.has_changes(),
        "resource_changes": resource_changes,
        "output_changes": output_changes,
        "resource_drift": drift,
        "checks": checks,
        "targets": plan.targets,
        "excludes": plan.excludes,
        "workspace": plan.workspace,
    });
    // Only a plan that read selectively says what it read: the others
    // keep their shape.
    if let (Some(r), Json::Object(m)) = (&plan.refresh, &mut doc) {
        m.insert("refresh".to_string(), r.to_json());
    }
    doc
}

/// `"managed"` or `"data"`, as Terraform's JSON formats name modes.
pub(crate) fn mode_json(mode: ResourceMode) -> &'static str {
    match mode {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    }
}

/// An instance key as Terraform's JSON `index`: `null`, a number or a
/// string.
pub(crate) fn index_json(key: &InstanceKey) -> Json {
    match key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(i) => json!(i),
        InstanceKey::Str(s) => json!(s),
    }
}

/// One instance in state as `infra state show --json` prints it: its
/// address and parts (`module` `null` in the root, `index` as in
/// [`to_json`]), its `provider` configuration, `values` with sensitive
/// parts `null` and `sensitive_values` the paths of those parts, and
/// `deposed` the keys of deposed objects. Shaped after a resource of
/// Terraform's `show -json`, without ever including a sensitive value.
pub fn instance_json(
    address: &crate::addr::ResourceAddress,
    inst: &crate::state::InstanceState,
) -> Json {
    let (values, sensitive, _) = redacted(&inst.value);
    json!({
        "address": address.to_string(),
        "module": if address.module.is_root() { Json::Null } else { Json::String(address.module.to_string()) },
        "mode": mode_json(address.mode),
        "type": address.type_name,
        "name": address.name,
        "index": index_json(&address.key),
        "provider": inst.provider,
        "schema_version": inst.meta.schema_version,
        "values": values,
        "sensitive_values": sensitive,
        "dependencies": inst.dependencies.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "deposed": inst.deposed.keys().collect::<Vec<_>>(),
    })
}
