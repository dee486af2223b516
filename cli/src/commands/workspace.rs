//! `infra workspace list | show | new | select | delete`: named states of
//! one configuration (mirrors `terraform workspace`, with its rules and
//! messages): the selection lives in `.infra/environment`, overridden by
//! `INFRA_WORKSPACE` or `TF_WORKSPACE`.

use super::workdir::workspace::{self, Selected};
use super::workdir::{self, report};
use super::{OrFail, Outcome};
use crate::args::{StateArgs, WorkspaceBackendArgs, WorkspaceCommand};
use crate::{Io, exit};
use infra_engine::state::workspaces::{Backend, DEFAULT, valid_name};
use infra_lang::Diagnostic;
use std::path::Path;
use std::sync::Arc;

/// Runs one `infra workspace` subcommand.
pub fn run(cmd: &WorkspaceCommand, base: &Path, io: &mut Io<'_>) -> Outcome {
    match cmd {
        WorkspaceCommand::Show => {
            let s = workspace::selected(base).or_fail(false)?;
            let _ = writeln!(io.out, "{}", s.name);
            Ok(exit::OK)
        }
        WorkspaceCommand::List(b) => list(b, base, io).or_fail(false),
        WorkspaceCommand::New { name, backend } => new(name, backend, base, io).or_fail(false),
        WorkspaceCommand::Select {
            name,
            or_create,
            backend,
        } => select(name, *or_create, backend, base, io).or_fail(false),
        WorkspaceCommand::Delete {
            name,
            force,
            backend,
        } => delete(name, *force, backend, base, io).or_fail(false),
    }
}

fn state_args(b: &WorkspaceBackendArgs) -> StateArgs {
    StateArgs {
        lock_timeout: b.lock_timeout.clone(),
        ..StateArgs::default()
    }
}

/// The runtime, the backend and its workspaces.
struct Opened {
    rt: tokio::runtime::Runtime,
    backend: Arc<dyn Backend>,
    names: Vec<String>,
}

fn open(b: &WorkspaceBackendArgs, base: &Path) -> Result<Opened, Vec<Diagnostic>> {
    let rt = workdir::runtime().map_err(|d| vec![d])?;
    let backend = workdir::backend(base, &state_args(b), workdir::const_inputs(&b.consts))?;
    let names = rt
        .block_on(backend.workspaces())
        .map_err(|e| vec![workdir::state_error(&e)])?;
    Ok(Opened { rt, backend, names })
}

fn check_name(name: &str) -> Result<(), Vec<Diagnostic>> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(vec![workspace::invalid_name(name)])
    }
}

fn not_found(name: &str) -> Diagnostic {
    Diagnostic::error(
        "workspace::not-found",
        format!("workspace {name:?} doesn't exist"),
    )
    .with_help(format!(
        "Create it with `infra workspace new {name}`, or pass --or-create to `infra workspace select`. `infra workspace list` shows those there are."
    ))
}

fn overridden(s: &Selected, doing: &str) -> Diagnostic {
    let var = s.overridden_by.unwrap_or("INFRA_WORKSPACE");
    Diagnostic::error(
        "workspace::overridden",
        format!(
            "the selected workspace is overridden by the {var} environment variable ({:?}): cannot {doing}",
            s.name
        ),
    )
    .with_help(format!(
        "Unset {var} (or set it to the workspace you want) and run this command again."
    ))
}

fn created(io: &mut Io<'_>, name: &str) {
    let _ = writeln!(
        io.out,
        "Created and switched to workspace {name:?}!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run \"infra plan\" infra will not see any existing state\nfor this configuration."
    );
}

fn list(b: &WorkspaceBackendArgs, base: &Path, io: &mut Io<'_>) -> Result<i32, Vec<Diagnostic>> {
    let s = workspace::selected(base).map_err(|d| vec![d])?;
    let Opened { names, .. } = open(b, base)?;
    for n in &names {
        let mark = if *n == s.name { "*" } else { " " };
        let _ = writeln!(io.out, "{mark} {n}");
    }
    if !names.contains(&s.name) {
        let _ = writeln!(io.out, "* {} (no state yet)", s.name);
    }
    if let Some(var) = s.overridden_by {
        report(
            io,
            &[Diagnostic::warning(
                "workspace::overridden",
                format!("the active workspace is overridden by the {var} environment variable"),
            )],
            false,
        );
    }
    Ok(exit::OK)
}

fn new(
    name: &str,
    b: &WorkspaceBackendArgs,
    base: &Path,
    io: &mut Io<'_>,
) -> Result<i32, Vec<Diagnostic>> {
    check_name(name)?;
    let s = workspace::selected(base).map_err(|d| vec![d])?;
    if s.overridden_by.is_some() && s.name != name {
        return Err(vec![overridden(&s, "create another workspace")]);
    }
    let Opened { rt, backend, names } = open(b, base)?;
    if names.iter().any(|n| n == name) {
        return Err(vec![
            Diagnostic::error(
                "workspace::exists",
                format!("workspace {name:?} already exists"),
            )
            .with_help(format!("Select it with `infra workspace select {name}`.")),
        ]);
    }
    rt.block_on(backend.create_workspace(name))
        .map_err(|e| vec![workdir::state_error(&e)])?;
    workspace::select(base, name).map_err(|d| vec![d])?;
    created(io, name);
    Ok(exit::OK)
}

