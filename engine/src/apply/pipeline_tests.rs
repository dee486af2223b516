//! The group commit and pipelining rule of the scheduler (`commit.rs`,
//! `scheduler.rs`), on a provider and a state store that log what they
//! are asked, in one order: a dependent never starts before the journal
//! write holding its dependency's completion returned; independent
//! operations keep starting while a write is in flight; completions that
//! arrive meanwhile share the next write.

use super::commit::GroupCommit;
use super::{ApplyOptions, Workspace, apply};
use crate::eval::Inputs;
use crate::plan::{Plan, PlanOptions, plan};
use crate::provider::{
    Applied, ApplyRequest, Attribute, Failure, PlanRequest, PlannedState, Provider, ProviderSchema,
    Providers, ResourceSchema, Stored,
};
use crate::state::journal::{Entry, EntryKind};
use crate::state::{LockGuard, LockInfo, State, StateError, StateStore};
use async_trait::async_trait;
use infra_lang::{Type, Value};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What happened, in order: `start INPUT` / `end INPUT` (provider calls,
/// by the object's `input`), `write N ADDRESS:kind…` / `written N`.
#[derive(Default)]
struct Log {
    lines: Mutex<Vec<String>>,
    changed: Condvar,
}

impl Log {
    fn push(&self, line: String) {
        let mut l = self
            .lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        l.push(line);
        self.changed.notify_all();
    }

    fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits (at most ten seconds) until `until` holds of the lines.
    fn wait(&self, until: impl Fn(&[String]) -> bool) {
        let l = self
            .lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = self
            .changed
            .wait_timeout_while(l, Duration::from_secs(10), |l| !until(l));
    }
}

/// `fake_obj`: `input` copied to `output`; each call logged.
struct Fake {
    log: Arc<Log>,
    schema: ProviderSchema,
}

impl Fake {
    fn new(log: Arc<Log>) -> Fake {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "fake_obj".into(),
            ResourceSchema::new(
                "test",
                vec![
                    ("input", Attribute::optional(Type::String, "in")),
                    ("output", Attribute::computed(Type::String, "out")),
                ],
            ),
        );
        Fake { log, schema }
    }
}

fn input_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::Object(m)) => m
            .get("input")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

#[async_trait]
impl Provider for Fake {
    fn name(&self) -> &str {
        "fake"
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    /// `output` is `input` (unknown while `input` is).
    fn plan(&self, r: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        let planned = match r.proposed {
            Value::Object(mut m) => {
                let input = m.get("input").cloned().unwrap_or(Value::NULL);
                let output = match input {
                    Value::Unknown(_) => Value::Unknown(Type::String),
                    known => known,
                };
                m.insert("output".into(), output);
                Value::Object(m)
            }
            other => other,
        };
        Ok(PlannedState::new(planned))
    }
    async fn apply(&self, r: ApplyRequest) -> Result<Applied, Failure> {
        let input = input_of(r.planned.as_ref());
        self.log.push(format!("start {input}"));
        let state = r.planned.map(|p| match p {
            Value::Object(mut m) => {
                m.insert("output".into(), Value::string(input.clone()));
                Value::Object(m)
            }
            other => other,
        });
        self.log.push(format!("end {input}"));
        Ok(Applied::new(state))
    }
    async fn read(&self, _: &str, state: Value, _: &[u8]) -> Result<Option<Stored>, Failure> {
        Ok(Some(Stored::new(state)))
    }
}

/// When a held journal write may return: a condition on the log.
type Hold = Box<dyn Fn(&[String]) -> bool + Send + Sync>;

/// A store that keeps nothing but logs each journal write; the first
/// write holding a completion waits until `hold_until` holds of the log
/// (so the test sees what the scheduler does while a write is in flight).
struct Store {
    log: Arc<Log>,
    writes: Mutex<u64>,
    hold_until: Option<Hold>,
}

struct Unlocked;
impl LockGuard for Unlocked {}

fn kind(e: &Entry) -> &'static str {
    match e.kind {
        EntryKind::Done => "done",
        EntryKind::Intent => "intent",
        EntryKind::Abandoned => "abandoned",
        EntryKind::Run => "run",
    }
}

