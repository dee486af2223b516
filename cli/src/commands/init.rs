//! `infra init`: checks the configuration, installs the provider plugins
//! it requires and writes the lock file (`init_providers.rs`), opens the
//! state store its `backend` block names (creating the local state
//! directory) and reads any existing state (replaying an interrupted
//! run's journal). With `--migrate-state`, copies the local state file
//! into the configured backend first. Idempotent.

use super::workdir;
use super::{OrFail, Outcome};
use crate::args::{InitArgs, StateArgs};
use crate::{Io, exit};
use infra_engine::state::StateStore;
use infra_lang::Diagnostic;
use std::path::Path;

/// Runs `infra init`. With `--json`, each line it would print becomes a
/// JSON object on its own line (`{"@level": "info", "@message": LINE,
/// "type": "init_output"}`, as Terraform's `init -json` streams its
/// messages) and errors are JSON diagnostics.
pub fn run(args: &InitArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    if !args.json {
        return init(args, base, io);
    }
    let mut text: Vec<u8> = Vec::new();
    let result = {
        let mut inner = Io {
            out: &mut text,
            err: &mut *io.err,
            color: false,
        };
        init(args, base, &mut inner)
    };
    for line in String::from_utf8_lossy(&text).lines() {
        if line.trim().is_empty() {
            continue;
        }
        let msg = serde_json::json!({"@level": "info", "@message": line, "type": "init_output"});
        let _ = writeln!(io.out, "{msg}");
    }
    result.map_err(|mut f| {
        f.json = true;
        f
    })
}

/// `infra init` itself.
fn init(args: &InitArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let diags = infra_engine::config::validate_dir(base);
    if infra_lang::diagnostic::has_errors(&diags) {
        return Err(diags).or_fail(false);
    }
    let rt = workdir::runtime().or_fail(false)?;
    keep_backend_config(args, base).or_fail(false)?;
    super::init_providers::install_plugins(&rt, base, args.upgrade, io).or_fail(false)?;
    // With --migrate-state, --state names the file to migrate from.
    let dest_args = StateArgs {
        state: if args.migrate_state {
            None
        } else {
            args.state.state.clone()
        },
        ..args.state.clone()
    };
    let consts = workdir::const_inputs(&args.consts);
    if args.migrate_state {
        migrate(&rt, base, &args.state, &dest_args, consts.clone(), io).or_fail(false)?;
    }
    let store = workdir::store(base, &dest_args, consts).or_fail(false)?;
    let lock = workdir::lock(&rt, &*store, &args.state, "init").or_fail(false)?;
    match workdir::read(&rt, &*store).or_fail(false)? {
        Some(s) => {
            let _ = writeln!(
                io.out,
                "State: {} ({} resource instances, serial {}).",
                store.describe(),
                s.resources.len(),
                s.serial
            );
        }
        None => {
            let _ = writeln!(
                io.out,
                "State: {} (none yet; created by the first apply).",
                store.describe()
            );
        }
    }
    workdir::unlock(io, lock);
    let providers = workdir::providers();
    let names: Vec<&str> = providers.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(io.out, "Providers: {} (built in).", names.join(", "));
    let _ = writeln!(io.out, "\ninfra has been successfully initialized!");
    Ok(exit::OK)
}

/// `--migrate-state`: copies each local workspace's state file into the
/// same workspace of the configured backend, as Terraform's `init
/// -migrate-state` copies every workspace; with `--state FILE`, only that
/// file, into the selected workspace. Each copy is made under both locks
/// and only when the destination has no state yet or an older serial of
/// the same lineage.
///
/// # Errors
/// The backend; a lock; `state::migrate-conflict` when a destination holds
/// another lineage (workspaces copied before it stay copied).
fn migrate(
    rt: &tokio::runtime::Runtime,
    base: &Path,
    args: &StateArgs,
    dest_args: &StateArgs,
    consts: infra_engine::eval::Inputs,
    io: &mut Io<'_>,
) -> Result<(), Diagnostic> {
    let first = |d: Vec<Diagnostic>| {
        d.into_iter().next().unwrap_or_else(|| {
            Diagnostic::error("backend::invalid", "the backend could not be opened")
        })
    };
    let dest = workdir::backend(base, dest_args, consts).map_err(first)?;
    if args.state.is_some() {
        let ws = workdir::workspace::current(base)?;
        let source =
            workdir::local_store(base, args, None).with_encryption(dest.store(&ws).encryption());
        return migrate_one(rt, args, &source, &*dest.store(&ws), io);
    }
    let plain = StateArgs {
        state: None,
        ..args.clone()
    };
    let local = workdir::local_backend(base, &plain, None);
    let names = rt
        .block_on(infra_engine::state::workspaces::Backend::workspaces(&local))
        .map_err(|e| workdir::state_error(&e))?;
    for ws in names {
        let to = dest.store(&ws);
        let source = infra_engine::state::local::LocalStore::new(local.path(&ws))
            .with_workspace(&ws)
            .with_encryption(to.encryption());
        if ws != infra_engine::state::workspaces::DEFAULT {
            let _ = writeln!(io.out, "Workspace {ws}:");
        }
        migrate_one(rt, args, &source, &*to, io)?;
    }
    Ok(())
}

