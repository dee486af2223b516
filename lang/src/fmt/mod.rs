//! The formatter behind `infra fmt`: canonical layout identical to
//! `terraform fmt` (Terraform 1.15.5), which is hclwrite's token formatter
//! plus Terraform's own rewrites.
//!
//! It only ever changes whitespace, with the three rewrites Terraform makes:
//! bare block labels become quoted, an attribute whose value is a lone
//! interpolation (`"${x}"`) becomes the bare expression, and legacy `type`
//! spellings in `variable` blocks (`"string"`, `list`) become type
//! expressions. Every comment is kept.

mod layout;
mod normalize;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::syntax;
use std::sync::Arc;

/// A token as the formatter handles it: its kind, its text, and the number
/// of spaces to write before it.
#[derive(Clone, Debug)]
pub(crate) struct FmtToken {
    pub kind: syntax::lexer::TokenKind,
    pub text: String,
    pub spaces_before: usize,
}

/// Formats `source`, returning the canonical text.
///
/// # Errors
/// The file's syntax errors, when it does not parse; the formatter never
/// touches a file it cannot parse.
pub fn format_source(source: &Arc<SourceFile>) -> Result<String, Vec<Diagnostic>> {
    let parsed = syntax::parse(source);
    let Some(file) = parsed.file else {
        return Err(parsed.diagnostics);
    };
    let text = source.text();
    let item_starts: Vec<usize> = file
        .body
        .items
        .iter()
        .map(|i| match i {
            crate::ast::BodyItem::Attribute(a) => a.span.start,
            crate::ast::BodyItem::Block(b) => b.span.start,
        })
        .collect();
    let Some(tokens) = syntax::lexer::lex(text, &item_starts) else {
        return Err(vec![
            Diagnostic::error(
                "fmt::lex-failed",
                "the formatter could not split this file into tokens",
            )
            .in_file(source)
            .with_help("This is a bug in infra: please report it with the file attached."),
        ]);
    };
    let mut toks = normalize::apply(&file, text, &tokens);
    layout::format(&mut toks);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for t in &toks {
        for _ in 0..t.spaces_before {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
    // hclwrite keeps the whitespace between the last token and the end of a
    // file that has no final newline (each tab counting as one space).
    if !text.ends_with('\n')
        && let Some(last) = tokens.last()
    {
        let tail = text[last.span.end..]
            .chars()
            .filter(|c| *c == ' ' || *c == '\t')
            .count();
        out.extend(std::iter::repeat_n(' ', tail));
    }
    Ok(out)
}

/// Formats `text` as a file named `path` (for display in diagnostics).
///
/// # Errors
/// As [`format_source`].
pub fn format_text(path: &str, text: &str) -> Result<String, Vec<Diagnostic>> {
    format_source(&SourceFile::new(path, text))
}
