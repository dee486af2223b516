//! plan / apply / destroy / state / output / graph end to end: the real
//! binary run in a temporary directory, checked by what a user sees (exit
//! codes, printed lines, files on disk, `infra state list` and `infra state
//! pull`). Rendered plans are snapshotted from the configurations under
//! `tests/data/engine/`. Failures, crashes, locks and damaged state are in
//! `engine_faults.rs`.

use crate::support::{Workdir, assert_contains, data_dir, unwrapped};

/// The lines of `text` that start (after indentation) with `prefix`.
fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.trim_start().starts_with(prefix))
        .collect()
}

/// Where in `text` the line `line` is (panics when it is missing).
fn position(text: &str, line: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no line starting with {line:?} in:\n{text}"))
}

/// The `[id=...]` of `ADDR: Creation complete after ...` in apply output.
fn created_id(apply_out: &str, address: &str) -> String {
    let prefix = format!("{address}: Creation complete after ");
    apply_out
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split("[id=").nth(1))
        .map(|id| id.trim_end_matches(']').to_string())
        .unwrap_or_else(|| panic!("no creation of {address} in:\n{apply_out}"))
}

/// Applies `tests/data/engine/<case>/main.infra` when the case has a
/// `next.infra`, switches to that, and snapshots the plan (which must have
/// changes).
fn snapshot_plan(case: &str) {
    let dir = data_dir(&format!("engine/{case}"));
    let main = std::fs::read_to_string(dir.join("main.infra")).expect("main.infra");
    let w = Workdir::new(&main);
    if let Ok(next) = std::fs::read_to_string(dir.join("next.infra")) {
        w.apply();
        w.config(&next);
    }
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_eq!(
        crate::support::without_elapsed(&r.stderr),
        "",
        "plan warned or failed"
    );
    insta::assert_snapshot!(case, without_uuids(&r.stdout));
}

/// `text` with every UUID (`8-4-4-4-12` hex digits, what `infra_data`
/// makes its ids of) replaced by `<id>`: the plan shows an updated
/// object's `id`, which changes from run to run.
fn without_uuids(text: &str) -> String {
    let shape = |w: &[u8]| {
        w.len() == 36
            && w.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        if i + 36 <= bytes.len() && shape(&bytes[i..i + 36]) {
            out.push_str("<id>");
            i += 36;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn plan_create_snapshot() {
    snapshot_plan("plan_create");
}

#[test]
fn plan_update_snapshot() {
    snapshot_plan("plan_update");
}

#[test]
fn plan_replace_snapshot() {
    snapshot_plan("plan_replace");
}

#[test]
fn plan_delete_snapshot() {
    snapshot_plan("plan_delete");
}

const PAIR: &str = r#"
resource "infra_data" "a" {
  input = "hello"
}

resource "local_file" "f" {
  filename = "out/a.txt"
  content  = "${infra_data.a.output}\n"
}
"#;

#[test]
fn init_json_streams_messages_and_reports_errors_as_json() {
    let w = Workdir::new(PAIR);
    let r = w.expect(&["init", "-json"], 0);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l["@level"] == "info" && l["type"] == "init_output")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["@message"] == "infra has been successfully initialized!"),
        "{}",
        r.stdout
    );
    w.config("resource \"infra_data\" \"a\" {\n  input = var.missing\n}\n");
    let r = w.expect(&["init", "-json"], 1);
    assert_contains(&r.stdout, "reference::undeclared");
    let errors: serde_json::Value = serde_json::from_str(&r.stdout).expect("the errors as JSON");
    assert_eq!(errors[0]["code"], "reference::undeclared");
}

#[test]
fn apply_then_plan_again_has_no_changes() {
    let w = Workdir::new(PAIR);
    w.expect(&["init"], 0);
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");
    let out = w.apply().stdout;
    assert_contains(&out, "infra_data.a: Creating...");
    assert_contains(&out, "local_file.f: Creation complete after ");
    assert_contains(
        &out,
        "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.",
    );
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("hello\n"));
    assert_eq!(w.state_list(), ["infra_data.a", "local_file.f"]);
    let again = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    assert_eq!(
        again.stdout.trim(),
        "No changes. Your infrastructure matches the configuration."
    );
    let json = w.expect(&["plan", "--json"], 0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    assert_eq!(
        doc["summary"],
        serde_json::json!({"add": 0, "change": 0, "destroy": 0})
    );
}

