//! `required_providers` and where a provider's executable comes from: a
//! type whose provider is neither built in nor required fails `validate`;
//! a required plugin is found through the `dev_overrides` of the CLI
//! configuration (`TF_CLI_CONFIG_FILE`, `INFRA_CLI_CONFIG_FILE`), or
//! plan says how to install it; the CLI's plugin hook registers what the
//! launcher returns under the provider's local name.

use crate::support::{Run, Workdir, assert_contains, infra};
use std::path::Path;
use std::sync::{Arc, Mutex};

fn validate(w: &Workdir) -> Run {
    infra(&["validate", "--chdir", w.path().to_str().expect("utf-8")])
}

/// `run`'s stderr with the temporary directory `dir` written as `[DIR]`.
fn redacted(run: &Run, dir: &Path) -> String {
    run.stderr.replace(&dir.display().to_string(), "[DIR]")
}

const UNKNOWN_PROVIDERS: &str = r#"data "terraform_remote_state" "a" {
  backend = "local"
}

resource "null_resource" "b" {}

resource "github_repository" "c" {
  name = "x"
}

data "http" "d" {
  url = "https://example.com"
}
"#;

#[test]
fn validate_refuses_types_whose_provider_is_neither_built_in_nor_required() {
    let w = Workdir::new(UNKNOWN_PROVIDERS);
    let run = validate(&w);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr);

    // Required, they pass validate: their schemas come from the plugins.
    w.write(
        "versions.infra",
        "infra {\n  required_providers {\n    null = { source = \"hashicorp/null\" }\n    github = { source = \"integrations/github\", version = \"~> 6.0\" }\n    http = { source = \"hashicorp/http\" }\n  }\n}\n",
    );
    let run = validate(&w);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("`terraform_remote_state`"),
        "{}",
        run.stderr
    );
    for plugin in ["null_resource", "github_repository", "`http`"] {
        assert!(!run.stderr.contains(plugin), "{plugin}: {}", run.stderr);
    }
}

#[test]
fn a_required_builtin_name_keeps_the_builtin_unless_another_source_is_given() {
    let w = Workdir::new(
        "terraform {\n  required_providers {\n    local = { version = \"~> 2.0\" }\n    random = { source = \"infra/random\" }\n  }\n}\n\nresource \"local_file\" \"a\" {\n  filename = \"a.txt\"\n  content  = \"x\"\n}\n\nresource \"random_id\" \"b\" {\n  byte_length = 4\n}\n",
    );
    let run = w
        .command(&["plan"])
        .env_remove("TF_CLI_CONFIG_FILE")
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // `local_file` is still checked against the built-in schema.
    w.config("terraform {\n  required_providers {\n    local = { source = \"infra/local\" }\n  }\n}\n\nresource \"local_file\" \"a\" {\n  filenam = \"a.txt\"\n}\n");
    assert!(validate(&w).stderr.contains("filenam"));
}

/// A working directory whose CLI configuration (`cli.tfrc`, named by
/// `TF_CLI_CONFIG_FILE`) is `tfrc`, with `plugins/` holding an executable
/// `terraform-provider-demo_v1.0.0`.
fn with_cli_config(config: &str, tfrc: &str) -> Workdir {
    let w = Workdir::new(config);
    w.write(
        "cli.tfrc",
        &tfrc.replace("[PLUGINS]", &w.path().join("plugins").display().to_string()),
    );
    w.write(
        "plugins/terraform-provider-demo_v1.0.0",
        "#!/bin/sh\nexit 1\n",
    );
    w
}

