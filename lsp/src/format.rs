//! Whole-document formatting, byte-identical with `infra fmt` (the same
//! formatter, `infra_lang::fmt`).

use crate::documents::Document;
use lsp_types::{Range, TextEdit};

/// The edit that formats `doc` (named `name` in diagnostics): one edit
/// replacing the whole text, none when it is already formatted or does
/// not parse (the formatter never touches a file it cannot parse).
pub fn format(name: &str, doc: &Document) -> Vec<TextEdit> {
    match infra_lang::fmt::format_text(name, &doc.text) {
        Ok(formatted) if formatted != doc.text => {
            let end = doc.lines.position(&doc.text, doc.text.len());
            vec![TextEdit::new(
                Range::new(lsp_types::Position::new(0, 0), end),
                formatted,
            )]
        }
        _ => Vec::new(),
    }
}