#[test]
fn update_in_place_keeps_the_object() {
    let config = "resource \"infra_data\" \"a\" {\n  input = \"V\"\n}\n";
    let w = Workdir::new(&config.replace('V', "hello"));
    let id = created_id(&w.apply().stdout, "infra_data.a");
    w.config(&config.replace('V', "hi"));
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "# infra_data.a will be updated in-place");
    assert_contains(&plan.stdout, r#"~ input  = "hello" -> "hi""#);
    assert_contains(&plan.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(&["plan", "--json"], 0).stdout).expect("plan JSON");
    assert_eq!(json["resource_changes"][0]["address"], "infra_data.a");
    assert_eq!(json["resource_changes"][0]["action"], "update");
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.",
    );
    let attrs = w.attributes("infra_data.a");
    assert_eq!(attrs["output"], "hi");
    assert_eq!(attrs["id"], id.as_str(), "an update keeps the object's id");
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn replacement_rewrites_the_file() {
    let w = Workdir::new(PAIR);
    w.apply();
    w.config(&PAIR.replace("\"hello\"", "\"world\""));
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "-/+ resource \"local_file\" \"f\"");
    assert_contains(&plan.stdout, "# forces replacement");
    assert_contains(&plan.stdout, "Plan: 1 to add, 1 to change, 1 to destroy.");
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(&["plan", "--json"], 0).stdout).expect("plan JSON");
    let f = json["resource_changes"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["address"] == "local_file.f"))
        .cloned()
        .expect("a change of local_file.f");
    assert_eq!(f["action"], "delete-then-create");
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 1 added, 1 changed, 1 destroyed.",
    );
    assert!(
        position(&out, "local_file.f: Destruction complete")
            < position(&out, "local_file.f: Creation complete"),
        "{out}"
    );
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("world\n"));
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn removing_a_block_deletes_the_object() {
    let w = Workdir::new(PAIR);
    w.apply();
    w.config("resource \"infra_data\" \"a\" {\n  input = \"hello\"\n}\n");
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "# local_file.f will be destroyed");
    assert_contains(
        &plan.stdout,
        "(because it is no longer in the configuration)",
    );
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 1 to destroy.");
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 0 added, 0 changed, 1 destroyed.",
    );
    assert_eq!(w.read("out/a.txt"), None, "the file is deleted");
    assert_eq!(w.state_list(), ["infra_data.a"]);
}

#[test]
fn destroy_removes_everything() {
    let w = Workdir::new(PAIR);
    w.apply();
    let plan = w.expect(
        &["plan", "--destroy", "--no-color", "--detailed-exitcode"],
        2,
    );
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 2 to destroy.");
    let out = w
        .expect(&["destroy", "--auto-approve", "--no-color"], 0)
        .stdout;
    assert_contains(&out, "Destroy complete! Resources: 2 destroyed.");
    // The file depends on infra_data.a: it goes first.
    assert!(
        position(&out, "local_file.f: Destruction complete")
            < position(&out, "infra_data.a: Destroying..."),
        "{out}"
    );
    assert_eq!(w.read("out/a.txt"), None);
    assert!(w.state_list().is_empty());
    assert_eq!(w.state()["resources"], serde_json::json!([]));
    let again = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&again.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");
}

#[test]
fn target_creates_only_the_target_and_its_dependencies() {
    let w = Workdir::new(
        r#"
resource "infra_data" "base" { input = 1 }
resource "infra_data" "mid" { input = infra_data.base.id }
resource "infra_data" "top" { input = infra_data.mid.id }
resource "infra_data" "other" { input = 2 }
"#,
    );
    let r = w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--target",
            "infra_data.mid",
        ],
        0,
    );
    assert_contains(
        &r.stdout,
        "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.",
    );
    assert_contains(&unwrapped(&r.stderr), "resource targeting is in effect");
    assert_eq!(w.state_list(), ["infra_data.base", "infra_data.mid"]);
    let rest = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_eq!(
        lines_starting(&rest.stdout, "# infra_data."),
        [
            "  # infra_data.other will be created",
            "  # infra_data.top will be created"
        ]
    );
}

