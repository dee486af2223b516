//! The S3 state store (`backend "s3"`), against the local S3-compatible
//! server: the store itself (round trip, journal, lock, compare-and-swap)
//! and the CLI on top of it (apply, two applies at once, a stale lock and
//! `force-unlock`, `init -migrate-state`, backend blocks with consts).
//! The 409 retry path is unit-tested with a stub in
//! `providers/src/aws/state_store.rs`.

use crate::s3::{self, Other};
use crate::support::{Workdir, assert_contains, unwrapped};
use infra_engine::addr::ResourceAddress;
use infra_engine::state::journal::Entry;
use infra_engine::state::{InstanceState, LockInfo, State, StateError, StateStore, file};
use infra_lang::Value;
use infra_providers::aws::client::Settings;
use infra_providers::aws::state_store::{LockTiming, S3BackendConfig, S3Store};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(60);

impl Other {
    pub(crate) fn create_bucket(&self, name: &str) {
        self.rt
            .block_on(self.client.create_bucket().bucket(name).send())
            .unwrap_or_else(|e| panic!("create bucket {name}: {e:?}"));
    }

    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let out = self
            .rt
            .block_on(self.client.get_object().bucket(bucket).key(key).send())
            .ok()?;
        let body = self.rt.block_on(out.body.collect()).ok()?;
        Some(body.into_bytes().to_vec())
    }

    fn get_json(&self, bucket: &str, key: &str) -> serde_json::Value {
        let body = self
            .get(bucket, key)
            .unwrap_or_else(|| panic!("no object s3://{bucket}/{key}"));
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("s3://{bucket}/{key} is not JSON: {e}"))
    }

    fn put(&self, bucket: &str, key: &str, body: &str) {
        self.rt
            .block_on(
                self.client
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(body.as_bytes().to_vec().into())
                    .send(),
            )
            .unwrap_or_else(|e| panic!("put s3://{bucket}/{key}: {e:?}"));
    }

    fn delete(&self, bucket: &str, key: &str) {
        self.rt
            .block_on(self.client.delete_object().bucket(bucket).key(key).send())
            .unwrap_or_else(|e| panic!("delete s3://{bucket}/{key}: {e:?}"));
    }

    pub(crate) fn keys(&self, bucket: &str) -> Vec<String> {
        let out = self
            .rt
            .block_on(self.client.list_objects_v2().bucket(bucket).send())
            .unwrap_or_else(|e| panic!("list {bucket}: {e:?}"));
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        keys.sort();
        keys
    }

    fn store(&self, bucket: &str, key: &str) -> S3Store {
        let config = S3BackendConfig {
            bucket: bucket.into(),
            key: key.into(),
            workspace_key_prefix: "env:".into(),
            use_lockfile: true,
            settings: Settings {
                region: Some("us-east-1".into()),
                endpoint: Some(s3::endpoint()),
                access_key: Some("testing".into()),
                secret_key: Some("testing".into()),
                ..Settings::default()
            },
        };
        S3Store::new(config, "default").with_timing(LockTiming {
            poll: Duration::from_millis(50),
            ..LockTiming::default()
        })
    }
}

/// A state with one `infra_data` instance.
fn state_with(lineage: &str, serial: u64, names: &[&str]) -> State {
    let mut s = State {
        lineage: lineage.into(),
        serial,
        ..State::new()
    };
    for n in names {
        let addr = ResourceAddress::parse(&format!("infra_data.{n}")).expect("address");
        s.resources.insert(addr, instance(n));
    }
    s
}

