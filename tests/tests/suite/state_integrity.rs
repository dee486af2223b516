//! The local state store when its files are damaged, replaced or cannot
//! be written: a journal that cannot be written stops the apply and the
//! state it produced is saved elsewhere (`errored.infra-state.json`), a torn
//! journal tail of any bytes is ignored, a journal recorded against another
//! version of the state is refused loudly, impossible serials and format
//! versions and duplicated instances are refused, a symlinked state file is
//! written through, and every file holding secrets is private (0600).
//! (Tests run as root, where permissions deny nothing: writes are made to
//! fail with dangling symlinks and directories in the way.)

use crate::support::{Workdir, assert_contains, unwrapped};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `local_file.a <- b <- c`, plus `infra_data.z` on its own.
const CHAIN: &str = r#"
resource "infra_data" "z" { input = 0 }
resource "local_file" "a" {
  filename = "out/a.txt"
  content  = "a\n"
}
resource "local_file" "b" {
  filename = "out/b.txt"
  content  = local_file.a.content
}
resource "local_file" "c" {
  filename = "out/c.txt"
  content  = local_file.b.content
}
"#;

/// Makes appending to the journal fail (as root too): the journal path is
/// a symlink into a directory that does not exist. Reading it finds no
/// journal.
fn break_journal(w: &Workdir) {
    std::os::unix::fs::symlink(
        "no-such-dir/journal",
        w.path().join(".infra/state.json.journal"),
    )
    .expect("symlink");
}

/// Makes the state write fail (as root too): the backup path is a directory.
fn break_state_write(w: &Workdir) {
    std::fs::create_dir(w.path().join(".infra/state.json.backup")).expect("mkdir");
}

fn repair(w: &Workdir) {
    let _ = std::fs::remove_file(w.path().join(".infra/state.json.journal"));
    let _ = std::fs::remove_dir(w.path().join(".infra/state.json.backup"));
}

/// `infra_data.a <- b <- c`, plus `infra_data.z`; `VERSION` changes `a`'s
/// input, which updates all three in place (an update announces no intent
/// in the journal, so it runs before the journal is first written).
const UPDATES: &str = r#"
resource "infra_data" "z" { input = 0 }
resource "infra_data" "a" { input = "VERSION" }
resource "infra_data" "b" { input = infra_data.a.output }
resource "infra_data" "c" { input = infra_data.b.output }
"#;

/// The `input` of `infra_data.NAME` in the state file.
fn input_of(w: &Workdir, name: &str) -> serde_json::Value {
    let state = w.state();
    state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["name"] == name)
        .map(|r| r["instances"][0]["attributes"]["input"].clone())
        .unwrap_or_default()
}

#[test]
fn journal_that_cannot_be_written_stops_the_apply() {
    let w = Workdir::new("resource \"infra_data\" \"z\" { input = 0 }\n");
    w.apply();
    // A create is announced in the journal before it starts: with the
    // journal broken, nothing is created that could not be recorded.
    w.config(CHAIN);
    break_journal(&w);
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::journal");
    assert_contains(&err, "was not started: the journal could not be written");
    assert!(w.read("out/a.txt").is_none(), "{}", r.stdout);
    assert!(w.read("out/b.txt").is_none(), "{}", r.stdout);
    assert_contains(&r.stdout, "  skipped: local_file.b");
    assert_contains(
        &r.stdout,
        "Resources: 0 added, 0 changed, 0 destroyed; 1 failed, 2 skipped.",
    );
    repair(&w);
    assert_eq!(w.state_list(), ["infra_data.z"]);
    // Updates: the first one completes, its journal entry fails, and
    // nothing new starts after it: the chain stops at `a`.
    w.config(&UPDATES.replace("VERSION", "v1"));
    w.apply();
    w.config(&UPDATES.replace("VERSION", "v2"));
    break_journal(&w);
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::journal");
    assert_contains(&r.stdout, "  skipped: infra_data.b");
    assert_contains(&r.stdout, "  skipped: infra_data.c");
    assert!(!r.stdout.contains("3 changed"), "{}", r.stdout);
    // The state write worked: `a` is recorded there, and the summary says so.
    assert_contains(&r.stdout, "Everything that completed is recorded in state");
    repair(&w);
    assert_eq!(input_of(&w, "a"), "v2");
    assert_eq!(input_of(&w, "b"), "v1");
    let out = w.apply().stdout;
    assert_contains(&out, "Resources: 0 added, 2 changed, 0 destroyed.");
}

