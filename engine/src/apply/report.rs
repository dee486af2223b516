//! What an apply did ([`ApplyReport`]), and the operations it left
//! undone listed as skipped once the scheduler stops.

use super::graph::OpGraph;
use crate::addr::ResourceAddress;
use crate::plan::ResourceChange;
use crate::state::State;
use infra_lang::Diagnostic;

/// What an apply did.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Objects adopted by `import` blocks (recorded in state).
    pub imported: usize,
    /// Objects created (replacements count here and in `destroyed`).
    pub added: usize,
    /// Objects updated in place.
    pub changed: usize,
    /// Objects deleted.
    pub destroyed: usize,
    /// Operations that failed, with why.
    pub failed: Vec<(ResourceAddress, Vec<Diagnostic>)>,
    /// Instances not touched because something they wait for failed or
    /// the run was interrupted.
    pub skipped: Vec<ResourceAddress>,
    /// Stopped by an interrupt.
    pub interrupted: bool,
    /// Operations given up on while running (a second interrupt or the
    /// stop deadline): not recorded, outcome unknown.
    pub abandoned: Vec<ResourceAddress>,
    /// Errors outside any one operation (state writes, outputs).
    pub errors: Vec<Diagnostic>,
    /// Warnings: failing `check` assertions over the applied objects.
    pub warnings: Vec<Diagnostic>,
    /// Completed operations (and moves) the journal could not record: the
    /// first journal failure stops the run, and everything completing
    /// after it is not journalled either. They are in [`Self::state`],
    /// and in the store only when [`Self::state_written`].
    pub unrecorded: Vec<ResourceAddress>,
    /// The journal refused a write: nothing new starts.
    pub journal_broken: bool,
    /// The new state was written to the store.
    pub state_written: bool,
    /// The new state (written to the store when [`Self::state_written`]).
    pub state: Option<State>,
    /// What the rollback did, when an operation failed under
    /// `--rollback-on-failure` (or `infra rollback --resume` ran).
    pub rollback: Option<super::rollback::RollbackReport>,
}

impl ApplyReport {
    /// The serial of the new state, once written to the store.
    pub fn written_serial(&self) -> Option<u64> {
        self.state
            .as_ref()
            .filter(|_| self.state_written)
            .map(|s| s.serial)
    }

    /// True when everything planned was done and recorded.
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
            && self.skipped.is_empty()
            && self.errors.is_empty()
            && self.unrecorded.is_empty()
            && !self.journal_broken
            && !self.interrupted
            && self.abandoned.is_empty()
    }

    /// True once the journal failed: nothing new may start.
    pub fn journal_failed(&self) -> bool {
        self.journal_broken
    }

    /// Lists as skipped every operation of `g` not `done` that neither
    /// failed nor was abandoned (each address once).
    pub(super) fn skip_undone(&mut self, g: &OpGraph, changes: &[ResourceChange], done: &[bool]) {
        for n in g.node_indices() {
            let a = &changes[g[n].change].address;
            if !done[n.index()]
                && !self.failed.iter().any(|(f, _)| f == a)
                && !self.skipped.contains(a)
                && !self.abandoned.contains(a)
            {
                self.skipped.push(a.clone());
            }
        }
    }
}
