//! The plan representation (`terraform show -json PLANFILE`; format
//! version "1.2"): variables, planned values, resource changes (no-ops
//! included), output changes, drift, the prior state and an outline of
//! the configuration.

use super::values::split;
use super::{Sources, TERRAFORM_VERSION, address_fields, module_tree, provider_name};
use crate::addr::{ModulePath, ResourceAddress, ResourceMode};
use crate::eval::{InputValue, Inputs};
use crate::plan::{Action, Plan, ResourceChange};
use infra_lang::Value;
use serde_json::{Value as Json, json};
use std::collections::BTreeSet;

/// Terraform's `actions` list for an action.
fn actions(a: Action) -> Json {
    match a {
        Action::NoOp => json!(["no-op"]),
        Action::Create => json!(["create"]),
        Action::Update => json!(["update"]),
        Action::DeleteThenCreate => json!(["delete", "create"]),
        Action::CreateThenDelete => json!(["create", "delete"]),
        Action::Delete => json!(["delete"]),
        Action::Read => json!(["read"]),
        Action::Forget => json!(["forget"]),
    }
}

/// A `change` object: actions, before/after with their unknown and
/// sensitive trees (`false` for an absent side's sensitivity, as
/// Terraform writes it).
fn change(action: Action, before: Option<&Value>, after: Option<&Value>) -> Json {
    let (before, before_sensitive) = match before {
        Some(v) => {
            let p = split(v);
            (p.known, p.sensitive)
        }
        None => (Json::Null, Json::Bool(false)),
    };
    let (after, after_unknown, after_sensitive) = match after {
        Some(v) => {
            let p = split(v);
            (p.known, p.unknown, p.sensitive)
        }
        None => (Json::Null, Json::Bool(false), Json::Bool(false)),
    };
    json!({
        "actions": actions(action),
        "before": before,
        "after": after,
        "after_unknown": after_unknown,
        "before_sensitive": before_sensitive,
        "after_sensitive": after_sensitive,
    })
}

/// A `resource_changes` (or `resource_drift`) entry.
fn resource_change(
    plan: &Plan,
    sources: &Sources,
    address: &ResourceAddress,
    provider: &str,
    change_json: Json,
    deposed: Option<&str>,
) -> Json {
    let mut m = address_fields(address);
    if !address.module.is_root() {
        m.insert("module_address".into(), json!(address.module.to_string()));
    }
    if let Some(prev) = plan.previous_address(address) {
        m.insert("previous_address".into(), json!(prev.to_string()));
    }
    if let Some(key) = deposed {
        m.insert("deposed".into(), json!(key));
    }
    m.insert(
        "provider_name".into(),
        json!(provider_name(sources, provider, &address.type_name)),
    );
    m.insert("change".into(), change_json);
    Json::Object(m)
}

fn input_json(v: &InputValue) -> Json {
    match v {
        InputValue::Raw { text, .. } => json!(text),
        InputValue::Value { value, .. } => split(value).known,
    }
}

