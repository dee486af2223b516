//! `detect` against a spy provider whose "real world" is a map the test
//! controls and whose `apply` counts calls (and fails): drift is found,
//! a failed read does not hide the rest, pending changes are told apart
//! from drift, and apply is never called.

use super::*;
use crate::provider::{
    Applied, ApplyRequest, Attribute, Failure, Provider, ProviderSchema, ResourceSchema, Stored,
    error,
};
use crate::state::InstanceState;
use async_trait::async_trait;
use infra_lang::Type;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The `spy` provider: `spy_thing` with `name` and `value`; reads look
/// `name` up in `world` (absent: gone; `"ERR"`: the read fails).
struct Spy {
    schema: ProviderSchema,
    world: Mutex<BTreeMap<String, String>>,
    applies: AtomicUsize,
    reads: AtomicUsize,
}

impl Spy {
    fn new(world: &[(&str, &str)]) -> Spy {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "spy_thing".into(),
            ResourceSchema::new(
                "A thing.",
                vec![
                    ("name", Attribute::required(Type::String, "Its name.")),
                    ("value", Attribute::optional(Type::String, "Its value.")),
                ],
            ),
        );
        Spy {
            schema,
            world: Mutex::new(
                world
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect(),
            ),
            applies: AtomicUsize::new(0),
            reads: AtomicUsize::new(0),
        }
    }
}

fn thing(name: &str, value: &str) -> Value {
    Value::Object(
        [
            ("name".to_string(), Value::string(name)),
            ("value".to_string(), Value::string(value)),
        ]
        .into_iter()
        .collect(),
    )
}

#[async_trait]
impl Provider for Spy {
    fn name(&self) -> &str {
        "spy"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn apply(&self, _request: ApplyRequest) -> Result<Applied, Failure> {
        self.applies.fetch_add(1, Ordering::SeqCst);
        Err(error("apply must never be called by drift"))
    }

    async fn read(
        &self,
        _type_name: &str,
        state: Value,
        _private: &[u8],
    ) -> Result<Option<Stored>, Failure> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let name = match &state {
            Value::Object(m) => m.get("name").and_then(Value::as_str).unwrap_or_default(),
            _ => "",
        }
        .to_string();
        let now = self.world.lock().map_or(None, |w| w.get(&name).cloned());
        match now.as_deref() {
            None => Ok(None),
            Some("ERR") => Err(error("access denied")),
            Some(v) => Ok(Some(Stored::new(thing(&name, v)))),
        }
    }
}

#[test]
fn finds_drift_reports_errors_and_never_applies() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        dir.path().join("main.infra"),
        r#"
resource "spy_thing" "a" {
  name  = "a"
  value = "1"
}
resource "spy_thing" "b" {
  name  = "b"
  value = "2"
}
resource "spy_thing" "c" {
  name  = "c"
  value = "1"
}
resource "spy_thing" "d" {
  name  = "d"
  value = "1"
}
resource "spy_thing" "same" {
  name  = "same"
  value = "1"
}
check "a_is_one" {
  assert {
    condition     = spy_thing.a.value == "1"
    error_message = "a is not 1"
  }
}
"#,
    )
    .expect("write the configuration");
    let spy = Arc::new(Spy::new(&[
        ("a", "9"),    // changed outside infra
        ("b", "1"),    // as recorded; the configuration says 2
        ("c", "ERR"),  // cannot be read
        ("same", "1"), // as recorded
    ]));
    let mut providers = Providers::new();
    providers.add(spy.clone());
    let mut state = State::new();
    for name in ["a", "b", "c", "d", "same"] {
        state.resources.insert(
            ResourceAddress::parse(&format!("spy_thing.{name}")).expect("address"),
            InstanceState {
                value: thing(name, "1"),
                provider: "spy".into(),
                dependencies: Vec::new(),
                create_before_destroy: false,
                deposed: Default::default(),
                meta: Default::default(),
                deposed_meta: Default::default(),
            },
        );
    }
    state.serial = 7;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let options = DriftOptions {
        targets: Vec::new(),
        excludes: Vec::new(),
        parallelism: 4,
        workspace: "default".into(),
        ignore: IgnoreFile::default(),
        today: Date::today_utc(),
        progress: std::sync::Arc::default(),
        budget: None,
        ledger: Default::default(),
    };
    let report = detect(
        dir.path(),
        Inputs::default(),
        &providers,
        || Ok(Some(state)),
        &options,
        rt.handle(),
    )
    .expect("drift runs");
    assert_eq!(spy.applies.load(Ordering::SeqCst), 0, "apply was called");
    assert_eq!(spy.reads.load(Ordering::SeqCst), 5);
    assert_eq!(report.serial, Some(7));
    assert_eq!(report.checked, 5);
    let found: Vec<(String, &str, Vec<String>)> = report
        .drift
        .iter()
        .map(|d| {
            (
                d.address.to_string(),
                d.kind.as_str(),
                d.attributes
                    .iter()
                    .map(AttributeDrift::path_string)
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "spy_thing.a".to_string(),
                "changed",
                vec!["value".to_string()]
            ),
            ("spy_thing.d".to_string(), "missing", vec![]),
        ]
    );
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        report.errors[0].address.as_ref().map(ToString::to_string),
        Some("spy_thing.c".to_string())
    );
    assert!(
        report.errors[0]
            .diagnostic
            .message
            .contains("access denied")
    );
    let pending: Vec<(String, &str, &str)> = report
        .pending
        .iter()
        .flatten()
        .map(|p| (p.address.to_string(), p.action.as_str(), p.cause.as_str()))
        .collect();
    assert_eq!(
        pending,
        [
            ("spy_thing.a".to_string(), "update", "drift"),
            ("spy_thing.b".to_string(), "update", "configuration"),
            ("spy_thing.d".to_string(), "create", "drift"),
        ]
    );
    assert_eq!(report.failing_checks(), 1);
    assert_eq!(
        report.summary(),
        "Drift: 1 resource changed outside infra, 1 missing, 1 check failing."
    );
    assert!(report.found());

    // Ignoring `a` and `d` (and the check) leaves nothing that counts; an
    // expired entry for `d` would not have.
    let ignore = IgnoreFile::parse(
        "spy_thing.a.value # known\nspy_thing.d # gone on purpose until=2000-01-01\nspy_thing.d # still ok\ncheck.a_is_one # known\nspy_thing.zzz # unused\n",
        "f",
    )
    .expect("ignore file");
    let options = DriftOptions { ignore, ..options };
    let mut state = State::new();
    for name in ["a", "d"] {
        state.resources.insert(
            ResourceAddress::parse(&format!("spy_thing.{name}")).expect("address"),
            InstanceState {
                value: thing(name, "1"),
                provider: "spy".into(),
                dependencies: Vec::new(),
                create_before_destroy: false,
                deposed: Default::default(),
                meta: Default::default(),
                deposed_meta: Default::default(),
            },
        );
    }
    let report = detect(
        dir.path(),
        Inputs::default(),
        &providers,
        || Ok(Some(state)),
        &options,
        rt.handle(),
    )
    .expect("drift runs");
    assert!(!report.found(), "{report:#?}");
    assert_eq!(report.ignored(), 2);
    assert_eq!(
        report
            .ignores
            .iter()
            .map(|u| (u.expired, u.matched))
            .collect::<Vec<_>>(),
        [
            (false, true),
            (true, false),
            (false, true),
            (false, true),
            (false, false)
        ]
    );
    assert_eq!(spy.applies.load(Ordering::SeqCst), 0, "apply was called");
}