#[test]
fn create_before_destroy_creates_the_new_object_first() {
    let config = r#"
resource "infra_data" "cbd" {
  input            = "x"
  triggers_replace = "T"
  lifecycle {
    create_before_destroy = true
  }
}

resource "infra_data" "plain" {
  input            = "y"
  triggers_replace = "T"
}
"#;
    let w = Workdir::new(&config.replace('T', "v1"));
    let first = w.apply().stdout;
    let old = created_id(&first, "infra_data.cbd");
    w.config(&config.replace('T', "v2"));
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(
        &plan.stdout,
        "# infra_data.cbd must be replaced (the new object is created first)",
    );
    assert_contains(&plan.stdout, "+/- resource \"infra_data\" \"cbd\"");
    assert_contains(&plan.stdout, "-/+ resource \"infra_data\" \"plain\"");
    let out = w.apply().stdout;
    assert!(
        position(&out, "infra_data.cbd: Creation complete")
            < position(&out, "infra_data.cbd: Destroying..."),
        "{out}"
    );
    assert!(
        position(&out, "infra_data.cbd: Creation complete")
            < position(&out, "infra_data.cbd: Destruction complete"),
        "{out}"
    );
    assert!(
        position(&out, "infra_data.plain: Destruction complete")
            < position(&out, "infra_data.plain: Creating..."),
        "{out}"
    );
    let new = created_id(&out, "infra_data.cbd");
    assert_ne!(new, old);
    assert_eq!(w.attributes("infra_data.cbd")["id"], new.as_str());
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn create_before_destroy_local_file_keeps_the_new_file() {
    let config = r#"
resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "C"
  lifecycle {
    create_before_destroy = true
  }
}
"#;
    let w = Workdir::new(&config.replace('C', "v1"));
    w.apply();
    w.config(&config.replace('C', "v2"));
    w.apply();
    assert_eq!(w.read_text("out/f.txt").as_deref(), Some("v2"));
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn create_before_destroy_local_file_with_the_same_content_keeps_it() {
    // Only the permission changes: the new object's file has the old
    // one's content, so only knowing what this run wrote tells them apart.
    let config = r#"
resource "local_file" "f" {
  filename        = "out/f.txt"
  content         = "same"
  file_permission = "P"
  lifecycle {
    create_before_destroy = true
  }
}
"#;
    let w = Workdir::new(&config.replace('P', "0644"));
    w.apply();
    w.config(&config.replace('P', "0600"));
    let out = w.apply().stdout;
    assert_contains(&out, "1 added, 0 changed, 1 destroyed");
    assert_eq!(w.read_text("out/f.txt").as_deref(), Some("same"));
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn prevent_destroy_refuses_a_replacing_plan() {
    let config = r#"
resource "local_file" "guarded" {
  filename = "out/g.txt"
  content  = "C"
  lifecycle {
    prevent_destroy = true
  }
}
"#;
    let w = Workdir::new(&config.replace('C', "v1"));
    w.apply();
    w.config(&config.replace('C', "v2"));
    for args in [
        &["plan", "--no-color"][..],
        &["apply", "--auto-approve", "--no-color"],
    ] {
        let r = w.expect(args, 1);
        let err = unwrapped(&r.stderr);
        assert_contains(&err, "plan::prevent-destroy");
        assert_contains(&err, "local_file.guarded");
    }
    let d = w.expect(&["destroy", "--auto-approve", "--no-color"], 1);
    assert_contains(&d.stderr, "plan::prevent-destroy");
    assert_eq!(w.read_text("out/g.txt").as_deref(), Some("v1"));
    assert_eq!(w.state_list(), ["local_file.guarded"]);
}

#[test]
fn ignore_changes_hides_a_change_to_an_ignored_attribute() {
    let config = r#"
resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "C"
  lifecycle {
    ignore_changes = [content]
  }
}
"#;
    let w = Workdir::new(&config.replace('C', "v1"));
    w.apply();
    w.config(&config.replace('C', "v2"));
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    assert_contains(&r.stdout, "No changes.");
    w.apply();
    assert_eq!(w.read_text("out/f.txt").as_deref(), Some("v1"));
}

#[test]
fn replace_flag_and_replace_triggered_by() {
    let config = r#"
resource "infra_data" "x" { input = "X" }
resource "infra_data" "y" {
  input = "y"
  lifecycle {
    replace_triggered_by = [infra_data.x]
  }
}
resource "infra_data" "z" { input = "z" }
"#;
    let w = Workdir::new(&config.replace('X', "1"));
    let first = w.apply().stdout;
    let z = created_id(&first, "infra_data.z");
    let r = w.expect(
        &[
            "plan",
            "--no-color",
            "--detailed-exitcode",
            "--replace",
            "infra_data.z",
        ],
        2,
    );
    assert_contains(&r.stdout, "(because replacement requested with --replace)");
    assert_contains(&r.stdout, "Plan: 1 to add, 0 to change, 1 to destroy.");
    w.config(&config.replace('X', "2"));
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&r.stdout, "# infra_data.y must be replaced");
    assert_contains(&r.stdout, "Plan: 1 to add, 1 to change, 1 to destroy.");
    w.apply();
    assert_eq!(w.attributes("infra_data.z")["id"], z.as_str());
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn saved_plan_applies_exactly_that_plan() {
    let w = Workdir::new(PAIR);
    // Only infra_data.a is in this plan; applying it must not re-plan.
    let r = w.expect(&["plan", "-out", "a.plan", "--target", "infra_data.a"], 0);
    assert_contains(&r.stdout, "infra apply a.plan");
    let out = w.expect(&["apply", "a.plan", "--no-color"], 0).stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 1 added, 0 changed, 0 destroyed.",
    );
    assert_eq!(w.state_list(), ["infra_data.a"]);
    assert_eq!(w.read("out/a.txt"), None);
    w.expect(&["plan", "-out", "all.plan", "--no-color"], 0);
    let out = w.expect(&["apply", "all.plan", "--no-color"], 0).stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 1 added, 0 changed, 0 destroyed.",
    );
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("hello\n"));
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn stale_saved_plan_is_refused() {
    let w = Workdir::new(PAIR);
    w.apply();
    w.config(&PAIR.replace("\"hello\"", "\"one\""));
    w.expect(&["plan", "-out", "old.plan"], 0);
    // Someone applies in between: the state moves on.
    w.apply();
    let serial = w.state()["serial"].clone();
    let r = w.expect(&["apply", "old.plan", "--no-color"], 1);
    assert_contains(&r.stderr, "plan::stale");
    assert_contains(&unwrapped(&r.stderr), "the saved plan is stale");
    assert_eq!(w.state()["serial"], serial, "nothing was applied");
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("one\n"));
}

