//! The end of an apply: the outputs evaluated once everything that could
//! be applied is, and the new state written once (the journal then goes).

use super::report::ApplyReport;
use super::values::Evaluation;
use crate::eval::Session;
use crate::plan::Plan;
use crate::state::{OutputState, State, StateError, StateStore};
use infra_lang::Diagnostic;
use std::collections::BTreeMap;
use tokio::runtime::Handle;

/// Sets `state`'s outputs: none after a destroy; else the configuration's
/// known outputs when the plan has any. An output failure is an error of
/// the report only when nothing else failed (it would be a consequence).
pub(super) fn outputs(
    plan: &Plan,
    eval: &mut Evaluation<'_>,
    state: &mut State,
    report: &mut ApplyReport,
) {
    if plan.destroy {
        state.outputs.clear();
        return;
    }
    if plan.outputs.is_empty() {
        return;
    }
    match eval.session().and_then(Session::outputs) {
        Ok(outputs) => {
            state.outputs = outputs
                .into_iter()
                .filter(|(_, v)| !v.has_unknown())
                .map(|(k, v)| {
                    let sensitive = v.is_sensitive_deep();
                    (
                        k,
                        OutputState {
                            value: v,
                            sensitive,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>();
        }
        Err(d) if report.ok() => report.errors.extend(d),
        Err(_) => {}
    }
}

/// Writes `state` to `store`; on failure the report says where what
/// completed is (the journal, or nowhere but [`ApplyReport::state`]).
pub(super) fn write_state(
    store: &dyn StateStore,
    rt: &Handle,
    state: &State,
    report: &mut ApplyReport,
) {
    match rt.block_on(store.write(state)) {
        Ok(()) => report.state_written = true,
        Err(e) => {
            let (code, help) = match &e {
                // Someone else's newer state: the journal would not apply to it.
                StateError::Conflict { .. } => ("state::conflict", e.help()),
                _ if !report.unrecorded.is_empty() => (
                    "state::write",
                    Some(format!(
                        "{} completed operations are in neither the state nor its journal (listed below): keep the state this run produced, shown below, until it is in place.",
                        report.unrecorded.len()
                    )),
                ),
                _ => (
                    "state::write",
                    Some("Every completed operation is in the journal beside the state; the next infra command replays it.".to_string()),
                ),
            };
            let mut d = Diagnostic::error(code, format!("could not write the state: {e}"));
            d.help = help;
            report.errors.push(d);
        }
    }
}
