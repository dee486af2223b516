//! `import` blocks end to end, as Terraform 1.15.5 behaves: the plan shows
//! "will be imported" (or the update or replacement against the imported
//! object, "imported from"), `Plan: N to import, ...`; apply adopts the
//! objects and the next plan is empty; `for_each` imports; saved plans
//! carry imports; `plan --generate-config-out` writes blocks that then
//! plan clean; every importable native type imports by Terraform's id
//! format; the errors (undeclared target, unknown id, duplicates);
//! imports stay recorded when another operation fails or the apply is
//! killed (journalled first). The S3 test needs `ci/s3-test-server.sh`.

use crate::support::{Workdir, assert_contains, unwrapped};

/// `infra plan --no-color --detailed-exitcode`, which must find changes.
fn plan(w: &Workdir) -> crate::support::Run {
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2)
}

/// Asserts that the next plan has nothing to do.
fn no_changes(w: &Workdir) {
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    assert_eq!(
        r.stdout.trim(),
        "No changes. Your infrastructure matches the configuration."
    );
}

/// One imported unchanged, one updated in place against the imported
/// object, one replaced (Terraform's warning), and an ordinary create.
const MIXED: &str = r#"import {
  to = random_id.kept
  id = "p-9hUg"
}
resource "random_id" "kept" {
  byte_length = 4
}

import {
  to = infra_data.updated
  id = "abc"
}
resource "infra_data" "updated" {
  input = "x"
}

import {
  to = random_integer.replaced
  id = "5,1,9"
}
resource "random_integer" "replaced" {
  min = 1
  max = 10
}

resource "infra_data" "new" {
  input = random_id.kept.hex
}
"#;

#[test]
fn the_plan_shows_imports_and_apply_adopts_them_in_order() {
    let w = Workdir::new(MIXED);
    let p = plan(&w);
    insta::assert_snapshot!("plan_import_blocks", p.stdout);
    assert_contains(
        &p.stdout,
        "Plan: 3 to import, 2 to add, 1 to change, 1 to destroy.",
    );
    let md = w.expect(&["plan", "--format", "markdown"], 0).stdout;
    assert_contains(
        &md,
        "**Plan: 3 to import, 2 to add, 1 to change, 1 to destroy.**",
    );
    assert_contains(&md, "### Imported\n\n3 objects will be imported");
    assert_contains(&md, "`random_id.kept` from id `p-9hUg`");
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 3 imported, 2 added, 1 changed, 1 destroyed.",
    );
    let kept = w.attributes("random_id.kept");
    assert_eq!(kept["hex"], "a7ef6152");
    assert_eq!(w.attributes("infra_data.updated")["id"], "abc");
    assert_eq!(w.attributes("infra_data.updated")["output"], "x");
    assert_eq!(w.attributes("infra_data.new")["output"], "a7ef6152");
    no_changes(&w);
}

#[test]
fn an_import_into_an_address_in_state_is_a_no_op_whatever_its_id() {
    let w = Workdir::new("resource \"random_uuid\" \"u\" {\n}\n");
    w.apply();
    let before = w.attributes("random_uuid.u")["id"].clone();
    w.config(
        "resource \"random_uuid\" \"u\" {\n}\nimport {\n  to = random_uuid.u\n  id = \"6f52e2b0-a015-4c95-825f-2ddf1a8e679f\"\n}\n",
    );
    no_changes(&w);
    w.apply();
    assert_eq!(w.attributes("random_uuid.u")["id"], before);
}

