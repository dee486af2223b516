//! `infra state push FILE` and `infra state replace-provider FROM TO`:
//! the state edits that replace what state records rather than move or
//! forget instances. Both take the lock; the replaced state stays in the
//! store's backup.

use super::state::{Ctx, load, mutate};
use super::workdir;
use crate::Io;
use crate::args::StateArgs;
use infra_engine::state::{State, file};
use infra_lang::Diagnostic;
use std::io::Read;
use std::path::Path;

/// The most bytes `state push` reads (a state file larger than this is
/// refused rather than held in memory): 1 GiB.
const MAX_PUSH_BYTES: u64 = 1 << 30;

/// `state push FILE`: replaces the state with the one in `path` (`-`:
/// standard input), under the lock. Mirrors Terraform's `state push`
/// (`statemgr.CheckValidImport`): over a non-empty state, a pushed state
/// of another lineage, of an older serial, or different with the same
/// serial is refused unless `force`. A newer one keeps its serial; a
/// forced one gets the next serial after both.
///
/// # Errors
/// `state::io` (the file), `state::corrupt` (not a state),
/// `state::lineage-mismatch`, `state::older-serial`, `state::same-serial`,
/// and the store's errors.
pub(super) fn push(
    c: &Ctx,
    args: &StateArgs,
    path: &Path,
    force: bool,
    io: &mut Io<'_>,
) -> Result<Vec<String>, Diagnostic> {
    let shown = path.display().to_string();
    let text = read_input(path)?;
    let mut pushed = file::from_text(&text, &shown).map_err(|e| workdir::state_error(&e))?;
    let lock = workdir::lock(&c.rt, &*c.store, args, "state push")?;
    let audit = super::audit::Run::start("state push");
    let current = workdir::read(&c.rt, &*c.store)?;
    let before = current.clone();
    let lines = match current.filter(|s| !s.resources.is_empty() || !s.outputs.is_empty()) {
        None => vec![format!(
            "Pushed {shown} (serial {}) to {}.",
            pushed.serial,
            c.store.describe()
        )],
        Some(existing) => {
            let same = file::to_text(&pushed) == file::to_text(&existing);
            if !force {
                refuse_unrelated(&pushed, &existing, same)?;
            }
            if same {
                return Ok(vec![
                    "The state already is this state: nothing to push.".into(),
                ]);
            }
            if force && pushed.serial <= existing.serial {
                pushed.serial = existing
                    .next_serial()
                    .map_err(|e| workdir::state_error(&e))?;
            }
            vec![format!(
                "Pushed {shown} over serial {} of {} (now serial {}).",
                existing.serial,
                c.store.describe(),
                pushed.serial
            )]
        }
    };
    workdir::write(&c.rt, &*c.store, &pushed)?;
    audit.finish_edit(io, &c.rt, &*c.store, before.as_ref(), &pushed);
    drop(lock);
    Ok(lines)
}

/// Terraform's refusals of a pushed state over `existing` (`same`: the
/// two are the same state).
fn refuse_unrelated(pushed: &State, existing: &State, same: bool) -> Result<(), Diagnostic> {
    let help = "Check that the file is a state of this configuration and workspace (`infra state pull` shows the current one); `--force` writes it anyway, the current state staying in the backup.";
    if pushed.lineage != existing.lineage {
        return Err(Diagnostic::error(
            "state::lineage-mismatch",
            format!(
                "cannot push a state of lineage {} over the unrelated state of lineage {}",
                pushed.lineage, existing.lineage
            ),
        )
        .with_help(help));
    }
    if pushed.serial < existing.serial {
        return Err(Diagnostic::error(
            "state::older-serial",
            format!(
                "cannot push a state of serial {} over the newer state of serial {}",
                pushed.serial, existing.serial
            ),
        )
        .with_help(help));
    }
    if pushed.serial == existing.serial && !same {
        return Err(Diagnostic::error(
            "state::same-serial",
            format!(
                "cannot push a state that differs from the current one with the same serial {}",
                pushed.serial
            ),
        )
        .with_help(help));
    }
    Ok(())
}

/// The text of `path`, or of standard input for `-`, at most
/// [`MAX_PUSH_BYTES`].
fn read_input(path: &Path) -> Result<String, Diagnostic> {
    let unreadable = |e: std::io::Error| {
        Diagnostic::error("state::io", format!("cannot read {}: {e}", path.display()))
    };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_PUSH_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_PUSH_BYTES + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
    }
    if bytes.len() as u64 > MAX_PUSH_BYTES {
        return Err(Diagnostic::error(
            "state::io",
            format!("{} is larger than 1 GiB: not a state file", path.display()),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(
            "state::corrupt",
            format!(
                "{} is not a state file: it is not UTF-8 text",
                path.display()
            ),
        )
    })
}

/// `state replace-provider FROM TO`: every instance recorded with
/// configuration `from` is recorded with `to`. Both are configuration
/// addresses (`aws`, `aws.west`); a provider source address (Terraform's
/// `registry.terraform.io/hashicorp/aws`) is refused with the way to do
/// it in infra.
///
/// # Errors
/// `cli::bad-provider` for an argument that is not `NAME` or
/// `NAME.ALIAS`, `state::no-instance` when nothing uses `from`, the
/// store's errors.
pub(super) fn replace_provider(
    c: &Ctx,
    args: &StateArgs,
    from: &str,
    to: &str,
    io: &mut Io<'_>,
) -> Result<Vec<String>, Diagnostic> {
    for a in [from, to] {
        check_configuration(a)?;
    }
    let current = load(c)?;
    if !current.resources.values().any(|i| i.provider == from) {
        let mut used: Vec<&str> = current
            .resources
            .values()
            .map(|i| i.provider.as_str())
            .collect();
        used.sort_unstable();
        used.dedup();
        return Err(Diagnostic::error(
            "state::no-instance",
            format!("no instance in state uses provider configuration `{from}`"),
        )
        .with_help(format!(
            "Instances use: {}.",
            used.iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    mutate(c, args, "state replace-provider", io, |s| {
        let mut lines = Vec::new();
        for (a, inst) in &mut s.resources {
            if inst.provider == from {
                inst.provider = to.to_string();
                lines.push(format!("Replaced provider of {a}: {from} -> {to}"));
            }
        }
        lines.push(format!(
            "Successfully replaced provider for {} resource instance(s).",
            lines.len()
        ));
        Ok(lines)
    })
}

/// Refuses what is not a configuration address `NAME` / `NAME.ALIAS`.
fn check_configuration(a: &str) -> Result<(), Diagnostic> {
    if infra_engine::config::module_providers::is_configuration_address(a) {
        return Ok(());
    }
    let help = if a.contains('/') {
        "infra's state records provider configurations (`aws`, `aws.west`), not source addresses: to take a provider from another source, change its `source` in `required_providers` and run `infra init`."
    } else {
        "Write a provider configuration: `NAME` or `NAME.ALIAS`, e.g. `aws.west`."
    };
    Err(Diagnostic::error(
        "cli::bad-provider",
        format!("`{a}` is not a provider configuration"),
    )
    .with_help(help))
}