fn select(
    name: &str,
    or_create: bool,
    b: &WorkspaceBackendArgs,
    base: &Path,
    io: &mut Io<'_>,
) -> Result<i32, Vec<Diagnostic>> {
    check_name(name)?;
    let s = match workspace::selected(base) {
        Ok(s) => s,
        // A broken .infra/environment is what `select` repairs.
        Err(_)
            if !workspace::OVERRIDES
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty())) =>
        {
            Selected {
                name: String::new(),
                overridden_by: None,
            }
        }
        Err(d) => return Err(vec![d]),
    };
    if s.overridden_by.is_some() {
        return Err(vec![overridden(&s, "select another workspace")]);
    }
    let Opened { rt, backend, names } = open(b, base)?;
    if s.name == name {
        return Ok(exit::OK);
    }
    let exists = names.iter().any(|n| n == name);
    if !exists && !or_create {
        return Err(vec![not_found(name)]);
    }
    if !exists {
        rt.block_on(backend.create_workspace(name))
            .map_err(|e| vec![workdir::state_error(&e)])?;
    }
    workspace::select(base, name).map_err(|d| vec![d])?;
    if exists {
        let _ = writeln!(io.out, "Switched to workspace {name:?}.");
    } else {
        created(io, name);
    }
    Ok(exit::OK)
}

fn delete(
    name: &str,
    force: bool,
    b: &WorkspaceBackendArgs,
    base: &Path,
    io: &mut Io<'_>,
) -> Result<i32, Vec<Diagnostic>> {
    check_name(name)?;
    let Opened { rt, backend, names } = open(b, base)?;
    if !names.iter().any(|n| n == name) {
        return Err(vec![not_found(name)]);
    }
    let current = workspace::current(base).map_err(|d| vec![d])?;
    if current == name {
        return Err(vec![
            Diagnostic::error(
                "workspace::active",
                format!("workspace {name:?} is your active workspace: it cannot be deleted"),
            )
            .with_help(
                "Switch to another workspace (`infra workspace select default`) and try again.",
            ),
        ]);
    }
    if name == DEFAULT {
        return Err(vec![
            Diagnostic::error(
                "workspace::default",
                "the default workspace cannot be deleted",
            )
            .with_help("Every backend has it; empty it with `infra destroy` instead."),
        ]);
    }
    let store = backend.store(name);
    let lock =
        workdir::lock(&rt, &*store, &state_args(b), "workspace delete").map_err(|d| vec![d])?;
    let audit = super::audit::Run::start("workspace delete");
    let state = workdir::read(&rt, &*store).map_err(|d| vec![d])?;
    let mut tracked: Vec<String> = state
        .iter()
        .flat_map(|s| {
            let objects = s.resources.keys().map(ToString::to_string);
            let pending = s
                .pending
                .iter()
                .map(|p| format!("{} (an unconfirmed create)", p.address));
            objects.chain(pending).collect::<Vec<_>>()
        })
        .collect();
    tracked.dedup();
    if !tracked.is_empty() && !force {
        let list: String = tracked.iter().map(|a| format!("\n  - {a}")).collect();
        return Err(vec![
            Diagnostic::error(
                "workspace::not-empty",
                format!(
                    "workspace {name:?} is not empty: its state tracks these resource instances:{list}"
                ),
            )
            .with_help(format!(
                "Deleting it would make infra lose track of these objects, which would then have to be deleted by hand. Destroy them first (`infra workspace select {name}`, `infra destroy`), or pass --force to delete the workspace anyway and forget them."
            )),
        ]);
    }
    rt.block_on(backend.delete_workspace(name))
        .map_err(|e| vec![workdir::state_error(&e)])?;
    // The deleted workspace's log went with it: the record goes to the
    // log of the workspace the user is in.
    let forgotten = tracked
        .iter()
        .map(|a| super::audit::change(a, "forget", "ok"))
        .collect();
    audit.finish(
        io,
        &rt,
        &*backend.store(&current),
        None,
        "succeeded",
        (state.as_ref().map(|s| s.serial), None),
        forgotten,
    );
    workdir::unlock(io, lock);
    let _ = writeln!(io.out, "Deleted workspace {name:?}!");
    if !tracked.is_empty() {
        let _ = writeln!(
            io.out,
            "WARNING: {name:?} was non-empty.\nThe resources managed by the deleted workspace may still exist,\nbut are no longer manageable by infra since the state has\nbeen deleted."
        );
    }
    Ok(exit::OK)
}
