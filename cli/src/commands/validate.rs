//! `infra validate [--json]`: every static check, including resource
//! blocks against provider schemas and the `backend` block's arguments
//! (evaluated with the `--const` values given; a const without a value
//! skips that check only); no provider or state store contacted.

use crate::args::ValidateArgs;
use crate::{Io, exit, render};
use std::path::Path;

/// Runs `infra validate` on the module in `base`.
pub fn run(args: &ValidateArgs, base: &Path, io: &mut Io<'_>) -> super::Outcome {
    // Plugin types are checked against their cached schemas (offline).
    let (providers, not_cached) = super::workdir::cached_providers(base);
    let mut diags = infra_engine::config::validate_dir_with(base, &providers);
    if !infra_lang::diagnostic::has_errors(&diags) {
        diags.extend(not_cached);
    }
    let consts = match super::workdir::checked_inputs(&args.inputs, base) {
        Ok(inputs) => infra_engine::eval::Inputs {
            consts: inputs.consts,
            ..Default::default()
        },
        Err(d) => {
            diags.extend(d);
            infra_engine::eval::Inputs::default()
        }
    };
    if !infra_lang::diagnostic::has_errors(&diags) {
        // The backend block's type and arguments (offline: a store is only
        // built, never contacted).
        let state = crate::args::StateArgs {
            ..crate::args::StateArgs::default()
        };
        if let Err(d) = super::workdir::backend_with(base, &state, consts, None) {
            // A const the backend needs and nobody gave: the commands that
            // open the state require it; validate checks the rest.
            diags.extend(d.into_iter().filter(|d| d.code != "const::missing-value"));
        }
    }
    let errors = infra_lang::diagnostic::has_errors(&diags);
    if args.json {
        let _ = writeln!(io.out, "{}", render::json(&diags));
    } else {
        if !diags.is_empty() {
            let _ = write!(io.err, "{}", render::human(&diags, io.color, 100));
        }
        if !errors {
            let _ = writeln!(io.out, "Success! The configuration is valid.");
        } else {
            let n = diags.iter().filter(|d| d.is_error()).count();
            let _ = writeln!(
                io.err,
                "Error: the configuration has {n} error{}.",
                if n == 1 { "" } else { "s" }
            );
        }
    }
    Ok(if errors { exit::ERROR } else { exit::OK })
}
