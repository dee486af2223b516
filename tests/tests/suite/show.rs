//! `infra show [PLANFILE] [--json]`: the state and saved plans for people,
//! and in Terraform's JSON representation — checked against what
//! Terraform 1.15.5's own `show -json` prints for the same configuration
//! and provider (infra's `random`, served to Terraform).

use crate::plugin_terraform::{Terraform, terraform_or_skip};
use crate::support::{Workdir, assert_contains};
use serde_json::Value;

/// The configuration both engines run (Terraform gets a
/// `required_providers` block naming infra's served provider).
const BODY: &str = r#"resource "random_id" "a" {
  byte_length = 4
}
resource "random_id" "b" {
  count       = 2
  byte_length = 2
  prefix      = random_id.a.hex
}
resource "random_id" "c" {
  byte_length = 3
}
output "o" {
  value     = random_id.a.hex
  sensitive = true
}
output "p" {
  value       = random_id.c.id
  description = "The id of c."
  depends_on  = [random_id.b]
}
variable "greeting" {
  type        = string
  default     = "hi"
  description = "A greeting."
}
variable "token" {
  type      = string
  default   = null
  sensitive = true
}
"#;

/// The change made before the plan: replace `a` and `c`, add `d`.
fn changed(text: &str) -> String {
    format!(
        "{}resource \"random_id\" \"d\" {{\n  byte_length = 2\n}}\n",
        text.replace("byte_length = 4", "byte_length = 5")
            .replace("byte_length = 3", "byte_length = 3\n  prefix      = \"x\"")
    )
}

/// Keys whose values are compared as they are; other strings and numbers
/// are compared by type only (ids and random values differ).
const KEEP: &[&str] = &[
    "address",
    "mode",
    "type",
    "name",
    "actions",
    "module_address",
    "format_version",
    "index",
    "sensitive",
    "action_reason",
    "references",
];

/// Keys left out of the comparison: versions, the time, provider source
/// addresses (Terraform's names the served provider `infra.test/...`),
/// and `relevant_attributes`, which infra does not write
/// (docs/terraform-json.md). `configuration`'s `expressions` and
/// `count_expression` are compared: constant values by type, references
/// exactly.
const SKIP: &[&str] = &[
    "terraform_version",
    "infra_version",
    "timestamp",
    "provider_name",
    "full_name",
    "relevant_attributes",
];

fn shape(v: &Value, key: &str) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !SKIP.contains(&k.as_str()))
                .map(|(k, x)| (k.clone(), shape(x, k)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| shape(x, key)).collect()),
        Value::String(_) | Value::Number(_) if !KEEP.contains(&key) => {
            Value::String(if v.is_string() { "string" } else { "number" }.into())
        }
        other => other.clone(),
    }
}

