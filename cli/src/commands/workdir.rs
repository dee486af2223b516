//! What the commands that touch state share: the providers, the tokio
//! runtime, the state store and its lock, reading state with a clear error.

use crate::args::StateArgs;
use crate::{Io, render};
use infra_engine::provider::Providers;
use infra_engine::state::local::{DEFAULT_PATH, LocalStore};
use infra_engine::state::{LockGuard, LockInfo, State, StateError};
use infra_lang::Diagnostic;
use std::path::Path;
use std::time::Duration;

/// The providers of this build; with `INFRA_TEST_PROVIDERS=1` also the
/// fault-injecting `test` provider the test suite uses.
pub fn providers() -> Providers {
    if std::env::var("INFRA_TEST_PROVIDERS").is_ok_and(|v| v == "1") {
        infra_providers::with_test()
    } else {
        infra_providers::all()
    }
}

/// A multi-threaded tokio runtime for provider calls.
///
/// # Errors
/// When the runtime cannot start (no threads).
pub fn runtime() -> Result<tokio::runtime::Runtime, Diagnostic> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::error("cli::runtime", format!("cannot start the runtime: {e}")))
}

/// The state store for the configuration in `base`.
pub fn store(base: &Path, args: &StateArgs) -> LocalStore {
    match &args.state {
        Some(p) if p.is_absolute() => LocalStore::new(p.clone()),
        Some(p) => LocalStore::new(base.join(p)),
        None => LocalStore::new(base.join(DEFAULT_PATH)),
    }
}

/// Parses `--lock-timeout`: `0s`, `30s`, `5m`, `500ms`, `1h`, or seconds.
///
/// # Errors
/// Anything else.
pub fn parse_duration(text: &str) -> Result<Duration, Diagnostic> {
    let t = text.trim();
    let (num, unit) = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((t, "s"), |i| (&t[..i], &t[i..]));
    let n: f64 = num.parse().map_err(|_| bad_duration(text))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad_duration(text)),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad_duration(text))
}

fn bad_duration(text: &str) -> Diagnostic {
    Diagnostic::error("cli::bad-duration", format!("{text:?} is not a duration"))
        .with_help("Write e.g. `30s`, `5m` or `500ms`.")
}

/// A state error as a diagnostic with its help line.
pub fn state_error(e: &StateError) -> Diagnostic {
    let code = match e {
        StateError::Locked(_) | StateError::LockedUnknown(_) => "state::locked",
        StateError::Corrupt { .. } => "state::corrupt",
        StateError::TooNew { .. } => "state::too-new",
        _ => "state::io",
    };
    let mut d = Diagnostic::error(code, e.to_string());
    d.help = e.help();
    d
}

/// Takes the state lock for `operation`.
///
/// # Errors
/// The holder, when another process has it.
pub fn lock(
    store: &LocalStore,
    args: &StateArgs,
    operation: &str,
) -> Result<Box<dyn LockGuard>, Diagnostic> {
    let timeout = parse_duration(&args.lock_timeout)?;
    store
        .lock_sync(&LockInfo::new(operation), timeout)
        .map_err(|e| state_error(&e))
}

/// Reads the state (journal of an interrupted run replayed).
///
/// # Errors
/// Corrupt or too-new state.
pub fn read(store: &LocalStore) -> Result<Option<State>, Diagnostic> {
    store.read_sync().map_err(|e| state_error(&e))
}

/// Prints `diags` to standard error (or as JSON to standard output when
/// `json`).
pub fn report(io: &mut Io<'_>, diags: &[Diagnostic], json: bool) {
    if diags.is_empty() {
        return;
    }
    if json {
        let _ = writeln!(io.out, "{}", render::json(diags));
    } else {
        let _ = write!(io.err, "{}", render::human(diags, io.color, 100));
    }
}
