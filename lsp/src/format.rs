//! Formatting of a whole document or a range of it, byte-identical with
//! `infra fmt` (the same formatter, `infra_lang::fmt`).

use crate::documents::Document;
use lsp_types::{Range, TextEdit};
use similar::{DiffTag, TextDiff};

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

/// The edits that format the lines `range` touches, as `infra fmt` would
/// format them: the whole document is formatted and only the changed runs
/// of lines that overlap `range` are returned (whole lines, so the result
/// is `infra fmt`'s wherever it applies). None when the document does not
/// parse.
pub fn format_range(name: &str, doc: &Document, range: Range) -> Vec<TextEdit> {
    let Ok(formatted) = infra_lang::fmt::format_text(name, &doc.text) else {
        return Vec::new();
    };
    if formatted == doc.text {
        return Vec::new();
    }
    let diff = TextDiff::from_lines(doc.text.as_str(), formatted.as_str());
    let old = diff.old_slices();
    let new = diff.new_slices();
    // Byte offset of the start of each old line, and of the end.
    let mut starts = Vec::with_capacity(old.len() + 1);
    let mut at = 0;
    for l in old {
        starts.push(at);
        at += l.len();
    }
    starts.push(at);
    let (first, last) = (range.start.line as usize, range.end.line as usize);
    let mut edits = Vec::new();
    for op in diff.ops() {
        if op.tag() == DiffTag::Equal {
            continue;
        }
        let (o, n) = (op.old_range(), op.new_range());
        let overlaps = if o.is_empty() {
            first <= o.start && o.start <= last
        } else {
            o.start <= last && o.end > first
        };
        if !overlaps {
            continue;
        }
        let (Some(&from), Some(&to)) = (starts.get(o.start), starts.get(o.end)) else {
            continue;
        };
        edits.push(TextEdit::new(
            Range::new(
                doc.lines.position(&doc.text, from),
                doc.lines.position(&doc.text, to),
            ),
            new.get(n).map(<[&str]>::concat).unwrap_or_default(),
        ));
    }
    edits
}
