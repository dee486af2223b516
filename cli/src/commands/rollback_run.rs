//! `infra rollback RUN`: return to the configuration and variables an
//! earlier successful apply recorded beside its audit record
//! (`infra_engine::audit::snapshot`). The recorded root module is planned
//! in place of the directory's (`config::overlay`, nothing is written to
//! it) against the current state, shown, approved and applied as `apply`
//! does; the run is recorded as `rollback` and keeps a snapshot of its
//! own.

use super::apply::{Approval, Execution, execute, show_and_approve};
use super::plan::plan_with;
use super::workdir;
use super::{OrFail, Outcome};
use crate::Io;
use crate::args::RollbackArgs;
use crate::exit;
use infra_engine::audit::snapshot::Snapshot;
use infra_engine::config::overlay;
use infra_engine::eval::Inputs;
use infra_lang::Diagnostic;
use std::path::Path;

/// Runs `infra rollback RUN`.
pub fn run(args: &RollbackArgs, run: &str, base: &Path, io: &mut Io<'_>) -> Outcome {
    let json = args.json;
    let started = std::time::Instant::now();
    let stop_timeout = workdir::parse_duration(&args.stop_timeout).or_fail(json)?;
    let (rt, store, lock) = super::rollback::open(args, base)?;
    super::rollback::refuse_while_pending(&rt, &*store).or_fail(json)?;
    let audit = super::audit::Run::start("rollback");
    let stored = workdir::read_audit(&rt, &*store).or_fail(json)?;
    let records = infra_engine::audit::verify(&stored)
        .map_err(|b| {
            Diagnostic::error(
                "audit::broken",
                format!("the audit log is not intact: {}", b.reason),
            )
            .with_help("`infra history verify` names the first record that does not fit; a run is not returned to from a log that was changed.")
        })
        .or_fail(json)?;
    let record = super::history::find(&records, run).or_fail(json)?;
    let no_snapshot = |why: String| {
        vec![
            Diagnostic::error("rollback::no-snapshot", why)
                .with_help("`infra history` lists the runs; only a successful `apply` (or `rollback`) keeps its configuration."),
        ]
    };
    if record.outcome != "succeeded" {
        return Err(no_snapshot(format!(
            "run {} (`infra {}`) did not succeed ({}): there is no configuration to return to",
            record.seq, record.command, record.outcome
        )))
        .or_fail(json);
    }
    let snapshot = Snapshot::load(&*store, rt.handle(), &record.run_id)
        .map_err(|e| vec![workdir::state_error(&e)])
        .and_then(|s| {
            s.ok_or_else(|| {
                no_snapshot(format!(
                    "run {} (`infra {}`) kept no configuration snapshot",
                    record.seq, record.command
                ))
            })
        })
        .or_fail(json)?;
    let cli = workdir::checked_inputs(&args.planning.inputs, base).or_fail(json)?;
    let inputs = recorded_inputs(&snapshot, &cli).or_fail(json)?;
    let providers =
        workdir::providers_limited(base, &rt, args.planning.parallelism).or_fail(json)?;
    let seq = record.seq;
    overlay::with_files(base, &snapshot.files, || {
        let plan = plan_with(
            &args.planning,
            &inputs,
            false,
            None,
            base,
            &rt,
            &*store,
            &providers,
            !json,
        )
        .or_fail(json)?;
        let nothing =
            format!("Nothing to roll back: the objects match the configuration of run {seq}.");
        let question = format!(
            "Do you want to return to run {seq}?\n  infra will perform the actions described above."
        );
        let approval = Approval {
            json,
            auto_approve: args.auto_approve,
            input: args.planning.input,
            nothing: &nothing,
            question: &question,
            help: "Pass `--auto-approve` (e.g. in CI).",
            providers: &providers,
        };
        if !show_and_approve(&plan, &approval, io)? {
            return Ok(exit::OK);
        }
        if !json {
            let _ = writeln!(io.out);
        }
        let x = Execution {
            base,
            json,
            destroy: false,
            parallelism: args.planning.parallelism,
            stop_timeout,
            rollback_on_failure: false,
            workspace: workdir::workspace::current(base).or_fail(json)?,
            started,
            rt,
            store,
            lock,
            audit,
        };
        execute(x, plan, &inputs, &providers, io)
    })
}

/// The snapshot's inputs, with each variable it could not keep (ephemeral,
/// or sensitive without state encryption) taken from `given`.
///
/// # Errors
/// `rollback::missing-variable` for each one `given` lacks.
fn recorded_inputs(snapshot: &Snapshot, given: &Inputs) -> Result<Inputs, Vec<Diagnostic>> {
    let mut inputs = snapshot.inputs.clone();
    let mut missing = Vec::new();
    for name in snapshot.withheld() {
        match given.vars.get(&name) {
            Some(v) => {
                inputs.vars.insert(name, v.clone());
            }
            None => missing.push(
                Diagnostic::error(
                    "rollback::missing-variable",
                    format!("the variable `{name}` of that run was not kept (ephemeral, or sensitive while the state is not encrypted)"),
                )
                .with_help(format!("Give its value again: `--var {name}=...`, a var file, or INFRA_VAR_{name}.")),
            ),
        }
    }
    if missing.is_empty() {
        Ok(inputs)
    } else {
        Err(missing)
    }
}
