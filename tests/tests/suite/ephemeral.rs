//! Ephemeral variables and write-only attributes (issue 22 item 2): an
//! ephemeral value works in a provider block, a local value and a
//! write-only attribute, and is in no file of the working directory nor
//! in the output; used where it would be saved it is
//! `ephemeral::persisted`; a saved plan withholds it and apply takes it
//! again.

use crate::support::{Run, Workdir, assert_contains};
use std::path::Path;

/// The ephemeral value the tests give; no file may hold it.
const TOKEN: &str = "tok-EPHEMERAL-4711";

/// An ephemeral variable used only where it is not persisted.
const ALLOWED: &str = r#"
variable "token" {
  type      = string
  ephemeral = true
}

provider "aws" {
  region     = "us-east-1"
  access_key = var.token
  secret_key = "not-a-secret"
}

locals {
  header = "Bearer ${var.token}"
}

resource "torture_all" "a" {
  name        = "one"
  password_wo = local.header

  rule {
    port = 80
  }
}

output "id" {
  value = torture_all.a.id
}
"#;

/// Every file under `dir` whose bytes contain `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p)
                .expect("read")
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
            {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

fn assert_not_shown(r: &Run) {
    assert!(
        !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
        "the ephemeral value is shown:\n{}\n{}",
        r.stdout,
        r.stderr
    );
}

fn var() -> String {
    format!("token={TOKEN}")
}

#[test]
fn ephemeral_values_are_used_and_never_saved() {
    let w = Workdir::new(ALLOWED);
    assert_not_shown(&w.expect(&["validate", "--no-color"], 0));
    let r = w.expect(
        &["apply", "--auto-approve", "--no-color", "-var", &var()],
        0,
    );
    assert_not_shown(&r);
    assert_eq!(
        w.attributes("torture_all.a")["password_wo"],
        serde_json::Value::Null
    );
    let r = w.expect(&["plan", "--no-color", "-var", &var(), "-out", "tfplan"], 0);
    assert_not_shown(&r);
    assert!(w.read("tfplan").is_some(), "the plan is saved");
    assert_eq!(files_holding(w.path(), TOKEN), Vec::<String>::new());
}

#[test]
fn a_saved_plan_takes_ephemeral_values_again_at_apply() {
    let w = Workdir::new(ALLOWED);
    w.expect(&["plan", "--no-color", "-var", &var(), "-out", "tfplan"], 0);
    assert_eq!(files_holding(w.path(), TOKEN), Vec::<String>::new());
    let r = w.expect(&["apply", "--no-color", "tfplan"], 1);
    assert_contains(&r.stderr, "ephemeral::missing-at-apply");
    assert_contains(
        &r.stderr,
        "the ephemeral variable `token` was set when the plan was made",
    );
    assert!(w.state_list().is_empty(), "nothing applied");
    let r = w.expect(&["apply", "--no-color", "-var", &var(), "tfplan"], 0);
    assert_not_shown(&r);
    assert_eq!(w.state_list(), ["torture_all.a"]);
    assert_eq!(files_holding(w.path(), TOKEN), Vec::<String>::new());
}

#[test]
fn ephemeral_values_from_the_environment_are_taken_again_too() {
    let w = Workdir::new(ALLOWED);
    let run = |args: &[&str]| {
        let out = w
            .command(args)
            .env("INFRA_VAR_token", TOKEN)
            .output()
            .expect("runs");
        Run::of(&out)
    };
    assert_eq!(run(&["plan", "--no-color", "-out", "tfplan"]).code, 0);
    assert_eq!(files_holding(w.path(), TOKEN), Vec::<String>::new());
    let r = run(&["apply", "--no-color", "tfplan"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_not_shown(&r);
    assert_eq!(files_holding(w.path(), TOKEN), Vec::<String>::new());
}

#[test]
fn ephemeral_values_where_they_would_be_saved_are_errors() {
    let w = Workdir::new(
        r#"
variable "token" {
  type      = string
  ephemeral = true
}

locals {
  derived = upper(var.token)
}

resource "torture_all" "a" {
  name  = local.derived
  count = length(var.token) > 0 ? 1 : 0

  rule {
    port = 80
  }
}

output "leak" {
  value = var.token
}

output "marked" {
  value     = "x"
  ephemeral = true
}
"#,
    );
    let validate = w.expect(&["validate", "--no-color"], 1);
    let plan = w.expect(&["plan", "--no-color", "-var", &var()], 1);
    assert_not_shown(&plan);
    assert!(
        validate.stderr.starts_with(&plan.stderr),
        "validate and plan agree:\n{}",
        validate.stderr
    );
    insta::assert_snapshot!("ephemeral_persisted", plan.stderr);
}

#[test]
fn a_saved_plan_holds_write_only_values_as_null() {
    let w = Workdir::new(crate::torture::TORTURE);
    w.expect(&["plan", "--no-color", "-out", "tfplan"], 0);
    let saved = w.read_text("tfplan").expect("the plan is saved");
    assert!(
        !saved.contains("hunter2-value"),
        "write-only value saved:\n{saved}"
    );
    w.expect(&["apply", "--no-color", "tfplan"], 0);
    // Only the configuration, and the copy of its text that `infra
    // rollback RUN` keeps of each successful apply (docs/rollback.md).
    let holding = files_holding(w.path(), "hunter2-value");
    assert_eq!(holding.len(), 2, "only the configuration: {holding:?}");
    assert!(
        holding.iter().any(|h| h.ends_with("main.infra"))
            && holding.iter().any(|h| h.contains("state.json.snapshots/")),
        "{holding:?}"
    );
    assert_eq!(
        w.attributes("torture_all.a")["password_wo"],
        serde_json::Value::Null
    );
}

/// A child module with an ephemeral variable and an ephemeral output.
const CHILD: &str = r#"
variable "token" {
  type      = string
  ephemeral = true
}

variable "plain" {
  type    = string
  default = ""
}

output "header" {
  value     = "Bearer ${var.token}"
  ephemeral = true
}
"#;

#[test]
fn child_modules_take_and_return_ephemeral_values() {
    let w = Workdir::new(
        r#"
variable "token" {
  type      = string
  ephemeral = true
}

module "c" {
  source = "./child"
  token  = var.token
}

resource "torture_all" "a" {
  name        = "one"
  password_wo = module.c.header

  rule {
    port = 80
  }
}
"#,
    );
    w.write("child/main.infra", CHILD);
    let r = w.expect(
        &["apply", "--auto-approve", "--no-color", "-var", &var()],
        0,
    );
    assert_not_shown(&r);
    assert_eq!(files_holding(w.path(), TOKEN), Vec::<String>::new());

    w.config(
        r#"
variable "token" {
  type      = string
  ephemeral = true
}

module "c" {
  source = "./child"
  token  = var.token
  plain  = var.token
}

resource "torture_all" "a" {
  name = module.c.header

  rule {
    port = 80
  }
}
"#,
    );
    let plan = w.expect(&["plan", "--no-color", "-var", &var()], 1);
    assert_not_shown(&plan);
    insta::assert_snapshot!("ephemeral_through_modules", plan.stderr);
}

#[test]
fn ephemeral_outputs_of_module_instances_are_followed_too() {
    // `module.c[0].header` and `module.c[*].header` (a module with
    // `count`), and the whole `module.c[0]` object, carry the ephemeral
    // output just as `module.c.header` does.
    for used in ["module.c[0].header", "module.c[*].header[0]", "module.c[0]"] {
        let w = Workdir::new(&format!(
            r#"
variable "token" {{
  type      = string
  ephemeral = true
}}

module "c" {{
  source = "./child"
  count  = 1
  token  = var.token
}}

resource "infra_data" "a" {{
  input = {used}
}}
"#
        ));
        w.write("child/main.infra", CHILD);
        let r = w.expect(&["plan", "--no-color", "-var", &var()], 1);
        assert_not_shown(&r);
        assert_contains(&r.stderr, "ephemeral::persisted");
        assert!(w.state_list().is_empty(), "{used}");
    }
}

#[test]
fn a_child_module_may_not_persist_its_own_ephemeral_variable() {
    // The child's resource argument takes the ephemeral variable it was
    // given: refused as the root module's would be, nothing applied.
    let w = Workdir::new(
        r#"
variable "token" {
  type      = string
  ephemeral = true
}

module "c" {
  source = "./child"
  token  = var.token
}
"#,
    );
    w.write(
        "child/main.infra",
        r#"
variable "token" {
  type      = string
  ephemeral = true
}

locals {
  header = "Bearer ${var.token}"
}

resource "infra_data" "leak" {
  input = local.header
}

output "plain" {
  value = var.token
}
"#,
    );
    let r = w.expect(
        &["apply", "--auto-approve", "--no-color", "-var", &var()],
        1,
    );
    assert_not_shown(&r);
    assert_eq!(
        r.stderr.matches("ephemeral::persisted").count(),
        2,
        "{}",
        r.stderr
    );
    assert!(w.state_list().is_empty());
    assert_eq!(files_holding(w.path(), TOKEN), Vec::<String>::new());
}
