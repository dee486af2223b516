//! `infra init`: checks the configuration, installs the provider plugins
//! it requires and writes the lock file (`init_providers.rs`), opens the
//! state store its `backend` block names (creating the local state
//! directory) and reads any existing state (replaying an interrupted
//! run's journal). With `--migrate-state`, copies the local state file
//! into the configured backend first, or takes over Terraform's state
//! (read as Terraform's format version 4): its local `terraform.tfstate`
//! when there is no local infra state, or the objects of its `backend
//! "s3"` (`init_terraform_s3.rs`). Idempotent.

use super::workdir;
use super::{OrFail, Outcome};
use crate::args::{InitArgs, StateArgs};
use crate::{Io, exit};
use infra_engine::state::local::LocalStore;
use infra_engine::state::workspaces::DEFAULT;
use infra_engine::state::{StateStore, terraform};
use infra_lang::Diagnostic;
use std::path::{Path, PathBuf};

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
    // Files of the directory that are not part of the module are named
    // where a Terraform user starts: at init.
    let ignored: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| d.code == "config::terraform-files-ignored" || d.code == "config::unsupported")
        .collect();
    workdir::report(io, &ignored, false);
    let rt = workdir::runtime().or_fail(false)?;
    let consts = workdir::const_inputs(&args.consts);
    // Terraform's state in S3, found where the backend pointed before this
    // run's `-backend-config` settings (which move infra's state away).
    let in_s3 =
        super::init_terraform_s3::terraform_objects(&rt, base, consts.clone(), args.migrate_state)
            .or_fail(false)?;
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
    let terraform = terraform_sources(base, &args.state);
    if args.migrate_state {
        if !in_s3.is_empty() {
            migrate_terraform(&rt, base, in_s3, &dest_args, consts.clone(), io).or_fail(false)?;
        } else if terraform.is_empty() {
            migrate(&rt, base, &args.state, &dest_args, consts.clone(), io).or_fail(false)?;
        } else {
            let local = read_terraform_files(&terraform).or_fail(false)?;
            migrate_terraform(&rt, base, local, &dest_args, consts.clone(), io).or_fail(false)?;
        }
    } else if let Some(tf) = in_s3.first() {
        // infra's state would be Terraform's object: say how to take it
        // over instead of failing on it.
        let _ = writeln!(
            io.out,
            "Found Terraform's state in {}: `infra init -migrate-state -backend-config=key=NEW_KEY` takes it over into infra's state at NEW_KEY (Terraform's object is never changed; docs/migrating-from-terraform.md).",
            tf.shown
        );
        return Ok(exit::OK);
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
            if let Some((_, tf)) = terraform.first() {
                let _ = writeln!(
                    io.out,
                    "Found Terraform's state in {}: `infra init -migrate-state` takes it over (Terraform's file is never changed; docs/migrating-from-terraform.md).",
                    tf.display()
                );
            }
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
    let dest = workdir::backend(base, dest_args, consts).map_err(first_error)?;
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
    if !install(rt, &from, state, dest, io)? {
        return Ok(());
    }
    workdir::unlock(io, source_lock);
    workdir::unlock(io, dest_lock);
    let _ = writeln!(
        io.out,
        "The local file is left as it was: remove it once `infra state list` shows the state in its new place."
    );
    Ok(())
}

/// Writes `state` (read from `from`) into `dest`, whose lock the caller
/// holds, when `dest` has no state yet, an empty one, or an older serial
/// of the same lineage; says what it did. False when nothing was copied
/// because `dest` already holds this state.
///
/// # Errors
/// `state::migrate-conflict` when `dest` holds another lineage; the store.
fn install(
    rt: &tokio::runtime::Runtime,
    from: &str,
    state: infra_engine::state::State,
    dest: &dyn StateStore,
    io: &mut Io<'_>,
) -> Result<bool, Diagnostic> {
    let to = dest.describe();
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
            return Ok(false);
        }
        _ => {}
    }
    workdir::write(rt, dest, &state)?;
    let _ = writeln!(
        io.out,
        "Copied the state from {from} to {to} (serial {}, {} resource instances).",
        state.serial,
        state.resources.len()
    );
    Ok(true)
}

/// Terraform's local state files to take over, by workspace: with
/// `--state FILE`, that file when it is Terraform's (into the selected
/// workspace, named `""` here); otherwise `terraform.tfstate` (workspace
/// `default`) and `terraform.tfstate.d/NAME/terraform.tfstate`, when the
/// working directory has no local infra state (infra's own state wins).
fn terraform_sources(base: &Path, args: &StateArgs) -> Vec<(String, PathBuf)> {
    let is_tf = |p: &Path| LocalStore::new(p).is_terraform();
    if let Some(file) = &args.state {
        let p = base.join(file);
        return if is_tf(&p) {
            vec![(String::new(), p)]
        } else {
            Vec::new()
        };
    }
    if workdir::local_store(base, args, None).path().exists() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let default = base.join("terraform.tfstate");
    if is_tf(&default) {
        out.push((DEFAULT.to_string(), default));
    }
    let mut named: Vec<(String, PathBuf)> = std::fs::read_dir(base.join("terraform.tfstate.d"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path().join("terraform.tfstate"),
            )
        })
        .filter(|(_, p)| is_tf(p))
        .collect();
    named.sort();
    out.extend(named);
    out
}