#[test]
fn state_nowhere_recorded_is_saved_to_an_errored_state_file() {
    let w = Workdir::new(&UPDATES.replace("VERSION", "v1"));
    w.apply();
    w.config(&UPDATES.replace("VERSION", "v2"));
    break_journal(&w);
    break_state_write(&w);
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::journal");
    assert_contains(&err, "state::write");
    // Never claims that what it could not record is recorded.
    assert!(
        !r.stdout.contains("recorded in state") && !err.contains("is in the journal"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_contains(&r.stdout, "  not recorded: infra_data.a");
    assert_contains(&err, "errored.infra-state.json");
    let errored = w.path().join("errored.infra-state.json");
    assert_eq!(mode(&errored), 0o600);
    let saved: serde_json::Value =
        serde_json::from_slice(&w.read("errored.infra-state.json").expect("errored state"))
            .expect("JSON");
    assert_eq!(saved["serial"], 2);
    // The recovery docs/state.md prescribes: fix the cause, copy it over.
    repair(&w);
    assert_eq!(input_of(&w, "a"), "v1");
    std::fs::copy(&errored, w.path().join(".infra/state.json")).expect("copy");
    assert_eq!(input_of(&w, "a"), "v2");
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 0 to add, 2 to change, 0 to destroy.");
}

#[test]
fn state_that_cannot_be_saved_anywhere_is_printed() {
    let w = Workdir::new("resource \"infra_data\" \"z\" { input = 0 }\n");
    w.apply();
    let lineage = w.state()["lineage"].as_str().expect("lineage").to_string();
    w.config(CHAIN);
    break_journal(&w);
    break_state_write(&w);
    // Earlier errored states are never overwritten; here every name is taken.
    std::fs::create_dir(w.path().join("errored.infra-state.json")).expect("mkdir");
    for n in 2..=9 {
        std::fs::create_dir(w.path().join(format!("errored.infra-state.{n}.json"))).expect("mkdir");
    }
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "printed on standard output");
    let start = r
        .stdout
        .find("{\n  \"format_version\"")
        .expect("the state on stdout");
    let end = r.stdout.rfind("\n}").expect("its end") + 2;
    let printed: serde_json::Value =
        serde_json::from_str(&r.stdout[start..end]).expect("the printed state is JSON");
    assert_eq!(printed["lineage"], lineage.as_str());
    assert_eq!(printed["serial"], 2);
}

/// The journal line recording `address` with the attributes of `like`
/// from the current state, made against `lineage` at `serial`.
fn journal_line(w: &Workdir, like: &str, address: &str, lineage: &str, serial: u64) -> String {
    let state = w.state();
    let r = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| {
            format!(
                "{}.{}",
                r["type"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or("")
            ) == like
        })
        .expect("resource")
        .clone();
    let entry = serde_json::json!({
        "lineage": lineage,
        "base_serial": serial,
        "address": address,
        "provider": r["provider"],
        "instance": r["instances"][0],
    });
    format!("{entry}\n")
}

#[test]
fn torn_journal_tail_inside_a_utf8_character_is_ignored() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    let lineage = w.state()["lineage"].as_str().expect("lineage").to_string();
    let mut bytes = journal_line(&w, "infra_data.a", "infra_data.b", &lineage, 1).into_bytes();
    // A crash while writing `"café"`: the tail ends after the first byte of `é`.
    bytes.extend_from_slice(b"{\"lineage\":\"caf\xc3");
    std::fs::write(w.path().join(".infra/state.json.journal"), &bytes).expect("journal");
    assert_eq!(w.state_list(), ["infra_data.a", "infra_data.b"]);
    w.expect(&["plan", "--no-color"], 0);
}

#[test]
fn restored_backup_with_a_newer_journal_is_refused_loudly() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    w.config("resource \"infra_data\" \"a\" { input = 1 }\nresource \"infra_data\" \"b\" { input = 2 }\n");
    w.apply();
    let lineage = w.state()["lineage"].as_str().expect("lineage").to_string();
    // A run from serial 2 was killed after creating `c`; then the state
    // file was damaged and the backup (serial 1) restored.
    w.write(
        ".infra/state.json.journal",
        &journal_line(&w, "infra_data.b", "infra_data.c", &lineage, 2),
    );
    std::fs::copy(
        w.path().join(".infra/state.json.backup"),
        w.path().join(".infra/state.json"),
    )
    .expect("restore the backup");
    let restored = w.read(".infra/state.json").expect("state");
    for args in [&["state", "list"][..], &["plan", "--no-color"]] {
        let r = w.expect(args, 1);
        let err = unwrapped(&r.stderr);
        assert_contains(&err, "state::journal-mismatch");
        assert_contains(&err, "1 operation");
        assert_contains(&err, "serial 2");
        assert_contains(&err, "\"serial\": 2");
        assert_eq!(w.read(".infra/state.json").as_deref(), Some(&restored[..]));
    }
    // The recovery the help gives: take the journal's serial.
    let text = String::from_utf8(restored).expect("UTF-8");
    w.write(
        ".infra/state.json",
        &text.replace("\"serial\": 1", "\"serial\": 2"),
    );
    assert_eq!(w.state_list(), ["infra_data.a", "infra_data.c"]);
}

