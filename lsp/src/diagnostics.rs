//! Diagnostics as `infra validate` reports them (same checks, codes,
//! messages and help), for every file of a module, on the texts the
//! editor has open.

use crate::documents::Documents;
use crate::position::Lines;
use infra_engine::config::{module_files, validate_loaded};
use infra_engine::provider::Providers;
use infra_lang::diagnostic::{Diagnostic, Severity};
use infra_lang::{SourceFile, syntax};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, Url,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One file's diagnostics, ready to publish.
#[derive(Debug)]
pub struct FileDiagnostics {
    /// The file.
    pub uri: Url,
    /// The open document's version the diagnostics were computed from.
    pub version: Option<i32>,
    /// Its diagnostics (empty clears what was shown).
    pub diagnostics: Vec<lsp_types::Diagnostic>,
}

/// The diagnostics of every file of the module in `dir` (`*.infra` files
/// on disk or open, and open `*.infravars` files, which are only parsed).
pub fn module_diagnostics(
    docs: &mut Documents,
    dir: &Path,
    providers: &Providers,
) -> Vec<FileDiagnostics> {
    let module = docs.module(dir);
    let diags = validate_loaded(dir, &module.files, module.load_diags.clone(), providers);
    let mut by_file: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
    for path in module_files(dir).unwrap_or_default() {
        if let Ok(uri) = Url::from_file_path(&path) {
            by_file.entry(uri).or_default();
        }
    }
    let mut vars = Vec::new();
    for (uri, doc) in docs.iter() {
        let Ok(path) = uri.to_file_path() else {
            continue;
        };
        if path.parent() != Some(dir) {
            continue;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("infra") => {
                by_file.entry(uri.clone()).or_default();
            }
            Some("infravars") => {
                vars.push((uri.clone(), var_file_diagnostics(uri, &doc.text, &module)))
            }
            _ => {}
        }
    }
    let mut lines = LineCache::default();
    let first = by_file.keys().next().cloned();
    for d in &diags {
        let uri = match d.path() {
            Some(p) => Url::from_file_path(dir.join(p)).ok(),
            None => first.clone(),
        };
        if let Some(uri) = uri {
            let converted = convert(d, &uri, &mut lines);
            by_file.entry(uri).or_default().push(converted);
        }
    }
    by_file.extend(vars);
    by_file
        .into_iter()
        .map(|(uri, diagnostics)| FileDiagnostics {
            version: docs.get(&uri).map(|d| d.version),
            uri,
            diagnostics,
        })
        .collect()
}

/// The syntax errors of one text (a buffer that is not a file, or an
/// `.infravars` file).
pub fn syntax_diagnostics(uri: &Url, text: &str) -> Vec<lsp_types::Diagnostic> {
    let source = SourceFile::new(crate::handlers::file_name(uri), text);
    let mut lines = LineCache::default();
    syntax::parse(&source)
        .diagnostics
        .iter()
        .map(|d| convert(d, uri, &mut lines))
        .collect()
}

/// The diagnostics of an open `.infravars` file: syntax, and its names
/// and values against the module's variables (`infravars.rs`).
fn var_file_diagnostics(
    uri: &Url,
    text: &str,
    module: &crate::documents::Module,
) -> Vec<lsp_types::Diagnostic> {
    let mut lines = LineCache::default();
    crate::infravars::check(&crate::handlers::file_name(uri), text, module)
        .iter()
        .map(|d| convert(d, uri, &mut lines))
        .collect()
}

/// Line indexes of the files diagnostics point into, made once each.
#[derive(Default)]
struct LineCache(HashMap<String, Lines>);

impl LineCache {
    fn range(&mut self, source: &SourceFile, span: infra_lang::Span) -> Range {
        let lines = self
            .0
            .entry(source.path().to_string())
            .or_insert_with(|| Lines::new(source.text()));
        lines.range(source.text(), span)
    }
}

/// An infra diagnostic as LSP's: code and source `infra`, the help line
/// after the message, secondary labels as related locations.
fn convert(d: &Diagnostic, uri: &Url, lines: &mut LineCache) -> lsp_types::Diagnostic {
    let mut range = Range::default();
    let mut related = Vec::new();
    if let Some(source) = &d.source {
        if let Some(span) = d.primary_span() {
            range = lines.range(source, span);
        }
        for l in d.labels.iter().filter(|l| !l.primary) {
            related.push(DiagnosticRelatedInformation {
                location: Location::new(uri.clone(), lines.range(source, l.span)),
                message: l.message.clone().unwrap_or_default(),
            });
        }
    }
    let message = match &d.help {
        Some(help) => format!("{}\n{help}", d.message),
        None => d.message.clone(),
    };
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("infra".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}
