//! Pending operations: an apply killed (SIGKILL) after its providers made
//! objects but before their results were recorded. Each create's intent is
//! journalled before it starts; the next run adopts what the provider can
//! find by its configured identity and reports the rest loudly, so no
//! object is ever silently orphaned. Uses `test_fault` with `registry` (its
//! objects are files there) and `after_ms` (a create holds after making
//! its object, so the kill lands in that window deterministically).

use crate::support::{Workdir, assert_contains, unwrapped};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long a background apply may take to get where a test wants it.
const PATIENCE: Duration = Duration::from_secs(60);

/// The objects in the registry directory `objs` (file names = ids).
fn objects(w: &Workdir) -> BTreeSet<String> {
    std::fs::read_dir(w.path().join("objs"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of every `test_fault` instance in state.
fn ids_in_state(w: &Workdir) -> BTreeSet<String> {
    let state = w.state();
    let mut ids = BTreeSet::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        for i in r["instances"].as_array().into_iter().flatten() {
            if let Some(id) = i["attributes"]["id"].as_str() {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

/// Starts `infra apply` and SIGKILLs it once the registry holds `count`
/// objects and `done` creations were reported complete.
fn kill_when(w: &Workdir, parallelism: &str, count: usize, done: usize) {
    let mut apply = w.spawn(&[
        "apply",
        "--auto-approve",
        "--no-color",
        "--parallelism",
        parallelism,
    ]);
    let start = Instant::now();
    loop {
        let complete = apply.wait_for(Duration::from_millis(50), |l| {
            l.iter()
                .filter(|l| l.contains(": Creation complete after "))
                .count()
                >= done
        });
        if complete && objects(w).len() >= count {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the apply never got there ({} objects):\n{}",
            objects(w).len(),
            apply.seen.join("\n")
        );
    }
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
}

/// `fast` objects that complete at once, `slow` ones whose create holds
/// for a minute after its object exists; ids assigned by the provider.
fn assigned_ids(fast: usize, slow: usize) -> String {
    format!(
        r#"
resource "test_fault" "fast" {{
  count    = {fast}
  registry = "objs"
  input    = count.index
}}
resource "test_fault" "slow" {{
  count    = {slow}
  registry = "objs"
  input    = count.index
  after_ms = 60000
}}
"#
    )
}

#[test]
fn killed_apply_at_high_parallelism_leaves_no_silent_orphan() {
    let w = Workdir::new(&assigned_ids(8, 16));
    std::fs::create_dir_all(w.path().join("objs")).expect("registry");
    kill_when(&w, "24", 24, 8);
    let made = objects(&w);
    assert_eq!(made.len(), 24);
    // The next run: every object is in state or reported by address.
    let plan = w.expect(&["plan", "--no-color"], 0);
    let err = unwrapped(&plan.stderr);
    let in_state = ids_in_state(&w);
    let unknown: Vec<&String> = made.iter().filter(|id| !in_state.contains(*id)).collect();
    assert_eq!(unknown.len(), 16, "{in_state:?}");
    for i in 0..16 {
        let addr = format!("`test_fault.slow[{i}]` may exist without infra knowing it");
        assert_contains(&err, &addr);
    }
    assert_eq!(err.matches("state::pending").count(), 16, "{err}");
    assert_contains(&err, "provider `test`");
    assert_contains(&err, "infra import");
    assert_contains(&err, "infra state rm --pending");
    // The fast ones are recorded, none reported.
    assert!(!err.contains("test_fault.fast"), "{err}");
    // The records survive until resolved: in the state file (format 2)
    // after the next write, and shown by `state list`.
    let list = w.expect(&["state", "list"], 0);
    assert_eq!(list.stdout.lines().count(), 8, "{}", list.stdout);
    assert_eq!(
        unwrapped(&list.stderr).matches("state::pending").count(),
        16
    );
    // Drift reports them and writes nothing.
    let journal = w.read(".infra/state.json.journal");
    let drift = w.run(&["drift", "--no-color"]);
    assert_eq!(
        unwrapped(&drift.stderr).matches("state::pending").count(),
        16
    );
    assert_eq!(w.read(".infra/state.json.journal"), journal);
    // Once the real system was checked (here: the orphans deleted by
    // hand), the records are cleared; the apply creates the missing ones.
    for id in unknown {
        std::fs::remove_file(w.path().join("objs").join(id)).expect("delete by hand");
    }
    w.config(&assigned_ids(8, 16).replace("60000", "0"));
    w.apply();
    assert_eq!(w.state()["pending"].as_array().map_or(0, Vec::len), 16);
    assert_eq!(w.state()["format_version"], 2);
    let cleared = w.expect(&["state", "rm", "--pending", "test_fault.slow"], 0);
    assert_contains(
        &cleared.stdout,
        "Cleared the unconfirmed create of test_fault.slow[15]",
    );
    assert_eq!(w.state()["format_version"], 1);
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    assert!(!r.stderr.contains("state::pending"), "{}", r.stderr);
    assert_eq!(objects(&w), ids_in_state(&w));
}

/// Objects named by the configuration: found again and adopted.
const NAMED: &str = r#"
resource "test_fault" "obj" {
  count    = 12
  registry = "objs"
  name     = "obj-${count.index}"
  input    = count.index
  after_ms = AFTER
}
"#;

#[test]
fn killed_apply_objects_with_configured_identity_are_adopted() {
    let w = Workdir::new(&NAMED.replace("AFTER", "60000"));
    std::fs::create_dir_all(w.path().join("objs")).expect("registry");
    kill_when(&w, "12", 12, 0);
    assert!(w.state_list().is_empty());
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    let err = unwrapped(&plan.stderr);
    assert_eq!(err.matches("state::adopted").count(), 12, "{err}");
    assert!(!err.contains("state::pending"), "{err}");
    assert_contains(&plan.stdout, "No changes.");
    // Written under the plan's lock: the journal is folded in.
    assert!(w.read(".infra/state.json.journal").is_none());
    assert_eq!(w.state_list().len(), 12);
    assert_eq!(objects(&w), ids_in_state(&w));
    assert!(w.state().get("pending").is_none());
    // Nothing is created twice.
    w.expect(&["plan", "--detailed-exitcode"], 0);
    assert_eq!(objects(&w).len(), 12);
}

#[test]
fn failed_and_panicking_creates_leave_nothing_pending() {
    let w = Workdir::new(
        r#"
resource "test_fault" "bad" {
  input   = "x"
  fail_on = "create"
}
resource "test_fault" "crash" {
  input    = "y"
  panic_on = "create"
  registry = "objs"
  name     = "crash"
}
"#,
    );
    std::fs::create_dir_all(w.path().join("objs")).expect("registry");
    w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    // A failed create changed nothing: its intent is abandoned. A panic
    // leaves it pending; the next locked run finds no object of its name
    // and drops it quietly.
    let state = w.state();
    let pending = state["pending"].as_array().cloned().unwrap_or_default();
    assert_eq!(pending.len(), 1, "{state:#}");
    assert_eq!(pending[0]["address"], "test_fault.crash");
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert!(!plan.stderr.contains("state::pending"), "{}", plan.stderr);
    assert!(w.state().get("pending").is_none());
}

#[test]
fn stale_temporary_files_of_a_killed_write_are_removed() {
    let w = Workdir::new(
        r#"
resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "f\n"
}
"#,
    );
    // What a kill during the atomic write leaves: an empty temporary file.
    let stale = "out/.f.txt.0123456789abcdef0123456789abcdef.infra-tmp";
    w.write(stale, "");
    w.write(
        "out/.other.txt.0123456789abcdef0123456789abcdef.infra-tmp",
        "",
    );
    w.apply();
    assert_eq!(w.read_text("out/f.txt").as_deref(), Some("f\n"));
    assert!(w.read(stale).is_none(), "the stale temporary file survived");
    // Another file's temporary files are not ours to remove.
    assert!(
        w.read("out/.other.txt.0123456789abcdef0123456789abcdef.infra-tmp")
            .is_some()
    );
}

/// `N` objects named by the configuration, each holding its create
/// `after_ms` after its object exists (so kills land with many made but
/// not yet recorded).
fn many_named(n: usize, after_ms: u32) -> String {
    format!(
        r#"
resource "test_fault" "obj" {{
  count    = {n}
  registry = "objs"
  name     = "obj-${{count.index}}"
  input    = count.index
  after_ms = {after_ms}
}}
"#
    )
}

/// The addresses an apply's output reported complete.
fn completed(lines: &[String]) -> BTreeSet<String> {
    lines
        .iter()
        .filter_map(|l| {
            l.split_once(": Creation complete after ")
                .map(|(a, _)| a.to_string())
        })
        .collect()
}

/// Group commit and pipelining at parallelism 80: an apply of 240 real
/// objects killed (SIGKILL) at three instants, each run from where the
/// last left off. After each kill every create the apply reported
/// complete is in the state (the journal replayed), and after the next
/// plan's reconciliation every object in the registry is in the state:
/// nothing orphaned, nothing pending, nothing made twice.
#[test]
fn killed_apply_at_parallelism_80_loses_no_completed_create() {
    const N: usize = 240;
    let w = Workdir::new(&many_named(N, 40));
    std::fs::create_dir_all(w.path().join("objs")).expect("registry");
    for more in [1, 50, 50] {
        let before = objects(&w).len();
        let mut apply = w.spawn(&[
            "apply",
            "--auto-approve",
            "--no-color",
            "--parallelism",
            "80",
        ]);
        let start = Instant::now();
        while objects(&w).len() < (before + more).min(N) {
            assert!(
                start.elapsed() < PATIENCE,
                "the apply never got there:\n{}",
                apply.seen.join("\n")
            );
            apply.wait_for(Duration::from_millis(5), |_| false);
        }
        apply.child.kill().expect("kill -9 the apply");
        let _ = apply.child.wait();
        apply.wait_for(Duration::from_millis(200), |_| false);
        // Every create reported complete is recorded (journal replayed).
        let listed: BTreeSet<String> = w.state_list().into_iter().collect();
        let reported = completed(&apply.seen);
        let lost: Vec<&String> = reported.difference(&listed).collect();
        assert!(lost.is_empty(), "completed but lost: {lost:?}");
        // The next plan adopts what was made but not recorded.
        let plan = w.expect(&["plan", "--no-color"], 0);
        assert!(!plan.stderr.contains("state::pending"), "{}", plan.stderr);
        let in_state = ids_in_state(&w);
        let made = objects(&w);
        let orphans: Vec<&String> = made.difference(&in_state).collect();
        assert!(orphans.is_empty(), "orphaned: {orphans:?}");
        assert!(w.state().get("pending").is_none());
    }
    w.config(&many_named(N, 0));
    w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--parallelism",
            "80",
        ],
        0,
    );
    assert_eq!(objects(&w).len(), N);
    assert_eq!(objects(&w), ids_in_state(&w));
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
}
