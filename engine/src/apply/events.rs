//! The progress events an apply reports to the terminal, and the verb and
//! noun each operation is shown with.

use super::graph::OpKind;
use crate::addr::ResourceAddress;
use crate::plan::Action;
use infra_lang::Diagnostic;
use std::time::Duration;

/// Progress of an apply, for the terminal.
#[derive(Debug)]
pub enum Event<'a> {
    /// An operation started: `Creating`, `Modifying`, `Destroying`, `Reading`.
    Started {
        /// Which instance.
        address: &'a ResourceAddress,
        /// The verb.
        verb: &'static str,
    },
    /// An operation is still running after `elapsed`.
    Running {
        /// Which instance.
        address: &'a ResourceAddress,
        /// The verb.
        verb: &'static str,
        /// Time since it started.
        elapsed: Duration,
    },
    /// An operation completed after `elapsed`: `Creation`, `Modifications`,
    /// `Destruction`, `Read`.
    Finished {
        /// Which instance.
        address: &'a ResourceAddress,
        /// The noun.
        noun: &'static str,
        /// How long it took.
        elapsed: Duration,
        /// The new object's id attribute, when it has one.
        id: Option<String>,
    },
    /// An interrupt was noticed: nothing new starts; `running`
    /// operations are waited for.
    Interrupted {
        /// Operations still running.
        running: usize,
    },
    /// Recording completed operations in the journal failed: like an
    /// interrupt, nothing new starts; `running` operations are waited for.
    JournalFailed {
        /// The first operation that could not be recorded.
        address: &'a ResourceAddress,
        /// Operations still running.
        running: usize,
    },
    /// Operations still running were abandoned: their outcome is unknown
    /// (a create may have made an object state does not record; its
    /// intent stays pending for the next run to reconcile).
    Abandoned {
        /// Their instances.
        addresses: Vec<&'a ResourceAddress>,
        /// True after a second interrupt, false when `stop_timeout` passed.
        second_interrupt: bool,
    },
    /// An operation failed under `--rollback-on-failure` and what ran
    /// finished: the run's completed operations are undone now.
    RollingBack {
        /// The undo operations (provider calls) to carry out.
        operations: usize,
        /// Instances that cannot be put back (listed in the summary).
        kept: usize,
    },
    /// An operation failed.
    Failed {
        /// Which instance.
        address: &'a ResourceAddress,
        /// Why.
        diagnostics: &'a [Diagnostic],
    },
}

/// The verb shown when an operation starts and the noun when it
/// completes (Terraform's wording): `("Creating", "Creation")`, …
pub(super) fn verb(action: Action, kind: OpKind) -> (&'static str, &'static str) {
    match (kind, action) {
        (OpKind::Delete, _) => ("Destroying", "Destruction"),
        (OpKind::Apply, Action::Update) => ("Modifying", "Modifications"),
        (OpKind::Apply, Action::Read) => ("Reading", "Read"),
        _ => ("Creating", "Creation"),
    }
}
