//! The audit log (docs/audit.md): every state-changing command appends a
//! hash-chained record that `infra history` lists, shows and verifies;
//! no secret reaches it; an edited record is detected.

use crate::support::{Run, Workdir, assert_contains};

const CONFIG: &str = r#"variable "secret" {
  type      = string
  sensitive = true
}

resource "infra_data" "a" {
  input = "x"
}

resource "infra_data" "b" {
  input = var.secret
}
"#;

const SECRET: &str = "hunter2-audit-marker";

/// The CI variables a CI machine may set, removed so records are
/// predictable; `set` adds some back.
fn run(w: &Workdir, args: &[&str], set: &[(&str, &str)]) -> Run {
    let mut c = w.command(args);
    for k in [
        "CI",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "CIRCLECI",
        "BUILDKITE",
        "TF_BUILD",
        "JENKINS_URL",
    ] {
        c.env_remove(k);
    }
    c.env("USER", "alice");
    for (k, v) in set {
        c.env(k, v);
    }
    Run::of(&c.output().expect("infra runs"))
}

fn history(w: &Workdir) -> Vec<serde_json::Value> {
    let r = run(w, &["history", "--json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str::<serde_json::Value>(&r.stdout)
        .expect("JSON")
        .as_array()
        .expect("an array")
        .clone()
}

#[test]
fn every_state_change_is_recorded_without_secrets_and_listed() {
    let w = Workdir::new(CONFIG);
    let var = format!("secret={SECRET}");
    let applied = run(&w, &["apply", "--auto-approve", "--var", &var], &[]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let removed = run(&w, &["state", "rm", "infra_data.a"], &[]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    let ci = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_RUN_ID", "42"),
        ("GITHUB_ACTOR", "bob"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
    ];
    let again = run(&w, &["apply", "--auto-approve", "--var", &var], &ci);
    assert_eq!(again.code, 0, "{}", again.stderr);

    let records = history(&w);
    assert_eq!(records.len(), 3, "{records:#?}");
    let first = &records[0];
    assert_eq!(first["seq"], 1);
    assert_eq!(first["command"], "apply");
    assert_eq!(first["outcome"], "succeeded");
    assert_eq!(first["workspace"], "default");
    assert_eq!(first["actor"]["user"], "alice");
    assert!(first["actor"].get("ci").is_none(), "{first:#}");
    assert_eq!(first["serial_before"], 0);
    assert_eq!(first["serial_after"], 1);
    assert_eq!(first["args"][3], "secret=(redacted)");
    assert_eq!(first["config_digest"].as_str().map(str::len), Some(64));
    let changes: Vec<(String, String, String)> = first["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or("").into(),
                c["action"].as_str().unwrap_or("").into(),
                c["result"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("infra_data.a".into(), "create".into(), "ok".into()),
            ("infra_data.b".into(), "create".into(), "ok".into())
        ]
    );
    assert!(first["changes"][0]["duration_ms"].is_u64(), "{first:#}");

    assert_eq!(records[1]["command"], "state rm");
    assert_eq!(records[1]["changes"][0]["action"], "state-remove");
    assert_eq!(records[1]["changes"][0]["address"], "infra_data.a");

    let third = &records[2];
    assert_eq!(third["actor"]["ci"]["system"], "github-actions");
    assert_eq!(third["actor"]["ci"]["triggered_by"], "bob");
    assert_eq!(
        third["vcs_commit"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(third["changes"][0]["address"], "infra_data.a");

    // The secret is in the state (it is an attribute) but nowhere in the
    // log, nor in what history prints.
    let log = w
        .read_text(".infra/state.audit.jsonl")
        .expect("a local log");
    assert_eq!(log.lines().count(), 3);
    assert!(!log.contains(SECRET), "{log}");
    let listed = run(&w, &["history"], &[]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(!listed.stdout.contains(SECRET));
    assert_contains(&listed.stdout, "alice@");
    assert_contains(&listed.stdout, "(github-actions 42 by bob)");
    assert_contains(&listed.stdout, "2 create");

    // `show` by number and by id prefix.
    let id = records[1]["run_id"].as_str().expect("id");
    for run_arg in ["2", &id[..8]] {
        let shown = run(&w, &["history", "show", run_arg], &[]);
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        assert_contains(&shown.stdout, &format!("Run {id} (record 2)"));
        assert_contains(&shown.stdout, "state-remove infra_data.a: ok");
    }
    let missing = run(&w, &["history", "show", "99"], &[]);
    assert_eq!(missing.code, 1);
    assert_contains(&missing.stderr, "audit::no-run");
}

#[test]
fn history_verify_detects_an_edited_or_removed_record() {
    let w = Workdir::new(CONFIG);
    for input in ["x", "y", "z"] {
        w.config(&CONFIG.replace("\"x\"", &format!("\"{input}\"")));
        let r = run(&w, &["apply", "--auto-approve", "--var", "secret=s"], &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let intact = run(&w, &["history", "verify"], &[]);
    assert_eq!(intact.code, 0, "{}", intact.stderr);
    assert_contains(&intact.stdout, "is intact: 3 record(s)");

    let log = w.read_text(".infra/state.audit.jsonl").expect("log");
    let lines: Vec<&str> = log.lines().collect();
    // Someone rewrites what the first run did.
    let edited = format!(
        "{}\n{}\n{}\n",
        lines[0].replace("\"succeeded\"", "\"failed\""),
        lines[1],
        lines[2]
    );
    w.write(".infra/state.audit.jsonl", &edited);
    let broken = run(&w, &["history", "verify"], &[]);
    assert_eq!(broken.code, 1, "{}", broken.stdout);
    assert_contains(&broken.stderr, "audit::broken");
    assert_contains(&broken.stderr, "record 2");
    // Listing still shows what is there, with a warning.
    let listed = run(&w, &["history"], &[]);
    assert_eq!(listed.code, 0);
    assert_contains(&listed.stderr, "audit::broken");

    // Someone removes the last record: the state is newer than the log.
    w.write(
        ".infra/state.audit.jsonl",
        &format!("{}\n{}\n", lines[0], lines[1]),
    );
    let truncated = run(&w, &["history", "verify"], &[]);
    assert_eq!(truncated.code, 0, "{}", truncated.stderr);
    assert_contains(&truncated.stderr, "audit::unrecorded");
}
