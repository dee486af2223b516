//! `infra drift`: read every object in state, compare with what infra
//! recorded, and report (human, `--json` or `--format markdown`). Read-only:
//! the state is read without taking the lock and never written; while
//! another command that changes things (not a `plan`) holds the lock,
//! drift waits (`--lock-timeout`) or refuses, and a state that changed
//! while drift read the objects discards the comparison. Also
//! `infra apply --refresh-only`, which records the drift in state after
//! showing it.
//!
//! Exit codes: [`exit::OK`] when nothing drifted, [`DRIFT`] when drift
//! that counts was found (even if some objects could not be read),
//! [`exit::ERROR`] for an error and no drift.

use super::workdir::{self, gather_inputs, report};
use super::{OrFail, Outcome};
use crate::args::{ApplyArgs, DriftArgs, DriftFormat, PlanningArgs, StateArgs};
use crate::render::drift::{Meta, human, json, markdown};
use crate::render::plan::{Style, drift as plan_drift};
use crate::{Io, exit};
use infra_engine::drift::{
    Date, DriftOptions, DriftReport, IgnoreFile, coverage, detect, refresh_state, rfc3339,
};
use infra_engine::state::{State, StateError, StateStore};
use infra_lang::Diagnostic;
use std::path::Path;
use std::time::{Duration, Instant};

/// Drift found: a changed or missing object or a failing check that no
/// unexpired `.infradriftignore` entry accepts.
pub const DRIFT: i32 = 2;

/// The exit code for `report`: [`DRIFT`] when drift counts, else
/// [`exit::ERROR`] when anything failed, else [`exit::OK`].
pub fn exit_code(report: &DriftReport) -> i32 {
    if report.found() {
        DRIFT
    } else if !report.errors.is_empty() {
        exit::ERROR
    } else {
        exit::OK
    }
}

/// Runs `infra drift`.
pub fn run(args: &DriftArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let format = if args.json {
        DriftFormat::Json
    } else {
        args.format.unwrap_or(DriftFormat::Human)
    };
    let as_json = format == DriftFormat::Json;
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();
    let rt = workdir::runtime().or_fail(as_json)?;
    let prepared = (|| {
        let consts = workdir::const_inputs(&args.inputs.consts);
        let state_args = StateArgs {
            state: args.state.clone(),
            ..StateArgs::default()
        };
        let store = workdir::store(base, &state_args, consts)?;
        let inputs = gather_inputs(&args.inputs, base)?;
        let (targets, excludes) = super::targeting::read_lists(
            super::targeting::Lists {
                target: &args.target,
                target_file: &args.target_file,
                exclude: &args.exclude,
                exclude_file: &args.exclude_file,
            },
            base,
        )?;
        let options = DriftOptions {
            targets,
            excludes,
            parallelism: args.parallelism.max(1),
            workspace: workdir::workspace::current(base).map_err(|d| vec![d])?,
            ignore: IgnoreFile::load(base)?,
            today: Date::today_utc(),
            progress: std::sync::Arc::default(),
            budget: args.budget,
            ledger: match args.budget {
                Some(_) => coverage::load(&*store, rt.handle()),
                None => Default::default(),
            },
        };
        Ok::<_, Vec<Diagnostic>>((store, inputs, options))
    })();
    let (store, inputs, options) = prepared.or_fail(as_json)?;
    let providers = workdir::providers_for(base, &rt).or_fail(as_json)?;
    // No lock: drift only reads. But a command holding the lock may be
    // changing the very objects drift compares (an apply between deleting
    // and re-creating one): wait for it, and make sure none ran meanwhile.
    let before =
        wait_unlocked(&rt, &*store, &args.lock_timeout).and_then(|()| workdir::read(&rt, &*store));
    let before = before.or_fail(as_json)?;
    let stored = || Ok(before.clone());
    let ticker = workdir::progress::Ticker::start(&options.progress, !as_json);
    let result = detect(base, inputs, &providers, stored, &options, rt.handle());
    drop(ticker);
    let result = result.and_then(|r| {
        unchanged_since(&rt, &*store, before.as_ref())
            .map(|()| r)
            .map_err(|d| vec![d])
    });
    let mut drift = result.or_fail(as_json)?;
    // What this slice read is remembered for the next run's.
    if let Some((_, ledger)) = &drift.coverage
        && let Err(e) = coverage::save(&*store, rt.handle(), ledger)
    {
        drift.warnings.push(
            Diagnostic::warning(
                "drift::ledger-not-saved",
                format!("the drift read ledger could not be saved: {e}"),
            )
            .with_help("The next `--budget` run starts from the state's read times and may read the same objects again."),
        );
    }
    let code = exit_code(&drift);
    let time = rfc3339(started);
    let meta = Meta {
        version: env!("CARGO_PKG_VERSION"),
        time: &time,
        exit_code: code,
        workspace: &options.workspace,
    };
    match format {
        DriftFormat::Human => {
            let mut diags: Vec<Diagnostic> =
                drift.errors.iter().map(|e| e.diagnostic.clone()).collect();
            diags.extend(drift.warnings.iter().cloned());
            report(io, &diags, false);
            if options.workspace != infra_engine::state::workspaces::DEFAULT {
                let _ = writeln!(io.out, "Workspace: {}\n", options.workspace);
            }
            let _ = write!(io.out, "{}", human(&drift, Style::new(io.color)));
            workdir::progress::elapsed(io.err, "Checked", clock);
        }
        DriftFormat::Markdown => {
            report(io, &drift.warnings, false);
            let _ = write!(io.out, "{}", markdown(&drift, &meta));
        }
        DriftFormat::Json => {
            let mut doc = json(&drift, &meta);
            if !drift.warnings.is_empty()
                && let Some(m) = doc.as_object_mut()
            {
                m.insert(
                    "warnings".into(),
                    serde_json::from_str(&crate::render::json(&drift.warnings)).unwrap_or_default(),
                );
            }
            let text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string());
            let _ = writeln!(io.out, "{text}");
        }
    }
    // The process exits next; skip freeing the report value by value.
    std::mem::forget(drift);
    Ok(code)
}

