//! The engine when things go wrong, end to end: a second process while the
//! state is locked, a provider that fails or panics mid-apply, an apply
//! killed with SIGKILL or interrupted with SIGINT, state that is damaged or
//! written by a newer infra, a journal left by a crash. Uses the `test`
//! provider's `test_fault` resource (`fail_on`, `panic_on`, `sleep_ms`).

use crate::support::{Workdir, assert_contains, unwrapped};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long a background apply may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(30);

/// `ADDR -> id` of every `ADDR: Creation complete after ... [id=ID]` line.
fn completed(lines: &[String]) -> BTreeMap<String, String> {
    lines
        .iter()
        .filter_map(|l| {
            let (addr, rest) = l.split_once(": Creation complete after ")?;
            let id = rest.split("[id=").nth(1)?.trim_end_matches(']');
            Some((addr.to_string(), id.to_string()))
        })
        .collect()
}

fn has_line(lines: &[String], line: &str) -> bool {
    lines.iter().any(|l| l == line)
}

/// Sends `signal` (`INT`, as Ctrl-C in a terminal does, or `TERM`, as a
/// CI job's timeout does) to `pid`.
fn interrupt(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

#[test]
fn lock_contention_names_the_holder_and_lock_timeout_waits() {
    let w = Workdir::new(
        r#"
resource "infra_data" "a" { input = 1 }
resource "test_fault" "slow" {
  input    = "x"
  sleep_ms = 3000
}
"#,
    );
    let apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    let lock = w.path().join(".infra/state.json.lock");
    let start = Instant::now();
    while std::fs::metadata(&lock).map_or(true, |m| m.len() == 0) {
        assert!(start.elapsed() < PATIENCE, "apply never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = w.expect(&["plan", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::locked");
    assert_contains(&err, "the state is locked by");
    assert_contains(&err, "infra apply");
    assert!(
        err.contains(&format!("pid {}", apply.child.id())),
        "{}",
        r.stderr
    );
    // Waiting for the lock: the plan runs once the apply is done, and
    // sees its result. (The timeout in Terraform's duration syntax.)
    let waited = w.expect(
        &[
            "plan",
            "--lock-timeout",
            "1m30s",
            "--detailed-exitcode",
            "--no-color",
        ],
        0,
    );
    assert_contains(&waited.stdout, "No changes.");
    let done = apply.finish(PATIENCE);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_eq!(w.state_list(), ["infra_data.a", "test_fault.slow"]);
}

const FAILING: &str = r#"
resource "infra_data" "a" { input = 1 }
resource "infra_data" "b" { input = 2 }
resource "infra_data" "c" { input = 3 }
resource "test_fault" "bad" {
  input   = "x"
  FAULT = "create"
}
resource "infra_data" "dependent" {
  input = test_fault.bad.output
}
"#;

#[test]
fn failed_operation_skips_dependents_and_keeps_the_rest() {
    let w = Workdir::new(&FAILING.replace("FAULT", "fail_on"));
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(
        &r.stdout,
        "Apply failed. Resources: 3 added, 0 changed, 0 destroyed; 1 failed, 1 skipped.",
    );
    assert_contains(&r.stdout, "\n  failed:  test_fault.bad\n");
    assert_contains(&r.stdout, "\n  skipped: infra_data.dependent\n");
    assert_contains(
        &unwrapped(&r.stderr),
        "test_fault.bad: test_fault: injected failure on create",
    );
    assert_eq!(
        w.state_list(),
        ["infra_data.a", "infra_data.b", "infra_data.c"]
    );
    // Fixed: the rest is created, and nothing twice.
    w.config(
        &FAILING
            .replace("FAULT", "fail_on")
            .replace("\"create\"", "null"),
    );
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.",
    );
    assert_eq!(w.state_list().len(), 5);
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn panicking_provider_is_reported_not_a_crash() {
    let w = Workdir::new(&FAILING.replace("FAULT", "panic_on"));
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(&r.stdout, "1 failed, 1 skipped.");
    assert_contains(&r.stdout, "  failed:  test_fault.bad");
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "provider::panic");
    assert_contains(&err, "test_fault.bad");
    assert_eq!(
        w.state_list(),
        ["infra_data.a", "infra_data.b", "infra_data.c"]
    );
    w.config(
        &FAILING
            .replace("FAULT", "panic_on")
            .replace("\"create\"", "null"),
    );
    let out = w.apply().stdout;
    assert_contains(&out, "Resources: 2 added");
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn failed_update_keeps_the_old_state() {
    let config = r#"
resource "test_fault" "x" {
  input   = "V"
  fail_on = "update"
}
"#;
    let w = Workdir::new(&config.replace('V', "v1"));
    w.apply();
    w.config(&config.replace('V', "v2"));
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(&r.stdout, "  failed:  test_fault.x");
    assert_eq!(w.attributes("test_fault.x")["output"], "v1");
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
}

#[test]
fn failed_delete_keeps_what_it_depends_on() {
    let w = Workdir::new(
        r#"
resource "infra_data" "base" { input = 1 }
resource "test_fault" "x" {
  input   = infra_data.base.id
  fail_on = "delete"
}
resource "infra_data" "top" { input = test_fault.x.id }
resource "infra_data" "other" { input = 2 }
"#,
    );
    w.apply();
    let r = w.expect(&["destroy", "--auto-approve", "--no-color"], 1);
    assert_contains(
        &r.stdout,
        "Destroy failed. Resources: 0 added, 0 changed, 2 destroyed; 1 failed, 1 skipped.",
    );
    assert_contains(&r.stdout, "  skipped: infra_data.base");
    assert_eq!(w.state_list(), ["infra_data.base", "test_fault.x"]);
}

/// 20 `infra_data` in a chain with a slow `test_fault` in the middle:
/// `n00 <- ... <- n09 <- slow <- n10 <- ... <- n19`.
pub(crate) fn chain_with_slow_middle() -> String {
    let mut s = String::from("resource \"infra_data\" \"n00\" {\n  input = 0\n}\n");
    for i in 1..10 {
        s += &format!(
            "resource \"infra_data\" \"n{i:02}\" {{\n  input = infra_data.n{:02}.id\n}}\n",
            i - 1
        );
    }
    s += "resource \"test_fault\" \"slow\" {\n  input    = infra_data.n09.id\n  sleep_ms = 5000\n}\n";
    s += "resource \"infra_data\" \"n10\" {\n  input = test_fault.slow.id\n}\n";
    for i in 11..20 {
        s += &format!(
            "resource \"infra_data\" \"n{i:02}\" {{\n  input = infra_data.n{:02}.id\n}}\n",
            i - 1
        );
    }
    s
}

#[test]
fn killed_apply_loses_nothing_and_creates_nothing_twice() {
    let w = Workdir::new(&chain_with_slow_middle());
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(PATIENCE, |l| has_line(l, "test_fault.slow: Creating...")),
        "the apply never reached the slow resource:\n{}",
        apply.seen.join("\n")
    );
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
    let before = completed(&apply.seen);
    let expected: Vec<String> = (0..10).map(|i| format!("infra_data.n{i:02}")).collect();
    assert_eq!(before.keys().cloned().collect::<Vec<_>>(), expected);
    // Everything that completed is in state (replayed from the journal).
    assert_eq!(w.state_list(), expected);
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 11 to add, 0 to change, 0 to destroy.");
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(&["plan", "--json"], 0).stdout).expect("plan JSON");
    for c in json["resource_changes"].as_array().expect("changes") {
        let addr = c["address"].as_str().unwrap_or_default();
        if before.contains_key(addr) {
            assert_eq!(c["action"], "no-op", "{addr} would change: {c:#}");
        } else {
            assert_eq!(c["action"], "create", "{addr}: {c:#}");
        }
    }
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 11 added, 0 changed, 0 destroyed.",
    );
    for (addr, id) in &before {
        assert_eq!(
            w.attributes(addr)["id"],
            id.as_str(),
            "{addr} was re-created"
        );
    }
    assert_eq!(w.state_list().len(), 21);
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn killed_destroy_keeps_what_is_left_in_state() {
    let w = Workdir::new(&chain_with_slow_middle());
    w.apply();
    let mut destroy = w.spawn(&["destroy", "--auto-approve", "--no-color"]);
    assert!(
        destroy.wait_for(PATIENCE, |l| has_line(l, "test_fault.slow: Destroying...")),
        "the destroy never reached the slow resource:\n{}",
        destroy.seen.join("\n")
    );
    destroy.child.kill().expect("kill -9 the destroy");
    let _ = destroy.child.wait();
    let gone: Vec<&str> = destroy
        .seen
        .iter()
        .filter_map(|l| l.strip_suffix(": Destruction complete after 0s"))
        .collect();
    let expected_gone: Vec<String> = (10..20)
        .rev()
        .map(|i| format!("infra_data.n{i:02}"))
        .collect();
    assert_eq!(gone, expected_gone, "{}", destroy.seen.join("\n"));
    let mut left: Vec<String> = (0..10).map(|i| format!("infra_data.n{i:02}")).collect();
    left.push("test_fault.slow".into());
    assert_eq!(w.state_list(), left);
}

