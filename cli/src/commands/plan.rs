//! `infra plan`: refresh, compare with the configuration, print the
//! changes (text, `--json` or `--format markdown`), optionally save them
//! (`-out FILE`).

use super::workdir::{self, gather_inputs, report};
use super::{OrFail, Outcome};
use crate::args::{PlanArgs, PlanFormat, PlanningArgs};
use crate::render::plan::{Schemas, Style, render};
use crate::render::plan_markdown;
use crate::{Io, exit};
use infra_engine::eval::Inputs;
use infra_engine::plan::{Plan, PlanOptions, file, json, plan};
use infra_engine::provider::Providers;
use infra_lang::Diagnostic;
use std::path::Path;

/// `--detailed-exitcode`: changes present (mirrors Terraform's 2).
pub const CHANGES: i32 = 2;

/// Plans the configuration in `base` (the lock held by the caller) with
/// `providers` (started by the caller, so that `apply` plans and applies
/// with the same plugin processes). `generate` is
/// `--generate-config-out` (relative to `base`). `show_progress`: the
/// refresh's count on standard error while it runs (not with `--json`).
///
/// # Errors
/// Bad arguments, inputs, configuration, state or provider errors.
#[allow(clippy::too_many_arguments)]
pub fn make_plan(
    args: &PlanningArgs,
    destroy: bool,
    generate: Option<&Path>,
    base: &Path,
    rt: &tokio::runtime::Runtime,
    store: &dyn infra_engine::state::StateStore,
    providers: &Providers,
    show_progress: bool,
) -> Result<(Plan, Inputs), Vec<Diagnostic>> {
    let inputs = gather_inputs(&args.inputs, base)?;
    let p = plan_with(
        args,
        &inputs,
        destroy,
        generate,
        base,
        rt,
        store,
        providers,
        show_progress,
    )?;
    Ok((p, inputs))
}

/// [`make_plan`] with `inputs` given (`infra rollback RUN`: a recorded
/// run's).
///
/// # Errors
/// As [`make_plan`].
#[allow(clippy::too_many_arguments)]
pub fn plan_with(
    args: &PlanningArgs,
    inputs: &Inputs,
    destroy: bool,
    generate: Option<&Path>,
    base: &Path,
    rt: &tokio::runtime::Runtime,
    store: &dyn infra_engine::state::StateStore,
    providers: &Providers,
    show_progress: bool,
) -> Result<Plan, Vec<Diagnostic>> {
    let (targets, excludes) = super::targeting::targets_and_excludes(args, base)?;
    let options = PlanOptions {
        refresh: args.refresh,
        refresh_max_age: i64::try_from(args.refresh_max_age.as_secs()).unwrap_or(i64::MAX),
        refresh_budget: args.refresh_budget,
        targets,
        excludes,
        replace: super::targeting::parse_all(&args.replace)?,
        destroy,
        parallelism: args.parallelism,
        workspace: workdir::workspace::current(base).map_err(|d| vec![d])?,
        generate_config_out: generate.map(|g| base.join(g)),
        ..PlanOptions::default()
    };
    // A run that died: said before its journal is folded into the state.
    let mut interrupted = None;
    let stored = || {
        let s = workdir::read(rt, store).map_err(|d| vec![d])?;
        interrupted = s.as_ref().and_then(|s| s.interrupted);
        Ok(s)
    };
    let ticker = workdir::progress::Ticker::start(&options.progress, show_progress);
    let planned = plan(
        base,
        inputs.clone(),
        providers,
        stored,
        &options,
        rt.handle(),
    );
    drop(ticker);
    let mut p = planned?;
    if let Some(i) = interrupted {
        p.warnings.insert(0, interrupted_warning(i));
    }
    if let Some(d) = super::rollback::pending_warning(rt, store) {
        p.warnings.insert(0, d);
    }
    // The pending creates of a killed apply were reconciled: the result is
    // written now, under the lock this command holds.
    if let Some(recovered) = &p.recovered {
        let mut next = recovered.clone();
        next.serial += 1;
        workdir::write(rt, store, &next).map_err(|d| vec![d])?;
        p.recovered_written();
    }
    Ok(p)
}

