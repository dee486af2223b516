//! Progress while infra reads objects (`Refreshing 3/24…` on standard
//! error when it is not a terminal, at most once per
//! `INFRA_PROGRESS_INTERVAL` seconds) and the elapsed-time line at the end
//! of plan, apply and drift; `--json` stays clean (issue 21 item 9).

use crate::support::{Run, Workdir, assert_contains};

/// 24 objects whose every read takes 100 ms: with `--parallelism 2` a
/// refresh takes about 1.2 s.
const SLOW_READS: &str = r#"
resource "test_fault" "r" {
  count   = 24
  input   = count.index
  read_ms = 100
}
"#;

/// `infra ARGS...` in `w` with progress lines every 0.2 s.
fn with_ticks(w: &Workdir, args: &[&str], code: i32) -> Run {
    let out = w
        .command(args)
        .env("INFRA_PROGRESS_INTERVAL", "0.2")
        .output()
        .expect("run infra");
    let r = Run::of(&out);
    assert_eq!(r.code, code, "infra {args:?}\n{}\n{}", r.stdout, r.stderr);
    r
}

/// The `Refreshing DONE/TOTAL…` lines of `stderr`, each checked.
fn ticks(stderr: &str) -> Vec<(usize, usize)> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("Refreshing "))
        .map(|l| {
            let (done, total) = l
                .strip_suffix('…')
                .and_then(|c| c.split_once('/'))
                .unwrap_or_else(|| panic!("malformed progress line {l:?}"));
            let (done, total) = (done.parse().expect("done"), total.parse().expect("total"));
            assert!(done <= total, "{l}");
            (done, total)
        })
        .collect()
}

fn applied() -> Workdir {
    let w = Workdir::new(SLOW_READS);
    let r = w.apply();
    assert_contains(&r.stderr, "Applied in ");
    w
}

#[test]
fn a_slow_plan_refresh_shows_its_count_on_stderr_and_keeps_stdout() {
    let w = applied();
    let quiet = w.expect(&["plan", "--parallelism", "2", "--no-color"], 0);
    let r = with_ticks(&w, &["plan", "--parallelism", "2", "--no-color"], 0);
    assert_eq!(r.stdout, quiet.stdout);
    let seen = ticks(&r.stderr);
    assert!(!seen.is_empty(), "no progress line:\n{}", r.stderr);
    assert!(seen.iter().all(|&(_, total)| total == 24), "{seen:?}");
    assert!(seen.iter().any(|&(done, _)| done < 24), "{seen:?}");
    // Within the default 10 s, nothing but the elapsed time.
    assert!(ticks(&quiet.stderr).is_empty(), "{}", quiet.stderr);
    let last = quiet.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Planned in ") && last.ends_with(" s."),
        "{}",
        quiet.stderr
    );
}

#[test]
fn a_slow_drift_and_refresh_only_plan_show_their_count_too() {
    let w = applied();
    let r = with_ticks(&w, &["drift", "--parallelism", "2", "--no-color"], 0);
    assert!(!ticks(&r.stderr).is_empty(), "{}", r.stderr);
    assert_contains(&r.stdout, "Drift: 0 resources changed outside infra");
    assert_contains(&r.stderr, "Checked in ");
    let r = with_ticks(
        &w,
        &["plan", "--refresh-only", "--parallelism", "2", "--no-color"],
        0,
    );
    assert!(!ticks(&r.stderr).is_empty(), "{}", r.stderr);
}

#[test]
fn json_output_has_no_progress_or_elapsed_time() {
    let w = applied();
    for args in [
        &["plan", "--json", "--parallelism", "2"][..],
        &["drift", "--json", "--parallelism", "2"],
        &["apply", "--json", "--auto-approve", "--parallelism", "2"],
    ] {
        let r = with_ticks(&w, args, 0);
        assert!(ticks(&r.stderr).is_empty(), "{args:?}: {}", r.stderr);
        for verb in ["Planned in", "Applied in", "Checked in"] {
            assert!(!r.stderr.contains(verb), "{args:?}: {}", r.stderr);
        }
        if args[0] == "drift" {
            serde_json::from_str::<serde_json::Value>(&r.stdout).expect("drift --json parses");
            continue;
        }
        for line in r.stdout.lines().filter(|l| !l.trim().is_empty()) {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
        }
    }
}

#[test]
fn destroy_ends_with_its_elapsed_time() {
    let w = applied();
    let r = w.expect(&["destroy", "--auto-approve", "--no-color"], 0);
    let last = r.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Destroyed in ") && last.ends_with(" s."),
        "{}",
        r.stderr
    );
    assert_contains(&r.stdout, "Destroy complete!");
}