#[test]
fn saved_plan_with_changed_configuration_is_refused() {
    let w = Workdir::new(PAIR);
    w.apply();
    w.config(&PAIR.replace("\"hello\"", "\"one\""));
    w.expect(&["plan", "-out", "p.plan"], 0);
    w.config(&PAIR.replace("\"hello\"", "\"two\""));
    let r = w.expect(&["apply", "p.plan", "--no-color"], 1);
    assert_contains(&r.stderr, "plan::config-changed");
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("hello\n"));
}

#[test]
fn apply_without_approval_refuses_when_stdin_is_not_a_terminal() {
    let w = Workdir::new(PAIR);
    let r = w.expect(&["apply", "--no-color"], 1);
    assert_contains(&r.stderr, "apply::no-approval");
    assert!(w.state_list().is_empty());
    assert_eq!(w.read("out/a.txt"), None);
    // Terraform's `-input=false` says why; with `-auto-approve` it applies.
    let r = w.expect(&["apply", "-input=false", "--no-color"], 1);
    assert_contains(
        &crate::support::unwrapped(&r.stderr),
        "--input=false forbids asking",
    );
    w.expect(&["apply", "-input=false", "-auto-approve", "--no-color"], 0);
    assert_eq!(w.state_list().len(), 2);
}

#[test]
fn state_rm_forgets_and_state_mv_renames() {
    let w = Workdir::new(
        r#"
resource "infra_data" "old_name" { input = "kept" }
resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "f\n"
}
"#,
    );
    let first = w.apply().stdout;
    let id = created_id(&first, "infra_data.old_name");
    let r = w.expect(&["state", "rm", "local_file.f"], 0);
    assert_contains(&r.stdout, "local_file.f");
    assert_eq!(w.state_list(), ["infra_data.old_name"]);
    assert_eq!(
        w.read_text("out/f.txt").as_deref(),
        Some("f\n"),
        "state rm does not delete the object"
    );
    w.expect(
        &["state", "mv", "infra_data.old_name", "infra_data.new_name"],
        0,
    );
    assert_eq!(w.state_list(), ["infra_data.new_name"]);
    assert_eq!(w.attributes("infra_data.new_name")["id"], id.as_str());
    // Renamed in the configuration too: nothing to do for it.
    w.config(
        r#"
resource "infra_data" "new_name" { input = "kept" }
"#,
    );
    w.expect(&["plan", "--detailed-exitcode"], 0);
    let missing = w.expect(&["state", "rm", "infra_data.nope"], 1);
    assert_contains(&missing.stderr, "state::");
}

