//! hclwrite's layout passes over a token list: indentation by bracket
//! nesting, spacing between tokens, and vertical alignment of `=` and of
//! trailing comments in runs of consecutive lines.

use super::FmtToken;
use crate::syntax::lexer::TokenKind::{self, *};
use unicode_segmentation::UnicodeSegmentation;

/// One line split into hclwrite's three cells, as index ranges into the
/// token list: `lead` (up to the `=`), `assign` (from the `=`) and
/// `comment` (a trailing line comment).
#[derive(Clone, Debug, Default)]
struct Line {
    lead: (usize, usize),
    assign: Option<(usize, usize)>,
    comment: Option<(usize, usize)>,
}

fn is_newline(t: &FmtToken) -> bool {
    t.kind == Newline || (t.kind == Comment && t.text.ends_with('\n'))
}

fn columns(toks: &[FmtToken], range: (usize, usize)) -> usize {
    toks[range.0..range.1]
        .iter()
        .map(|t| t.spaces_before + t.text.graphemes(true).count())
        .sum()
}

fn lines_of(toks: &[FmtToken]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if is_newline(t) {
            lines.push(Line {
                lead: (start, i + 1),
                ..Line::default()
            });
            start = i + 1;
        }
    }
    if start < toks.len() {
        lines.push(Line {
            lead: (start, toks.len()),
            ..Line::default()
        });
    }
    // Heredoc depth at the start of each line: a line that starts inside a
    // heredoc (possible when an interpolation in it spans lines) is left alone.
    let mut heredoc_depth = 0i32;
    for line in &mut lines {
        let (s, e) = line.lead;
        let starts_inside = heredoc_depth > 0;
        for t in &toks[s..e] {
            match t.kind {
                OHeredoc => heredoc_depth += 1,
                CHeredoc => heredoc_depth -= 1,
                _ => {}
            }
        }
        if s == e || starts_inside {
            continue;
        }
        let (s, mut e) = line.lead;
        if e - s > 1 && toks[e - 1].kind == Comment {
            line.comment = Some((e - 1, e));
            e -= 1;
            line.lead = (s, e);
        }
        for i in (s + 1)..e {
            if toks[i].kind == Equal {
                let net: i32 = toks[i..e].iter().map(|t| t.kind.bracket_change()).sum();
                if net == 0 {
                    line.assign = Some((i, e));
                    line.lead = (s, i);
                }
                break;
            }
        }
    }
    lines
}

fn format_indent(toks: &mut [FmtToken], lines: &[Line]) {
    let mut indents: Vec<i32> = Vec::new();
    for line in lines {
        let (s, e) = line.lead;
        if s == e {
            continue;
        }
        if toks[s].kind == Newline {
            toks[s].spaces_before = 0;
            continue;
        }
        let mut net = 0;
        for t in &toks[s..e] {
            net += t.kind.bracket_change();
            if t.kind == OHeredoc {
                break;
            }
        }
        if let Some((a, b)) = line.assign {
            net += toks[a..b]
                .iter()
                .map(|t| t.kind.bracket_change())
                .sum::<i32>();
        }
        if net > 0 {
            toks[s].spaces_before = 2 * indents.len();
            indents.push(net);
        } else {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if closed > *top {
                    closed -= *top;
                    indents.pop();
                } else if closed < *top {
                    *top -= closed;
                    closed = 0;
                } else {
                    indents.pop();
                    closed = 0;
                }
            }
            toks[s].spaces_before = 2 * indents.len();
        }
    }
}