#[test]
fn destroy_after_a_partly_failed_apply_finishes() {
    let w = Workdir::new(
        r#"
resource "infra_data" "a" { input = 1 }
resource "test_fault" "bad" {
  input   = "x"
  fail_on = "create"
}
resource "infra_data" "dependent" {
  input = test_fault.bad.id
}
"#,
    );
    w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_eq!(w.state_list(), ["infra_data.a"]);
    let plan = w.expect(
        &["plan", "--destroy", "--no-color", "--detailed-exitcode"],
        2,
    );
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 1 to destroy.");
    w.expect(&["destroy", "--auto-approve", "--no-color"], 0);
    assert!(w.state_list().is_empty());
}

#[test]
fn ctrl_c_stops_after_running_operations() {
    interrupted_by("INT");
}

#[test]
fn sigterm_stops_after_running_operations() {
    interrupted_by("TERM");
}

fn interrupted_by(signal: &str) {
    let w = Workdir::new(
        r#"
resource "infra_data" "a" { input = 1 }
resource "infra_data" "b" { input = 2 }
resource "test_fault" "slow" {
  input    = "x"
  sleep_ms = 3000
}
resource "infra_data" "after" { input = test_fault.slow.output }
"#,
    );
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(PATIENCE, |l| {
            has_line(l, "test_fault.slow: Creating...")
                && completed(l).contains_key("infra_data.a")
                && completed(l).contains_key("infra_data.b")
        }),
        "{}",
        apply.seen.join("\n")
    );
    interrupt(apply.child.id(), signal);
    let r = apply.finish(Duration::from_secs(20));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.to_lowercase().contains("interrupt"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_contains(&r.stdout, "(interrupted)");
    assert_contains(&r.stdout, "  skipped: infra_data.after");
    // The running operation was waited for and recorded.
    assert_eq!(
        w.state_list(),
        ["infra_data.a", "infra_data.b", "test_fault.slow"]
    );
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
}

