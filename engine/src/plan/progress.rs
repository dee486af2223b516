//! Refresh progress: counters the refresh fills and a caller (the CLI's
//! ticker) reads from another thread. The engine itself never prints.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How far a refresh has got: `total` managed instances to read so far and
/// `done` of them finished (read, failed or without a provider). Shared as
/// an `Arc` through [`super::PlanOptions::progress`] and
/// `DriftOptions::progress`; both counters only grow, so a reader sees
/// `done <= total` except for a moment while a refresh registers work.
#[derive(Debug, Default)]
pub struct RefreshProgress {
    total: AtomicUsize,
    done: AtomicUsize,
}

impl RefreshProgress {
    /// Counts `n` more instances to read.
    pub fn add_total(&self, n: usize) {
        self.total.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one instance finished (successfully or not).
    pub fn finish_one(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// `(done, total)` now; `done` is capped at `total`.
    pub fn snapshot(&self) -> (usize, usize) {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        (done.min(total), total)
    }
}

#[cfg(test)]
mod tests {
    use super::RefreshProgress;

    #[test]
    fn counts_work_and_caps_done_at_total() {
        let p = RefreshProgress::default();
        assert_eq!(p.snapshot(), (0, 0));
        p.add_total(3);
        p.finish_one();
        assert_eq!(p.snapshot(), (1, 3));
        p.finish_one();
        p.finish_one();
        p.finish_one();
        assert_eq!(p.snapshot(), (3, 3));
    }
}
