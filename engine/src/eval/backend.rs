//! The root module's `backend "TYPE" { ... }` block (top-level, or inside
//! `terraform { ... }` as Terraform writes it), evaluated: where the
//! state lives. Its arguments may use literals, `const.NAME` and functions
//! such as `env("NAME")` (the static checks reject anything else), so it is
//! known before any provider runs.

use super::{EvalOptions, Inputs, ModuleFiles, Session};
use crate::config::load_dir;
use infra_lang::diagnostic::has_errors;
use infra_lang::eval::Evaluator;
use infra_lang::{Diagnostic, SourceFile, Span, Value};
use std::path::Path;
use std::sync::Arc;

/// An evaluated `backend` block.
#[derive(Clone, Debug)]
pub struct BackendConfig {
    /// The block's label: `local`, `s3`.
    pub kind: String,
    /// Its arguments as an object (`{ bucket = "...", key = "..." }`).
    pub config: Value,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// The span of the block's label, for diagnostics.
    pub span: Span,
}

impl BackendConfig {
    /// An error diagnostic pointing at the block's label.
    pub fn error(&self, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, message)
            .in_file(&self.source)
            .primary(self.span, "in this backend")
    }
}

/// The `backend` block of the configuration in `root`, evaluated with
/// the const overrides of `inputs`; `None` when there is none (the local
/// default).
///
/// A configuration whose files never mention `backend` is not parsed at
/// all, so commands that only read state keep working on a configuration
/// with errors elsewhere. Otherwise the files must parse; only the
/// backend block (and the consts it uses) is evaluated.
///
/// # Errors
/// Syntax errors; more than one `backend` block; a block without its type
/// label; evaluation errors of its arguments.
pub fn backend_config(
    root: &Path,
    inputs: Inputs,
) -> Result<Option<BackendConfig>, Vec<Diagnostic>> {
    if !crate::config::module_mentions(root, b"backend") {
        return Ok(None);
    }
    let (files, diags) = load_dir(root);
    if has_errors(&diags) {
        return Err(diags);
    }
    let files = ModuleFiles::new(root.to_path_buf(), files);
    let session = Session::from_files(root, files, inputs, &EvalOptions::default())?;
    session.backend()
}

impl Session {
    /// The root module's `backend` block, evaluated (see
    /// [`backend_config`]).
    ///
    /// # Errors
    /// More than one block; a missing label; evaluation errors.
    pub fn backend(&self) -> Result<Option<BackendConfig>, Vec<Diagnostic>> {
        let m = &self.root;
        // Top-level, or inside the settings block as Terraform writes it.
        let mut blocks: Vec<_> = m.files.blocks_of("backend").collect();
        for kind in crate::config::meta::SETTINGS_KEYWORDS {
            for (src, settings) in m.files.blocks_of(kind) {
                blocks.extend(
                    settings
                        .body
                        .blocks()
                        .filter(|b| b.kind.name == "backend")
                        .map(|b| (src, b)),
                );
            }
        }
        let Some((src, b)) = blocks.first().copied() else {
            return Ok(None);
        };
        if let Some((other_src, other)) = blocks.get(1) {
            return Err(vec![
                Diagnostic::error(
                    "backend::duplicate",
                    "a configuration has at most one `backend` block",
                )
                .in_file(other_src)
                .primary(other.kind.span, "a second backend")
                .with_help("Keep the one block that says where the state lives."),
            ]);
        }
        let Some(label) = b.labels.first() else {
            return Err(vec![
                Diagnostic::error("backend::no-type", "the `backend` block has no type")
                    .in_file(src)
                    .primary(b.kind.span, "here")
                    .with_help("Write `backend \"local\" { ... }` or `backend \"s3\" { ... }`."),
            ]);
        };
        let mut ev = Evaluator::new(m, src);
        match m.body_object(&mut ev, src, &b.body, false) {
            Some(config @ Value::Object(_)) => Ok(Some(BackendConfig {
                kind: label.value.clone(),
                config,
                source: src.clone(),
                span: label.span,
            })),
            _ => {
                let mut d = self.shared.diags.take();
                if d.is_empty() {
                    d.push(
                        Diagnostic::error(
                            "backend::invalid",
                            "the backend configuration failed to evaluate",
                        )
                        .in_file(src)
                        .primary(label.span, "this backend"),
                    );
                }
                Err(d)
            }
        }
    }
}
