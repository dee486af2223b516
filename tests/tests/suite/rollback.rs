//! Rollback end to end (docs/rollback.md): `apply --rollback-on-failure`
//! after an injected failure in the middle of a 50-resource apply puts
//! state and real objects back as they were; a rollback killed with
//! SIGKILL is reported and finished by `infra rollback --resume`; an
//! apply killed midway is reported by the next plan as interrupted after
//! N of M operations; `infra rollback RUN` returns to an earlier run's
//! configuration.

use crate::support::{Workdir, assert_contains, unwrapped};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a background command may take before the test gives up.
const PATIENCE: Duration = Duration::from_secs(60);

/// 10 files and 10 `test_fault` objects (real files in `reg/`) whose
/// input is `input`.
fn v1(input: &str) -> String {
    format!(
        r#"
resource "local_file" "keep" {{
  count    = 10
  filename = "${{path.module}}/out/keep-${{count.index}}.txt"
  content  = "kept ${{count.index}}"
}}

resource "test_fault" "obj" {{
  count    = 10
  name     = "obj-${{count.index}}"
  registry = "${{path.module}}/reg"
  input    = "{input}"
}}
"#
    )
}

/// `v1` with every `test_fault` updated, 15 new files, a `test_fault`
/// that fails on create, and 14 files that wait for it (50 resources, 40
/// planned operations: the failure comes when the updates and first
/// files are done and the last files not started), plus `extra`.
fn v2(extra: &str) -> String {
    v1("v2")
        + r#"
resource "local_file" "new" {
  count    = 15
  filename = "${path.module}/out/new-${count.index}.txt"
  content  = "new ${count.index}"
}

resource "test_fault" "bad" {
  fail_on  = "create"
  sleep_ms = 1000
}

resource "local_file" "late" {
  count    = 14
  filename = "${path.module}/out/late-${count.index}.txt"
  content  = "late ${test_fault.bad.id}"
}
"# + extra
}

/// A working directory with `config` and the registry directory `reg/`.
fn workdir(config: &str) -> Workdir {
    let w = Workdir::new(config);
    std::fs::create_dir_all(w.path().join("reg")).expect("create reg/");
    w
}

/// Every file under `dir` of `w` with its content.
fn files(w: &Workdir, dir: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(w.path().join(dir)) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        out.insert(name, text);
    }
    out
}

/// The state's resources and outputs (not its serial).
/// The state's resources and outputs, without each object's `read_at`:
/// a rollback writes the objects it restores, so they are read anew.
fn resources(w: &Workdir) -> (serde_json::Value, serde_json::Value) {
    let mut s = w.state();
    for r in s["resources"].as_array_mut().into_iter().flatten() {
        for i in r["instances"].as_array_mut().into_iter().flatten() {
            if let Some(i) = i.as_object_mut() {
                i.remove("read_at");
            }
        }
    }
    (s["resources"].clone(), s["outputs"].clone())
}

#[test]
fn a_failure_in_the_middle_of_a_50_resource_apply_is_rolled_back() {
    let w = workdir(&v1("v1"));
    w.apply();
    let before = (resources(&w), files(&w, "out"), files(&w, "reg"));
    assert_eq!(before.1.len(), 10);
    assert_eq!(before.2.len(), 10);
    w.config(&v2(""));
    let r = w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--rollback-on-failure",
        ],
        1,
    );
    let out = unwrapped(&r.stdout);
    assert_contains(&out, "test_fault.bad: failed");
    assert_contains(
        &out,
        "Apply failed. Resources: 15 added, 10 changed, 0 destroyed; 1 failed, 14 skipped.",
    );
    assert_contains(&out, "Rolling back this run:");
    assert_contains(&out, "Rollback complete.");
    assert_contains(
        &out,
        "rolled back: test_fault.obj[3]: restored to its previous value",
    );
    assert_contains(
        &out,
        "rolled back: local_file.new[0]: deleted (created by this run)",
    );
    assert_contains(
        &out,
        "Every object this run changed is as it was before the run.",
    );
    assert_contains(&unwrapped(&r.stderr), "injected failure on create");
    // State and real objects as before the run.
    assert_eq!(resources(&w), before.0);
    assert_eq!(files(&w, "out"), before.1);
    assert_eq!(files(&w, "reg"), before.2);
    assert!(w.read(".infra/state.json.rollback").is_none());
    assert!(w.read(".infra/state.json.journal").is_none());
    // The audit record says so.
    let history: serde_json::Value =
        serde_json::from_str(&w.expect(&["history", "--json"], 0).stdout).expect("history JSON");
    let last = history
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .expect("a record");
    assert_eq!(last["outcome"], "rolled_back", "{last:#}");
    assert!(
        last["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["action"] == "rollback" && c["result"] == "ok"),
        "{last:#}"
    );
    // Nothing left to do but the failing change again.
    w.config(&v1("v1"));
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn what_cannot_be_undone_is_listed_and_what_it_uses_is_kept() {
    // A deleted object cannot come back; a file whose content changed
    // would need replacing.
    let w = workdir(&v1("v1"));
    w.apply();
    let mut config = v2("").replacen("count    = 10", "count    = 9", 1);
    config = config.replace("\"kept ${count.index}\"", "\"kept ${count.index}!\"");
    w.config(&config);
    let r = w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--rollback-on-failure",
            "--parallelism",
            "40",
        ],
        1,
    );
    let out = unwrapped(&r.stdout);
    assert_contains(&out, "Rollback incomplete.");
    assert_contains(
        &out,
        "could not be rolled back: local_file.keep[9]: it was deleted by this run, and a deleted object cannot come back",
    );
    let json = w.expect(&["state", "pull"], 0).stdout;
    assert!(
        !json.contains("new-0.txt"),
        "a created file stayed in state"
    );
}

