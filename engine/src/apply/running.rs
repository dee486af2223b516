//! The provider operations running on the tokio runtime: each is spawned
//! as a task whose result (or panic) comes back on a channel to the
//! scheduler's thread, which waits for completions (and for the journal
//! writes of `commit.rs`, which answer on the same channel) and reports
//! the operations still running every ten seconds.

use super::commit::Written;
use crate::provider::consistency::{check_apply, unknown_as_null};
use crate::provider::{Applied, ApplyRequest, Provider};
use infra_lang::value::Secrets;
use infra_lang::{Diagnostic, Value};
use petgraph::graph::NodeIndex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;

/// A completed operation: its node, the provider's result, what is wrong
/// with that result (the object is recorded all the same, as Terraform
/// saves it), the time it took, and whether the provider task panicked.
pub(super) struct Completion {
    pub(super) node: NodeIndex,
    pub(super) result: Result<Applied, Vec<Diagnostic>>,
    pub(super) problems: Vec<Diagnostic>,
    pub(super) elapsed: Duration,
    pub(super) crashed: bool,
}

/// What the scheduler's thread waits for: an operation's completion, or
/// the end of a journal write.
pub(super) enum Message {
    /// An operation completed.
    Completed(Completion),
    /// A journal write returned.
    Written(Written),
}

/// What one wait brought: the completions and journal writes that
/// arrived, in order of arrival within each.
#[derive(Default)]
pub(super) struct Arrived {
    pub(super) completions: Vec<Completion>,
    pub(super) written: Vec<Written>,
}

/// How often operations still running are reported.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// How long one wait for completions lasts before the scheduler looks at
/// interrupts again.
const POLL: Duration = Duration::from_millis(100);

/// The operations running now, by node, with when each started.
pub(super) struct Running {
    started: HashMap<NodeIndex, Instant>,
    tx: Sender<Message>,
    rx: Receiver<Message>,
    last_beat: Instant,
}

impl Running {
    pub(super) fn new() -> Self {
        let (tx, rx) = channel();
        Running {
            started: HashMap::new(),
            tx,
            rx,
            last_beat: Instant::now(),
        }
    }

    /// A sender on the channel the scheduler waits on (for the journal
    /// writer's answers).
    pub(super) fn sender(&self) -> Sender<Message> {
        self.tx.clone()
    }

    /// How many run.
    pub(super) fn len(&self) -> usize {
        self.started.len()
    }

    /// True when none runs.
    pub(super) fn is_empty(&self) -> bool {
        self.started.is_empty()
    }

    /// Stops waiting for every running operation; returns their nodes in
    /// order.
    pub(super) fn abandon_all(&mut self) -> Vec<NodeIndex> {
        let mut nodes: Vec<NodeIndex> = self.started.keys().copied().collect();
        nodes.sort();
        self.started.clear();
        nodes
    }

    /// Starts operation `n` (on the instance at `address`) on `rt`:
    /// `request` through `provider`'s `apply`, or its `read_data` when
    /// `is_read`. An apply's result is checked as Terraform checks it
    /// (`provider::consistency::check_apply`). Providers see values
    /// without their marks: whatever of the sensitive ones their messages
    /// quote is scrubbed.
    pub(super) fn spawn(
        &mut self,
        rt: &Handle,
        (n, address): (NodeIndex, String),
        provider: Arc<dyn Provider>,
        request: ApplyRequest,
        is_read: bool,
    ) {
        let start = Instant::now();
        self.started.insert(n, start);
        let tx = self.tx.clone();
        let secrets = Secrets::of(request.prior.iter().chain(&request.planned));
        let task = rt.spawn(async move {
            if is_read {
                let config = request.planned.unwrap_or(Value::NULL).unmark_deep().0;
                let read = provider.read_data(&request.type_name, config).await;
                return (read.map(|v| Applied::new(Some(v))), Vec::new());
            }
            let type_name = request.type_name.clone();
            let planned = request.planned.clone();
            let applied = match provider.apply(request).await {
                Ok(a) => a,
                Err(d) => return (Err(d), Vec::new()),
            };
            checked(
                provider.as_ref(),
                &type_name,
                planned.as_ref(),
                applied,
                &address,
            )
        });
        rt.spawn(async move {
            let (result, problems, crashed) = match task.await {
                Ok((r, problems)) => (
                    r.map_err(|d| secrets.scrub_all(d)),
                    secrets.scrub_all(problems),
                    false,
                ),
                Err(e) => (
                    Err(secrets.scrub_all(vec![Diagnostic::error(
                        "provider::panic",
                        format!("the provider crashed: {e}"),
                    )])),
                    Vec::new(),
                    true,
                ),
            };
            let _ = tx.send(Message::Completed(Completion {
                node: n,
                result,
                problems,
                elapsed: start.elapsed(),
                crashed,
            }));
        });
    }

    /// Waits a short while for completions and journal writes: every one
    /// waiting is returned together (a completed operation no longer
    /// counts as running). On none, `heartbeat` gets each running
    /// operation with its time so far, every ten seconds, and nothing
    /// arrived.
    pub(super) fn wait(&mut self, heartbeat: &mut dyn FnMut(NodeIndex, Duration)) -> Arrived {
        let mut arrived = Arrived::default();
        let Ok(first) = self.rx.recv_timeout(POLL) else {
            if self.last_beat.elapsed() >= HEARTBEAT {
                self.last_beat = Instant::now();
                for (n, start) in &self.started {
                    heartbeat(*n, start.elapsed());
                }
            }
            return arrived;
        };
        for m in std::iter::once(first).chain(self.rx.try_iter()) {
            match m {
                Message::Completed(c) => {
                    self.started.remove(&c.node);
                    arrived.completions.push(c);
                }
                Message::Written(w) => arrived.written.push(w),
            }
        }
        arrived
    }
}

/// `applied` checked against `planned` (`None`: a delete) with the schema
/// of `type_name`: the result to record (unknowns left made null, so the
/// state can be saved) and the errors found.
fn checked(
    provider: &dyn Provider,
    type_name: &str,
    planned: Option<&Value>,
    mut applied: Applied,
    address: &str,
) -> (Result<Applied, Vec<Diagnostic>>, Vec<Diagnostic>) {
    let Some(schema) = provider.schema().resources.get(type_name) else {
        return (Ok(applied), Vec::new());
    };
    let problems = check_apply(schema, planned, applied.state.as_ref());
    if problems.is_empty() {
        return (Ok(applied), Vec::new());
    }
    let diags = problems.into_diagnostics(
        applied.legacy_type_system,
        provider.name(),
        address,
        (
            "provider::inconsistent-result",
            "Provider produced inconsistent result after apply",
        ),
        (
            "provider::invalid-result",
            "Provider returned invalid result object after apply",
        ),
    );
    applied.state = applied.state.map(unknown_as_null);
    (Ok(applied), diags)
}