fn instance(id: &str) -> InstanceState {
    InstanceState {
        value: Value::Object(
            [
                ("id".to_string(), Value::string(id)),
                ("input".to_string(), Value::string("x")),
            ]
            .into_iter()
            .collect(),
        ),
        provider: "infra".into(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        deposed: Default::default(),
        meta: Default::default(),
        deposed_meta: Default::default(),
    }
}

fn backend(bucket: &str, key: &str) -> String {
    format!(
        "backend \"s3\" {{\n  bucket   = \"{bucket}\"\n  key      = \"{key}\"\n  region   = \"us-east-1\"\n  endpoint = \"{}\"\n}}\n",
        s3::endpoint()
    )
}

const RESOURCES: &str = r#"
resource "infra_data" "a" { input = "x" }
resource "infra_data" "b" { input = infra_data.a.id }
output "b" { value = infra_data.b.output }
"#;

// ---------------------------------------------------------------- the store

#[test]
fn store_round_trip_same_format_as_local() {
    let other = Other::new();
    let bucket = s3::bucket("state-rt");
    other.create_bucket(&bucket);
    let store = other.store(&bucket, "app/state.json");
    let rt = &other.rt;
    assert_eq!(store.describe(), format!("s3://{bucket}/app/state.json"));
    assert!(rt.block_on(store.read()).expect("read").is_none());

    let first = state_with("lin-1", 1, &["a"]);
    rt.block_on(store.write(&first)).expect("write");
    let body = other.get(&bucket, "app/state.json").expect("state object");
    assert_eq!(
        String::from_utf8_lossy(&body),
        file::to_text(&first),
        "the S3 object is the local state format"
    );
    // A second store (another process) reads it back.
    let again = other.store(&bucket, "app/state.json");
    assert_eq!(
        rt.block_on(again.read()).expect("read"),
        Some(first.clone())
    );

    // The journal: entries are objects of their own, replayed by read and
    // removed by the next write.
    let addr = ResourceAddress::parse("infra_data.b").expect("address");
    let inst = instance("b");
    rt.block_on(again.record(&Entry::new(&first, &addr, "infra", Some(&inst))))
        .expect("record");
    let gone = ResourceAddress::parse("infra_data.a").expect("address");
    rt.block_on(again.record(&Entry::new(&first, &gone, "infra", None)))
        .expect("record");
    let journal: Vec<String> = other
        .keys(&bucket)
        .into_iter()
        .filter(|k| k.starts_with("app/state.json.journal/"))
        .collect();
    assert_eq!(journal.len(), 2, "{journal:?}");
    let replayed = rt
        .block_on(other.store(&bucket, "app/state.json").read())
        .expect("read")
        .expect("state");
    assert_eq!(
        replayed
            .resources
            .keys()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["infra_data.b"]
    );
    assert_eq!(replayed.serial, 1, "replay does not bump the serial");

    let mut next = replayed;
    next.serial = 2;
    rt.block_on(again.write(&next)).expect("write");
    assert_eq!(
        other.keys(&bucket),
        ["app/state.json", "app/state.json.backup"],
        "journal removed, previous version kept (no versioning)"
    );
    let backup = other.get(&bucket, "app/state.json.backup").expect("backup");
    assert_eq!(String::from_utf8_lossy(&backup), file::to_text(&first));
}

#[test]
fn lock_held_names_its_holder_and_release_lets_the_next_take_it() {
    let other = Other::new();
    let bucket = s3::bucket("state-lock");
    other.create_bucket(&bucket);
    let a = other.store(&bucket, "k");
    let b = other.store(&bucket, "k");
    let rt = &other.rt;
    let mine = LockInfo::new("apply");
    let guard = rt
        .block_on(a.lock(mine.clone(), Duration::ZERO))
        .expect("lock");
    let lock = other.get_json(&bucket, "k.lock");
    assert_eq!(lock["id"], mine.id.as_str());
    assert_eq!(lock["operation"], "apply");
    assert!(lock["who"].as_str().is_some_and(|w| w.contains('@')));
    assert!(lock["created"].as_str().is_some());

    match rt.block_on(b.lock(LockInfo::new("plan"), Duration::from_millis(200))) {
        Err(StateError::Locked(info)) => {
            assert_eq!(info.id, mine.id);
            assert_eq!(info.operation, "apply");
            assert_eq!(info.path, format!("s3://{bucket}/k.lock"));
            let e = StateError::Locked(info.clone());
            assert!(e.to_string().contains(&mine.id), "{e}");
            let help = e.help().unwrap_or_default();
            assert!(
                help.contains(&format!("infra force-unlock {}", mine.id)),
                "{help}"
            );
        }
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("a second lock while the first is held"),
    }

    rt.block_on(guard.release()).expect("release");
    assert!(
        other.get(&bucket, "k.lock").is_none(),
        "lock object removed"
    );
    let again = rt
        .block_on(b.lock(LockInfo::new("plan"), Duration::ZERO))
        .expect("lock after release");
    rt.block_on(again.release()).expect("release");
}

#[test]
fn lock_timeout_waits_for_the_holder() {
    let other = Other::new();
    let bucket = s3::bucket("state-wait");
    other.create_bucket(&bucket);
    let a = other.store(&bucket, "k");
    let mine = LockInfo::new("apply");
    let guard = other
        .rt
        .block_on(a.lock(mine.clone(), Duration::ZERO))
        .expect("lock");
    // Another process removes it while we wait.
    let releaser = {
        let bucket = bucket.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let ours = Other::new();
            let store = ours.store(&bucket, "k");
            ours.rt
                .block_on(store.force_unlock(&mine.id))
                .expect("force-unlock");
        })
    };
    let b = other.store(&bucket, "k");
    let got = other
        .rt
        .block_on(b.lock(LockInfo::new("plan"), Duration::from_secs(20)));
    releaser.join().expect("releaser");
    let got = got.expect("the lock once it is free");
    // The first holder's release leaves the new lock alone.
    assert!(other.rt.block_on(guard.release()).is_err());
    assert!(other.get(&bucket, "k.lock").is_some());
    other.rt.block_on(got.release()).expect("release");
}

#[test]
fn release_leaves_a_lock_that_is_not_ours_alone() {
    let other = Other::new();
    let bucket = s3::bucket("state-steal");
    other.create_bucket(&bucket);
    let a = other.store(&bucket, "k");
    let rt = &other.rt;
    let mine = LockInfo::new("apply");
    let guard = rt
        .block_on(a.lock(mine.clone(), Duration::ZERO))
        .expect("lock");
    // Force-unlocked, and taken by someone else.
    let b = other.store(&bucket, "k");
    rt.block_on(b.force_unlock(&mine.id)).expect("force-unlock");
    let theirs = LockInfo::new("plan");
    let their_guard = rt
        .block_on(b.lock(theirs.clone(), Duration::ZERO))
        .expect("lock");
    let released = rt.block_on(guard.release());
    assert!(
        matches!(&released, Err(StateError::Remote(m)) if m.contains("not ours")),
        "{released:?}"
    );
    assert_eq!(other.get_json(&bucket, "k.lock")["id"], theirs.id.as_str());
    rt.block_on(their_guard.release()).expect("release");
}

