//! `infra-bench-scale`: the scale benchmark of issue 23. For each shape
//! (`flat:N`, `modules:MxP`; default `flat:10000 flat:100000
//! modules:1000x100`) it writes a configuration of `infra_data` resources
//! (`scale_config.rs`), applies it once with the real `infra apply`, then
//! measures a `plan --refresh=false` with no parse cache (as in a fresh
//! checkout), the same plan reading the cached tree, a no-change plan, a
//! one-attribute change plan and its apply, each in a process of its own,
//! and prints a table of wall time, CPU time and peak RSS per step.
//!
//! Usage: `cargo build --profile profiling -p infra-bench && \
//! target/profiling/infra-bench-scale [--repeats R] [--keep] [SHAPE ...]`.
//!
//! Each step runs as `infra-bench-scale run DIR ARGS...`: this binary
//! again, calling the `infra` command line library (`infra_cli::run`) in
//! a fresh process, which then reports its own peak RSS (`VmHWM`) and CPU
//! time (`/proc/self/stat`), so every figure is that one command's. With
//! `INFRA_BENCH_BIN=PATH` the steps run that `infra` binary instead (an
//! older build, to compare), under `/usr/bin/time` for RSS and CPU.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The `infra` binary's allocator (cli/src/main.rs), so that the steps this
/// binary runs in-process measure what `infra` itself does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod scale_config;
use scale_config::Shape;

/// What one step's process reports: exit code, peak RSS (KiB), CPU
/// seconds (user + system) and the summary line infra printed.
struct Report {
    code: i32,
    rss_kib: u64,
    cpu_s: f64,
    summary: String,
}

/// The child: runs `infra ARGS` in `dir` through the library and prints
/// `code rss_kib cpu_s summary` on one line.
fn run_child(dir: &str, args: Vec<OsString>) -> i32 {
    if let Err(e) = std::env::set_current_dir(dir) {
        eprintln!("cannot enter {dir}: {e}");
        return 1;
    }
    // As the `infra` binary does (`infra_cli::main_entry`).
    infra_engine::config::parse_cache::enable(Path::new(".infra"));
    let mut argv: Vec<OsString> = vec!["infra".into()];
    argv.extend(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = infra_cli::run(
        argv,
        &mut infra_cli::Io {
            out: &mut out,
            err: &mut err,
            color: false,
        },
    );
    let summary = summary_of(&String::from_utf8_lossy(&out));
    if code == 1 {
        eprintln!("{}", String::from_utf8_lossy(&err));
    }
    println!(
        "{code} {} {:.3} {summary}",
        status_kib("VmHWM:").unwrap_or(0),
        cpu_seconds().unwrap_or(0.0)
    );
    0
}

/// A `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU seconds of this process (`/proc/self/stat` fields
/// 14 and 15, in clock ticks of 1/100 s, Linux's `USER_HZ`).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The summary line of infra's output `text`.
fn summary_of(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| {
            l.starts_with("Plan:")
                || l.starts_with("No changes.")
                || l.starts_with("Apply complete!")
        })
        .unwrap_or("")
        .to_string()
}

/// Runs one step with an `infra` binary (`--infra PATH`, e.g. an older
/// build to compare with) under `/usr/bin/time`, which reports its peak
/// RSS and CPU time.
fn step_binary(infra: &Path, dir: &Path, args: &[&str]) -> Result<(f64, Report), String> {
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "infra-bench-scale %x %M %U %S"])
        .arg(infra)
        .args(args)
        .current_dir(dir)
        .env("INFRA_IN_AUTOMATION", "1")
        .output()
        .map_err(|e| format!("/usr/bin/time: {e}"))?;
    let wall = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("infra-bench-scale "))
        .ok_or_else(|| format!("no report from /usr/bin/time:\n{err}"))?;
    let f: Vec<&str> = line.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    let report = Report {
        code: f.first().and_then(|c| c.parse().ok()).unwrap_or(1),
        rss_kib: num(1) as u64,
        cpu_s: num(2) + num(3),
        summary: summary_of(&String::from_utf8_lossy(&out.stdout)),
    };
    // 2 is `--detailed-exitcode`'s "changes present"; anything else but 0
    // (1, or 127 for a binary that was not found) is a failed step.
    if !matches!(report.code, 0 | 2) {
        return Err(format!("infra {} failed:\n{err}", args.join(" ")));
    }
    Ok((wall, report))
}

/// The step that plans with no parse cache (the first plan in a fresh
/// checkout); it keeps the tree that every later step then reads
/// (`infra_engine::config::parse_cache`).
const COLD: &str = "plan --refresh=false, parse cache cold";

