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
//!
//! A run opens with a `"kind": "run"` entry naming how many provider
//! operations it will carry out (`"run": {"operations": M}`), and a
//! rollback (`apply --rollback-on-failure`, `infra rollback --resume`)
//! with one more (`"rollback": true`): replaying a journal that still
//! holds them tells the next command that a run was interrupted after N of
//! its M operations ([`Interrupted`]).

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
    /// A run (or its rollback) starts: `run` says how many operations.
    Run,
}

/// What a `run` entry says of the run it opens.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunMarker {
    /// The provider operations the run will carry out (the nodes of its
    /// operation graph).
    pub operations: u64,
    /// The run is the rollback of the run before it in the journal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rollback: bool,
}

/// A run the replayed journal shows unfinished (the process died before
/// it wrote the state): its last `run` entry and the operations completed
/// after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// Operations completed (and journalled) after the run's start.
    pub completed: u64,
    /// Operations the run was to carry out.
    pub operations: u64,
    /// The interrupted run was a rollback.
    pub rollback: bool,
}

impl std::fmt::Display for Interrupted {
    /// `the previous run was interrupted after 303 of 800 operations`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.rollback {
            "the rollback of the previous run"
        } else {
            "the previous run"
        };
        let ops = if self.operations == 1 {
            "operation"
        } else {
            "operations"
        };
        write!(
            f,
            "{what} was interrupted after {} of {} {ops}",
            self.completed, self.operations
        )
    }
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
    /// A `run` entry's run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunMarker>,
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
            run: None,
        }
    }

    /// The entry opening a run from `base` that will carry out `run`'s
    /// operations.
    pub fn run(base: &State, run: RunMarker) -> Entry {
        Entry {
            lineage: base.lineage.clone(),
            base_serial: base.serial,
            address: String::new(),
            provider: String::new(),
            instance: None,
            kind: EntryKind::Run,
            intent: None,
            pending: None,
            run: Some(run),
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
            run: None,
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
            run: None,
        }
    }
}

/// Parses a journal's bytes: one JSON entry per line. The last line, when
/// no newline ends it, was cut short by a crash and is ignored whatever its
/// bytes (even the middle of a UTF-8 character) — unless it is a whole
/// entry, which is kept. A bad line elsewhere is an error.
///
/// # Errors
/// The line number and the parse error.
pub fn parse(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    parse_lines(bytes, |line| serde_json::from_slice::<Entry>(line))
        .map_err(|(n, e)| format!("journal line {n}: {e}"))
}

/// [`parse`] with each line read by `entry` (plain JSON, or an encrypted
/// envelope through `super::sealed`).
///
/// # Errors
/// The first bad line's number (from 1) and `entry`'s error.
pub fn parse_lines<E>(
    bytes: &[u8],
    entry: impl Fn(&[u8]) -> Result<Entry, E>,
) -> Result<Vec<Entry>, (usize, E)> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // After the last newline: empty, or a torn tail.
    let tail = lines.pop().unwrap_or_default();
    let mut out = Vec::with_capacity(lines.len() + 1);
    for (i, line) in lines.iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.push(entry(line).map_err(|e| (i + 1, e))?);
    }
    if let Ok(e) = entry(tail) {
        out.push(e);
    }
    Ok(out)
}

/// Journal entries that do not belong to the state they were read with:
/// recorded against a newer serial of its lineage (the state file is older
/// than the journal, e.g. a backup was restored) or against another
/// lineage. Nothing is replayed then: the store refuses to read.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Where the journal is (filled in by the store).
    pub journal: String,
    /// Where the state is (filled in by the store).
    pub state: String,
    /// How many entries do not apply.
    pub entries: usize,
    /// The lineage they were recorded against (the first of them).
    pub lineage: String,
    /// The largest serial they were recorded against (of that lineage).
    pub serial: u64,
    /// The state's lineage.
    pub state_lineage: String,
    /// The state's serial.
    pub state_serial: u64,
}

impl Mismatch {
    /// Whether the entries are of the state's own history (a newer serial).
    pub fn same_lineage(&self) -> bool {
        self.lineage == self.state_lineage
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries;
        let ops = if n == 1 { "operation" } else { "operations" };
        if self.same_lineage() {
            write!(
                f,
                "the state in {} is at serial {}, but its journal {} holds {n} {ops} recorded against serial {}: the state is older than its journal (was a backup restored?), so they were not applied",
                self.state, self.state_serial, self.journal, self.serial
            )
        } else {
            write!(
                f,
                "the journal {} holds {n} {ops} recorded against another state (lineage {}, serial {}) than the one in {} (lineage {}), so they were not applied",
                self.journal, self.lineage, self.serial, self.state, self.state_lineage
            )
        }
    }
}

