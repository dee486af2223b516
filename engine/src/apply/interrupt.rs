//! Stopping on an interrupt: the first (Ctrl-C, SIGTERM) stops new
//! operations and waits for running ones, at most `stop_timeout`; a
//! second interrupt, or that deadline, abandons those still running
//! (their outcome unknown; a create's intent stays pending for the next
//! run to reconcile).

use super::ApplyOptions;
use super::events::Event;
use super::graph::OpGraph;
use super::report::ApplyReport;
use super::running::Running;
use crate::plan::ResourceChange;
use crate::provider::Providers;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::runtime::Handle;

/// When the interrupt was noticed.
#[derive(Default)]
pub(super) struct Stop {
    interrupted_at: Option<Instant>,
}

impl Stop {
    /// Notices a first interrupt (`report.interrupted`; reported once
    /// with the number of running operations; every provider is asked to
    /// stop what it is doing, `Provider::stop`, without waiting for it),
    /// then abandons every running operation once a second interrupt came
    /// or `stop_timeout` passed since the first.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check(
        &mut self,
        options: &ApplyOptions,
        running: &mut Running,
        (g, changes): (&OpGraph, &[ResourceChange]),
        (providers, rt): (&Providers, &Handle),
        report: &mut ApplyReport,
        on_event: &mut dyn FnMut(Event<'_>),
    ) {
        if options.interrupt.load(Ordering::SeqCst) && !report.interrupted {
            report.interrupted = true;
            self.interrupted_at = Some(Instant::now());
            on_event(Event::Interrupted {
                running: running.len(),
            });
            if !running.is_empty() {
                for (_, p) in providers.iter() {
                    let p = p.clone();
                    rt.spawn(async move { p.stop().await });
                }
            }
        }
        let Some(at) = self.interrupted_at else {
            return;
        };
        if running.is_empty() {
            return;
        }
        let second = options.abandon.load(Ordering::SeqCst);
        if second || at.elapsed() >= options.stop_timeout {
            let nodes = running.abandon_all();
            let addresses = nodes.iter().map(|n| &changes[g[*n].change].address);
            report.abandoned.extend(addresses.clone().cloned());
            on_event(Event::Abandoned {
                addresses: addresses.collect(),
                second_interrupt: second,
            });
        }
    }
}