/// hclwrite's `spaceAfterToken`, as Terraform 1.15 behaves.
fn space_after(
    subject: TokenKind,
    subject_text: &str,
    before: Option<TokenKind>,
    after: Option<TokenKind>,
) -> bool {
    let Some(after) = after else { return false };
    if after == Newline {
        return false;
    }
    if subject == Ident && after == OParen {
        return false;
    }
    if subject == Dot || after == Dot || subject == DoubleColon || after == DoubleColon {
        return false;
    }
    if after == Comma || after == Ellipsis {
        return false;
    }
    if subject == Comma {
        return true;
    }
    if matches!(subject, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(after, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if subject == Ident && subject_text == "in" && before == Some(Ident) {
        return true;
    }
    if after == OBrack && (subject == Ident || subject == Number || subject.bracket_change() < 0) {
        return false;
    }
    if subject == Bang {
        return false;
    }
    if subject == Minus {
        return match before {
            None => false,
            Some(
                OParen | OBrace | OBrack | Equal | Colon | Comma | Question | Plus | Star | Slash
                | Percent | Minus | EqualOp | NotEqual | GreaterThan | GreaterThanEq | LessThan
                | LessThanEq | And | Or | Bang,
            ) => false,
            Some(_) => true,
        };
    }
    if subject == OBrace || after == CBrace {
        return !(subject == OBrace && after == CBrace);
    }
    if matches!(subject, TemplateInterp | TemplateControl) && after == OBrace {
        return true;
    }
    if subject == CBrace && after == TemplateSeqEnd {
        return true;
    }
    if subject == TemplateSeqEnd && matches!(after, TemplateInterp | TemplateControl) {
        return false;
    }
    if subject.bracket_change() > 0 {
        return false;
    }
    if after.bracket_change() < 0 {
        return false;
    }
    true
}

fn format_cell_spaces(toks: &mut [FmtToken], (s, e): (usize, usize)) {
    for i in s..e {
        let before = if i > s { Some(toks[i - 1].kind) } else { None };
        let after = if i + 1 < e {
            Some(toks[i + 1].kind)
        } else {
            None
        };
        let mut space = space_after(toks[i].kind, &toks[i].text, before, after);
        // `1. 2` (the number 1, indexed by 2 in legacy syntax) must not
        // become the number `1.2`. Terraform's fmt joins them and changes
        // the meaning; keep the space after the dot instead.
        if toks[i].kind == Dot
            && i > s
            && after == Some(Number)
            && toks[i - 1].kind == Number
            && toks[i - 1].text.bytes().all(|b| b.is_ascii_digit())
        {
            space = true;
        }
        if i + 1 < e {
            toks[i + 1].spaces_before = usize::from(space);
        }
    }
}

fn format_spaces(toks: &mut [FmtToken], lines: &[Line]) {
    for line in lines {
        format_cell_spaces(toks, line.lead);
        if let Some((a, b)) = line.assign {
            toks[a].spaces_before = 1;
            format_cell_spaces(toks, (a, b));
        }
    }
}

fn format_cells(toks: &mut [FmtToken], lines: &[Line]) {
    // `=` alignment over runs of consecutive lines that have an assign cell.
    let mut i = 0;
    while i < lines.len() {
        if lines[i].assign.is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].assign.is_some() {
            i += 1;
        }
        let max = lines[start..i]
            .iter()
            .map(|l| columns(toks, l.lead))
            .max()
            .unwrap_or(0);
        for l in &lines[start..i] {
            let cols = columns(toks, l.lead);
            if let Some((a, _)) = l.assign {
                toks[a].spaces_before = max - cols + 1;
            }
        }
    }
    // Trailing-comment alignment, the same way.
    let width = |toks: &[FmtToken], l: &Line| {
        columns(toks, l.lead) + l.assign.map_or(0, |r| columns(toks, r))
    };
    let mut i = 0;
    while i < lines.len() {
        if lines[i].comment.is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].comment.is_some() {
            i += 1;
        }
        let max = lines[start..i]
            .iter()
            .map(|l| width(toks, l))
            .max()
            .unwrap_or(0);
        for l in &lines[start..i] {
            let w = width(toks, l);
            if let Some((c, _)) = l.comment {
                toks[c].spaces_before = max - w + 1;
            }
        }
    }
}

/// Runs the three passes over `toks`, setting every `spaces_before`.
pub(crate) fn format(toks: &mut [FmtToken]) {
    let lines = lines_of(toks);
    format_indent(toks, &lines);
    format_spaces(toks, &lines);
    format_cells(toks, &lines);
}
