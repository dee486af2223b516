//! infra's plugin client driving a real plugin process: infra's own
//! `local` provider served by `infra provider serve local` (the go-plugin
//! handshake with AutoMTLS, tfplugin6), selected through
//! `required_providers` and found through `dev_overrides` — plan, apply,
//! no-change plan, drift, destroy, and no process or socket left behind.

use crate::support::{Run, Workdir, assert_contains};
use std::path::Path;
use std::time::Duration;

/// A working directory whose `local` provider is the plugin
/// `infra.test/infra/local`: `plugins/terraform-provider-local` runs the
/// binary under test as `provider serve local`; `cli.tfrc` points
/// `dev_overrides` at it.
fn with_local_plugin(resources: &str) -> Workdir {
    with_served_plugin("local", resources)
}

/// A working directory whose provider `name` is the plugin
/// `infra.test/infra/NAME` served by the binary under test (see
/// [`with_local_plugin`]).
fn with_served_plugin(name: &str, resources: &str) -> Workdir {
    let w = Workdir::new(&served_config(name, resources));
    let bin = env!("CARGO_BIN_EXE_infra-under-test");
    let script = format!("plugins/terraform-provider-{name}");
    w.write(
        &script,
        &format!("#!/bin/sh\nexec '{bin}' provider serve {name}\n"),
    );
    make_executable(&w.path().join(&script));
    w.write(
        "cli.tfrc",
        &format!(
            "provider_installation {{\n  dev_overrides {{\n    \"infra.test/infra/{name}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            w.path().join("plugins").display()
        ),
    );
    std::fs::create_dir_all(w.path().join("sockets")).expect("create the socket directory");
    w
}

/// `resources` with the `required_providers` entry selecting the plugin.
fn plugin_config(resources: &str) -> String {
    served_config("local", resources)
}

