//! `infra apply [PLANFILE]` and `infra destroy`: carry out a plan with
//! progress per resource and a summary; ask first unless `--auto-approve`.

use super::plan::make_plan;
use super::workdir::{self, report};
use super::{OrFail, Outcome};
use crate::args::ApplyArgs;
use crate::render::apply::{progress, summary};
use crate::render::plan::{Schemas, Style, render};
use crate::{Io, exit};
use infra_engine::addr::ResourceAddress;
use infra_engine::apply::{
    ApplyOptions, ApplyReport, Workspace, apply, check_saved_plan, load_saved_plan,
    restore_ephemeral,
};
use infra_engine::eval::Inputs;
use infra_engine::plan::Plan;
use infra_engine::provider::Providers;
use infra_engine::state::StateStore;
use infra_lang::Diagnostic;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs `infra apply` (`destroy` false) or `infra destroy`.
pub fn run(args: &ApplyArgs, destroy: bool, base: &Path, io: &mut Io<'_>) -> Outcome {
    if args.refresh_only {
        return super::drift::refresh_only(args, destroy, base, io);
    }
    let json = args.json;
    let started = std::time::Instant::now();
    let stop_timeout = workdir::parse_duration(&args.stop_timeout).or_fail(json)?;
    let rt = workdir::runtime().or_fail(json)?;
    // A saved plan is read first: the backend block is evaluated with the
    // consts the plan was made with.
    let given = workdir::encryption_inputs(&args.planning.inputs, base);
    let saved = match &args.plan_file {
        Some(pf) => {
            let target = workdir::encryption(base, &given).or_fail(json)?.plan;
            let (plan, saved) = load_saved_plan(&base.join(pf), &target).or_fail(json)?;
            // Ephemeral variables are not in the file: given again now.
            Some((plan, restore_ephemeral(saved, &given).or_fail(json)?))
        }
        None => None,
    };
    let consts = match &saved {
        Some((_, inputs)) => Inputs {
            consts: inputs.consts.clone(),
            ..Inputs::default()
        },
        None => workdir::const_inputs(&args.planning.inputs.consts),
    };
    let workspace = workdir::workspace::current(base).or_fail(json)?;
    if let Some((plan, _)) = &saved {
        wrong_workspace(&plan.workspace, &workspace).or_fail(json)?;
    }
    let given = match &saved {
        Some((_, inputs)) => inputs.clone(),
        None => given,
    };
    let store = workdir::store_with(base, &args.planning.state, consts, &given).or_fail(json)?;
    let op = if destroy { "destroy" } else { "apply" };
    let lock = workdir::lock(&rt, &*store, &args.planning.state, op).or_fail(json)?;
    super::rollback::refuse_while_pending(&rt, &*store).or_fail(json)?;
    let audit = super::audit::Run::start(op);
    let parallelism = args.planning.parallelism;
    // The plugins start once: the plan and the apply of this run share
    // their processes.
    let (plan, inputs, providers) = match saved {
        Some((plan, inputs)) => {
            let current = workdir::read(&rt, &*store)
                .or_fail(json)?
                .unwrap_or_default();
            check_saved_plan(&plan, &current, base).or_fail(json)?;
            if !json {
                report(io, &plan.warnings, false);
            }
            let providers = workdir::providers_limited(base, &rt, parallelism).or_fail(json)?;
            (plan, inputs, providers)
        }
        None => {
            let providers = workdir::providers_limited(base, &rt, parallelism).or_fail(json)?;
            match plan_and_approve(args, destroy, base, &rt, &*store, &providers, io)? {
                Some((plan, inputs)) => (plan, inputs, providers),
                None => {
                    if !json {
                        workdir::progress::elapsed(
                            io.err,
                            if destroy { "Destroyed" } else { "Applied" },
                            started,
                        );
                    }
                    return Ok(exit::OK);
                }
            }
        }
    };
    let x = Execution {
        base,
        json,
        destroy,
        parallelism: args.planning.parallelism,
        stop_timeout,
        rollback_on_failure: args.rollback_on_failure,
        workspace,
        started,
        rt,
        store,
        lock,
        audit,
    };
    execute(x, plan, &inputs, &providers, io)
}

/// What [`execute`] carries out a plan with: the command's settings, and
/// the runtime, state store, lock and audit run it opened.
pub(super) struct Execution<'a> {
    /// The configuration directory.
    pub base: &'a Path,
    /// `--json`.
    pub json: bool,
    /// A destroy (its wording; no snapshot is kept).
    pub destroy: bool,
    /// `--parallelism`.
    pub parallelism: usize,
    /// `--stop-timeout`.
    pub stop_timeout: std::time::Duration,
    /// `--rollback-on-failure`.
    pub rollback_on_failure: bool,
    /// The workspace.
    pub workspace: String,
    /// When the command started.
    pub started: std::time::Instant,
    /// The runtime (shut down without waiting when operations were abandoned).
    pub rt: tokio::runtime::Runtime,
    /// The state store.
    pub store: Arc<dyn StateStore>,
    /// The state lock, released once the run is recorded.
    pub lock: workdir::Held,
    /// The audit record being made.
    pub audit: super::audit::Run,
}

