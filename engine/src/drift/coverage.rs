//! `infra drift --budget N|P%`: each run reads a slice of the objects in
//! scope, the stalest first by the later of the state's `read_at` and the
//! drift read ledger, so scheduled runs cover a large estate in turn (every
//! object within ceil(100/P) runs); the ledger, kept beside the state
//! (`StateStore::side_read`/`side_write`, side object `drift-ledger`),
//! records when drift last read each object. Drift never writes state: the
//! ledger is advisory, written without the lock, and a missing or damaged
//! one only makes the next run start from the state's read times.

use crate::addr::{ResourceAddress, ResourceMode};
use crate::plan::Budget;
use crate::state::{State, StateStore};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tokio::runtime::Handle;

/// The side object holding the ledger.
pub const NAME: &str = "drift-ledger";

/// When drift last read each object (seconds since the Unix epoch), by
/// address.
pub type Ledger = BTreeMap<ResourceAddress, i64>;

/// The ledger as stored: `{"format_version": 1, "read": {"ADDRESS":
/// "RFC 3339 UTC"}}`.
#[derive(Serialize, Deserialize)]
struct LedgerFile {
    format_version: u64,
    read: BTreeMap<String, String>,
}

/// The ledger of `store`; empty when there is none, or when it cannot be
/// read or parsed (it is advisory: the next write replaces it).
pub fn load(store: &dyn StateStore, rt: &Handle) -> Ledger {
    let Ok(Some(bytes)) = rt.block_on(store.side_read(NAME)) else {
        return Ledger::new();
    };
    let Ok(file) = serde_json::from_slice::<LedgerFile>(&bytes) else {
        return Ledger::new();
    };
    file.read
        .iter()
        .filter_map(|(a, t)| {
            let a = ResourceAddress::parse(a).ok()?;
            let t = infra_stdlib::time::Time::parse_rfc3339(t).ok()?;
            Some((a, t.secs))
        })
        .collect()
}

/// Writes `ledger` as the ledger of `store`.
///
/// # Errors
/// The store cannot keep side objects, or the write fails (the message
/// says why).
pub fn save(store: &dyn StateStore, rt: &Handle, ledger: &Ledger) -> Result<(), String> {
    let file = LedgerFile {
        format_version: 1,
        read: ledger
            .iter()
            .map(|(a, t)| (a.to_string(), infra_stdlib::time::rfc3339_utc(*t)))
            .collect(),
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
    rt.block_on(store.side_write(NAME, &bytes))
        .map_err(|e| e.to_string())
}

/// When `addr` was last read: the later of the state's `read_at` and the
/// ledger's time.
fn last_read(state: &State, ledger: &Ledger, addr: &ResourceAddress) -> Option<i64> {
    let recorded = state.resources.get(addr).and_then(|i| i.meta.read_at);
    match (recorded, ledger.get(addr).copied()) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The managed objects among `in_scope` this run reads: `budget` of them,
/// never read first, then the stalest; at equal times those drift has not
/// read first, then address order.
pub fn slice(
    state: &State,
    in_scope: &BTreeSet<ResourceAddress>,
    ledger: &Ledger,
    budget: Budget,
) -> BTreeSet<ResourceAddress> {
    // At equal times (whole seconds), objects drift has not read yet
    // come first, so a run right after an apply still rotates.
    let mut order: Vec<(Option<i64>, bool, &ResourceAddress)> = in_scope
        .iter()
        .filter(|a| a.mode == ResourceMode::Managed)
        .map(|a| (last_read(state, ledger, a), ledger.contains_key(a), a))
        .collect();
    order.sort();
    let n = budget.of(order.len());
    order
        .into_iter()
        .take(n)
        .map(|(_, _, a)| a.clone())
        .collect()
}

/// How much of the estate a budgeted drift run covered.
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    /// The budget asked for.
    pub budget: Budget,
    /// Managed objects in scope.
    pub total: usize,
    /// Objects read this run (reads that failed included).
    pub read: usize,
    /// Objects in scope never read, by any command, after this run.
    pub never_read: usize,
    /// The oldest last read of an object in scope after this run
    /// (seconds since the Unix epoch); `None` when none was ever read.
    pub oldest_read: Option<i64>,
    /// Runs of this budget that read every object in scope (at least 1).
    pub runs_to_cover: usize,
}

/// The coverage after reading `read` at `now`, and the ledger to store:
/// `ledger` with `read` at `now`, objects no longer in state dropped.
pub fn cover(
    state: &State,
    in_scope: &BTreeSet<ResourceAddress>,
    ledger: &Ledger,
    read: &BTreeSet<ResourceAddress>,
    budget: Budget,
    now: i64,
) -> (Coverage, Ledger) {
    let mut next: Ledger = ledger
        .iter()
        .filter(|(a, _)| state.resources.contains_key(*a))
        .map(|(a, t)| (a.clone(), *t))
        .collect();
    for a in read {
        next.insert(a.clone(), now);
    }
    let managed: Vec<&ResourceAddress> = in_scope
        .iter()
        .filter(|a| a.mode == ResourceMode::Managed)
        .collect();
    let times: Vec<Option<i64>> = managed.iter().map(|a| last_read(state, &next, a)).collect();
    let per_run = budget.of(managed.len()).max(1);
    let coverage = Coverage {
        budget,
        total: managed.len(),
        read: read.len(),
        never_read: times.iter().filter(|t| t.is_none()).count(),
        oldest_read: times.iter().flatten().min().copied(),
        runs_to_cover: managed.len().div_ceil(per_run).max(1),
    };
    (coverage, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_instance;

    fn state(n: usize) -> State {
        let mut s = State::default();
        for i in 0..n {
            let a = ResourceAddress::parse(&format!("x.r{i}")).expect("address");
            s.resources
                .insert(a, test_instance(Vec::new(), Default::default()));
        }
        s
    }

    #[test]
    fn a_rotating_slice_covers_every_object_in_ceil_100_over_p_runs() {
        let s = state(10);
        let scope: BTreeSet<ResourceAddress> = s.resources.keys().cloned().collect();
        let mut ledger = Ledger::new();
        let mut seen = BTreeSet::new();
        for run in 0..4 {
            let read = slice(&s, &scope, &ledger, Budget::Percent(30));
            assert_eq!(read.len(), 3);
            seen.extend(read.iter().cloned());
            let (c, next) = cover(&s, &scope, &ledger, &read, Budget::Percent(30), 100 + run);
            assert_eq!(c.runs_to_cover, 4);
            ledger = next;
        }
        assert_eq!(
            seen.len(),
            10,
            "every object read within ceil(100/30) = 4 runs"
        );
        let (c, _) = cover(
            &s,
            &scope,
            &ledger,
            &BTreeSet::new(),
            Budget::Percent(30),
            200,
        );
        assert_eq!((c.never_read, c.oldest_read), (0, Some(100)));
    }
}
