//! References end to end: what `std/` modules' relative paths point at,
//! splats and `for` over attributes only the provider sets (in `eval` and
//! `graph`, which evaluate without planning), and `replace_triggered_by`
//! as a dependency. The real binary in a temporary directory, checked by
//! what a user sees.

use crate::support::{Workdir, assert_contains};

const STATIC_SITE: &str = r#"
module "site" {
  source   = "std/s3-static-site"
  name     = "acme-www"
  site_dir = "site"
}
"#;

#[test]
fn std_module_relative_paths_are_from_the_root_module() {
    let w = Workdir::new(STATIC_SITE);
    w.write("site/index.html", "<h1>hi</h1>\n");
    w.write("site/css/a.css", "h1 { color: red }\n");
    let r = w.expect(&["eval", "module.site.files"], 0);
    assert_eq!(
        r.stdout, "tolist([\n  \"css/a.css\",\n  \"index.html\",\n])\n",
        "{}",
        r.stderr
    );
    // The objects' `source` names the real files: the provider reads them
    // at plan time (no S3 needed) to hash them.
    let r = w.expect(&["plan", "--json"], 0);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("plan JSON");
    let changes = doc["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let mut objects: Vec<(String, String)> = changes
        .iter()
        .filter(|c| c["type"] == "aws_s3_object")
        .map(|c| {
            let source = c["after"]["source"].as_str().expect("a source").to_string();
            let hash = &c["after"]["source_hash"];
            assert!(hash.is_string(), "source_hash of {source} unknown:\n{c:#}");
            (c["address"].as_str().unwrap_or("").to_string(), source)
        })
        .collect();
    objects.sort();
    assert_eq!(
        objects.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        [
            r#"module.site.aws_s3_object.file["css/a.css"]"#,
            r#"module.site.aws_s3_object.file["index.html"]"#,
        ]
    );
    for (_, source) in &objects {
        assert!(w.path().join(source).is_file(), "{source} is not a file");
    }
    // From another directory with --chdir, the same.
    let r = w
        .command(&[
            "--chdir",
            &w.path().to_string_lossy(),
            "eval",
            "module.site.files",
        ])
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run infra");
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "tolist([\n  \"css/a.css\",\n  \"index.html\",\n])\n"
    );
}

const REPLICAS: &str = r#"
resource "infra_data" "replica" {
  count = 2
  input = count.index
}
"#;

#[test]
fn splat_and_for_over_attributes_the_provider_sets_evaluate() {
    let w = Workdir::new(REPLICAS);
    let unknown_pair = "[\n  (known after apply),\n  (known after apply),\n]\n";
    for expr in [
        "infra_data.replica[*].output",
        "infra_data.replica.*.output",
        "[for r in infra_data.replica : r.output]",
    ] {
        let r = w.expect(&["eval", expr], 0);
        assert_eq!(r.stdout, unknown_pair, "{expr}: {}", r.stderr);
    }
    let r = w.expect(&["eval", "infra_data.replica[0].output"], 0);
    assert_eq!(r.stdout, "(known after apply)\n");
    let r = w.expect(&["eval", "infra_data.replica[*].input"], 0);
    assert_eq!(r.stdout, "[\n  0,\n  1,\n]\n");
    // An attribute the type does not have is an error, as in a plan.
    let r = w.expect(&["eval", "--no-color", "infra_data.replica[0].outptu"], 1);
    assert_contains(&r.stderr, "there is no attribute `outptu`");
}

#[test]
fn graph_evaluates_splats_and_for_over_provider_set_attributes() {
    let w = Workdir::new(&format!(
        r#"{REPLICAS}
resource "infra_data" "summary" {{
  input = [for r in infra_data.replica : r.output]
}}

output "replicas" {{
  value = infra_data.replica[*].output
}}
"#
    ));
    let r = w.expect(&["graph"], 0);
    assert!(r.stdout.starts_with("digraph"), "{}", r.stdout);
    assert_contains(
        &r.stdout,
        r#""infra_data.summary" -> "infra_data.replica[0]";"#,
    );
    assert_contains(
        &r.stdout,
        r#""infra_data.summary" -> "infra_data.replica[1]";"#,
    );
    w.apply();
    let r = w.expect(&["output", "--json", "replicas"], 0);
    assert_eq!(r.stdout.trim(), "[0,1]");
}

/// `a` sorts (and used to be planned) before the resource that triggers
/// its replacement.
const TRIGGERED: &str = r#"
resource "infra_data" "a" {
  input = "a"

  lifecycle {
    replace_triggered_by = [infra_data.z]
  }
}