/// Applies `plan` (approved) made with `inputs` through `providers`:
/// progress, the audit record (and, after a successful apply, the
/// configuration snapshot), the summary; exit 0 when everything was done.
///
/// # Errors
/// None beyond the exit code: failures are in the summary.
pub(super) fn execute(
    x: Execution<'_>,
    plan: Plan,
    inputs: &Inputs,
    providers: &Providers,
    io: &mut Io<'_>,
) -> Outcome {
    let Execution {
        base,
        json,
        destroy,
        parallelism,
        stop_timeout,
        rollback_on_failure,
        workspace,
        started,
        rt,
        store,
        lock,
        audit,
    } = x;
    if !json {
        let _ = writeln!(io.out);
    }
    let options = ApplyOptions {
        parallelism,
        interrupt: Arc::new(AtomicBool::new(false)),
        abandon: Arc::new(AtomicBool::new(false)),
        stop_timeout,
        workspace,
        rollback_on_failure,
    };
    watch_interrupts(&rt, &options.interrupt, &options.abandon);
    let ws = Workspace {
        root: base,
        inputs,
        providers,
        store: &*store,
        rt: rt.handle(),
    };
    let out = &mut *io.out;
    let mut timed = std::collections::BTreeMap::new();
    let result = apply(&ws, &plan, &options, &mut |e| {
        if let infra_engine::apply::Event::Finished {
            address, elapsed, ..
        } = &e
        {
            *timed
                .entry((*address).clone())
                .or_insert(std::time::Duration::ZERO) += *elapsed;
        }
        progress(out, e, json, stop_timeout);
    });
    let run_id = audit.finish_apply(io, &rt, &*store, base, &plan, &result, &timed);
    if let Some(run_id) = run_id.filter(|_| result.ok() && !destroy) {
        super::audit::keep_snapshot(io, &rt, &*store, base, inputs, &run_id);
    }
    workdir::unlock(io, lock);
    report_failures(io, &result);
    report(io, &result.warnings, false);
    // The store refused the new state: keep it where it cannot be lost.
    let mut errored = None;
    if !result.state_written
        && let Some(state) = &result.state
    {
        let d = super::errored_state::save(
            base,
            state,
            &store.describe(),
            &store.encryption(),
            &mut *io.out,
            json,
        );
        report(io, std::slice::from_ref(&d), false);
        errored = Some(d.message);
    }
    let style = Style::new(io.color);
    summary(io.out, &result, destroy, errored.as_deref(), style, json);
    if !json {
        workdir::progress::elapsed(
            io.err,
            if destroy { "Destroyed" } else { "Applied" },
            started,
        );
    }
    let code = if result.ok() { exit::OK } else { exit::ERROR };
    if !result.abandoned.is_empty() {
        // Abandoned operations may still be running: do not wait for them.
        rt.shutdown_background();
    }
    // As in `plan`: the process exits next; skip freeing value by value.
    std::mem::forget(plan);
    std::mem::forget(result);
    Ok(code)
}

/// A saved plan made in workspace `planned` cannot be applied in
/// `current` (mirrors Terraform's check of a plan file's workspace).
///
/// # Errors
/// `plan::wrong-workspace` when they differ.
fn wrong_workspace(planned: &str, current: &str) -> Result<(), Diagnostic> {
    if planned == current {
        return Ok(());
    }
    Err(Diagnostic::error(
        "plan::wrong-workspace",
        format!(
            "the plan file describes changes to the {planned:?} workspace, but the {current:?} workspace is in use"
        ),
    )
    .with_help(format!(
        "Applying it here would store its state in the wrong place. Run `infra workspace select {planned}` (or set INFRA_WORKSPACE={planned}) and apply it again."
    )))
}

