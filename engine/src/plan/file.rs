//! Saved plan files (`infra plan -out FILE`), format version 1: the
//! changes with their values (unknown and sensitive parts recorded as
//! paths), the refreshed prior state (with `moved` blocks carried out and
//! imported objects added), the moves and imports, its lineage and serial, the configuration hash and the input
//! values — everything apply needs to carry out exactly this plan. Plan files hold secrets, like state.
//! Version 2 adds each change's `planned_private` bytes (base64); it is
//! written only when a provider planned some.

use super::{Action, Drift, Import, Move, OutputChange, Plan, ResourceChange};
use crate::addr::ResourceAddress;
use crate::eval::{InputValue, Inputs};
use crate::state::codec::{self, Encoded, Path};
use crate::state::file as state_file;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The newest format version this infra writes and reads: 2 when a change
/// carries private bytes, else 1.
pub const FORMAT_VERSION: u64 = 2;

/// The format version of a plan without private bytes.
pub const FORMAT_VERSION_PLAIN: u64 = 1;

#[derive(Serialize, Deserialize, Default)]
struct Val {
    value: Json,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sensitive: Vec<Path>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unknown: Vec<Path>,
    /// Numbers beyond `f64` with their exact text (docs/state.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    exact_numbers: Vec<(Path, String)>,
}

impl Val {
    fn from(v: &infra_lang::Value) -> Val {
        let Encoded {
            json,
            sensitive,
            unknown,
            exact_numbers,
        } = codec::encode(v);
        Val {
            value: json,
            sensitive,
            unknown,
            exact_numbers,
        }
    }

    fn to_value(&self) -> infra_lang::Value {
        codec::restore_numbers(
            codec::decode(&self.value, &self.sensitive, &self.unknown, None),
            &self.exact_numbers,
        )
    }
}

#[derive(Serialize, Deserialize)]
struct ChangeFile {
    address: String,
    provider: String,
    action: String,
    #[serde(default)]
    reasons: Vec<String>,
    #[serde(default)]
    replace_paths: Vec<String>,
    before: Option<Val>,
    after: Option<Val>,
    #[serde(default)]
    config_unknown: bool,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    prior_dependencies: Vec<String>,
    #[serde(default)]
    create_before_destroy: bool,
    /// The deposed key when the change deletes a deposed object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deposed: Option<String>,
    /// Version 2: the provider's planned private bytes, base64.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "state_file::private_bytes"
    )]
    planned_private: Vec<u8>,
    /// The configuration the change was planned from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<Val>,
}

#[derive(Serialize, Deserialize)]
struct OutputFile {
    name: String,
    before: Option<Val>,
    after: Option<Val>,
    sensitive: bool,
}

#[derive(Serialize, Deserialize)]
struct InputFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<Val>,
    origin: String,
    /// An ephemeral variable set at plan: its value is not saved, apply
    /// takes it again (mirrors Terraform's apply-time variables).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    ephemeral: bool,
}

/// The origin of an input that a saved plan withholds: an ephemeral
/// variable set at plan, whose value apply must be given again
/// ([`withhold`], `apply::saved_plan::restore_ephemeral`).
pub const WITHHELD: &str = "ephemeral";

/// `inputs` with the values of the variables named in `ephemeral`
/// replaced by a [`WITHHELD`] marker: what a saved plan may hold.
pub fn withhold(inputs: &Inputs, ephemeral: &std::collections::BTreeSet<String>) -> Inputs {
    let mut out = inputs.clone();
    for (name, v) in &mut out.vars {
        if ephemeral.contains(name) {
            *v = InputValue::Raw {
                text: String::new(),
                origin: WITHHELD.into(),
            };
        }
    }
    out
}

fn is_withheld(v: &InputValue) -> bool {
    matches!(v, InputValue::Raw { text, origin } if origin == WITHHELD && text.is_empty())
}

#[derive(Serialize, Deserialize)]
struct PlanFile {
    format_version: u64,
    infra_version: String,
    config_hash: String,
    destroy: bool,
    prior_serial: u64,
    prior_state: Json,
    changes: Vec<ChangeFile>,
    outputs: Vec<OutputFile>,
    #[serde(default)]
    drift: Vec<(String, Val, Option<Val>)>,
    /// `moved` blocks carried out: (stored address, new address).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    moves: Vec<(String, String)>,
    /// `import` blocks carried out: (address, id, block generated); the
    /// objects are in `prior_state`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    imports: Vec<(String, String, bool)>,
    #[serde(default)]
    targets: Vec<String>,
    /// `--exclude` addresses (absent when none, and in files written
    /// before `--exclude`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    excludes: Vec<String>,
    /// The workspace (absent for `default`, and in files written before
    /// workspaces).
    #[serde(
        default = "default_workspace",
        skip_serializing_if = "is_default_workspace"
    )]
    workspace: String,
    vars: BTreeMap<String, InputFile>,
    consts: BTreeMap<String, InputFile>,
    /// What a selective refresh read and did not (`RefreshReport`'s
    /// JSON; absent when everything in scope was read, or nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh: Option<Json>,
}

