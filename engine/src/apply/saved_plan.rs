//! Applying a saved plan (`infra apply PLANFILE`): reading it, and
//! refusing it when the state or the configuration changed since it was
//! made (mirrors Terraform's "Saved plan is stale").

use crate::eval::Inputs;
use crate::plan::{Import, Plan, config_hash, file};
use crate::state::State;
use infra_lang::Diagnostic;
use std::path::Path;

/// Reads the saved plan at `path` with the inputs it was made with,
/// decrypting it with `target` (the `encryption` block's `plan` target).
///
/// # Errors
/// `plan::bad-file`: unreadable, not a plan, or another format version;
/// `plan::decrypt-failed`: it cannot be decrypted.
pub fn load_saved_plan(
    path: &Path,
    target: &crate::encryption::Target,
) -> Result<(Plan, Inputs), Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(
            "plan::bad-file",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let plain = target.decrypt(&bytes).map_err(|e| {
        Diagnostic::error(
            "plan::decrypt-failed",
            format!("cannot decrypt the plan {}: {e}", path.display()),
        )
        .with_help("Nothing was changed. Give the passphrase or key the plan was saved with; the `encryption` block's `plan` target decrypts saved plans (docs/encryption.md).")
    })?;
    std::str::from_utf8(&plain)
        .map_err(|e| format!("not a plan file ({e})"))
        .and_then(file::from_text)
        .map_err(|e| Diagnostic::error("plan::bad-file", e))
}

/// The inputs to apply a saved plan with: `saved` (the plan's), each
/// ephemeral variable it withholds ([`file::WITHHELD`]) taken from
/// `given` (this run's `-var`s, var files and environment).
///
/// # Errors
/// `ephemeral::missing-at-apply` for each withheld variable `given` lacks
/// (mirrors Terraform's "Ephemeral variable must be set for apply").
pub fn restore_ephemeral(mut saved: Inputs, given: &Inputs) -> Result<Inputs, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for (name, v) in &mut saved.vars {
        let withheld =
            matches!(v, crate::eval::InputValue::Raw { origin, .. } if origin == file::WITHHELD);
        if !withheld {
            continue;
        }
        match given.vars.get(name) {
            Some(g) => *v = g.clone(),
            None => errors.push(
                Diagnostic::error(
                    "ephemeral::missing-at-apply",
                    format!("the ephemeral variable `{name}` was set when the plan was made, and must be set again to apply it"),
                )
                .with_help(format!("A saved plan never holds ephemeral values: give it again with `-var {name}=...`, in a var file, or as INFRA_VAR_{name}.")),
            ),
        }
    }
    if errors.is_empty() {
        Ok(saved)
    } else {
        Err(errors)
    }
}

/// Checks that `plan` still applies to `current` (the stored state, empty
/// when there is none) and to the configuration in `root`.
///
/// # Errors
/// `plan::stale`: the state's lineage or serial moved since the plan was
/// made (a plan made against no state applies to no state only);
/// `plan::config-changed`: the configuration's hash differs.
pub fn check_saved_plan(plan: &Plan, current: &State, root: &Path) -> Result<(), Diagnostic> {
    stale(&plan.prior, plan.prior_serial, current, &plan.imports)?;
    if config_hash(root) != plan.config_hash {
        return Err(Diagnostic::error(
            "plan::config-changed",
            "the configuration changed since the saved plan was made",
        )
        .with_help("Run `infra plan -out FILE` again and apply the new plan."));
    }
    Ok(())
}

/// `plan::stale` unless `current` is the state a plan made against
/// `prior` (stored serial `prior_serial`) expects: same lineage and
/// serial, or no state on either side (the objects the plan `imported`
/// are in `prior` without being stored).
fn stale(
    prior: &State,
    prior_serial: u64,
    current: &State,
    imported: &[Import],
) -> Result<(), Diagnostic> {
    // The prior state of a plan made against no state holds only what the
    // plan itself put there: imported objects and data sources it read.
    let stored_none = prior.resources.keys().all(|a| {
        a.mode == crate::addr::ResourceMode::Data || imported.iter().any(|i| i.address == *a)
    });
    let fresh = stored_none && prior_serial == 0 && current.serial == 0;
    if fresh || (current.lineage == prior.lineage && current.serial == prior_serial) {
        return Ok(());
    }
    Err(Diagnostic::error(
        "plan::stale",
        format!(
            "the saved plan is stale: it was made against state serial {} (lineage {}), but the state is now at serial {} (lineage {})",
            prior_serial, prior.lineage, current.serial, current.lineage
        ),
    )
    .with_help("The state changed since the plan was made. Run `infra plan -out FILE` again and apply the new plan."))
}

#[cfg(test)]
mod tests {
    use super::stale;
    use crate::state::State;

    fn state(lineage: &str, serial: u64) -> State {
        State {
            lineage: lineage.into(),
            serial,
            ..State::new()
        }
    }

    #[test]
    fn the_same_lineage_and_serial_apply() {
        assert!(stale(&state("a", 3), 3, &state("a", 3), &[]).is_ok());
    }

    #[test]
    fn a_plan_made_against_no_state_applies_to_a_new_state_of_any_lineage() {
        assert!(stale(&state("a", 0), 0, &state("b", 0), &[]).is_ok());
    }

    #[test]
    fn data_sources_the_plan_read_do_not_make_a_fresh_plan_stale() {
        let mut prior = state("a", 0);
        let addr = crate::addr::ResourceAddress::parse("data.infra_data.d").expect("address");
        prior.resources.insert(
            addr,
            crate::state::InstanceState {
                value: infra_lang::Value::NULL,
                provider: "infra".into(),
                dependencies: Vec::new(),
                create_before_destroy: false,
                deposed: Default::default(),
                meta: Default::default(),
                deposed_meta: Default::default(),
            },
        );
        assert!(stale(&prior, 0, &state("b", 0), &[]).is_ok());
    }

    #[test]
    fn a_newer_serial_or_another_lineage_is_stale() {
        let Err(newer) = stale(&state("a", 3), 3, &state("a", 4), &[]) else {
            panic!("a newer serial applied");
        };
        assert_eq!(newer.code, "plan::stale");
        assert!(newer.message.contains("serial 3 (lineage a)"));
        assert!(newer.message.contains("now at serial 4 (lineage a)"));
        let Err(other) = stale(&state("a", 3), 3, &state("b", 3), &[]) else {
            panic!("another lineage applied");
        };
        assert_eq!(other.code, "plan::stale");
    }
}
