//! Coming from Terraform (docs/migrating-from-terraform.md): Terraform's
//! built-in `terraform_data` under its own name, Terraform's state taken
//! over by `infra init -migrate-state` and written back by
//! `infra state pull --format terraform`, and Terraform projects (`.tf`)
//! read as they are.

use crate::support::Workdir;

#[test]
fn terraform_data_is_infra_data_under_terraform_s_name() {
    let w = Workdir::new(
        "resource \"terraform_data\" \"a\" {\n  input            = { msg = \"hi\" }\n  triggers_replace = 1\n}\n\noutput \"o\" {\n  value = terraform_data.a.output.msg\n}\n",
    );
    let applied = w.apply();
    assert!(applied.stdout.contains("o = \"hi\""), "{}", applied.stdout);
    let state = w.state();
    let r = &state["resources"][0];
    assert_eq!(r["type"], "terraform_data", "{state:#}");
    assert_eq!(r["provider"], "terraform", "{state:#}");
    let a = &r["instances"][0]["attributes"];
    assert_eq!(a["output"]["msg"], "hi");
    assert_eq!(a["id"].as_str().map(str::len), Some(36), "{a}");
    w.expect(&["plan", "--detailed-exitcode"], 0);
    // Changing `triggers_replace` replaces it, as in Terraform.
    w.config("resource \"terraform_data\" \"a\" {\n  input            = { msg = \"hi\" }\n  triggers_replace = 2\n}\n");
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
}

/// A state Terraform 1.15.5 wrote for [`APPLIED_CONFIG`] (`terraform
/// apply`): `terraform_data` with `count`, `for_each`, a sensitive input,
/// outputs and a check.
const APPLIED_STATE: &str = include_str!("../../../engine/src/state/terraform/applied.tfstate");

/// The configuration [`APPLIED_STATE`] was applied from, in the language
/// both read.
const APPLIED_CONFIG: &str = r#"variable "greeting" {
  type    = string
  default = "hello"
}

resource "terraform_data" "a" {
  input            = { msg = var.greeting, n = [1, 2] }
  triggers_replace = "v1"
}

resource "terraform_data" "b" {
  count = 2
  input = terraform_data.a.output.msg
}

resource "terraform_data" "c" {
  for_each = toset(["x"])
  input    = sensitive("s3cret")
}

output "out" {
  value = terraform_data.a.output
}

output "sec" {
  value     = terraform_data.c["x"].output
  sensitive = true
}
"#;

#[test]
fn init_takes_over_terraform_s_state_and_plan_shows_no_changes() {
    let w = Workdir::new(APPLIED_CONFIG);
    w.write("terraform.tfstate", APPLIED_STATE);
    // Without -migrate-state, init says how.
    let init = w.expect(&["init"], 0);
    assert!(
        init.stdout.contains("Found Terraform's state in")
            && init.stdout.contains("-migrate-state"),
        "{}",
        init.stdout
    );
    let init = w.expect(&["init", "-migrate-state"], 0);
    assert!(
        init.stdout.contains("Copied the state from Terraform's"),
        "{}",
        init.stdout
    );
    // Terraform's file is untouched, and nothing was made beside it.
    assert_eq!(
        w.read_text("terraform.tfstate").as_deref(),
        Some(APPLIED_STATE)
    );
    assert!(w.read("terraform.tfstate.lock").is_none());
    assert!(w.read("terraform.tfstate.backup").is_none());
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert_eq!(w.state_list().len(), 4);
    // Again: nothing to copy.
    let again = w.expect(&["init", "-migrate-state"], 0);
    assert!(
        !again.stdout.contains("Copied the state"),
        "{}",
        again.stdout
    );

    // Back out in Terraform's format: the same document Terraform wrote.
    let pulled = w.expect(&["state", "pull", "--format", "terraform"], 0);
    let back: serde_json::Value = serde_json::from_str(&pulled.stdout).expect("JSON");
    let want: serde_json::Value = serde_json::from_str(APPLIED_STATE).expect("JSON");
    assert_eq!(back, want);
}

#[test]
fn terraform_s_state_given_as_infra_s_is_refused_untouched_with_the_way_to_migrate() {
    let w = Workdir::new(APPLIED_CONFIG);
    w.write("terraform.tfstate", APPLIED_STATE);
    let plan = w.expect(&["plan", "--state", "terraform.tfstate"], 1);
    assert!(plan.stderr.contains("state::terraform"), "{}", plan.stderr);
    assert!(
        plan.stderr
            .contains("-migrate-state --state ./terraform.tfstate"),
        "{}",
        plan.stderr
    );
    assert!(!plan.stderr.contains(".backup"), "{}", plan.stderr);
    assert!(w.read("terraform.tfstate.lock").is_none());
    assert_eq!(
        w.read_text("terraform.tfstate").as_deref(),
        Some(APPLIED_STATE)
    );

    // Named with --state, it is migrated into the selected workspace.
    let init = w.expect(
        &["init", "--migrate-state", "--state", "terraform.tfstate"],
        0,
    );
    assert!(init.stdout.contains("Copied the state"), "{}", init.stdout);
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn a_corrupt_state_without_a_backup_does_not_point_at_one() {
    let w = Workdir::new(APPLIED_CONFIG);
    w.write(".infra/state.json", "{ not json");
    let plan = w.expect(&["plan"], 1);
    assert!(plan.stderr.contains("state::corrupt"), "{}", plan.stderr);
    assert!(
        !plan.stderr.contains("state.json.backup"),
        "{}",
        plan.stderr
    );
}