fn default_workspace() -> String {
    crate::state::workspaces::DEFAULT.to_string()
}

fn is_default_workspace(w: &String) -> bool {
    w == crate::state::workspaces::DEFAULT
}

fn inputs_to_file(m: &BTreeMap<String, InputValue>) -> BTreeMap<String, InputFile> {
    m.iter()
        .map(|(k, v)| {
            let f = match v {
                v if is_withheld(v) => InputFile {
                    raw: None,
                    value: None,
                    origin: WITHHELD.into(),
                    ephemeral: true,
                },
                InputValue::Raw { text, origin } => InputFile {
                    raw: Some(text.clone()),
                    value: None,
                    origin: origin.clone(),
                    ephemeral: false,
                },
                InputValue::Value { value, origin, .. } => InputFile {
                    raw: None,
                    value: Some(Val::from(value)),
                    origin: origin.clone(),
                    ephemeral: false,
                },
            };
            (k.clone(), f)
        })
        .collect()
}

fn inputs_from_file(m: BTreeMap<String, InputFile>) -> BTreeMap<String, InputValue> {
    m.into_iter()
        .map(|(k, f)| {
            let v = match (f.raw, f.value) {
                _ if f.ephemeral => InputValue::Raw {
                    text: String::new(),
                    origin: WITHHELD.into(),
                },
                (Some(text), _) => InputValue::Raw {
                    text,
                    origin: f.origin,
                },
                (None, v) => InputValue::Value {
                    value: v.map_or(infra_lang::Value::NULL, |v| v.to_value()),
                    site: None,
                    origin: f.origin,
                },
            };
            (k, v)
        })
        .collect()
}

/// `inputs` (variables and consts) as a saved plan records them, for
/// other records of a run (`audit::snapshot`); withheld values
/// ([`withhold`]) stay markers.
pub fn inputs_to_json(inputs: &Inputs) -> serde_json::Value {
    serde_json::json!({
        "vars": inputs_to_file(&inputs.vars),
        "consts": inputs_to_file(&inputs.consts),
    })
}

/// The inputs [`inputs_to_json`] recorded as `json`.
///
/// # Errors
/// It is not such a record.
pub fn inputs_from_json(json: serde_json::Value) -> Result<Inputs, String> {
    #[derive(Deserialize)]
    struct Recorded {
        vars: BTreeMap<String, InputFile>,
        consts: BTreeMap<String, InputFile>,
    }
    let r: Recorded = serde_json::from_value(json).map_err(|e| e.to_string())?;
    Ok(Inputs {
        vars: inputs_from_file(r.vars),
        consts: inputs_from_file(r.consts),
    })
}

