//! `infra apply [PLANFILE]` and `infra destroy`: carry out a plan with
//! progress per resource and a summary; ask first unless `--auto-approve`.

use super::plan::make_plan;
use super::workdir::{self, report};
use crate::args::ApplyArgs;
use crate::render::plan::{Style, render};
use crate::{Io, exit};
use infra_engine::apply::{ApplyOptions, Event, Workspace, apply};
use infra_engine::eval::Inputs;
use infra_engine::plan::{config_hash, file};
use infra_lang::Diagnostic;
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn secs(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Asks for `yes` on the terminal.
fn confirm(io: &mut Io<'_>, destroy: bool) -> bool {
    let _ = write!(
        io.out,
        "\n{}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        if destroy {
            "Do you really want to destroy all resources?\n  infra will destroy all your managed infrastructure. There is no undo."
        } else {
            "Do you want to perform these actions?\n  infra will perform the actions described above."
        }
    );
    let _ = io.out.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == "yes"
}

/// Runs `infra apply` (`destroy` false) or `infra destroy`.
pub fn run(args: &ApplyArgs, destroy: bool, base: &Path, io: &mut Io<'_>) -> i32 {
    if args.refresh_only {
        return super::drift::refresh_only(args, destroy, base, io);
    }
    let json = args.json;
    let stop_timeout = match workdir::parse_duration(&args.stop_timeout) {
        Ok(d) => d,
        Err(d) => {
            report(io, &[d], json);
            return exit::ERROR;
        }
    };
    let rt = match workdir::runtime() {
        Ok(rt) => rt,
        Err(d) => {
            report(io, &[d], json);
            return exit::ERROR;
        }
    };
    // A saved plan is read first: the backend block is evaluated with the
    // consts the plan was made with.
    let saved = match &args.plan_file {
        Some(pf) => {
            let path = if pf.is_absolute() {
                pf.clone()
            } else {
                base.join(pf)
            };
            let loaded = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|t| file::from_text(&t));
            match loaded {
                Ok(x) => Some(x),
                Err(e) => {
                    report(io, &[Diagnostic::error("plan::bad-file", e)], json);
                    return exit::ERROR;
                }
            }
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
    let store = match workdir::store(base, &args.planning.state, consts) {
        Ok(s) => s,
        Err(diags) => {
            report(io, &diags, json);
            return exit::ERROR;
        }
    };
    let op = if destroy { "destroy" } else { "apply" };
    let lock = match workdir::lock(&rt, &*store, &args.planning.state, op) {
        Ok(l) => l,
        Err(d) => {
            report(io, &[d], json);
            return exit::ERROR;
        }
    };
    let style = Style::new(io.color);
    let (plan, inputs) = if let Some((plan, inputs)) = saved {
        let current = match workdir::read(&rt, &*store) {
            Ok(s) => s.unwrap_or_default(),
            Err(d) => {
                report(io, &[d], json);
                return exit::ERROR;
            }
        };
        let fresh =
            plan.prior.resources.is_empty() && plan.prior_serial == 0 && current.serial == 0;
        if !fresh && (current.lineage != plan.prior.lineage || current.serial != plan.prior_serial)
        {
            let d = Diagnostic::error(
                "plan::stale",
                format!(
                    "the saved plan is stale: it was made against state serial {} (lineage {}), but the state is now at serial {} (lineage {})",
                    plan.prior_serial, plan.prior.lineage, current.serial, current.lineage
                ),
            )
            .with_help("The state changed since the plan was made. Run `infra plan -out FILE` again and apply the new plan.");
            report(io, &[d], json);
            return exit::ERROR;
        }
        if config_hash(base) != plan.config_hash {
            let d = Diagnostic::error(
                "plan::config-changed",
                "the configuration changed since the saved plan was made",
            )
            .with_help("Run `infra plan -out FILE` again and apply the new plan.");
            report(io, &[d], json);
            return exit::ERROR;
        }
        (plan, inputs)
    } else {
        let (plan, inputs) = match make_plan(&args.planning, destroy, base, &rt, &*store) {
            Ok(p) => p,
            Err(diags) => {
                report(io, &diags, json);
                return exit::ERROR;
            }
        };
        report(io, &plan.warnings, false);
        if !json {
            let _ = write!(io.out, "{}", render(&plan, &plan.summary(), style));
        }
        if !plan.has_changes() {
            if !json {
                let _ = writeln!(
                    io.out,
                    "\n{}",
                    style.bold("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.")
                );
            }
            return exit::OK;
        }
        if !args.auto_approve {
            if !std::io::stdin().is_terminal() || crate::in_automation() {
                let d = Diagnostic::error(
                    "apply::no-approval",
                    "apply needs approval, but standard input is not a terminal (or INFRA_IN_AUTOMATION is set)",
                )
                .with_help("Pass `--auto-approve` (e.g. in CI), or save a plan with `infra plan -out FILE` and run `infra apply FILE`.");
                report(io, &[d], json);
                return exit::ERROR;
            }
            if !confirm(io, destroy) {
                let _ = writeln!(io.err, "\nApply cancelled.");
                return exit::ERROR;
            }
        }
        (plan, inputs)
    };
    if !json {
        let _ = writeln!(io.out);
    }
    let interrupt = Arc::new(AtomicBool::new(false));
    let abandon = Arc::new(AtomicBool::new(false));
    watch_interrupts(&rt, &interrupt, &abandon);
    let options = ApplyOptions {
        parallelism: args.planning.parallelism,
        interrupt,
        abandon,
        stop_timeout,
        workspace: "default".into(),
    };
    let providers = workdir::providers();
    let out = &mut *io.out;
    let mut on_event = |e: Event<'_>| {
        if json {
            let v = match e {
                Event::Started { address, verb } => {
                    serde_json::json!({"type": "start", "address": address.to_string(), "verb": verb})
                }
                Event::Running {
                    address,
                    verb,
                    elapsed,
                } => {
                    serde_json::json!({"type": "progress", "address": address.to_string(), "verb": verb, "elapsed_ms": elapsed.as_millis()})
                }
                Event::Finished {
                    address,
                    noun,
                    elapsed,
                    id,
                } => {
                    serde_json::json!({"type": "complete", "address": address.to_string(), "noun": noun, "elapsed_ms": elapsed.as_millis(), "id": id})
                }
                Event::Failed {
                    address,
                    diagnostics,
                } => {
                    serde_json::json!({"type": "error", "address": address.to_string(), "messages": diagnostics.iter().map(|d| d.message.clone()).collect::<Vec<_>>()})
                }
                Event::Interrupted { running } => {
                    serde_json::json!({"type": "interrupted", "running": running})
                }
                Event::JournalFailed { address, running } => {
                    serde_json::json!({"type": "journal_failed", "address": address.to_string(), "running": running})
                }
                Event::Abandoned {
                    addresses,
                    second_interrupt,
                } => {
                    serde_json::json!({
                        "type": "abandoned",
                        "addresses": addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "reason": if second_interrupt { "second-interrupt" } else { "stop-timeout" },
                    })
                }
            };
            let _ = writeln!(out, "{v}");
            return;
        }
        let _ = match e {
            Event::Started { address, verb } => writeln!(out, "{address}: {verb}..."),
            Event::Running {
                address,
                verb,
                elapsed,
            } => {
                writeln!(
                    out,
                    "{address}: Still {}... [{} elapsed]",
                    verb.to_lowercase(),
                    secs(elapsed)
                )
            }
            Event::Finished {
                address,
                noun,
                elapsed,
                id,
            } => match id {
                Some(id) => writeln!(
                    out,
                    "{address}: {noun} complete after {} [id={id}]",
                    secs(elapsed)
                ),
                None => writeln!(out, "{address}: {noun} complete after {}", secs(elapsed)),
            },
            Event::Failed { address, .. } => writeln!(out, "{address}: failed"),
            Event::Interrupted { running } => writeln!(
                out,
                "\nInterrupt received. No new operations start; waiting for {running} running (at most {}; interrupt again to stop now), then saving state...",
                secs(stop_timeout)
            ),
            Event::JournalFailed { address, running } => writeln!(
                out,
                "\n{address}: could not be recorded in the journal. No new operations start; waiting for {running} running, then saving state..."
            ),
            Event::Abandoned {
                addresses,
                second_interrupt,
            } => {
                let why = if second_interrupt {
                    "Two interrupts received. Stopping now".to_string()
                } else {
                    format!("Still running after {}. Stopping now", secs(stop_timeout))
                };
                let _ = writeln!(
                    out,
                    "\n{why}: {} abandoned, saving state with everything completed so far.",
                    plural(addresses.len(), "running operation", "running operations")
                );
                addresses
                    .iter()
                    .try_for_each(|a| writeln!(out, "  abandoned: {a}"))
            }
        };
    };
    let ws = Workspace {
        root: base,
        inputs: &inputs,
        providers: &providers,
        store: &*store,
        rt: rt.handle(),
    };
    let result = apply(&ws, &plan, &options, &mut on_event);
    workdir::unlock(io, lock);
    for (addr, diags) in &result.failed {
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
    report(io, &result.errors, false);
    // The store refused the new state: keep it where it cannot be lost.
    let mut errored = None;
    if !result.state_written
        && let Some(state) = &result.state
    {
        let d = super::errored_state::save(base, state, &store.describe(), &mut *io.out, json);
        report(io, std::slice::from_ref(&d), false);
        errored = Some(d.message);
    }
    let verb = if destroy { "Destroy" } else { "Apply" };
    if json {
        let v = serde_json::json!({
            "type": "summary",
            "ok": result.ok(),
            "added": result.added, "changed": result.changed, "destroyed": result.destroyed,
            "failed": result.failed.iter().map(|(a, _)| a.to_string()).collect::<Vec<_>>(),
            "skipped": result.skipped.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "interrupted": result.interrupted,
            "unrecorded": result.unrecorded.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "state_written": result.state_written,
        });
        let _ = writeln!(io.out, "{v}");
    } else if result.ok() {
        let _ = writeln!(
            io.out,
            "\n{}",
            style.bold(&if destroy {
                // Terraform's wording: a destroy adds and changes nothing.
                format!(
                    "Destroy complete! Resources: {} destroyed.",
                    result.destroyed
                )
            } else {
                format!(
                    "{verb} complete! Resources: {} added, {} changed, {} destroyed.",
                    result.added, result.changed, result.destroyed
                )
            })
        );
        if let Some(state) = &result.state
            && !state.outputs.is_empty()
            && !destroy
        {
            let _ = writeln!(io.out, "\nOutputs:\n");
            for (k, o) in &state.outputs {
                let shown = if o.sensitive {
                    "<sensitive>".to_string()
                } else {
                    infra_lang::value::render(&o.value)
                };
                let _ = writeln!(io.out, "{k} = {shown}");
            }
        }
    } else {
        let _ = writeln!(
            io.out,
            "\n{} Resources: {} added, {} changed, {} destroyed; {} failed, {} skipped{}{}.",
            style.bold(&format!("{verb} failed.")),
            result.added,
            result.changed,
            result.destroyed,
            result.failed.len(),
            result.skipped.len(),
            if result.abandoned.is_empty() {
                String::new()
            } else {
                format!(", {} abandoned", result.abandoned.len())
            },
            if result.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        );
        for (a, _) in &result.failed {
            let _ = writeln!(io.out, "  failed:  {a}");
        }
        for a in &result.skipped {
            let _ = writeln!(io.out, "  skipped: {a}");
        }
        if !result.state_written {
            for a in &result.unrecorded {
                let _ = writeln!(io.out, "  not recorded: {a}");
            }
        }
        let _ = if result.state_written {
            writeln!(
                io.out,
                "Everything that completed is recorded in state; run `infra plan` to see what remains."
            )
        } else if result.unrecorded.is_empty() {
            writeln!(
                io.out,
                "Everything that completed is in the journal beside the state, which the next infra command replays; run `infra plan` to see what remains."
            )
        } else {
            writeln!(
                io.out,
                "The state could not be written and the journal missed {} completed operations: {}. Put that state in place before running anything else (see the error above).",
                result.unrecorded.len(),
                errored.as_deref().unwrap_or("the new state is lost")
            )
        };
        for a in &result.abandoned {
            let _ = writeln!(io.out, "  abandoned: {a}");
        }
        if !result.abandoned.is_empty() {
            let _ = writeln!(
                io.out,
                "An abandoned operation may still have taken effect: an object it created is not in state. Look for it, then `infra import` it or delete it by hand."
            );
        }
    }
    let code = if result.ok() { exit::OK } else { exit::ERROR };
    if !result.abandoned.is_empty() {
        // Abandoned operations may still be running: do not wait for them.
        rt.shutdown_background();
    }
    // As in `plan`: the process exits next; skip freeing value by value.
    std::mem::forget(plan);
    std::mem::forget(result);
    code
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Counts interrupts (Ctrl-C, and SIGTERM as a CI job's timeout, `docker
/// stop` or systemd send): the first sets `interrupt` (no new operation
/// starts), the second `abandon` (stop waiting for running ones; the state
/// is still saved), a third exits at once with status 130, leaving the
/// journal for the next command to replay (Terraform's "Two interrupts
/// received. Exiting immediately.").
fn watch_interrupts(
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