#[test]
fn a_rollback_killed_with_sigkill_is_reported_and_resumed() {
    let w = workdir(&v1("v1"));
    w.apply();
    let before = (resources(&w), files(&w, "out"), files(&w, "reg"));
    // The gate object is made slowly, the failure waits for it, and the
    // rollback deletes it slowly.
    w.config(
        &v2(r#"
resource "test_fault" "gate" {
  name     = "gate"
  registry = "${path.module}/reg"
  sleep_ms = 3000
}
"#)
        .replace(
            "  fail_on  = \"create\"",
            "  fail_on    = \"create\"\n  depends_on = [test_fault.gate]",
        ),
    );
    let mut apply = w.spawn(&[
        "apply",
        "--auto-approve",
        "--no-color",
        "--rollback-on-failure",
    ]);
    assert!(
        apply.wait_for(PATIENCE, |l| l
            .iter()
            .any(|l| l == "test_fault.gate: Destroying...")),
        "the rollback never reached the slow delete:\n{}",
        apply.seen.join("\n")
    );
    apply.child.kill().expect("kill -9 the rollback");
    let _ = apply.child.wait();
    assert!(w.read(".infra/state.json.rollback").is_some());
    // The next command says so; apply refuses; the resume finishes it.
    let plan = w.expect(&["plan", "--no-color"], 0);
    let err = unwrapped(&plan.stderr);
    assert_contains(
        &err,
        "the rollback of the previous run was interrupted after",
    );
    assert_contains(&err, "apply::rollback-pending");
    let refused = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(&unwrapped(&refused.stderr), "infra rollback --resume");
    let r = w.expect(&["rollback", "--resume", "--auto-approve", "--no-color"], 0);
    let out = unwrapped(&r.stdout);
    assert_contains(&out, "Rollback complete.");
    assert_contains(
        &out,
        "rolled back: test_fault.gate: deleted (created by this run)",
    );
    assert_eq!(resources(&w), before.0);
    assert_eq!(files(&w, "out"), before.1);
    assert_eq!(files(&w, "reg"), before.2);
    assert!(w.read(".infra/state.json.rollback").is_none());
    w.expect(&["rollback", "--resume", "--auto-approve"], 1);
}

#[test]
fn a_killed_apply_is_reported_as_interrupted_after_n_of_m_operations() {
    let w = Workdir::new(&crate::engine_faults::chain_with_slow_middle());
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(PATIENCE, |l| l
            .iter()
            .any(|l| l == "test_fault.slow: Creating...")),
        "the apply never reached the slow resource:\n{}",
        apply.seen.join("\n")
    );
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
    // The first command holding the lock says so (an apply too), and
    // the apply takes up what remains.
    let applied = w.apply();
    assert_contains(
        &unwrapped(&applied.stderr),
        "the previous run was interrupted after 10 of 21 operations",
    );
    assert_contains(
        &applied.stdout,
        "Apply complete! Resources: 11 added, 0 changed, 0 destroyed.",
    );
    // Once the state is written, nothing is reported any more.
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert!(!plan.stderr.contains("interrupted"), "{}", plan.stderr);
}