const SIMPLE: &str = r#"
resource "infra_data" "a" { input = 1 }
resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "f\n"
}
"#;

#[test]
fn corrupt_state_is_refused_and_left_untouched() {
    let w = Workdir::new(SIMPLE);
    w.apply();
    let full = w.read(".infra/state.json").expect("state file");
    let cut = full[..full.len() / 2].to_vec();
    std::fs::write(w.path().join(".infra/state.json"), &cut).expect("truncate");
    for args in [
        &["plan", "--no-color"][..],
        &["apply", "--auto-approve", "--no-color"],
        &["destroy", "--auto-approve", "--no-color"],
        &["state", "list"],
    ] {
        let r = w.expect(args, 1);
        let err = unwrapped(&r.stderr);
        assert!(err.contains("state::corrupt"), "{args:?}: {}", r.stderr);
        // The backup is pointed at only when there is one (the first
        // apply has no previous version to keep).
        assert_eq!(
            err.contains("state.json.backup"),
            w.path().join(".infra/state.json.backup").exists(),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(
            w.read(".infra/state.json").as_deref(),
            Some(&cut[..]),
            "{args:?} touched the state file"
        );
    }
    assert_eq!(w.read_text("out/f.txt").as_deref(), Some("f\n"));
}

#[test]
fn newer_state_format_is_refused() {
    let w = Workdir::new(SIMPLE);
    w.apply();
    let mut doc = w.state();
    doc["format_version"] = serde_json::json!(99);
    let text = serde_json::to_string_pretty(&doc).expect("JSON");
    w.write(".infra/state.json", &text);
    for args in [
        &["plan", "--no-color"][..],
        &["apply", "--auto-approve", "--no-color"],
        &["state", "rm", "infra_data.a"],
    ] {
        let r = w.expect(args, 1);
        assert!(
            r.stderr.contains("state::too-new"),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(
            w.read_text(".infra/state.json").as_deref(),
            Some(text.as_str())
        );
    }
}

#[test]
fn create_before_destroy_keeps_an_old_object_it_could_not_delete() {
    let w = Workdir::new(
        r#"
resource "test_fault" "x" {
  input   = "v1"
  fail_on = "delete"
  lifecycle {
    create_before_destroy = true
  }
}
"#,
    );
    w.apply();
    let old = w.attributes("test_fault.x")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--replace",
            "test_fault.x",
        ],
        1,
    );
    assert_contains(&r.stdout, "  failed:  test_fault.x");
    let state = w.expect(&["state", "pull"], 0).stdout;
    assert!(
        state.contains(&old),
        "the old object {old} is no longer tracked:\n{state}"
    );
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "1 to destroy");
}