/// A Terraform state to take over: a local file or an S3 object.
pub(super) struct TerraformState {
    /// Its workspace (`""`: the selected one).
    pub ws: String,
    /// Where it is, for messages: a path or `s3://BUCKET/KEY`.
    pub shown: String,
    /// Its text (Terraform's state format version 4).
    pub text: String,
    /// The local file it was read from; `None` for an S3 object.
    pub file: Option<PathBuf>,
}

/// Reads Terraform's state files (from [`terraform_sources`]).
///
/// # Errors
/// `state::io` for a file that cannot be read.
fn read_terraform_files(sources: &[(String, PathBuf)]) -> Result<Vec<TerraformState>, Diagnostic> {
    sources
        .iter()
        .map(|(ws, path)| {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| Diagnostic::error("state::io", format!("cannot read {shown}: {e}")))?;
            Ok(TerraformState {
                ws: ws.clone(),
                shown,
                text,
                file: Some(path.clone()),
            })
        })
        .collect()
}

/// `--migrate-state` from Terraform's states (local files from
/// [`terraform_sources`], or S3 objects): each read as Terraform's format
/// version 4 (`infra_engine::state::terraform`) and written into the same
/// workspace of the configured backend under its lock. Terraform's states
/// are only read: no lock is taken on them, nothing is written there; a
/// backend whose store is Terraform's own file or object is refused.
///
/// # Errors
/// The backend; a lock; a state that is not valid Terraform state; the
/// backend's store is the Terraform state itself (`state::terraform`);
/// `state::migrate-conflict`.
fn migrate_terraform(
    rt: &tokio::runtime::Runtime,
    base: &Path,
    sources: Vec<TerraformState>,
    dest_args: &StateArgs,
    consts: infra_engine::eval::Inputs,
    io: &mut Io<'_>,
) -> Result<(), Diagnostic> {
    let dest = workdir::backend(base, dest_args, consts).map_err(first_error)?;
    let providers = workdir::providers();
    let dynamic = terraform::dynamic_attributes(&providers);
    for source in sources {
        let ws = if source.ws.is_empty() {
            workdir::workspace::current(base)?
        } else {
            source.ws.clone()
        };
        let shown = &source.shown;
        let migrated = terraform::from_text(&source.text, shown, &dynamic)
            .map_err(|e| workdir::state_error(&e))?;
        if ws != DEFAULT {
            let _ = writeln!(io.out, "Workspace {ws}:");
        }
        let to = dest.store(&ws);
        // The backend's store is Terraform's file or object itself: infra
        // never writes Terraform's state.
        let same = |a: &Path, b: &Path| {
            std::fs::canonicalize(a)
                .ok()
                .is_some_and(|a| std::fs::canonicalize(b).ok() == Some(a))
        };
        let (is_own, help) = match &source.file {
            Some(path) => (
                same(path, &base.join(to.describe())),
                "Give the `local` backend another `path` (or none: .infra/state.json), then run `infra init -migrate-state` again; Terraform's file stays as it is.",
            ),
            None => (
                to.describe() == *shown,
                "Keep infra's state beside Terraform's: `infra init -migrate-state -backend-config=key=NEW_KEY` (kept in .infra/backend-config.json, so the configuration and Terraform's object stay as they are).",
            ),
        };
        if is_own {
            let what = if source.file.is_some() {
                "file"
            } else {
                "object"
            };
            return Err(Diagnostic::error(
                "state::terraform",
                format!("the backend's state {what} is Terraform's own {shown}, which infra does not write"),
            )
            .with_help(help));
        }
        let lock = workdir::lock(rt, &*to, dest_args, "init -migrate-state")?;
        let copied = install(
            rt,
            &format!("Terraform's {shown}"),
            migrated.state,
            &*to,
            io,
        )?;
        workdir::unlock(io, lock);
        if copied {
            for n in &migrated.notes {
                let _ = writeln!(io.out, "Note: {n}");
            }
            let _ = writeln!(
                io.out,
                "Terraform's state is left as it was (infra never writes it); `infra state pull --format terraform` gives the state back in Terraform's format."
            );
        }
    }
    Ok(())
}

/// The first of the backend's errors.
fn first_error(d: Vec<Diagnostic>) -> Diagnostic {
    d.into_iter()
        .next()
        .unwrap_or_else(|| Diagnostic::error("state::migrate", "the backend could not be opened"))
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