/// `plan` in Terraform's plan representation. `inputs` are the variable
/// values it was made with (a saved plan's); `timestamp` RFC 3339;
/// `files` the root module's files, whose resource blocks give
/// `configuration`'s `expressions` (empty: none written).
pub fn plan_json(
    plan: &Plan,
    inputs: &Inputs,
    sources: &Sources,
    files: &[crate::config::ParsedFile],
    timestamp: &str,
) -> Json {
    let mut variables: serde_json::Map<String, Json> = inputs
        .vars
        .iter()
        .map(|(n, v)| (n.clone(), json!({ "value": input_json(v) })))
        .collect();
    // Variables the plan was not given take their defaults, as Terraform
    // lists every root module variable with the value it planned with.
    let (config_outputs, config_variables) = outputs_and_variables(files);
    for (name, decl) in &config_variables {
        if let Some(d) = decl.get("default") {
            variables
                .entry(name.clone())
                .or_insert_with(|| json!({ "value": d }));
        }
    }
    let changed: BTreeSet<&ResourceAddress> = plan
        .changes
        .iter()
        .filter(|c| c.deposed.is_none())
        .map(|c| &c.address)
        .collect();
    let mut resource_changes: Vec<(&ResourceAddress, Json)> = plan
        .changes
        .iter()
        .map(|c| {
            (&c.address, {
                let mut j = resource_change(
                    plan,
                    sources,
                    &c.address,
                    &c.provider,
                    change_with_reason(c),
                    c.deposed.as_deref(),
                );
                if let (Some(reason), Json::Object(m)) = (action_reason(c), &mut j) {
                    m.insert("action_reason".into(), json!(reason));
                }
                j
            })
        })
        .collect();
    // Instances without changes are listed as no-ops, as Terraform does.
    for (addr, inst) in &plan.prior.resources {
        if addr.mode == ResourceMode::Managed && !changed.contains(addr) {
            let v = Some(&inst.value);
            resource_changes.push((
                addr,
                resource_change(
                    plan,
                    sources,
                    addr,
                    &inst.provider,
                    change(Action::NoOp, v, v),
                    None,
                ),
            ));
        }
    }
    resource_changes.sort_by(|a, b| a.0.cmp(b.0));
    // Planned values: the prior state with every change carried out (as
    // far as known).
    let mut planned: Vec<(ModulePath, Json)> = Vec::new();
    for (addr, inst) in &plan.prior.resources {
        if changed.contains(addr) {
            continue;
        }
        planned.push((
            addr.module.clone(),
            planned_resource(
                sources,
                addr,
                &inst.provider,
                &inst.value,
                inst.meta.schema_version,
            ),
        ));
    }
    for c in plan.changes.iter().filter(|c| c.deposed.is_none()) {
        if let Some(after) = &c.after {
            let version = plan
                .prior
                .resources
                .get(&c.address)
                .map_or(0, |i| i.meta.schema_version);
            planned.push((
                c.address.module.clone(),
                planned_resource(sources, &c.address, &c.provider, after, version),
            ));
        }
    }
    planned.sort_by(|a, b| {
        a.1["address"]
            .as_str()
            .unwrap_or("")
            .cmp(b.1["address"].as_str().unwrap_or(""))
    });
    let mut planned_outputs = serde_json::Map::new();
    let mut output_changes = serde_json::Map::new();
    for o in &plan.outputs {
        let action = match (&o.before, &o.after) {
            (None, Some(_)) => Action::Create,
            (Some(_), None) => Action::Delete,
            (Some(b), Some(a)) if b == a => Action::NoOp,
            _ => Action::Update,
        };
        let mut c = change(action, o.before.as_ref(), o.after.as_ref());
        if let Json::Object(m) = &mut c {
            if o.sensitive {
                m.insert("before_sensitive".into(), json!(o.before.is_some()));
                m.insert("after_sensitive".into(), json!(o.after.is_some()));
            }
            // A wholly unknown value has no `after`, as in Terraform.
            if m.get("after_unknown") == Some(&json!(true)) {
                m.remove("after");
            }
        }
        output_changes.insert(o.name.clone(), c);
        if let Some(after) = &o.after {
            let p = split(after);
            let mut m = serde_json::Map::new();
            m.insert("sensitive".into(), json!(o.sensitive));
            if p.unknown != json!(true) {
                m.insert("value".into(), p.known);
                m.insert("type".into(), after.type_of().to_json());
            }
            planned_outputs.insert(o.name.clone(), Json::Object(m));
        }
    }
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|d| {
            let provider = plan
                .prior
                .resources
                .get(&d.address)
                .map_or("", |i| i.provider.as_str());
            let action = if d.after.is_some() {
                Action::Update
            } else {
                Action::Delete
            };
            resource_change(
                plan,
                sources,
                &d.address,
                provider,
                change(action, Some(&d.before), d.after.as_ref()),
                None,
            )
        })
        .collect();
    let mut doc = serde_json::Map::new();
    doc.insert("format_version".into(), json!("1.2"));
    doc.insert("terraform_version".into(), json!(TERRAFORM_VERSION));
    doc.insert("infra_version".into(), json!(env!("CARGO_PKG_VERSION")));
    if !variables.is_empty() {
        doc.insert("variables".into(), Json::Object(variables));
    }
    let mut pv = serde_json::Map::new();
    if !planned_outputs.is_empty() {
        pv.insert("outputs".into(), Json::Object(planned_outputs));
    }
    pv.insert("root_module".into(), module_tree(planned));
    doc.insert("planned_values".into(), Json::Object(pv));
    if !drift.is_empty() {
        doc.insert("resource_drift".into(), json!(drift));
    }
    doc.insert(
        "resource_changes".into(),
        Json::Array(resource_changes.into_iter().map(|(_, j)| j).collect()),
    );
    if !output_changes.is_empty() {
        doc.insert("output_changes".into(), Json::Object(output_changes));
    }
    if !(plan.prior.resources.is_empty() && plan.prior.outputs.is_empty()) {
        doc.insert(
            "prior_state".into(),
            json!({
                "format_version": "1.0",
                "terraform_version": TERRAFORM_VERSION,
                "values": super::state::values(&plan.prior, sources),
            }),
        );
    }
    doc.insert(
        "configuration".into(),
        configuration(plan, sources, files, (config_outputs, config_variables)),
    );
    doc.insert("relevant_attributes".into(), json!([]));
    doc.insert("timestamp".into(), json!(timestamp));
    doc.insert("applyable".into(), json!(plan.has_changes()));
    doc.insert(
        "complete".into(),
        json!(plan.targets.is_empty() && plan.excludes.is_empty()),
    );
    doc.insert("errored".into(), json!(false));
    Json::Object(doc)
}