/// Runs one step in a fresh process: wall seconds and its report.
fn step(dir: &Path, args: &[&str]) -> Result<(f64, Report), String> {
    if let Some(infra) = std::env::var_os("INFRA_BENCH_BIN") {
        return step_binary(Path::new(&infra), dir, args);
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let out = Command::new(exe)
        .arg("run")
        .arg(dir)
        .args(args)
        .env("INFRA_IN_AUTOMATION", "1")
        .output()
        .map_err(|e| e.to_string())?;
    let wall = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    let mut parts = line.splitn(4, ' ');
    let mut next = || parts.next().unwrap_or("");
    let report = Report {
        code: next().parse().map_err(|_| format!("no report: {line:?}"))?,
        rss_kib: next().parse().unwrap_or(0),
        cpu_s: next().parse().unwrap_or(0.0),
        summary: next().to_string(),
    };
    if report.code == 1 {
        return Err(format!(
            "infra {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((wall, report))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Prints one table row per step of `shape`, measured `repeats` times.
fn bench(shape: Shape, base: &Path, repeats: usize) -> Result<(), String> {
    let dir = base.join(shape.label().replace(' ', "-"));
    shape.write(&dir).map_err(|e| e.to_string())?;
    let bump = format!("--var=bump={}", shape.bump());
    let row = |name: &str, wall: f64, r: &Report| {
        println!(
            "| {} | {} | {name} | {wall:.2} | {:.2} | {:.0} | {} (exit {}) |",
            shape.label(),
            shape.instances(),
            r.cpu_s,
            r.rss_kib as f64 / 1024.0,
            r.summary,
            r.code
        );
    };
    let (wall, r) = step(&dir, &["apply", "--auto-approve"])?;
    row("apply from empty", wall, &r);
    let steps: [(&str, Vec<&str>); 5] = [
        (COLD, vec!["plan", "--refresh=false", "--detailed-exitcode"]),
        (
            "plan --refresh=false",
            vec!["plan", "--refresh=false", "--detailed-exitcode"],
        ),
        ("no-change plan", vec!["plan", "--detailed-exitcode"]),
        (
            "one-change plan",
            vec!["plan", "--detailed-exitcode", &bump],
        ),
        ("one-change apply", vec!["apply", "--auto-approve", &bump]),
    ];
    for (name, args) in steps {
        let mut walls = Vec::new();
        let mut last = None;
        for i in 0..repeats {
            if name == COLD {
                // Every run of this step parses: no tree kept.
                let _ = std::fs::remove_dir_all(dir.join(".infra/cache/parse"));
            }
            if name == "one-change apply" && i > 0 {
                // Undo the change so the next apply changes one again.
                step(&dir, &["apply", "--auto-approve"])?;
            }
            let (wall, r) = step(&dir, &args)?;
            walls.push(wall);
            last = Some(r);
        }
        if let Some(r) = last {
            row(name, median(walls), &r);
        }
    }
    let state = dir.join(".infra/state.json");
    let size = std::fs::metadata(&state).map_or(0, |m| m.len());
    println!(
        "| {} | {} | state file | {:.1} MB | | | |",
        shape.label(),
        shape.instances(),
        size as f64 / 1e6
    );
    Ok(())
}

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "run") && args.len() >= 2 {
        let dir = args[1].to_string_lossy().to_string();
        std::process::exit(run_child(&dir, args.split_off(2)));
    }
    let mut repeats = 1;
    let mut keep = false;
    let mut shapes = Vec::new();
    let mut it = args.iter().map(|a| a.to_string_lossy().to_string());
    while let Some(a) = it.next() {
        match a.as_str() {
            "--repeats" => repeats = it.next().and_then(|r| r.parse().ok()).unwrap_or(1),
            "--keep" => keep = true,
            other => match Shape::parse(other) {
                Some(s) => shapes.push(s),
                None => {
                    eprintln!("unknown argument {other:?} (shapes are flat:N or modules:MxP)");
                    std::process::exit(2);
                }
            },
        }
    }
    if shapes.is_empty() {
        shapes = vec![
            Shape::Flat(10_000),
            Shape::Flat(100_000),
            Shape::Modules(1000, 100),
        ];
    }
    let base = std::env::temp_dir().join(format!("infra-bench-scale-{}", std::process::id()));
    println!("| configuration | instances | step | wall (s) | CPU (s) | peak RSS (MiB) | result |");
    println!("|---|---:|---|---:|---:|---:|---|");
    let mut failed = false;
    for shape in shapes {
        if let Err(e) = bench(shape, &base, repeats.max(1)) {
            eprintln!("{}: {e}", shape.label());
            failed = true;
        }
    }
    if keep {
        eprintln!("configurations kept in {}", base.display());
    } else {
        let _ = std::fs::remove_dir_all(&base);
    }
    std::process::exit(i32::from(failed));
}