#[test]
fn for_each_imports_each_element_and_leaves_the_files_alone() {
    let w = Workdir::new(
        r#"locals {
  files = { one = "one.txt", two = "two.txt" }
}
import {
  for_each = local.files
  to       = local_file.f[each.key]
  id       = each.value
}
resource "local_file" "f" {
  for_each = local.files
  filename = each.value
  content  = "${each.key}\n"
}
"#,
    );
    w.write("one.txt", "one\n");
    w.write("two.txt", "two\n");
    // The files' permissions are the umask's: the configuration takes
    // what the import found, so only the import is planned.
    let perm = w.run(&["plan", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&perm.stdout).expect("plan JSON");
    let changes = doc["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let addrs: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["address"].as_str())
        .collect();
    assert_eq!(addrs, ["local_file.f[\"one\"]", "local_file.f[\"two\"]"]);
    assert_eq!(changes[0]["importing"]["id"], "one.txt");
    assert_eq!(changes[1]["importing"]["id"], "two.txt");
    assert_eq!(doc["summary"]["import"], 2);
    let mode = changes[0]["before"]["file_permission"]
        .as_str()
        .expect("file_permission")
        .to_string();
    w.config(&w.read_text("main.infra").expect("config").replace(
        "content  = \"${each.key}\\n\"",
        &format!("content  = \"${{each.key}}\\n\"\n  file_permission = \"{mode}\""),
    ));
    let p = plan(&w);
    assert_contains(&p.stdout, "# local_file.f[\"one\"] will be imported");
    assert_contains(&p.stdout, "# local_file.f[\"two\"] will be imported");
    assert_contains(
        &p.stdout,
        "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy.",
    );
    w.apply();
    assert_eq!(
        w.state_list(),
        ["local_file.f[\"one\"]", "local_file.f[\"two\"]"]
    );
    assert_eq!(w.read_text("one.txt").as_deref(), Some("one\n"));
    no_changes(&w);
}

#[test]
fn a_saved_plan_carries_its_imports_to_apply() {
    let w = Workdir::new(
        "import {\n  to = infra_data.d\n  id = \"abc\"\n}\nresource \"infra_data\" \"d\" {\n  input = 1\n}\n",
    );
    w.expect(&["plan", "--out", "p.plan", "--no-color"], 0);
    assert!(w.state_list().is_empty(), "planning imported nothing yet");
    let out = w.expect(&["apply", "--no-color", "p.plan"], 0).stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 1 imported, 0 added, 1 changed, 0 destroyed.",
    );
    // Terraform's progress lines; the import comes before the update.
    let import = out
        .find("infra_data.d: Import complete after 0s [id=abc]")
        .unwrap_or_else(|| panic!("no import line in:\n{out}"));
    let update = out.find("infra_data.d: Modifying...").expect("update line");
    assert!(import < update, "{out}");
    assert_eq!(w.attributes("infra_data.d")["id"], "abc");
    assert_eq!(w.attributes("infra_data.d")["output"], 1);
    no_changes(&w);
}

#[test]
fn generate_config_out_writes_blocks_that_then_plan_clean() {
    let w = Workdir::new(
        r#"import {
  to = random_integer.i
  id = "5,1,9"
}
import {
  to = random_string.s
  id = "Secret-1"
}
import {
  to = infra_data.kept
  id = "k"
}
resource "infra_data" "kept" {
}
"#,
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "import::not-in-configuration");
    assert_contains(
        &unwrapped(&r.stderr),
        "the configuration for import target `random_integer.i` does not exist",
    );
    let p = w.expect(
        &[
            "plan",
            "--no-color",
            "--generate-config-out=generated.infra",
        ],
        0,
    );
    assert_contains(
        &p.stdout,
        "# random_integer.i will be imported\n  # (config will be generated)",
    );
    assert_contains(
        &p.stdout,
        "infra has generated configuration and written it to generated.infra.",
    );
    insta::assert_snapshot!(
        "import_generated_config",
        w.read_text("generated.infra").expect("generated file")
    );
    let again = w.expect(
        &[
            "plan",
            "--no-color",
            "--generate-config-out=generated.infra",
        ],
        1,
    );
    assert_contains(&again.stderr, "import::generate-exists");
    let p = plan(&w);
    assert_contains(
        &p.stdout,
        "Plan: 3 to import, 0 to add, 0 to change, 0 to destroy.",
    );
    w.apply();
    assert_eq!(w.attributes("random_string.s")["result"], "Secret-1");
    assert_eq!(w.attributes("random_integer.i")["result"], 5);
    no_changes(&w);
    let fmt = w.expect(&["fmt", "--check", "generated.infra"], 0);
    assert_eq!(fmt.stdout, "");
}

