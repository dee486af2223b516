//! Shared helpers: locating test data, running the CLI in-process or as a
//! process, rendering diagnostics as a user sees them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

impl Run {
    /// The exit code and output of a finished process.
    pub fn of(out: &std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
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

/// A temporary working directory for running the real binary the way a
/// user does: the configuration in `main.infra`, the process started in the
/// directory (so `local_file` paths like `out/a.txt` are relative to it and
/// no temporary path shows up in output), no colour, and the
/// fault-injecting `test` provider (`test_fault`) enabled.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A fresh directory whose `main.infra` is `config`.
    pub fn new(config: &str) -> Workdir {
        let w = Workdir {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        };
        w.config(config);
        w
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces `main.infra`.
    pub fn config(&self, text: &str) {
        self.write("main.infra", text);
    }

    /// Writes `rel` (creating parent directories).
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create directories");
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("cannot write {rel}: {e}"));
    }

    /// The bytes of `rel`, or `None` when it does not exist.
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path().join(rel)).ok()
    }

    /// The text of `rel`, or `None` when it does not exist.
    pub fn read_text(&self, rel: &str) -> Option<String> {
        self.read(rel)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// `infra ARGS...` to run in this directory (not started yet).
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut c = infra_bin();
        c.args(args)
            .current_dir(self.path())
            .env("INFRA_TEST_PROVIDERS", "1")
            .env("NO_COLOR", "1")
            .env("RUST_BACKTRACE", "0")
            .env_remove("INFRA_WORKSPACE")
            .env_remove("TF_WORKSPACE")
            .stdin(std::process::Stdio::null());
        c
    }

    /// Runs `infra ARGS...` in this directory to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run infra {args:?}: {e}"));
        Run::of(&out)
    }

    /// Runs `infra ARGS...` and panics unless it exits with `code`.
    pub fn expect(&self, args: &[&str], code: i32) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code, code,
            "infra {args:?} exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            r.code, r.stdout, r.stderr
        );
        r
    }

    /// `infra apply --auto-approve`, which must succeed.
    pub fn apply(&self) -> Run {
        self.expect(&["apply", "--auto-approve", "--no-color"], 0)
    }

    /// The addresses `infra state list` prints.
    pub fn state_list(&self) -> Vec<String> {
        self.expect(&["state", "list"], 0)
            .stdout
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The state document `infra state pull` prints.
    pub fn state(&self) -> serde_json::Value {
        let r = self.expect(&["state", "pull"], 0);
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("state pull is not JSON ({e}):\n{}", r.stdout))
    }

    /// The attributes of the one instance at `address` in `infra state pull`.
    pub fn attributes(&self, address: &str) -> serde_json::Value {
        let state = self.state();
        let resources = state["resources"].as_array().cloned().unwrap_or_default();
        resources
            .iter()
            .find(|r| {
                let mode = if r["mode"] == "data" { "data." } else { "" };
                format!(
                    "{mode}{}.{}",
                    r["type"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap_or("")
                ) == address
            })
            .map(|r| r["instances"][0]["attributes"].clone())
            .unwrap_or_else(|| panic!("no {address} in state:\n{state:#}"))
    }

    /// Starts `infra ARGS...` in the background, its output read line by line.
    pub fn spawn(&self, args: &[&str]) -> Spawned {
        Self::spawn_command(self.command(args))
    }

    /// Starts `command` (made with [`Workdir::command`], perhaps with more
    /// environment), reading its stdout line by line.
    pub fn spawn_command(mut command: std::process::Command) -> Spawned {
        use std::io::BufRead;
        let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start infra {args:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
            s
        });
        Spawned {
            child,
            lines,
            stderr: Some(stderr),
            seen: Vec::new(),
        }
    }
}

/// A process started by [`Workdir::spawn`].
pub struct Spawned {
    /// The process.
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
    /// The lines of standard output read so far.
    pub seen: Vec<String>,
}

impl Spawned {
    /// Reads standard output until a line satisfies `done` (true), or the
    /// output ends or `timeout` passes (false).
    pub fn wait_for(&mut self, timeout: Duration, mut done: impl FnMut(&[String]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.seen) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => return done(&self.seen),
            }
        }
    }

    /// Waits for the process to exit (killing it and panicking after
    /// `timeout`) and returns everything it printed.
    pub fn finish(mut self, timeout: Duration) -> Run {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait for infra") {
                break s;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.seen.extend(self.lines.try_iter());
                panic!(
                    "infra did not exit within {timeout:?}; its output so far:\n{}",
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread ends at end of output.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.seen.join("\n"),
            stderr,
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // A failed test must not leave a process behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Diagnostics as printed (wrapped at 100 columns, continuation lines
/// starting with `│` or indentation) joined back into single spaces, so a
/// test can look for a phrase wherever the wrap fell.
pub fn unwrapped(text: &str) -> String {
    text.lines()
        .map(|l| l.trim().trim_start_matches('│').trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Panics unless `text` contains `needle`, showing the whole text.
#[track_caller]
pub fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

/// `stderr` without the elapsed-time line plan, apply and drift end with
/// (`Planned in 0.84 s.`): what is left are diagnostics and warnings.
pub fn without_elapsed(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| {
            !["Planned in ", "Applied in ", "Destroyed in ", "Checked in "]
                .iter()
                .any(|v| l.starts_with(v) && l.ends_with(" s."))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}
