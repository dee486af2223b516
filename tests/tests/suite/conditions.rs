//! Custom conditions and `check` blocks end to end through the CLI, with
//! Terraform 1.15.5's semantics: a false `precondition` fails the plan
//! with its `error_message` and the values it refers to; one unknown at
//! plan is checked at apply, before the change; a `postcondition` sees the
//! planned object as `self`, else the applied one, which stays in state
//! when it fails; an output's `precondition` fails plan and apply; a
//! failing `check` assertion (or a data source scoped to a check) is a
//! warning in plan, `plan --json` and apply, and the exit code stays 0.

use crate::support::{Workdir, assert_contains};

/// `random_integer.n` is 1, but only known after apply.
const UNKNOWN_ONE: &str = r#"
resource "random_integer" "n" {
  min = 1
  max = 1
}
"#;

#[test]
fn a_false_precondition_fails_the_plan_with_its_message_and_the_values() {
    let w = Workdir::new(
        r#"
variable "env" {
  default = "dev"
}

resource "infra_data" "a" {
  input = var.env
  lifecycle {
    precondition {
      condition     = var.env == "prod"
      error_message = "only prod, not ${var.env}"
    }
  }
}

resource "infra_data" "after" {
  input = infra_data.a.output
}
"#,
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    insta::assert_snapshot!("precondition_failed", r.stderr);
    assert!(!r.stdout.contains("will be created"), "{}", r.stdout);
    // Passes once the input satisfies it; nothing was created meanwhile.
    w.expect(&["plan", "--no-color", "-var", "env=prod"], 0);
    assert!(w.read(".infra/state.json").is_none());
}

#[test]
fn a_precondition_unknown_at_plan_is_checked_at_apply_before_the_change() {
    let w = Workdir::new(&format!(
        r#"{UNKNOWN_ONE}
resource "local_file" "f" {{
  filename = "out/f.txt"
  content  = "x"
  lifecycle {{
    precondition {{
      condition     = random_integer.n.result == 2
      error_message = "n is ${{random_integer.n.result}}, not 2"
    }}
  }}
}}
"#
    ));
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&plan.stdout, "local_file.f will be created");
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(
        &r.stderr,
        "precondition of `local_file.f` failed: n is 1, not 2",
    );
    assert_contains(&r.stderr, "`random_integer.n.result` is 1");
    // The change never started: no file, not in state.
    assert!(w.read("out/f.txt").is_none());
    assert_eq!(w.state_list(), vec!["random_integer.n"]);
}

#[test]
fn a_postcondition_checks_the_planned_object_as_self() {
    let w = Workdir::new(
        r#"
resource "infra_data" "b" {
  input = "y"
  lifecycle {
    postcondition {
      condition     = self.output == "z"
      error_message = "the output is ${self.output}"
    }
  }
}
"#,
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    insta::assert_snapshot!("postcondition_failed", r.stderr);
}

#[test]
fn a_postcondition_failing_at_apply_keeps_the_object_in_state_and_fails() {
    let w = Workdir::new(
        r#"
resource "random_integer" "n" {
  min = 1
  max = 1
  lifecycle {
    postcondition {
      condition     = self.result == 2
      error_message = "got ${self.result}"
    }
  }
}

resource "infra_data" "after" {
  input = random_integer.n.result
}
"#,
    );
    // Unknown at plan: the plan passes.
    w.expect(&["plan", "--no-color"], 0);
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(
        &r.stderr,
        "postcondition of `random_integer.n` failed: got 1",
    );
    assert_contains(&r.stdout, "1 failed, 1 skipped");
    // Recorded all the same, as Terraform does; its dependent did not run.
    assert_eq!(w.state_list(), vec!["random_integer.n"]);
    // Now known: the next plan fails on it.
    let again = w.expect(&["plan", "--no-color"], 1);
    assert_contains(
        &again.stderr,
        "postcondition of `random_integer.n` failed: got 1",
    );
}

#[test]
fn a_data_source_postcondition_is_checked_after_the_read() {
    let w = Workdir::new(
        r#"
data "local_file" "motd" {
  filename = "motd.txt"
  lifecycle {
    postcondition {
      condition     = startswith(self.content, "hello")
      error_message = "the motd does not greet"
    }
  }
}
"#,
    );
    w.write("motd.txt", "bye");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(
        &r.stderr,
        "postcondition of `data.local_file.motd` failed: the motd does not greet",
    );
    w.write("motd.txt", "hello there");
    w.expect(&["plan", "--no-color"], 0);
}

#[test]
fn conditions_see_count_and_each_of_their_instance() {
    let w = Workdir::new(
        r#"
variable "names" {
  type    = list(string)
  default = ["a", "bb"]
}

resource "infra_data" "c" {
  count = 2
  input = count.index
  lifecycle {
    precondition {
      condition     = count.index < 2
      error_message = "too many"
    }
    postcondition {
      condition     = self.output == count.index
      error_message = "output ${self.output} is not ${count.index}"
    }
  }
}

resource "infra_data" "e" {
  for_each = toset(var.names)
  input    = each.key
  lifecycle {
    precondition {
      condition     = length(each.key) == 1
      error_message = "`${each.key}` is longer than one letter"
    }
  }
}
"#,
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(
        &r.stderr,
        "precondition of `infra_data.e[\"bb\"]` failed: `bb` is longer than one letter",
    );
    assert!(!r.stderr.contains("infra_data.c"), "{}", r.stderr);
    assert!(!r.stderr.contains("infra_data.e[\"a\"]"), "{}", r.stderr);
    w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "-var",
            "names=[\"a\"]",
        ],
        0,
    );
}

