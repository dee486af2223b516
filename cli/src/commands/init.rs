//! `infra init`: checks the configuration, creates the state directory
//! and reads any existing state (replaying an interrupted run's journal).
//! Idempotent.

use super::workdir::{self, report};
use crate::args::InitArgs;
use crate::{Io, exit};
use std::path::Path;

/// Runs `infra init`.
pub fn run(args: &InitArgs, base: &Path, io: &mut Io<'_>) -> i32 {
    let diags = infra_engine::config::validate_dir(base);
    if infra_lang::diagnostic::has_errors(&diags) {
        report(io, &diags, false);
        return exit::ERROR;
    }
    let store = workdir::store(base, &args.state);
    if let Some(dir) = store.path().parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        let _ = writeln!(io.err, "Error: cannot create {}: {e}", dir.display());
        return exit::ERROR;
    }
    let lock = match workdir::lock(&store, &args.state, "init") {
        Ok(l) => l,
        Err(d) => {
            report(io, &[d], false);
            return exit::ERROR;
        }
    };
    match workdir::read(&store) {
        Ok(Some(s)) => {
            let _ = writeln!(
                io.out,
                "State: {} ({} resource instances, serial {}).",
                store.path().display(),
                s.resources.len(),
                s.serial
            );
        }
        Ok(None) => {
            let _ = writeln!(
                io.out,
                "State: {} (none yet; created by the first apply).",
                store.path().display()
            );
        }
        Err(d) => {
            report(io, &[d], false);
            return exit::ERROR;
        }
    }
    drop(lock);
    let providers = workdir::providers();
    let names: Vec<&str> = providers.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(io.out, "Providers: {} (built in).", names.join(", "));
    let _ = writeln!(io.out, "\ninfra has been successfully initialized!");
    exit::OK
}
