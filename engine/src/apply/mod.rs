//! Apply: carries out exactly a plan's changes. The scheduler on the
//! calling thread (`scheduler.rs`) walks the operation graph (`graph.rs`), starting each provider
//! operation on the tokio runtime as soon as what it waits for is done,
//! at most `parallelism` at once. Every completed operation is appended to
//! the state store's journal (fsynced) before anything that depends on it
//! starts; the state file is written once at the end. A failed operation
//! skips its dependents; independent branches finish. An interrupt stops
//! new operations and waits for running ones, at most `stop_timeout`; a
//! second interrupt (or the deadline) abandons those still running, and
//! the state is written with everything completed so far. So does the
//! first journal write that fails: nothing new starts (what completes is
//! then only in the final state, which the report says). Moves (`moved` blocks) and
//! forgotten objects (`removed` with `destroy = false`) call no provider:
//! they are journalled before the first operation. Before a create (or
//! the create half of a replacement) starts, its intent is journalled
//! (`state::Pending`); the completion clears it, so a create a crash
//! interrupts is known to the next run, which looks for its object
//! (`plan/reconcile.rs`). [`apply`] prepares (graph, serial, provider
//! configurations, moves), runs the scheduler and finishes (`finish.rs`:
//! outputs, the state write); a saved plan is checked first
//! (`saved_plan.rs`).

pub mod graph;

mod commit;
mod events;
mod finish;
mod intent;
mod interrupt;
mod journal;
mod ledger;
mod report;
pub mod rollback;
mod running;
mod saved_plan;
mod scheduler;
mod values;

#[cfg(test)]
mod pipeline_tests;

pub use events::Event;
pub use report::ApplyReport;
pub use saved_plan::{check_saved_plan, load_saved_plan, restore_ephemeral};
pub(crate) use values::carry_marks;

use crate::eval::Inputs;
use crate::plan::Plan;
use crate::provider::Providers;
use crate::state::StateStore;
use graph::build;
use infra_lang::Diagnostic;
use journal::Journal;
use ledger::Ledger;
use scheduler::Scheduler;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tokio::runtime::Handle;
use values::Evaluation;

/// How to apply.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Provider operations at once (`--parallelism`, default 10).
    pub parallelism: usize,
    /// Set (e.g. by Ctrl-C) to stop starting operations.
    pub interrupt: Arc<AtomicBool>,
    /// Set (by a second Ctrl-C) to stop waiting for running operations.
    pub abandon: Arc<AtomicBool>,
    /// How long an interrupted apply waits for running operations before
    /// abandoning them (`--stop-timeout`, 30 s by default).
    pub stop_timeout: Duration,
    /// The workspace name.
    pub workspace: String,
    /// `--rollback-on-failure`: once an operation fails, nothing new
    /// starts and, when what runs has finished, the run's completed
    /// operations are undone (`rollback/`).
    pub rollback_on_failure: bool,
}

/// What an apply works with: the configuration it re-evaluates, the
/// providers, the state store it records in, the runtime provider calls
/// run on.
pub struct Workspace<'a> {
    /// The configuration directory.
    pub root: &'a Path,
    /// The inputs the plan was made with.
    pub inputs: &'a Inputs,
    /// The providers.
    pub providers: &'a Providers,
    /// Where completed operations and the new state are recorded.
    pub store: &'a dyn StateStore,
    /// The tokio runtime.
    pub rt: &'a Handle,
}

/// Applies `plan` in workspace `ws`, calling `on_event` as operations
/// start and finish. Never panics on provider failures: they are in the
/// report.
pub fn apply(
    ws: &Workspace<'_>,
    plan: &Plan,
    options: &ApplyOptions,
    on_event: &mut dyn FnMut(Event<'_>),
) -> ApplyReport {
    let mut report = ApplyReport::default();
    let g = match build(&plan.changes) {
        Ok(g) => g,
        Err(d) => {
            report.errors.push(d);
            return report;
        }
    };
    // The new serial is known before anything runs: a state whose serial
    // cannot grow could not record what this run would do.
    let next_serial = match plan.prior.next_serial() {
        Ok(n) => n,
        Err(e) => {
            let mut d = Diagnostic::error("state::serial-overflow", e.to_string());
            d.help = e.help();
            report.errors.push(d);
            return report;
        }
    };
    let mut eval = Evaluation::new(ws.root, ws.inputs, &options.workspace, plan, ws.providers);
    let mut configured = ws.providers.clone();
    if let Err(d) = eval.configure(&mut configured, &plan.changes, ws.rt) {
        report.errors.extend(d);
        return report;
    }
    let journal = Journal::new(ws.store, ws.rt, &plan.prior);
    let mut state = plan.prior.clone();
    state.interrupted = None;
    journal.record_state_only(plan, &mut state, &mut report);
    // The run's size, for the next command should this one die.
    journal.opens_with(journal::run_marker(&journal, g.node_count()));
    let before = state.clone();
    // Imported objects were read at plan: recording them is the import.
    for i in &plan.imports {
        on_event(Event::Started {
            address: &i.address,
            verb: "Importing",
        });
        on_event(Event::Finished {
            address: &i.address,
            noun: "Import",
            elapsed: Duration::ZERO,
            id: Some(i.id.clone()),
        });
    }
    let mut run = Scheduler::new(
        &g,
        &plan.changes,
        &configured,
        options,
        ws.rt,
        &journal,
        eval,
        Ledger::new(&plan.prior, state),
        report,
    );
    run.run(on_event);
    let Scheduler {
        mut eval,
        ledger,
        mut report,
        ..
    } = run;
    let mut state = ledger.state;
    if options.rollback_on_failure && rolls_back(&report) {
        let addresses = rollback::touched(&state, &before);
        match rollback::record::save(ws.store, ws.rt, &before, &addresses) {
            Ok(()) => {
                let cx = rollback::Context {
                    providers: &configured,
                    options,
                    rt: ws.rt,
                    journal: &journal,
                };
                let (after, rolled) =
                    rollback::run(&cx, eval, state, &before, &addresses, on_event);
                state = after;
                state.outputs = before.outputs.clone();
                state.serial = next_serial;
                finish::write_state(ws.store, ws.rt, &state, &mut report);
                rollback::finish(ws.store, ws.rt, &rolled, &mut report);
                report.rollback = Some(rolled);
                report.state = Some(state);
                return report;
            }
            Err(e) => report.errors.push(Diagnostic::error(
                "apply::rollback-record",
                format!("nothing was rolled back: the rollback could not be recorded: {e}"),
            )),
        }
    }
    finish::outputs(plan, &mut eval, &mut state, &mut report);
    if !plan.destroy {
        // A failing `check` assertion is a warning, as in Terraform (one
        // still unknown waits on an operation that failed: not repeated).
        report.warnings.extend(
            eval.checks()
                .into_iter()
                .filter(|c| matches!(c.status, crate::eval::CheckStatus::Fail(_)))
                .filter_map(|c| c.warning),
        );
    }
    state.serial = next_serial;
    finish::write_state(ws.store, ws.rt, &state, &mut report);
    report.state = Some(state);
    report
}

/// Whether a run that ended as `report` says is rolled back under
/// `--rollback-on-failure`: an operation failed, and every outcome is
/// known and journalled (not after an interrupt, an abandoned operation
/// or a broken journal: those stop the run as they are).
fn rolls_back(report: &ApplyReport) -> bool {
    !report.failed.is_empty()
        && !report.interrupted
        && report.abandoned.is_empty()
        && !report.journal_failed()
}
