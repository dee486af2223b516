//! The apply scheduler: starts every operation whose predecessors are
//! done, at most `parallelism` at once. Each batch of completions is
//! queued for the journal's next write (`commit.rs`: group commit, one
//! write in flight at a time on a thread of its own); what depends on
//! them is prepared at once (its intent, when it creates, queued in the
//! same write) but starts only when that write returned. Meanwhile
//! operations that depend on nothing unwritten keep starting
//! (pipelining). A failed operation marks everything downstream as
//! blocked; an interrupt or a broken journal stops new starts
//! (`interrupt.rs`). The pieces it calls: `ledger.rs` (the new state and
//! intents), `journal.rs` (durable records), `running.rs` (provider tasks).

use super::ApplyOptions;
use super::commit::{GroupCommit, Written, spawn_writer};
use super::events::{Event, verb};
use super::graph::{OpGraph, OpKind};
use super::intent::intent_for;
use super::interrupt::Stop;
use super::journal::{Journal, account};
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

/// What became of a completed operation, said once its journal write
/// returned: finished (with its noun, time and id), or failed.
enum Outcome {
    Finished(NodeIndex, &'static str, std::time::Duration, Option<String>),
    Failed(NodeIndex, Vec<Diagnostic>),
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
    /// For each node, the journal write that must have returned before it
    /// starts: the latest holding the completion of one of its
    /// predecessors (0: none).
    gate: Vec<u64>,
    /// Operations prepared (intent queued when they create), each with
    /// the write it waits for, in the order they were prepared.
    prepared: VecDeque<(Starting, u64)>,
    /// Completions whose journal write has not returned: said (events,
    /// done) once it has, by write number, in order.
    unwritten: VecDeque<(u64, Vec<Outcome>)>,
    /// The journal's writes.
    commits: GroupCommit,
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
            gate: vec![0; g.node_count()],
            prepared: VecDeque::new(),
            unwritten: VecDeque::new(),
            commits: GroupCommit::new(),
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

    /// Runs until nothing runs, every journal write returned and nothing
    /// more can start; what was not done is then listed as skipped. The
    /// journal is written on a thread of its own (when one can be
    /// started) that ends with the run.
    pub(super) fn run(&mut self, on_event: &mut dyn FnMut(Event<'_>)) {
        let (store, rt) = (self.journal.store, self.rt);
        let tx = self.running.sender();
        std::thread::scope(|scope| {
            self.commits.attach(spawn_writer(scope, store, rt, tx));
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.run_loop(on_event);
            }));
            // The writer ends once its sender is gone; the scope waits for it.
            self.commits.detach();
            if let Err(panic) = ran {
                std::panic::resume_unwind(panic);
            }
        });
        self.report.skip_undone(self.g, self.changes, &self.done);
    }

    /// The scheduler's loop: notice interrupts, prepare and start what
    /// may start, send the queued journal entries, wait for completions
    /// and journal writes.
    fn run_loop(&mut self, on_event: &mut dyn FnMut(Event<'_>)) {
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
            self.take_ready(on_event);
            self.start_durable(on_event);
            if let Some(w) = self.commits.flush(self.journal) {
                self.written(w, on_event);
                continue;
            }
            if self.running.is_empty()
                && self.commits.idle()
                && (self.prepared.is_empty() || !self.may_start())
            {
                break;
            }
            let arrived = self.running.wait(&mut |n, elapsed| {
                let op = g[n];
                let c = &changes[op.change];
                on_event(Event::Running {
                    address: &c.address,
                    verb: verb(c.action, op.kind).0,
                    elapsed,
                });
            });
            for w in arrived.written {
                self.written(w, on_event);
            }
            if !arrived.completions.is_empty() {
                self.completed(arrived.completions, on_event);
            }
        }
    }

    /// Whether new operations may start: no interrupt, a working journal,
    /// no failure under `--rollback-on-failure`.
    fn may_start(&self) -> bool {
        !self.report.interrupted && !self.report.journal_failed() && !self.stopped_by_failure()
    }

    /// Prepares ready operations while fewer than `parallelism` run or
    /// wait to start, and nothing stopped the run: the intent of a create
    /// is queued for the journal's next write, which it then waits for.
    fn take_ready(&mut self, on_event: &mut dyn FnMut(Event<'_>)) {
        let parallelism = self.options.parallelism.max(1);
        while self.running.len() + self.prepared.len() < parallelism && self.may_start() {
            let Some(n) = self.ready.pop_front() else {
                break;
            };
            match self.prepare(n) {
                Ok(s) => {
                    let mut gate = self.gate[n.index()];
                    if let Some(p) = &s.intent {
                        let intent = Entry::intent(self.journal.base, p);
                        gate = gate.max(self.commits.queue(vec![intent]));
                    }
                    self.prepared.push_back((s, gate));
                }
                Err(d) => self.fail(n, d, on_event),
            }
        }
    }

    /// Starts prepared operations whose journal write returned, in the
    /// order they were prepared, while fewer than `parallelism` run and
    /// nothing stopped the run. Nothing starts that the journal could not
    /// record, and nothing new starts after it failed.
    fn start_durable(&mut self, on_event: &mut dyn FnMut(Event<'_>)) {
        let parallelism = self.options.parallelism.max(1);
        while self.running.len() < parallelism && self.may_start() {
            let commits = &self.commits;
            let Some(i) = self.prepared.iter().position(|(_, g)| commits.settled(*g)) else {
                break;
            };
            if let Some((s, _)) = self.prepared.remove(i) {
                self.start(s, on_event);
            }
        }
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
                // A create is announced only when it can leave a real
                // object behind.
                let intent = intent_for(c, op.kind, &planned)
                    .filter(|_| provider.makes_real_object(&c.address.type_name, &planned));
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

    /// Takes every operation of `batch` into the new state and queues
    /// their entries for the journal's next write (one write, one fsync,
    /// for the batch and whatever else completes before it is sent). What
    /// waited for the completed ones becomes ready at once, gated on that
    /// write: it may be prepared, but starts only once the write returned.
    /// Failures and completions are said when it has
    /// ([`Scheduler::written`]).
    fn completed(&mut self, batch: Vec<Completion>, on_event: &mut dyn FnMut(Event<'_>)) {
        let (g, changes) = (self.g, self.changes);
        let mut entries: Vec<Entry> = Vec::new();
        let mut outcomes = Vec::new();
        for done in batch {
            let n = done.node;
            let op = g[n];
            let c = &changes[op.change];
            match done.result {
                Err(d) => {
                    entries.extend(self.ledger.failed(n, done.crashed));
                    outcomes.push(Outcome::Failed(n, d));
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
                        let noun = verb(c.action, op.kind).1;
                        outcomes.push(Outcome::Finished(n, noun, done.elapsed, id));
                    } else {
                        // Recorded all the same (the object exists), but
                        // an error: what depends on it does not start.
                        outcomes.push(Outcome::Failed(n, problems));
                    }
                }
            }
        }
        if self.report.journal_failed() {
            // Nothing more is written: what completed is only in the
            // final state, and said now.
            self.journal.record_batch(&entries, &mut self.report);
            self.settle(outcomes, on_event);
            return;
        }
        let seq = if entries.is_empty() {
            self.commits.latest()
        } else {
            self.commits.queue(entries)
        };
        for o in &outcomes {
            if let Outcome::Finished(n, ..) = o {
                for next in g.neighbors_directed(*n, Direction::Outgoing) {
                    let i = next.index();
                    self.waiting[i] -= 1;
                    self.gate[i] = self.gate[i].max(seq);
                    if self.waiting[i] == 0 && !self.blocked[i] {
                        self.ready.push_back(next);
                    }
                }
            }
        }
        self.unwritten.push_back((seq, outcomes));
        self.settle_durable(on_event);
    }

    /// Journal write `w` returned. When it failed, the journal is broken:
    /// nothing more is written, the creates whose intent it (or a later
    /// one) held fail (not started; the rest is skipped), and what
    /// completed is said as not recorded.
    /// Then the completions it made durable are said.
    fn written(&mut self, w: Written, on_event: &mut dyn FnMut(Event<'_>)) {
        self.commits.returned(w.seq);
        let journal_was_ok = !self.report.journal_failed();
        account(&w.entries, Some(&w.result), &mut self.report);
        if let Err(e) = &w.result {
            let never = self.commits.break_off();
            account(&never, None, &mut self.report);
            for (s, gate) in std::mem::take(&mut self.prepared) {
                if gate < w.seq || s.intent.is_none() {
                    // Its intent was not lost: it is skipped, not failed.
                    continue;
                }
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
        if journal_was_ok
            && self.report.journal_failed()
            && let Some(first) = self.report.unrecorded.first()
        {
            on_event(Event::JournalFailed {
                address: first,
                running: self.running.len(),
            });
        }
        self.settle_durable(on_event);
    }

    /// Says the completions whose journal write returned (every one, once
    /// the journal failed), in the order they completed.
    fn settle_durable(&mut self, on_event: &mut dyn FnMut(Event<'_>)) {
        while let Some((seq, _)) = self.unwritten.front() {
            if !self.commits.settled(*seq) {
                break;
            }
            if let Some((_, outcomes)) = self.unwritten.pop_front() {
                self.settle(outcomes, on_event);
            }
        }
    }

    /// Reports failures (blocking what depends on them) and completions.
    fn settle(&mut self, outcomes: Vec<Outcome>, on_event: &mut dyn FnMut(Event<'_>)) {
        let mut finished = Vec::new();
        for o in outcomes {
            match o {
                Outcome::Failed(n, d) => self.fail(n, d, on_event),
                Outcome::Finished(n, noun, elapsed, id) => finished.push((n, noun, elapsed, id)),
            }
        }
        for (n, noun, elapsed, id) in finished {
            let c = &self.changes[self.g[n].change];
            self.done[n.index()] = true;
            on_event(Event::Finished {
                address: &c.address,
                noun,
                elapsed,
                id,
            });
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
