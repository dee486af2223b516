//! `infra completions SHELL`: a completion script generated from the same
//! clap definition that parses the arguments, so it never lags behind.

use super::{Failed, Outcome};
use crate::args::{Cli, CompletionsArgs};
use crate::{Io, exit};
use clap::CommandFactory;

/// Writes the completion script for `args.shell` to standard output.
/// Exit code 0 (1 when standard output cannot be written).
pub fn run(args: &CompletionsArgs, io: &mut Io<'_>) -> Outcome {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "infra", &mut script);
    io.out
        .write_all(&script)
        .map_err(|e| Failed::note(format!("Error: cannot write the completion script: {e}")))?;
    Ok(exit::OK)
}
