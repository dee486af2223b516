//! The `infra` command line: argument parsing (clap), command dispatch,
//! rendering of diagnostics and exit codes. This crate is the only one that
//! writes to the terminal.

pub mod args;
pub mod commands;
pub mod docs;
pub mod log;
pub mod render;

use std::ffi::OsString;
use std::io::Write;

/// Exit codes shared by every command (documented in docs/cli.md).
pub mod exit {
    /// Success; for `plan --detailed-exitcode`, "no changes".
    pub const OK: i32 = 0;
    /// An error: invalid configuration, failed operation, bad arguments.
    pub const ERROR: i32 = 1;
    /// `fmt --check`: at least one file is not formatted (mirrors
    /// `terraform fmt -check`, which also exits 3).
    pub const NEEDS_FORMAT: i32 = 3;
}

/// Whether `INFRA_IN_AUTOMATION` is set to a non-empty value: infra runs
/// in CI, so hints that only make sense to someone at a terminal ("To
/// perform exactly these actions, run: infra apply ...") are left out and
/// `console` never waits for a person. Mirrors Terraform's
/// `TF_IN_AUTOMATION`.
pub fn in_automation() -> bool {
    std::env::var_os("INFRA_IN_AUTOMATION").is_some_and(|v| !v.is_empty())
}

/// Where a command writes: standard output for data, standard error for
/// diagnostics and progress. Tests pass in-memory buffers.
pub struct Io<'a> {
    /// Data and reports.
    pub out: &'a mut dyn Write,
    /// Diagnostics.
    pub err: &'a mut dyn Write,
    /// Whether to colour output.
    pub color: bool,
}

/// Runs `infra` with `argv` (including the program name) and returns the
/// process exit code.
pub fn run(argv: Vec<OsString>, io: &mut Io<'_>) -> i32 {
    let argv = args::normalize_terraform_flags(argv);
    let argv_copy = argv.clone();
    let cli = match <args::Cli as clap::Parser>::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let rendered = if io.color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            let target: &mut dyn Write = if e.use_stderr() { io.err } else { io.out };
            let _ = write!(target, "{rendered}");
            return code;
        }
    };
    if cli.global.no_color {
        io.color = false;
    }
    // `--chdir` is applied by resolving every path against it rather than
    // by changing the process's directory, so `run` can be called from
    // several threads at once (the test suite does).
    let base = cli
        .global
        .chdir
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    if !base.is_dir() {
        let _ = writeln!(io.err, "Error: --chdir {}: not a directory", base.display());
        return exit::ERROR;
    }
    commands::audit::set_argv(&argv_copy);
    commands::dispatch(cli.command, &base, io)
}

/// For the binary: `--chdir DIR` switches the process's directory (so
/// relative paths in resources, like `local_file`'s `filename`, mean what
/// they mean in Terraform) and is replaced by `--chdir .`. `run` itself
/// only resolves paths against `--chdir`, so in-process callers (tests on
/// several threads) never change the process's directory.
fn enter_chdir(argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut argv = args::normalize_terraform_flags(argv);
    let mut i = 1;
    while i < argv.len() {
        let Some(a) = argv[i].to_str().map(str::to_string) else {
            i += 1;
            continue;
        };
        if a == "--" {
            break;
        }
        let dir = if a == "--chdir" {
            argv.get(i + 1).cloned().map(|d| (d, i + 1))
        } else {
            a.strip_prefix("--chdir=").map(|d| (d.into(), i))
        };
        if let Some((d, at)) = dir {
            if std::env::set_current_dir(&d).is_ok() {
                argv[at] = if at == i {
                    "--chdir=.".into()
                } else {
                    ".".into()
                };
            }
            break;
        }
        i += 1;
    }
    argv
}

/// Entry point of the `infra` binary: real argv, real stdio, exit.
pub fn main_entry() -> ! {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let color = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        color,
    };
    let argv = enter_chdir(std::env::args_os().collect());
    // The process is in the working directory now (`--chdir` entered).
    infra_engine::config::parse_cache::enable(std::path::Path::new(".infra"));
    let code = run(argv, &mut io);
    let _ = io.out.flush();
    let _ = io.err.flush();
    std::process::exit(code)
}
