//! `infra lsp`: the language server (crate `infra-lsp`) on standard input
//! and output, with the providers `infra validate` checks against in the
//! directory it starts in: the built-in ones and the plugins whose schemas
//! `infra init` or a plan cached there.

use super::{Failed, Outcome};
use crate::{Io, exit};
use std::path::Path;

/// Serves until the client's `shutdown` and `exit`; exit code 0 then, 1
/// when the connection broke (the reason on standard error).
pub fn run(base: &Path, _io: &mut Io<'_>) -> Outcome {
    let (providers, _warnings) = super::workdir::cached_providers(base);
    infra_lsp::serve_stdio(providers).map_err(Failed::note)?;
    Ok(exit::OK)
}
