//! Deposed objects: a `create_before_destroy` replacement whose old object
//! could not be deleted (a failed delete, or a process killed between the
//! create and the delete) keeps the old object in state as deposed, the
//! next plan deletes it, and `infra destroy` does too. Uses the `test`
//! provider's `test_fault` resource (`fail_on`, `sleep_ms`).

use crate::support::{Workdir, assert_contains};
use std::time::Duration;

/// How long a background apply may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(30);

/// `test_fault.x` with `create_before_destroy`; `SETTINGS` is replaced.
const CONFIG: &str = r#"
resource "test_fault" "x" {
  input = "v1"
SETTINGS
  lifecycle {
    create_before_destroy = true
  }
}
"#;

/// The one instance of `test_fault.x` in the state document.
fn instance(state: &serde_json::Value) -> serde_json::Value {
    let resources = state["resources"].as_array().cloned().unwrap_or_default();
    assert_eq!(resources.len(), 1, "{state:#}");
    let instances = resources[0]["instances"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(instances.len(), 1, "{state:#}");
    instances[0].clone()
}

/// The deposed objects of `test_fault.x` in `infra state pull`: key → id.
fn deposed(w: &Workdir) -> Vec<(String, String)> {
    let inst = instance(&w.state());
    inst["deposed"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, d)| {
                    (
                        k.clone(),
                        d["attributes"]["id"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Applies the object with `fail_on = "delete"`, then replaces it (the new
/// object without `fail_on`): the old object's delete fails. Returns the
/// old and new ids and the deposed key.
fn replace_with_failed_delete(w: &Workdir) -> (String, String, String) {
    w.apply();
    let old = w.attributes("test_fault.x")["id"]
        .as_str()
        .expect("id")
        .to_string();
    w.config(&CONFIG.replace("SETTINGS", ""));
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
    assert_contains(&r.stdout, "test_fault.x: Creation complete");
    assert_contains(&r.stdout, "  failed:  test_fault.x");
    assert_contains(&r.stderr, "test_fault: injected failure on delete");
    let new = w.attributes("test_fault.x")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_ne!(old, new, "the object was not replaced");
    let deposed = deposed(w);
    assert_eq!(deposed.len(), 1, "{:#}", w.state());
    let (key, id) = deposed[0].clone();
    assert_eq!(id, old, "the deposed object is not the old one");
    assert_eq!(key.len(), 8, "deposed key {key:?}");
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key:?}");
    (old, new, key)
}

/// Lets the deposed object's delete succeed: its recorded `fail_on` goes
/// (the test provider decides from the object's own attributes).
fn allow_delete(w: &Workdir, key: &str) {
    let text = w.read_text(".infra/state.json").expect("state file");
    assert!(
        w.read(".infra/state.json.journal").is_none(),
        "a journal was left behind"
    );
    let mut state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
    let attrs = &mut state["resources"][0]["instances"][0]["deposed"][key]["attributes"];
    assert_eq!(attrs["fail_on"], "delete", "{text}");
    attrs["fail_on"] = serde_json::Value::Null;
    w.write(
        ".infra/state.json",
        &serde_json::to_string_pretty(&state).expect("state text"),
    );
}

#[test]
fn failed_delete_after_create_before_destroy_keeps_the_old_object_deposed() {
    let w = Workdir::new(&CONFIG.replace("SETTINGS", "  fail_on = \"delete\""));
    let (_old, new, key) = replace_with_failed_delete(&w);
    assert_eq!(w.state_list(), ["test_fault.x"]);

    // The next plan deletes the deposed object, and only that.
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(
        &plan.stdout,
        &format!("\n  # test_fault.x (deposed object {key}) will be destroyed\n"),
    );
    assert_contains(
        &plan.stdout,
        "\n  # (left over from a previous create_before_destroy replacement)\n",
    );
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 1 to destroy.");
    let json: serde_json::Value =
        serde_json::from_str(&w.expect(&["plan", "--json"], 0).stdout).expect("plan JSON");
    let changes = json["resource_changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{json:#}");
    assert_eq!(changes[0]["address"], "test_fault.x");
    assert_eq!(changes[0]["action"], "delete");
    assert_eq!(changes[0]["deposed"], key.as_str());
    assert_eq!(json["summary"]["destroy"], 1);

    // Still failing: the deposed object stays.
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(&r.stdout, "  failed:  test_fault.x");
    assert_eq!(deposed(&w).len(), 1);

    // A saved plan carries the deposed key to apply.
    allow_delete(&w, &key);
    w.expect(&["plan", "--no-color", "-out", "tf.plan"], 0);
    let r = w.expect(&["apply", "tf.plan", "--no-color"], 0);
    assert_contains(
        &r.stdout,
        "Apply complete! Resources: 0 added, 0 changed, 1 destroyed.",
    );
    assert!(deposed(&w).is_empty(), "{:#}", w.state());
    assert!(
        instance(&w.state()).get("deposed").is_none(),
        "an empty `deposed` is written"
    );
    assert_eq!(w.attributes("test_fault.x")["id"], new.as_str());
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    assert_contains(&plan.stdout, "No changes.");
}

#[test]
fn destroy_deletes_deposed_objects_too() {
    let w = Workdir::new(&CONFIG.replace("SETTINGS", "  fail_on = \"delete\""));
    let (_old, _new, key) = replace_with_failed_delete(&w);
    let plan = w.expect(&["plan", "--destroy", "--no-color"], 0);
    assert_contains(
        &plan.stdout,
        &format!("# test_fault.x (deposed object {key}) will be destroyed"),
    );
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 2 to destroy.");
    allow_delete(&w, &key);
    let r = w.expect(&["destroy", "--auto-approve", "--no-color"], 0);
    assert_contains(&r.stdout, "2 destroyed");
    assert!(w.state_list().is_empty());
    assert_eq!(w.state()["resources"], serde_json::json!([]));
}

#[test]
fn killed_between_create_and_delete_keeps_the_old_object_deposed() {
    // The old object's delete waits 3 s (its own `sleep_ms`); the new one
    // is created at once.
    let w = Workdir::new(&CONFIG.replace("SETTINGS", "  sleep_ms = 3000"));
    w.apply();
    let old = w.attributes("test_fault.x")["id"]
        .as_str()
        .expect("id")
        .to_string();
    w.config(&CONFIG.replace("SETTINGS", ""));
    let mut apply = w.spawn(&[
        "apply",
        "--auto-approve",
        "--no-color",
        "--replace",
        "test_fault.x",
    ]);
    assert!(
        apply.wait_for(PATIENCE, |l| l
            .iter()
            .any(|l| l == "test_fault.x: Destroying...")),
        "the apply never reached the delete:\n{}",
        apply.seen.join("\n")
    );
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
    assert!(
        w.read(".infra/state.json.journal").is_some(),
        "no journal left by the killed apply"
    );
    // Replayed from the journal: the new object, the old one deposed.
    let deposed = deposed(&w);
    assert_eq!(deposed.len(), 1, "{:#}", w.state());
    assert_eq!(deposed[0].1, old);
    assert_ne!(w.attributes("test_fault.x")["id"], old.as_str());
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(
        &plan.stdout,
        &format!(
            "# test_fault.x (deposed object {}) will be destroyed",
            deposed[0].0
        ),
    );
    assert_contains(&plan.stdout, "Plan: 0 to add, 0 to change, 1 to destroy.");
    let r = w.apply();
    assert_contains(
        &r.stdout,
        "Apply complete! Resources: 0 added, 0 changed, 1 destroyed.",
    );
    w.expect(&["plan", "--detailed-exitcode"], 0);
}
