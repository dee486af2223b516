//! `infra completions SHELL`: a completion script generated from the same
//! clap definition that parses the arguments, so it never lags behind.

use crate::args::{Cli, CompletionsArgs};
use crate::{Io, exit};
use clap::CommandFactory;

/// Writes the completion script for `args.shell` to standard output.
/// Exit code 0 (1 when standard output cannot be written).
pub fn run(args: &CompletionsArgs, io: &mut Io<'_>) -> i32 {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "infra", &mut script);
    match io.out.write_all(&script) {
        Ok(()) => exit::OK,
        Err(e) => {
            let _ = writeln!(io.err, "Error: cannot write the completion script: {e}");
            exit::ERROR
        }
    }
}