#[test]
fn torn_journal_tail_does_not_swallow_the_next_runs_entries() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    let lineage = w.state()["lineage"].as_str().expect("lineage").to_string();
    // A crash in the middle of writing a journal line.
    w.write(
        ".infra/state.json.journal",
        &format!("{{\"lineage\":\"{lineage}\",\"base_ser"),
    );
    assert_eq!(w.state_list(), ["infra_data.a"]);
    w.config(
        r#"
resource "infra_data" "a" { input = 1 }
resource "infra_data" "b" { input = 2 }
resource "test_fault" "slow" { sleep_ms = 5000 }
"#,
    );
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(PATIENCE, |l| completed(l).contains_key("infra_data.b")),
        "{}",
        apply.seen.join("\n")
    );
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
    let r = w.expect(&["state", "list"], 0);
    assert_eq!(r.stdout, "infra_data.a\ninfra_data.b\n");
}

#[test]
fn corrupt_journal_help_names_files_that_exist() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    w.write(".infra/state.json.journal", "not json\n{}\n");
    let r = w.expect(&["state", "list"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::corrupt");
    assert!(
        !err.contains("journal.backup"),
        "the help names a file that does not exist: {}",
        r.stderr
    );
}

#[test]
fn panic_while_refreshing_names_the_resource() {
    let config = r#"
resource "test_fault" "reader" {
  input    = "x"
  panic_on = P
}
"#;
    let w = Workdir::new(&config.replace('P', "null"));
    w.apply();
    w.config(&config.replace('P', "\"read\""));
    w.expect(&["apply", "--auto-approve", "--refresh=false"], 0);
    let r = w.expect(&["plan", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "provider::panic");
    assert_contains(&err, "test_fault.reader");
}

#[test]
fn a_lock_taken_but_not_yet_described_still_names_its_holder() {
    // The winner of a race takes the lock, then writes who it is: the
    // loser, reading in between, must wait for that rather than say
    // "no lock information".
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    std::fs::create_dir_all(w.path().join(".infra")).expect("mkdir");
    let path = w.path().join(".infra/state.json.lock");
    let mut winner = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .expect("open the lock file");
    winner.try_lock().expect("take the lock");
    let describe = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let info = r#"{"id":"0b045d90-8efa-4b24-a2b8-9d0c5f64c7bb","operation":"apply","who":"ci@runner","pid":4242,"version":"0.1.0","created":"2026-01-01T00:00:00Z"}"#;
        std::io::Write::write_all(&mut winner, info.as_bytes()).expect("describe the lock");
        // Hold the lock until the loser has given up.
        std::thread::sleep(Duration::from_secs(3));
        drop(winner);
    });
    let r = w.expect(&["plan", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(
        &err,
        "the state is locked by ci@runner (`infra apply`, pid 4242)",
    );
    assert_contains(&err, "0b045d90-8efa-4b24-a2b8-9d0c5f64c7bb");
    describe.join().expect("the winner thread");
}
