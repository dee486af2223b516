//! Workspaces end to end (issue 21): `infra workspace list|show|new|
//! select|delete` with Terraform's rules, one state per workspace (the
//! prod plan no longer destroys dev), `terraform.workspace` in names,
//! `INFRA_WORKSPACE`/`TF_WORKSPACE`, the workspace named in plans (human
//! when not `default`, Markdown, JSON), drift and locks, a saved plan
//! refused in another workspace; and consts/variables on `output`,
//! `state` and `validate`. S3 workspaces are in `state_s3.rs`.

use crate::support::{Run, Workdir, assert_contains, unwrapped};

const CONFIG: &str = r#"
variable "size" {
  type = number
}

resource "local_file" "page" {
  filename = "out/${terraform.workspace}/page.txt"
  content  = "size ${var.size} in ${infra.workspace}"
}

resource "infra_data" "id" {
  input = "${terraform.workspace}-${var.size}"
}

output "where" {
  value = local_file.page.filename
}
"#;

fn env_workdir() -> Workdir {
    let w = Workdir::new(CONFIG);
    w.write("dev.infravars", "size = 1\n");
    w.write("prod.infravars", "size = 3\n");
    w
}

/// `infra ARGS` with `VAR=VALUE` in the environment.
fn run_env(w: &Workdir, env: (&str, &str), args: &[&str]) -> Run {
    let out = w
        .command(args)
        .env(env.0, env.1)
        .output()
        .unwrap_or_else(|e| panic!("cannot run infra {args:?}: {e}"));
    Run::of(&out)
}

