//! `infra lsp`: the language server (crate `infra-lsp`) on standard input
//! and output, with the providers `infra validate` checks against.

use super::{Failed, Outcome};
use crate::{Io, exit};

/// Serves until the client's `shutdown` and `exit`; exit code 0 then, 1
/// when the connection broke (the reason on standard error).
pub fn run(_io: &mut Io<'_>) -> Outcome {
    infra_lsp::serve_stdio(super::workdir::providers()).map_err(Failed::note)?;
    Ok(exit::OK)
}
