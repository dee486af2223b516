//! Terraform's JSON configuration syntax (`*.tf.json`, `*.tfvars.json`)
//! read beside `.tf` files in a Terraform project: templates, references,
//! literal places, `"//"` comments, modules, and errors pointing into the
//! JSON (docs/migrating-from-terraform.md).

use crate::support::Workdir;

/// Resources, outputs and a module call in JSON, as Terraform users write
/// them.
const MAIN_TF_JSON: &str = r#"{
  "//": "Written by a generator.",
  "terraform": {"required_version": ">= 1.5"},
  "locals": {"//": "a comment", "msg": "${var.greeting}${var.suffix}", "raw": "$${not} %%{a}", "obj": {"//": "kept", "k": "v"}},
  "resource": {
    "terraform_data": {
      "a": {"input": {"msg": "${local.msg}", "n": [1, 2]}, "triggers_replace": "v1"},
      "b": [{
        "count": "${length(var.names)}",
        "input": "${terraform_data.a.output.msg}-%{ if true }${var.names[count.index]}%{ endif }",
        "depends_on": ["terraform_data.a"],
        "lifecycle": {"ignore_changes": ["triggers_replace"]}
      }]
    }
  },
  "module": {"child": {"source": "./child", "word": "${local.msg}"}},
  "output": {
    "msg": {"value": "${terraform_data.a.output.msg}", "description": "${literal}"},
    "b": {"value": "${terraform_data.b[*].output}"},
    "raw": {"value": "${local.raw}"},
    "obj": {"value": "${local.obj}"},
    "child": {"value": "${module.child.shout}"}
  }
}
"#;

/// The variables in `.tf` text beside the JSON.
const VARIABLES_TF: &str = r#"variable "greeting" {
  type    = string
  default = "hello"
}

variable "suffix" {
  type = string
}

variable "names" {
  type = list(string)
}
"#;

/// A child module in JSON, with a variable whose default keeps `${`.
const CHILD_TF_JSON: &str = r#"{
  "variable": {"word": {"type": "string"}, "lit": {"type": "string", "default": "${x}"}},
  "output": {"shout": {"value": "${upper(var.word)} ${var.lit}"}}
}
"#;

/// Writes the project's files with `write(PATH, TEXT)`.
fn project(write: &dyn Fn(&str, &str)) {
    write("main.tf.json", MAIN_TF_JSON);
    write("variables.tf", VARIABLES_TF);
    write("child/main.tf.json", CHILD_TF_JSON);
    write(
        "terraform.tfvars.json",
        r#"{"suffix": "?", "names": ["x"]}"#,
    );
    write(
        "z.auto.tfvars.json",
        r#"{"//": "a comment", "names": ["p", "${q}"]}"#,
    );
}

#[test]
fn a_project_of_tf_json_and_tf_files_is_read_as_terraform_reads_it() {
    let w = Workdir::new("");
    std::fs::remove_file(w.path().join("main.infra")).expect("no main.infra");
    project(&|path, text| w.write(path, text));
    let r = w.run(&["validate"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    w.expect(&["apply", "-auto-approve"], 0);
    let out = w.expect(&["output", "--json"], 0);
    let out: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let value = |name: &str| out[name]["value"].clone();
    // The values Terraform 1.15.5 gives for the same files.
    assert_eq!(value("msg"), "hello?");
    assert_eq!(value("b"), serde_json::json!(["hello?-p", "hello?-${q}"]));
    assert_eq!(value("raw"), "${not} %{a}");
    assert_eq!(value("obj"), serde_json::json!({"//": "kept", "k": "v"}));
    assert_eq!(value("child"), "HELLO? ${x}");
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn errors_in_tf_json_point_at_the_json() {
    let w = Workdir::new("");
    std::fs::remove_file(w.path().join("main.infra")).expect("no main.infra");
    w.write(
        "main.tf.json",
        "{\n  \"locals\": {\n    \"a\": \"${local.nope}\"\n  }\n}\n",
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    assert!(r.stderr.contains("main.tf.json:3:"), "{}", r.stderr);
    assert!(r.stderr.contains("local.nope"), "{}", r.stderr);
    w.write(
        "main.tf.json",
        "{\n  \"resource\": {\"terraform_data\": 1}\n}\n",
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    assert!(
        r.stderr.contains("syntax::json-structure") && r.stderr.contains("main.tf.json:2:"),
        "{}",
        r.stderr
    );
    w.write("main.tf.json", "{\n  \"locals\": {\"a\": 1,}\n}\n");
    let r = w.expect(&["validate", "--no-color"], 1);
    assert!(
        r.stderr.contains("syntax::json") && r.stderr.contains("main.tf.json:2:"),
        "{}",
        r.stderr
    );
    w.write("main.tf.json", "{\"locals\": {\"a\": \"${1 +}\"}}");
    let r = w.expect(&["validate", "--no-color"], 1);
    assert!(r.stderr.contains("main.tf.json:1:"), "{}", r.stderr);
    // Escapes before non-ASCII text: the decoded string is shorter than the
    // JSON, and errors still point at whole characters of the file, at the
    // right column (a span in the middle of `é` used to panic).
    w.write(
        "main.tf.json",
        "{\"locals\": {\n  \"a\": \"\\t\\u00e9 é%{ endif }\",\n  \"b\": \"\\n\\u00e9${local.nope}\"\n}}",
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.stderr.contains("main.tf.json:2:"), "{}", r.stderr);
    w.write(
        "main.tf.json",
        "{\"locals\": {\n  \"b\": \"\\n\\u00e9${local.nope}\"\n}}",
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    // `local.nope` is at column 19 of line 2, after `  "b": "`, `\n`,
    // `\u00e9` and `${`.
    assert!(r.stderr.contains("main.tf.json:2:19"), "{}", r.stderr);
}

/// The oracle: Terraform 1.15.5 applies the same JSON project; infra takes
/// its state over and plans no change.
#[test]
fn a_json_project_terraform_applied_plans_no_changes_in_infra() {
    let Some(py) = crate::plugin_terraform::terraform_or_skip(
        "a_json_project_terraform_applied_plans_no_changes_in_infra",
    ) else {
        return;
    };
    let tf = crate::plugin_terraform::Terraform::new(py, &[("TF_VAR_greeting", "from-env")]);
    project(&|path, text| tf.write(path, text));
    tf.expect(&["init", "-input=false"], 0);
    let applied = tf.expect(&["apply", "-auto-approve", "-input=false", "-no-color"], 0);
    assert!(
        applied.output.contains("child = \"FROM-ENV? ${x}\""),
        "{}",
        applied.output
    );
    // infra runs with the same TF_VAR_greeting.
    let dir = tf.work();
    let run = |args: &[&str], code: i32| crate::terraform_migration::infra_in(&dir, args, code);
    let init = run(&["init", "-migrate-state"], 0);
    assert!(
        init.stdout.contains("Copied the state from Terraform"),
        "{}",
        init.stdout
    );
    let plan = run(&["plan", "-detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}
