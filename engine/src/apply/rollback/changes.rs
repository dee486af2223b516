//! What a rollback does: for each instance a run changed, the change that
//! puts it back as it was before the run (`target`), or why it cannot.
//! Created objects are deleted; updated objects are planned through their
//! provider from the new object back to the old one (refused when the
//! provider would have to replace it); the old object of a
//! create-before-destroy replacement still deposed becomes current again
//! once the new one is deleted; deleted objects cannot come back. Data
//! sources and changes of the state alone (dependencies) are restored
//! without a provider call.

use crate::addr::{ResourceAddress, ResourceMode};
use crate::plan::replace::forcing_paths;
use crate::plan::{Action, ResourceChange, propose_for};
use crate::provider::consistency::path_name;
use crate::provider::consistency::plan_checked;
use crate::provider::{PlanRequest, Providers, ResourceSchema};
use crate::state::{InstanceState, State};
use infra_lang::Value;
use std::collections::{BTreeMap, HashMap};

/// How an instance is put back, for the summary.
pub const DELETED: &str = "deleted (created by this run)";
/// An updated object planned and applied back to its old value.
pub const RESTORED: &str = "restored to its previous value";
/// The old object of a create-before-destroy replacement.
pub const MADE_CURRENT: &str = "previous object made current again";

/// The rollback of a run: the changes to carry out, what the state takes
/// at each address once its change succeeds, and what cannot be undone.
#[derive(Debug, Default)]
pub(crate) struct RollbackPlan {
    /// Deletes and updates, in address order, ordered by the graph in
    /// reverse: an update waits for the updates of its dependents, a
    /// delete for its dependents (`prior_dependencies`).
    pub changes: Vec<ResourceChange>,
    /// The instance each change's address takes when it succeeds (`None`:
    /// forgotten). An update keeps the provider's new value.
    pub restore: HashMap<ResourceAddress, Option<InstanceState>>,
    /// Instances restored in the state alone (data sources, dependencies).
    pub state_only: Vec<(ResourceAddress, Option<InstanceState>)>,
    /// How each change puts its instance back ([`DELETED`], …).
    pub how: BTreeMap<ResourceAddress, &'static str>,
    /// Instances left as the run made them, with why.
    pub kept: Vec<(ResourceAddress, String)>,
}

