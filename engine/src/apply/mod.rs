//! Apply: carries out exactly a plan's changes. A driver on the calling
//! thread walks the operation graph (`graph.rs`), starting each provider
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
//! (`plan/reconcile.rs`).

pub mod graph;

use crate::addr::ResourceAddress;
use crate::eval::{EvalOptions, Inputs, InstanceHook, InstanceInfo, Session};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::{ApplyRequest, PlanRequest, Providers, validate};
use crate::state::journal::{Entry, EntryKind};
use crate::state::{
    InstanceState, OutputState, Pending, PendingOperation, State, StateError, StateStore, codec,
    new_deposed_key,
};
use graph::{OpKind, build};
use infra_lang::value::Secrets;
use infra_lang::{Diagnostic, Value};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;

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
}

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
    /// An operation failed.
    Failed {
        /// Which instance.
        address: &'a ResourceAddress,
        /// Why.
        diagnostics: &'a [Diagnostic],
    },
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct ApplyReport {
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
}

impl ApplyReport {
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
}

/// What references see during apply: new state once applied, else the
/// planned (or prior) value.
struct ApplyValues {
    values: RefCell<HashMap<ResourceAddress, Value>>,
}

impl InstanceHook for ApplyValues {
    fn value(&self, info: InstanceInfo<'_>) -> Result<Value, Diagnostic> {
        Ok(self
            .values
            .borrow()
            .get(info.address)
            .cloned()
            .unwrap_or(info.config))
    }
}

fn verb(action: Action, kind: OpKind) -> (&'static str, &'static str) {
    match (kind, action) {
        (OpKind::Delete, _) => ("Destroying", "Destruction"),
        (OpKind::Apply, Action::Update) => ("Modifying", "Modifications"),
        (OpKind::Apply, Action::Read) => ("Reading", "Read"),
        _ => ("Creating", "Creation"),
    }
}

/// Copies the sensitive marks of `planned` onto `new` (a provider returns
/// plain values) and the schema's.
pub(crate) fn carry_marks(
    providers: &Providers,
    type_name: &str,
    planned: &Value,
    new: Value,
) -> Value {
    let marks = codec::encode(planned).sensitive;
    let new = if marks.is_empty() {
        new
    } else {
        let e = codec::encode(&new);
        let mut all = e.sensitive;
        all.extend(marks);
        codec::decode(&e.json, &all, &[], None)
    };
    match providers.schema(type_name, false) {
        Some(s) => crate::plan::mark_schema_sensitive(s, new),
        None => new,
    }
}

struct Driver<'a> {
    root: &'a Path,
    inputs: &'a Inputs,
    providers: &'a Providers,
    options: &'a ApplyOptions,
    hook: Rc<ApplyValues>,
    session: Option<Session>,
}