#[test]
fn journal_of_another_lineage_is_refused_loudly() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    w.write(
        ".infra/state.json.journal",
        &journal_line(&w, "infra_data.a", "infra_data.b", "another-history", 1),
    );
    let r = w.expect(&["state", "list"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::journal-mismatch");
    assert_contains(&err, "another-history");
}

#[test]
fn largest_serial_is_refused_instead_of_wrapping() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    let mut doc = w.state();
    doc["serial"] = serde_json::json!(u64::MAX);
    let text = serde_json::to_string_pretty(&doc).expect("JSON");
    w.write(".infra/state.json", &text);
    w.config(
        "resource \"infra_data\" \"a\" { input = 1 }\nresource \"local_file\" \"f\" {\n  filename = \"out/f.txt\"\n  content  = \"f\"\n}\n",
    );
    for args in [
        &["apply", "--auto-approve", "--no-color"][..],
        &["state", "rm", "infra_data.a"],
    ] {
        let r = w.expect(args, 1);
        let err = unwrapped(&r.stderr);
        assert_contains(&err, "state::serial-overflow");
        assert_contains(&err, "18446744073709551615");
        assert_eq!(
            w.read_text(".infra/state.json").as_deref(),
            Some(text.as_str())
        );
    }
    assert!(
        w.read("out/f.txt").is_none(),
        "apply created objects it could not record"
    );
}

#[test]
fn format_version_zero_is_refused() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    let mut doc = w.state();
    doc["format_version"] = serde_json::json!(0);
    let text = serde_json::to_string_pretty(&doc).expect("JSON");
    w.write(".infra/state.json", &text);
    for args in [
        &["state", "list"][..],
        &["apply", "--auto-approve", "--no-color"],
    ] {
        let r = w.expect(args, 1);
        let err = unwrapped(&r.stderr);
        assert_contains(&err, "state::corrupt");
        assert_contains(&err, "format version 0");
        assert_eq!(
            w.read_text(".infra/state.json").as_deref(),
            Some(text.as_str())
        );
    }
}

#[test]
fn duplicated_instance_is_reported_as_corrupt() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    let mut doc = w.state();
    let first = doc["resources"][0].clone();
    doc["resources"]
        .as_array_mut()
        .expect("resources")
        .push(first);
    w.write(
        ".infra/state.json",
        &serde_json::to_string_pretty(&doc).expect("JSON"),
    );
    let r = w.expect(&["state", "list"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::corrupt");
    assert_contains(&err, "infra_data.a");
}

#[test]
fn symlinked_state_file_is_written_through() {
    let w = Workdir::new("resource \"infra_data\" \"a\" { input = 1 }\n");
    w.apply();
    let link = w.path().join(".infra/state.json");
    std::fs::create_dir(w.path().join("real")).expect("mkdir");
    std::fs::rename(&link, w.path().join("real/state.json")).expect("move");
    std::os::unix::fs::symlink("../real/state.json", &link).expect("symlink");
    w.config("resource \"infra_data\" \"a\" { input = 1 }\nresource \"infra_data\" \"b\" { input = 2 }\n");
    w.apply();
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the symlink was replaced by a file"
    );
    let target = w.read_text("real/state.json").expect("target");
    assert_contains(&target, "\"name\": \"b\"");
    assert_eq!(mode(&w.path().join("real/state.json")), 0o600);
    assert_eq!(w.state_list(), ["infra_data.a", "infra_data.b"]);
}

#[test]
fn files_holding_secrets_are_private() {
    let w = Workdir::new(
        r#"
resource "infra_data" "a" { input = 1 }
resource "test_fault" "slow" {
  input    = infra_data.a.id
  sleep_ms = 5000
}
"#,
    );
    let plan = w.expect(&["plan", "-out", "saved.plan", "--no-color"], 0);
    assert_eq!(mode(&w.path().join("saved.plan")), 0o600, "{}", plan.stdout);
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(Duration::from_secs(30), |l| l
            .iter()
            .any(|l| l == "test_fault.slow: Creating...")),
        "{}",
        apply.seen.join("\n")
    );
    assert_eq!(mode(&w.path().join(".infra/state.json.journal")), 0o600);
    apply.child.kill().expect("kill -9");
    let _ = apply.child.wait();
    w.apply();
    w.config("resource \"infra_data\" \"a\" { input = 2 }\n");
    w.apply();
    assert_eq!(mode(&w.path().join(".infra/state.json")), 0o600);
    assert_eq!(mode(&w.path().join(".infra/state.json.backup")), 0o600);
}
