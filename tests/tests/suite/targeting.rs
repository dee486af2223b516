//! Resource targeting end to end: `--exclude` drops the excluded and what
//! depends on them (OpenTofu's `-exclude`), targeting files, `--target`
//! with `--exclude` refused, and refresh limited to the targeted objects
//! and what they depend on.

use crate::support::{Workdir, assert_contains, unwrapped};

/// A chain `a <- b <- c` of files, an unrelated `d`, and a module `m`
/// holding `e`, which reads `d`.
const CHAIN: &str = r#"
resource "local_file" "a" {
  filename = "${path.module}/a.txt"
  content  = "a"
}
resource "local_file" "b" {
  filename = "${path.module}/b.txt"
  content  = local_file.a.content
}
resource "local_file" "c" {
  filename = "${path.module}/c.txt"
  content  = local_file.b.content
}
resource "local_file" "d" {
  filename = "${path.module}/d.txt"
  content  = "d"
}
module "m" {
  source = "./m"
  text   = local_file.d.content
}
"#;

const MODULE: &str = r#"
variable "text" { type = string }
resource "local_file" "e" {
  filename = "${path.root}/e.txt"
  content  = var.text
}
"#;

fn chain() -> Workdir {
    let w = Workdir::new(CHAIN);
    w.write("m/main.infra", MODULE);
    w
}

/// The addresses of the plan's `# ADDR will be created` lines, in order.
fn created(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("# ")?
                .strip_suffix(" will be created")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn exclude_drops_the_excluded_and_what_depends_on_them() {
    let w = chain();
    let r = w.expect(&["plan", "--no-color", "--exclude", "local_file.b"], 0);
    assert_eq!(
        created(&r.stdout),
        ["local_file.a", "local_file.d", "module.m.local_file.e"]
    );
    assert_contains(&unwrapped(&r.stderr), "resource targeting is in effect");
    // Excluding `d` drops the module's `e`, which reads it.
    let r = w.expect(&["plan", "--no-color", "--exclude", "local_file.d"], 0);
    assert_eq!(
        created(&r.stdout),
        ["local_file.a", "local_file.b", "local_file.c"]
    );
}

#[test]
fn exclude_of_a_module_applies_the_rest() {
    let w = chain();
    let r = w.expect(
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--exclude",
            "module.m",
        ],
        0,
    );
    assert_contains(&r.stdout, "Resources: 4 added, 0 changed, 0 destroyed.");
    assert_eq!(
        w.state_list(),
        [
            "local_file.a",
            "local_file.b",
            "local_file.c",
            "local_file.d"
        ]
    );
    // A targeted destroy that excludes `b` keeps `b` and what it needs.
    let r = w.expect(
        &[
            "destroy",
            "--auto-approve",
            "--no-color",
            "--exclude",
            "local_file.b",
        ],
        0,
    );
    assert_contains(&r.stdout, "Destroy complete! Resources: 2 destroyed.");
    assert_eq!(w.state_list(), ["local_file.a", "local_file.b"]);
}

#[test]
fn target_file_skips_comments_and_blank_lines() {
    let w = chain();
    w.write(
        "targets.txt",
        "# what the hotfix needs\n\n  local_file.b\n# module.m\nmodule.m\n",
    );
    let r = w.expect(&["plan", "--no-color", "--target-file", "targets.txt"], 0);
    assert_eq!(
        created(&r.stdout),
        [
            "local_file.a",
            "local_file.b",
            "local_file.d",
            "module.m.local_file.e"
        ]
    );
    w.write("skip.txt", "# not now\nlocal_file.a\n");
    let r = w.expect(&["plan", "--no-color", "--exclude-file", "skip.txt"], 0);
    assert_eq!(
        created(&r.stdout),
        ["local_file.d", "module.m.local_file.e"]
    );
}

#[test]
fn bad_line_in_a_target_file_is_reported_with_its_line() {
    let w = chain();
    w.write("targets.txt", "# ok\nlocal_file.a\n\nlocal_file.\n");
    let r = w.expect(&["plan", "--no-color", "--target-file", "targets.txt"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "cli::bad-address");
    assert_contains(&err, "targets.txt:4: ");
    let r = w.expect(&["plan", "--no-color", "--exclude-file", "missing.txt"], 1);
    assert_contains(&unwrapped(&r.stderr), "cli::target-file");
}

#[test]
fn target_and_exclude_together_are_refused() {
    let w = chain();
    w.write("skip.txt", "local_file.a\n");
    for args in [
        ["--target", "local_file.c", "--exclude", "local_file.a"],
        ["--target", "local_file.c", "--exclude-file", "skip.txt"],
    ] {
        let mut all = vec!["plan", "--no-color"];
        all.extend(args);
        let r = w.expect(&all, 1);
        let err = unwrapped(&r.stderr);
        assert_contains(&err, "cli::bad-flags");
        assert_contains(&err, "--target and --exclude cannot be used together");
    }
    assert!(w.state_list().is_empty());
}

/// Every file deleted behind infra's back: each object refresh reads is
/// reported gone, so the drift note counts the reads.
#[test]
fn refresh_reads_only_the_target_and_what_it_depends_on() {
    let w = chain();
    w.apply();
    for f in ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"] {
        std::fs::remove_file(w.path().join(f)).expect("remove");
    }
    let gone = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("# ")?
                    .strip_suffix(" has been deleted")
            })
            .map(str::to_string)
            .collect()
    };
    let r = w.expect(&["plan", "--no-color", "--target", "local_file.b"], 0);
    assert_eq!(gone(&r.stdout), ["local_file.a", "local_file.b"]);
    assert_eq!(created(&r.stdout), ["local_file.a", "local_file.b"]);
    let r = w.expect(&["plan", "--no-color", "--exclude", "local_file.d"], 0);
    assert_eq!(
        gone(&r.stdout),
        ["local_file.a", "local_file.b", "local_file.c"]
    );
    // Without targeting every object is read.
    let r = w.expect(&["plan", "--no-color"], 0);
    assert_eq!(gone(&r.stdout).len(), 5);
}

