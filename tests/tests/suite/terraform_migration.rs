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
pub(crate) const APPLIED_STATE: &str =
    include_str!("../../../engine/src/state/terraform/applied.tfstate");

/// The configuration [`APPLIED_STATE`] was applied from, in the language
/// both read.
pub(crate) const APPLIED_CONFIG: &str = r#"variable "greeting" {
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

/// A Terraform project as Terraform users write it: `main.tf` with the
/// settings block, `terraform.tfvars`, a variable from `TF_VAR_greeting`.
const PROJECT: &str = r#"terraform {
  required_version = ">= 1.5"
}

variable "greeting" {
  type    = string
  default = "hello"
}

variable "suffix" {
  type = string
}

resource "terraform_data" "a" {
  input            = { msg = "${var.greeting}${var.suffix}", n = [1, 2] }
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

output "msg" {
  value = terraform_data.a.output.msg
}
"#;

/// infra in `dir` with `TF_VAR_greeting` set, panicking unless it exits
/// with `code`.
pub(crate) fn infra_in(dir: &std::path::Path, args: &[&str], code: i32) -> crate::support::Run {
    let out = crate::support::infra_bin()
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TF_VAR_greeting", "from-env")
        .env_remove("INFRA_WORKSPACE")
        .env_remove("TF_WORKSPACE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("infra runs");
    let r = crate::support::Run::of(&out);
    assert_eq!(
        r.code, code,
        "infra {args:?} exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    r
}

/// The issue's proof: a project Terraform 1.15.5 applied is taken over by
/// infra with no change to plan, changed by infra, and handed back to
/// Terraform, whose own plan then shows no change either.
#[test]
fn a_project_terraform_applied_goes_to_infra_and_back() {
    let Some(py) = crate::plugin_terraform::terraform_or_skip(
        "a_project_terraform_applied_goes_to_infra_and_back",
    ) else {
        return;
    };
    let tf = crate::plugin_terraform::Terraform::new(py, &[("TF_VAR_greeting", "from-env")]);
    tf.write("main.tf", PROJECT);
    tf.write("terraform.tfvars", "suffix = \"!\"\n");
    tf.expect(&["init", "-input=false"], 0);
    tf.expect(&["apply", "-auto-approve", "-input=false"], 0);
    let applied = tf.read("terraform.tfstate").expect("Terraform's state");

    // infra reads the same files, takes the state over, and plans nothing.
    let dir = tf.work();
    infra_in(&dir, &["init", "-migrate-state"], 0);
    let plan = infra_in(&dir, &["plan", "-detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert_eq!(tf.read("terraform.tfstate").as_deref(), Some(&*applied));

    // infra changes it; Terraform takes the state back and agrees.
    infra_in(&dir, &["apply", "-auto-approve", "-var", "greeting=bye"], 0);
    let pulled = infra_in(&dir, &["state", "pull", "--format", "terraform"], 0);
    tf.write("terraform.tfstate", &pulled.stdout);
    let back = tf.expect(
        &[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-var",
            "greeting=bye",
        ],
        0,
    );
    assert!(back.output.contains("No changes."), "{}", back.output);
    let out = tf.expect(&["output", "-raw", "msg"], 0);
    assert!(out.output.starts_with("bye!"), "{}", out.output);
}

#[test]
fn a_directory_of_tf_files_is_read_with_tfvars_and_tf_var() {
    let w = Workdir::new("");
    std::fs::remove_file(w.path().join("main.infra")).expect("no main.infra");
    w.write("main.tf", PROJECT);
    w.write("terraform.tfvars", "suffix = \"?\"\n");
    w.write(
        "extra.tf.json",
        "{\"output\": {\"j\": {\"value\": \"${var.suffix}\"}}}",
    );
    let applied = infra_in(w.path(), &["apply", "-auto-approve"], 0);
    assert!(
        applied.stdout.contains("msg = \"from-env?\"") && applied.stdout.contains("j = \"?\""),
        "{}",
        applied.stdout
    );
    // Every file is read (the JSON one too): nothing to warn about.
    for cmd in ["init", "validate"] {
        let r = infra_in(w.path(), &[cmd], 0);
        assert!(
            !r.stderr.contains("config::terraform-files-ignored"),
            "{cmd}: {}",
            r.stderr
        );
    }

    // With a .infra file beside them, the .tf files are not read.
    w.write("other.infra", "output \"o\" {\n  value = 1\n}\n");
    let init = infra_in(w.path(), &["init"], 0);
    assert!(
        init.stderr.contains("not read: extra.tf.json, main.tf"),
        "{}",
        init.stderr
    );
    let plan = infra_in(w.path(), &["plan"], 0);
    assert!(plan.stdout.contains("to destroy"), "{}", plan.stdout);
}

#[test]
fn required_version_is_checked_against_the_terraform_version_infra_matches() {
    let w = Workdir::new("terraform {\n  required_version = \"~> 1.2.0\"\n}\n");
    let r = w.expect(&["validate"], 1);
    assert!(
        r.stderr.contains("settings::required-version"),
        "{}",
        r.stderr
    );
    w.config("terraform {\n  required_version = \">= 1.5, < 2.0\"\n}\n");
    let r = w.expect(&["validate"], 0);
    assert!(!r.stderr.contains("required_version"), "{}", r.stderr);
}

#[test]
fn a_backend_inside_the_terraform_block_says_where_the_state_lives() {
    let w = Workdir::new(&format!(
        "terraform {{\n  backend \"local\" {{\n    path = \"infra-state.json\"\n  }}\n}}\n\n{APPLIED_CONFIG}"
    ));
    w.write("terraform.tfstate", APPLIED_STATE);
    let init = w.expect(&["init", "-migrate-state"], 0);
    assert!(init.stdout.contains("infra-state.json"), "{}", init.stdout);
    assert!(w.read("infra-state.json").is_some());
    w.expect(&["plan", "--detailed-exitcode"], 0);

    // Terraform's file as the backend's path is never written by infra.
    let w = Workdir::new(&format!(
        "terraform {{\n  backend \"local\" {{\n    path = \"terraform.tfstate\"\n  }}\n}}\n\n{APPLIED_CONFIG}"
    ));
    w.write("terraform.tfstate", APPLIED_STATE);
    let init = w.expect(&["init", "-migrate-state"], 1);
    assert!(init.stderr.contains("state::terraform"), "{}", init.stderr);
    assert_eq!(
        w.read_text("terraform.tfstate").as_deref(),
        Some(APPLIED_STATE)
    );
}

/// The issue's proof with a provider plugin too: Terraform applies a
/// project using infra's `random` provider served to it (`infra provider
/// serve`, through `dev_overrides`), infra takes the state over running
/// the same plugin the same way, plans nothing, and hands it back.
#[test]
fn a_project_with_a_served_provider_goes_to_infra_and_back() {
    let Some(py) = crate::plugin_terraform::terraform_or_skip(
        "a_project_with_a_served_provider_goes_to_infra_and_back",
    ) else {
        return;
    };
    let tf = crate::plugin_terraform::Terraform::new(py, &[]);
    let project = r#"terraform {
  required_providers {
    random = { source = "infra.test/infra/random" }
  }
}

resource "random_id" "r" {
  byte_length = 4
}

resource "terraform_data" "t" {
  input = random_id.r.hex
}

output "hex" {
  value = terraform_data.t.output
}
"#;
    tf.write("main.tf", project);
    tf.expect(&["apply", "-auto-approve", "-input=false"], 0);
    let hex = tf.expect(&["output", "-raw", "hex"], 0).output;
    let dir = tf.work();
    let rc = dir.parent().expect("the setup directory").join("cli.tfrc");
    let infra = |args: &[&str], code: i32| {
        let out = crate::support::infra_bin()
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env_remove("INFRA_WORKSPACE")
            .env_remove("TF_WORKSPACE")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("infra runs");
        let r = crate::support::Run::of(&out);
        assert_eq!(
            r.code, code,
            "infra {args:?} exited {}\n--- stdout\n{}\n--- stderr\n{}",
            r.code, r.stdout, r.stderr
        );
        r
    };
    infra(&["init", "-migrate-state"], 0);
    let plan = infra(&["plan", "-detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    let out = infra(&["output", "-raw", "hex"], 0);
    assert_eq!(out.stdout.trim(), hex.trim().lines().next().unwrap_or(""));
    let pulled = infra(&["state", "pull", "--format", "terraform"], 0);
    tf.write("terraform.tfstate", &pulled.stdout);
    let back = tf.expect(&["plan", "-detailed-exitcode", "-input=false"], 0);
    assert!(back.output.contains("No changes."), "{}", back.output);
}

/// Everything infra accepts from a Terraform project but does not carry
/// out is named, with its place, in one warning, at `init` and
/// `validate` (where a Terraform user starts). Override files are not read (so they declare nothing
/// twice).
#[test]
fn unsupported_constructs_are_named_in_one_warning_with_their_lines() {
    let w = Workdir::new("");
    std::fs::remove_file(w.path().join("main.infra")).expect("no main.infra");
    w.write(
        "main.tf",
        r#"terraform {
  experiments = []
}

resource "terraform_data" "a" {
  input = 1
  provisioner "local-exec" {
    command = "echo hi"
  }
  connection {
    host = "x"
  }
}

output "o" {
  value      = terraform_data.a.input
  depends_on = [terraform_data.a]
}
"#,
    );
    w.write(
        "main_override.tf",
        "resource \"terraform_data\" \"a\" {\n  input = 2\n}\n",
    );
    w.write(
        "extra.tf.json",
        r#"{"provider": {"terraform": {"version": "1.0"}}}"#,
    );
    w.write("tests/a.tftest.hcl", "run \"x\" {}\n");
    for args in [&["init"][..], &["validate"]] {
        let r = w.expect(args, 0);
        // Lines wrapped anywhere (even at a `-`): compare without spaces.
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        let err = squeeze(&crate::support::unwrapped(&r.stderr));
        assert_eq!(
            err.matches("config::unsupported").count(),
            1,
            "{args:?}: {err}"
        );
        for part in [
            "override file main_override.tf (not read)",
            "test file tests/a.tftest.hcl (`terraform test` is not run)",
            "`version` of a provider block (use `required_providers`) at extra.tf.json:1",
            "`experiments` at main.tf:2",
            "`provisioner \"local-exec\"` (not run) at main.tf:7",
            "`connection` at main.tf:10",
            "`depends_on` of an output at main.tf:17",
        ] {
            assert!(err.contains(&squeeze(part)), "{args:?}: {part} in {err}");
        }
    }
    let applied = w.expect(&["apply", "-auto-approve"], 0);
    assert!(applied.stdout.contains("o = 1"), "{}", applied.stdout);
}