/// The lock holder `e` names, when it is a command that may be changing
/// state or objects (anything but a `plan`).
fn busy(e: &StateError) -> bool {
    match e {
        StateError::Locked(info) => info.operation != "plan",
        StateError::LockedUnknown(_) => true,
        _ => false,
    }
}

/// Waits up to `timeout` (`--lock-timeout`) until no command that changes
/// things holds the state lock. Drift never takes the lock.
///
/// # Errors
/// `drift::state-locked` naming the holder when the time is up; state
/// store errors.
fn wait_unlocked(
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
    timeout: &str,
) -> Result<(), Diagnostic> {
    let timeout = workdir::parse_duration(timeout)?;
    let start = Instant::now();
    loop {
        match rt.block_on(store.check_unlocked()) {
            Ok(()) => return Ok(()),
            Err(e) if !busy(&e) => match e {
                StateError::Locked(_) => return Ok(()),
                e => return Err(workdir::state_error(&e)),
            },
            Err(e) if start.elapsed() >= timeout => {
                return Err(Diagnostic::error(
                    "drift::state-locked",
                    format!(
                        "{e}: that command may be changing the objects drift compares with the state"
                    ),
                )
                .with_help(
                    "Run `infra drift` again when it has finished, or let drift wait for it with `--lock-timeout 10m`.",
                ));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200).min(timeout)),
        }
    }
}

/// Checks that no command changed the state while drift read the objects
/// (`before` is the state drift started from).
///
/// # Errors
/// `drift::state-changed` when the lock is held now or the state differs.
fn unchanged_since(
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
    before: Option<&State>,
) -> Result<(), Diagnostic> {
    let held = match rt.block_on(store.check_unlocked()) {
        Err(e) if busy(&e) => Some(e.to_string()),
        _ => None,
    };
    let now = workdir::read(rt, store)?;
    if held.is_none() && now.as_ref() == before {
        return Ok(());
    }
    let why = held.unwrap_or_else(|| "another command wrote it".into());
    Err(Diagnostic::error(
        "drift::state-changed",
        format!("the state changed while drift was reading the objects ({why}); the comparison is not reliable and was discarded"),
    )
    .with_help("Run `infra drift` again once no apply is running."))
}

/// What a refresh-only command read, the lock still held: the stored
/// state, the state with every object read again, and what changed.
pub struct Refreshed {
    /// The runtime the providers and the store run on.
    pub rt: tokio::runtime::Runtime,
    /// The state store.
    pub store: std::sync::Arc<dyn StateStore>,
    /// The state lock.
    pub lock: workdir::Held,
    /// The state as stored.
    pub stored: State,
    /// The state with every object read again.
    pub refreshed: State,
    /// What changed outside infra, object by object.
    pub drift: Vec<infra_engine::plan::Drift>,
    /// Warnings for the user: the targeting warning when `--target` or
    /// `--exclude` limited what was read.
    pub warnings: Vec<Diagnostic>,
}

