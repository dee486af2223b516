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

fn project(w: &Workdir) {
    std::fs::remove_file(w.path().join("main.infra")).expect("no main.infra");
    w.write("main.tf.json", MAIN_TF_JSON);
    w.write("variables.tf", VARIABLES_TF);
    w.write("child/main.tf.json", CHILD_TF_JSON);
    w.write(
        "terraform.tfvars.json",
        r#"{"suffix": "?", "names": ["x"]}"#,
    );
    w.write(
        "z.auto.tfvars.json",
        r#"{"//": "a comment", "names": ["p", "${q}"]}"#,
    );
}

#[test]
fn a_project_of_tf_json_and_tf_files_is_read_as_terraform_reads_it() {
    let w = Workdir::new("");
    project(&w);
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
    let tf = crate::plugin_terraform::Terraform::new(py, &[]);
    tf.write("main.tf.json", MAIN_TF_JSON);
    tf.write("variables.tf", VARIABLES_TF);
    tf.write("child/main.tf.json", CHILD_TF_JSON);
    tf.write(
        "terraform.tfvars.json",
        r#"{"suffix": "?", "names": ["x"]}"#,
    );
    tf.write(
        "z.auto.tfvars.json",
        r#"{"//": "a comment", "names": ["p", "${q}"]}"#,
    );
    tf.expect(&["init", "-input=false"], 0);
    let applied = tf.expect(&["apply", "-auto-approve", "-input=false", "-no-color"], 0);
    assert!(
        applied.output.contains("child = \"HELLO? ${x}\""),
        "{}",
        applied.output
    );
    let dir = tf.work();
    let run = |args: &[&str], code: i32| {
        let out = crate::support::infra_bin()
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env_remove("INFRA_WORKSPACE")
            .env_remove("TF_WORKSPACE")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("infra runs");
        let r = crate::support::Run::of(&out);
        assert_eq!(r.code, code, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        r
    };
    run(&["init", "-migrate-state"], 0);
    let plan = run(&["plan", "-detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}
