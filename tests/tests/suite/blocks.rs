//! Nested blocks in provider schemas (as plugin providers have them),
//! through the `test` provider's `test_blocks`: validation of block names
//! and counts, planning and applying objects with list and single blocks,
//! and a stable state afterwards.

use crate::support::{Workdir, assert_contains, unwrapped};

const CONFIG: &str = r#"
resource "test_blocks" "a" {
  name = "web"

  rule {
    port = 80
  }

  rule {
    port = 443
    note = "tls"
  }
}
"#;

#[test]
fn nested_blocks_plan_apply_and_stay_stable() {
    let w = Workdir::new(CONFIG);
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    insta::assert_snapshot!("plan_nested_blocks", plan.stdout);
    w.apply();
    let a = w.attributes("test_blocks.a");
    assert_eq!(a["id"], "web");
    assert_eq!(a["rule"][1]["note"], "tls");
    assert_eq!(a["rule"][0]["note"], serde_json::Value::Null);
    assert_eq!(
        a["option"],
        serde_json::Value::Null,
        "an absent single block is null"
    );
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    // A block added: an update in place.
    w.config(&CONFIG.replace(
        "  rule {\n    port = 80",
        "  option {\n    mode = \"fast\"\n  }\n\n  rule {\n    port = 80",
    ));
    let plan = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    w.apply();
    assert_eq!(w.attributes("test_blocks.a")["option"]["mode"], "fast");
}

#[test]
fn block_names_counts_and_contents_are_validated() {
    let w = Workdir::new(
        r#"
resource "test_blocks" "a" {
  name = "web"

  rule {
    port = 1
  }

  rule {
    port = 2
  }

  rule {
    note = "no port"
  }

  rules {
    port = 3
  }
}
"#,
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "takes at most 2 `rule` blocks, got 3");
    assert_contains(
        &err,
        "a `rule` block of `test_blocks.a` needs argument `port`",
    );
    assert_contains(&err, "has no argument `rules`");
    assert_contains(&err, "Did you mean `rule`?");
}
