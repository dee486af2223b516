//! The settings block's `encryption` block, evaluated into the
//! [`Encryption`] every store and saved plan goes through. Its arguments
//! (`passphrase = var.passphrase`, `iterations`, `command`, …) are
//! evaluated with the same inputs as the rest of the configuration
//! (variables from `-var`, `INFRA_VAR_NAME`, var files, defaults; consts),
//! as OpenTofu's static evaluator does; references between its own blocks
//! (`key_provider.T.N`, `method.T.N`) are resolved by
//! [`crate::encryption::config`].

use super::{EvalOptions, Inputs, ModuleFiles, Session};
use crate::config::{load_dir, meta};
use crate::encryption::{self, Encryption, config::Spec};
use infra_lang::diagnostic::has_errors;
use infra_lang::{Diagnostic, SourceFile};
use std::path::Path;
use std::sync::Arc;

/// The `encryption` block of `files`' settings blocks, parsed, with the
/// parse diagnostics; `None` when there is none.
pub fn encryption_spec(files: &[crate::config::ParsedFile]) -> (Option<Spec>, Vec<Diagnostic>) {
    let mut found: Vec<(&Arc<SourceFile>, &infra_lang::ast::Block)> = Vec::new();
    for f in files {
        for b in f.ast.body.blocks() {
            if meta::SETTINGS_KEYWORDS.contains(&b.kind.name.as_str()) {
                for nb in b
                    .body
                    .blocks()
                    .filter(|nb| nb.kind.name == meta::ENCRYPTION)
                {
                    found.push((&f.source, nb));
                }
            }
        }
    }
    let Some((src, b)) = found.first().copied() else {
        return (None, Vec::new());
    };
    if let Some((other_src, other)) = found.get(1) {
        return (
            None,
            vec![
                Diagnostic::error(
                    "encryption::invalid",
                    "a configuration has at most one `encryption` block",
                )
                .in_file(other_src)
                .primary(other.kind.span, "a second encryption block")
                .with_help("Keep one block with every key provider, method and target."),
            ],
        );
    }
    encryption::config::parse(src, b)
}

/// The encryption of the configuration in `root`, its arguments evaluated
/// with `inputs` (inputs the configuration does not declare are left out
/// here: the command reports them); [`Encryption::none`] when the
/// configuration has no `encryption` block. A configuration whose files
/// never mention `encryption` is not parsed. `remote` makes `aws_kms` key
/// providers (the CLI passes the providers crate's).
///
/// # Errors
/// Syntax errors; the `encryption` block's errors; evaluation errors of
/// its arguments (e.g. a passphrase variable without a value).
pub fn encryption_config(
    root: &Path,
    mut inputs: Inputs,
    remote: Option<&encryption::keys::RemoteKeyProviders>,
) -> Result<Encryption, Vec<Diagnostic>> {
    if !crate::config::module_mentions(root, b"encryption") {
        return Ok(Encryption::none());
    }
    let (files, diags) = load_dir(root);
    if has_errors(&diags) {
        return Err(diags);
    }
    let (spec, diags) = encryption_spec(&files);
    if has_errors(&diags) {
        return Err(diags);
    }
    let Some(spec) = spec else {
        return Ok(Encryption::none());
    };
    let files = ModuleFiles::new(root.to_path_buf(), files);
    inputs
        .vars
        .retain(|name, _| files.variables.contains_key(name));
    inputs
        .consts
        .retain(|name, _| files.consts.contains_key(name));
    let session = Session::from_files(root, files, inputs, &EvalOptions::default())?;
    let m = &session.root;
    let src = spec.source.clone();
    let mut eval = |e: &infra_lang::ast::Expr| m.eval(&src, e);
    encryption::build(&spec, &mut eval, remote).map_err(|mut d| {
        // Errors the evaluation reported itself (e.g. a variable's).
        let mut reported = session.shared.diags.take();
        reported.append(&mut d);
        reported.retain(|d| d.code != super::instance::UPSTREAM);
        reported
    })
}
