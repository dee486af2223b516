//! `infra rollback`: `--resume` finishes a rollback a crash interrupted
//! (`apply --rollback-on-failure`'s, recorded beside the state); `RUN`
//! returns to the configuration and variables an earlier successful run
//! recorded (`rollback_run.rs`). `apply` and `destroy` refuse to run while
//! a rollback is unfinished; `plan` warns.

use super::workdir::{self, report};
use super::{OrFail, Outcome};
use crate::args::RollbackArgs;
use crate::render::apply::{progress, rollback_json, rollback_summary};
use crate::render::plan::Style;
use crate::{Io, exit};
use infra_engine::apply::rollback::{self, record};
use infra_engine::apply::{ApplyOptions, Workspace};
use infra_engine::state::StateStore;
use infra_lang::Diagnostic;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Runs `infra rollback`.
pub fn run(args: &RollbackArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    match &args.run {
        Some(run) => super::rollback_run::run(args, run, base, io),
        None if args.resume => resume(args, base, io),
        None => Err(vec![Diagnostic::error(
            "rollback::what",
            "name the run to return to (`infra rollback RUN`, as `infra history` lists it), or pass `--resume`",
        )])
        .or_fail(args.json),
    }
}

/// `apply::rollback-pending` when the store records an unfinished
/// rollback: applying on top of it would mix two runs.
///
/// # Errors
/// That diagnostic, or the record cannot be read.
pub fn refuse_while_pending(
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
) -> Result<(), Diagnostic> {
    match record::load(store, rt.handle()) {
        Ok(None) => Ok(()),
        Ok(Some(p)) => Err(Diagnostic::error(
            "apply::rollback-pending",
            format!(
                "a rollback was interrupted before its end: {} instances of the failed run are still to be put back",
                p.addresses.len()
            ),
        )
        .with_help("Run `infra rollback --resume` to finish it; nothing else changes the state until then. To keep the state as it is instead, delete the record beside the state (`state.json.rollback`, in S3 `KEY.rollback`).")),
        Err(e) => Err(workdir::state_error(&e)),
    }
}

/// The warning `plan` prints while a rollback is unfinished.
pub fn pending_warning(rt: &tokio::runtime::Runtime, store: &dyn StateStore) -> Option<Diagnostic> {
    refuse_while_pending(rt, store).err().map(|d| Diagnostic {
        severity: infra_lang::Severity::Warning,
        ..d
    })
}

/// The runtime, the workspace's state store and its lock, taken for
/// `infra rollback`.
///
/// # Errors
/// The store cannot be opened or is locked.
pub(super) fn open(
    args: &RollbackArgs,
    base: &Path,
) -> Result<(tokio::runtime::Runtime, Arc<dyn StateStore>, workdir::Held), super::Failed> {
    let json = args.json;
    let rt = workdir::runtime().or_fail(json)?;
    let given = workdir::encryption_inputs(&args.planning.inputs, base);
    let consts = workdir::const_inputs(&args.planning.inputs.consts);
    let store = workdir::store_with(base, &args.planning.state, consts, &given).or_fail(json)?;
    let lock = workdir::lock(&rt, &*store, &args.planning.state, "rollback").or_fail(json)?;
    Ok((rt, store, lock))
}

/// `infra rollback --resume`.
fn resume(args: &RollbackArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let json = args.json;
    let stop_timeout = workdir::parse_duration(&args.stop_timeout).or_fail(json)?;
    let (rt, store, lock) = open(args, base)?;
    let Some(pending) = record::load(&*store, rt.handle())
        .map_err(|e| workdir::state_error(&e))
        .or_fail(json)?
    else {
        return Err(vec![Diagnostic::error(
            "rollback::nothing-to-resume",
            format!(
                "no unfinished rollback is recorded beside {}",
                store.describe()
            ),
        )])
        .or_fail(json);
    };
    if !args.auto_approve {
        let question = format!(
            "Finish the interrupted rollback?\n  infra will put {} instances back as they were before the failed run.",
            pending.addresses.len()
        );
        workdir::approve(
            io,
            json,
            args.planning.input,
            &question,
            "Pass `--auto-approve` to finish the rollback without asking.",
        )?;
    }
    let inputs = workdir::gather_inputs(&args.planning.inputs, base).or_fail(json)?;
    let providers =
        workdir::providers_limited(base, &rt, args.planning.parallelism).or_fail(json)?;
    let audit = super::audit::Run::start("rollback");
    let options = ApplyOptions {
        parallelism: args.planning.parallelism,
        interrupt: Arc::new(AtomicBool::new(false)),
        abandon: Arc::new(AtomicBool::new(false)),
        stop_timeout,
        workspace: workdir::workspace::current(base).or_fail(json)?,
        rollback_on_failure: false,
    };
    super::apply::watch_interrupts(&rt, &options.interrupt, &options.abandon);
    let ws = Workspace {
        root: base,
        inputs: &inputs,
        providers: &providers,
        store: &*store,
        rt: rt.handle(),
    };
    let out = &mut *io.out;
    let serial_before = rt.block_on(store.read()).ok().flatten().map(|s| s.serial);
    let result = rollback::resume(&ws, &options, &mut |e| progress(out, e, json, stop_timeout))
        .or_fail(json)?
        .unwrap_or_default();
    let serial_after = result.written_serial();
    audit.finish(
        io,
        &rt,
        &*store,
        Some(base),
        "rolled_back",
        (serial_before, serial_after),
        super::audit::rollback_changes(result.rollback.as_ref()),
    );
    workdir::unlock(io, lock);
    report(io, &result.errors, json);
    let complete = result
        .rollback
        .as_ref()
        .is_some_and(rollback::RollbackReport::complete);
    if let Some(r) = &result.rollback {
        super::apply::report_failed(io, &r.failed);
        if json {
            let v = serde_json::json!({
                "type": "summary",
                "ok": complete && result.state_written,
                "state_written": result.state_written,
                "rollback": rollback_json(r),
            });
            let _ = writeln!(io.out, "{v}");
        } else {
            rollback_summary(io.out, r, Style::new(io.color));
        }
    }
    Ok(if complete && result.state_written {
        exit::OK
    } else {
        exit::ERROR
    })
}