#[test]
fn an_output_precondition_fails_plan_and_apply() {
    let w = Workdir::new(&format!(
        r#"{UNKNOWN_ONE}
variable "env" {{
  default = "dev"
}}

output "env" {{
  value = var.env
  precondition {{
    condition     = var.env != "dev"
    error_message = "set env"
  }}
}}

output "n" {{
  value = random_integer.n.result
  precondition {{
    condition     = random_integer.n.result > 5
    error_message = "n is too small"
  }}
}}
"#
    ));
    let r = w.expect(&["plan", "--no-color"], 1);
    insta::assert_snapshot!("output_precondition_failed", r.stderr);
    // `n` is unknown at plan: it fails at apply, after the resource.
    let r = w.expect(
        &["apply", "--auto-approve", "--no-color", "-var", "env=prod"],
        1,
    );
    assert_contains(
        &r.stderr,
        "precondition of output `n` failed: n is too small",
    );
    assert_eq!(w.state_list(), vec!["random_integer.n"]);
}

const CHECKED: &str = r#"
resource "infra_data" "settings" {
  input = { versioning = false }
}

check "versioned" {
  assert {
    condition     = infra_data.settings.output.versioning
    error_message = "versioning is off"
  }
}
"#;

#[test]
fn a_failing_check_is_a_warning_in_plan_and_apply() {
    let w = Workdir::new(CHECKED);
    let plan = w.expect(&["plan", "--no-color"], 0);
    insta::assert_snapshot!(
        "check_warning",
        crate::support::without_elapsed(&plan.stderr)
    );
    assert_contains(&plan.stdout, "Plan: 1 to add");
    let json = w.expect(&["plan", "--json"], 0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}):\n{}", json.stdout));
    assert_eq!(
        doc["checks"],
        serde_json::json!([
            { "address": "check.versioned", "status": "fail", "message": "versioning is off" }
        ])
    );
    let apply = w.apply();
    assert_contains(
        &apply.stderr,
        "assertion of `check.versioned` failed: versioning is off",
    );
    assert_eq!(w.state_list(), vec!["infra_data.settings"]);
}

#[test]
fn a_check_unknown_at_plan_is_decided_at_apply() {
    let w = Workdir::new(&format!(
        r#"{UNKNOWN_ONE}
check "small" {{
  assert {{
    condition     = random_integer.n.result > 1
    error_message = "n is only ${{random_integer.n.result}}"
  }}
}}
"#
    ));
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert_contains(
        &plan.stderr,
        "assertion of `check.small` is known only after apply",
    );
    assert!(!plan.stderr.contains("failed"), "{}", plan.stderr);
    let apply = w.apply();
    assert_contains(
        &apply.stderr,
        "assertion of `check.small` failed: n is only 1",
    );
}

#[test]
fn a_data_source_scoped_to_a_check_is_read_during_plan_and_fails_as_a_warning() {
    let w = Workdir::new(
        r#"
check "motd" {
  data "local_file" "motd" {
    filename = "motd.txt"
  }
  assert {
    condition     = data.local_file.motd.content == "hello"
    error_message = "the motd says ${data.local_file.motd.content}"
  }
}

resource "infra_data" "x" {
  input = 1
}
"#,
    );
    // Missing: the read fails, as a warning; the plan goes on.
    let r = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&r.stderr, "cannot read `motd.txt`");
    assert_contains(&r.stderr, "⚠");
    assert_contains(&r.stdout, "Plan: 1 to add");
    // Read during plan: the assertion sees its content.
    w.write("motd.txt", "bye");
    let r = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&r.stderr, "the motd says bye");
    w.write("motd.txt", "hello");
    let r = w.expect(&["plan", "--no-color"], 0);
    assert!(!r.stderr.contains("motd"), "{}", r.stderr);
}

#[test]
fn invalid_conditions_are_validate_errors() {
    let w = Workdir::new(
        r#"
resource "infra_data" "a" {
  input = "x"
  lifecycle {
    precondition {
      condition     = self.input == "x"
      error_message = "m"
    }
    postcondition {
      condition     = 1 == 1
      error_message = "m"
    }
    postcondition {
      condition = "yes"
    }
  }
}
"#,
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    insta::assert_snapshot!("invalid_conditions", r.stderr);
}

#[test]
fn a_saved_plan_checks_conditions_at_apply_too() {
    let w = Workdir::new(&format!(
        r#"{UNKNOWN_ONE}
resource "infra_data" "b" {{
  input = random_integer.n.result
  lifecycle {{
    postcondition {{
      condition     = self.output == 2
      error_message = "b got ${{self.output}}"
    }}
  }}
}}
"#
    ));
    w.expect(&["plan", "--no-color", "-out", "p.plan"], 0);
    let r = w.expect(&["apply", "--no-color", "p.plan"], 1);
    assert_contains(&r.stderr, "postcondition of `infra_data.b` failed: b got 1");
    assert_eq!(w.state_list(), vec!["infra_data.b", "random_integer.n"]);
}

#[test]
fn conditions_in_a_child_module_are_checked_there() {
    let w = Workdir::new(
        r#"
module "site" {
  source = "./site"
  env    = "dev"
}
"#,
    );
    w.write(
        "site/main.infra",
        r#"
variable "env" {}

resource "infra_data" "page" {
  input = var.env
  lifecycle {
    precondition {
      condition     = var.env == "prod"
      error_message = "the site runs in prod only"
    }
  }
}
"#,
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(
        &r.stderr,
        "precondition of `module.site.infra_data.page` failed: the site runs in prod only",
    );
    assert_contains(&r.stderr, "`var.env` is \"dev\"");
}
