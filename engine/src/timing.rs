//! Phase timings for finding where a large plan or apply spends its
//! time: `INFRA_LOG=infra_engine::timing=debug infra plan` logs one line per
//! phase (state read and write, refresh, evaluation, ...) with its wall
//! time in milliseconds. Costs one `Instant::now()` per phase when off.

use std::time::Instant;

/// A phase being timed: logged when dropped.
pub struct Phase {
    name: &'static str,
    start: Instant,
}

impl Phase {
    /// Starts timing phase `name`.
    pub fn start(name: &'static str) -> Phase {
        Phase {
            name,
            start: Instant::now(),
        }
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        tracing::debug!(
            phase = self.name,
            ms = self.start.elapsed().as_secs_f64() * 1e3
        );
    }
}
