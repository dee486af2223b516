//! Provider functions, `provider::NAME::FUNC(args)`, with infra's built-in
//! providers in-process: `provider::local::direxists` in plan, apply and
//! `eval` (unknown and sensitive arguments, an error pointing at the
//! argument), and `validate`'s checks of the provider name, the function
//! name and the number of arguments. (The same function through the
//! plugin protocol: `plugin_client.rs` and `plugin_terraform.rs`.)

use crate::support::{Workdir, assert_contains};

/// The codes, lines and help of `infra validate --json`.
fn validate(w: &Workdir) -> Vec<(String, u64, String)> {
    // The developer's own CLI configuration plays no part.
    let run = w
        .command(&["validate", "--json"])
        .env_remove("TF_CLI_CONFIG_FILE")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    json.as_array()
        .expect("an array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["start"]["line"].as_u64().unwrap_or(0),
                d["help"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn validate_checks_the_provider_the_function_and_the_arity() {
    let w = Workdir::new(
        r#"output "ok" {
  value = provider::local::direxists("out")
}

output "no_provider" {
  value = provider::nope::direxists("out")
}

output "typo" {
  value = provider::local::direxist("out")
}

output "arity" {
  value = provider::local::direxists("a", "b")
}

output "not_a_name" {
  value = provider::direxists("out")
}
"#,
    );
    let diags = validate(&w);
    let codes: Vec<(&str, u64)> = diags.iter().map(|(c, l, _)| (c.as_str(), *l)).collect();
    assert_eq!(
        codes,
        [
            ("function::unknown-provider", 6),
            ("function::unknown", 10),
            ("function::arity", 14),
            ("function::unknown", 18),
        ],
        "{diags:?}"
    );
    assert_eq!(diags[1].2, "Did you mean `provider::local::direxists`?");
    assert_eq!(diags[2].2, "Signature: provider::local::direxists(path).");
}

#[test]
fn a_required_plugins_functions_are_left_to_plan() {
    let w = Workdir::new(
        r#"terraform {
  required_providers {
    acme = { source = "example.com/acme/acme" }
  }
}

output "x" {
  value = provider::acme::anything(1, 2, 3)
}
"#,
    );
    // The plugin is not installed (a warning of its own); its functions
    // are not judged until plan knows its schema.
    let codes: Vec<String> = validate(&w).into_iter().map(|d| d.0).collect();
    assert_eq!(codes, ["provider::not-installed"]);
}

#[test]
fn direxists_runs_in_plan_apply_and_eval() {
    let w = Workdir::new(
        r#"resource "local_file" "marker" {
  filename = "out/marker.txt"
  content  = provider::local::direxists("out") ? "out exists" : "out is new"
}

output "here" {
  value = provider::local::direxists(".")
}

output "missing" {
  value = provider::local::direxists("nowhere")
}
"#,
    );
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&plan.stdout, "out is new");
    w.apply();
    assert_eq!(w.read_text("out/marker.txt").as_deref(), Some("out is new"));
    let out = w.expect(&["output", "--json"], 0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["here"]["value"], true);
    assert_eq!(json["missing"]["value"], false);
    // The directory exists now: the configuration changes.
    let replan = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&replan.stdout, "out exists");

    let eval = w.expect(
        &["eval", "--json", "provider::local::direxists(\"out\")"],
        0,
    );
    let json: serde_json::Value = serde_json::from_str(&eval.stdout).expect("JSON");
    assert_eq!(json["value"], true);
}

#[test]
fn unknown_arguments_give_unknown_results_and_sensitive_ones_sensitive_results() {
    let w = Workdir::new(
        r#"resource "random_id" "dir" {
  byte_length = 4
}

resource "infra_data" "later" {
  input = provider::local::direxists("out/${random_id.dir.hex}")
}
"#,
    );
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&plan.stdout, "(known after apply)");
    w.apply();
    let state = w.attributes("infra_data.later");
    assert!(state["output"].to_string().contains("false"), "{state:#}");

    let eval = w.expect(
        &[
            "eval",
            "--json",
            "provider::local::direxists(sensitive(\"out\"))",
        ],
        0,
    );
    let json: serde_json::Value = serde_json::from_str(&eval.stdout).expect("JSON");
    assert_eq!(json["sensitive"], true, "{json:#}");
}

#[test]
fn a_function_error_points_at_the_argument() {
    let w = Workdir::new(
        r#"output "x" {
  value = provider::local::direxists(
    "main.infra",
  )
}
"#,
    );
    let plan = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&plan.stderr, "function::provider-error");
    assert_contains(&plan.stderr, "was found, but is not a");
    assert_contains(&plan.stderr, "main.infra:3:");
}