/// Files named by a variable, one of them holding a sensitive one.
const VERSIONED: &str = r#"
variable "version" {
  type = string
}

variable "token" {
  type      = string
  sensitive = true
}

resource "local_file" "page" {
  count    = 3
  filename = "${path.module}/out/page-${count.index}.txt"
  content  = "page ${count.index} of ${var.version}"
}

resource "local_sensitive_file" "secret" {
  filename = "${path.module}/out/secret.txt"
  content  = var.token
}
"#;

#[test]
fn rollback_run_returns_to_an_earlier_runs_configuration_and_variables() {
    let w = Workdir::new(VERSIONED);
    let apply = |version: &str, token: &str| {
        w.expect(
            &[
                "apply",
                "--auto-approve",
                "--no-color",
                "--var",
                &format!("version={version}"),
                "--var",
                &format!("token={token}"),
            ],
            0,
        )
    };
    apply("v1", "s3cr3t-one");
    let v1 = (resources(&w), files(&w, "out"));
    // The second version has another file layout too.
    w.config(&VERSIONED.replace("count    = 3", "count    = 2"));
    apply("v2", "s3cr3t-two");
    assert_eq!(files(&w, "out")["page-0.txt"], "page 0 of v2");
    // The snapshot holds the files and `version`, never the sensitive
    // token in clear (the state is not encrypted here).
    let snapshots: Vec<_> = std::fs::read_dir(w.path().join(".infra/state.json.snapshots"))
        .expect("snapshots")
        .flatten()
        .collect();
    assert_eq!(snapshots.len(), 2);
    for s in &snapshots {
        let text = std::fs::read_to_string(s.path()).expect("snapshot");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("local_sensitive_file"), "{text}");
    }
    // Without the token again: refused, nothing changed.
    let r = w.expect(&["rollback", "1", "--auto-approve", "--no-color"], 1);
    assert_contains(&unwrapped(&r.stderr), "rollback::missing-variable");
    assert_contains(&unwrapped(&r.stderr), "`token`");
    assert_eq!(files(&w, "out")["page-0.txt"], "page 0 of v2");
    // With it: run 1's objects are back.
    let r = w.expect(
        &[
            "rollback",
            "1",
            "--auto-approve",
            "--no-color",
            "--var",
            "token=s3cr3t-one",
        ],
        0,
    );
    assert_contains(&r.stdout, "Apply complete!");
    assert_eq!(files(&w, "out"), v1.1);
    assert_eq!(resources(&w).0, v1.0.0);
    // The directory's configuration is untouched, and recorded as a run.
    assert_contains(
        &w.read_text("main.infra").unwrap_or_default(),
        "count    = 2",
    );
    let history: serde_json::Value =
        serde_json::from_str(&w.expect(&["history", "--json"], 0).stdout).expect("history JSON");
    let last = history
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .expect("a record");
    assert_eq!(last["command"], "rollback", "{last:#}");
    assert_eq!(last["outcome"], "succeeded", "{last:#}");
    // Nothing to do a second time; a failed or unknown run is refused.
    let again = w.expect(
        &[
            "rollback",
            "1",
            "--auto-approve",
            "--var",
            "token=s3cr3t-one",
        ],
        0,
    );
    assert_contains(&again.stdout, "Nothing to roll back");
    let r = w.expect(&["rollback", "99", "--auto-approve"], 1);
    assert_contains(&unwrapped(&r.stderr), "audit::no-run");
}

