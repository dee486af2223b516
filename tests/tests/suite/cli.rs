//! The `infra` binary as a process: exit codes, stdin/stdout for `fmt -`,
//! version and help.

use crate::support::infra_bin;
use std::io::Write;
use std::process::Stdio;

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = infra_bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn infra");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fmt_reads_stdin_and_writes_stdout() {
    let (code, out, _) = run_with_stdin(
        &["fmt", "-"],
        b"resource aws_s3_bucket logs {\nbucket=\"${var.name}\"\n}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = var.name\n}\n"
    );
}

#[test]
fn fmt_stdin_with_invalid_utf8_is_a_diagnostic() {
    let (code, out, err) = run_with_stdin(&["fmt", "--no-color", "-"], b"a = \"\xff\xfe\"\n");
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("syntax::invalid-utf8"), "{err}");
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn version_and_help() {
    let (code, out, _) = run_with_stdin(&["--version"], b"");
    assert_eq!(code, 0);
    assert!(out.starts_with("infra "), "{out}");
    let (code, out, _) = run_with_stdin(&["fmt", "--help"], b"");
    assert_eq!(code, 0);
    assert!(out.contains("Example: infra fmt --check --diff"), "{out}");
}

#[test]
fn unknown_command_is_an_error() {
    let (code, _, err) = run_with_stdin(&["plna"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("unrecognized subcommand"), "{err}");
}

#[test]
fn lock_timeout_takes_terraform_durations_and_refuses_anything_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("main.infra"),
        "resource \"infra_data\" \"a\" {\n  input = 1\n}\n",
    )
    .expect("write config");
    let chdir = format!("-chdir={}", dir.path().display());
    for ok in ["1m30s", "0s", "500ms", "30"] {
        let flag = format!("--lock-timeout={ok}");
        let (code, out, err) = run_with_stdin(&[&chdir, "plan", "--no-color", &flag], b"");
        assert_eq!(code, 0, "--lock-timeout {ok}: {out}{err}");
    }
    for bad in ["5x", "-1s", "1m30"] {
        let flag = format!("--lock-timeout={bad}");
        let (code, _, err) = run_with_stdin(&[&chdir, "plan", "--no-color", &flag], b"");
        assert_eq!(code, 1, "--lock-timeout {bad}");
        assert!(err.contains("cli::bad-duration"), "{bad}: {err}");
        assert!(err.contains("1m30s"), "{bad}: {err}");
    }
}

#[test]
fn every_long_flag_is_accepted_with_one_dash_as_terraform_users_type_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("main.infra"),
        "resource \"infra_data\" \"a\" {\n  input = \"x\"\n}\noutput \"o\" {\n  value = infra_data.a.output\n}\n",
    )
    .expect("write config");
    let chdir = format!("-chdir={}", dir.path().display());
    let (code, out, err) = run_with_stdin(&[&chdir, "apply", "-auto-approve", "-no-color"], b"");
    assert_eq!(code, 0, "{out}{err}");
    // `-raw` and `-show-sensitive` were refused as `-r ...` short flags.
    let (code, out, err) = run_with_stdin(&[&chdir, "output", "-raw", "o"], b"");
    assert_eq!((code, out.as_str()), (0, "x"), "{err}");
    let (code, out, err) = run_with_stdin(&[&chdir, "output", "-show-sensitive", "-json"], b"");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("\"o\""), "{out}");
    // A value after `--` is left alone.
    let (code, _, err) = run_with_stdin(&[&chdir, "output", "--", "-raw"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("-raw"), "{err}");
}
