//! One module per command; `dispatch` maps the parsed command to it.

mod apply;
mod completions;
mod drift;
mod errored_state;
mod eval;
mod fmt;
mod force_unlock;
mod graph;
mod import;
mod init;
mod output;
mod plan;
mod state;
mod validate;
mod workdir;

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
        Command::Init(a) => init::run(&a, base, io),
        Command::Plan(a) => plan::run(&a, base, io),
        Command::Drift(a) => drift::run(&a, base, io),
        Command::Apply(a) => apply::run(&a, false, base, io),
        Command::Destroy(a) => apply::run(&a, true, base, io),
        Command::Output(a) => output::run(&a, base, io),
        Command::State(c) => state::run(&c, base, io),
        Command::ForceUnlock(a) => force_unlock::run(&a, base, io),
        Command::Import(a) => import::run(&a, base, io),
        Command::Graph(a) => graph::run(&a, base, io),
        Command::Completions(a) => completions::run(&a, io),
    }
}
