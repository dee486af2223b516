//! What `infra apply` and `infra destroy` print while they run and at the
//! end: a line per progress event (Terraform's wording, or one JSON
//! object a line with `--json`) and the summary of the report.

use super::plan::Style;
use infra_engine::apply::rollback::RollbackReport;
use infra_engine::apply::{ApplyReport, Event};
use std::io::Write;
use std::time::Duration;

/// A duration as Terraform shows elapsed time: `42s`, `2m5s`.
fn secs(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes progress event `e` to `out`: a JSON object on one line when
/// `json`, else a line (or a few) for people. `stop_timeout` is how long
/// an interrupted apply waits for running operations.
pub fn progress(out: &mut dyn Write, e: Event<'_>, json: bool, stop_timeout: Duration) {
    if json {
        let _ = writeln!(out, "{}", progress_json(e));
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
        Event::RollingBack { operations, kept } => writeln!(
            out,
            "\nRolling back this run: {} to undo{}...",
            plural(operations, "operation", "operations"),
            if kept == 0 {
                String::new()
            } else {
                format!(", {kept} that cannot be undone (listed below)")
            }
        ),
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
}

/// Progress event `e` as the JSON object `--json` prints (docs/cli.md).
fn progress_json(e: Event<'_>) -> serde_json::Value {
    match e {
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
        Event::RollingBack { operations, kept } => {
            serde_json::json!({"type": "rollback", "operations": operations, "kept": kept})
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
    }
}

/// Writes the end of an apply (`destroy`: of a destroy) to `out`: the
/// JSON summary object when `json`; else "Apply complete!" with the
/// outputs, or what failed, was skipped, abandoned or not recorded and
/// what to do about it. `errored` is where the state was saved when the
/// store refused it.
pub fn summary(
    out: &mut dyn Write,
    result: &ApplyReport,
    destroy: bool,
    errored: Option<&str>,
    style: Style,
    json: bool,
) {
    let verb = if destroy { "Destroy" } else { "Apply" };
    if json {
        let v = serde_json::json!({
            "type": "summary",
            "ok": result.ok(),
            "imported": result.imported, "added": result.added, "changed": result.changed, "destroyed": result.destroyed,
            "failed": result.failed.iter().map(|(a, _)| a.to_string()).collect::<Vec<_>>(),
            "skipped": result.skipped.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "interrupted": result.interrupted,
            "unrecorded": result.unrecorded.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "state_written": result.state_written,
            "rollback": result.rollback.as_ref().map(rollback_json),
        });
        let _ = writeln!(out, "{v}");
    } else if result.ok() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&if destroy {
                // Terraform's wording: a destroy adds and changes nothing.
                format!(
                    "Destroy complete! Resources: {} destroyed.",
                    result.destroyed
                )
            } else if result.imported > 0 {
                // Terraform's wording when something was imported.
                format!(
                    "{verb} complete! Resources: {} imported, {} added, {} changed, {} destroyed.",
                    result.imported, result.added, result.changed, result.destroyed
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
            let _ = writeln!(out, "\nOutputs:\n");
            for (k, o) in &state.outputs {
                let shown = if o.sensitive {
                    "<sensitive>".to_string()
                } else {
                    infra_lang::value::render(&o.value)
                };
                let _ = writeln!(out, "{k} = {shown}");
            }
        }
    } else {
        failed_summary(out, result, verb, errored, style);
        if let Some(r) = &result.rollback {
            rollback_summary(out, r, style);
        }
    }
}

/// A rollback as the `rollback` field of the JSON summary.
pub fn rollback_json(r: &RollbackReport) -> serde_json::Value {
    serde_json::json!({
        "complete": r.complete(),
        "rolled_back": r.rolled_back.iter().map(|(a, how)| serde_json::json!({"address": a.to_string(), "how": how})).collect::<Vec<_>>(),
        "not_rolled_back": r.not_rolled_back.iter().map(|(a, why)| serde_json::json!({"address": a.to_string(), "why": why})).collect::<Vec<_>>(),
        "unfinished": r.unfinished,
    })
}

/// What a rollback put back and what it could not.
pub fn rollback_summary(out: &mut dyn Write, r: &RollbackReport, style: Style) {
    let head = if r.complete() {
        "Rollback complete."
    } else {
        "Rollback incomplete."
    };
    let _ = writeln!(
        out,
        "\n{} {} rolled back, {} could not be rolled back.",
        style.bold(head),
        r.rolled_back.len(),
        r.not_rolled_back.len()
    );
    for (a, how) in &r.rolled_back {
        let _ = writeln!(out, "  rolled back: {a}: {how}");
    }
    for (a, why) in &r.not_rolled_back {
        let _ = writeln!(out, "  could not be rolled back: {a}: {why}");
    }
    let _ = if r.unfinished {
        writeln!(
            out,
            "The rollback stopped before its end; `infra rollback --resume` finishes it."
        )
    } else if r.complete() {
        writeln!(
            out,
            "Every object this run changed is as it was before the run."
        )
    } else {
        writeln!(
            out,
            "The objects listed as not rolled back stay as this run left them; run `infra plan` to see them."
        )
    };
}

/// The summary of an apply that did not do everything it planned.
fn failed_summary(
    out: &mut dyn Write,
    result: &ApplyReport,
    verb: &str,
    errored: Option<&str>,
    style: Style,
) {
    let _ = writeln!(
        out,
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
        let _ = writeln!(out, "  failed:  {a}");
    }
    for a in &result.skipped {
        let _ = writeln!(out, "  skipped: {a}");
    }
    if !result.state_written {
        for a in &result.unrecorded {
            let _ = writeln!(out, "  not recorded: {a}");
        }
    }
    let _ = if result.state_written {
        writeln!(
            out,
            "Everything that completed is recorded in state; run `infra plan` to see what remains."
        )
    } else if result.unrecorded.is_empty() {
        writeln!(
            out,
            "Everything that completed is in the journal beside the state, which the next infra command replays; run `infra plan` to see what remains."
        )
    } else {
        writeln!(
            out,
            "The state could not be written and the journal missed {} completed operations: {}. Put that state in place before running anything else (see the error above).",
            result.unrecorded.len(),
            errored.unwrap_or("the new state is lost")
        )
    };
    for a in &result.abandoned {
        let _ = writeln!(out, "  abandoned: {a}");
    }
    if !result.abandoned.is_empty() {
        let _ = writeln!(
            out,
            "An abandoned operation may still have taken effect: an object it created is not in state. Look for it, then `infra import` it or delete it by hand."
        );
    }
}
