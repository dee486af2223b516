//! Terraform's JSON output format (`terraform show -json`): the state
//! representation (format version "1.0") and the plan representation
//! (format version "1.2"), and provider schemas (`providers schema
//! -json`), so that tools reading Terraform's JSON —
//! policy checkers, cost estimators, PR commenters — read infra's.
//! Documented in docs/terraform-json.md; source: Terraform's
//! `internal/command/jsonstate` and `jsonplan` and its "JSON Output
//! Format" page. As in Terraform, values are shown in clear with their
//! sensitive parts marked in `sensitive_values` / `*_sensitive`.

mod expressions;
mod plan;
mod schema;
mod state;
mod values;

pub use plan::plan_json;
pub use schema::providers_schema_json;
pub use state::state_json;

use crate::addr::{InstanceKey, ModulePath, ResourceAddress};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// The version of Terraform whose JSON formats these mirror (written as
/// `terraform_version`, as tools expect one; `infra_version` says what
/// wrote it).
pub const TERRAFORM_VERSION: &str = "1.15.5";

/// Provider local names → source addresses (`random` →
/// `registry.terraform.io/hashicorp/random`), from `required_providers`.
pub type Sources = BTreeMap<String, String>;

/// The full provider source address of the configuration `config`
/// (`random`, `aws.west`) recorded for an instance of `type_name`: the
/// `required_providers` source, else Terraform's implied
/// `registry.terraform.io/hashicorp/NAME`; infra's own built-in `infra`
/// provider is `terraform.io/builtin/infra` (`terraform_data` under it is
/// Terraform's `terraform.io/builtin/terraform`).
pub fn provider_name(sources: &Sources, config: &str, type_name: &str) -> String {
    let local = config.split('.').next().unwrap_or(config);
    if let Some(s) = sources.get(local) {
        return s.clone();
    }
    match local {
        "infra" if type_name == "terraform_data" => "terraform.io/builtin/terraform".into(),
        "infra" | "terraform" => format!("terraform.io/builtin/{local}"),
        _ => format!("registry.terraform.io/hashicorp/{local}"),
    }
}

/// The address fields Terraform writes for an instance: `address`,
/// `mode`, `type`, `name`, and `index` when it has a key.
fn address_fields(a: &ResourceAddress) -> serde_json::Map<String, Json> {
    let mut m = serde_json::Map::new();
    m.insert("address".into(), json!(a.to_string()));
    m.insert("mode".into(), json!(crate::plan::json::mode_json(a.mode)));
    m.insert("type".into(), json!(a.type_name));
    m.insert("name".into(), json!(a.name));
    if a.key != InstanceKey::None {
        m.insert("index".into(), crate::plan::json::index_json(&a.key));
    }
    m
}

/// Resources grouped into Terraform's module tree: `{"resources": [...],
/// "child_modules": [{"address": "module.a", ...}]}` (each key only when
/// non-empty; `address` on child modules). `entries` are in address order.
fn module_tree(entries: Vec<(ModulePath, Json)>) -> Json {
    let mut by_module: BTreeMap<String, (ModulePath, Vec<Json>)> = BTreeMap::new();
    for (path, e) in entries {
        by_module
            .entry(path.to_string())
            .or_insert_with(|| (path.clone(), Vec::new()))
            .1
            .push(e);
    }
    // Every ancestor of a module with resources appears in the tree.
    let paths: Vec<ModulePath> = by_module.values().map(|(p, _)| p.clone()).collect();
    for p in paths {
        for n in 0..p.0.len() {
            let parent = ModulePath(p.0[..n].to_vec());
            by_module
                .entry(parent.to_string())
                .or_insert_with(|| (parent, Vec::new()));
        }
    }
    by_module
        .entry(String::new())
        .or_insert_with(|| (ModulePath(Vec::new()), Vec::new()));
    build(&ModulePath(Vec::new()), &by_module)
}

fn build(at: &ModulePath, all: &BTreeMap<String, (ModulePath, Vec<Json>)>) -> Json {
    let mut m = serde_json::Map::new();
    if !at.is_root() {
        m.insert("address".into(), json!(at.to_string()));
    }
    if let Some((_, resources)) = all.get(&at.to_string())
        && !resources.is_empty()
    {
        m.insert("resources".into(), Json::Array(resources.clone()));
    }
    let children: Vec<Json> = all
        .values()
        .filter(|(p, _)| p.0.len() == at.0.len() + 1 && p.0.starts_with(&at.0))
        .map(|(p, _)| build(p, all))
        .collect();
    if !children.is_empty() {
        m.insert("child_modules".into(), Json::Array(children));
    }
    Json::Object(m)
}