#[test]
fn show_json_has_terraforms_shape_for_state_and_plans() {
    let Some(py) = terraform_or_skip("show_json_has_terraforms_shape_for_state_and_plans") else {
        return;
    };
    let tf = Terraform::new(py, &[]);
    let header = "terraform {\n  required_providers {\n    random = { source = \"infra.test/infra/random\" }\n    torture = { source = \"infra.test/infra/torture\" }\n  }\n}\n";
    tf.write("main.tf", &format!("{header}{BODY}"));
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    let tf_state: Value = serde_json::from_str(
        tf.expect(&["show", "-json"], 0)
            .output
            .lines()
            .next()
            .unwrap_or(""),
    )
    .expect("terraform state JSON");
    tf.write("main.tf", &changed(&format!("{header}{BODY}")));
    tf.expect(&["plan", "-out", "p.plan", "-no-color"], 0);
    let tf_plan: Value = serde_json::from_str(
        tf.expect(&["show", "-json", "p.plan"], 0)
            .output
            .lines()
            .next()
            .unwrap_or(""),
    )
    .expect("terraform plan JSON");

    let w = Workdir::new(BODY);
    w.apply();
    let state: Value =
        serde_json::from_str(&w.expect(&["show", "-json"], 0).stdout).expect("state JSON");
    w.config(&changed(BODY));
    w.expect(&["plan", "-out", "p.plan"], 0);
    let plan: Value =
        serde_json::from_str(&w.expect(&["show", "-json", "p.plan"], 0).stdout).expect("plan JSON");

    assert_eq!(shape(&state, ""), shape(&tf_state, ""));
    let ours = shape(&plan, "");
    let mut theirs = shape(&tf_plan, "");
    // Only Terraform's configuration requires `torture` (for its schema
    // below).
    if let Some(Value::Object(m)) = theirs.pointer_mut("/configuration/provider_config") {
        m.remove("torture");
    }
    // The root module's outputs and variables are there, as Terraform
    // writes them.
    assert_eq!(
        plan.pointer("/configuration/root_module/variables/greeting/description"),
        Some(&Value::String("A greeting.".into())),
        "{plan:#}"
    );
    assert_eq!(ours, theirs);
    // Provider schemas: Terraform's rendering of infra's `random` (served
    // to it) and infra's own are the same document.
    let tf_schema: Value = serde_json::from_str(
        tf.expect(&["providers", "schema", "-json"], 0)
            .output
            .lines()
            .next()
            .unwrap_or(""),
    )
    .expect("terraform schema JSON");
    let schema: Value =
        serde_json::from_str(&w.expect(&["providers", "schema", "-json"], 0).stdout)
            .expect("schema JSON");
    assert_eq!(schema["format_version"], tf_schema["format_version"]);
    assert_eq!(
        schema["provider_schemas"]["registry.terraform.io/hashicorp/random"],
        tf_schema["provider_schemas"]["infra.test/infra/random"]
    );
    // And the schema-torture provider's: nested blocks and attributes of
    // every nesting mode, deprecations, write-only and sensitive ones.
    let t = Workdir::new("resource \"torture_all\" \"x\" {}\n");
    let torture: Value =
        serde_json::from_str(&t.expect(&["providers", "schema", "-json"], 0).stdout)
            .expect("torture schema JSON");
    assert_eq!(
        torture["provider_schemas"]["registry.terraform.io/hashicorp/torture"],
        tf_schema["provider_schemas"]["infra.test/infra/torture"]
    );
    // The values themselves: the sensitive output is in clear and marked,
    // as Terraform writes it.
    let o = &state["values"]["outputs"]["o"];
    assert_eq!(o["sensitive"], true);
    assert_eq!(o["value"], w.attributes("random_id.a")["hex"]);
}

#[test]
fn show_prints_state_and_saved_plans_for_people() {
    let w = Workdir::new(BODY);
    let empty = w.expect(&["show", "--no-color"], 0);
    assert_contains(&empty.stdout, "The state is empty.");
    w.apply();
    let r = w.expect(&["show", "--no-color"], 0);
    assert_contains(
        &r.stdout,
        "# random_id.b[1]:\nresource \"random_id\" \"b\" {\n",
    );
    assert_contains(&r.stdout, "Outputs:\n\no = (sensitive value)\np = \"");
    w.config(&changed(BODY));
    w.expect(&["plan", "-out", "p.plan"], 0);
    let providers = w.expect(&["providers"], 0);
    assert_contains(
        &providers.stdout,
        "Providers required by configuration:\n.\n└── provider[registry.terraform.io/hashicorp/random]\n",
    );
    assert_contains(
        &providers.stdout,
        "Providers required by state:\n\n    provider[registry.terraform.io/hashicorp/random]\n",
    );
    let r = w.expect(&["providers", "schema"], 1);
    assert_contains(&r.stderr, "--json");
    let shown = w.expect(&["show", "--no-color", "p.plan"], 0);
    assert_contains(&shown.stdout, "Plan: 5 to add, 0 to change, 4 to destroy.");
}
