//! Rendering diagnostics for people (miette's graphical report, with or
//! without colour) and for programs (a JSON array).

use infra_lang::Diagnostic;
use miette::{GraphicalReportHandler, GraphicalTheme};
use serde::Serialize;

/// Renders `diags` as miette reports, one after another, `width` columns wide.
pub fn human(diags: &[Diagnostic], color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_context_lines(1);
    let mut out = String::new();
    for d in diags {
        if handler.render_report(&mut out, d).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.message));
        }
        out.push('\n');
    }
    out
}

/// A position in JSON output: 1-based line and column.
#[derive(Serialize)]
pub struct JsonPos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub column: usize,
}

/// One diagnostic in `--json` output. Field names are part of the stable
/// interface (see docs/cli.md).
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    /// `"error"` or `"warning"`.
    pub severity: &'static str,
    /// Stable code, e.g. `reference::undeclared`.
    pub code: &'a str,
    /// One-line summary.
    pub message: &'a str,
    /// File path as given to infra, or null.
    pub file: Option<&'a str>,
    /// Start of the primary span, or null.
    pub start: Option<JsonPos>,
    /// End of the primary span (exclusive), or null.
    pub end: Option<JsonPos>,
    /// How to fix it, or null.
    pub help: Option<&'a str>,
}

/// The JSON array for `diags`, pretty-printed.
pub fn json(diags: &[Diagnostic]) -> String {
    let items: Vec<JsonDiagnostic<'_>> = diags
        .iter()
        .map(|d| {
            let range = d.range();
            JsonDiagnostic {
                severity: d.severity.as_str(),
                code: d.code,
                message: &d.message,
                file: d.path(),
                start: range.map(|(s, _)| JsonPos {
                    line: s.line,
                    column: s.column,
                }),
                end: range.map(|(_, e)| JsonPos {
                    line: e.line,
                    column: e.column,
                }),
                help: d.help.as_deref(),
            }
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}

pub mod apply;
pub mod drift;
pub mod markdown;
pub mod plan;
pub mod plan_markdown;
pub mod refresh;
