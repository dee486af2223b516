//! The apply scheduler: starts every operation whose predecessors are
//! done, at most `parallelism` at once; on each batch of completions,
//! records them in the journal (one durable write) and only then starts
//! what became ready. A failed operation marks everything downstream as
//! blocked; an interrupt or a broken journal stops new starts
//! (`interrupt.rs`). The pieces it calls: `ledger.rs` (the new state and
//! intents), `journal.rs` (durable records), `running.rs` (provider tasks).

use super::ApplyOptions;
use super::events::{Event, verb};
use super::graph::{OpGraph, OpKind};
use super::intent::intent_for;
use super::interrupt::Stop;
use super::journal::Journal;
use super::ledger::Ledger;
use super::report::ApplyReport;
use super::running::{Completion, Running};
use super::values::Evaluation;
use crate::plan::{Action, ResourceChange};
use crate::provider::{ApplyRequest, Provider, Providers};
use crate::state::Pending;
use crate::state::journal::Entry;
use infra_lang::Diagnostic;
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::runtime::Handle;

/// An operation about to start: its provider, the request, and the
/// intent journalled first when it creates.
struct Starting {
    node: NodeIndex,
    provider: Arc<dyn Provider>,
    request: ApplyRequest,
    intent: Option<Pending>,
}

/// What an apply run works with and what it builds.
pub(super) struct Scheduler<'a> {
    g: &'a OpGraph,
    changes: &'a [ResourceChange],
    /// The providers, configured.
    providers: &'a Providers,
    options: &'a ApplyOptions,
    rt: &'a Handle,
    journal: &'a Journal<'a>,
    /// The configuration, evaluated again when needed.
    pub(super) eval: Evaluation<'a>,
    /// The new state.
    pub(super) ledger: Ledger<'a>,
    /// What happened.
    pub(super) report: ApplyReport,
    /// For each node, the predecessors not yet done.
    waiting: Vec<usize>,
    /// Nodes whose predecessors are all done, in the order they became so.
    ready: VecDeque<NodeIndex>,
    /// Nodes completed or failed.
    done: Vec<bool>,
    /// Nodes downstream of a failure: never started.
    blocked: Vec<bool>,
    running: Running,
    stop: Stop,
    /// Nothing new starts once an operation failed
    /// (`--rollback-on-failure`, whose rollback follows).
    stop_on_failure: bool,
    /// This run undoes another (`rollback/`): its changes are final as
    /// planned, no condition is evaluated.
    rollback: bool,
}

