//! The `torture` provider's `torture_all` (every nesting mode of blocks
//! and nested attributes, dynamic, sensitive, write-only attributes,
//! private data, schema version 1) in-process: blocks written as blocks
//! (`setting "KEY" { }` for a map block), sensitive values redacted where
//! they are nested and listed by path in state, computed values inside
//! blocks kept by the proposal, a stable state, and state stored by
//! schema version 0 upgraded. `plugin_client.rs` and `plugin_terraform.rs`
//! drive the same configuration through the plugin protocol.

use crate::support::{Workdir, assert_contains};

/// One object using every part of the schema.
pub const TORTURE: &str = r#"
resource "torture_all" "a" {
  name        = "one"
  secret      = "s3cret-value"
  password_wo = "hunter2-value"
  anything    = { list = [1, 2], text = "x" }
  endpoint = {
    host  = "example.com"
    token = "tok-value"
  }
  ports   = [{ number = 80 }, { number = 443 }]
  members = [{ user = "ann", admin = true }, { user = "bob" }]
  env     = { a = { value = "1" } }

  single {
    mode  = "fast"
    token = "blocktoken-value"
  }

  group {
    flag = true
  }

  rule {
    port = 80
  }

  rule {
    port = 443
    note = "tls"
  }

  tag {
    key   = "k1"
    value = "v1"
  }

  tag {
    key = "k2"
  }

  setting "alpha" {
    value = "a"
  }

  setting "beta" {
    value = "b"
  }
}
"#;

/// `TORTURE` changed: a third tag, another `beta` value, a note on the
/// first rule.
pub fn changed() -> String {
    TORTURE
        .replace(
            "  tag {\n    key = \"k2\"\n  }\n",
            "  tag {\n    key = \"k2\"\n  }\n\n  tag {\n    key = \"k3\"\n  }\n",
        )
        .replace("value = \"b\"", "value = \"b2\"")
        .replace("    port = 80\n", "    port = 80\n    note = \"web\"\n")
}

/// Secrets of `TORTURE` that no plan may show.
pub const SECRETS: &[&str] = &[
    "s3cret-value",
    "hunter2-value",
    "tok-value",
    "blocktoken-value",
];

/// The stored instance of `torture_all.a` in a state document.
pub fn instance(state: &serde_json::Value) -> serde_json::Value {
    state["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["type"] == "torture_all"))
        .map(|r| r["instances"][0].clone())
        .unwrap_or_else(|| panic!("no torture_all in state:\n{state:#}"))
}

/// What the first apply of `TORTURE` stores, whoever drives the provider.
pub fn assert_applied(attrs: &serde_json::Value) {
    assert_eq!(attrs["id"], "torture-one");
    assert_eq!(attrs["note"], "auto", "optional+computed: the provider's");
    assert_eq!(attrs["password_wo"], serde_json::Value::Null, "write-only");
    assert_eq!(attrs["rule"][0]["rid"], "rid-80", "computed in a block");
    assert_eq!(attrs["rule"][1]["rid"], "rid-443");
    assert_eq!(attrs["rule"][1]["note"], "tls");
    assert_eq!(
        attrs["setting"]["alpha"]["value"], "a",
        "map block by label"
    );
    assert_eq!(attrs["setting"]["beta"]["value"], "b");
    assert_eq!(attrs["single"]["mode"], "fast");
    assert_eq!(attrs["group"]["flag"], true);
    assert_eq!(attrs["tag"].as_array().map(Vec::len), Some(2));
    assert_eq!(attrs["endpoint"]["host"], "example.com");
    assert_eq!(attrs["endpoint"]["port"], serde_json::Value::Null);
    assert_eq!(attrs["ports"][1]["number"], 443);
    assert_eq!(attrs["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(attrs["env"]["a"]["value"], "1");
}

/// The paths of `sensitive_attributes`, as JSON text each.
pub fn sensitive_paths(instance: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = instance["sensitive_attributes"]
        .as_array()
        .map(|ps| ps.iter().map(|p| p.to_string()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_nesting_mode_plans_applies_and_stays_stable() {
    let w = Workdir::new(TORTURE);
    w.expect(&["validate", "--no-color"], 0);
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
    for secret in SECRETS {
        assert!(
            !plan.stdout.contains(secret),
            "{secret} shown:\n{}",
            plan.stdout
        );
    }
    insta::assert_snapshot!("plan_torture", plan.stdout);
    w.apply();
    assert_applied(&w.attributes("torture_all.a"));
    let state = w.state();
    let stored = instance(&state);
    assert_eq!(
        sensitive_paths(&stored),
        [
            r#"["endpoint","token"]"#,
            r#"["secret"]"#,
            r#"["single","token"]"#
        ]
    );
    assert_eq!(stored["schema_version"], 1);
    assert!(
        stored["private"].is_string(),
        "private bytes kept: {stored:#}"
    );
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);

    w.config(&changed());
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    w.apply();
    let attrs = w.attributes("torture_all.a");
    assert_eq!(attrs["rule"][0]["rid"], "rid-80", "the prior rid is kept");
    assert_eq!(attrs["rule"][0]["note"], "web");
    assert_eq!(attrs["setting"]["beta"]["value"], "b2");
    assert_eq!(attrs["tag"].as_array().map(Vec::len), Some(3));
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);

    let destroy = w.expect(&["destroy", "--auto-approve", "--no-color"], 0);
    assert_contains(&destroy.stdout, "1 destroyed");
}

#[test]
fn state_of_schema_version_0_is_upgraded() {
    let w = Workdir::new(TORTURE);
    w.apply();
    // Rewrite the stored object as version 0 wrote it: `title`, not `name`.
    let text = w.read_text(".infra/state.json").expect("state.json");
    let old = text
        .replacen("\"name\": \"one\"", "\"title\": \"one\"", 1)
        .replacen("\"schema_version\": 1", "\"schema_version\": 0", 1);
    assert_ne!(old, text, "the state has the fields to rewrite:\n{text}");
    w.write(".infra/state.json", &old);
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
}

#[test]
fn map_blocks_need_one_unique_label_and_other_blocks_none() {
    let w = Workdir::new(
        r#"
resource "torture_all" "a" {
  name = "one"

  rule "x" {
    port = 1
  }

  setting {
    value = "a"
  }

  setting "k" {
    value = "a"
  }

  setting "k" {
    value = "b"
  }
}
"#,
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    let err: String = r.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_contains(&err, "a `rule` block of `torture_all.a` takes no labels");
    assert_contains(&err, "a `setting` block of `torture_all.a` needs a label");
    assert_contains(&err, "two `setting` blocks labelled \"k\"");
}
