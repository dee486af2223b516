//! Rollback (`apply --rollback-on-failure`, `infra rollback --resume`):
//! once an operation of a run failed and what was running finished, the
//! run's completed operations are undone in reverse dependency order
//! (`changes.rs` says how each instance goes back) by the same scheduler
//! and journal as apply: a `run` entry marked `rollback` opens it, each
//! completed undo is journalled, and the record beside the state
//! (`record.rs`) keeps the state to return to until the state holding the
//! rollback is written, so a crash during the rollback loses nothing and
//! `infra rollback --resume` finishes it.

mod changes;
pub mod record;

pub(crate) use changes::touched;
pub use changes::{DELETED, MADE_CURRENT, RESTORED};

use super::events::Event;
use super::graph::build;
use super::journal::Journal;
use super::ledger::Ledger;
use super::report::ApplyReport;
use super::scheduler::Scheduler;
use super::values::Evaluation;
use super::{ApplyOptions, Workspace};
use crate::addr::ResourceAddress;
use crate::provider::Providers;
use crate::state::State;
use crate::state::journal::{Entry, RunMarker};
use changes::plan_rollback;
use infra_lang::Diagnostic;
use tokio::runtime::Handle;

/// What a rollback did.
#[derive(Debug, Default)]
pub struct RollbackReport {
    /// Instances put back as they were before the run, with how
    /// ([`DELETED`], [`RESTORED`], [`MADE_CURRENT`]).
    pub rolled_back: Vec<(ResourceAddress, &'static str)>,
    /// Instances left as the run made them, with why.
    pub not_rolled_back: Vec<(ResourceAddress, String)>,
    /// Undo operations that failed, with the provider's diagnostics (their
    /// instances are in [`Self::not_rolled_back`] too).
    pub failed: Vec<(ResourceAddress, Vec<Diagnostic>)>,
    /// Errors outside any one operation (the record, the journal).
    pub errors: Vec<Diagnostic>,
    /// The rollback stopped before its end (interrupt, broken journal,
    /// abandoned operations): its record stays for `infra rollback
    /// --resume`.
    pub unfinished: bool,
}

impl RollbackReport {
    /// True when everything the run changed was put back.
    pub fn complete(&self) -> bool {
        self.not_rolled_back.is_empty() && self.errors.is_empty() && !self.unfinished
    }
}

/// What [`run`] works with.
pub(super) struct Context<'a, 'b> {
    pub providers: &'a Providers,
    pub options: &'a ApplyOptions,
    pub rt: &'a Handle,
    pub journal: &'a Journal<'b>,
}

/// Puts `addresses` back from `current` to `target` (journalled against
/// the journal's base state); returns the state after the rollback and
/// what it did.
pub(super) fn run(
    cx: &Context<'_, '_>,
    eval: Evaluation<'_>,
    mut current: State,
    target: &State,
    addresses: &[ResourceAddress],
    on_event: &mut dyn FnMut(Event<'_>),
) -> (State, RollbackReport) {
    let mut out = RollbackReport::default();
    let plan = plan_rollback(cx.providers, &current, target, addresses);
    out.not_rolled_back = plan.kept.clone();
    let g = match build(&plan.changes) {
        Ok(g) => g,
        Err(d) => {
            // Final: trying again would meet the same cycle.
            for c in &plan.changes {
                out.not_rolled_back.push((
                    c.address.clone(),
                    format!("the undo cannot be ordered: {}", d.message),
                ));
            }
            out.not_rolled_back.sort_by(|x, y| x.0.cmp(&y.0));
            out.errors.push(d);
            return (current, out);
        }
    };
    let marker = Entry::run(
        cx.journal.base,
        RunMarker {
            operations: g.node_count() as u64,
            rollback: true,
        },
    );
    let mut journalled = ApplyReport::default();
    // Written at once (after the run's own opening entry, when the run
    // wrote nothing yet): a crash from here on is a rollback's.
    if let Err(e) = cx.journal.announce(std::slice::from_ref(&marker)) {
        out.errors.push(Diagnostic::error(
            "state::journal",
            format!("the rollback did not start: the journal could not be written: {e}"),
        ));
        out.unfinished = true;
        return (current, out);
    }
    // Data sources and dependencies: the state alone.
    let mut entries = Vec::new();
    for (a, inst) in &plan.state_only {
        let provider = inst
            .as_ref()
            .or(current.resources.get(a))
            .map(|i| i.provider.clone())
            .unwrap_or_default();
        entries.push(Entry::new(cx.journal.base, a, &provider, inst.as_ref()));
        match inst {
            Some(i) => current.resources.insert(a.clone(), i.clone()),
            None => current.resources.remove(a),
        };
    }
    cx.journal.record_batch(&entries, &mut journalled);
    on_event(Event::RollingBack {
        operations: g.node_count(),
        kept: out.not_rolled_back.len(),
    });
    for (_, p) in cx.providers.iter() {
        p.undo_starts();
    }
    let ledger = Ledger::new(cx.journal.base, current).restoring(plan.restore);
    let mut sched = Scheduler::new(
        &g,
        &plan.changes,
        cx.providers,
        cx.options,
        cx.rt,
        cx.journal,
        eval,
        ledger,
        journalled,
    )
    .rolling_back();
    sched.run(on_event);
    let Scheduler { ledger, report, .. } = sched;
    for c in &plan.changes {
        let a = &c.address;
        if let Some((_, d)) = report.failed.iter().find(|(f, _)| f == a) {
            let why: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
            out.not_rolled_back
                .push((a.clone(), format!("undoing it failed: {}", why.join("; "))));
            out.failed.push((a.clone(), d.clone()));
        } else if report.abandoned.contains(a) {
            out.not_rolled_back
                .push((a.clone(), "its undo was abandoned while running".into()));
        } else if report.skipped.contains(a) {
            out.not_rolled_back.push((
                a.clone(),
                "not undone: what it waits for failed or the rollback stopped".into(),
            ));
        } else if let Some(how) = plan.how.get(a) {
            out.rolled_back.push((a.clone(), how));
        }
    }
    out.not_rolled_back.sort_by(|x, y| x.0.cmp(&y.0));
    out.unfinished = report.interrupted || report.journal_failed() || !report.abandoned.is_empty();
    out.errors.extend(report.errors);
    (ledger.state, out)
}

/// Takes up the unfinished rollback recorded beside `ws.store`: reads the
/// state (its journal replayed), puts the recorded instances back, writes
/// the state and removes the record. `None` when there is no record.
///
/// # Errors
/// The record or the state cannot be read; the providers cannot be
/// configured.
pub fn resume(
    ws: &Workspace<'_>,
    options: &ApplyOptions,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Option<ApplyReport>, Vec<Diagnostic>> {
    let fail = |e: crate::state::StateError| {
        let mut d = Diagnostic::error("state::io", e.to_string());
        d.help = e.help();
        vec![d]
    };
    let Some(pending) = record::load(ws.store, ws.rt).map_err(fail)? else {
        return Ok(None);
    };
    let mut current = ws
        .rt
        .block_on(ws.store.read())
        .map_err(fail)?
        .unwrap_or_default();
    current.interrupted = None;
    let next_serial = current.next_serial().map_err(|e| {
        let mut d = Diagnostic::error("state::serial-overflow", e.to_string());
        d.help = e.help();
        vec![d]
    })?;
    let base = current.clone();
    let mut eval = Evaluation::over(ws.root, ws.inputs, &options.workspace, &base, ws.providers);
    let mut configured = ws.providers.clone();
    // Which providers to configure: those of the recorded instances.
    let every: Vec<crate::plan::ResourceChange> = pending
        .addresses
        .iter()
        .filter_map(|a| base.resources.get(a).map(|i| changes::delete(a, i)))
        .collect();
    eval.configure(&mut configured, &every, ws.rt)?;
    let journal = Journal::new(ws.store, ws.rt, &base);
    let cx = Context {
        providers: &configured,
        options,
        rt: ws.rt,
        journal: &journal,
    };
    let (mut state, rollback) = run(
        &cx,
        eval,
        current,
        &pending.target,
        &pending.addresses,
        on_event,
    );
    state.outputs = pending.target.outputs.clone();
    state.serial = next_serial;
    let mut report = ApplyReport::default();
    super::finish::write_state(ws.store, ws.rt, &state, &mut report);
    finish(ws.store, ws.rt, &rollback, &mut report);
    report.rollback = Some(rollback);
    report.state = Some(state);
    Ok(Some(report))
}

/// Once the state holding a rollback is written: removes the record when
/// the rollback went to its end (a failed undo is final: run it again
/// with `infra rollback --resume` only when unfinished).
pub(super) fn finish(
    store: &dyn crate::state::StateStore,
    rt: &Handle,
    rollback: &RollbackReport,
    report: &mut ApplyReport,
) {
    if !report.state_written || rollback.unfinished {
        return;
    }
    if let Err(e) = record::clear(store, rt) {
        report.errors.push(Diagnostic::error(
            "state::write",
            format!("could not remove the record of the finished rollback: {e}"),
        ));
    }
}
