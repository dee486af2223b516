//! The journal: an append-only file of completed operations beside the
//! state, one JSON line each, fsynced as it is written. Apply records every
//! completed provider operation here instead of rewriting the whole state
//! (Terraform's quadratic cost), folds the journal into the state file at
//! the end of the run, and the next command replays a journal left by a
//! crash — so no completed operation is ever forgotten.

use super::State;
use super::file::InstanceRecord;
use crate::addr::ResourceAddress;
use serde::{Deserialize, Serialize};

/// One completed operation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Lineage of the state the run started from.
    pub lineage: String,
    /// Serial of the state the run started from: entries apply only to it.
    pub base_serial: u64,
    /// The instance's address.
    pub address: String,
    /// The provider that manages it.
    pub provider: String,
    /// Its new state; `None` when it was deleted.
    pub instance: Option<InstanceRecord>,
}

impl Entry {
    /// The entry recording that `addr` now has state `inst` (`None`:
    /// deleted), for a run from `base`.
    pub fn new(
        base: &State,
        addr: &ResourceAddress,
        provider: &str,
        inst: Option<&super::InstanceState>,
    ) -> Entry {
        Entry {
            lineage: base.lineage.clone(),
            base_serial: base.serial,
            address: addr.to_string(),
            provider: provider.to_string(),
            instance: inst.map(|i| InstanceRecord::from_state(addr, i)),
        }
    }
}

/// Parses journal text: one entry per line. A last line cut short by a
/// crash is ignored; a bad line elsewhere is an error.
///
/// # Errors
/// The line number and the parse error.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => out.push(e),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(e) => return Err(format!("journal line {}: {e}", i + 1)),
        }
    }
    Ok(out)
}

/// Applies the entries recorded against `state` (same lineage and serial)
/// to it; returns how many applied. The caller bumps the serial when it
/// writes the result.
pub fn replay(state: &mut State, entries: &[Entry]) -> usize {
    let mut n = 0;
    for e in entries {
        if e.lineage != state.lineage || e.base_serial != state.serial {
            continue;
        }
        let Ok(addr) = ResourceAddress::parse(&e.address) else {
            continue;
        };
        match &e.instance {
            Some(rec) => {
                state.resources.insert(addr, rec.to_state(&e.provider));
            }
            None => {
                state.resources.remove(&addr);
            }
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{InstanceState, file};
    use infra_lang::Value;
    use std::collections::BTreeMap;

    fn object(id: &str) -> Value {
        Value::Object(BTreeMap::from([("id".to_string(), Value::string(id))]))
    }

    #[test]
    fn deposed_objects_survive_a_replay_and_the_state_file() {
        let base = State::new();
        let addr = ResourceAddress::parse("test_fault.x").expect("address");
        let inst = InstanceState {
            value: object("new"),
            provider: "test".into(),
            dependencies: Vec::new(),
            create_before_destroy: true,
            deposed: BTreeMap::from([("1a2b3c4d".to_string(), object("old"))]),
        };
        let entry = Entry::new(&base, &addr, "test", Some(&inst));
        let line = serde_json::to_string(&entry).expect("entry JSON");
        assert!(line.contains("\"deposed\":{\"1a2b3c4d\""), "{line}");
        let entries = parse(&format!("{line}\n")).expect("parse");
        let mut state = base.clone();
        assert_eq!(replay(&mut state, &entries), 1);
        assert_eq!(state.resources.get(&addr), Some(&inst));
        // Through the state file too; absent when there are none.
        let text = file::to_text(&state);
        let back = file::from_text(&text, "state.json").expect("state");
        assert_eq!(back.resources.get(&addr), Some(&inst));
        let mut none = inst.clone();
        none.deposed.clear();
        let entry = Entry::new(&base, &addr, "test", Some(&none));
        let line = serde_json::to_string(&entry).expect("entry JSON");
        assert!(!line.contains("deposed"), "{line}");
        assert_eq!(replay(&mut state, &[entry]), 1);
        assert_eq!(state.resources.get(&addr), Some(&none));
    }
}
