//! `infra rollback RUN`: return to the configuration and variables an
//! earlier successful apply recorded beside its audit record.

use super::{OrFail, Outcome};
use crate::Io;
use crate::args::RollbackArgs;
use infra_lang::Diagnostic;
use std::path::Path;

/// Runs `infra rollback RUN`.
pub fn run(args: &RollbackArgs, run: &str, _base: &Path, _io: &mut Io<'_>) -> Outcome {
    Err(vec![Diagnostic::error(
        "rollback::no-snapshot",
        format!("run {run} has no configuration snapshot"),
    )])
    .or_fail(args.json)
}