/// `resources` with the `required_providers` entry selecting the plugin
/// `infra.test/infra/NAME` as `name`.
fn served_config(name: &str, resources: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    {name} = {{\n      source = \"infra.test/infra/{name}\"\n    }}\n  }}\n}}\n\n{resources}"
    )
}

/// Makes the plugin script count its starts in the file `starts`.
fn count_starts(w: &Workdir, extra: &str) {
    let bin = env!("CARGO_BIN_EXE_infra-under-test");
    w.write(
        "plugins/terraform-provider-local",
        &format!("#!/bin/sh\n{extra}echo started >> starts\nexec '{bin}' provider serve local\n"),
    );
    make_executable(&w.path().join("plugins/terraform-provider-local"));
}

fn starts(w: &Workdir) -> usize {
    w.read_text("starts").map_or(0, |t| t.lines().count())
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the plugin script executable");
}

/// `infra ARGS...` with the CLI configuration and a private socket
/// directory (the plugin inherits `TMPDIR`).
fn command(w: &Workdir, args: &[&str]) -> std::process::Command {
    let mut c = w.command(args);
    c.env("TF_CLI_CONFIG_FILE", w.path().join("cli.tfrc"))
        .env_remove("INFRA_CLI_CONFIG_FILE")
        .env("HOME", w.path())
        .env("TMPDIR", w.path().join("sockets"));
    c
}

/// `infra ARGS...` with the CLI configuration and a private socket
/// directory, to completion.
fn run(w: &Workdir, args: &[&str]) -> Run {
    let out = command(w, args).output().expect("runs infra");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn expect(w: &Workdir, args: &[&str], code: i32) -> Run {
    let r = run(w, args);
    assert_eq!(
        r.code, code,
        "infra {args:?} exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    r
}

/// The plugin stopped and removed its socket: nothing is left in the
/// socket directory.
fn assert_no_socket_left(w: &Workdir) {
    let left: Vec<_> = std::fs::read_dir(w.path().join("sockets"))
        .expect("read the socket directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

const FILE: &str = "resource \"local_file\" \"greeting\" {\n  filename = \"out/greeting.txt\"\n  content  = \"hello\"\n}\n";

#[test]
fn a_plugin_provider_plans_applies_detects_drift_and_destroys() {
    let w = with_local_plugin(FILE);
    let plan = expect(&w, &["plan", "--no-color"], 0);
    assert_contains(&plan.stdout, "local_file.greeting will be created");
    assert_contains(&plan.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
    assert_no_socket_left(&w);

    let apply = expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    assert_contains(&apply.stdout, "Apply complete! Resources: 1 added");
    assert_eq!(w.read_text("out/greeting.txt").as_deref(), Some("hello"));
    assert_no_socket_left(&w);

    // The state records the plugin's answer like a built-in provider's.
    let state = w.state();
    let text = state.to_string();
    assert!(text.contains("greeting.txt"), "{text}");

    expect(&w, &["plan", "--detailed-exitcode", "--no-color"], 0);

    // An outside edit is drift, read through the plugin's ReadResource.
    w.write("out/greeting.txt", "edited");
    let drift = expect(&w, &["drift", "--no-color"], 2);
    assert_contains(&drift.stdout, "local_file.greeting");
    let replan = expect(&w, &["plan", "--detailed-exitcode", "--no-color"], 2);
    assert_contains(&replan.stdout, "local_file.greeting");
    expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    assert_eq!(w.read_text("out/greeting.txt").as_deref(), Some("hello"));

    let destroy = expect(&w, &["destroy", "--auto-approve", "--no-color"], 0);
    assert_contains(&destroy.stdout, "1 destroyed");
    assert!(w.read("out/greeting.txt").is_none());
    assert_no_socket_left(&w);
}

#[test]
fn a_plugin_that_cannot_start_is_an_error_naming_it() {
    let w = with_local_plugin(FILE);
    w.write(
        "plugins/terraform-provider-local",
        "#!/bin/sh\necho 'panic: no luck' >&2\nexit 3\n",
    );
    make_executable(&w.path().join("plugins/terraform-provider-local"));
    let r = expect(&w, &["plan", "--no-color"], 1);
    let flat: String = r.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_contains(&flat, "infra.test/infra/local");
    assert_contains(&flat, "exited before the handshake");
    assert_contains(&flat, "panic: no luck");
}

#[test]
fn each_provider_configuration_runs_its_own_plugin_process() {
    // The plugin starts once; a second start (for the alias) fails. Had
    // the alias shared the first process, the plan would succeed.
    let w = with_local_plugin(
        "provider \"local\" {\n  alias = \"second\"\n}\n\nresource \"local_file\" \"a\" {\n  provider = local.second\n  filename = \"out/a.txt\"\n  content  = \"a\"\n}\n",
    );
    let bin = env!("CARGO_BIN_EXE_infra-under-test");
    w.write(
        "plugins/terraform-provider-local",
        &format!(
            "#!/bin/sh\nn=$(cat starts 2>/dev/null || echo 0)\nn=$((n + 1))\necho $n > starts\nif [ \"$n\" -ge 2 ]; then\n  echo 'second start refused' >&2\n  exit 4\nfi\nexec '{bin}' provider serve local\n"
        ),
    );
    make_executable(&w.path().join("plugins/terraform-provider-local"));
    let r = expect(&w, &["plan", "--no-color"], 1);
    let flat: String = r.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_contains(&flat, "second start refused");
    assert_eq!(w.read_text("starts").as_deref(), Some("2\n"));
    assert_no_socket_left(&w);
}

#[test]
fn a_plugin_killed_mid_apply_is_an_error_naming_it_and_completed_work_is_kept() {
    // The `test` provider served as a plugin; its script records its pid.
    let w = Workdir::new(
        "terraform {\n  required_providers {\n    test = {\n      source = \"infra.test/infra/test\"\n    }\n  }\n}\n\nresource \"test_fault\" \"fast\" {\n  input = \"a\"\n}\n\nresource \"test_fault\" \"slow\" {\n  input    = \"b\"\n  sleep_ms = 120000\n}\n",
    );
    let bin = env!("CARGO_BIN_EXE_infra-under-test");
    w.write(
        "plugins/terraform-provider-test",
        &format!("#!/bin/sh\necho $$ > plugin.pid\nexec '{bin}' provider serve test\n"),
    );
    make_executable(&w.path().join("plugins/terraform-provider-test"));
    w.write(
        "cli.tfrc",
        &format!(
            "provider_installation {{\n  dev_overrides {{\n    \"infra.test/infra/test\" = \"{}\"\n  }}\n}}\n",
            w.path().join("plugins").display()
        ),
    );
    std::fs::create_dir_all(w.path().join("sockets")).expect("create the socket directory");

    let mut apply = Workdir::spawn_command(command(&w, &["apply", "--auto-approve", "--no-color"]));
    let patience = Duration::from_secs(120);
    assert!(
        apply.wait_for(patience, |lines| {
            lines.iter().any(|l| l == "test_fault.slow: Creating...")
                && lines
                    .iter()
                    .any(|l| l.starts_with("test_fault.fast: Creation complete"))
        }),
        "the apply never got to the slow create"
    );
    let pid = w.read_text("plugin.pid").expect("the plugin wrote its pid");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .expect("run kill");
    assert!(killed.success());

    let done = apply.finish(patience);
    assert_eq!(done.code, 1, "{}\n{}", done.stdout, done.stderr);
    let err: String = done.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_contains(&err, "provider `test`");
    assert_contains(&err, "stopped answering");
    assert_contains(&err, &format!("pid {}", pid.trim()));
    // The create that completed before the plugin died is in the state.
    assert!(
        w.state_list().contains(&"test_fault.fast".to_string()),
        "{:?}",
        w.state_list()
    );
    assert_no_socket_left(&w);
}

/// Three levels of dependency: `b`'s content is `a`'s planned checksums
/// (known at plan: the provider computes them), `c[*]` take `b`'s.
const CHAIN: &str = "resource \"local_file\" \"a\" {\n  filename = \"out/a.txt\"\n  content  = \"hello\"\n}\n\nresource \"local_file\" \"b\" {\n  filename = \"out/b.txt\"\n  content  = \"${local_file.a.id} ${local_file.a.content_md5}\"\n}\n\nresource \"local_file\" \"c\" {\n  count    = 3\n  filename = \"out/c${count.index}.txt\"\n  content  = local_file.b.id\n}\n";

#[test]
fn plans_through_a_plugin_with_dependent_resources_equal_the_native_providers() {
    let plugin = with_local_plugin(CHAIN);
    let native = Workdir::new(CHAIN);
    let same_plan = |code: i32| {
        let p = expect(
            &plugin,
            &["plan", "--detailed-exitcode", "--no-color"],
            code,
        );
        let n = native.run(&["plan", "--detailed-exitcode", "--no-color"]);
        assert_eq!(n.code, code, "{}", n.stderr);
        assert_eq!(
            p.stdout, n.stdout,
            "the plugin's plan differs from the native one"
        );
        p
    };
    let created = same_plan(2);
    assert_contains(
        &created.stdout,
        "Plan: 5 to add, 0 to change, 0 to destroy.",
    );
    expect(&plugin, &["apply", "--auto-approve", "--no-color"], 0);
    assert_eq!(
        native.run(&["apply", "--auto-approve", "--no-color"]).code,
        0
    );
    assert_eq!(
        plugin.read_text("out/c2.txt"),
        native.read_text("out/c2.txt")
    );
    same_plan(0);
    // A change of `a` changes what `b` and `c[*]` are planned from.
    plugin.write(
        "main.infra",
        &plugin_config(&CHAIN.replace("\"hello\"", "\"changed\"")),
    );
    native.write("main.infra", &CHAIN.replace("\"hello\"", "\"changed\""));
    let changed = same_plan(2);
    assert_contains(&changed.stdout, "local_file.c[2] must be replaced");
    assert_no_socket_left(&plugin);
}

#[test]
fn apply_starts_the_plugin_once_for_its_plan_and_its_changes() {
    let w = with_local_plugin(FILE);
    count_starts(&w, "");
    expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    assert_eq!(starts(&w), 1);
    assert_eq!(w.read_text("out/greeting.txt").as_deref(), Some("hello"));
}

/// An aliased configuration has its own process, started once for the
/// plan and the changes of an apply: two starts (default and alias).
#[test]
fn apply_starts_an_aliased_configuration_once_too() {
    let w = with_local_plugin(
        "provider \"local\" {\n  alias = \"second\"\n}\n\nresource \"local_file\" \"a\" {\n  provider = local.second\n  filename = \"out/a.txt\"\n  content  = \"a\"\n}\n",
    );
    count_starts(&w, "");
    expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    assert_eq!(starts(&w), 2);
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("a"));
}

#[test]
fn validate_checks_plugin_types_against_the_schema_plan_cached_without_starting_it() {
    let w = with_local_plugin(FILE);
    count_starts(&w, "");
    let bad = plugin_config(&FILE.replace("content ", "contnet"));

    // No cache yet: said, and the types are not checked.
    let first = expect(&w, &["validate", "--no-color"], 0);
    assert_contains(&first.stderr, "provider::schema-not-cached");
    assert_contains(&first.stderr, "Run plan once");
    assert_eq!(starts(&w), 0);

    expect(&w, &["plan", "--no-color"], 0);
    assert_eq!(starts(&w), 1);
    expect(&w, &["validate", "--no-color"], 0);
    w.write("main.infra", &bad);
    let r = expect(&w, &["validate", "--no-color"], 1);
    assert_contains(&r.stderr, "contnet");
    assert_contains(&r.stderr, "Did you mean `content`?");
    assert_eq!(starts(&w), 1, "validate started the plugin");
}

#[test]
fn a_changed_plugin_executable_invalidates_the_cached_schema() {
    let w = with_local_plugin(FILE);
    count_starts(&w, "");
    expect(&w, &["plan", "--no-color"], 0);
    w.write(
        "main.infra",
        &plugin_config(&FILE.replace("content ", "contnet")),
    );
    expect(&w, &["validate", "--no-color"], 1);

    // Another build of the plugin: its schema is not known until it ran.
    count_starts(&w, "# rebuilt\n");
    let r = expect(&w, &["validate", "--no-color"], 0);
    assert_contains(&r.stderr, "provider::schema-not-cached");
    w.write("main.infra", &plugin_config(FILE));
    expect(&w, &["plan", "--no-color"], 0);
    w.write(
        "main.infra",
        &plugin_config(&FILE.replace("content ", "contnet")),
    );
    let r = expect(&w, &["validate", "--no-color"], 1);
    assert_contains(&r.stderr, "contnet");
    let entries = std::fs::read_dir(
        w.path()
            .join(".infra/providers/schemas/infra.test/infra/local"),
    )
    .expect("the cache folder")
    .count();
    assert_eq!(entries, 1, "the old build's entry is removed");
}

#[test]
fn a_plugin_provider_function_is_called_through_the_protocol() {
    let w = with_local_plugin(
        "output \"here\" {\n  value = provider::local::direxists(\".\")\n}\n\noutput \"missing\" {\n  value = provider::local::direxists(\"nowhere\")\n}\n\noutput \"file\" {\n  value = provider::local::direxists(\"cli.tfrc\")\n}\n",
    );
    // A file is refused by the plugin; the error points at the argument.
    let plan = expect(&w, &["plan", "--no-color"], 1);
    assert_contains(&plan.stderr, "was found, but is not a");
    assert_contains(&plan.stderr, "function::provider-error");

    w.config(
        "terraform {\n  required_providers {\n    local = {\n      source = \"infra.test/infra/local\"\n    }\n  }\n}\n\noutput \"here\" {\n  value = provider::local::direxists(\".\")\n}\n\noutput \"missing\" {\n  value = provider::local::direxists(\"nowhere\")\n}\n",
    );
    expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    let out = expect(&w, &["output", "--json"], 0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["here"]["value"], true);
    assert_eq!(json["missing"]["value"], false);
    assert_no_socket_left(&w);
}

/// A `moved` block from a built-in type to a plugin's type: the plugin
/// (`infra provider serve test`, whose `test_fault` takes any type)
/// advertises MoveResourceState and converts the object.
#[test]
fn a_plugin_moves_an_object_of_another_type_through_move_resource_state() {
    let w = with_served_plugin(
        "test",
        "resource \"infra_data\" \"old\" {\n  input = \"kept\"\n}\n",
    );
    expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    let id = w.attributes("infra_data.old")["id"].clone();
    let settings = "terraform {\n  required_providers {\n    test = {\n      source = \"infra.test/infra/test\"\n    }\n  }\n}\n\n";
    w.config(&format!(
        "{settings}resource \"test_fault\" \"new\" {{\n  input = \"kept\"\n}}\n\nmoved {{\n  from = infra_data.old\n  to   = test_fault.new\n}}\n"
    ));
    let plan = expect(&w, &["plan", "--no-color"], 0);
    assert_contains(&plan.stdout, "# infra_data.old has moved to test_fault.new");
    expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    let a = w.attributes("test_fault.new");
    assert_eq!(a["id"], id, "{a:#}");
    expect(&w, &["plan", "--detailed-exitcode", "--no-color"], 0);
    assert_no_socket_left(&w);
}

/// The `torture` provider served as a plugin (`provider serve torture`)
/// under the working directory's `required_providers`.
fn with_torture_plugin(resources: &str) -> Workdir {
    with_served_plugin("torture", resources)
}

#[test]
fn every_nesting_mode_through_the_plugin_client_matches_in_process() {
    use crate::torture::{TORTURE, assert_applied, changed, instance, sensitive_paths};
    let native = Workdir::new(TORTURE);
    let plugin = with_torture_plugin(TORTURE);
    let plan_args = ["plan", "--no-color", "--detailed-exitcode"];
    let apply_args = ["apply", "--auto-approve", "--no-color"];
    let native_plan = native.expect(&plan_args, 2);
    let plugin_plan = expect(&plugin, &plan_args, 2);
    assert_eq!(plugin_plan.stdout, native_plan.stdout);
    native.apply();
    expect(&plugin, &apply_args, 0);
    let (n, p) = (instance(&native.state()), instance(&plugin.state()));
    assert_applied(&p["attributes"]);
    assert_eq!(p["attributes"], n["attributes"]);
    assert_eq!(sensitive_paths(&p), sensitive_paths(&n));
    assert_eq!(p["private"], n["private"], "private bytes");
    assert_eq!(p["schema_version"], 1);
    expect(&plugin, &plan_args, 0);

    native.config(&changed());
    plugin.config(&format!(
        "terraform {{\n  required_providers {{\n    torture = {{\n      source = \"infra.test/infra/torture\"\n    }}\n  }}\n}}\n{}",
        changed()
    ));
    let native_plan = native.expect(&plan_args, 2);
    let plugin_plan = expect(&plugin, &plan_args, 2);
    assert_eq!(plugin_plan.stdout, native_plan.stdout);
    native.apply();
    expect(&plugin, &apply_args, 0);
    let (n, p) = (instance(&native.state()), instance(&plugin.state()));
    assert_eq!(p["attributes"], n["attributes"]);
    expect(&plugin, &plan_args, 0);

    // State of schema version 0, upgraded by the plugin.
    let text = plugin.read_text(".infra/state.json").expect("state.json");
    let old = text
        .replacen("\"name\": \"one\"", "\"title\": \"one\"", 1)
        .replacen("\"schema_version\": 1", "\"schema_version\": 0", 1);
    assert_ne!(old, text, "the state has the fields to rewrite:\n{text}");
    plugin.write(".infra/state.json", &old);
    expect(&plugin, &plan_args, 0);

    let destroy = expect(&plugin, &["destroy", "--auto-approve", "--no-color"], 0);
    assert_contains(&destroy.stdout, "1 destroyed");
    assert_no_socket_left(&plugin);
}

/// A plugin is sent ConfigureProvider even when the configuration has no
/// `provider` block for it, as Terraform configures every provider it
/// uses (real providers refuse to plan until configured); each RPC is
/// logged at debug level.
#[test]
fn a_plugin_without_a_provider_block_is_configured_before_planning() {
    let w = with_local_plugin(
        "resource \"local_file\" \"f\" {\n  filename = \"${path.module}/out.txt\"\n  content  = \"hi\"\n}\n",
    );
    let out = command(&w, &["plan", "--no-color"])
        .env("INFRA_LOG", "infra_plugin=debug")
        .output()
        .expect("runs infra");
    let plan = Run::of(&out);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let rpcs: Vec<&str> = plan
        .stderr
        .lines()
        .filter(|l| l.contains("calling the plugin"))
        .filter_map(|l| l.split("rpc=").nth(1))
        .map(|r| r.split_whitespace().next().unwrap_or("").trim_matches('"'))
        .collect();
    let configure = rpcs.iter().position(|r| *r == "ConfigureProvider");
    let first_plan = rpcs.iter().position(|r| *r == "PlanResourceChange");
    assert!(
        configure.is_some(),
        "no ConfigureProvider in {rpcs:?}\n{}",
        plan.stderr
    );
    assert!(
        configure < first_plan,
        "configured after planning: {rpcs:?}"
    );
}

/// One case of `tests/data/engine/unused_providers/`: its configuration,
/// the exit code `plan` must give and the text its error must hold.
pub(crate) struct UnusedProviderCase {
    pub(crate) name: String,
    pub(crate) config: String,
    pub(crate) exit: i32,
    pub(crate) error: Option<String>,
}

impl UnusedProviderCase {
    /// What went wrong when a run exited `code` printing `output` (its
    /// words compared with the expected error whitespace-insensitively),
    /// with `shown` (what the run printed) to report; `None` when it went
    /// as the case says.
    pub(crate) fn failure(&self, code: i32, output: &str, shown: &str) -> Option<String> {
        let flat: String = output.split_whitespace().collect::<Vec<_>>().join(" ");
        let said = self
            .error
            .as_ref()
            .is_none_or(|e| flat.contains(e.as_str()));
        (code != self.exit || !said).then(|| {
            format!(
                "--- {}: exited {code} (expected {}, error {:?})\n{shown}",
                self.name, self.exit, self.error
            )
        })
    }
}

/// The cases of `tests/data/engine/unused_providers/` (see its README).
pub(crate) fn unused_provider_cases() -> Vec<UnusedProviderCase> {
    let dir = crate::support::data_dir("engine/unused_providers");
    crate::support::cases(&dir, ".tf")
        .iter()
        .map(|path| {
            let config = std::fs::read_to_string(path).expect("read the case");
            let header = |key: &str| {
                config
                    .lines()
                    .take_while(|l| l.starts_with('#'))
                    .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                    .map(str::to_string)
            };
            let exit = header("exit")
                .and_then(|e| e.parse().ok())
                .unwrap_or_else(|| panic!("{}: no `# exit: N` line", path.display()));
            UnusedProviderCase {
                name: crate::support::case_name(path),
                error: header("error"),
                exit,
                config,
            }
        })
        .collect()
}

/// A provider configuration nothing uses is never configured, as
/// Terraform's `PruneProviderTransformer` removes it from the graph: a
/// `provider "aws"` block the plugin would refuse (or whose arguments it
/// does not have, or that would not evaluate) breaks only a plan that
/// uses it — through a resource, even one with `count = 0`, a data
/// source of a `check` block or an `import` block.
#[test]
fn a_provider_configuration_nothing_uses_is_never_configured() {
    let mut failures = Vec::new();
    for case in unused_provider_cases() {
        let w = with_served_plugin("aws", "");
        std::fs::remove_file(w.path().join("main.infra")).expect("remove main.infra");
        w.write("main.tf", &case.config);
        let r = run(&w, &["plan", "--no-color"]);
        let shown = format!("{}\n{}", r.stdout, r.stderr);
        failures.extend(case.failure(r.code, &r.stderr, &shown));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The RPCs the plugin was sent, in order (`INFRA_LOG=infra_plugin=debug`).
fn rpcs(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains("calling the plugin"))
        .filter_map(|l| l.split("rpc=").nth(1))
        .map(|r| {
            r.split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_string()
        })
        .collect()
}

/// `infra plan` with the plugin's RPCs logged: its outcome and the RPCs.
fn plan_rpcs(w: &Workdir, code: i32) -> (Run, Vec<String>) {
    let out = command(w, &["plan", "--no-color"])
        .env("INFRA_LOG", "infra_plugin=debug")
        .output()
        .expect("runs infra");
    let r = Run::of(&out);
    assert_eq!(r.code, code, "{}\n{}", r.stdout, r.stderr);
    let rpcs = rpcs(&r.stderr);
    (r, rpcs)
}

/// A required plugin nothing uses is started for its schema (Terraform
/// loads the schema of every provider in `required_providers`, so one
/// that cannot start fails the plan all the same) but never sent
/// ConfigureProvider; a plugin used only for its functions is not
/// configured either (Terraform calls them on an unconfigured instance);
/// a plugin whose objects are only in the state is configured to plan
/// their deletion.
#[test]
fn a_plugin_nothing_uses_is_started_for_its_schema_but_not_configured() {
    let w = with_local_plugin("resource \"infra_data\" \"a\" {\n  input = \"x\"\n}\n");
    let (_, sent) = plan_rpcs(&w, 0);
    assert!(sent.iter().any(|r| r == "GetProviderSchema"), "{sent:?}");
    assert!(!sent.iter().any(|r| r == "ConfigureProvider"), "{sent:?}");

    w.config(&plugin_config(
        "output \"here\" {\n  value = provider::local::direxists(\".\")\n}\n",
    ));
    let (_, sent) = plan_rpcs(&w, 0);
    assert!(sent.iter().any(|r| r == "CallFunction"), "{sent:?}");
    assert!(!sent.iter().any(|r| r == "ConfigureProvider"), "{sent:?}");

    w.config(&plugin_config(FILE));
    expect(&w, &["apply", "--auto-approve", "--no-color"], 0);
    w.config(&plugin_config(""));
    let (plan, sent) = plan_rpcs(&w, 0);
    assert_contains(&plan.stdout, "local_file.greeting will be destroyed");
    let configure = sent.iter().position(|r| r == "ConfigureProvider");
    let read = sent.iter().position(|r| r == "ReadResource");
    assert!(configure.is_some(), "not configured: {sent:?}");
    assert!(configure < read, "read before it was configured: {sent:?}");

    // Unused, but its schema is needed: a plugin that cannot start fails.
    w.config(&plugin_config(
        "resource \"infra_data\" \"a\" {\n  input = \"x\"\n}\n",
    ));
    w.write(
        "plugins/terraform-provider-local",
        "#!/bin/sh\necho 'panic: no luck' >&2\nexit 3\n",
    );
    let r = expect(&w, &["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "panic: no luck");
    assert_no_socket_left(&w);
}