/// Terraform's `action_reason` for a replacement: what forced it.
fn action_reason(c: &ResourceChange) -> Option<&'static str> {
    if !matches!(
        c.action,
        Action::DeleteThenCreate | Action::CreateThenDelete
    ) {
        return None;
    }
    Some(if c.reasons.iter().any(|r| r.contains("--replace")) {
        "replace_by_request"
    } else if c
        .reasons
        .iter()
        .any(|r| r.starts_with("replace_triggered_by"))
    {
        "replace_by_triggers"
    } else {
        "replace_because_cannot_update"
    })
}

/// A change with its `replace_paths` (Terraform's: one list of steps per
/// attribute that forced the replacement).
fn change_with_reason(c: &ResourceChange) -> Json {
    let mut j = change(c.action, c.before.as_ref(), c.after.as_ref());
    if let Json::Object(m) = &mut j
        && !c.replace_paths.is_empty()
    {
        let paths: Vec<Json> = c
            .replace_paths
            .iter()
            .map(|p| json!(p.split('.').collect::<Vec<_>>()))
            .collect();
        m.insert("replace_paths".into(), Json::Array(paths));
    }
    j
}

/// One resource of `planned_values`.
fn planned_resource(
    sources: &Sources,
    addr: &ResourceAddress,
    provider: &str,
    value: &Value,
    schema_version: u64,
) -> Json {
    let p = split(value);
    let mut m = address_fields(addr);
    m.insert(
        "provider_name".into(),
        json!(provider_name(sources, provider, &addr.type_name)),
    );
    m.insert("schema_version".into(), json!(schema_version));
    m.insert("values".into(), p.known);
    m.insert("sensitive_values".into(), p.sensitive);
    Json::Object(m)
}

/// An outline of the configuration: the provider configurations used or
/// required and each root module resource (address, mode, type, name,
/// provider key), with its `expressions` and `count_expression` /
/// `for_each_expression` from its block in `files`.
fn configuration(
    plan: &Plan,
    sources: &Sources,
    files: &[crate::config::ParsedFile],
    (outputs, variables): (serde_json::Map<String, Json>, serde_json::Map<String, Json>),
) -> Json {
    let blocks: std::collections::BTreeMap<
        String,
        (
            &std::sync::Arc<infra_lang::SourceFile>,
            &infra_lang::ast::Block,
        ),
    > = files
        .iter()
        .flat_map(|f| f.ast.body.blocks().map(move |b| (&f.source, b)))
        .filter_map(|(src, b)| {
            let [ty, name] = b.labels.as_slice() else {
                return None;
            };
            let prefix = match b.kind.name.as_str() {
                "resource" => "",
                "data" => "data.",
                _ => return None,
            };
            Some((format!("{prefix}{}.{}", ty.value, name.value), (src, b)))
        })
        .collect();
    let mut providers = serde_json::Map::new();
    let mut resources: std::collections::BTreeMap<String, Json> = Default::default();
    let all = plan
        .changes
        .iter()
        .map(|c| (&c.address, c.provider.as_str()))
        .chain(
            plan.prior
                .resources
                .iter()
                .map(|(a, i)| (a, i.provider.as_str())),
        );
    for (addr, provider) in all {
        if !addr.module.is_root() {
            continue;
        }
        let local = provider.split('.').next().unwrap_or(provider);
        providers.entry(provider.to_string()).or_insert_with(|| {
            let mut m = serde_json::Map::new();
            m.insert("name".into(), json!(local));
            m.insert(
                "full_name".into(),
                json!(provider_name(sources, provider, &addr.type_name)),
            );
            if let Some((_, alias)) = provider.split_once('.') {
                m.insert("alias".into(), json!(alias));
            }
            Json::Object(m)
        });
        let base = ResourceAddress {
            key: crate::addr::InstanceKey::None,
            ..addr.clone()
        };
        let version = plan
            .prior
            .resources
            .get(addr)
            .map_or(0, |i| i.meta.schema_version);
        resources.entry(base.to_string()).or_insert_with(|| {
            let mut m = address_fields(&base);
            m.insert("provider_config_key".into(), json!(provider));
            if let Some((src, b)) = blocks.get(&base.to_string()) {
                m.insert(
                    "expressions".into(),
                    super::expressions::body_expressions(src, b, true),
                );
                for (arg, key) in [
                    (crate::config::meta::COUNT, "count_expression"),
                    (crate::config::meta::FOR_EACH, "for_each_expression"),
                ] {
                    if let Some(a) = b.body.attribute(arg) {
                        m.insert(key.into(), super::expressions::expression(src, &a.expr));
                    }
                }
            }
            m.insert("schema_version".into(), json!(version));
            Json::Object(m)
        });
    }
    // Every provider `required_providers` names is listed, used or not.
    for (local, source) in sources {
        providers
            .entry(local.clone())
            .or_insert_with(|| json!({ "name": local, "full_name": source }));
    }
    let mut root = serde_json::Map::new();
    if !outputs.is_empty() {
        root.insert("outputs".into(), Json::Object(outputs));
    }
    if !resources.is_empty() {
        root.insert(
            "resources".into(),
            Json::Array(resources.into_values().collect()),
        );
    }
    if !variables.is_empty() {
        root.insert("variables".into(), Json::Object(variables));
    }
    json!({
        "provider_config": providers,
        "root_module": root,
    })
}