#[test]
fn two_workspaces_keep_separate_states() {
    let w = env_workdir();
    let r = w.expect(&["workspace", "new", "dev"], 0);
    assert_contains(&r.stdout, "Created and switched to workspace \"dev\"!");
    w.expect(
        &["apply", "--auto-approve", "--var-file", "dev.infravars"],
        0,
    );
    assert_eq!(
        w.read_text("out/dev/page.txt").as_deref(),
        Some("size 1 in dev")
    );
    w.expect(&["workspace", "new", "prod"], 0);
    // The prod plan only adds: dev's objects are in dev's state.
    let plan = w.expect(&["plan", "--var-file", "prod.infravars", "--no-color"], 0);
    assert_contains(&plan.stdout, "Workspace: prod");
    assert_contains(&plan.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");
    w.expect(
        &["apply", "--auto-approve", "--var-file", "prod.infravars"],
        0,
    );
    assert_eq!(
        w.read_text("out/prod/page.txt").as_deref(),
        Some("size 3 in prod")
    );
    assert!(w.read(".infra/state.d/dev/state.json").is_some());
    assert!(w.read(".infra/state.d/prod/state.json").is_some());
    assert!(
        w.read(".infra/state.json").is_none(),
        "default was never applied"
    );
    assert_eq!(
        w.expect(&["output", "--raw", "where"], 0).stdout,
        "out/prod/page.txt"
    );
    w.expect(&["workspace", "select", "dev"], 0);
    assert_eq!(
        w.read_text(".infra/environment").as_deref(),
        Some("dev"),
        "the selection is kept in the working directory"
    );
    let plan = w.expect(
        &[
            "plan",
            "--var-file",
            "dev.infravars",
            "--detailed-exitcode",
            "--no-color",
        ],
        0,
    );
    assert_contains(&plan.stdout, "No changes.");
    assert_eq!(
        w.expect(&["output", "--raw", "where"], 0).stdout,
        "out/dev/page.txt"
    );
    assert_eq!(
        w.expect(&["eval", "terraform.workspace"], 0).stdout.trim(),
        "\"dev\""
    );
    // INFRA_WORKSPACE overrides the selection for one command.
    let out = run_env(
        &w,
        ("INFRA_WORKSPACE", "prod"),
        &["output", "--raw", "where"],
    );
    assert_eq!(out.stdout, "out/prod/page.txt");
    let out = run_env(&w, ("TF_WORKSPACE", "prod"), &["state", "list"]);
    assert_eq!(out.stdout, "infra_data.id\nlocal_file.page\n");
}

#[test]
fn list_show_select_and_delete_follow_terraform_rules() {
    let w = env_workdir();
    assert_eq!(w.expect(&["workspace", "list"], 0).stdout, "* default\n");
    assert_eq!(w.expect(&["workspace", "show"], 0).stdout, "default\n");
    let bad = w.expect(&["workspace", "new", "a/b"], 1);
    assert_contains(&bad.stderr, "workspace::invalid-name");
    w.expect(&["workspace", "new", "dev"], 0);
    let again = w.expect(&["workspace", "new", "dev"], 1);
    assert_contains(&again.stderr, "workspace \"dev\" already exists");
    let missing = w.expect(&["workspace", "select", "nope"], 1);
    assert_contains(&missing.stderr, "workspace::not-found");
    let created = w.expect(&["workspace", "select", "-or-create", "stage"], 0);
    assert_contains(
        &created.stdout,
        "Created and switched to workspace \"stage\"!",
    );
    assert_eq!(
        w.expect(&["workspace", "list"], 0).stdout,
        "  default\n  dev\n* stage\n"
    );
    let switched = w.expect(&["workspace", "select", "dev"], 0);
    assert_eq!(switched.stdout, "Switched to workspace \"dev\".\n");
    // The environment overrides, and then select/new are refused.
    let shown = run_env(&w, ("INFRA_WORKSPACE", "stage"), &["workspace", "show"]);
    assert_eq!(shown.stdout, "stage\n");
    let refused = run_env(
        &w,
        ("TF_WORKSPACE", "stage"),
        &["workspace", "select", "default"],
    );
    assert_eq!(refused.code, 1);
    assert_contains(&refused.stderr, "workspace::overridden");
    assert_contains(&refused.stderr, "TF_WORKSPACE");
    let invalid = run_env(&w, ("INFRA_WORKSPACE", "../x"), &["plan"]);
    assert_eq!(invalid.code, 1);
    assert_contains(&invalid.stderr, "workspace::invalid-name");
    // Delete: not the active one, never default, not a non-empty one
    // without --force.
    let active = w.expect(&["workspace", "delete", "dev"], 1);
    assert_contains(&active.stderr, "workspace::active");
    let default = w.expect(&["workspace", "delete", "default"], 1);
    assert_contains(&default.stderr, "the default workspace cannot be deleted");
    w.expect(
        &["apply", "--auto-approve", "--var-file", "dev.infravars"],
        0,
    );
    w.expect(&["workspace", "select", "default"], 0);
    let full = w.expect(&["workspace", "delete", "dev"], 1);
    assert_contains(&full.stderr, "workspace::not-empty");
    assert_contains(&full.stderr, "- local_file.page");
    assert!(w.read(".infra/state.d/dev/state.json").is_some());
    let forced = w.expect(&["workspace", "delete", "-force", "dev"], 0);
    assert_contains(&forced.stdout, "Deleted workspace \"dev\"!");
    assert_contains(&forced.stdout, "WARNING: \"dev\" was non-empty.");
    assert!(w.read(".infra/state.d/dev/state.json").is_none());
    w.expect(&["workspace", "delete", "stage"], 0);
    assert_eq!(w.expect(&["workspace", "list"], 0).stdout, "* default\n");
}

#[test]
fn plans_and_drift_name_the_workspace() {
    let w = env_workdir();
    let plain = w.expect(&["plan", "--var", "size=2", "--no-color"], 0);
    assert!(
        !plain.stdout.contains("Workspace:"),
        "default is not named in human output:\n{}",
        plain.stdout
    );
    let json = w.expect(&["plan", "--var", "size=2", "--json"], 0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    assert_eq!(doc["workspace"], "default");
    w.expect(&["workspace", "new", "stage"], 0);
    let json = w.expect(&["plan", "--var", "size=2", "--json"], 0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    assert_eq!(doc["workspace"], "stage");
    let md = w.expect(&["plan", "--var", "size=2", "--format", "markdown"], 0);
    assert!(
        md.stdout.starts_with("## infra plan — workspace `stage`"),
        "{}",
        md.stdout
    );
    w.expect(&["apply", "--auto-approve", "--var", "size=2"], 0);
    let drift = w.expect(&["drift", "--var", "size=2", "--json"], 0);
    let doc: serde_json::Value = serde_json::from_str(&drift.stdout).expect("drift JSON");
    assert_eq!(doc["workspace"], "stage");
    let md = w.expect(&["drift", "--var", "size=2", "--format", "markdown"], 0);
    assert_contains(&md.stdout, "## infra drift report — workspace `stage`");
    let human = w.expect(&["drift", "--var", "size=2"], 0);
    assert_contains(&human.stdout, "Workspace: stage");
}

#[test]
fn a_saved_plan_applies_only_in_its_workspace() {
    let w = env_workdir();
    w.expect(&["workspace", "new", "dev"], 0);
    w.expect(&["plan", "--var", "size=1", "-out", "dev.plan"], 0);
    w.expect(&["workspace", "select", "default"], 0);
    let r = w.expect(&["apply", "dev.plan"], 1);
    assert_contains(&r.stderr, "plan::wrong-workspace");
    assert_contains(&unwrapped(&r.stderr), "infra workspace select dev");
    assert!(w.read(".infra/state.json").is_none());
    let ok = run_env(&w, ("INFRA_WORKSPACE", "dev"), &["apply", "dev.plan"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(w.read(".infra/state.d/dev/state.json").is_some());
}

const CONST_BACKEND: &str = r#"
const "env" {}

backend "local" {
  path = "state/${const.env}.json"
}

resource "infra_data" "a" {
  input = const.env
}

output "env" {
  value = infra_data.a.output
}
"#;

#[test]
fn output_state_and_validate_take_consts() {
    let w = Workdir::new(CONST_BACKEND);
    // validate checks everything else without the const...
    let v = w.expect(&["validate"], 0);
    assert_contains(&v.stdout, "Success!");
    w.expect(&["validate", "--const", "env=prod"], 0);
    // ...the commands that open the state need it.
    let r = w.expect(&["output"], 1);
    assert_contains(&r.stderr, "const::missing-value");
    w.expect(&["apply", "--auto-approve", "--const", "env=prod"], 0);
    assert!(w.read("state/prod.json").is_some());
    assert_eq!(
        w.expect(&["output", "--raw", "env", "--const", "env=prod"], 0)
            .stdout,
        "prod"
    );
    assert_eq!(
        w.expect(&["state", "list", "--const", "env=prod"], 0)
            .stdout,
        "infra_data.a\n"
    );
    assert_contains(
        &w.expect(&["state", "show", "infra_data.a", "--const", "env=prod"], 0)
            .stdout,
        "\"prod\"",
    );
    let pulled: serde_json::Value = serde_json::from_str(
        &w.expect(&["state", "pull", "--const", "env=prod"], 0)
            .stdout,
    )
    .expect("state JSON");
    assert_eq!(pulled["serial"], 1);
    w.expect(
        &[
            "state",
            "mv",
            "infra_data.a",
            "infra_data.b",
            "--const",
            "env=prod",
        ],
        0,
    );
    w.expect(&["state", "rm", "infra_data.b", "--const", "env=prod"], 0);
    assert_eq!(
        w.expect(&["state", "list", "--const", "env=prod"], 0)
            .stdout,
        ""
    );
    // A malformed input is reported, not ignored.
    let bad = w.expect(&["state", "list", "--const", "env"], 1);
    assert_contains(&bad.stderr, "input::malformed");
    let graph = w.expect(&["graph", "--const", "env=prod"], 0);
    assert_contains(&graph.stdout, "infra_data.a");
}