/// The newest base serial among `entries` of `lineage`.
fn newest_serial<'a>(entries: impl Iterator<Item = &'a Entry>, lineage: &str) -> Option<u64> {
    entries
        .filter(|e| e.lineage == lineage)
        .map(|e| e.base_serial)
        .max()
}

/// Replays `entries` onto `state` (`None`: no state file) and returns the
/// result. Entries apply, in order, when they were recorded against the
/// state's lineage and serial; entries of an older serial were folded into
/// the state by the write that made it (a journal whose removal failed)
/// and are skipped. Without a state, every entry of the first entry's
/// lineage applies, and the state takes their largest serial. The caller
/// bumps the serial when it writes the result.
///
/// # Errors
/// Entries recorded against a newer serial or another lineage: nothing is
/// applied (see [`Mismatch`]; the store fills in the paths).
pub fn replay(state: Option<State>, entries: &[Entry]) -> Result<Option<State>, Box<Mismatch>> {
    let Some(first) = entries.first() else {
        return Ok(state);
    };
    let fresh = state.is_none();
    let mut state = state.unwrap_or_else(|| State {
        lineage: first.lineage.clone(),
        serial: newest_serial(entries.iter(), &first.lineage).unwrap_or(first.base_serial),
        ..State::new()
    });
    let foreign =
        |e: &&Entry| e.lineage != state.lineage || (!fresh && e.base_serial > state.serial);
    let bad: Vec<&Entry> = entries.iter().filter(foreign).collect();
    if let Some(b) = bad.first() {
        return Err(Box::new(Mismatch {
            journal: String::new(),
            state: String::new(),
            entries: bad.len(),
            lineage: b.lineage.clone(),
            serial: newest_serial(bad.iter().copied(), &b.lineage).unwrap_or(b.base_serial),
            state_lineage: state.lineage.clone(),
            state_serial: state.serial,
        }));
    }
    let mut interrupted: Option<Interrupted> = None;
    for e in entries {
        if !fresh && e.base_serial < state.serial {
            continue;
        }
        if let (EntryKind::Run, Some(run)) = (e.kind, e.run) {
            interrupted = Some(Interrupted {
                completed: 0,
                operations: run.operations,
                rollback: run.rollback,
            });
            continue;
        }
        if e.kind == EntryKind::Done
            && let Some(i) = &mut interrupted
        {
            i.completed += 1;
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
            EntryKind::Abandoned | EntryKind::Run => {}
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
    }
    if interrupted.is_some() {
        state.interrupted = interrupted;
    }
    Ok(Some(state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{InstanceState, file};
    use infra_lang::Value;
    use infra_lang::value::ValueMap;

    fn object(id: &str) -> Value {
        Value::Object(ValueMap::from([("id".to_string(), Value::string(id))]))
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
        let entries = parse(line.as_bytes()).expect("parse");
        assert_eq!(entries[0].kind, EntryKind::Done);
        let state = replay(Some(base.clone()), &entries)
            .expect("replay")
            .expect("state");
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
            deposed: ValueMap::new(),
            meta: Default::default(),
            deposed_meta: Default::default(),
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
        let parsed = parse(text.as_bytes()).expect("parse");
        assert_eq!(parsed, entries);
        let mut state = replay(Some(base.clone()), &parsed)
            .expect("replay")
            .expect("state");
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
            deposed: ValueMap::from([("1a2b3c4d".to_string(), object("old"))]),
            meta: Default::default(),
            deposed_meta: Default::default(),
        };
        let entry = Entry::new(&base, &addr, "test", Some(&inst));
        let line = serde_json::to_string(&entry).expect("entry JSON");
        assert!(line.contains("\"deposed\":{\"1a2b3c4d\""), "{line}");
        let entries = parse(format!("{line}\n").as_bytes()).expect("parse");
        let mut state = replay(Some(base.clone()), &entries)
            .expect("replay")
            .expect("state");
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
        state = replay(Some(state), &[entry])
            .expect("replay")
            .expect("state");
        assert_eq!(state.resources.get(&addr), Some(&none));
    }

    fn entry(lineage: &str, serial: u64, address: &str) -> Entry {
        let mut base = State::new();
        base.lineage = lineage.to_string();
        base.serial = serial;
        let addr = ResourceAddress::parse(address).expect("address");
        let inst = InstanceState {
            value: object(address),
            provider: "test".into(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: ValueMap::new(),
            meta: Default::default(),
            deposed_meta: Default::default(),
        };
        Entry::new(&base, &addr, "test", Some(&inst))
    }

    fn line(e: &Entry) -> Vec<u8> {
        let mut l = serde_json::to_vec(e).expect("JSON");
        l.push(b'\n');
        l
    }

    fn names(s: &State) -> Vec<String> {
        s.resources.keys().map(ToString::to_string).collect()
    }

    #[test]
    fn a_run_entry_tells_how_far_an_unfinished_run_got() {
        let base = State::new();
        let run = |operations, rollback| {
            Entry::run(
                &base,
                RunMarker {
                    operations,
                    rollback,
                },
            )
        };
        let done = |a: &str| {
            let mut e = entry(&base.lineage, 0, a);
            e.base_serial = base.serial;
            e
        };
        let entries = vec![run(5, false), done("test_fault.a"), done("test_fault.b")];
        let text: String = entries
            .iter()
            .map(|e| serde_json::to_string(e).expect("JSON") + "\n")
            .collect();
        assert!(text.contains("\"kind\":\"run\""), "{text}");
        let state = replay(Some(base.clone()), &parse(text.as_bytes()).expect("parse"))
            .expect("replay")
            .expect("state");
        let i = state.interrupted.expect("interrupted");
        assert_eq!(
            i.to_string(),
            "the previous run was interrupted after 2 of 5 operations"
        );
        assert_eq!(names(&state), ["test_fault.a", "test_fault.b"]);
        // A rollback's entry starts the count again.
        let mut more = entries;
        more.extend([run(1, true)]);
        let state = replay(Some(base.clone()), &more)
            .expect("replay")
            .expect("state");
        assert_eq!(
            state.interrupted.map(|i| i.to_string()).as_deref(),
            Some("the rollback of the previous run was interrupted after 0 of 1 operation")
        );
        // Without one: nothing to say.
        let state = replay(Some(base), &[]).expect("replay").expect("state");
        assert_eq!(state.interrupted, None);
    }

    #[test]
    fn a_torn_tail_is_ignored_whatever_its_bytes() {
        let mut bytes = line(&entry("L", 1, "test_fault.a"));
        bytes.extend_from_slice(b"{\"lineage\":\"caf\xc3");
        assert_eq!(parse(&bytes).expect("parse").len(), 1);
        bytes.truncate(bytes.len() - 1);
        bytes.extend_from_slice(b"\xff\xfe");
        assert_eq!(parse(&bytes).expect("parse").len(), 1);
        // A whole entry whose newline was not written yet is kept.
        let mut whole = line(&entry("L", 1, "test_fault.a"));
        whole.extend_from_slice(&line(&entry("L", 1, "test_fault.b")));
        whole.pop();
        assert_eq!(parse(&whole).expect("parse").len(), 2);
        // A bad line before the last is an error, with its number.
        let mut bad = b"{\"lineage\":\"caf\xc3\n".to_vec();
        bad.extend_from_slice(&line(&entry("L", 1, "test_fault.a")));
        let e = parse(&bad).expect_err("bad line");
        assert!(e.starts_with("journal line 1:"), "{e}");
    }

    #[test]
    fn entries_apply_only_to_their_state() {
        let mut state = State::new();
        state.lineage = "L".into();
        state.serial = 5;
        // Older entries were folded into the state by the write that made
        // it; entries of its serial apply.
        let entries = [
            entry("L", 4, "test_fault.old"),
            entry("L", 5, "test_fault.new"),
        ];
        let out = replay(Some(state.clone()), &entries)
            .expect("replay")
            .expect("state");
        assert_eq!(names(&out), ["test_fault.new"]);
        // Newer: the state is older than its journal.
        let entries = [
            entry("L", 5, "test_fault.a"),
            entry("L", 6, "test_fault.b"),
            entry("L", 6, "test_fault.c"),
        ];
        let m = replay(Some(state.clone()), &entries).expect_err("newer");
        assert!(m.same_lineage());
        assert_eq!((m.entries, m.serial, m.state_serial), (2, 6, 5));
        assert!(
            m.to_string()
                .contains("2 operations recorded against serial 6"),
            "{m}"
        );
        // Another lineage.
        let m = replay(Some(state), &[entry("M", 5, "test_fault.a")]).expect_err("lineage");
        assert!(!m.same_lineage());
        assert!(
            m.to_string()
                .contains("another state (lineage M, serial 5)"),
            "{m}"
        );
        // No state: every entry of the lineage, at their largest serial.
        let entries = [entry("L", 4, "test_fault.a"), entry("L", 5, "test_fault.b")];
        let out = replay(None, &entries).expect("replay").expect("state");
        assert_eq!(names(&out), ["test_fault.a", "test_fault.b"]);
        assert_eq!((out.lineage.as_str(), out.serial), ("L", 5));
    }
}
