//! Shared helpers: locating test data, running the CLI in-process or as a
//! process, rendering diagnostics as a user sees them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// `tests/data/<sub>`.
pub fn data_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(sub)
}

/// Sorted entries of `dir` whose name ends with `suffix` (files) or every
/// subdirectory when `suffix` is `/`.
pub fn cases(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            if suffix == "/" {
                p.is_dir()
            } else {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(suffix))
            }
        })
        .collect();
    out.sort();
    assert!(
        !out.is_empty(),
        "no cases ending in {suffix:?} in {}",
        dir.display()
    );
    out
}

/// Runs every case through `check`, collecting failures so one run reports
/// all of them; panics listing the failures.
pub fn run_cases(cases: &[PathBuf], mut check: impl FnMut(&Path) -> Result<(), String>) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c).err().map(|e| format!("--- {}\n{e}", c.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The case's name: file name without `.infra`-style suffixes.
pub fn case_name(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("case");
    name.split('.').next().unwrap_or(name).to_string()
}

/// The output of one in-process CLI run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `infra ARGS...` in-process (no colour), capturing output.
pub fn infra(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv: Vec<OsString> = vec!["infra".into()];
    argv.extend(args.iter().map(OsString::from));
    let code = {
        let mut io = infra_cli::Io {
            out: &mut out,
            err: &mut err,
            color: false,
        };
        infra_cli::run(argv, &mut io)
    };
    Run {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}

/// The real binary, for tests that need a separate process (stdin, exit
/// status as the shell sees it).
pub fn infra_bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_infra-under-test"))
}

/// Diagnostics rendered exactly as `infra` prints them without colour.
pub fn render(diags: &[infra_lang::Diagnostic]) -> String {
    infra_cli::render::human(diags, false, 100)
}