#[async_trait]
impl StateStore for Store {
    fn describe(&self) -> String {
        "memory".into()
    }
    async fn lock(&self, _: LockInfo, _: Duration) -> Result<Box<dyn LockGuard>, StateError> {
        Ok(Box::new(Unlocked))
    }
    async fn read(&self) -> Result<Option<State>, StateError> {
        Ok(None)
    }
    async fn write(&self, _: &State) -> Result<(), StateError> {
        Ok(())
    }
    async fn record(&self, entry: &Entry) -> Result<(), StateError> {
        self.record_all(std::slice::from_ref(entry)).await
    }
    async fn record_all(&self, entries: &[Entry]) -> Result<(), StateError> {
        let n = {
            let mut w = self
                .writes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *w += 1;
            *w
        };
        let what: Vec<String> = entries
            .iter()
            .map(|e| format!("{}:{}", e.address, kind(e)))
            .collect();
        self.log.push(format!("write {n} {}", what.join(" ")));
        let first_done = !self
            .log
            .lines()
            .iter()
            .filter(|l| l.starts_with("write ") && !l.starts_with(&format!("write {n} ")))
            .any(|l| l.contains(":done"));
        if first_done
            && entries.iter().any(|e| e.kind == EntryKind::Done)
            && let Some(until) = &self.hold_until
        {
            self.log.wait(until);
        }
        self.log.push(format!("written {n}"));
        Ok(())
    }
    async fn force_unlock(&self, _: &str) -> Result<LockInfo, StateError> {
        Err(StateError::NotLocked("memory".into()))
    }
    async fn audit_records(&self) -> Result<Vec<Vec<u8>>, StateError> {
        Ok(Vec::new())
    }
    async fn audit_last(&self) -> Result<Option<Vec<u8>>, StateError> {
        Ok(None)
    }
    async fn audit_append(&self, _: u64, _: &[u8]) -> Result<(), StateError> {
        Ok(())
    }
}

/// `fake_obj.a`, `fake_obj.b` (input from `a`'s output) and `c[0..6]`
/// (independent), with `V` in every input.
const CONFIG: &str = r#"
resource "fake_obj" "a" { input = "aV" }
resource "fake_obj" "b" { input = "${fake_obj.a.output}-b" }
resource "fake_obj" "c" {
  count = 6
  input = "cV${count.index}"
}
"#;

/// Plans `CONFIG` with version `v` over `prior`, applies it with
/// `parallelism` through a store holding its first completion write until
/// `hold_until`; returns the log and the new state.
fn run(
    v: &str,
    prior: Option<State>,
    parallelism: usize,
    hold_until: Option<Hold>,
) -> (Vec<String>, State) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.infra"), CONFIG.replace('V', v)).expect("config");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let log = Arc::new(Log::default());
    let mut providers = Providers::new();
    providers.add(Arc::new(Fake::new(log.clone())));
    let options = PlanOptions {
        refresh: crate::plan::RefreshMode::Off,
        ..PlanOptions::default()
    };
    let planned: Plan = plan(
        dir.path(),
        Inputs::default(),
        &providers,
        || Ok(prior),
        &options,
        rt.handle(),
    )
    .expect("plan");
    let store = Store {
        log: log.clone(),
        writes: Mutex::new(0),
        hold_until,
    };
    let ws = Workspace {
        root: dir.path(),
        inputs: &Inputs::default(),
        providers: &providers,
        store: &store,
        rt: rt.handle(),
    };
    let options = ApplyOptions {
        parallelism,
        interrupt: Arc::default(),
        abandon: Arc::default(),
        stop_timeout: Duration::from_secs(30),
        workspace: "default".into(),
        rollback_on_failure: false,
    };
    let report = apply(&ws, &planned, &options, &mut |_| {});
    assert!(report.ok(), "{:?}", report.failed);
    let state = report.state.clone().expect("state");
    (log.lines(), state)
}

