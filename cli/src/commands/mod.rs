//! One module per command; `dispatch` maps the parsed command to it.

mod apply;
pub mod audit;
mod backend_config;
mod completions;
mod drift;
mod errored_state;
mod eval;
mod fmt;
mod force_unlock;
mod graph;
mod history;
mod import;
mod init;
mod init_providers;
mod init_terraform_s3;
mod lsp;
mod output;
mod plan;
mod provider;
mod providers;
mod refresh_plan;
mod rollback;
mod rollback_run;
mod show;
mod state;
mod state_push;
mod targeting;
mod validate;
mod workdir;
mod workspace;

pub use workdir::{PluginLauncher, launch_plugin, providers_with};

use crate::args::Command;
use crate::{Io, exit};
use infra_lang::Diagnostic;
use std::path::Path;

/// Why a command stopped with [`exit::ERROR`]: what [`dispatch`] prints
/// for it, in this order.
#[derive(Debug, Default)]
pub struct Failed {
    /// Diagnostics: as JSON on standard output when `json`, else rendered
    /// on standard error (nothing when empty).
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the command was asked for JSON.
    pub json: bool,
    /// A line for standard error after them (`Apply cancelled.`).
    pub note: Option<String>,
}

impl Failed {
    /// Only `note` on standard error, no diagnostics.
    pub fn note(note: impl Into<String>) -> Failed {
        Failed {
            note: Some(note.into()),
            ..Failed::default()
        }
    }

    /// Adds `note` after the diagnostics.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Failed {
        self.note = Some(note.into());
        self
    }
}

/// What a command returns: its exit code ([`exit::OK`], or a code of its
/// own such as `plan --detailed-exitcode`'s 2), or why it failed.
pub type Outcome = Result<i32, Failed>;

/// Turns an error of one or more diagnostics into [`Failed`], printed as
/// JSON when `json`, so `?` ends a command.
pub trait OrFail<T> {
    /// The error as [`Failed`].
    ///
    /// # Errors
    /// When `self` is an error.
    fn or_fail(self, json: bool) -> Result<T, Failed>;
}

impl<T> OrFail<T> for Result<T, Diagnostic> {
    fn or_fail(self, json: bool) -> Result<T, Failed> {
        self.map_err(|d| vec![d]).or_fail(json)
    }
}

impl<T> OrFail<T> for Result<T, Vec<Diagnostic>> {
    fn or_fail(self, json: bool) -> Result<T, Failed> {
        self.map_err(|diagnostics| Failed {
            diagnostics,
            json,
            note: None,
        })
    }
}

/// Runs `command` in directory `base` (the `--chdir` directory, or `.`),
/// returning the exit code. The one place where a failed command's
/// diagnostics are printed and become [`exit::ERROR`].
pub fn dispatch(command: Command, base: &Path, io: &mut Io<'_>) -> i32 {
    match run(command, base, io) {
        Ok(code) => code,
        Err(failed) => {
            workdir::report(io, &failed.diagnostics, failed.json);
            if let Some(note) = failed.note {
                let _ = writeln!(io.err, "{note}");
            }
            exit::ERROR
        }
    }
}

fn run(command: Command, base: &Path, io: &mut Io<'_>) -> Outcome {
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
        Command::Rollback(a) => rollback::run(&a, base, io),
        Command::Output(a) => output::run(&a, base, io),
        Command::Show(a) => show::run(&a, base, io),
        Command::State(c) => state::run(&c, base, io),
        Command::Workspace(c) => workspace::run(&c, base, io),
        Command::History(a) => history::run(&a, base, io),
        Command::ForceUnlock(a) => force_unlock::run(&a, base, io),
        Command::Import(a) => import::run(&a, base, io),
        Command::Graph(a) => graph::run(&a, base, io),
        Command::Completions(a) => completions::run(&a, io),
        Command::Provider(c) => provider::run(&c, io),
        Command::Providers(a) => providers::run(&a, base, io),
        Command::Lsp(_) => lsp::run(base, io),
    }
}