/// The root module's `outputs` (`sensitive`, `expression`, `depends_on`,
/// `description`) and `variables` (`default`, `description`,
/// `sensitive`) as Terraform's `jsonconfig` marshals them: members
/// omitted when false or empty, an output's `expression` always there, a
/// variable's `default` its constant value.
fn outputs_and_variables(
    files: &[crate::config::ParsedFile],
) -> (serde_json::Map<String, Json>, serde_json::Map<String, Json>) {
    use super::expressions::expression;
    let mut outputs = serde_json::Map::new();
    let mut variables = serde_json::Map::new();
    for f in files {
        for b in f.ast.body.blocks() {
            let [name] = b.labels.as_slice() else {
                continue;
            };
            let constant = |arg: &str| {
                b.body
                    .attribute(arg)
                    .and_then(|a| infra_lang::eval::eval_constant(&f.source, &a.expr).ok())
            };
            let flag = |arg: &str| matches!(constant(arg), Some(infra_lang::Value::Bool(true)));
            let text = |arg: &str| match constant(arg) {
                Some(infra_lang::Value::String(s)) if !s.is_empty() => Some(s),
                _ => None,
            };
            let mut m = serde_json::Map::new();
            match b.kind.name.as_str() {
                "output" => {
                    if flag("sensitive") {
                        m.insert("sensitive".into(), json!(true));
                    }
                    let e = b
                        .body
                        .attribute("value")
                        .map_or_else(|| json!({}), |a| expression(&f.source, &a.expr));
                    m.insert("expression".into(), e);
                    let deps: Vec<String> = b
                        .body
                        .attribute(crate::config::meta::DEPENDS_ON)
                        .map(|a| match &a.expr.kind {
                            infra_lang::ast::ExprKind::Tuple(items) => items
                                .iter()
                                .map(|e| f.source.slice(e.span).trim().to_string())
                                .collect(),
                            _ => Vec::new(),
                        })
                        .unwrap_or_default();
                    if !deps.is_empty() {
                        m.insert("depends_on".into(), json!(deps));
                    }
                    if let Some(d) = text("description") {
                        m.insert("description".into(), json!(d));
                    }
                    outputs.insert(name.value.clone(), Json::Object(m));
                }
                "variable" => {
                    if let Some(d) =
                        constant("default").and_then(|v| infra_lang::value::to_json(&v).ok())
                    {
                        m.insert("default".into(), d);
                    }
                    if let Some(d) = text("description") {
                        m.insert("description".into(), json!(d));
                    }
                    if flag("sensitive") {
                        m.insert("sensitive".into(), json!(true));
                    }
                    variables.insert(name.value.clone(), Json::Object(m));
                }
                _ => {}
            }
        }
    }
    (outputs, variables)
}
