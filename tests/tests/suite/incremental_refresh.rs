//! Incremental refresh end to end (issue 23): `plan --refresh=auto` reads
//! what the plan changes and what that depends on, the objects older than
//! `--refresh-max-age` and the stalest up to `--refresh-budget`, and says
//! what it did not read; `--target` reads the targets and what they
//! depend on by configuration as well as by state.

use crate::support::{Workdir, assert_contains};
use serde_json::Value as Json;

/// `a <- b` and three unrelated files `c`, `d`, `e`; `b`'s content is
/// `B`.
fn config(b: &str) -> String {
    let mut text = format!(
        r#"
resource "local_file" "a" {{
  filename = "${{path.module}}/a.txt"
  content  = "a"
}}
resource "local_file" "b" {{
  filename = "${{path.module}}/b.txt"
  content  = "${{local_file.a.content}}-{b}"
}}
"#
    );
    for name in ["c", "d", "e"] {
        text.push_str(&format!(
            "resource \"local_file\" \"{name}\" {{\n  filename = \"${{path.module}}/{name}.txt\"\n  content  = \"{name}\"\n}}\n"
        ));
    }
    text
}

fn plan_json(w: &Workdir, args: &[&str]) -> Json {
    let mut all = vec!["plan", "--json"];
    all.extend_from_slice(args);
    let r = w.expect(&all, 0);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout))
}

