//! Recording an apply in the state store's journal: the run's opening
//! entry, the moves and forgotten objects of the plan before the first
//! operation (one write), and what a write of completions and intents
//! (`commit.rs`, `StateStore::record_all`, one fsync) means for the
//! report. The first write that fails breaks the journal for the rest of
//! the run: nothing more is written, and the scheduler starts nothing new.

use super::report::ApplyReport;
use crate::addr::ResourceAddress;
use crate::plan::{Action, Plan};
use crate::state::journal::{Entry, EntryKind};
use crate::state::{State, StateError, StateStore};
use infra_lang::Diagnostic;
use tokio::runtime::Handle;

const JOURNAL_HELP: &str = "The apply stopped as if interrupted: nothing new was started, and what was running was waited for. What completed is written to the state at the end; if that fails too, the state is saved to a file of its own (see below).";

/// The journal of one apply: entries are made against `base`, the plan's
/// prior state (lineage and serial).
pub(super) struct Journal<'a> {
    pub(super) store: &'a dyn StateStore,
    pub(super) rt: &'a Handle,
    pub(super) base: &'a State,
    /// The run's opening entry ([`run_marker`]), written before the next
    /// entries: a run that journals nothing writes nothing.
    pub(super) opening: std::cell::Cell<Option<Entry>>,
}

impl<'a> Journal<'a> {
    /// The journal of a run from `base` in `store`.
    pub(super) fn new(store: &'a dyn StateStore, rt: &'a Handle, base: &'a State) -> Self {
        Journal {
            store,
            rt,
            base,
            opening: std::cell::Cell::new(None),
        }
    }

    /// From now on, the next write starts with `entry` (a run's opening
    /// entry).
    pub(super) fn opens_with(&self, entry: Entry) {
        self.opening.set(Some(entry));
    }

    /// `entries` after the opening entry still to be written (taken).
    pub(super) fn with_opening(&self, entries: &[Entry]) -> Vec<Entry> {
        let mut all: Vec<Entry> = self.opening.take().into_iter().collect();
        all.extend_from_slice(entries);
        all
    }

    /// Records `entries` durably, as one batch (one fsync) when the store
    /// can. Once the journal has failed nothing more is written: the
    /// completed operations among `entries` join
    /// [`ApplyReport::unrecorded`].
    pub(super) fn record_batch(&self, entries: &[Entry], report: &mut ApplyReport) {
        if entries.is_empty() {
            return;
        }
        let result = (!report.journal_failed()).then(|| {
            self.rt
                .block_on(self.store.record_all(&self.with_opening(entries)))
        });
        account(entries, result.as_ref(), report);
    }

    /// Writes the intents of creates about to start (or a run's opening
    /// entry, [`run_marker`]) in one durable write.
    ///
    /// # Errors
    /// The store refused the write.
    pub(super) fn announce(&self, intents: &[Entry]) -> Result<(), StateError> {
        if intents.is_empty() {
            return Ok(());
        }
        self.rt
            .block_on(self.store.record_all(&self.with_opening(intents)))
    }

    /// Carries out the plan's moves, imports and forgotten objects on `state`,
    /// which change only the state: journalled first (in one write), so a
    /// crash before the end still leaves them recorded. (The plan's prior
    /// state has the moves carried out already; the journal replays onto
    /// the stored state, which has not.)
    pub(super) fn record_state_only(
        &self,
        plan: &Plan,
        state: &mut State,
        report: &mut ApplyReport,
    ) {
        let mut entries = Vec::new();
        for m in &plan.moves {
            if let Some(inst) = state.resources.get(&m.to) {
                entries.push(Entry::new(self.base, &m.from, &inst.provider, None));
                entries.push(Entry::new(self.base, &m.to, &inst.provider, Some(inst)));
            }
        }
        for i in &plan.imports {
            if let Some(inst) = state.resources.get(&i.address) {
                entries.push(Entry::new(
                    self.base,
                    &i.address,
                    &inst.provider,
                    Some(inst),
                ));
                report.imported += 1;
            }
        }
        for c in plan.changes.iter().filter(|c| c.action == Action::Forget) {
            state.resources.remove(&c.address);
            entries.push(Entry::new(self.base, &c.address, &c.provider, None));
        }
        self.record_batch(&entries, report);
    }
}

/// What a journal write of `entries` that returned `result` (`None`: not
/// made, the journal having failed before) means for `report`: a failed
/// write breaks the journal (`state::journal`, naming the completions it
/// held), and the completed operations of a write that failed or was not
/// made join [`ApplyReport::unrecorded`]. Returns whether they were
/// recorded.
pub(super) fn account(
    entries: &[Entry],
    result: Option<&Result<(), StateError>>,
    report: &mut ApplyReport,
) -> bool {
    match result {
        Some(Ok(())) => return true,
        Some(Err(e)) => {
            let addrs: Vec<String> = entries
                .iter()
                .filter(|e| matches!(e.kind, EntryKind::Done | EntryKind::Abandoned))
                .map(|e| format!("`{}`", e.address))
                .collect();
            if !addrs.is_empty() {
                report.errors.push(
                    Diagnostic::error(
                        "state::journal",
                        format!("could not record {} in the journal: {e}", addrs.join(", ")),
                    )
                    .with_help(JOURNAL_HELP),
                );
            }
            report.journal_broken = true;
        }
        None => {}
    }
    for e in entries.iter().filter(|e| e.kind == EntryKind::Done) {
        if let Ok(addr) = ResourceAddress::parse(&e.address)
            && !report.unrecorded.contains(&addr)
        {
            report.unrecorded.push(addr);
        }
    }
    false
}

/// The entry opening a run of `operations` provider operations, made
/// against `journal`'s base: replayed after a crash, it lets the next
/// command say how far the run got (`state::journal::Interrupted`).
pub(super) fn run_marker(journal: &Journal<'_>, operations: usize) -> Entry {
    Entry::run(
        journal.base,
        crate::state::journal::RunMarker {
            operations: operations as u64,
            rollback: false,
        },
    )
}