/// `apply::interrupted`: the previous run died after `i.completed` of its
/// operations; this plan starts from what it completed.
fn interrupted_warning(i: infra_engine::state::journal::Interrupted) -> Diagnostic {
    let help = if i.rollback {
        "Its completed undo operations are in the state. Finish the rollback with `infra rollback --resume`."
    } else {
        "Every operation it completed is in the state (replayed from its journal); this plan holds only what remains, and `infra apply` carries it out."
    };
    Diagnostic::warning("apply::interrupted", i.to_string()).with_help(help)
}

/// Runs `infra plan`.
pub fn run(args: &PlanArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    if args.refresh_only {
        return super::refresh_plan::run(args, base, io);
    }
    let format = args.output_format();
    let as_json = format == PlanFormat::Json;
    let started = std::time::Instant::now();
    let rt = workdir::runtime().or_fail(as_json)?;
    let consts = workdir::const_inputs(&args.planning.inputs.consts);
    let given = workdir::encryption_inputs(&args.planning.inputs, base);
    let store = workdir::store_with(base, &args.planning.state, consts, &given).or_fail(as_json)?;
    let lock = workdir::lock(&rt, &*store, &args.planning.state, "plan").or_fail(as_json)?;
    let providers =
        workdir::providers_limited(base, &rt, args.planning.parallelism).or_fail(as_json)?;
    let (plan, inputs) = make_plan(
        &args.planning,
        args.destroy,
        args.generate_config_out.as_deref(),
        base,
        &rt,
        &*store,
        &providers,
        !as_json,
    )
    .or_fail(as_json)?;
    workdir::unlock(io, lock);
    report(io, &plan.warnings, false);
    let save = || -> Result<(), Diagnostic> {
        let Some(out) = &args.out else {
            return Ok(());
        };
        let path = if out.is_absolute() {
            out.clone()
        } else {
            base.join(out)
        };
        // It holds secrets, like state: 0600, written atomically, and
        // encrypted by the `encryption` block's `plan` target.
        let target = workdir::encryption(base, &inputs)
            .map_err(|d| {
                d.into_iter().next().unwrap_or_else(|| {
                    Diagnostic::error("encryption::invalid", "the `encryption` block is not valid")
                })
            })?
            .plan;
        // Ephemeral variables' values are never saved.
        let ephemeral = infra_engine::config::ephemeral::root_variables(base);
        // Nor are write-only attributes' values.
        let saved = infra_engine::plan::write_only::strip(&plan, &providers);
        let bytes = file::to_bytes(&saved, &file::withhold(&inputs, &ephemeral), &target)
            .map_err(|e| Diagnostic::error("plan::encrypt-failed", e))?;
        infra_engine::state::private::replace(&path, &bytes).map_err(|e| {
            Diagnostic::error(
                "cli::write",
                format!("cannot write {}: {e}", path.display()),
            )
        })
    };
    if format == PlanFormat::Markdown {
        // Saved first: the Markdown names the saved plan, and nothing is
        // printed when it cannot be written.
        save().or_fail(false)?;
        let saved = args.out.as_ref().map(|out| out.display().to_string());
        let _ = write!(
            io.out,
            "{}",
            plan_markdown::render(&plan, &plan.summary(), saved.as_deref())
        );
    } else {
        if as_json {
            let _ = writeln!(io.out, "{}", json::to_json(&plan));
        } else {
            let _ = write!(
                io.out,
                "{}",
                render(
                    &plan,
                    &plan.summary(),
                    &Schemas::of(&plan, &providers),
                    Style::new(io.color),
                )
            );
            if let Some(g) = &args.generate_config_out
                && plan.imports.iter().any(|i| i.generated)
            {
                let _ = writeln!(
                    io.out,
                    "\ninfra has generated configuration and written it to {}. Please review the configuration and edit it as necessary before adding it to version control.",
                    g.display()
                );
            }
        }
        save().or_fail(as_json)?;
        if let (Some(out), false) = (&args.out, as_json) {
            let _ = writeln!(io.out, "\nSaved the plan to: {}", out.display());
            if !crate::in_automation() {
                let _ = writeln!(
                    io.out,
                    "\nTo perform exactly these actions, run:\n    infra apply {}",
                    out.display()
                );
            }
        }
    }
    if format == PlanFormat::Human {
        workdir::progress::elapsed(io.err, "Planned", started);
    }
    let code = if args.detailed_exitcode && plan.has_changes() {
        CHANGES
    } else {
        exit::OK
    };
    // Freeing a large plan value by value takes longer than the rest of a
    // no-change plan; the process is about to exit.
    std::mem::forget(plan);
    Ok(code)
}