#[test]
fn refresh_only_honours_exclude_files() {
    let w = chain();
    w.apply();
    for f in ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"] {
        std::fs::remove_file(w.path().join(f)).expect("remove");
    }
    w.write("skip.txt", "# keep the chain as recorded\nlocal_file.a\n");
    w.expect(
        &[
            "apply",
            "--refresh-only",
            "--auto-approve",
            "--no-color",
            "--exclude-file",
            "skip.txt",
        ],
        0,
    );
    // `d` and the module's `e` were read and found gone; the chain that
    // depends on `a` was left as recorded.
    assert_eq!(
        w.state_list(),
        ["local_file.a", "local_file.b", "local_file.c"]
    );
}

#[test]
fn excluded_import_is_not_imported() {
    let w = chain();
    w.write("seen.txt", "x");
    w.write(
        "import.infra",
        r#"
import {
  to = local_file.seen
  id = "seen.txt"
}
resource "local_file" "seen" {
  filename = "${path.module}/seen.txt"
  content  = "x"
}
"#,
    );
    let r = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&r.stdout, "(imported from \"seen.txt\")");
    let r = w.expect(&["plan", "--no-color", "--exclude", "local_file.seen"], 0);
    assert!(!r.stdout.contains("local_file.seen"), "{}", r.stdout);
}

#[test]
fn destroy_excluding_a_protected_object_destroys_the_rest() {
    let w = Workdir::new(
        r#"
resource "local_file" "db" {
  filename = "${path.module}/db.txt"
  content  = "db"
  lifecycle { prevent_destroy = true }
}
resource "local_file" "web" {
  filename = "${path.module}/web.txt"
  content  = "web"
}
"#,
    );
    w.apply();
    let r = w.expect(&["destroy", "--auto-approve", "--no-color"], 1);
    assert_contains(&unwrapped(&r.stderr), "plan::prevent-destroy");
    w.expect(
        &[
            "destroy",
            "--auto-approve",
            "--no-color",
            "--exclude",
            "local_file.db",
        ],
        0,
    );
    assert_eq!(w.state_list(), ["local_file.db"]);
}

/// The `(address, kind)` pairs of a drift JSON report and how many
/// objects it checked.
fn drifted(w: &Workdir, args: &[&str]) -> (Vec<String>, u64) {
    let r = w.expect(args, 2);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", r.stdout, r.stderr));
    let found = doc["drift"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    format!(
                        "{} {}",
                        d["address"].as_str().unwrap_or(""),
                        d["kind"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (
        found,
        doc["summary"]["resources_checked"].as_u64().unwrap_or(0),
    )
}

#[test]
fn drift_honours_exclude_and_targeting_files() {
    let w = chain();
    w.apply();
    for f in ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"] {
        std::fs::remove_file(w.path().join(f)).expect("remove");
    }
    // `--exclude a` leaves out a and the chain that depends on it.
    let (found, checked) = drifted(&w, &["drift", "--json", "--exclude", "local_file.a"]);
    assert_eq!(
        found,
        ["local_file.d missing", "module.m.local_file.e missing"]
    );
    assert_eq!(checked, 2);
    w.write("skip.txt", "# the module has its own schedule\nmodule.m\n");
    let (found, _) = drifted(&w, &["drift", "--json", "--exclude-file", "skip.txt"]);
    assert_eq!(
        found,
        [
            "local_file.a missing",
            "local_file.b missing",
            "local_file.c missing",
            "local_file.d missing"
        ]
    );
    w.write("only.txt", "local_file.c\n");
    let (found, checked) = drifted(&w, &["drift", "--json", "--target-file", "only.txt"]);
    assert_eq!(found, ["local_file.c missing"]);
    assert_eq!(checked, 1);
    let r = w.expect(
        &[
            "drift",
            "--target",
            "local_file.a",
            "--exclude",
            "local_file.b",
        ],
        1,
    );
    assert_contains(&r.stderr, "cli::bad-flags");
}

#[test]
fn saved_plans_keep_their_excludes_and_warn_again_at_apply() {
    let w = chain();
    w.expect(
        &[
            "plan",
            "--no-color",
            "--exclude",
            "local_file.b",
            "-out",
            "p.plan",
        ],
        0,
    );
    let r = w.expect(&["plan", "--json", "--exclude", "local_file.b"], 0);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("plan JSON");
    assert_eq!(doc["excludes"], serde_json::json!(["local_file.b"]));
    let r = w.expect(&["apply", "--no-color", "p.plan"], 0);
    assert_contains(&unwrapped(&r.stderr), "resource targeting is in effect");
    assert_eq!(
        w.state_list(),
        ["local_file.a", "local_file.d", "module.m.local_file.e"]
    );
}

#[test]
fn refresh_only_plans_warn_when_targeted() {
    let w = chain();
    w.apply();
    std::fs::remove_file(w.path().join("a.txt")).expect("remove");
    let r = w.expect(
        &[
            "plan",
            "--refresh-only",
            "--no-color",
            "--target",
            "local_file.a",
        ],
        0,
    );
    assert_contains(&unwrapped(&r.stderr), "resource targeting is in effect");
    assert_contains(&r.stdout, "local_file.a");
    let r = w.expect(&["plan", "--refresh-only", "--no-color"], 0);
    assert!(
        !r.stderr.contains("targeting"),
        "an untargeted plan warned: {}",
        r.stderr
    );
}