/// Copies the state of `source` into `dest` (both locked here) when
/// `dest` has no state yet or an older serial of the same lineage.
fn migrate_one(
    rt: &tokio::runtime::Runtime,
    args: &StateArgs,
    source: &infra_engine::state::local::LocalStore,
    dest: &dyn StateStore,
    io: &mut Io<'_>,
) -> Result<(), Diagnostic> {
    let from = source.describe();
    let to = dest.describe();
    if from == to {
        let _ = writeln!(
            io.out,
            "Nothing to migrate: the backend is the local file {from}."
        );
        return Ok(());
    }
    if !source.path().exists() && !source.journal_path().exists() {
        let _ = writeln!(io.out, "No local state at {from}: nothing to migrate.");
        return Ok(());
    }
    let dest_lock = workdir::lock(rt, dest, args, "init -migrate-state")?;
    let source_lock = workdir::lock(rt, source, args, "init -migrate-state")?;
    let had_journal = source.journal_path().exists();
    let Some(mut state) = workdir::read(rt, source)? else {
        let _ = writeln!(io.out, "No local state at {from}: nothing to migrate.");
        return Ok(());
    };
    if had_journal {
        // The replayed journal's operations make a new version.
        state.serial = state.next_serial().map_err(|e| workdir::state_error(&e))?;
    }
    match workdir::read(rt, dest)? {
        // An empty state (what `workspace new` writes in S3) holds nothing
        // to lose; another history is never overwritten.
        Some(there) if there.lineage != state.lineage && !is_empty(&there) => {
            return Err(Diagnostic::error(
                "state::migrate-conflict",
                format!(
                    "cannot migrate {from} to {to}: {to} already holds another state (lineage {}, serial {}; the local one is lineage {}, serial {})",
                    there.lineage, there.serial, state.lineage, state.serial
                ),
            )
            .with_help("Nothing was copied. Point the backend at an empty key, or remove the state that is there if it is not needed."));
        }
        Some(there) if there.lineage == state.lineage && there.serial >= state.serial => {
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
    workdir::unlock(io, dest_lock);
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

/// True for a state that records nothing: no resource instance, no output.
fn is_empty(state: &infra_engine::state::State) -> bool {
    state.resources.is_empty() && state.outputs.is_empty()
}

/// `-reconfigure` and `-backend-config`: forgets the kept settings, and
/// keeps the new ones (checked against the configuration's `backend`
/// block type).
///
/// # Errors
/// Bad values; `-backend-config` without a `backend` block; the file
/// cannot be written.
fn keep_backend_config(args: &InitArgs, base: &Path) -> Result<(), Vec<Diagnostic>> {
    use super::backend_config as bc;
    if args.reconfigure {
        bc::remove(base).map_err(|d| vec![d])?;
    }
    if args.backend_config.is_empty() {
        return Ok(());
    }
    let config = bc::parse(&args.backend_config, base)?;
    let block = infra_engine::eval::backend_config(base, workdir::const_inputs(&args.consts))?;
    let Some(block) = block else {
        return Err(vec![
            Diagnostic::error(
                "backend::config",
                "`-backend-config` completes a `backend` block, but the configuration has none",
            )
            .with_help(
                "Write e.g. `backend \"s3\" {}` and give the settings with `-backend-config`.",
            ),
        ]);
    };
    bc::save(
        base,
        &bc::Saved {
            kind: block.kind,
            config,
        },
    )
    .map_err(|d| vec![d])
}