/// Without a saved plan: plans now, shows the plan, and asks for approval
/// (unless `--auto-approve`). `None` when there is nothing to do (said).
///
/// # Errors
/// Planning fails, or approval is refused or impossible.
fn plan_and_approve(
    args: &ApplyArgs,
    destroy: bool,
    base: &Path,
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
    providers: &Providers,
    io: &mut Io<'_>,
) -> Result<Option<(Plan, Inputs)>, super::Failed> {
    let json = args.json;
    let (plan, inputs) = make_plan(
        &args.planning,
        destroy,
        None,
        base,
        rt,
        store,
        providers,
        !json,
    )
    .or_fail(json)?;
    let question = if destroy {
        "Do you really want to destroy all resources?\n  infra will destroy all your managed infrastructure. There is no undo."
    } else {
        "Do you want to perform these actions?\n  infra will perform the actions described above."
    };
    let approval = Approval {
        json,
        auto_approve: args.auto_approve,
        input: args.planning.input,
        nothing: "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.",
        question,
        help: "Pass `--auto-approve` (e.g. in CI), or save a plan with `infra plan -out FILE` and run `infra apply FILE`.",
        providers,
    };
    Ok(show_and_approve(&plan, &approval, io)?.then_some((plan, inputs)))
}

/// How [`show_and_approve`] speaks.
pub(super) struct Approval<'a> {
    /// `--json`: nothing is rendered.
    pub json: bool,
    /// `--auto-approve`.
    pub auto_approve: bool,
    /// False with `--input=false`: never ask.
    pub input: bool,
    /// The line when the plan changes nothing.
    pub nothing: &'a str,
    /// The question asked.
    pub question: &'a str,
    /// The help when it cannot be asked.
    pub help: &'a str,
    /// The providers the plan was made with (their schemas show nested
    /// blocks as blocks).
    pub providers: &'a Providers,
}

/// Prints `plan`'s warnings and (without `--json`) the plan, then asks
/// for approval. False when the plan changes nothing (said).
///
/// # Errors
/// Approval is refused or cannot be asked.
pub(super) fn show_and_approve(
    plan: &Plan,
    a: &Approval<'_>,
    io: &mut Io<'_>,
) -> Result<bool, super::Failed> {
    report(io, &plan.warnings, false);
    let style = Style::new(io.color);
    if !a.json {
        let _ = write!(
            io.out,
            "{}",
            render(
                plan,
                &plan.summary(),
                &Schemas::of(plan, a.providers),
                style,
            )
        );
    }
    if !plan.has_changes() {
        if !a.json {
            let _ = writeln!(io.out, "\n{}", style.bold(a.nothing));
        }
        return Ok(false);
    }
    if !a.auto_approve {
        workdir::approve(io, a.json, a.input, a.question, a.help)?;
    }
    Ok(true)
}

/// Prints each failed operation's diagnostics, its address in front when
/// the message does not name it, then the errors outside any operation.
fn report_failures(io: &mut Io<'_>, result: &ApplyReport) {
    report_failed(io, &result.failed);
    report(io, &result.errors, false);
}

/// Each failed operation's diagnostics, its address in front when the
/// message does not name it.
pub(super) fn report_failed(io: &mut Io<'_>, failed: &[(ResourceAddress, Vec<Diagnostic>)]) {
    for (addr, diags) in failed {
        let diags: Vec<Diagnostic> = diags
            .iter()
            .map(|d| Diagnostic {
                message: if d.message.contains(&addr.to_string()) {
                    d.message.clone()
                } else {
                    format!("{addr}: {}", d.message)
                },
                ..d.clone()
            })
            .collect();
        report(io, &diags, false);
    }
}

/// Counts interrupts (Ctrl-C, and SIGTERM as a CI job's timeout, `docker
/// stop` or systemd send): the first sets `interrupt` (no new operation
/// starts), the second `abandon` (stop waiting for running ones; the state
/// is still saved), a third exits at once with status 130, leaving the
/// journal for the next command to replay (Terraform's "Two interrupts
/// received. Exiting immediately.").
pub(super) fn watch_interrupts(
    rt: &tokio::runtime::Runtime,
    interrupt: &Arc<AtomicBool>,
    abandon: &Arc<AtomicBool>,
) {
    let count = Arc::new(AtomicUsize::new(0));
    // Only flags: the driver reports from the main thread, which holds
    // the terminal's locks.
    let bump = {
        let (interrupt, abandon) = (interrupt.clone(), abandon.clone());
        move || match count.fetch_add(1, Ordering::SeqCst) {
            0 => interrupt.store(true, Ordering::SeqCst),
            1 => abandon.store(true, Ordering::SeqCst),
            _ => {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "\nThree interrupts received. Exiting without saving state: the next command replays what was completed from the journal."
                );
                std::process::exit(130);
            }
        }
    };
    #[cfg(unix)]
    for kind in [
        tokio::signal::unix::SignalKind::interrupt(),
        tokio::signal::unix::SignalKind::terminate(),
    ] {
        let bump = bump.clone();
        rt.spawn(async move {
            // One stream for the whole run, so no signal falls between two
            // waits.
            if let Ok(mut signals) = tokio::signal::unix::signal(kind) {
                while signals.recv().await.is_some() {
                    bump();
                }
            }
        });
    }
    #[cfg(not(unix))]
    rt.spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            bump();
        }
    });
}