impl<'a> Scheduler<'a> {
    /// A scheduler over `g` (operations on `changes`) with nothing started.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        g: &'a OpGraph,
        changes: &'a [ResourceChange],
        providers: &'a Providers,
        options: &'a ApplyOptions,
        rt: &'a Handle,
        journal: &'a Journal<'a>,
        eval: Evaluation<'a>,
        ledger: Ledger<'a>,
        report: ApplyReport,
    ) -> Self {
        let waiting: Vec<usize> = g
            .node_indices()
            .map(|n| g.neighbors_directed(n, Direction::Incoming).count())
            .collect();
        let ready = g
            .node_indices()
            .filter(|n| waiting[n.index()] == 0)
            .collect();
        Scheduler {
            g,
            changes,
            providers,
            options,
            rt,
            journal,
            eval,
            ledger,
            report,
            waiting,
            ready,
            done: vec![false; g.node_count()],
            blocked: vec![false; g.node_count()],
            running: Running::new(),
            stop: Stop::default(),
            stop_on_failure: options.rollback_on_failure,
            rollback: false,
        }
    }

    /// The scheduler of a rollback: every change is applied as planned
    /// (no re-evaluation, no conditions), and a failed undo stops only
    /// what waits for it.
    #[must_use]
    pub(super) fn rolling_back(mut self) -> Self {
        self.rollback = true;
        self.stop_on_failure = false;
        self
    }

    /// Runs until nothing runs and nothing more can start; what was not
    /// done is then listed as skipped.
    pub(super) fn run(&mut self, on_event: &mut dyn FnMut(Event<'_>)) {
        let (g, changes) = (self.g, self.changes);
        loop {
            self.stop.check(
                self.options,
                &mut self.running,
                (g, changes),
                (self.providers, self.rt),
                &mut self.report,
                on_event,
            );
            for s in self.take_ready(on_event) {
                self.start(s, on_event);
            }
            if self.running.is_empty() {
                break;
            }
            let batch = self.running.wait(&mut |n, elapsed| {
                let op = g[n];
                let c = &changes[op.change];
                on_event(Event::Running {
                    address: &c.address,
                    verb: verb(c.action, op.kind).0,
                    elapsed,
                });
            });
            if !batch.is_empty() {
                self.completed(batch, on_event);
            }
        }
        self.report.skip_undone(g, changes, &self.done);
    }

    /// Takes ready operations while fewer than `parallelism` run and
    /// nothing stopped the run, and journals the intents of the creates
    /// among them in one durable write. Nothing starts that the journal
    /// could not record, and nothing new starts after it.
    fn take_ready(&mut self, on_event: &mut dyn FnMut(Event<'_>)) -> Vec<Starting> {
        let parallelism = self.options.parallelism.max(1);
        let mut starting = Vec::new();
        let mut announced: Vec<Entry> = Vec::new();
        while self.running.len() + starting.len() < parallelism
            && !self.report.interrupted
            && !self.report.journal_failed()
            && !self.stopped_by_failure()
        {
            let Some(n) = self.ready.pop_front() else {
                break;
            };
            match self.prepare(n) {
                Ok(s) => {
                    if let Some(p) = &s.intent {
                        announced.push(Entry::intent(self.journal.base, p));
                    }
                    starting.push(s);
                }
                Err(d) => self.fail(n, d, on_event),
            }
        }
        if let Err(e) = self.journal.announce(&announced) {
            self.report.journal_broken = true;
            for s in std::mem::take(&mut starting) {
                let c = &self.changes[self.g[s.node].change];
                let d = vec![Diagnostic::error(
                    "state::journal",
                    format!(
                        "`{}` was not started: the journal could not be written: {e}",
                        c.address
                    ),
                )];
                self.fail(s.node, d, on_event);
            }
        }
        starting
    }

    /// An operation failed and `--rollback-on-failure` stops new starts.
    fn stopped_by_failure(&self) -> bool {
        self.stop_on_failure && !self.report.failed.is_empty()
    }

    /// The provider and request of operation `n`, and its intent when it
    /// creates.
    ///
    /// # Errors
    /// No provider for it, or its final planned value fails
    /// (`Evaluation::final_planned`).
    fn prepare(&mut self, n: NodeIndex) -> Result<Starting, Vec<Diagnostic>> {
        let op = self.g[n];
        let c = &self.changes[op.change];
        let providers = self.providers;
        let Some(provider) = providers
            .get(&c.provider)
            .or_else(|| providers.for_type(&c.address.type_name))
            .cloned()
        else {
            return Err(vec![Diagnostic::error(
                "provider::missing",
                format!("no provider `{}` for `{}`", c.provider, c.address),
            )]);
        };
        let (request, intent) = match op.kind {
            OpKind::Delete => (
                ApplyRequest {
                    type_name: c.address.type_name.clone(),
                    prior: c.before.clone(),
                    prior_private: self.prior_private(c, true),
                    ..ApplyRequest::default()
                },
                None,
            ),
            OpKind::Apply if self.rollback => (
                ApplyRequest {
                    type_name: c.address.type_name.clone(),
                    prior: c.before.clone(),
                    planned: c.after.clone(),
                    config: c.config.clone(),
                    prior_private: self.prior_private(c, false),
                    planned_private: c.planned_private.clone(),
                },
                None,
            ),
            OpKind::Apply => {
                let update = c.action == Action::Update;
                let prior_private = if update {
                    self.prior_private(c, false)
                } else {
                    Vec::new()
                };
                self.eval.preconditions(c)?;
                let (planned, config, planned_private) =
                    self.eval.final_planned(providers, c, &prior_private)?;
                let intent = intent_for(c, op.kind, &planned);
                let request = ApplyRequest {
                    type_name: c.address.type_name.clone(),
                    prior: if update { c.before.clone() } else { None },
                    planned: Some(planned),
                    config,
                    prior_private,
                    planned_private,
                };
                (request, intent)
            }
        };
        Ok(Starting {
            node: n,
            provider,
            request,
            intent,
        })
    }

    /// The private bytes stored with the object change `c` works on: its
    /// deposed object's when it deletes one, else the current object's
    /// (`deleting` an object replaced create-then-delete: the one now
    /// deposed, which was current in the plan's prior state).
    fn prior_private(&self, c: &ResourceChange, deleting: bool) -> Vec<u8> {
        let Some(inst) = self.ledger.base().resources.get(&c.address) else {
            return Vec::new();
        };
        match &c.deposed {
            Some(key) if deleting => inst
                .deposed_meta
                .get(key)
                .map(|m| m.private.clone())
                .unwrap_or_default(),
            _ => inst.meta.private.clone(),
        }
    }

    /// Starts `s` on the runtime, its intent (already journalled) now
    /// pending in the state.
    fn start(&mut self, s: Starting, on_event: &mut dyn FnMut(Event<'_>)) {
        let op = self.g[s.node];
        let c = &self.changes[op.change];
        self.ledger.started(s.node, s.intent);
        on_event(Event::Started {
            address: &c.address,
            verb: verb(c.action, op.kind).0,
        });
        let is_read = c.action == Action::Read;
        let address = c.address.to_string();
        self.running
            .spawn(self.rt, (s.node, address), s.provider, s.request, is_read);
    }

    /// Records every operation of `batch` together: one durable write (one
    /// fsync) for the batch, before anything that depends on one of them
    /// starts; then reports failures and completions and releases what
    /// waited for the completed ones.
    fn completed(&mut self, batch: Vec<Completion>, on_event: &mut dyn FnMut(Event<'_>)) {
        let (g, changes) = (self.g, self.changes);
        let mut entries: Vec<Entry> = Vec::new();
        let mut finished = Vec::new();
        let mut failed = Vec::new();
        for done in batch {
            let n = done.node;
            let op = g[n];
            let c = &changes[op.change];
            match done.result {
                Err(d) => {
                    entries.extend(self.ledger.failed(n, done.crashed));
                    failed.push((n, d));
                }
                Ok(new) => {
                    let id = self.ledger.succeeded(
                        n,
                        op,
                        c,
                        new,
                        self.providers,
                        &self.eval,
                        &mut entries,
                        &mut self.report,
                    );
                    let mut problems = done.problems;
                    if op.kind == OpKind::Apply && !self.rollback {
                        problems.extend(self.eval.postconditions(c));
                    }
                    if problems.is_empty() {
                        finished.push((n, verb(c.action, op.kind).1, done.elapsed, id));
                    } else {
                        // Recorded all the same (the object exists), but
                        // an error: what depends on it does not start.
                        failed.push((n, problems));
                    }
                }
            }
        }
        let journal_was_ok = !self.report.journal_failed();
        self.journal.record_batch(&entries, &mut self.report);
        if journal_was_ok
            && self.report.journal_failed()
            && let Some(first) = self.report.unrecorded.first()
        {
            on_event(Event::JournalFailed {
                address: first,
                running: self.running.len(),
            });
        }
        for (n, d) in failed {
            self.fail(n, d, on_event);
        }
        for (n, noun, elapsed, id) in finished {
            let c = &changes[g[n].change];
            self.done[n.index()] = true;
            on_event(Event::Finished {
                address: &c.address,
                noun,
                elapsed,
                id,
            });
            for next in g.neighbors_directed(n, Direction::Outgoing) {
                self.waiting[next.index()] -= 1;
                if self.waiting[next.index()] == 0 && !self.blocked[next.index()] {
                    self.ready.push_back(next);
                }
            }
        }
    }

    /// Operation `n` failed with `diagnostics`: reported, done, and
    /// everything downstream blocked (later listed as skipped).
    fn fail(
        &mut self,
        n: NodeIndex,
        diagnostics: Vec<Diagnostic>,
        on_event: &mut dyn FnMut(Event<'_>),
    ) {
        let c = &self.changes[self.g[n].change];
        on_event(Event::Failed {
            address: &c.address,
            diagnostics: &diagnostics,
        });
        self.report.failed.push((c.address.clone(), diagnostics));
        self.done[n.index()] = true;
        let mut todo = vec![n];
        while let Some(x) = todo.pop() {
            for next in self.g.neighbors_directed(x, Direction::Outgoing) {
                if !self.blocked[next.index()] {
                    self.blocked[next.index()] = true;
                    todo.push(next);
                }
            }
        }
    }
}