/// Reads every object of the stored state with the lock held
/// (`operation` names the command in the lock), for `apply
/// --refresh-only` and `plan --refresh-only`. `None` when there is no
/// state yet.
///
/// # Errors
/// The configuration, the backend, the lock, or an object that could not
/// be read (then nothing is written).
pub fn refresh_with_lock(
    planning: &PlanningArgs,
    base: &Path,
    as_json: bool,
    operation: &str,
) -> Result<Option<Refreshed>, super::Failed> {
    let rt = workdir::runtime().or_fail(as_json)?;
    let prepared = (|| {
        let consts = workdir::const_inputs(&planning.inputs.consts);
        let store = workdir::store(base, &planning.state, consts)?;
        let inputs = gather_inputs(&planning.inputs, base)?;
        let (targets, excludes) = super::targeting::targets_and_excludes(planning, base)?;
        let options = DriftOptions {
            targets,
            excludes,
            parallelism: planning.parallelism.max(1),
            workspace: workdir::workspace::current(base).map_err(|d| vec![d])?,
            ignore: IgnoreFile::default(),
            today: Date::today_utc(),
            progress: std::sync::Arc::default(),
            budget: None,
            ledger: Default::default(),
        };
        Ok::<_, Vec<Diagnostic>>((store, inputs, options))
    })();
    let (store, inputs, options) = prepared.or_fail(as_json)?;
    let warnings = if options.targets.is_empty() && options.excludes.is_empty() {
        Vec::new()
    } else {
        vec![infra_engine::plan::scope::targeting_warning()]
    };
    let lock = workdir::lock(&rt, &*store, &planning.state, operation).or_fail(as_json)?;
    let Some(stored) = workdir::read(&rt, &*store).or_fail(as_json)? else {
        return Ok(None);
    };
    let providers = workdir::providers_for(base, &rt).or_fail(as_json)?;
    let ticker = workdir::progress::Ticker::start(&options.progress, !as_json);
    let refreshed = refresh_state(
        base,
        &inputs,
        &providers,
        stored.clone(),
        &options,
        rt.handle(),
    );
    drop(ticker);
    let (refreshed, drift) = refreshed.or_fail(as_json).map_err(|f| {
        if as_json {
            f
        } else {
            f.with_note(
                "Nothing was written: the state is only updated when every object could be read.",
            )
        }
    })?;
    Ok(Some(Refreshed {
        rt,
        store,
        lock,
        stored,
        refreshed,
        drift,
        warnings,
    }))
}

/// Runs `infra apply --refresh-only`: reads every object (the lock held),
/// shows the drift as `plan` does, and after confirmation (or with
/// `--auto-approve`; refused when standard input is not a terminal)
/// writes the refreshed state. Never changes a real object. Exit code 0
/// when the state is up to date (written, or nothing to write), 1 on an
/// error or when not approved.
pub fn refresh_only(args: &ApplyArgs, destroy: bool, base: &Path, io: &mut Io<'_>) -> Outcome {
    let as_json = args.json;
    if destroy {
        let d = Diagnostic::error(
            "cli::bad-flags",
            "`--refresh-only` accepts drift into state; it cannot be combined with `infra destroy`",
        )
        .with_help("Use `infra apply --refresh-only`.");
        return Err(d).or_fail(as_json);
    }
    let Some(Refreshed {
        rt,
        store,
        lock,
        stored,
        mut refreshed,
        drift,
        warnings,
    }) = refresh_with_lock(&args.planning, base, as_json, "apply -refresh-only")?
    else {
        if as_json {
            let _ = writeln!(
                io.out,
                "{}",
                serde_json::json!({"type": "refresh", "changed": [], "missing": [], "written": false})
            );
        } else {
            let _ = writeln!(io.out, "No state yet: there is nothing to refresh.");
        }
        return Ok(exit::OK);
    };
    let style = Style::new(io.color);
    let names = |missing: bool| drifted_names(&drift, missing);
    if !as_json {
        report(io, &warnings, false);
        let mut text = String::new();
        plan_drift(&mut text, &drift, style);
        let _ = write!(io.out, "{text}");
    }
    if drift.is_empty() {
        if as_json {
            let _ = writeln!(
                io.out,
                "{}",
                serde_json::json!({"type": "refresh", "changed": [], "missing": [], "written": false})
            );
        } else {
            let _ = writeln!(
                io.out,
                "{} The state matches the real objects; nothing to write.",
                style.bold("No changes.")
            );
        }
        return Ok(exit::OK);
    }
    if !args.auto_approve {
        workdir::approve(
            io,
            as_json,
            args.planning.input,
            "Would you like to update the state to reflect these detected changes?\n  infra will write these changes to the state without changing any real objects.",
            "Pass `--auto-approve` (e.g. in CI) to record the drift in state.",
        )?;
    }
    refreshed.serial = stored
        .next_serial()
        .map_err(|e| workdir::state_error(&e))
        .or_fail(as_json)?;
    workdir::write(&rt, &*store, &refreshed).or_fail(as_json)?;
    workdir::unlock(io, lock);
    let (changed, missing) = (names(false), names(true));
    if as_json {
        let _ = writeln!(
            io.out,
            "{}",
            serde_json::json!({"type": "refresh", "changed": changed, "missing": missing, "written": true, "serial": refreshed.serial})
        );
    } else {
        let _ = writeln!(
            io.out,
            "\n{}",
            style.bold(&format!(
                "Apply complete! The state now records {} changed outside infra; {} deleted outside infra left the state.",
                plural(changed.len(), "object", "objects"),
                plural(missing.len(), "object", "objects")
            ))
        );
    }
    std::mem::forget(refreshed);
    Ok(exit::OK)
}

/// The addresses of the objects that changed outside infra (`missing`
/// false) or were deleted outside it (`missing` true).
pub fn drifted_names(drift: &[infra_engine::plan::Drift], missing: bool) -> Vec<String> {
    drift
        .iter()
        .filter(|d| d.after.is_none() == missing)
        .map(|d| d.address.to_string())
        .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
