//! Nothing hangs: S3 calls against an endpoint that accepts connections
//! and never answers (a server frozen with `kill -STOP`) time out with a
//! diagnostic, in `apply`, in `plan` and in the S3 state store; an
//! interrupted apply waits for running operations at most `--stop-timeout`,
//! and a second interrupt stops it at once, with the state saved.

use crate::support::{Spawned, Workdir, assert_contains, unwrapped};
use std::net::TcpListener;
use std::time::Duration;

/// How long a run may take before the test calls it hung.
const PATIENCE: Duration = Duration::from_secs(60);

/// `http://127.0.0.1:PORT` of a server that accepts connections, reads
/// nothing and never answers. It lives as long as the test process.
fn frozen_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            match stream {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
    });
    format!("http://{address}")
}

/// Connection settings for `endpoint`: static keys, one-second read
/// timeout, two attempts.
fn settings(endpoint: &str) -> String {
    format!(
        r#"  region       = "us-east-1"
  endpoint     = "{endpoint}"
  access_key   = "testing"
  secret_key   = "testing"
  read_timeout = "1s"
  max_retries  = 2
"#
    )
}

/// Runs `infra ARGS` in `w` as a process and returns its result, failing
/// the test if it does not exit within [`PATIENCE`].
fn bounded(w: &Workdir, args: &[&str]) -> crate::support::Run {
    w.spawn(args).finish(PATIENCE)
}

#[test]
fn apply_against_a_frozen_endpoint_times_out() {
    let endpoint = frozen_endpoint();
    let w = Workdir::new(&format!(
        "provider \"aws\" {{\n{}}}\n\nresource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"frozen\"\n}}\n",
        settings(&endpoint)
    ));
    let r = bounded(&w, &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "aws_s3_bucket.b");
    assert_contains(&err, "failed: timed out");
    assert_contains(&r.stdout, "  failed:  aws_s3_bucket.b");
}

#[test]
fn plan_against_a_frozen_endpoint_times_out() {
    let endpoint = frozen_endpoint();
    let w = Workdir::new(&format!(
        "provider \"aws\" {{\n{}}}\n\ndata \"aws_s3_bucket\" \"b\" {{\n  bucket = \"frozen\"\n}}\n",
        settings(&endpoint)
    ));
    let r = bounded(&w, &["plan", "--no-color"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_contains(&unwrapped(&r.stderr), "failed: timed out");
}

#[test]
fn s3_state_store_against_a_frozen_endpoint_times_out() {
    let endpoint = frozen_endpoint();
    let w = Workdir::new(&format!(
        "backend \"s3\" {{\n  bucket = \"state\"\n  key    = \"k.json\"\n{}}}\n\nresource \"infra_data\" \"a\" {{\n  input = 1\n}}\n",
        settings(&endpoint)
    ));
    let r = bounded(&w, &["plan", "--no-color"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "state::");
    assert_contains(&err, "failed: timed out");
}

#[test]
fn a_timeout_that_is_not_a_duration_is_refused() {
    let w = Workdir::new(
        "provider \"aws\" {\n  read_timeout = \"30\"\n}\n\ndata \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n",
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    let err = unwrapped(&r.stderr);
    assert_contains(&err, "`read_timeout` of `provider \"aws\"`");
    assert_contains(&err, "missing unit");
}

/// Sends `signal` to `pid`.
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// An apply of two quick resources and one that takes ten minutes
/// (`test_fault.slow`, with `infra_data.after` waiting for it), started
/// with `extra` arguments and waited for until the slow one runs.
fn apply_stuck_on_a_slow_operation(w: &Workdir, extra: &[&str]) -> Spawned {
    w.config(
        r#"
resource "infra_data" "a" { input = 1 }
resource "infra_data" "b" { input = 2 }
resource "test_fault" "slow" {
  input    = "x"
  sleep_ms = 600000
}
resource "infra_data" "after" { input = test_fault.slow.output }
"#,
    );
    let mut args = vec!["apply", "--auto-approve", "--no-color"];
    args.extend_from_slice(extra);
    let mut apply = w.spawn(&args);
    let done = |l: &[String], what: &str| {
        l.iter()
            .any(|l| l.starts_with(&format!("{what}: Creation complete")))
    };
    assert!(
        apply.wait_for(PATIENCE, |l| {
            l.iter().any(|l| l == "test_fault.slow: Creating...")
                && done(l, "infra_data.a")
                && done(l, "infra_data.b")
        }),
        "{}",
        apply.seen.join("\n")
    );
    apply
}

#[test]
fn a_second_interrupt_stops_at_once_with_the_state_saved() {
    let w = Workdir::new("");
    let mut apply = apply_stuck_on_a_slow_operation(&w, &[]);
    signal(apply.child.id(), "INT");
    assert!(
        apply.wait_for(PATIENCE, |l| l
            .iter()
            .any(|l| l.starts_with("Interrupt received."))),
        "{}",
        apply.seen.join("\n")
    );
    signal(apply.child.id(), "INT");
    let r = apply.finish(PATIENCE);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, "Two interrupts received. Stopping now");
    assert_contains(&r.stdout, "  abandoned: test_fault.slow");
    assert_contains(&r.stdout, "  skipped: infra_data.after");
    assert_contains(&r.stdout, "1 abandoned (interrupted)");
    assert_eq!(w.state_list(), ["infra_data.a", "infra_data.b"]);
    assert!(
        w.read(".infra/state.json.journal").is_none(),
        "the state was not written"
    );
}

#[test]
fn an_interrupted_apply_waits_at_most_the_stop_timeout() {
    let w = Workdir::new("");
    let apply = apply_stuck_on_a_slow_operation(&w, &["--stop-timeout", "1s"]);
    signal(apply.child.id(), "TERM");
    let r = apply.finish(PATIENCE);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_contains(&r.stdout, "Still running after 1s. Stopping now");
    assert_contains(&r.stdout, "  abandoned: test_fault.slow");
    assert_eq!(w.state_list(), ["infra_data.a", "infra_data.b"]);
}
