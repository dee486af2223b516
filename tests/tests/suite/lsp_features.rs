//! `infra lsp` end to end, the later features of issue 20: references,
//! rename and hover across module boundaries, enum-like value completion,
//! inlay hints with values. Driven over stdio by `lsp.rs`'s client.

use crate::lsp::{Client, apply_edits, at, pos, uri};
use crate::support::infra;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

const CHILD: &str = r#"variable "cidr" {
  type        = string
  description = "The VPC's range."
}

output "vpc_id" {
  description = "The VPC."
  value       = "vpc-${var.cidr}"
}
"#;

const CALLER: &str = r#"module "net" {
  source = "./net"
  cidr   = "10.0.0.0/16"
}

output "vpc" {
  value = module.net.vpc_id
}
"#;

/// `CALLER` with other names: a second call of `./net`.
fn second_caller() -> String {
    CALLER
        .replace("module \"net\"", "module \"net2\"")
        .replace("10.0.0.0", "10.1.0.0")
        .replace("output \"vpc\"", "output \"v2\"")
        .replace("module.net.", "module.net2.")
}

/// A root module calling `./net` twice (from two files).
fn two_callers() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("net")).expect("mkdir");
    std::fs::write(dir.path().join("net/main.infra"), CHILD).expect("write");
    std::fs::write(dir.path().join("main.infra"), CALLER).expect("write");
    std::fs::write(dir.path().join("second.infra"), second_caller()).expect("write");
    dir
}

/// `(file name, line, character)` of each location.
fn places(locations: &Value, root: &Path) -> BTreeSet<(String, u64, u64)> {
    let prefix = format!("{}/", uri(root));
    locations
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l["uri"].as_str().unwrap_or("").replace(&prefix, ""),
                l["range"]["start"]["line"].as_u64().unwrap_or(99),
                l["range"]["start"]["character"].as_u64().unwrap_or(99),
            )
        })
        .collect()
}

fn set(items: &[(&str, u64, u64)]) -> BTreeSet<(String, u64, u64)> {
    items
        .iter()
        .map(|(f, l, c)| (f.to_string(), *l, *c))
        .collect()
}

/// Applies a rename's edits to the files on disk under `root`.
fn apply_rename(root: &Path, edit: &Value) {
    let prefix = format!("{}/", uri(root));
    for (file, edits) in edit["changes"].as_object().expect("changes") {
        let path = root.join(file.replace(&prefix, ""));
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, apply_edits(&text, edits)).expect("write");
    }
}

#[test]
fn lsp_references_rename_and_hover_cross_module_boundaries() {
    let dir = two_callers();
    let root = dir.path();
    let child = uri(&root.join("net/main.infra"));
    let main = uri(&root.join("main.infra"));
    let mut c = Client::start(root, &[]);
    c.open(&child, CHILD);
    c.open(&main, CALLER);

    // A child's variable: its declaration, its use, and each caller's argument.
    let refs = c.ok(
        "textDocument/references",
        json!({"textDocument": {"uri": child}, "position": pos(0, 12), "context": {"includeDeclaration": true}}),
    );
    assert_eq!(
        places(&refs, root),
        set(&[
            ("net/main.infra", 0, 10),
            ("net/main.infra", 7, 27),
            ("main.infra", 2, 2),
            ("second.infra", 2, 2),
        ]),
        "{refs}"
    );
    // A child's output: every `module.NAME.OUT` of the callers.
    let refs = c.ok(
        "textDocument/references",
        json!({"textDocument": {"uri": main}, "position": pos(6, 23), "context": {"includeDeclaration": false}}),
    );
    assert_eq!(
        places(&refs, root),
        set(&[("main.infra", 6, 21), ("second.infra", 6, 22)]),
        "{refs}"
    );

    // Hover on `module.net.vpc_id` shows the child's output; on an
    // argument of the module block, the child's variable.
    let h = c.ok("textDocument/hover", at(&main, 6, 23));
    let text = h["contents"]["value"].as_str().unwrap_or("");
    assert!(
        text.contains("output of child module") && text.contains("The VPC."),
        "{h}"
    );
    let h = c.ok("textDocument/hover", at(&main, 2, 3));
    let text = h["contents"]["value"].as_str().unwrap_or("");
    assert!(
        text.contains("input variable") && text.contains("`type` = `string`"),
        "{h}"
    );
    assert!(text.contains("The VPC's range."), "{h}");

    // Rename from the caller's argument: both sides change.
    let p = c.ok("textDocument/prepareRename", at(&main, 2, 3));
    assert_eq!(p["start"], pos(2, 2), "{p}");
    let edit = c.ok(
        "textDocument/rename",
        json!({"textDocument": {"uri": main}, "position": pos(2, 3), "newName": "range"}),
    );
    assert_eq!(
        edit["changes"].as_object().map(|o| o.len()),
        Some(3),
        "{edit}"
    );
    apply_rename(root, &edit);
    // Rename of the output from `module.net.vpc_id`.
    let edit = c.ok(
        "textDocument/rename",
        json!({"textDocument": {"uri": main}, "position": pos(6, 23), "newName": "network_id"}),
    );
    assert_eq!(
        edit["changes"].as_object().map(|o| o.len()),
        Some(3),
        "{edit}"
    );
    assert!(!edit.to_string().contains("moved"), "{edit}");
    apply_rename(root, &edit);
    let child_text = std::fs::read_to_string(root.join("net/main.infra")).expect("read");
    assert!(
        child_text.contains("variable \"range\"")
            && child_text.contains("var.range")
            && child_text.contains("output \"network_id\""),
        "{child_text}"
    );
    let second = std::fs::read_to_string(root.join("second.infra")).expect("read");
    assert!(
        second.contains("  range   = ") && second.contains("module.net2.network_id"),
        "{second}"
    );
    let v = infra(&["--chdir", &root.display().to_string(), "validate"]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    c.shutdown();
}

/// The labels of completion items.
fn labels(items: &Value) -> Vec<String> {
    let list = items.get("items").unwrap_or(items);
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect()
}

const ENUMS: &str = r#"variable "env" {
  type = string
  validation {
    condition     = contains(["dev", "staging", "prod"], var.env)
    error_message = "env is dev, staging or prod"
  }
}

