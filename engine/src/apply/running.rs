//! The provider operations running on the tokio runtime: each is spawned
//! as a task whose result (or panic) comes back on a channel to the
//! scheduler's thread, which waits for completions and reports the ones
//! still running every ten seconds.

use crate::provider::{ApplyRequest, Provider};
use infra_lang::value::Secrets;
use infra_lang::{Diagnostic, Value};
use petgraph::graph::NodeIndex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;

/// A completed operation: its node, the provider's result, the time it
/// took, and whether the provider task panicked.
pub(super) struct Completion {
    pub(super) node: NodeIndex,
    pub(super) result: Result<Option<Value>, Vec<Diagnostic>>,
    pub(super) elapsed: Duration,
    pub(super) crashed: bool,
}

/// How often operations still running are reported.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// How long one wait for completions lasts before the scheduler looks at
/// interrupts again.
const POLL: Duration = Duration::from_millis(100);

/// The operations running now, by node, with when each started.
pub(super) struct Running {
    started: HashMap<NodeIndex, Instant>,
    tx: Sender<Completion>,
    rx: Receiver<Completion>,
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

    /// Starts operation `n` on `rt`: `request` through `provider`'s
    /// `apply`, or its `read_data` when `is_read`. Providers see values
    /// without their marks: whatever of the sensitive ones their messages
    /// quote is scrubbed.
    pub(super) fn spawn(
        &mut self,
        rt: &Handle,
        n: NodeIndex,
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
                provider
                    .read_data(&request.type_name, config)
                    .await
                    .map(Some)
            } else {
                provider.apply(request).await
            }
        });
        rt.spawn(async move {
            let (result, crashed) = match task.await {
                Ok(r) => (r.map_err(|d| secrets.scrub_all(d)), false),
                Err(e) => (
                    Err(secrets.scrub_all(vec![Diagnostic::error(
                        "provider::panic",
                        format!("the provider crashed: {e}"),
                    )])),
                    true,
                ),
            };
            let _ = tx.send(Completion {
                node: n,
                result,
                elapsed: start.elapsed(),
                crashed,
            });
        });
    }

    /// Waits a short while for completions: every one waiting is returned
    /// together (and no longer counts as running). On none, `heartbeat`
    /// gets each running operation with its time so far, every ten
    /// seconds, and the batch is empty.
    pub(super) fn wait(
        &mut self,
        heartbeat: &mut dyn FnMut(NodeIndex, Duration),
    ) -> Vec<Completion> {
        let Ok(first) = self.rx.recv_timeout(POLL) else {
            if self.last_beat.elapsed() >= HEARTBEAT {
                self.last_beat = Instant::now();
                for (n, start) in &self.started {
                    heartbeat(*n, start.elapsed());
                }
            }
            return Vec::new();
        };
        let mut batch = vec![first];
        batch.extend(self.rx.try_iter());
        for c in &batch {
            self.started.remove(&c.node);
        }
        batch
    }
}
