//! Evaluation of whole configurations: module fixtures under
//! `tests/data/eval/modules/<case>/` (nested modules, for_each, count,
//! variables, functions, outputs, checks) rendered as a report and
//! snapshotted; expression errors rendered as a user sees them; and
//! `infra eval` end to end.

use crate::support::{cases, data_dir, infra, render, run_cases};
use infra_engine::eval::{CheckStatus, EvalOptions, collect_inputs, eval_expression, evaluate};
use infra_lang::value;
use std::fmt::Write as _;
use std::path::Path;

/// What a user would want to see of an evaluation: every instance with
/// its configuration, the outputs, check results and diagnostics.
fn report(dir: &Path) -> String {
    let inputs = collect_inputs(dir, &[], &[]).unwrap_or_default();
    let ev = evaluate(dir, inputs, &EvalOptions::default());
    let mut out = String::new();
    for i in &ev.instances {
        let _ = writeln!(out, "{} = {}", i.address, value::render(&i.config));
    }
    for (k, v) in &ev.outputs {
        let _ = writeln!(out, "output.{k} = {}", value::render(v));
    }
    for c in &ev.checks {
        let status = match &c.status {
            CheckStatus::Pass => "pass".to_string(),
            CheckStatus::Unknown => "unknown until apply".to_string(),
            CheckStatus::Fail(m) => format!("FAIL: {m}"),
        };
        let _ = writeln!(out, "{}: {status}", c.address);
    }
    if !ev.diagnostics.is_empty() {
        out.push_str(&render(&ev.diagnostics));
    }
    out
}

#[test]
fn module_fixtures_evaluate_to_their_snapshots() {
    let dirs = cases(&data_dir("eval/modules"), "/");
    run_cases(&dirs, |dir| {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("case")
            .to_string();
        // Relative, as a user passes it (tests run in the package directory).
        let rel = dir.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(dir);
        let got = report(rel);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(name);
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!("eval_module", got));
        Ok(())
    });
}

/// Each line of `error_cases.txt` is evaluated in the `context` module;
/// every one must fail, and the renderings are snapshotted together.
#[test]
fn expression_errors_point_at_the_offending_expression() {
    // Relative, as a user passes it, so paths in messages are the same on
    // every machine (integration tests run in the package directory).
    let ctx = std::path::PathBuf::from("data/eval/context");
    let inputs = collect_inputs(&ctx, &[], &[]).unwrap_or_default();
    let text = std::fs::read_to_string(data_dir("eval/error_cases.txt")).unwrap_or_default();
    let mut out = String::new();
    let mut succeeded = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        match eval_expression(&ctx, inputs.clone(), &EvalOptions::default(), line) {
            Ok(v) => succeeded.push(format!("{line} = {}", value::render(&v))),
            Err(d) => {
                assert!(!d.is_empty(), "{line}: failed without a diagnostic");
                let _ = writeln!(out, "> {line}\n{}", render(&d));
            }
        }
    }
    assert!(
        succeeded.is_empty(),
        "these should fail:\n{}",
        succeeded.join("\n")
    );
    insta::assert_snapshot!("expression_errors", out);
}

/// Expressions with a known answer, evaluated in the `context` module
/// (references to variables, locals, functions, resources).
#[test]
fn expressions_in_a_module_context_give_their_values() {
    let ctx = data_dir("eval/context");
    let inputs = collect_inputs(&ctx, &[], &[]).unwrap_or_default();
    let text = std::fs::read_to_string(data_dir("eval/context_cases.txt")).unwrap_or_default();
    let mut failures = Vec::new();
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    while let (Some(expr), Some(want)) = (lines.next(), lines.next()) {
        let want = want.trim_start_matches("=> ").replace("\\n", "\n");
        match eval_expression(&ctx, inputs.clone(), &EvalOptions::default(), expr) {
            Ok(v) if value::render(&v) == want => {}
            Ok(v) => failures.push(format!(
                "{expr}\n  want {want}\n  got  {}",
                value::render(&v)
            )),
            Err(d) => failures.push(format!("{expr}\n  want {want}\n  error {}", render(&d))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn infra_eval_prints_values_and_json_and_fails_with_exit_1() {
    let ctx = data_dir("eval/context");
    let dir = ctx.to_string_lossy();
    let r = infra(&["eval", "--chdir", &dir, "local.name_upper"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "\"WEB-DEV\"\n"),
        "{}",
        r.stderr
    );
    let r = infra(&["eval", "--chdir", &dir, "--json", "var.password"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(json["sensitive"], true);
    assert_eq!(
        json["value"],
        serde_json::Value::Null,
        "a sensitive value must never be printed"
    );
    let r = infra(&[
        "eval",
        "--chdir",
        &dir,
        "-var",
        "team=ops",
        "local.name_upper",
    ]);
    assert_eq!(
        r.stdout, "\"OPS-DEV\"\n",
        "-var overrides infra.infravars: {}",
        r.stderr
    );
    let r = infra(&[
        "eval",
        "--chdir",
        &dir,
        "--const",
        "env=prod",
        "local.name_upper",
    ]);
    assert_eq!(
        r.stdout, "\"WEB-PROD\"\n",
        "--const overrides a const's default: {}",
        r.stderr
    );
    let r = infra(&["eval", "--chdir", &dir, "-var", "nope=1", "1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no variable `nope`"), "{}", r.stderr);
    let r = infra(&["eval", "--chdir", &dir, "local.missing"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("there is no local value `missing`"),
        "{}",
        r.stderr
    );
}
