//! One module per command; `dispatch` maps the parsed command to it.

mod fmt;
mod validate;

use crate::Io;
use crate::args::Command;

/// Runs `command`, returning the exit code.
pub fn dispatch(command: Command, io: &mut Io<'_>) -> i32 {
    match command {
        Command::Validate(a) => validate::run(&a, io),
        Command::Fmt(a) => fmt::run(&a, io),
    }
}