fn addr_list(v: &[ResourceAddress]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

fn parse_list(v: &[String]) -> Result<Vec<ResourceAddress>, String> {
    v.iter()
        .map(|s| ResourceAddress::parse(s).map_err(|e| e.to_string()))
        .collect()
}

/// The text of a plan file for `plan` made with `inputs`.
pub fn to_text(plan: &Plan, inputs: &Inputs) -> String {
    let private = plan.changes.iter().any(|c| !c.planned_private.is_empty());
    let file = PlanFile {
        format_version: if private {
            FORMAT_VERSION
        } else {
            FORMAT_VERSION_PLAIN
        },
        infra_version: env!("CARGO_PKG_VERSION").to_string(),
        config_hash: plan.config_hash.clone(),
        destroy: plan.destroy,
        prior_serial: plan.prior_serial,
        prior_state: serde_json::from_str(&state_file::to_text(&plan.prior)).unwrap_or(Json::Null),
        changes: plan
            .changes
            .iter()
            .map(|c| ChangeFile {
                address: c.address.to_string(),
                provider: c.provider.clone(),
                action: c.action.as_str().to_string(),
                reasons: c.reasons.clone(),
                replace_paths: c.replace_paths.clone(),
                before: c.before.as_ref().map(Val::from),
                after: c.after.as_ref().map(Val::from),
                config_unknown: c.config_unknown,
                dependencies: addr_list(&c.dependencies),
                prior_dependencies: addr_list(&c.prior_dependencies),
                create_before_destroy: c.create_before_destroy,
                deposed: c.deposed.clone(),
                planned_private: c.planned_private.clone(),
                config: c.config.as_ref().map(Val::from),
            })
            .collect(),
        outputs: plan
            .outputs
            .iter()
            .map(|o| OutputFile {
                name: o.name.clone(),
                before: o.before.as_ref().map(Val::from),
                after: o.after.as_ref().map(Val::from),
                sensitive: o.sensitive,
            })
            .collect(),
        drift: plan
            .drift
            .iter()
            .map(|d| {
                (
                    d.address.to_string(),
                    Val::from(&d.before),
                    d.after.as_ref().map(Val::from),
                )
            })
            .collect(),
        moves: plan
            .moves
            .iter()
            .map(|m| (m.from.to_string(), m.to.to_string()))
            .collect(),
        imports: plan
            .imports
            .iter()
            .map(|i| (i.address.to_string(), i.id.clone(), i.generated))
            .collect(),
        targets: plan.targets.clone(),
        excludes: plan.excludes.clone(),
        workspace: plan.workspace.clone(),
        vars: inputs_to_file(&inputs.vars),
        consts: inputs_to_file(&inputs.consts),
        refresh: plan.refresh.as_ref().map(super::RefreshReport::to_json),
    };
    serde_json::to_string(&file).unwrap_or_default()
}

/// The bytes of a saved plan file: [`to_text`] encrypted by `target`
/// (the `encryption` block's `plan` target; plain without one).
///
/// # Errors
/// The key could not be made (the message holds no key).
pub fn to_bytes(
    plan: &Plan,
    inputs: &Inputs,
    target: &crate::encryption::Target,
) -> Result<Vec<u8>, String> {
    target
        .encrypt(to_text(plan, inputs).into_bytes())
        .map_err(|e| format!("cannot encrypt the plan: {e}"))
}

/// Reads a plan file's text.
///
/// # Errors
/// Not a plan file, a newer format version, or a damaged one.
pub fn from_text(text: &str) -> Result<(Plan, Inputs), String> {
    #[derive(Deserialize)]
    struct Version {
        format_version: Option<u64>,
    }
    let v: Version = serde_json::from_str(text).map_err(|e| format!("not a plan file ({e})"))?;
    match v.format_version {
        None => return Err("not a plan file (no format_version)".into()),
        Some(n) if n > FORMAT_VERSION => {
            return Err(format!(
                "the plan file has format version {n}, newer than this infra understands ({FORMAT_VERSION})"
            ));
        }
        Some(_) => {}
    }
    let f: PlanFile = serde_json::from_str(text).map_err(|e| format!("damaged plan file: {e}"))?;
    let prior = state_file::from_text(&f.prior_state.to_string(), "the plan file")
        .map_err(|e| e.to_string())?;
    let mut changes = Vec::with_capacity(f.changes.len());
    for c in f.changes {
        changes.push(ResourceChange {
            address: ResourceAddress::parse(&c.address).map_err(|e| e.to_string())?,
            provider: c.provider,
            action: Action::parse(&c.action)
                .ok_or_else(|| format!("unknown action {:?}", c.action))?,
            reasons: c.reasons,
            replace_paths: c.replace_paths,
            before: c.before.map(|v| v.to_value()),
            after: c.after.map(|v| v.to_value()),
            config_unknown: c.config_unknown,
            dependencies: parse_list(&c.dependencies)?,
            prior_dependencies: parse_list(&c.prior_dependencies)?,
            create_before_destroy: c.create_before_destroy,
            deposed: c.deposed,
            planned_private: c.planned_private,
            config: c.config.map(|v| v.to_value()),
        });
    }
    let mut drift = Vec::new();
    for (a, b, after) in f.drift {
        drift.push(Drift {
            address: ResourceAddress::parse(&a).map_err(|e| e.to_string())?,
            before: b.to_value(),
            after: after.map(|v| v.to_value()),
        });
    }
    let mut moves = Vec::with_capacity(f.moves.len());
    for (from, to) in f.moves {
        moves.push(Move {
            from: ResourceAddress::parse(&from).map_err(|e| e.to_string())?,
            to: ResourceAddress::parse(&to).map_err(|e| e.to_string())?,
        });
    }
    let mut imports = Vec::with_capacity(f.imports.len());
    for (address, id, generated) in f.imports {
        imports.push(Import {
            address: ResourceAddress::parse(&address).map_err(|e| e.to_string())?,
            id,
            generated,
        });
    }
    let targeted = !(f.targets.is_empty() && f.excludes.is_empty());
    let plan = Plan {
        changes,
        outputs: f
            .outputs
            .into_iter()
            .map(|o| OutputChange {
                name: o.name,
                before: o.before.map(|v| v.to_value()),
                after: o.after.map(|v| v.to_value()),
                sensitive: o.sensitive,
            })
            .collect(),
        drift,
        moves,
        imports,
        checks: Vec::new(),
        conditions: true,
        prior,
        prior_serial: f.prior_serial,
        destroy: f.destroy,
        targets: f.targets,
        excludes: f.excludes,
        workspace: f.workspace,
        config_hash: f.config_hash,
        // The saved plan was limited by `--target`/`--exclude`: applying
        // it says so again, as Terraform's "Applied changes may be
        // incomplete".
        warnings: if targeted {
            vec![super::scope::targeting_warning()]
        } else {
            Vec::new()
        },
        recovered: None,
        refresh: f.refresh.as_ref().and_then(super::RefreshReport::from_json),
    };
    let inputs = Inputs {
        vars: inputs_from_file(f.vars),
        consts: inputs_from_file(f.consts),
    };
    Ok((plan, inputs))
}
