//! The journal: an append-only file of completed operations beside the
//! state, one JSON line each, fsynced as it is written. Apply records every
//! completed provider operation here instead of rewriting the whole state
//! (Terraform's quadratic cost), folds the journal into the state file at
//! the end of the run, and the next command replays a journal left by a
//! crash — so no completed operation is ever forgotten.
//!
//! Before each create (and the create half of a replacement) starts, an
//! *intent* entry announces it (`"kind": "intent"`, the planned value); the
//! entry recording its result names the intent (`"intent": ID`) and clears
//! it, as does an `"abandoned"` entry when the create failed. An intent
//! left without either is a [`super::Pending`] operation after replay.
//! Entries without `kind` (every journal before intents existed) are
//! completed operations.

use super::State;
use super::file::InstanceRecord;
use super::pending::{Pending, PendingRecord};
use crate::addr::ResourceAddress;
use serde::{Deserialize, Serialize};

/// What a journal entry records.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A completed operation: `instance` is the new state (`None`:
    /// deleted). The default, so entries written before kinds existed
    /// read as this.
    #[default]
    Done,
    /// A create about to start: `pending` says what.
    Intent,
    /// The create of intent `intent` failed: nothing was created.
    Abandoned,
}

impl EntryKind {
    fn is_done(&self) -> bool {
        *self == EntryKind::Done
    }
}

/// One journal entry: a completed operation, or an intent (see the module
/// documentation).
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
    /// What this entry records (absent: a completed operation).
    #[serde(default, skip_serializing_if = "EntryKind::is_done")]
    pub kind: EntryKind,
    /// The intent this completion (or abandonment) clears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// An intent's operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingRecord>,
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
            kind: EntryKind::Done,
            intent: None,
            pending: None,
        }
    }

    /// This completion, clearing the intent `id`.
    #[must_use]
    pub fn resolving(mut self, id: &str) -> Entry {
        self.intent = Some(id.to_string());
        self
    }

    /// The intent entry announcing `p`, for a run from `base`.
    pub fn intent(base: &State, p: &Pending) -> Entry {
        Entry {
            lineage: base.lineage.clone(),
            base_serial: base.serial,
            address: p.address.to_string(),
            provider: p.provider.clone(),
            instance: None,
            kind: EntryKind::Intent,
            intent: None,
            pending: Some(PendingRecord::from_pending(p)),
        }
    }

    /// The entry saying the create of intent `p` failed, for a run from
    /// `base`.
    pub fn abandoned(base: &State, p: &Pending) -> Entry {
        Entry {
            lineage: base.lineage.clone(),
            base_serial: base.serial,
            address: p.address.to_string(),
            provider: p.provider.clone(),
            instance: None,
            kind: EntryKind::Abandoned,
            intent: Some(p.id.clone()),
            pending: None,
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
        match e.kind {
            EntryKind::Intent => {
                if let Some(p) = e.pending.as_ref().and_then(|r| r.to_pending().ok()) {
                    state.pending.push(p);
                }
            }
            EntryKind::Abandoned => {}
            EntryKind::Done => match &e.instance {
                Some(rec) => {
                    state.resources.insert(addr, rec.to_state(&e.provider));
                }
                None => {
                    state.resources.remove(&addr);
                }
            },
        }
        if let Some(id) = &e.intent {
            state.pending.retain(|p| p.id != *id);
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

    fn intent(base: &State, addr: &ResourceAddress) -> Pending {
        Pending {
            id: Pending::new_id(),
            address: addr.clone(),
            provider: "test".into(),
            operation: crate::state::PendingOperation::Create,
            planned: object("planned"),
            dependencies: Vec::new(),
            create_before_destroy: false,
            started: format!("{}", base.serial),
        }
    }

    #[test]
    fn journals_written_before_intents_still_replay() {
        let base = State::new();
        let line = format!(
            "{{\"lineage\":\"{}\",\"base_serial\":0,\"address\":\"test_fault.x\",\"provider\":\"test\",\"instance\":{{\"attributes\":{{\"id\":\"a\"}}}}}}\n",
            base.lineage
        );
        let entries = parse(&line).expect("parse");
        assert_eq!(entries[0].kind, EntryKind::Done);
        let mut state = base.clone();
        assert_eq!(replay(&mut state, &entries), 1);
        assert_eq!(state.resources.len(), 1);
        assert!(state.pending.is_empty());
    }

    #[test]
    fn an_intent_stays_pending_until_its_completion_or_abandonment() {
        let base = State::new();
        let x = ResourceAddress::parse("test_fault.x").expect("address");
        let y = ResourceAddress::parse("test_fault.y").expect("address");
        let z = ResourceAddress::parse("test_fault.z").expect("address");
        let (px, py, pz) = (intent(&base, &x), intent(&base, &y), intent(&base, &z));
        let inst = InstanceState {
            value: object("done"),
            provider: "test".into(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: BTreeMap::new(),
        };
        // An intent never serialises `kind` as absent, and a completion
        // names its intent.
        let entries = vec![
            Entry::intent(&base, &px),
            Entry::intent(&base, &py),
            Entry::intent(&base, &pz),
            Entry::new(&base, &x, "test", Some(&inst)).resolving(&px.id),
            Entry::abandoned(&base, &pz),
        ];
        let text: String = entries
            .iter()
            .map(|e| serde_json::to_string(e).expect("JSON") + "\n")
            .collect();
        assert!(text.contains("\"kind\":\"intent\""), "{text}");
        let parsed = parse(&text).expect("parse");
        assert_eq!(parsed, entries);
        let mut state = base.clone();
        replay(&mut state, &parsed);
        assert_eq!(state.resources.get(&x), Some(&inst));
        assert!(!state.resources.contains_key(&y));
        assert_eq!(state.pending, vec![py.clone()]);
        // Kept by the state file (format version 2), gone when resolved.
        let text = file::to_text(&state);
        assert!(text.contains("\"format_version\": 2"), "{text}");
        let back = file::from_text(&text, "state.json").expect("state");
        assert_eq!(back.pending, vec![py]);
        state.pending.clear();
        assert!(file::to_text(&state).contains("\"format_version\": 1"));
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