#[test]
fn every_importable_native_type_imports_by_terraforms_id_format() {
    let w = Workdir::new(
        r#"import {
  to = random_id.a
  id = "pre-,p-9hUg"
}
resource "random_id" "a" {
  byte_length = 4
  prefix      = "pre-"
}
import {
  to = random_string.b
  id = "abc"
}
resource "random_string" "b" {
  length = 3
}
import {
  to = random_password.c
  id = "hunter22"
}
resource "random_password" "c" {
  length = 8
}
import {
  to = random_integer.d
  id = "7,1,9,seed"
}
resource "random_integer" "d" {
  min  = 1
  max  = 9
  seed = "seed"
}
import {
  to = random_uuid.e
  id = "6F52E2B0-A015-4C95-825F-2DDF1A8E679F"
}
resource "random_uuid" "e" {
}
import {
  to = infra_data.f
  id = "my-id"
}
resource "infra_data" "f" {
}
import {
  to = local_sensitive_file.g
  id = "secret.txt"
}
resource "local_sensitive_file" "g" {
  filename = "secret.txt"
  content  = "s3cr3t"
}
"#,
    );
    w.write("secret.txt", "s3cr3t");
    let p = w.run(&["plan", "--no-color"]);
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    assert_contains(&p.stdout, "Plan: 7 to import");
    assert!(!p.stdout.contains("s3cr3t"), "{}", p.stdout);
    assert!(!p.stdout.contains("hunter22"), "{}", p.stdout);
    w.apply();
    let a = w.attributes("random_id.a");
    assert_eq!(a["id"], "p-9hUg");
    assert_eq!(a["hex"], "pre-a7ef6152");
    assert_eq!(a["b64_std"], "pre-p+9hUg==");
    assert_eq!(a["dec"], "pre-2817483090");
    assert_eq!(w.attributes("random_string.b")["result"], "abc");
    assert_eq!(w.attributes("random_password.c")["id"], "none");
    assert_eq!(w.attributes("random_integer.d")["result"], 7);
    assert_eq!(
        w.attributes("random_uuid.e")["result"],
        "6f52e2b0-a015-4c95-825f-2ddf1a8e679f"
    );
    assert_eq!(w.attributes("infra_data.f")["id"], "my-id");
    assert_eq!(w.read_text("secret.txt").as_deref(), Some("s3cr3t"));
    // The types' own values: only the sensitive file's mode may differ
    // (its default is 0700; the file has the umask's).
    let r = w.run(&["plan", "--no-color"]);
    assert!(
        r.stdout.contains("No changes.") || r.stdout.contains("local_sensitive_file.g"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("random_"), "{}", r.stdout);
}

#[test]
fn a_type_without_import_and_a_malformed_id_are_refused() {
    let w = Workdir::new(
        "import {\n  to = random_shuffle.s\n  id = \"a\"\n}\nresource \"random_shuffle\" \"s\" {\n  input = [\"a\"]\n}\n",
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(
        &unwrapped(&r.stderr),
        "`random_shuffle` does not support import",
    );
    w.config(
        "import {\n  to = random_integer.i\n  id = \"five\"\n}\nresource \"random_integer\" \"i\" {\n  min = 1\n  max = 9\n}\n",
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(
        &unwrapped(&r.stderr),
        "imports ids of the form RESULT,MIN,MAX or RESULT,MIN,MAX,SEED",
    );
    assert!(w.state_list().is_empty());
}

#[test]
fn errors_name_the_target_and_the_problem() {
    let w = Workdir::new(
        "import {\n  to = infra_data.dd\n  id = \"abc\"\n}\nresource \"infra_data\" \"d\" {\n}\n",
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    insta::assert_snapshot!("import_undeclared_target", r.stderr);

    w.config("import {\n  to = infra_data.d\n  id = \"abc\"\n}\nimport {\n  to = infra_data.d\n  id = \"def\"\n}\nresource \"infra_data\" \"d\" {\n}\n");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "import::duplicate");
    assert_contains(&r.stderr, "two `import` blocks import into `infra_data.d`");

    w.config("resource \"infra_data\" \"u\" {\n}\nimport {\n  to = infra_data.d\n  id = infra_data.u.id\n}\nresource \"infra_data\" \"d\" {\n}\n");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "import::unknown-id");

    w.config("import {\n  to = data.infra_data.d\n  id = \"x\"\n}\n");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "import::invalid-to");
    assert_contains(&unwrapped(&r.stderr), "a data source cannot be imported");

    w.config("import {\n  to = infra_data.d[\"b\"]\n  id = \"x\"\n}\nresource \"infra_data\" \"d\" {\n  for_each = toset([\"a\"])\n}\n");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "import::not-in-configuration");
    assert_contains(&unwrapped(&r.stderr), "`infra_data.d[\"b\"]`");

    w.config("import {\n  to = infra_data.d\n}\nresource \"infra_data\" \"d\" {\n}\n");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "import::missing-argument");

    // Only the root module imports; a child's block is not ignored.
    w.write(
        "child/main.infra",
        "import {\n  to = infra_data.c\n  id = \"x\"\n}\nresource \"infra_data\" \"c\" {\n}\n",
    );
    w.config("module \"m\" {\n  source = \"./child\"\n  count  = 2\n}\n");
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_eq!(
        r.stderr.matches("import::not-in-root-module").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(w.state_list().is_empty());
}