resource "aws_s3_object" "o" {
  bucket = "b"
  key    = "k"
}
"#;

#[test]
fn lsp_completes_enum_like_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    std::fs::write(root.join("main.infra"), ENUMS).expect("write");
    std::fs::write(root.join("app/main.infra"), ENUMS).expect("write");
    let main = uri(&root.join("main.infra"));
    let mut c = Client::start(root, &[]);
    c.open(&main, ENUMS);
    let envs = ["dev", "staging", "prod"];

    // A schema attribute with a fixed set: aws_s3_object's storage_class.
    let typing = ENUMS.replace(
        "  key    = \"k\"\n",
        "  key    = \"k\"\n  storage_class = \"\n",
    );
    c.change(&main, 2, &typing);
    let items = c.ok("textDocument/completion", at(&main, 11, 19));
    let got = labels(&items);
    assert_eq!(got.first().map(String::as_str), Some("STANDARD"), "{items}");
    assert!(got.contains(&"GLACIER_IR".to_string()), "{items}");
    let first = &items.get("items").unwrap_or(&items)[0];
    assert_eq!(first["insertText"], "STANDARD", "{first}");

    // Unquoted, the value is inserted with its quotes.
    let typing = ENUMS.replace(
        "  key    = \"k\"\n",
        "  key    = \"k\"\n  storage_class = \n",
    );
    c.change(&main, 3, &typing);
    let items = c.ok("textDocument/completion", at(&main, 11, 18));
    let first = &items.get("items").unwrap_or(&items)[0];
    assert_eq!(first["insertText"], "\"STANDARD\"", "{items}");

    // A variable validated by `contains([...], var.env)`: compared to...
    let typing = format!("{ENUMS}\nlocals {{\n  prod = var.env == \"\n}}\n");
    c.change(&main, 4, &typing);
    let items = c.ok("textDocument/completion", at(&main, 14, 21));
    assert_eq!(labels(&items), envs, "{items}");

    // ... set in a var file ...
    c.change(&main, 5, ENUMS);
    let vars = uri(&root.join("dev.infravars"));
    c.open(&vars, "env = \"\n");
    let items = c.ok("textDocument/completion", at(&vars, 0, 7));
    assert_eq!(labels(&items), envs, "{items}");

    // ... and as the argument of a module block calling the module.
    let typing = format!("{ENUMS}\nmodule \"app\" {{\n  source = \"./app\"\n  env    = \n}}\n");
    c.change(&main, 6, &typing);
    let items = c.ok("textDocument/completion", at(&main, 15, 11));
    assert_eq!(labels(&items), envs, "{items}");
    c.shutdown();
}

const VALUES: &str = r#"variable "name" {
  type    = string
  default = "world"
}

const "port" {
  default = 8000 + 80
}

locals {
  greeting = "hello ${var.name}"
  shout    = upper(local.greeting)
  long     = join(",", [for i in range(30) : tostring(i)])
}

output "o" {
  value = [local.shout, const.port, var.name, local.long, lower("X"), keys({ a = 1 })]
}
"#;

#[test]
fn lsp_inlay_hints_show_constant_values_and_result_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.infra"), VALUES).expect("write");
    let main = uri(&dir.path().join("main.infra"));
    let mut c = Client::start(dir.path(), &[]);
    c.open(&main, VALUES);
    let hints = c.ok(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": main}, "range": {"start": pos(0, 0), "end": pos(20, 0)}}),
    );
    // The hints of the output's line, by the text they follow.
    let line = VALUES.lines().nth(16).expect("line 16");
    let after = |what: &str| -> String {
        let col = line.find(what).expect("in line") + what.len();
        hints
            .as_array()
            .into_iter()
            .flatten()
            .find(|h| h["position"] == pos(16, col as u32))
            .and_then(|h| h["label"].as_str())
            .unwrap_or("(none)")
            .to_string()
    };
    assert_eq!(after("local.shout"), " = \"HELLO WORLD\"", "{hints}");
    assert_eq!(after("const.port"), " = 8080", "{hints}");
    assert_eq!(after("var.name"), ": string = \"world\"", "{hints}");
    let long = after("local.long");
    assert!(
        long.starts_with(" = \"0,1,2,3") && long.ends_with('…') && long.chars().count() == 43,
        "{long}"
    );
    assert_eq!(after("lower(\"X\")"), ": string", "{hints}");
    assert_eq!(after("keys({ a = 1 })"), ": tuple([string])", "{hints}");
    c.shutdown();
}
