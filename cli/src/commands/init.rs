//! `infra init`: checks the configuration, opens the state store its
//! `backend` block names (creating the local state directory) and reads
//! any existing state (replaying an interrupted run's journal). With
//! `--migrate-state`, copies the local state file into the configured
//! backend first. Idempotent.

use super::workdir::{self, report};
use crate::args::{InitArgs, StateArgs};
use crate::{Io, exit};
use infra_engine::state::StateStore;
use infra_lang::Diagnostic;
use std::path::Path;

/// Runs `infra init`.
pub fn run(args: &InitArgs, base: &Path, io: &mut Io<'_>) -> i32 {
    let diags = infra_engine::config::validate_dir(base);
    if infra_lang::diagnostic::has_errors(&diags) {
        report(io, &diags, false);
        return exit::ERROR;
    }
    let rt = match workdir::runtime() {
        Ok(rt) => rt,
        Err(d) => {
            report(io, &[d], false);
            return exit::ERROR;
        }
    };
    // With --migrate-state, --state names the file to migrate from.
    let dest_args = StateArgs {
        state: if args.migrate_state {
            None
        } else {
            args.state.state.clone()
        },
        ..args.state.clone()
    };
    let store = match workdir::store(base, &dest_args, workdir::const_inputs(&args.consts)) {
        Ok(s) => s,
        Err(diags) => {
            report(io, &diags, false);
            return exit::ERROR;
        }
    };
    let lock = match workdir::lock(&rt, &*store, &args.state, "init") {
        Ok(l) => l,
        Err(d) => {
            report(io, &[d], false);
            return exit::ERROR;
        }
    };
    if args.migrate_state
        && let Err(d) = migrate(&rt, base, &args.state, &*store, io)
    {
        report(io, &[d], false);
        return exit::ERROR;
    }
    match workdir::read(&rt, &*store) {
        Ok(Some(s)) => {
            let _ = writeln!(
                io.out,
                "State: {} ({} resource instances, serial {}).",
                store.describe(),
                s.resources.len(),
                s.serial
            );
        }
        Ok(None) => {
            let _ = writeln!(
                io.out,
                "State: {} (none yet; created by the first apply).",
                store.describe()
            );
        }
        Err(d) => {
            report(io, &[d], false);
            return exit::ERROR;
        }
    }
    workdir::unlock(io, lock);
    let providers = workdir::providers();
    let names: Vec<&str> = providers.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(io.out, "Providers: {} (built in).", names.join(", "));
    let _ = writeln!(io.out, "\ninfra has been successfully initialized!");
    exit::OK
}

/// `--migrate-state`: copies the local state file (`--state FILE`, else
/// `.infra/state.json`) into `dest` (locked by the caller) when `dest`
/// has no state yet or an older serial of the same lineage.
fn migrate(
    rt: &tokio::runtime::Runtime,
    base: &Path,
    args: &StateArgs,
    dest: &dyn StateStore,
    io: &mut Io<'_>,
) -> Result<(), Diagnostic> {
    let source = workdir::local_store(base, args, None);
    let from = source.describe();
    let to = dest.describe();
    if from == to {
        let _ = writeln!(
            io.out,
            "Nothing to migrate: the backend is the local file {from}."
        );
        return Ok(());
    }
    let source_lock = workdir::lock(rt, &source, args, "init -migrate-state")?;
    let had_journal = source.journal_path().exists();
    let Some(mut state) = workdir::read(rt, &source)? else {
        let _ = writeln!(io.out, "No local state at {from}: nothing to migrate.");
        return Ok(());
    };
    if had_journal {
        // The replayed journal's operations make a new version.
        state.serial = state.next_serial().map_err(|e| workdir::state_error(&e))?;
    }
    match workdir::read(rt, dest)? {
        Some(there) if there.lineage != state.lineage => {
            return Err(Diagnostic::error(
                "state::migrate-conflict",
                format!(
                    "cannot migrate {from} to {to}: {to} already holds another state (lineage {}, serial {}; the local one is lineage {}, serial {})",
                    there.lineage, there.serial, state.lineage, state.serial
                ),
            )
            .with_help("Nothing was copied. Point the backend at an empty key, or remove the state that is there if it is not needed."));
        }
        Some(there) if there.serial >= state.serial => {
            let _ = writeln!(
                io.out,
                "{to} already holds this state (serial {}, the local one is serial {}): nothing copied.",
                there.serial, state.serial
            );
            return Ok(());
        }
        _ => {}
    }
    workdir::write(rt, dest, &state)?;
    workdir::unlock(io, source_lock);
    let _ = writeln!(
        io.out,
        "Copied the state from {from} to {to} (serial {}, {} resource instances).",
        state.serial,
        state.resources.len()
    );
    let _ = writeln!(
        io.out,
        "The local file is left as it was: remove it once `infra state list` shows the state in its new place."
    );
    Ok(())
}
