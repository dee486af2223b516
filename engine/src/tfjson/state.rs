//! The state representation (`terraform show -json` without a plan;
//! format version "1.0"): outputs with their values and types, and every
//! resource instance (deposed objects too) in the module tree.

use super::values::split;
use super::{Sources, TERRAFORM_VERSION, address_fields, module_tree, provider_name};
use crate::addr::ModulePath;
use crate::state::State;
use serde_json::{Value as Json, json};

/// `state` in Terraform's state representation: `{"format_version":
/// "1.0", "terraform_version", "infra_version", "values": {"outputs",
/// "root_module"}}`; without `values` when the state is empty, as
/// Terraform prints it.
pub fn state_json(state: &State, sources: &Sources) -> Json {
    let mut doc = json!({
        "format_version": "1.0",
        "terraform_version": TERRAFORM_VERSION,
        "infra_version": env!("CARGO_PKG_VERSION"),
    });
    if state.resources.is_empty() && state.outputs.is_empty() {
        return doc;
    }
    if let Json::Object(m) = &mut doc {
        m.insert("values".into(), values(state, sources));
    }
    doc
}

/// The `values` object of a state (also a plan's `prior_state`).
pub(super) fn values(state: &State, sources: &Sources) -> Json {
    let outputs: serde_json::Map<String, Json> = state
        .outputs
        .iter()
        .map(|(name, o)| {
            let p = split(&o.value);
            (
                name.clone(),
                json!({
                    "sensitive": o.sensitive,
                    "value": p.known,
                    "type": o.value.type_of().to_json(),
                }),
            )
        })
        .collect();
    let mut entries: Vec<(ModulePath, Json)> = Vec::new();
    for (addr, inst) in &state.resources {
        let resource = |value: &infra_lang::Value, deposed: Option<&str>| {
            let p = split(value);
            let mut m = address_fields(addr);
            m.insert(
                "provider_name".into(),
                json!(provider_name(sources, &inst.provider, &addr.type_name)),
            );
            m.insert("schema_version".into(), json!(inst.meta.schema_version));
            m.insert("values".into(), p.known);
            m.insert("sensitive_values".into(), p.sensitive);
            if !inst.dependencies.is_empty() {
                let mut deps: Vec<String> =
                    inst.dependencies.iter().map(ToString::to_string).collect();
                deps.sort();
                deps.dedup();
                m.insert("depends_on".into(), json!(deps));
            }
            if let Some(key) = deposed {
                m.insert("deposed_key".into(), json!(key));
            }
            Json::Object(m)
        };
        entries.push((addr.module.clone(), resource(&inst.value, None)));
        for (key, value) in &inst.deposed {
            entries.push((addr.module.clone(), resource(value, Some(key))));
        }
    }
    let mut m = serde_json::Map::new();
    if !outputs.is_empty() {
        m.insert("outputs".into(), Json::Object(outputs));
    }
    m.insert("root_module".into(), module_tree(entries));
    Json::Object(m)
}