/// The position of the first line starting with `prefix`.
fn at(log: &[String], prefix: &str) -> usize {
    log.iter()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in {log:#?}"))
}

/// The number of the write holding `address`'s entry of `kind`.
fn write_of(log: &[String], address: &str, kind: &str) -> String {
    let needle = format!(" {address}:{kind}");
    let line = log
        .iter()
        .find(|l| l.starts_with("write ") && format!("{l} ").contains(&format!("{needle} ")))
        .unwrap_or_else(|| panic!("no write of {address}:{kind} in {log:#?}"));
    line.split(' ').nth(1).unwrap_or_default().to_string()
}

#[test]
fn a_dependent_starts_only_after_the_write_holding_its_dependency_returned() {
    let (log, state) = run("1", None, 16, None);
    // Creates: each announced in a write that returned before it started.
    for (addr, input) in [
        ("fake_obj.a", "a1"),
        ("fake_obj.b", "a1-b"),
        ("fake_obj.c[0]", "c10"),
    ] {
        let n = write_of(&log, addr, "intent");
        assert!(
            at(&log, &format!("written {n}")) < at(&log, &format!("start {input}")),
            "{log:#?}"
        );
    }
    // `b` waits for `a`'s completion to be durable, and its intent rides
    // in that same write (one fsync per link of a chain).
    let a_done = write_of(&log, "fake_obj.a", "done");
    assert!(
        at(&log, &format!("written {a_done}")) < at(&log, "start a1-b"),
        "{log:#?}"
    );
    assert_eq!(write_of(&log, "fake_obj.b", "intent"), a_done, "{log:#?}");
    assert_eq!(state.resources.len(), 8);

    // Updates announce nothing: at most four start at once; the write of
    // the first completion is held until every `c` ended, which only
    // pipelining allows (at least two `c`s start after a completion);
    // `b` does not start before `a`'s completion is durable.
    let all_c_ended = |l: &[String]| (0..6).all(|i| l.iter().any(|x| x == &format!("end c2{i}")));
    let (log, _) = run("2", Some(state), 4, Some(Box::new(all_c_ended)));
    let first = log
        .iter()
        .find(|l| l.starts_with("write ") && l.contains(":done"))
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_default()
        .to_string();
    let returned = at(&log, &format!("written {first}"));
    for i in 0..6 {
        assert!(at(&log, &format!("end c2{i}")) < returned, "{log:#?}");
    }
    let a_done = write_of(&log, "fake_obj.a", "done");
    assert!(
        at(&log, &format!("written {a_done}")) < at(&log, "start a2-b"),
        "{log:#?}"
    );
}

#[test]
fn completions_queued_while_a_write_is_in_flight_share_the_next_write() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let store = Store {
        log: Arc::default(),
        writes: Mutex::new(0),
        hold_until: None,
    };
    let base = State::new();
    let journal = super::journal::Journal::new(&store, rt.handle(), &base);
    let entry = |name: &str| {
        let addr =
            crate::addr::ResourceAddress::parse(&format!("fake_obj.{name}")).expect("address");
        Entry::new(&base, &addr, "fake", None)
    };
    let (tx, writes) = std::sync::mpsc::channel();
    let mut commits = GroupCommit::new();
    commits.attach(Some(tx));
    assert_eq!(commits.queue(vec![entry("a")]), 1);
    assert!(commits.flush(&journal).is_none());
    // Write 1 is in flight: what completes now waits for write 2.
    assert_eq!(commits.queue(vec![entry("b")]), 2);
    assert_eq!(commits.queue(vec![entry("c")]), 2);
    assert!(commits.flush(&journal).is_none());
    assert!(!commits.settled(1) && !commits.idle());
    commits.returned(1);
    assert!(commits.settled(1) && !commits.settled(2));
    assert!(commits.flush(&journal).is_none());
    let sent: Vec<(u64, Vec<String>)> = writes
        .try_iter()
        .map(|(n, es): (u64, Vec<Entry>)| (n, es.into_iter().map(|e| e.address).collect()))
        .collect();
    assert_eq!(
        sent,
        [
            (1, vec!["fake_obj.a".to_string()]),
            (2, vec!["fake_obj.b".to_string(), "fake_obj.c".to_string()])
        ]
    );
    commits.returned(2);
    assert!(commits.idle());
}