resource "infra_data" "z" {
  input = "V"
}
"#;

#[test]
fn replace_triggered_by_is_a_dependency() {
    let w = Workdir::new(&TRIGGERED.replace('V', "v1"));
    let r = w.expect(&["graph"], 0);
    assert_contains(&r.stdout, r#""infra_data.a" -> "infra_data.z";"#);
    w.apply();
    let before = w.attributes("infra_data.a")["id"].clone();
    w.config(&TRIGGERED.replace('V', "v2"));
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_contains(&r.stdout, "# infra_data.a must be replaced");
    assert_contains(
        &r.stdout,
        "(because replace_triggered_by: `infra_data.z` changes)",
    );
    assert_contains(&r.stdout, "# infra_data.z will be updated in-place");
    assert_contains(&r.stdout, "Plan: 1 to add, 1 to change, 1 to destroy.");
    w.apply();
    assert_ne!(w.attributes("infra_data.a")["id"], before);
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

/// A local child module reads its own files with `${path.module}/...` and
/// the root module's with a plain relative path, as in Terraform (relative
/// paths are taken from the directory infra runs in).
#[test]
fn file_functions_in_a_child_module_read_relative_to_the_root() {
    let w = Workdir::new(
        r#"
module "web" {
  source = "./modules/web"
}

output "both" {
  value = module.web.both
}
"#,
    );
    w.write(
        "modules/web/main.infra",
        r#"
output "both" {
  value = "${file("${path.module}/page.html")}+${file("shared.txt")}+${length(fileset("${path.module}", "*.html"))}"
}
"#,
    );
    w.write("modules/web/page.html", "page");
    w.write("shared.txt", "shared");
    let r = w.expect(&["eval", "module.web.both"], 0);
    assert_eq!(r.stdout.trim(), r#""page+shared+1""#);
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&plan.stdout, r#"+ both = "page+shared+1""#);
}

#[test]
fn merged_tags_with_one_value_known_after_apply_plan_element_by_element() {
    let w = Workdir::new(
        r#"
locals {
  common = { env = "dev", team = "web" }
}
resource "random_id" "x" {
  byte_length = 4
}
resource "infra_data" "d" {
  input = merge(local.common, { logs = random_id.x.hex })
}
resource "infra_data" "m" {
  input = tomap({ env = "dev", logs = random_id.x.hex })
}
"#,
    );
    let r = w.expect(
        &["eval", r#"merge(local.common, { logs = random_id.x.hex })"#],
        0,
    );
    assert_eq!(
        r.stdout,
        "{\n  \"env\"  = \"dev\"\n  \"logs\" = (known after apply)\n  \"team\" = \"web\"\n}\n"
    );
    let r = w.expect(&["plan", "--no-color"], 0);
    assert_contains(
        &r.stdout,
        "      + input  = {\n          + env  = \"dev\"\n          + logs = (known after apply)\n          + team = \"web\"\n        }",
    );
    assert_contains(
        &r.stdout,
        // A map: keys quoted, as Terraform prints a map's.
        "      + input  = {\n          + \"env\"  = \"dev\"\n          + \"logs\" = (known after apply)\n        }",
    );
}

#[test]
fn eval_and_console_see_the_applied_values_in_state() {
    let w = Workdir::new(
        r#"
resource "random_id" "x" {
  byte_length = 4
}
resource "random_password" "p" {
  length = 12
}
output "hex" {
  value = random_id.x.hex
}
"#,
    );
    let before = w.expect(&["eval", "random_id.x.hex"], 0);
    assert_eq!(before.stdout, "(known after apply)\n");
    w.expect(&["apply", "-auto-approve"], 0);
    let out = w.expect(&["output", "-raw", "hex"], 0);
    assert_eq!(out.stdout.len(), 8, "{}", out.stdout);
    let r = w.expect(&["eval", "random_id.x.hex"], 0);
    assert_eq!(r.stdout, format!("\"{}\"\n", out.stdout));
    // Sensitive values from state stay redacted.
    let r = w.expect(&["eval", "random_password.p.result"], 0);
    assert_eq!(r.stdout, "(sensitive value)\n");
    // Another state file: the values it holds, here none.
    let r = w.expect(&["eval", "--state", "elsewhere.json", "random_id.x.hex"], 0);
    assert_eq!(r.stdout, "(known after apply)\n");
}
