//! Terraform's rewrites on top of hclwrite's layout (from `terraform fmt`'s
//! `formatBody`): quoted block labels, unwrapped lone interpolations, and
//! modern `type` spellings in `variable` blocks. Guided by the AST: each
//! attribute's expression is located in the token list by its span.

use super::FmtToken;
use crate::ast::{Body, BodyItem, File};
use crate::span::Span;
use crate::syntax::lexer::{Token, TokenKind};

struct Edit {
    start: usize,
    end: usize,
    replacement: Vec<FmtToken>,
}

fn tok(kind: TokenKind, text: &str) -> FmtToken {
    FmtToken {
        kind,
        text: text.to_string(),
        spaces_before: 0,
    }
}

/// Index range of the tokens lying inside `span`.
fn token_range(tokens: &[Token], span: Span) -> (usize, usize) {
    let start = tokens.partition_point(|t| t.span.start < span.start);
    let end = tokens.partition_point(|t| t.span.start < span.end);
    (start, end.max(start))
}

fn collect(body: &Body, in_blocks: &[&str], text: &str, tokens: &[Token], edits: &mut Vec<Edit>) {
    for item in &body.items {
        match item {
            BodyItem::Attribute(attr) => {
                let (s, e) = token_range(tokens, attr.expr.span);
                let current: Vec<FmtToken> = tokens[s..e]
                    .iter()
                    .map(|t| tok(t.kind, &text[t.span.start..t.span.end]))
                    .collect();
                let replaced = if in_blocks == ["variable"] && attr.name.name == "type" {
                    type_expr(&current)
                } else {
                    value_expr(&current)
                };
                if let Some(replacement) = replaced {
                    edits.push(Edit {
                        start: s,
                        end: e,
                        replacement,
                    });
                }
            }
            BodyItem::Block(block) => {
                // `SetLabels` rewrites the header: comments between the block
                // type and the last label are dropped.
                if let Some(last) = block.labels.last() {
                    let (s, e) =
                        token_range(tokens, Span::new(block.kind.span.end, last.span.start));
                    for (i, t) in tokens.iter().enumerate().take(e).skip(s) {
                        if t.kind == TokenKind::Comment {
                            edits.push(Edit {
                                start: i,
                                end: i + 1,
                                replacement: Vec::new(),
                            });
                        }
                    }
                }
                for label in &block.labels {
                    let (s, e) = token_range(tokens, label.span);
                    if e == s + 1 && tokens[s].kind == TokenKind::Ident {
                        edits.push(Edit {
                            start: s,
                            end: e,
                            replacement: vec![
                                tok(TokenKind::OQuote, "\""),
                                tok(TokenKind::QuotedLit, &label.value),
                                tok(TokenKind::CQuote, "\""),
                            ],
                        });
                    }
                }
                let mut nested = in_blocks.to_vec();
                nested.push(&block.kind.name);
                collect(&block.body, &nested, text, tokens, edits);
            }
        }
    }
}

/// `"${ expr }"` → `expr` (wrapped in parentheses when it spans lines),
/// exactly when the quoted string holds one interpolation and nothing else.
fn value_expr(toks: &[FmtToken]) -> Option<Vec<FmtToken>> {
    use TokenKind::*;
    let n = toks.len();
    if n < 5
        || toks[0].kind != OQuote
        || toks[1].kind != TemplateInterp
        || toks[n - 2].kind != TemplateSeqEnd
        || toks[n - 1].kind != CQuote
    {
        return None;
    }
    let inside = &toks[2..n - 2];
    // Deliberate difference from Terraform: with a comment inside, its
    // unwrapping can comment out the rest of the expression and write a
    // file that no longer parses (Terraform 1.15.5 does); keep the string.
    if inside.iter().any(|t| t.kind == Comment) {
        return None;
    }
    let mut quotes = 0i32;
    for t in inside {
        match t.kind {
            OQuote => quotes += 1,
            CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            TemplateInterp | TemplateSeqEnd | QuotedLit => return None,
            _ => {}
        }
    }
    let mut trimmed = inside;
    while trimmed.first().is_some_and(|t| t.kind == Newline) {
        trimmed = &trimmed[1..];
    }
    while trimmed.last().is_some_and(|t| t.kind == Newline) {
        trimmed = &trimmed[..trimmed.len() - 1];
    }
    let multi_line = trimmed.iter().any(|t| t.kind == Newline);
    let wrapped = trimmed.first().is_some_and(|t| t.kind == OParen)
        && trimmed.last().is_some_and(|t| t.kind == CParen);
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if multi_line && !wrapped {
        out.push(tok(OParen, "("));
        out.extend_from_slice(trimmed);
        out.push(tok(CParen, ")"));
    } else {
        out.extend_from_slice(trimmed);
    }
    Some(out)
}

/// `list` → `list(any)`; `"string"` → `string` (pre-0.12 spellings).
fn type_expr(toks: &[FmtToken]) -> Option<Vec<FmtToken>> {
    use TokenKind::*;
    match toks {
        [kw] if kw.kind == Ident && matches!(kw.text.as_str(), "list" | "map" | "set") => {
            Some(vec![
                kw.clone(),
                tok(OParen, "("),
                tok(Ident, "any"),
                tok(CParen, ")"),
            ])
        }
        [o, lit, c] if o.kind == OQuote && lit.kind == QuotedLit && c.kind == CQuote => {
            match lit.text.as_str() {
                "string" => Some(vec![tok(Ident, "string")]),
                "list" => Some(vec![
                    tok(Ident, "list"),
                    tok(OParen, "("),
                    tok(Ident, "string"),
                    tok(CParen, ")"),
                ]),
                "map" => Some(vec![
                    tok(Ident, "map"),
                    tok(OParen, "("),
                    tok(Ident, "string"),
                    tok(CParen, ")"),
                ]),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The token list with Terraform's rewrites applied.
pub(crate) fn apply(file: &File, text: &str, tokens: &[Token]) -> Vec<FmtToken> {
    let mut edits = Vec::new();
    collect(&file.body, &[], text, tokens, &mut edits);
    edits.sort_by_key(|e| e.start);
    let mut out = Vec::with_capacity(tokens.len() + edits.len() * 2);
    let mut i = 0;
    for edit in edits {
        if edit.start < i {
            continue; // overlapping edits cannot happen, but never emit twice
        }
        out.extend(
            tokens[i..edit.start]
                .iter()
                .map(|t| tok(t.kind, &text[t.span.start..t.span.end])),
        );
        out.extend(edit.replacement);
        i = edit.end;
    }
    out.extend(
        tokens[i..]
            .iter()
            .map(|t| tok(t.kind, &text[t.span.start..t.span.end])),
    );
    out
}
