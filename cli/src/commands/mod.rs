//! One module per command; `dispatch` maps the parsed command to it.

mod eval;
mod fmt;
mod validate;

use crate::Io;
use crate::args::Command;
use std::path::Path;

/// Runs `command` in directory `base` (the `--chdir` directory, or `.`),
/// returning the exit code.
pub fn dispatch(command: Command, base: &Path, io: &mut Io<'_>) -> i32 {
    match command {
        Command::Validate(a) => validate::run(&a, base, io),
        Command::Fmt(a) => fmt::run(&a, base, io),
        Command::Eval(a) => eval::run(&a, base, io),
        Command::Console(a) => eval::console(&a, base, io),
    }
}