#[test]
fn provider_picks_the_configuration_that_imports() {
    let w = Workdir::new(
        r#"provider "random" {
  alias = "two"
}
import {
  to       = random_uuid.u
  id       = "6f52e2b0-a015-4c95-825f-2ddf1a8e679f"
  provider = random.two
}
resource "random_uuid" "u" {
  provider = random.two
}
"#,
    );
    w.expect(&["validate"], 0);
    w.apply();
    let state = w.state();
    assert_eq!(state["resources"][0]["provider"], "random.two", "{state:#}");
    no_changes(&w);
    w.config(
        "import {\n  to       = random_uuid.v\n  id       = \"6f52e2b0-a015-4c95-825f-2ddf1a8e679f\"\n  provider = random.three\n}\nresource \"random_uuid\" \"v\" {\n}\n",
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "provider::undeclared-configuration");
}

/// The issue's case: an `import` block for a bucket that exists is
/// imported (the bucket's tags updated in place), not created (which
/// failed with `BucketAlreadyOwnedByYou`). Needs the local S3 server
/// (`ci/s3-test-server.sh`), like every S3 test.
#[test]
fn an_existing_bucket_is_imported_not_created() {
    use crate::s3::{self, Other};
    let name = s3::bucket("impblk");
    let o = Other::new();
    o.rt.block_on(o.client.create_bucket().bucket(&name).send())
        .expect("create");
    let w = Workdir::new(&format!(
        "{}import {{\n  to = aws_s3_bucket.b\n  id = \"{name}\"\n}}\nresource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"{name}\"\n  tags   = {{ owner = \"web\" }}\n}}\n",
        s3::provider_block()
    ));
    let p = plan(&w);
    assert_contains(&p.stdout, "# aws_s3_bucket.b will be updated in-place");
    assert_contains(&p.stdout, &format!("# (imported from \"{name}\")"));
    assert_contains(
        &p.stdout,
        "Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.",
    );
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 1 imported, 0 added, 1 changed, 0 destroyed.",
    );
    no_changes(&w);
}

#[test]
fn imports_are_recorded_even_when_another_operation_fails() {
    let w = Workdir::new(
        r#"import {
  to = infra_data.d
  id = "abc"
}
resource "infra_data" "d" {
  input = 1
}
resource "test_fault" "bad" {
  input   = "x"
  fail_on = "create"
}
"#,
    );
    let r = w.expect(&["apply", "--auto-approve", "--no-color"], 1);
    assert_contains(&r.stdout, "infra_data.d: Import complete after 0s [id=abc]");
    assert_contains(&r.stdout, "failed:  test_fault.bad");
    assert_eq!(w.state_list(), ["infra_data.d"]);
    assert_eq!(w.attributes("infra_data.d")["id"], "abc");
    assert_eq!(w.attributes("infra_data.d")["output"], 1);
    // Imported once: the next plan only creates what failed.
    let p = plan(&w);
    assert_contains(&p.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
    assert!(!p.stdout.contains("import"), "{}", p.stdout);
}

#[test]
fn a_killed_apply_keeps_the_imports_it_journalled() {
    let w = Workdir::new(
        r#"import {
  to = random_uuid.u
  id = "6f52e2b0-a015-4c95-825f-2ddf1a8e679f"
}
resource "random_uuid" "u" {
}
resource "test_fault" "slow" {
  input    = random_uuid.u.id
  sleep_ms = 10000
}
"#,
    );
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(std::time::Duration::from_secs(60), |l| l
            .iter()
            .any(|x| x.contains("test_fault.slow: Creating..."))),
        "the apply never reached the slow resource:\n{}",
        apply.seen.join("\n")
    );
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
    // Replayed from the journal: imported, not imported again.
    assert_eq!(w.state_list(), ["random_uuid.u"]);
    let p = plan(&w);
    assert_contains(&p.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
    assert!(!p.stdout.contains("import"), "{}", p.stdout);
}
