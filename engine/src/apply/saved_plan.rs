//! Applying a saved plan (`infra apply PLANFILE`): reading it, and
//! refusing it when the state or the configuration changed since it was
//! made (mirrors Terraform's "Saved plan is stale").

use crate::eval::Inputs;
use crate::plan::{Plan, config_hash, file};
use crate::state::State;
use infra_lang::Diagnostic;
use std::path::Path;

/// Reads the saved plan at `path` with the inputs it was made with.
///
/// # Errors
/// `plan::bad-file`: unreadable, not a plan, or another format version.
pub fn load_saved_plan(path: &Path) -> Result<(Plan, Inputs), Diagnostic> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|t| file::from_text(&t))
        .map_err(|e| Diagnostic::error("plan::bad-file", e))
}

/// Checks that `plan` still applies to `current` (the stored state, empty
/// when there is none) and to the configuration in `root`.
///
/// # Errors
/// `plan::stale`: the state's lineage or serial moved since the plan was
/// made (a plan made against no state applies to no state only);
/// `plan::config-changed`: the configuration's hash differs.
pub fn check_saved_plan(plan: &Plan, current: &State, root: &Path) -> Result<(), Diagnostic> {
    let fresh = plan.prior.resources.is_empty() && plan.prior_serial == 0 && current.serial == 0;
    if !fresh && (current.lineage != plan.prior.lineage || current.serial != plan.prior_serial) {
        return Err(Diagnostic::error(
            "plan::stale",
            format!(
                "the saved plan is stale: it was made against state serial {} (lineage {}), but the state is now at serial {} (lineage {})",
                plan.prior_serial, plan.prior.lineage, current.serial, current.lineage
            ),
        )
        .with_help("The state changed since the plan was made. Run `infra plan -out FILE` again and apply the new plan."));
    }
    if config_hash(root) != plan.config_hash {
        return Err(Diagnostic::error(
            "plan::config-changed",
            "the configuration changed since the saved plan was made",
        )
        .with_help("Run `infra plan -out FILE` again and apply the new plan."));
    }
    Ok(())
}