/// The addresses whose instance differs between `current` and `target`
/// (created, deleted or changed since), in address order.
pub(crate) fn touched(current: &State, target: &State) -> Vec<ResourceAddress> {
    let mut out: Vec<ResourceAddress> = current
        .resources
        .keys()
        .chain(target.resources.keys())
        .filter(|a| current.resources.get(*a) != target.resources.get(*a))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Plans putting each of `addresses` back from `current` to `target`,
/// with `providers` configured.
pub(crate) fn plan_rollback(
    providers: &Providers,
    current: &State,
    target: &State,
    addresses: &[ResourceAddress],
) -> RollbackPlan {
    let mut p = RollbackPlan::default();
    for a in addresses {
        let (now, then) = (current.resources.get(a), target.resources.get(a));
        match (now, then) {
            (None, None) => {}
            _ if a.mode == ResourceMode::Data => p.state_only.push((a.clone(), then.cloned())),
            (None, Some(_)) => p.kept.push((
                a.clone(),
                "it was deleted by this run, and a deleted object cannot come back".into(),
            )),
            (Some(now), None) => {
                p.changes.push(delete(a, now));
                p.restore.insert(a.clone(), None);
                p.how.insert(a.clone(), DELETED);
            }
            (Some(now), Some(then)) if now.value.same_data(&then.value) => {
                p.state_only.push((a.clone(), Some(then.clone())));
            }
            (Some(now), Some(then))
                if now.deposed.values().any(|d| d.same_data(&then.value))
                    && !then.deposed.values().any(|d| d.same_data(&then.value)) =>
            {
                p.changes.push(delete(a, now));
                p.restore.insert(a.clone(), Some(then.clone()));
                p.how.insert(a.clone(), MADE_CURRENT);
            }
            (Some(now), Some(then)) => match update(providers, a, now, then) {
                Ok(c) => {
                    p.changes.push(c);
                    p.restore.insert(a.clone(), Some(then.clone()));
                    p.how.insert(a.clone(), RESTORED);
                }
                Err(why) => p.kept.push((a.clone(), why)),
            },
        }
    }
    keep_what_kept_objects_use(&mut p, current);
    order_updates(&mut p.changes);
    p
}

/// The delete of `now`'s current object.
pub(super) fn delete(a: &ResourceAddress, now: &InstanceState) -> ResourceChange {
    ResourceChange {
        address: a.clone(),
        provider: now.provider.clone(),
        action: Action::Delete,
        reasons: vec!["rollback".into()],
        replace_paths: Vec::new(),
        before: Some(now.value.clone()),
        after: None,
        config_unknown: false,
        dependencies: Vec::new(),
        prior_dependencies: now.dependencies.clone(),
        create_before_destroy: now.create_before_destroy,
        deposed: None,
        planned_private: Vec::new(),
        config: None,
    }
}

/// The update of `now` back to `then`, planned by its provider with
/// `then` as the configuration (computed-only attributes null).
///
/// # Errors
/// Why it cannot be rolled back: no provider or schema, the plan failed,
/// or it would replace the object.
fn update(
    providers: &Providers,
    a: &ResourceAddress,
    now: &InstanceState,
    then: &InstanceState,
) -> Result<ResourceChange, String> {
    let no_provider = || format!("no provider `{}` to restore it with", now.provider);
    let provider = providers
        .get(&now.provider)
        .or_else(|| providers.for_type(&a.type_name))
        .ok_or_else(no_provider)?;
    let schema = providers
        .schema(&a.type_name, false)
        .ok_or_else(no_provider)?;
    let config = as_config(schema, &then.value);
    let proposed = propose_for(schema, Some(&now.value), &config);
    let planned = plan_checked(
        provider.as_ref(),
        schema,
        PlanRequest {
            type_name: &a.type_name,
            prior: Some(&now.value),
            config: &config,
            proposed,
            prior_private: &now.meta.private,
        },
        &a.to_string(),
    )
    .map_err(|d| {
        let why: Vec<String> = d.into_iter().map(|d| d.message).collect();
        format!(
            "its provider could not plan the way back: {}",
            why.join("; ")
        )
    })?;
    let changed = changed_attributes(&now.value, &planned.planned);
    let forcing = forcing_paths(
        schema,
        &now.value,
        &planned.planned,
        &changed,
        &planned.requires_replace,
    )?;
    if !forcing.is_empty() {
        let names: Vec<String> = forcing
            .iter()
            .map(|p| format!("`{}`", path_name(p)))
            .collect();
        return Err(format!(
            "its provider would have to replace it to restore {}",
            names.join(", ")
        ));
    }
    Ok(ResourceChange {
        address: a.clone(),
        provider: now.provider.clone(),
        action: Action::Update,
        reasons: vec!["rollback".into()],
        replace_paths: Vec::new(),
        before: Some(now.value.clone()),
        after: Some(planned.planned),
        config_unknown: false,
        dependencies: Vec::new(),
        prior_dependencies: now.dependencies.clone(),
        create_before_destroy: now.create_before_destroy,
        deposed: None,
        planned_private: planned.private,
        config: Some(config),
    })
}

/// `value` as a configuration of `schema`: computed-only attributes null.
fn as_config(schema: &ResourceSchema, value: &Value) -> Value {
    let Value::Object(m) = value else {
        return value.clone();
    };
    let mut m = m.clone();
    for (name, attr) in &schema.attributes {
        if attr.read_only()
            && let Some(v) = m.get_mut(name)
        {
            *v = Value::Null(attr.ty.clone());
        }
    }
    Value::Object(m)
}

/// The top-level attributes whose values differ between two objects.
fn changed_attributes(before: &Value, after: &Value) -> Vec<String> {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return Vec::new();
    };
    a.iter()
        .filter(|(k, v)| {
            b.get(*k)
                .is_none_or(|old| v.has_unknown() || !old.same_data(v))
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// A created object that a kept object depends on (in `current`) stays:
/// deleting it would break the kept one. Followed through dependencies.
fn keep_what_kept_objects_use(p: &mut RollbackPlan, current: &State) {
    let mut todo: Vec<ResourceAddress> = p.kept.iter().map(|(a, _)| a.clone()).collect();
    while let Some(user) = todo.pop() {
        let Some(inst) = current.resources.get(&user) else {
            continue;
        };
        for dep in &inst.dependencies {
            if let Some(i) = p
                .changes
                .iter()
                .position(|c| c.address == *dep && c.action == Action::Delete)
            {
                let c = p.changes.remove(i);
                p.restore.remove(&c.address);
                p.how.remove(&c.address);
                p.kept.push((
                    c.address.clone(),
                    format!("`{user}`, which is not rolled back, still uses it"),
                ));
                todo.push(c.address);
            }
        }
    }
    p.kept.sort_by(|x, y| x.0.cmp(&y.0));
}

/// Orders updates in reverse: each waits for the updates of the objects
/// that depend on it (the graph orders creates and updates after their
/// `dependencies`).
fn order_updates(changes: &mut [ResourceChange]) {
    let users: Vec<(ResourceAddress, Vec<ResourceAddress>)> = changes
        .iter()
        .filter(|c| c.action == Action::Update)
        .map(|c| (c.address.clone(), c.prior_dependencies.clone()))
        .collect();
    for c in changes.iter_mut().filter(|c| c.action == Action::Update) {
        c.dependencies = users
            .iter()
            .filter(|(_, deps)| deps.contains(&c.address))
            .map(|(u, _)| u.clone())
            .collect();
    }
}