impl Driver<'_> {
    fn session(&mut self) -> Result<&Session, Vec<Diagnostic>> {
        if self.session.is_none() {
            let opts = EvalOptions {
                workspace: self.options.workspace.clone(),
                hook: Some(self.hook.clone()),
                schemas: None,
                keep_values: false,
            };
            self.session = Some(Session::new(self.root, self.inputs.clone(), &opts)?);
        }
        self.session.as_ref().ok_or_else(Vec::new)
    }

    /// The final planned state of an apply operation: the saved plan's,
    /// or — when the configuration waited for values of other resources —
    /// the configuration evaluated again now and planned once more.
    fn final_planned(&mut self, c: &ResourceChange) -> Result<Value, Vec<Diagnostic>> {
        let after = c.after.clone().unwrap_or(Value::NULL);
        if !c.config_unknown {
            return Ok(after);
        }
        let data = c.action == Action::Read;
        let providers = self.providers;
        let schema = providers
            .schema(&c.address.type_name, data)
            .ok_or_else(|| {
                crate::provider::error(format!("no schema for `{}`", c.address.type_name))
            })?;
        let raw = self.session()?.instance_config(&c.address)?;
        let what = format!("`{}`", c.address);
        let config = validate::conform(schema, &what, raw)
            .map_err(|p| p.into_iter().map(|p| p.diagnostic).collect::<Vec<_>>())?;
        if config.has_unknown() {
            return Err(vec![Diagnostic::error(
                "apply::unknown-config",
                format!(
                    "the configuration of `{}` is still not known during apply",
                    c.address
                ),
            )]);
        }
        if data {
            return Ok(config);
        }
        let provider = providers
            .get(&c.provider)
            .or_else(|| providers.for_type(&c.address.type_name))
            .ok_or_else(|| crate::provider::error("no provider"))?;
        let prior = if c.action == Action::Update {
            c.before.as_ref()
        } else {
            None
        };
        let proposed = crate::plan::propose_for(schema, prior, &config);
        let planned = provider
            .plan(PlanRequest {
                type_name: &c.address.type_name,
                prior,
                config: &config,
                proposed,
            })?
            .planned;
        Ok(planned)
    }
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
    let Workspace {
        root,
        inputs,
        providers,
        store,
        rt,
    } = *ws;
    let mut report = ApplyReport::default();
    let changes = &plan.changes;
    let g = match build(changes) {
        Ok(g) => g,
        Err(d) => {
            report.errors.push(d);
            return report;
        }
    };
    let base = plan.prior.clone();
    let mut state = plan.prior.clone();
    // The new serial is known before anything runs: a state whose serial
    // cannot grow could not record what this run would do.
    let next_serial = match base.next_serial() {
        Ok(n) => n,
        Err(e) => {
            let mut d = Diagnostic::error("state::serial-overflow", e.to_string());
            d.help = e.help();
            report.errors.push(d);
            return report;
        }
    };
    let mut initial = HashMap::new();
    for c in changes {
        if let Some(a) = &c.after {
            initial.insert(c.address.clone(), a.clone());
        }
    }
    for (a, i) in &plan.prior.resources {
        initial.entry(a.clone()).or_insert_with(|| i.value.clone());
    }
    // Providers with configuration arguments are configured from the
    // `provider` blocks, evaluated again as Terraform does at apply.
    let mut configured = providers.clone();
    let needs_config = changes
        .iter()
        .any(|c| configured.configurable(Providers::provider_name(&c.provider)));
    let mut driver = Driver {
        root,
        inputs,
        providers,
        options,
        hook: Rc::new(ApplyValues {
            values: RefCell::new(initial),
        }),
        session: None,
    };
    if needs_config {
        let configs = driver.session().and_then(Session::provider_configs);
        let done =
            configs.and_then(|c| rt.block_on(crate::provider::configure(&mut configured, c)));
        if let Err(d) = done {
            report.errors.extend(d);
            return report;
        }
    }
    driver.providers = &configured;
    let providers = &configured;
    // Moves and forgotten objects change only the state: journalled first,
    // so a crash before the end still leaves them recorded. (The plan's
    // prior state has the moves carried out already; the journal replays
    // onto the stored state, which has not.)
    for m in &plan.moves {
        if let Some(inst) = state.resources.get(&m.to) {
            record(store, rt, &base, &m.from, &inst.provider, None, &mut report);
            record(
                store,
                rt,
                &base,
                &m.to,
                &inst.provider,
                Some(inst),
                &mut report,
            );
        }
    }
    for c in changes.iter().filter(|c| c.action == Action::Forget) {
        state.resources.remove(&c.address);
        record(store, rt, &base, &c.address, &c.provider, None, &mut report);
    }
    let mut waiting: Vec<usize> = g
        .node_indices()
        .map(|n| g.neighbors_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: VecDeque<NodeIndex> = g
        .node_indices()
        .filter(|n| waiting[n.index()] == 0)
        .collect();
    let mut done = vec![false; g.node_count()];
    let mut blocked = vec![false; g.node_count()];
    // (operation, result, time taken, whether the provider task panicked)
    type Msg = (
        NodeIndex,
        Result<Option<Value>, Vec<Diagnostic>>,
        Duration,
        bool,
    );
    let (tx, rx) = std::sync::mpsc::channel::<Msg>();
    let mut running: HashMap<NodeIndex, Instant> = HashMap::new();
    // The deposed key given to the old object of each create-then-delete
    // (by change index) once its new object exists.
    let mut deposed_keys: HashMap<usize, String> = HashMap::new();
    // The intent id of each running create.
    let mut intents: HashMap<NodeIndex, String> = HashMap::new();
    let mut last_beat = Instant::now();
    let parallelism = options.parallelism.max(1);
    let mut interrupted_at: Option<Instant> = None;
    loop {
        if options.interrupt.load(Ordering::SeqCst) && !report.interrupted {
            report.interrupted = true;
            interrupted_at = Some(Instant::now());
            on_event(Event::Interrupted {
                running: running.len(),
            });
        }
        if let Some(at) = interrupted_at
            && !running.is_empty()
        {
            let second = options.abandon.load(Ordering::SeqCst);
            if second || at.elapsed() >= options.stop_timeout {
                let mut nodes: Vec<NodeIndex> = running.keys().copied().collect();
                nodes.sort();
                let addresses = nodes.iter().map(|n| &changes[g[*n].change].address);
                report.abandoned.extend(addresses.clone().cloned());
                on_event(Event::Abandoned {
                    addresses: addresses.collect(),
                    second_interrupt: second,
                });
                running.clear();
            }
        }
        // Operations to start now, with their intents (for creates).
        let mut starting = Vec::new();
        let mut announced: Vec<Entry> = Vec::new();
        while running.len() + starting.len() < parallelism
            && !report.interrupted
            && !report.journal_failed()
        {
            let Some(n) = ready.pop_front() else {
                break;
            };
            let op = g[n];
            let c = &changes[op.change];
            let Some(provider) = providers
                .get(&c.provider)
                .or_else(|| providers.for_type(&c.address.type_name))
                .cloned()
            else {
                let d = vec![Diagnostic::error(
                    "provider::missing",
                    format!("no provider `{}` for `{}`", c.provider, c.address),
                )];
                finish_failed(&g, n, &mut blocked, &mut done, &mut report, c, d, on_event);
                continue;
            };
            let request = match op.kind {
                OpKind::Delete => Ok(ApplyRequest {
                    type_name: c.address.type_name.clone(),
                    prior: c.before.clone(),
                    planned: None,
                }),
                OpKind::Apply => driver.final_planned(c).map(|planned| ApplyRequest {
                    type_name: c.address.type_name.clone(),
                    prior: if c.action == Action::Update {
                        c.before.clone()
                    } else {
                        None
                    },
                    planned: Some(planned),
                }),
            };
            let request = match request {
                Ok(r) => r,
                Err(d) => {
                    finish_failed(&g, n, &mut blocked, &mut done, &mut report, c, d, on_event);
                    continue;
                }
            };
            // A create is announced in the journal before it starts: if
            // the process dies before its result is recorded, the next run
            // looks for the object instead of forgetting it.
            let operation = match (op.kind, c.action) {
                (OpKind::Apply, Action::Create) => Some(PendingOperation::Create),
                (OpKind::Apply, Action::CreateThenDelete) => {
                    Some(PendingOperation::CreateThenDelete)
                }
                (OpKind::Apply, Action::DeleteThenCreate) => {
                    Some(PendingOperation::DeleteThenCreate)
                }
                _ => None,
            };
            let intent = operation.map(|operation| Pending {
                id: Pending::new_id(),
                address: c.address.clone(),
                provider: c.provider.clone(),
                operation,
                planned: request.planned.clone().unwrap_or(Value::NULL),
                dependencies: c.dependencies.clone(),
                create_before_destroy: c.create_before_destroy,
                started: now(),
            });
            if let Some(p) = &intent {
                announced.push(Entry::intent(&base, p));
            }
            starting.push((n, provider, request, intent));
        }
        // The intents of every create about to start: one durable write.
        if !announced.is_empty()
            && let Err(e) = rt.block_on(store.record_all(&announced))
        {
            // Nothing starts that the journal could not record, and
            // nothing new starts after it.
            report.journal_broken = true;
            for (n, _, _, _) in std::mem::take(&mut starting) {
                let c = &changes[g[n].change];
                let d = vec![Diagnostic::error(
                    "state::journal",
                    format!(
                        "`{}` was not started: the journal could not be written: {e}",
                        c.address
                    ),
                )];
                finish_failed(&g, n, &mut blocked, &mut done, &mut report, c, d, on_event);
            }
        }
        for (n, provider, request, intent) in starting {
            let op = g[n];
            let c = &changes[op.change];
            if let Some(p) = intent {
                intents.insert(n, p.id.clone());
                state.pending.push(p);
            }
            on_event(Event::Started {
                address: &c.address,
                verb: verb(c.action, op.kind).0,
            });
            let start = Instant::now();
            running.insert(n, start);
            let tx = tx.clone();
            let is_read = c.action == Action::Read;
            // Providers see values without their marks: whatever of the
            // sensitive ones their messages quote is scrubbed.
            let secrets = Secrets::of(request.prior.iter().chain(&request.planned));
            let task = rt.spawn(async move {
                if is_read {
                    let config = request.planned.unwrap_or(Value::NULL).unmark_deep().0;
                    provider
                        .read_data(&request.type_name, config)
                        .await
                        .map(Some)
                } else {
                    provider.apply(request).await
                }
            });
            rt.spawn(async move {
                let (r, crashed) = match task.await {
                    Ok(r) => (r.map_err(|d| secrets.scrub_all(d)), false),
                    Err(e) => (
                        Err(secrets.scrub_all(vec![Diagnostic::error(
                            "provider::panic",
                            format!("the provider crashed: {e}"),
                        )])),
                        true,
                    ),
                };
                let _ = tx.send((n, r, start.elapsed(), crashed));
            });
        }
        if running.is_empty() {
            break;
        }
        let first = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(m) => m,
            Err(_) => {
                if last_beat.elapsed() >= Duration::from_secs(10) {
                    last_beat = Instant::now();
                    for (n, start) in &running {
                        let op = g[*n];
                        let c = &changes[op.change];
                        on_event(Event::Running {
                            address: &c.address,
                            verb: verb(c.action, op.kind).0,
                            elapsed: start.elapsed(),
                        });
                    }
                }
                continue;
            }
        };
        // Every operation that completed meanwhile is recorded together:
        // one durable write (one fsync) for the batch, before anything
        // that depends on one of them starts.
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        let mut entries: Vec<Entry> = Vec::new();
        let mut finished = Vec::new();
        let mut failed = Vec::new();
        for (n, result, elapsed, crashed) in batch {
            running.remove(&n);
            let op = g[n];
            let c = &changes[op.change];
            let intent = intents.remove(&n);
            let Ok(new) = result else {
                // A failed create changed nothing (the provider contract):
                // its intent is resolved. After a panic nothing is known,
                // and the intent stays for the next run to look into.
                if let Some(id) = &intent
                    && !crashed
                    && let Some(i) = state.pending.iter().position(|p| p.id == *id)
                {
                    let p = state.pending.remove(i);
                    entries.push(Entry::abandoned(&base, &p));
                }
                failed.push((n, result.err().unwrap_or_default()));
                continue;
            };
            let (_, noun) = verb(c.action, op.kind);
            let mut id = None;
            match op.kind {
                OpKind::Delete => {
                    // A deposed object (left over from an earlier
                    // replacement, or the old object of this run's
                    // create-then-delete, whose new object is in state
                    // already) leaves the instance's deposed objects; a
                    // plain or delete-first removal forgets the address.
                    let key = match &c.deposed {
                        Some(k) => Some(k.clone()),
                        None if c.action == Action::CreateThenDelete => {
                            deposed_keys.remove(&op.change)
                        }
                        None => None,
                    };
                    if let Some(key) = key {
                        if let Some(inst) = state.resources.get_mut(&c.address)
                            && inst.deposed.remove(&key).is_some()
                        {
                            let provider = inst.provider.clone();
                            entries.push(Entry::new(&base, &c.address, &provider, Some(inst)));
                        }
                    } else if c.action != Action::CreateThenDelete {
                        state.resources.remove(&c.address);
                        entries.push(Entry::new(&base, &c.address, &c.provider, None));
                    }
                    report.destroyed += 1;
                }
                OpKind::Apply => {
                    let planned = c.after.clone().unwrap_or(Value::NULL);
                    let value = carry_marks(
                        providers,
                        &c.address.type_name,
                        &planned,
                        new.unwrap_or(Value::NULL),
                    );
                    id = match &value {
                        Value::Object(m) => {
                            m.get("id").and_then(|v| v.as_str().map(str::to_string))
                        }
                        _ => None,
                    };
                    // Deposed objects stay; after a create-then-delete the
                    // old object joins them (journalled with the new one)
                    // until its delete succeeds.
                    let mut deposed = state
                        .resources
                        .get(&c.address)
                        .map(|i| i.deposed.clone())
                        .unwrap_or_default();
                    if c.action == Action::CreateThenDelete
                        && let Some(old) = &c.before
                    {
                        let mut key = new_deposed_key();
                        while deposed.contains_key(&key) {
                            key = new_deposed_key();
                        }
                        deposed.insert(key.clone(), old.clone());
                        deposed_keys.insert(op.change, key);
                    }
                    let inst = InstanceState {
                        value: value.clone(),
                        provider: c.provider.clone(),
                        dependencies: c.dependencies.clone(),
                        create_before_destroy: c.create_before_destroy,
                        deposed,
                    };
                    let mut entry = Entry::new(&base, &c.address, &c.provider, Some(&inst));
                    if let Some(id) = &intent {
                        entry = entry.resolving(id);
                        state.pending.retain(|p| p.id != *id);
                    }
                    entries.push(entry);
                    state.resources.insert(c.address.clone(), inst);
                    driver
                        .hook
                        .values
                        .borrow_mut()
                        .insert(c.address.clone(), value);
                    match c.action {
                        Action::Update => report.changed += 1,
                        Action::Read => {}
                        _ => report.added += 1,
                    }
                }
            }
            finished.push((n, noun, elapsed, id));
        }
        let journal_was_ok = !report.journal_failed();
        record_batch(store, rt, &entries, &mut report);
        if journal_was_ok
            && report.journal_failed()
            && let Some(first) = report.unrecorded.first()
        {
            on_event(Event::JournalFailed {
                address: first,
                running: running.len(),
            });
        }
        for (n, d) in failed {
            let c = &changes[g[n].change];
            finish_failed(&g, n, &mut blocked, &mut done, &mut report, c, d, on_event);
        }
        for (n, noun, elapsed, id) in finished {
            let c = &changes[g[n].change];
            done[n.index()] = true;
            on_event(Event::Finished {
                address: &c.address,
                noun,
                elapsed,
                id,
            });
            for next in g.neighbors_directed(n, Direction::Outgoing) {
                waiting[next.index()] -= 1;
                if waiting[next.index()] == 0 && !blocked[next.index()] {
                    ready.push_back(next);
                }
            }
        }
    }
    for n in g.node_indices() {
        if !done[n.index()]
            && !report
                .failed
                .iter()
                .any(|(a, _)| *a == changes[g[n].change].address)
        {
            let a = &changes[g[n].change].address;
            if !report.skipped.contains(a) && !report.abandoned.contains(a) {
                report.skipped.push(a.clone());
            }
        }
    }
    // Outputs, once everything that could be applied is.
    if plan.destroy {
        state.outputs.clear();
    } else if !plan.outputs.is_empty() {
        match driver.session().and_then(Session::outputs) {
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
    state.serial = next_serial;
    match rt.block_on(store.write(&state)) {
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
    report.state = Some(state);
    report
}

#[allow(clippy::too_many_arguments)]
fn finish_failed(
    g: &graph::OpGraph,
    n: NodeIndex,
    blocked: &mut [bool],
    done: &mut [bool],
    report: &mut ApplyReport,
    c: &ResourceChange,
    diagnostics: Vec<Diagnostic>,
    on_event: &mut dyn FnMut(Event<'_>),
) {
    on_event(Event::Failed {
        address: &c.address,
        diagnostics: &diagnostics,
    });
    report.failed.push((c.address.clone(), diagnostics));
    done[n.index()] = true;
    // Everything downstream is skipped.
    let mut todo = vec![n];
    while let Some(x) = todo.pop() {
        for next in g.neighbors_directed(x, Direction::Outgoing) {
            if !blocked[next.index()] {
                blocked[next.index()] = true;
                todo.push(next);
            }
        }
    }
}

/// Journals that `addr` now has state `inst` (`None`: gone). After the
/// first failure nothing more is written (a torn line could swallow the
/// next one): the address joins [`ApplyReport::unrecorded`].
fn record(
    store: &dyn StateStore,
    rt: &Handle,
    base: &State,
    addr: &ResourceAddress,
    provider: &str,
    inst: Option<&InstanceState>,
    report: &mut ApplyReport,
) {
    let entry = Entry::new(base, addr, provider, inst);
    record_batch(store, rt, std::slice::from_ref(&entry), report);
}

const JOURNAL_HELP: &str = "The apply stopped as if interrupted: nothing new was started, and what was running was waited for. What completed is written to the state at the end; if that fails too, the state is saved to a file of its own (see below).";

/// Records `entries` durably, as one batch (one fsync) when the store can.
/// Once the journal has failed nothing more is written: the completed
/// operations among `entries` join [`ApplyReport::unrecorded`].
fn record_batch(store: &dyn StateStore, rt: &Handle, entries: &[Entry], report: &mut ApplyReport) {
    if entries.is_empty() {
        return;
    }
    let failed = if report.journal_failed() {
        true
    } else if let Err(e) = rt.block_on(store.record_all(entries)) {
        let addrs: Vec<String> = entries.iter().map(|e| format!("`{}`", e.address)).collect();
        report.errors.push(
            Diagnostic::error(
                "state::journal",
                format!("could not record {} in the journal: {e}", addrs.join(", ")),
            )
            .with_help(JOURNAL_HELP),
        );
        report.journal_broken = true;
        true
    } else {
        false
    };
    if failed {
        for e in entries.iter().filter(|e| e.kind == EntryKind::Done) {
            if let Ok(addr) = ResourceAddress::parse(&e.address)
                && !report.unrecorded.contains(&addr)
            {
                report.unrecorded.push(addr);
            }
        }
    }
}

/// Now, RFC 3339 UTC.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    infra_stdlib::rfc3339_utc(secs)
}