fn plan(w: &Workdir) -> Run {
    let out = w
        .command(&["plan"])
        .env("TF_CLI_CONFIG_FILE", w.path().join("cli.tfrc"))
        .env_remove("INFRA_CLI_CONFIG_FILE")
        .env("HOME", w.path())
        .output()
        .expect("runs infra");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const DEMO: &str = "infra {\n  required_providers {\n    demo = {\n      source  = \"example.com/test/demo\"\n      version = \"~> 1.0\"\n    }\n  }\n}\n\nresource \"demo_thing\" \"a\" {}\n";

#[test]
fn plan_says_how_to_install_a_plugin_without_a_dev_override() {
    let w = with_cli_config(
        DEMO,
        "provider_installation {\n  dev_overrides {\n    \"example.com/test/other\" = \"[PLUGINS]\"\n  }\n  filesystem_mirror {\n    path = \"/mirror\"\n  }\n  direct {}\n}\n",
    );
    let run = plan(&w);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(redacted(&run, w.path()));
}

#[test]
fn plan_finds_the_plugin_executable_through_dev_overrides() {
    let w = with_cli_config(
        DEMO,
        "provider_installation {\n  dev_overrides {\n    \"example.com/test/demo\" = \"[PLUGINS]\"\n  }\n  direct {}\n}\n",
    );
    let run = plan(&w);
    // The executable was found; starting it is the plugin client's part.
    let exe = w
        .path()
        .join("plugins")
        .join("terraform-provider-demo_v1.0.0");
    // (The renderer wraps long paths: compare without whitespace.)
    let flat: String = run
        .stderr
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect();
    assert_contains(&flat, &exe.display().to_string());
    assert!(!run.stderr.contains("not installed"), "{}", run.stderr);
}

#[test]
fn a_malformed_cli_configuration_is_reported_with_file_and_line() {
    let w = with_cli_config(
        DEMO,
        "provider_installation {\n  dev_overrides {\n    \"example.com//demo\" = \"[PLUGINS]\"\n  }\n}\n",
    );
    let run = plan(&w);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(redacted(&run, w.path()));
    w.write(
        "cli.tfrc",
        "provider_installation {\n  dev_overrides {\n    \"a/b\" = \n  }\n",
    );
    let run = plan(&w);
    assert!(
        run.stderr.contains("syntax::") && run.stderr.contains("cli.tfrc:4"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_plugin_hook_registers_the_launched_provider_under_its_local_name() {
    let w = with_cli_config(
        "terraform {\n  required_providers {\n    local = {\n      source = \"example.com/test/demo\"\n      version = \">= 1.0, < 2.0\"\n      configuration_aliases = [local.b]\n    }\n  }\n}\n",
        "provider_installation {\n  dev_overrides {\n    \"example.com/test/demo\" = \"[PLUGINS]\"\n  }\n}\n",
    );
    let tfrc = w.path().join("cli.tfrc").display().to_string();
    let env = move |k: &str| (k == "INFRA_CLI_CONFIG_FILE").then(|| tfrc.clone());
    // The double: records the requirement, returns the `random` provider.
    let double = infra_providers::all()
        .get("random")
        .cloned()
        .expect("random is built in");
    let seen = Mutex::new(Vec::new());
    let launch = |req: &infra_engine::plugins::PluginRequirement| {
        seen.lock().expect("lock").push(req.clone());
        Ok(double.clone())
    };
    let providers = infra_cli::commands::providers_with(w.path(), &env, &launch).expect("resolves");
    assert!(Arc::ptr_eq(
        providers.get("local").expect("registered"),
        &double
    ));
    let seen = seen.into_inner().expect("lock");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].local_name, "local");
    assert_eq!(seen[0].source.to_string(), "example.com/test/demo");
    assert_eq!(
        seen[0].version.as_ref().map(ToString::to_string).as_deref(),
        Some(">= 1.0, < 2.0")
    );
    assert_eq!(seen[0].configuration_aliases, ["local.b"]);
    assert_eq!(
        seen[0].executable,
        w.path().join("plugins/terraform-provider-demo_v1.0.0")
    );

    // The launcher's refusal is the command's error.
    let refuse = |_: &infra_engine::plugins::PluginRequirement| {
        Err(infra_lang::Diagnostic::error("provider::error", "no"))
    };
    let tfrc = w.path().join("cli.tfrc").display().to_string();
    let env = move |k: &str| (k == "TF_CLI_CONFIG_FILE").then(|| tfrc.clone());
    let e = infra_cli::commands::providers_with(w.path(), &env, &refuse).expect_err("refused");
    assert_eq!(e[0].message, "no");
}

/// A child module's `configuration_aliases` must be passed by each call
/// in `providers` (Terraform's "Missing required provider
/// configuration"); a key the child does not declare is a warning.
#[test]
fn module_calls_must_pass_the_configuration_aliases_a_module_declares() {
    let w = Workdir::new(
        r#"provider "aws" {
  alias  = "usw2"
  region = "us-west-2"
}

module "missing" {
  source = "./child"
}

module "passed" {
  source = "./child"
  providers = {
    aws.west = aws.usw2
    aws.east = aws.usw2
  }
}
"#,
    );
    w.write(
        "child/main.infra",
        r#"infra {
  required_providers {
    aws = {
      configuration_aliases = [aws.west]
    }
  }
}

output "x" {
  value = 1
}
"#,
    );
    let run = w.run(&["validate", "--json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let got: Vec<(String, String, u64)> = json
        .as_array()
        .expect("an array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["severity"].as_str().unwrap_or("").to_string(),
                d["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("provider::missing-alias".into(), "error".into(), 6),
            ("provider::undeclared-passed".into(), "warning".into(), 14),
        ],
        "{json:#}"
    );
    // Plan refuses the missing configuration too.
    let plan = w.run(&["plan", "--no-color"]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    assert_contains(&plan.stderr, "provider::missing-alias");
}

/// A module call's `providers` map decides the configuration its child's
/// resources use: the passed one for each key (default or aliased), the
/// caller's default otherwise, as in Terraform. State records it.
#[test]
fn module_calls_pass_provider_configurations_to_their_children() {
    let w = Workdir::new(
        r#"provider "random" {
  alias = "two"
}

module "a" {
  source = "./child"
  providers = {
    random   = random.two
    random.x = random.two
  }
}

module "b" {
  source = "./child"
  providers = {
    random.x = random
  }
}
"#,
    );
    w.write(
        "child/main.infra",
        r#"infra {
  required_providers {
    random = {
      configuration_aliases = [random.x]
    }
  }
}

resource "random_id" "d" {
  byte_length = 2
}

resource "random_id" "x" {
  provider    = random.x
  byte_length = 2
}

module "grandchild" {
  source = "./grandchild"
}
"#,
    );
    w.write(
        "child/grandchild/main.infra",
        r#"resource "random_id" "g" {
  byte_length = 2
}
"#,
    );
    let run = w.run(&["apply", "--auto-approve", "--no-color"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let state: serde_json::Value =
        serde_json::from_str(&w.read_text(".infra/state.json").expect("state written"))
            .expect("state JSON");
    let mut got: Vec<(String, String)> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            (
                format!(
                    "{}.{}",
                    r["module"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap_or("")
                ),
                r["provider"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let want = [
        ("module.a.d", "random.two"),
        ("module.a.module.grandchild.g", "random.two"),
        ("module.a.x", "random.two"),
        ("module.b.d", "random"),
        ("module.b.module.grandchild.g", "random"),
        ("module.b.x", "random"),
    ];
    assert_eq!(
        got,
        want.map(|(a, p)| (a.to_string(), p.to_string())),
        "{state:#}"
    );
}

/// What a `providers` map or a child module cannot do is an error, never
/// silently ignored: a value that is not a configuration, an alias the
/// caller does not have, an alias a child uses without being given it,
/// and a `provider` block that configures something in a child module.
#[test]
fn provider_configurations_a_module_call_cannot_pass_are_errors() {
    let w = Workdir::new(
        r#"module "bad" {
  source = "./child"
  providers = {
    random = "random"
  }
}
"#,
    );
    w.write("child/main.infra", "output \"x\" {\n  value = 1\n}\n");
    let run = w.run(&["validate", "--no-color"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_contains(&run.stderr, "module::invalid-providers");

    w.write(
        "main.infra",
        "module \"m\" {\n  source = \"./child\"\n  providers = {\n    random = random.nope\n  }\n}\n",
    );
    let run = w.run(&["validate", "--no-color"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_contains(&run.stderr, "provider::undeclared-configuration");
    assert_contains(&run.stderr, "random.nope");

    w.write("main.infra", "module \"m\" {\n  source = \"./child\"\n}\n");
    w.write(
        "child/main.infra",
        "resource \"random_id\" \"y\" {\n  provider    = random.y\n  byte_length = 2\n}\n",
    );
    let run = w.run(&["plan", "--no-color"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_contains(&run.stderr, "provider::not-passed");
    assert_contains(&run.stderr, "random.y");

    w.write(
        "child/main.infra",
        "provider \"random\" {\n  alias = \"proxy\"\n}\n\nprovider \"local\" {\n  foo = 1\n}\n",
    );
    let run = w.run(&["plan", "--no-color"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_contains(&run.stderr, "provider::in-child-module");
    assert_contains(&run.stderr, "provider `local`");
    assert!(!run.stderr.contains("provider `random`"), "{}", run.stderr);
}