#[test]
fn force_unlock_checks_the_id() {
    let other = Other::new();
    let bucket = s3::bucket("state-force");
    other.create_bucket(&bucket);
    let a = other.store(&bucket, "k");
    let rt = &other.rt;
    assert!(matches!(
        rt.block_on(a.force_unlock("nope")),
        Err(StateError::NotLocked(_))
    ));
    let mine = LockInfo::new("apply");
    let guard = rt
        .block_on(a.lock(mine.clone(), Duration::ZERO))
        .expect("lock");
    match rt.block_on(a.force_unlock("nope")) {
        Err(StateError::WrongLock { given, held }) => {
            assert_eq!(given, "nope");
            assert_eq!(held.id, mine.id);
        }
        other => panic!("expected WrongLock, got {other:?}"),
    }
    assert!(other.get(&bucket, "k.lock").is_some(), "left alone");
    let removed = rt.block_on(a.force_unlock(&mine.id)).expect("force-unlock");
    assert_eq!(removed.id, mine.id);
    assert!(other.get(&bucket, "k.lock").is_none());
    // Its holder's release then has nothing to remove.
    rt.block_on(guard.release())
        .expect("release of a removed lock");
}

#[test]
fn write_refuses_a_state_replaced_under_it() {
    let other = Other::new();
    let bucket = s3::bucket("state-cas");
    other.create_bucket(&bucket);
    let rt = &other.rt;
    let a = other.store(&bucket, "k");
    let b = other.store(&bucket, "k");
    // Both read "no state"; a writes first.
    assert!(rt.block_on(a.read()).expect("read").is_none());
    assert!(rt.block_on(b.read()).expect("read").is_none());
    let ours = state_with("lin", 1, &["a"]);
    rt.block_on(a.write(&ours)).expect("write");
    // b's write of the same serial is refused.
    let theirs = state_with("lin", 1, &["b"]);
    match rt.block_on(b.write(&theirs)) {
        Err(e @ StateError::Conflict { .. }) => {
            let text = e.to_string();
            assert!(text.contains("serial 1"), "{text}");
            assert!(
                e.help()
                    .is_some_and(|h| h.contains("Nothing was overwritten"))
            );
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    // Another lineage is refused, whatever its serial.
    let foreign = state_with("other-lineage", 9, &["c"]);
    match rt.block_on(b.write(&foreign)) {
        Err(StateError::Conflict { reason, .. }) => {
            assert!(reason.contains("another history"), "{reason}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    // A store that never read checks what is there: an older serial is
    // refused, a newer one of the same lineage written.
    let c = other.store(&bucket, "k");
    assert!(matches!(
        rt.block_on(c.write(&state_with("lin", 1, &["d"]))),
        Err(StateError::Conflict { .. })
    ));
    let after = rt
        .block_on(other.store(&bucket, "k").read())
        .expect("read")
        .expect("state");
    assert_eq!(after, ours, "the refused writes changed nothing");
    // If-Match: someone replaced the object after b read it; b's write of
    // a newer serial than theirs goes through with a fresh compare.
    let d = other.store(&bucket, "k");
    let mut base = rt.block_on(d.read()).expect("read").expect("state");
    let mut newer = base.clone();
    newer.serial = 2;
    rt.block_on(a.write(&newer)).expect("a writes serial 2");
    base.serial = 2;
    assert!(matches!(
        rt.block_on(d.write(&base)),
        Err(StateError::Conflict { .. })
    ));
    base.serial = 3;
    rt.block_on(d.write(&base))
        .expect("serial 3 replaces serial 2");
}

#[test]
fn workspaces_use_the_prefix() {
    let other = Other::new();
    let bucket = s3::bucket("state-ws");
    other.create_bucket(&bucket);
    let mut config = S3BackendConfig {
        bucket: bucket.clone(),
        key: "app.state".into(),
        workspace_key_prefix: "env:".into(),
        use_lockfile: true,
        settings: Settings {
            region: Some("us-east-1".into()),
            endpoint: Some(s3::endpoint()),
            ..Settings::default()
        },
    };
    let dev = S3Store::new(config.clone(), "dev");
    other
        .rt
        .block_on(dev.write(&state_with("l", 1, &["a"])))
        .expect("write");
    config.workspace_key_prefix = "ws".into();
    let prod = S3Store::new(config, "prod");
    other
        .rt
        .block_on(prod.write(&state_with("l", 1, &["a"])))
        .expect("write");
    assert_eq!(
        other.keys(&bucket),
        ["env:/dev/app.state", "ws/prod/app.state"]
    );
}

// ------------------------------------------------------------------ the CLI

#[test]
fn environments_example_keeps_three_states_in_s3() {
    let other = Other::new();
    let bucket = s3::bucket("state-envs");
    other.create_bucket(&bucket);
    let w = Workdir::new(include_str!("../../../examples/environments/main.infra"));
    for env in ["dev", "staging", "prod"] {
        let vars = match env {
            "dev" => include_str!("../../../examples/environments/dev.infravars"),
            "staging" => include_str!("../../../examples/environments/staging.infravars"),
            _ => include_str!("../../../examples/environments/prod.infravars"),
        };
        w.write(&format!("{env}.infravars"), vars);
    }
    let konst = format!("state_bucket={bucket}");
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--const", konst.as_str()]);
        let out = w
            .command(&all)
            .env("AWS_ENDPOINT_URL_S3", s3::endpoint())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .expect("run infra");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "infra {all:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    for env in ["dev", "staging", "prod"] {
        run(&["workspace", "new", env]);
        let file = format!("{env}.infravars");
        let applied = run(&["apply", "--auto-approve", "--var-file", &file]);
        assert_contains(
            &applied,
            "Apply complete! Resources: 3 added, 0 changed, 0 destroyed.",
        );
    }
    run(&["workspace", "select", "dev"]);
    let plan = run(&["plan", "--var-file", "dev.infravars", "--no-color"]);
    assert_contains(&plan, "No changes.");
    assert_contains(&run(&["output", "name"]), "web-dev-");
    let keys = other.keys(&bucket);
    for env in ["dev", "staging", "prod"] {
        let key = format!("env:/{env}/environments/state.json");
        assert!(keys.contains(&key), "{key} in {keys:?}");
        assert_eq!(other.get_json(&bucket, &key)["serial"], 1);
    }
    assert!(!keys.contains(&"environments/state.json".to_string()));
    assert_eq!(
        run(&["workspace", "list"]),
        "  default\n* dev\n  prod\n  staging\n"
    );
}

#[test]
fn cli_workspaces_live_under_env_prefix_in_s3() {
    let other = Other::new();
    let bucket = s3::bucket("state-cli-ws");
    other.create_bucket(&bucket);
    let w = Workdir::new(&format!(
        "{}{RESOURCES}",
        backend(&bucket, "web/state.json")
    ));
    let created = w.expect(&["workspace", "new", "dev"], 0);
    assert_contains(
        &created.stdout,
        "Created and switched to workspace \"dev\"!",
    );
    // As in Terraform, a new S3 workspace is an empty state object.
    assert_eq!(other.keys(&bucket), ["env:/dev/web/state.json"]);
    w.apply();
    assert_eq!(w.state_list(), ["infra_data.a", "infra_data.b"]);
    assert!(other.get(&bucket, "web/state.json").is_none());
    w.expect(&["workspace", "select", "default"], 0);
    assert!(w.state_list().is_empty(), "default has its own state");
    assert_eq!(
        w.expect(&["workspace", "list"], 0).stdout,
        "* default\n  dev\n"
    );
    let refused = w.expect(&["workspace", "delete", "dev"], 1);
    assert_contains(&unwrapped(&refused.stderr), "workspace::not-empty");
    w.expect(&["workspace", "delete", "--force", "dev"], 0);
    // The workspace's state is gone; audit logs stay: dev's apply, and
    // the deletion, recorded in the log of the workspace the user is in
    // (and dev's apply's configuration snapshot, beside its record).
    let (snapshots, keys): (Vec<String>, Vec<String>) = other
        .keys(&bucket)
        .into_iter()
        .partition(|k| k.contains(".snapshots/"));
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    assert!(snapshots[0].starts_with("env:/dev/web/state.json.snapshots/"));
    assert_eq!(
        keys,
        [
            "env:/dev/web/state.json.audit/000000000001.json",
            "web/state.json.audit/000000000001.json"
        ]
    );
    let deletion = other.get_json(&bucket, "web/state.json.audit/000000000001.json");
    assert_eq!(deletion["command"], "workspace delete");
    assert_eq!(deletion["changes"][0]["action"], "forget");
    let history = w.expect(&["history", "verify"], 0);
    assert_contains(&history.stdout, "1 record(s)");
}

#[test]
fn apply_keeps_state_in_s3() {
    let other = Other::new();
    let bucket = s3::bucket("state-cli");
    other.create_bucket(&bucket);
    let w = Workdir::new(&format!(
        "{}{RESOURCES}",
        backend(&bucket, "web/state.json")
    ));
    w.expect(&["init"], 0);
    w.apply();
    assert!(
        w.read(".infra/state.json").is_none(),
        "no local state with an s3 backend"
    );
    let state = other.get_json(&bucket, "web/state.json");
    assert_eq!(state["serial"], 1);
    assert_eq!(state["format_version"], 1);
    assert_eq!(w.state_list(), ["infra_data.a", "infra_data.b"]);
    assert_eq!(w.state(), state, "state pull prints the object");
    assert!(
        other.get(&bucket, "web/state.json.lock").is_none(),
        "the lock is released"
    );
    let out = w.expect(&["output", "b"], 0);
    let id = w.attributes("infra_data.a")["id"].clone();
    assert_contains(&out.stdout, id.as_str().unwrap_or("(no id)"));
    let plan = w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_contains(&plan.stdout, "No changes.");
    // State commands edit it in place (new serial, backup kept).
    w.expect(&["state", "rm", "infra_data.b"], 0);
    assert_eq!(other.get_json(&bucket, "web/state.json")["serial"], 2);
    assert_eq!(
        other.get_json(&bucket, "web/state.json.backup")["serial"],
        1
    );
    w.expect(&["destroy", "--auto-approve", "--no-color"], 0);
    assert!(w.state_list().is_empty());
    assert!(other.keys(&bucket).iter().all(|k| !k.contains(".journal/")));
}

#[test]
fn two_applies_at_once_one_gets_the_lock() {
    let other = Other::new();
    let bucket = s3::bucket("state-race");
    other.create_bucket(&bucket);
    let w = Workdir::new(&format!(
        r#"{}
resource "infra_data" "a" {{ input = "x" }}
resource "test_fault" "slow" {{
  input    = infra_data.a.id
  sleep_ms = 2000
}}
"#,
        backend(&bucket, "race.json")
    ));
    let first = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    let second = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    let (first, second) = (first.finish(PATIENCE), second.finish(PATIENCE));
    let mut codes = [first.code, second.code];
    codes.sort_unstable();
    assert_eq!(
        codes,
        [0, 1],
        "exactly one apply succeeds\n--- first\n{}\n{}\n--- second\n{}\n{}",
        first.stdout,
        first.stderr,
        second.stdout,
        second.stderr
    );
    let loser = if first.code == 1 { &first } else { &second };
    let err = unwrapped(&loser.stderr);
    assert_contains(&err, "state::locked");
    assert_contains(&err, "the state is locked by");
    assert_contains(&err, "infra apply");
    assert!(!loser.stdout.contains("Creating..."), "{}", loser.stdout);
    let state = other.get_json(&bucket, "race.json");
    assert_eq!(state["serial"], 1);
    assert_eq!(w.state_list(), ["infra_data.a", "test_fault.slow"]);
    assert!(other.get(&bucket, "race.json.lock").is_none());
}

#[test]
fn without_a_lock_the_compare_and_swap_refuses_the_second_write() {
    let other = Other::new();
    let bucket = s3::bucket("state-nolock");
    other.create_bucket(&bucket);
    let block = backend(&bucket, "s.json").replace("region ", "use_lockfile = false\n  region ");
    let w = Workdir::new(&format!(
        r#"{block}
resource "test_fault" "slow" {{
  input    = "x"
  sleep_ms = 1500
}}
"#
    ));
    let first = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    let second = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    let (first, second) = (first.finish(PATIENCE), second.finish(PATIENCE));
    let mut codes = [first.code, second.code];
    codes.sort_unstable();
    assert_eq!(
        codes,
        [0, 1],
        "--- first\n{}\n{}\n--- second\n{}\n{}",
        first.stdout,
        first.stderr,
        second.stdout,
        second.stderr
    );
    let loser = if first.code == 1 { &first } else { &second };
    let err = unwrapped(&loser.stderr);
    assert_contains(&err, "refusing to overwrite the state in s3://");
    assert_contains(&err, "another run wrote it after this one read it");
    // Without a lock, a run can also read the other's journal while that
    // one is still running and write the state it reconciled from it
    // (serial 1) before the other's own write (serial 2): one write wins
    // either way, the other is refused.
    let serial = other.get_json(&bucket, "s.json")["serial"].as_u64();
    assert!(matches!(serial, Some(1 | 2)), "serial {serial:?}");
    // A loser's journal, recorded against the state it started from, is
    // never dropped silently: every command refuses it until it is moved
    // away (after adopting or deleting what it names), as its help says.
    let listed = w.run(&["state", "list", "--no-color"]);
    if listed.code != 0 {
        let err = unwrapped(&listed.stderr);
        assert_contains(&err, "state::journal-mismatch");
        assert_contains(&err, "move s3://");
        for key in other.keys(&bucket) {
            if key.starts_with("s.json.journal/") {
                other.delete(&bucket, &key);
            }
        }
    }
    assert_eq!(w.state_list(), ["test_fault.slow"]);
}

#[test]
fn stale_lock_is_reported_with_its_holder_and_force_unlock_removes_it() {
    let other = Other::new();
    let bucket = s3::bucket("state-stale");
    other.create_bucket(&bucket);
    let w = Workdir::new(&format!("{}{RESOURCES}", backend(&bucket, "s.json")));
    let id = "6f1c2b4e-dead-4bee-8f00-000000000001";
    other.put(
        &bucket,
        "s.json.lock",
        &serde_json::json!({
            "id": id, "operation": "apply", "who": "ci@crashed-runner", "pid": 4242,
            "version": "0.1.0", "created": "2024-05-01T10:00:00Z"
        })
        .to_string(),
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::locked");
    assert_contains(&err, "ci@crashed-runner");
    assert_contains(&err, "since 2024-05-01T10:00:00Z");
    assert_contains(&err, &format!("lock id {id}"));
    // (The help may be wrapped inside the id, at a hyphen.)
    assert_contains(&err.replace("- ", "-"), &format!("infra force-unlock {id}"));

    let wrong = w.expect(&["force-unlock", "not-the-id"], 1);
    assert_contains(&unwrapped(&wrong.stderr), "state::wrong-lock");
    assert!(other.get(&bucket, "s.json.lock").is_some());

    let done = w.expect(&["force-unlock", "-force", id], 0);
    assert_contains(&done.stdout, &format!("Removed lock {id}"));
    assert_contains(&done.stdout, "ci@crashed-runner");
    assert!(other.get(&bucket, "s.json.lock").is_none());
    let again = w.expect(&["force-unlock", id], 1);
    assert_contains(&unwrapped(&again.stderr), "state::not-locked");
    w.apply();
}

#[test]
fn killed_apply_leaves_its_journal_and_lock_for_recovery() {
    let other = Other::new();
    let bucket = s3::bucket("state-killed");
    other.create_bucket(&bucket);
    let w = Workdir::new(&format!(
        r#"{}
resource "infra_data" "a" {{ input = "x" }}
resource "test_fault" "slow" {{
  input    = infra_data.a.id
  sleep_ms = 30000
}}
"#,
        backend(&bucket, "k.json")
    ));
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(PATIENCE, |l| l
            .iter()
            .any(|x| x.contains("test_fault.slow: Creating..."))),
        "{:?}",
        apply.seen
    );
    apply.child.kill().expect("kill -9");
    let _ = apply.child.wait();
    let keys = other.keys(&bucket);
    assert!(keys.contains(&"k.json.lock".to_string()), "{keys:?}");
    assert!(
        keys.iter().any(|k| k.starts_with("k.json.journal/")),
        "{keys:?}"
    );
    assert!(!keys.contains(&"k.json".to_string()), "{keys:?}");
    // The lock outlives the process: reported, then forced.
    let locked = w.expect(&["state", "list"], 0);
    assert_eq!(locked.stdout.trim(), "infra_data.a", "journal replayed");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&unwrapped(&r.stderr), "state::locked");
    let id = other.get_json(&bucket, "k.json.lock")["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.expect(&["force-unlock", &id], 0);
    // The next apply starts from the journal: `a` is not created twice.
    let id_a = w.attributes("infra_data.a")["id"].clone();
    w.config(
        &w.read_text("main.infra")
            .unwrap_or_default()
            .replace("30000", "10"),
    );
    let done = w.apply();
    assert!(
        !done.stdout.contains("infra_data.a: Creating"),
        "{}",
        done.stdout
    );
    assert_eq!(w.attributes("infra_data.a")["id"], id_a);
    assert_eq!(w.state_list(), ["infra_data.a", "test_fault.slow"]);
    assert!(other.keys(&bucket).iter().all(|k| !k.contains(".journal/")));
}

#[test]
fn local_force_unlock_explains_local_locks() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    let r = w.expect(&["force-unlock", "some-id"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::not-locked");
    assert_contains(&err, "released when the process holding it exits");
}

#[test]
fn init_migrate_state_copies_local_state_to_s3() {
    let other = Other::new();
    let bucket = s3::bucket("state-migrate");
    other.create_bucket(&bucket);
    let w = Workdir::new(RESOURCES);
    w.apply();
    let local = w.state();
    w.config(&format!("{}{RESOURCES}", backend(&bucket, "m.json")));
    let r = w.expect(&["init", "-migrate-state"], 0);
    assert_contains(&r.stdout, "Copied the state from");
    assert_contains(&r.stdout, &format!("s3://{bucket}/m.json"));
    let remote = other.get_json(&bucket, "m.json");
    assert_eq!(remote["lineage"], local["lineage"]);
    assert_eq!(remote["serial"], local["serial"]);
    assert_eq!(remote["resources"], local["resources"]);
    let plan = w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_contains(&plan.stdout, "No changes.");
    let again = w.expect(&["init", "--migrate-state"], 0);
    assert_contains(&again.stdout, "already holds this state");

    // Another history at the destination is never overwritten.
    let w2 = Workdir::new(RESOURCES);
    w2.apply();
    w2.config(&format!("{}{RESOURCES}", backend(&bucket, "m.json")));
    let refused = w2.expect(&["init", "-migrate-state"], 1);
    assert_contains(&unwrapped(&refused.stderr), "state::migrate-conflict");
    assert_eq!(
        other.get_json(&bucket, "m.json")["lineage"],
        local["lineage"]
    );
}

#[test]
fn init_migrate_state_copies_every_local_workspace() {
    let other = Other::new();
    let bucket = s3::bucket("state-migrate-ws");
    other.create_bucket(&bucket);
    let w = Workdir::new(RESOURCES);
    w.apply();
    let default = w.state();
    w.expect(&["workspace", "new", "dev"], 0);
    w.apply();
    w.expect(&["workspace", "new", "empty"], 0);
    w.expect(&["workspace", "select", "dev"], 0);
    let dev = w.state();
    assert_ne!(dev["lineage"], default["lineage"]);
    w.config(&format!("{}{RESOURCES}", backend(&bucket, "m.json")));
    let r = w.expect(&["init", "-migrate-state"], 0);
    assert_contains(&r.stdout, "Workspace dev:");
    assert_eq!(other.keys(&bucket), ["env:/dev/m.json", "m.json"]);
    assert_eq!(
        other.get_json(&bucket, "m.json")["lineage"],
        default["lineage"]
    );
    let remote_dev = other.get_json(&bucket, "env:/dev/m.json");
    assert_eq!(remote_dev["lineage"], dev["lineage"]);
    assert_eq!(remote_dev["resources"], dev["resources"]);
    // Each workspace plans against its own copy.
    let plan = w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_contains(&plan.stdout, "No changes.");
    w.expect(&["workspace", "select", "default"], 0);
    let plan = w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_contains(&plan.stdout, "No changes.");
}

#[test]
fn init_backend_config_completes_a_partial_block_until_reconfigure() {
    let other = Other::new();
    let bucket = s3::bucket("state-partial");
    other.create_bucket(&bucket);
    let w = Workdir::new(&format!(
        "backend \"s3\" {{\n  region = \"us-east-1\"\n}}\n{RESOURCES}"
    ));
    w.write(
        "backend.hcl",
        &format!(
            "bucket   = \"{bucket}\"\nendpoint = \"{}\"\n",
            s3::endpoint()
        ),
    );
    let r = w.expect(
        &[
            "init",
            "-backend-config=backend.hcl",
            "-backend-config=key=app/state.json",
            "-input=false",
        ],
        0,
    );
    assert_contains(&r.stdout, &format!("s3://{bucket}/app/state.json"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(w.path().join(".infra/backend-config.json"))
            .expect("kept settings")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
    }
    w.apply();
    let keys: Vec<String> = other
        .keys(&bucket)
        .into_iter()
        .filter(|k| !k.contains(".snapshots/"))
        .collect();
    assert_eq!(
        keys,
        ["app/state.json", "app/state.json.audit/000000000001.json"]
    );
    let plan = w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_contains(&plan.stdout, "No changes.");

    // A lock someone left behind: refused, unless `-lock=false`.
    other.put(
        &bucket,
        "app/state.json.lock",
        &serde_json::json!({
            "id": "6f1c2b4e-dead-4bee-8f00-000000000002", "operation": "apply", "who": "ci@gone",
            "pid": 1, "version": "0.1.0", "created": "2024-05-01T10:00:00Z"
        })
        .to_string(),
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&unwrapped(&r.stderr), "state::locked");
    let r = w.expect(&["plan", "-lock=false", "--no-color"], 0);
    assert_contains(&r.stdout, "No changes.");
    assert!(
        other.get(&bucket, "app/state.json.lock").is_some(),
        "the other lock was removed"
    );

    // `-reconfigure` forgets the settings: the block alone is incomplete.
    w.expect(&["init", "-reconfigure"], 1);
    assert!(!w.path().join(".infra/backend-config.json").exists());
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&unwrapped(&r.stderr), "needs `bucket`");
}

#[test]
fn backend_block_uses_consts_and_env() {
    let other = Other::new();
    let bucket = s3::bucket("state-const");
    other.create_bucket(&bucket);
    let w = Workdir::new(&format!(
        r#"
const "env" {{
  default = "dev"
}}

backend "s3" {{
  bucket   = "{bucket}"
  key      = "app/${{const.env}}.json"
  region   = "us-east-1"
  endpoint = env("INFRA_TEST_S3_ENDPOINT")
}}

resource "infra_data" "a" {{ input = const.env }}
"#
    ));
    w.expect(&["validate"], 0);
    w.apply();
    w.expect(&["apply", "--auto-approve", "--const", "env=prod"], 0);
    // Each successful apply also keeps its configuration snapshot.
    let (snapshots, keys): (Vec<String>, Vec<String>) = other
        .keys(&bucket)
        .into_iter()
        .partition(|k| k.contains(".snapshots/"));
    assert_eq!(snapshots.len(), 2, "{snapshots:?}");
    assert_eq!(
        keys,
        [
            "app/dev.json",
            "app/dev.json.audit/000000000001.json",
            "app/prod.json",
            "app/prod.json.audit/000000000001.json"
        ]
    );
    assert_eq!(
        w.expect(&["state", "list"], 0).stdout.trim(),
        "infra_data.a"
    );
}

#[test]
fn backend_errors_are_reported() {
    let w = Workdir::new("backend \"s4\" {}\nresource \"infra_data\" \"a\" { input = 1 }\n");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&unwrapped(&r.stderr), "backend::unknown");
    assert_contains(&unwrapped(&r.stderr), "Did you mean `s3`?");

    w.config("backend \"s3\" {\n  bukket = \"b\"\n}\n");
    let r = w.expect(&["state", "list"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "backend::invalid-argument");

    let v = w.expect(&["validate"], 1);
    assert_contains(&unwrapped(&v.stderr), "no argument `bukket`");

    w.config("backend \"s3\" {\n  bucket = \"b\"\n  key = \"k\"\n}\n");
    let r = w.expect(&["plan", "--state", "x.json", "--no-color"], 1);
    assert_contains(&unwrapped(&r.stderr), "backend::state-flag");
}

#[test]
fn missing_bucket_is_a_clear_error() {
    let w = Workdir::new(&format!(
        "{}resource \"infra_data\" \"a\" {{ input = 1 }}\n",
        backend(&s3::bucket("state-none"), "k")
    ));
    let r = w.expect(&["plan", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::remote");
    assert_contains(&err, "does not exist");
}

#[test]
fn local_backend_path() {
    let w = Workdir::new(
        "backend \"local\" {\n  path = \"state/here.json\"\n}\nresource \"infra_data\" \"a\" { input = 1 }\n",
    );
    w.apply();
    assert!(w.read("state/here.json").is_some());
    assert!(w.read(".infra/state.json").is_none());
    assert_eq!(w.state_list(), ["infra_data.a"]);
    // --state still overrides it.
    w.expect(&["state", "list", "--state", "other.json"], 0);
}

/// A Terraform working directory whose `backend "s3"` points at
/// Terraform's state objects: `init` says how to take them over, infra
/// never makes its state of Terraform's object, and `init -migrate-state
/// -backend-config=key=NEW` reads every workspace's object (`KEY`,
/// `env:/NAME/KEY`) into infra's state at the new key, leaving
/// Terraform's objects exactly as they were, with no lock beside them.
#[test]
fn init_migrate_state_takes_over_terraform_s_state_in_s3() {
    use crate::terraform_migration::{APPLIED_CONFIG, APPLIED_STATE};
    let other = Other::new();
    let bucket = s3::bucket("state-tf");
    other.create_bucket(&bucket);
    let dev_state = APPLIED_STATE.replace(
        "5cffb026-41a6-7476-7b0c-cc2f1d255881",
        "0d8c5f3e-1111-2222-3333-444455556666",
    );
    other.put(&bucket, "tf/terraform.tfstate", APPLIED_STATE);
    other.put(&bucket, "env:/dev/tf/terraform.tfstate", &dev_state);
    let w = Workdir::new(&format!(
        "terraform {{\n{}}}\n\n{APPLIED_CONFIG}",
        backend(&bucket, "tf/terraform.tfstate")
    ));

    let init = w.expect(&["init"], 0);
    assert_contains(
        &unwrapped(&init.stdout),
        &format!("Found Terraform's state in s3://{bucket}/tf/terraform.tfstate"),
    );
    // Other commands refuse it, saying how to take it over.
    let plan = w.expect(&["plan"], 1);
    assert_contains(&unwrapped(&plan.stderr), "state::terraform");
    assert_contains(&unwrapped(&plan.stderr), "config=key=NEW_KEY");
    // infra's state would be Terraform's object itself: refused.
    let refused = w.expect(&["init", "-migrate-state"], 1);
    let err = unwrapped(&refused.stderr);
    assert_contains(&err, "state::terraform");
    assert_contains(&err, "config=key=NEW_KEY");

    let r = w.expect(
        &[
            "init",
            "-migrate-state",
            "-backend-config=key=infra/state.json",
        ],
        0,
    );
    assert_contains(&r.stdout, "Workspace dev:");
    assert_contains(
        &r.stdout,
        &format!("Terraform's s3://{bucket}/tf/terraform.tfstate"),
    );
    assert_eq!(
        other.keys(&bucket),
        [
            "env:/dev/infra/state.json",
            "env:/dev/tf/terraform.tfstate",
            "infra/state.json",
            "tf/terraform.tfstate",
        ]
    );
    assert_eq!(
        other.get(&bucket, "tf/terraform.tfstate").as_deref(),
        Some(APPLIED_STATE.as_bytes())
    );
    assert_eq!(
        other
            .get(&bucket, "env:/dev/tf/terraform.tfstate")
            .as_deref(),
        Some(dev_state.as_bytes())
    );
    let infra = other.get_json(&bucket, "infra/state.json");
    assert_eq!(infra["lineage"], "5cffb026-41a6-7476-7b0c-cc2f1d255881");
    assert_eq!(
        other.get_json(&bucket, "env:/dev/infra/state.json")["lineage"],
        "0d8c5f3e-1111-2222-3333-444455556666"
    );
    let plan = w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_contains(&plan.stdout, "No changes.");
    w.expect(&["workspace", "select", "dev"], 0);
    let plan = w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_contains(&plan.stdout, "No changes.");
    // Back in Terraform's format, the same history.
    let pulled = w.expect(&["state", "pull", "--format", "terraform"], 0);
    let pulled: serde_json::Value = serde_json::from_str(&pulled.stdout).expect("JSON");
    assert_eq!(pulled["lineage"], "0d8c5f3e-1111-2222-3333-444455556666");
    // Once taken over, init reads infra's state at the new key.
    let again = w.expect(&["init"], 0);
    assert!(
        !again.stdout.contains("Found Terraform's state"),
        "{}",
        again.stdout
    );
}