#[test]
fn with_encrypted_state_the_snapshot_keeps_sensitive_variables_encrypted() {
    let encryption = r#"
terraform {
  encryption {
    key_provider "pbkdf2" "main" {
      passphrase = var.passphrase
    }
    method "aes_gcm" "main" {
      keys = key_provider.pbkdf2.main
    }
    state {
      method = method.aes_gcm.main
    }
  }
}

variable "passphrase" {
  type      = string
  sensitive = true
}
"#;
    let w = Workdir::new(&format!("{encryption}{VERSIONED}"));
    let pass = "passphrase=a long enough passphrase";
    let apply = |version: &str, token: &str| {
        w.expect(
            &[
                "apply",
                "--auto-approve",
                "--no-color",
                "--var",
                pass,
                "--var",
                &format!("version={version}"),
                "--var",
                &format!("token={token}"),
            ],
            0,
        )
    };
    apply("v1", "s3cr3t-one");
    apply("v2", "s3cr3t-two");
    // Nothing under .infra holds a secret or the configuration in clear.
    let mut stack = vec![w.path().join(".infra")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
                continue;
            }
            let text =
                String::from_utf8_lossy(&std::fs::read(e.path()).expect("read")).into_owned();
            for secret in ["s3cr3t", "long enough passphrase", "of ${var.version}"] {
                assert!(
                    !text.contains(secret),
                    "{} holds {secret}",
                    e.path().display()
                );
            }
        }
    }
    // The token comes from the snapshot: only the passphrase is given.
    w.expect(
        &[
            "rollback",
            "1",
            "--auto-approve",
            "--no-color",
            "--var",
            pass,
        ],
        0,
    );
    assert_eq!(files(&w, "out")["secret.txt"], "s3cr3t-one");
    assert_eq!(files(&w, "out")["page-0.txt"], "page 0 of v1");
}

#[test]
fn in_s3_the_rollback_record_and_snapshots_live_beside_the_state() {
    let other = crate::s3::Other::new();
    let bucket = crate::s3::bucket("rollback");
    other.create_bucket(&bucket);
    let backend = format!(
        "backend \"s3\" {{\n  bucket   = \"{bucket}\"\n  key      = \"app/state.json\"\n  region   = \"us-east-1\"\n  endpoint = \"{}\"\n}}\n",
        crate::s3::endpoint()
    );
    let w = workdir(&format!("{backend}{}", v1("v1")));
    w.expect(&["init"], 0);
    w.apply();
    let before = (resources(&w), files(&w, "out"), files(&w, "reg"));
    w.config(&format!("{backend}{}", v2("")));
    let r = w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--rollback-on-failure",
        ],
        1,
    );
    assert_contains(&unwrapped(&r.stdout), "Rollback complete.");
    assert_eq!(resources(&w), before.0);
    assert_eq!(files(&w, "out"), before.1);
    assert_eq!(files(&w, "reg"), before.2);
    let keys = other.keys(&bucket);
    assert!(
        !keys.iter().any(|k| k == "app/state.json.rollback"),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.starts_with("app/state.json.snapshots/")),
        "{keys:?}"
    );
    w.config(&format!("{backend}{}", v1("v3")));
    w.apply();
    w.expect(&["rollback", "1", "--auto-approve", "--no-color"], 0);
    assert_eq!(resources(&w).0, before.0.0);
}

#[test]
fn the_old_object_of_an_unfinished_create_before_destroy_becomes_current_again() {
    let config = |name: &str, fail: &str| {
        format!(
            r#"
resource "local_file" "x" {{
  filename = "${{path.module}}/out/{name}.txt"
  content  = "x"
  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "test_fault" "y" {{
  input = local_file.x.filename
  {fail}
}}
"#
        )
    };
    let w = Workdir::new(&config("a", ""));
    w.apply();
    let before = (resources(&w), files(&w, "out"));
    // The new file is made, the old one waits for `y` to move off it, and
    // `y`'s update fails: the old object is still deposed.
    w.config(&config("b", "fail_on = \"update\""));
    let r = w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--rollback-on-failure",
        ],
        1,
    );
    let out = unwrapped(&r.stdout);
    assert_contains(
        &out,
        "rolled back: local_file.x: previous object made current again",
    );
    assert_contains(&out, "Rollback complete.");
    assert_eq!(resources(&w), before.0);
    assert_eq!(files(&w, "out"), before.1);
}

#[test]
fn a_saved_plan_is_rolled_back_too() {
    let w = workdir(&v1("v1"));
    w.apply();
    let before = (resources(&w), files(&w, "out"), files(&w, "reg"));
    w.config(&v2(""));
    w.expect(&["plan", "-out", "tfplan", "--no-color"], 0);
    let r = w.expect(
        &[
            "apply",
            "tfplan",
            "--no-color",
            "--rollback-on-failure",
            "--json",
        ],
        1,
    );
    let summary: serde_json::Value = r
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "summary")
        .expect("a summary line");
    assert_eq!(summary["rollback"]["complete"], true, "{summary:#}");
    assert_eq!(
        summary["rollback"]["not_rolled_back"],
        serde_json::json!([]),
        "{summary:#}"
    );
    assert_eq!(resources(&w), before.0);
    assert_eq!(files(&w, "out"), before.1);
    assert_eq!(files(&w, "reg"), before.2);
}