#[test]
fn outputs_json_and_sensitive_redaction() {
    let w = Workdir::new(
        r#"
resource "random_password" "db" {
  length  = 16
  special = false
}
resource "infra_data" "name" { input = "site" }
output "name" {
  value = infra_data.name.output
}
output "password" {
  value     = random_password.db.result
  sensitive = true
}
"#,
    );
    let out = w.apply().stdout;
    assert_contains(&out, "password = <sensitive>");
    let text = w.expect(&["output"], 0).stdout;
    assert_eq!(text, "name = \"site\"\npassword = <sensitive>\n");
    assert_eq!(w.expect(&["output", "name", "--raw"], 0).stdout, "site");
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(&["output", "--json"], 0).stdout).expect("JSON");
    assert_eq!(json["name"]["value"], "site");
    assert_eq!(json["password"]["sensitive"], true);
    let secret = w
        .expect(&["output", "password", "--raw", "--show-sensitive"], 0)
        .stdout;
    assert_eq!(secret.chars().count(), 16, "{secret:?}");
    assert_ne!(json["password"]["value"], secret.as_str());
    assert!(
        !json.to_string().contains(&secret),
        "--json without --show-sensitive shows the password"
    );
    let shown: serde_json::Value = serde_json::from_str(
        &w.expect(&["output", "--json", "--show-sensitive"], 0)
            .stdout,
    )
    .expect("JSON");
    assert_eq!(shown["password"]["value"], secret.as_str());
    let show = w.expect(&["state", "show", "random_password.db"], 0).stdout;
    assert!(
        !show.contains(&secret),
        "state show shows the password:\n{show}"
    );
    let raw = w.expect(&["output", "password", "--raw"], 1);
    assert_contains(&raw.stderr, "output::sensitive");
}

#[test]
fn graph_prints_dependency_edges() {
    let w = Workdir::new(PAIR);
    let r = w.expect(&["graph"], 0);
    assert!(r.stdout.starts_with("digraph"), "{}", r.stdout);
    assert_contains(&r.stdout, r#""local_file.f" -> "infra_data.a";"#);
    assert!(
        !r.stdout.contains(r#""infra_data.a" -> "local_file.f""#),
        "{}",
        r.stdout
    );
}

#[test]
fn drift_deleted_file_is_created_again() {
    let w = Workdir::new(PAIR);
    w.apply();
    std::fs::remove_file(w.path().join("out/a.txt")).expect("remove the file");
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&r.stdout, "Note: Objects have changed outside of infra");
    assert_contains(&r.stdout, "# local_file.f has been deleted");
    assert_contains(&r.stdout, "# local_file.f will be created");
    assert_contains(&r.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(&["plan", "--json"], 0).stdout).expect("plan JSON");
    assert_eq!(json["resource_drift"][0]["address"], "local_file.f");
    // Without refresh the deletion goes unnoticed.
    w.expect(&["plan", "--refresh=false", "--detailed-exitcode"], 0);
    w.apply();
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("hello\n"));
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn drift_edited_file_is_replaced() {
    let w = Workdir::new(PAIR);
    w.apply();
    w.write("out/a.txt", "tampered\n");
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&r.stdout, "# local_file.f has changed");
    assert_contains(&r.stdout, "# local_file.f must be replaced");
    w.apply();
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("hello\n"));
}

/// A child module whose resources use `var.name`, called with a value made
/// from a root resource, and a second call that only `depends_on` it.
const MODULE_INPUT_DEPS: &str = r#"
resource "random_id" "suffix" {
  byte_length = 2
}

module "named" {
  source = "./child"
  name   = "site-${random_id.suffix.hex}"
}

module "after" {
  source     = "./child"
  name       = "fixed"
  depends_on = [random_id.suffix]
}
"#;

const CHILD_USING_VAR: &str = r#"
variable "name" {
  type = string
}

resource "infra_data" "this" {
  input = var.name
}
"#;

#[test]
fn module_arguments_and_depends_on_order_the_child_after_what_they_reference() {
    let w = Workdir::new(MODULE_INPUT_DEPS);
    w.write("child/main.infra", CHILD_USING_VAR);
    let graph = w.expect(&["graph"], 0).stdout;
    assert_contains(
        &graph,
        r#""module.named.infra_data.this" -> "random_id.suffix";"#,
    );
    assert_contains(
        &graph,
        r#""module.after.infra_data.this" -> "random_id.suffix";"#,
    );
    // Before the fix the child was applied before the suffix existed and
    // failed with "the configuration ... is still not known during apply".
    let applied = w.apply();
    assert_contains(&applied.stdout, "Apply complete! Resources: 3 added");
    let suffix = w.attributes("random_id.suffix")["hex"].clone();
    let shown = w
        .expect(&["state", "show", "module.named.infra_data.this"], 0)
        .stdout;
    assert_contains(
        &shown,
        &format!("\"site-{}\"", suffix.as_str().unwrap_or_default()),
    );
    w.expect(&["plan", "--detailed-exitcode"], 0);
}
