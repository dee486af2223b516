//! Group commit: the journal writes of one apply, made one at a time on a
//! thread of their own so the scheduler keeps working while a write (an
//! fsync) is in flight. Entries (completions, intents) queue meanwhile and
//! all go in the next write; so operations that complete during an fsync
//! share the next one, and operations that depend on nothing unwritten
//! keep starting (pipelining). Writes are numbered 1, 2, …: an operation
//! whose dependency's completion (or whose own intent) is in write `k` is
//! *gated* on `k` and starts only once write `k` returned
//! ([`GroupCommit::settled`]), which keeps the journal invariant of
//! docs/state.md: nothing starts before what it depends on is durable,
//! and no create starts before its intent is.

use super::journal::Journal;
use super::running::Message;
use crate::state::journal::Entry;
use crate::state::{StateError, StateStore};
use std::sync::mpsc::{Sender, channel};
use std::thread::{Builder, Scope};
use tokio::runtime::Handle;

/// A journal write that returned: its number, its entries, the store's
/// answer.
pub(super) struct Written {
    /// The write's number (1 for the run's first).
    pub(super) seq: u64,
    /// What it held, in order.
    pub(super) entries: Vec<Entry>,
    /// `StateStore::record_all`'s result.
    pub(super) result: Result<(), StateError>,
}

/// What is queued, in flight and returned, and the channel to the writer
/// thread (none: writes are made on the scheduler's thread).
#[derive(Default)]
pub(super) struct GroupCommit {
    /// Entries for the next write.
    queue: Vec<Entry>,
    /// The number of the last write sent.
    submitted: u64,
    /// The number of the last write returned.
    returned: u64,
    /// The journal failed: nothing more is written.
    broken: bool,
    to_writer: Option<Sender<(u64, Vec<Entry>)>>,
}

impl GroupCommit {
    /// Nothing queued or written yet; writes inline until
    /// [`GroupCommit::attach`].
    pub(super) fn new() -> Self {
        GroupCommit::default()
    }

    /// From now on writes go to the writer thread behind `tx`.
    pub(super) fn attach(&mut self, tx: Option<Sender<(u64, Vec<Entry>)>>) {
        self.to_writer = tx;
    }

    /// Stops using the writer thread (which then ends).
    pub(super) fn detach(&mut self) {
        self.to_writer = None;
    }

    /// Queues `entries` for the next write; returns that write's number.
    pub(super) fn queue(&mut self, entries: Vec<Entry>) -> u64 {
        self.queue.extend(entries);
        self.submitted + 1
    }

    /// The write whose return makes everything queued or sent so far
    /// durable (the last one returned when there is none).
    pub(super) fn latest(&self) -> u64 {
        if self.queue.is_empty() {
            self.submitted
        } else {
            self.submitted + 1
        }
    }

    /// Whether write `seq` returned (0: nothing to wait for), or never
    /// will: the journal failed (and then nothing starts any more).
    pub(super) fn settled(&self, seq: u64) -> bool {
        seq <= self.returned || self.broken
    }

    /// Nothing queued and no write in flight.
    pub(super) fn idle(&self) -> bool {
        self.queue.is_empty() && self.returned == self.submitted
    }

    /// Sends the queue as the next write when none is in flight (one write
    /// at a time keeps the journal in order); the run's opening entry goes
    /// first. Without a writer thread (or when it is gone) the write is made
    /// here and returned.
    pub(super) fn flush(&mut self, journal: &Journal<'_>) -> Option<Written> {
        if self.broken || self.queue.is_empty() || self.returned < self.submitted {
            return None;
        }
        let entries = journal.with_opening(&std::mem::take(&mut self.queue));
        self.submitted += 1;
        let seq = self.submitted;
        let entries = match &self.to_writer {
            Some(tx) => match tx.send((seq, entries)) {
                Ok(()) => return None,
                Err(back) => back.0.1,
            },
            None => entries,
        };
        let result = journal.rt.block_on(journal.store.record_all(&entries));
        Some(Written {
            seq,
            entries,
            result,
        })
    }

    /// Write `seq` returned.
    pub(super) fn returned(&mut self, seq: u64) {
        self.returned = self.returned.max(seq);
    }

    /// The journal failed: nothing more is written; returns what was
    /// queued (never to be written).
    pub(super) fn break_off(&mut self) -> Vec<Entry> {
        self.broken = true;
        self.returned = self.submitted;
        std::mem::take(&mut self.queue)
    }
}

/// Starts the writer thread in `scope`: it makes each write it is sent
/// (`StateStore::record_all` on `rt`) and answers on `tx`; it ends when its
/// sender is dropped. `None` when no thread can be started (writes are
/// then made on the scheduler's thread).
pub(super) fn spawn_writer<'scope>(
    scope: &'scope Scope<'scope, '_>,
    store: &'scope dyn StateStore,
    rt: &'scope Handle,
    tx: Sender<Message>,
) -> Option<Sender<(u64, Vec<Entry>)>> {
    let (to_writer, writes) = channel::<(u64, Vec<Entry>)>();
    Builder::new()
        .name("infra-journal".into())
        .spawn_scoped(scope, move || {
            while let Ok((seq, entries)) = writes.recv() {
                // A store that panics must still answer: the scheduler
                // waits for every write it sent, so the panic becomes a
                // failed write (the journal is then broken off, as for
                // any failed write) instead of a hang.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    rt.block_on(store.record_all(&entries))
                }))
                .unwrap_or_else(|_| {
                    Err(StateError::Remote(
                        "the journal write panicked (a bug in the state store)".into(),
                    ))
                });
                let written = Written {
                    seq,
                    entries,
                    result,
                };
                if tx.send(Message::Written(written)).is_err() {
                    break;
                }
            }
        })
        .ok()?;
    Some(to_writer)
}