/// `address=reason` of every object the plan read.
fn read(plan: &Json) -> Vec<String> {
    plan["refresh"]["read_objects"]
        .as_array()
        .unwrap_or_else(|| panic!("no refresh object:\n{plan:#}"))
        .iter()
        .map(|o| {
            format!(
                "{}={}",
                o["address"].as_str().unwrap_or(""),
                o["reason"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn drifted(plan: &Json) -> Vec<String> {
    plan["resource_drift"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["address"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `read_at` of the instance of `name` in the state file.
fn set_read_at(w: &Workdir, times: &[(&str, Option<&str>)]) {
    let mut doc: Json = serde_json::from_str(&w.read_text(".infra/state.json").expect("state"))
        .expect("state JSON");
    for r in doc["resources"].as_array_mut().expect("resources") {
        let name = r["name"].as_str().unwrap_or("").to_string();
        if let Some((_, t)) = times.iter().find(|(n, _)| *n == name) {
            let inst = r["instances"][0].as_object_mut().expect("instance");
            match t {
                Some(t) => inst.insert("read_at".into(), Json::String((*t).into())),
                None => inst.remove("read_at"),
            };
        }
    }
    w.write(".infra/state.json", &doc.to_string());
}

fn rfc3339_ago(secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    infra_stdlib::time::rfc3339_utc(i64::try_from(now - secs).expect("time"))
}

#[test]
fn auto_reads_the_changed_instance_and_its_dependencies_and_not_the_rest() {
    let w = Workdir::new(&config("1"));
    w.apply();
    // Every object records when it was written and from which configuration.
    let state = w.state();
    let inst = &state["resources"][0]["instances"][0];
    assert!(
        inst["read_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{state:#}"
    );
    assert_eq!(
        inst["config_digest"].as_str().map(str::len),
        Some(64),
        "{state:#}"
    );
    // Changed outside infra: only a full refresh sees it.
    w.write("d.txt", "changed by hand");
    w.config(&config("2"));
    let p = plan_json(&w, &["--refresh=auto", "--refresh-budget", "0"]);
    assert_eq!(
        read(&p),
        ["local_file.a=dependency", "local_file.b=changed"]
    );
    assert_eq!(p["refresh"]["mode"], "auto");
    assert_eq!(p["refresh"]["objects"], 5);
    assert_eq!(p["refresh"]["not_read"], 3);
    assert_eq!(p["refresh"]["reasons"]["dependency"], 1);
    assert!(p["refresh"]["not_read_oldest"].as_str().is_some(), "{p:#}");
    assert!(drifted(&p).is_empty(), "{p:#}");
    // `content` forces a replacement of `b` alone.
    assert_eq!(p["summary"]["add"], 1, "{p:#}");
    assert_eq!(p["summary"]["destroy"], 1, "{p:#}");
    // The human plan says what it did not read.
    let r = w.expect(&["plan", "--refresh=auto", "--refresh-budget=0"], 0);
    assert_contains(
        &r.stdout,
        "Refreshed 2 of 5 objects (2 changed or depended on); 3 not read, last read ",
    );
    // So does the pull-request comment.
    let r = w.expect(
        &[
            "plan",
            "--format",
            "markdown",
            "--refresh=auto",
            "--refresh-budget=0",
        ],
        0,
    );
    assert_contains(
        &r.stdout,
        "_Refreshed 2 of 5 objects (2 changed or depended on); 3 not read, last read ",
    );
    // `all` (the default) reads everything and finds the hand edit.
    let p = plan_json(&w, &[]);
    assert!(p.get("refresh").is_none(), "{p:#}");
    assert_eq!(drifted(&p), ["local_file.d"]);
    // Once applied, nothing changed is left: a plan reads only the budget.
    w.write("d.txt", "d");
    w.apply();
    let p = plan_json(&w, &["--refresh=auto", "--refresh-budget=1"]);
    assert_eq!(p["has_changes"], false, "{p:#}");
    assert_eq!(read(&p).len(), 1, "{p:#}");
    assert_eq!(p["refresh"]["reasons"]["stalest"], 1);
}

#[test]
fn an_object_drifting_under_a_read_dependency_is_planned_again() {
    let w = Workdir::new(&config("1"));
    w.apply();
    // `a` is read (b depends on it) and found changed: the plan is made
    // again on what was read, and puts `a` back.
    w.write("a.txt", "edited");
    w.config(&config("2"));
    let p = plan_json(&w, &["--refresh=auto", "--refresh-budget=0"]);
    assert_eq!(drifted(&p), ["local_file.a"]);
    assert_eq!(p["refresh"]["passes"], 2);
    let changed: Vec<&str> = p["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] != "no-op")
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(changed, ["local_file.a", "local_file.b"]);
}

#[test]
fn budget_and_max_age_pick_the_stalest() {
    let w = Workdir::new(&config("1"));
    w.apply();
    set_read_at(
        &w,
        &[
            ("a", Some(&rfc3339_ago(3600))),
            ("b", Some(&rfc3339_ago(2 * 3600))),
            ("c", Some(&rfc3339_ago(5 * 3600))),
            ("d", Some(&rfc3339_ago(4 * 3600))),
            ("e", Some(&rfc3339_ago(3 * 86_400))),
        ],
    );
    let p = plan_json(
        &w,
        &[
            "--refresh=auto",
            "--refresh-max-age=48h",
            "--refresh-budget=2",
        ],
    );
    assert_eq!(
        read(&p),
        [
            "local_file.c=stalest",
            "local_file.d=stalest",
            "local_file.e=max-age"
        ]
    );
    let r = w.expect(
        &[
            "plan",
            "--refresh=auto",
            "--refresh-max-age=48h",
            "--refresh-budget=40%",
        ],
        0,
    );
    assert_contains(
        &r.stdout,
        "Refreshed 3 of 5 objects (1 older than the maximum age, 2 stalest); 2 not read, last read 1 h to 2 h ago.",
    );
    // A saved plan keeps the account.
    w.expect(
        &[
            "plan",
            "--refresh=auto",
            "--refresh-budget=0",
            "--out",
            "p.plan",
        ],
        0,
    );
    let r = w.expect(&["show", "--no-color", "p.plan"], 0);
    assert_contains(
        &r.stdout,
        "Refreshed 1 of 5 objects (1 older than the maximum age); 4 not read, last read 1 h to 5 h ago.",
    );
}

#[test]
fn old_states_without_read_times_are_read_whole() {
    let w = Workdir::new(&config("1"));
    w.apply();
    let text = w.read_text(".infra/state.json").expect("state");
    let mut doc: Json = serde_json::from_str(&text).expect("JSON");
    for r in doc["resources"].as_array_mut().expect("resources") {
        let inst = r["instances"][0].as_object_mut().expect("instance");
        inst.remove("read_at");
        inst.remove("config_digest");
    }
    w.write(".infra/state.json", &doc.to_string());
    let p = plan_json(&w, &["--refresh=auto", "--refresh-budget=0"]);
    assert_eq!(p["refresh"]["read"], 5, "{p:#}");
    assert_eq!(p["refresh"]["not_read"], 0, "{p:#}");
    assert_eq!(p["has_changes"], false, "{p:#}");
    let r = w.expect(&["plan", "--refresh=auto"], 0);
    assert_contains(
        &r.stdout,
        "Refreshed 5 of 5 objects (5 changed or depended on); every object read.",
    );
}

#[test]
fn a_target_reads_what_it_references_before_that_is_in_state() {
    let w = Workdir::new(&config("1"));
    w.expect(
        &[
            "apply",
            "--auto-approve",
            "--target",
            "local_file.a",
            "--target",
            "local_file.c",
        ],
        0,
    );
    // `b` is not in state yet; it references `a`, which is.
    w.write("a.txt", "edited");
    let p = plan_json(&w, &["--target", "local_file.b"]);
    assert_eq!(read(&p), ["local_file.a=dependency"]);
    assert_eq!(drifted(&p), ["local_file.a"]);
}

#[test]
fn refresh_flags_refuse_bad_values() {
    let w = Workdir::new(&config("1"));
    let r = w.expect(&["plan", "--refresh=sometimes"], 1);
    assert_contains(&r.stderr, "not a refresh mode");
    let r = w.expect(&["plan", "--refresh=auto", "--refresh-budget=150%"], 1);
    assert_contains(&r.stderr, "not a budget");
    // Terraform's spelling still works.
    w.expect(&["plan", "-refresh=false"], 0);
    // Without objects in state there is nothing to account for.
    let r = w.expect(&["plan", "--refresh=auto"], 0);
    assert!(!r.stdout.contains("Refreshed"), "{}", r.stdout);
}

/// Ten unrelated files `f0` … `f9`.
fn ten_files() -> String {
    (0..10)
        .map(|i| {
            format!(
                "resource \"local_file\" \"f{i}\" {{\n  filename = \"${{path.module}}/f{i}.txt\"\n  content  = \"{i}\"\n}}\n"
            )
        })
        .collect()
}

#[test]
fn drift_budget_rotates_to_full_coverage_and_reports_it() {
    let w = Workdir::new(&ten_files());
    w.apply();
    let state_before = w.read_text(".infra/state.json");
    // Every object drifts: each run's report lists exactly what it read.
    for i in 0..10 {
        w.write(&format!("f{i}.txt"), "changed by hand");
    }
    let mut seen = std::collections::BTreeSet::new();
    for run in 1..=4 {
        let r = w.run(&["drift", "--json", "--budget", "30%"]);
        let doc: Json = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", r.stdout, r.stderr));
        let found: Vec<String> = doc["drift"]
            .as_array()
            .expect("drift")
            .iter()
            .map(|d| d["address"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(found.len(), 3, "run {run}: {doc:#}");
        assert_eq!(doc["coverage"]["read"], 3, "{doc:#}");
        assert_eq!(doc["coverage"]["objects"], 10);
        assert_eq!(doc["coverage"]["runs_to_cover"], 4);
        assert_eq!(doc["coverage"]["never_read"], 0);
        if run < 4 {
            // Each run reads objects no earlier run read.
            assert!(
                found.iter().all(|a| !seen.contains(a)),
                "run {run}: {found:?} after {seen:?}"
            );
        }
        seen.extend(found);
    }
    assert_eq!(
        seen.len(),
        10,
        "every object read within ceil(100/30) = 4 runs"
    );
    // Drift never writes state.
    assert_eq!(w.read_text(".infra/state.json"), state_before);
    let r = w.run(&["drift", "--budget", "1"]);
    assert_contains(
        &r.stdout,
        "Coverage: read 1 of 10 objects this run (budget 1); oldest read ",
    );
    assert_contains(
        &r.stdout,
        "every object is read within 10 runs of this budget.",
    );
}
