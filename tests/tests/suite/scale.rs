//! A state of 2,000 instances (flat resources, module instances, sensitive
//! values, exact numbers) written and read by the state file's direct
//! serialisation: applied, planned again with nothing to change, one
//! attribute changed and applied, and every other instance's stored
//! attributes unchanged byte for byte.

use crate::support::Workdir;

/// 1,000 flat instances (`count`) and 10 module instances of 100, each
/// `infra_data` with strings, floats, a number beyond `f64`, a list and a
/// sensitive value; `var.bump` changes one flat instance's `revision`.
const CONFIG: &str = r#"
variable "bump" {
  type    = number
  default = -1
}

variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

resource "infra_data" "flat" {
  count = 1000
  input = {
    name     = "svc-${count.index}"
    cpu      = 0.25 * (1 + count.index % 8)
    exact    = 1 / 3
    revision = count.index == var.bump ? 2 : 1
    tags     = ["a", "b", tostring(count.index)]
    secret   = var.secret
  }
}

module "m" {
  source   = "./m"
  for_each = { for i in range(10) : "m${i}" => i }
  index    = each.value
}
"#;

const CHILD: &str = r#"
variable "index" {
  type = number
}

resource "infra_data" "r" {
  for_each = { for i in range(100) : "r${i}" => i }
  input = {
    name  = "m${var.index}-${each.key}"
    index = var.index * 100 + each.value
  }
}
"#;

#[test]
fn two_thousand_instances_round_trip_through_apply_and_plan_unchanged() {
    let w = Workdir::new(CONFIG);
    w.write("m/main.infra", CHILD);
    w.expect(&["init"], 0);
    let applied = w.apply();
    assert!(
        applied.stdout.contains("Resources: 2000 added"),
        "{}",
        applied.stdout
    );
    let before = w.state();
    assert_eq!(before["resources"].as_array().map(Vec::len), Some(11));
    let first = &before["resources"][0]["instances"][0];
    assert!(
        first["sensitive_attributes"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{first:#}"
    );
    assert!(first["exact_numbers"].is_array(), "{first:#}");
    w.expect(&["plan", "--detailed-exitcode", "--refresh=false"], 0);
    w.expect(&["plan", "--detailed-exitcode"], 0);
    let plan = w.expect(&["plan", "--detailed-exitcode", "--var", "bump=7"], 2);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    w.expect(&["apply", "--auto-approve", "--var", "bump=7"], 0);
    let after = w.state();
    // Apply refreshes every object and records when it read it
    // (`read_at`, incremental refresh): everything else stays as it was.
    let mut after = after;
    let mut before = before;
    for s in [&mut after, &mut before] {
        for r in s["resources"].as_array_mut().into_iter().flatten() {
            for i in r["instances"].as_array_mut().into_iter().flatten() {
                if let Some(o) = i.as_object_mut() {
                    o.remove("read_at");
                }
            }
        }
    }
    let flat = |s: &serde_json::Value, i: usize| s["resources"][0]["instances"][i].clone();
    assert_eq!(flat(&after, 7)["attributes"]["input"]["revision"], 2);
    for i in (0..1000).filter(|i| *i != 7) {
        assert_eq!(flat(&after, i), flat(&before, i), "instance {i}");
    }
    let modules = |s: &serde_json::Value| s["resources"].as_array().map(|r| r[1..].to_vec());
    assert_eq!(modules(&after), modules(&before));
    w.expect(&["plan", "--detailed-exitcode", "--var", "bump=7"], 0);
}
