//! Valid input nested or chained far deeper than any real configuration
//! (item 8 of issue 16): long operator chains, long traversals and long
//! chains of locals. Every command ends with a result or a diagnostic; none
//! may abort the process on a stack overflow. Run as real processes, on the
//! main thread's ordinary stack, as a user runs them.

use crate::support::Workdir;

/// The commands that read a configuration, with the exit codes each may end
/// with when it does not fail.
const COMMANDS: &[&[&str]] = &[
    &["validate"],
    &["fmt", "--check"],
    &["plan", "--no-color"],
    &["graph"],
    &["eval", "local.x"],
];

/// Runs every command on `config` and checks each ends (no signal) with an
/// exit code in `ok` when it succeeds, or 1 with `code` in its output.
fn every_command_ends(config: &str, code: &str) {
    let w = Workdir::new(config);
    for args in COMMANDS {
        let r = w.run(args);
        let failed_with_code = r.code == 1 && (r.stderr.contains(code) || r.stdout.contains(code));
        // `fmt --check` exits 3 when the file is not in canonical layout.
        let fine = r.code == 0 || (args[0] == "fmt" && r.code == 3);
        assert!(
            failed_with_code || (code.is_empty() && fine),
            "infra {args:?} exited {} (want {}):\n--- stdout\n{}\n--- stderr\n{}",
            r.code,
            if code.is_empty() {
                "success".to_string()
            } else {
                format!("1 with {code}")
            },
            r.stdout.chars().take(2000).collect::<String>(),
            r.stderr.chars().take(2000).collect::<String>()
        );
    }
}

#[test]
fn a_sum_of_twenty_thousand_terms_is_too_deep_not_an_abort() {
    let sum = vec!["1"; 20_000].join(" + ");
    every_command_ends(&format!("locals {{\n  x = {sum}\n}}\n"), "syntax::too-deep");
}

#[test]
fn a_traversal_fifty_thousand_steps_long_is_too_deep_not_an_abort() {
    let path = ".b".repeat(50_000);
    every_command_ends(
        &format!("locals {{\n  a = {{}}\n  x = local.a{path}\n}}\n"),
        "syntax::too-deep",
    );
}

/// 1,500 locals each computed from the next, as in the issue.
fn chained_locals(n: usize) -> String {
    let mut text = String::from("locals {\n  x = local.a0\n");
    for i in 0..n {
        text.push_str(&format!("  a{i} = local.a{} + 1\n", i + 1));
    }
    text.push_str(&format!(
        "  a{n} = 0\n}}\n\noutput \"x\" {{\n  value = local.x\n}}\n"
    ));
    text
}

#[test]
fn fifteen_hundred_chained_locals_evaluate() {
    every_command_ends(&chained_locals(1_500), "");
    let w = Workdir::new(&chained_locals(1_500));
    let r = w.expect(&["eval", "local.x"], 0);
    assert_eq!(r.stdout.trim(), "1500");
}

/// Past the documented limit on values computed one from the next, the
/// commands that evaluate say so; the others are unaffected.
#[test]
fn a_chain_of_locals_past_the_limit_is_too_deep_not_an_abort() {
    let w = Workdir::new(&chained_locals(5_001));
    w.expect(&["validate"], 0);
    for args in [
        &["plan", "--no-color"][..],
        &["eval", "local.x"],
        &["graph"],
    ] {
        let r = w.run(args);
        assert!(
            r.code == 1 && r.stderr.contains("eval::too-deep"),
            "infra {args:?} exited {}:\n{}",
            r.code,
            r.stderr.chars().take(2000).collect::<String>()
        );
    }
}

/// Just within the limit, every command walks the tree: a sum of 999 terms
/// and a 990-step traversal, on the commands' ordinary stacks.
#[test]
fn expressions_just_within_the_depth_limit_work_everywhere() {
    let sum = vec!["1"; 999].join(" + ");
    every_command_ends(&format!("locals {{\n  x = {sum}\n}}\n"), "");
    let path = ".b".repeat(990);
    every_command_ends(
        &format!("locals {{\n  a = {{ b = 1 }}\n  x = try(local.a{path}, 0)\n}}\n"),
        "",
    );
}
