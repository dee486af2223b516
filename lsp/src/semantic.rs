//! Semantic tokens: the lexer's tokens (the formatter's, so comments and
//! template pieces are exact), classed with the syntax tree's help: block
//! types, labels, argument names, function names and reference roots.

use crate::nodes::{each_block, each_expr};
use crate::position::Lines;
use infra_lang::ast::{BodyItem, ExprKind, File};
use infra_lang::syntax::lexer::{TokenKind, lex};
use lsp_types::{SemanticToken, SemanticTokenType, SemanticTokensLegend};
use std::collections::HashMap;

/// The token types, in legend order.
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
];
const KEYWORD: u32 = 0;
const TYPE: u32 = 1;
const PROPERTY: u32 = 2;
const FUNCTION: u32 = 3;
const VARIABLE: u32 = 4;
const STRING: u32 = 5;
const NUMBER: u32 = 6;
const COMMENT: u32 = 7;

/// The legend the server announces.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

/// One token at an absolute position: line, UTF-16 column, length, type.
type Absolute = (u32, u32, u32, u32);

/// The semantic tokens of `text`, parsed as `file` (one token per line
/// for tokens that span lines: heredocs and block comments); with `range`,
/// only those on its lines (`textDocument/semanticTokens/range`).
pub fn tokens(
    file: Option<&File>,
    text: &str,
    lines: &Lines,
    range: Option<lsp_types::Range>,
) -> Vec<SemanticToken> {
    let all = absolute(file, text, lines);
    let kept = all
        .into_iter()
        .filter(|(line, ..)| range.is_none_or(|r| r.start.line <= *line && *line <= r.end.line));
    encode(kept)
}

/// Tokens as LSP encodes them: each relative to the one before.
fn encode(tokens: impl Iterator<Item = Absolute>) -> Vec<SemanticToken> {
    let (mut last_line, mut last_char) = (0u32, 0u32);
    tokens
        .map(|(line, character, length, kind)| {
            let delta_line = line.saturating_sub(last_line);
            let delta_start = if delta_line == 0 {
                character.saturating_sub(last_char)
            } else {
                character
            };
            (last_line, last_char) = (line, character);
            SemanticToken {
                delta_line,
                delta_start,
                length,
                token_type: kind,
                token_modifiers_bitset: 0,
            }
        })
        .collect()
}

/// Every token of `text` at its absolute position. Without a syntax tree
/// (the text does not parse) only what the lexer alone knows is classed:
/// comments, strings, numbers and keywords.
fn absolute(file: Option<&File>, text: &str, lines: &Lines) -> Vec<Absolute> {
    let item_starts: Vec<usize> = file
        .map(|f| {
            f.body
                .items
                .iter()
                .map(|i| match i {
                    BodyItem::Attribute(a) => a.span.start,
                    BodyItem::Block(b) => b.span.start,
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(toks) = lex(text, &item_starts) else {
        return Vec::new();
    };
    // What the tree says a token at this offset is.
    let mut known: HashMap<usize, u32> = HashMap::new();
    let mut labels: Vec<(usize, usize)> = Vec::new();
    if let Some(file) = file {
        each_block(&file.body, &mut |_, b| {
            known.insert(b.kind.span.start, KEYWORD);
            labels.extend(b.labels.iter().map(|l| (l.span.start, l.span.end)));
            for a in b.body.attributes() {
                known.insert(a.name.span.start, PROPERTY);
            }
        });
        for a in file.body.attributes() {
            known.insert(a.name.span.start, PROPERTY);
        }
        each_expr(&file.body, &mut |_, _, e| match &e.kind {
            ExprKind::FunctionCall { name, .. } => {
                known.insert(name.span.start, FUNCTION);
            }
            ExprKind::Variable(v) => {
                known.insert(v.span.start, VARIABLE);
            }
            _ => {}
        });
    }
    let label_at = |at: usize| labels.iter().find(|(s, e)| *s <= at && at < *e).copied();
    let mut out = Vec::new();
    for t in toks {
        let (mut start, mut end) = (t.span.start, t.span.end);
        // A quoted label is three tokens: one type token for all of it.
        let kind = if let Some((s, e)) = label_at(start) {
            if s != start {
                continue;
            }
            (start, end) = (s, e);
            TYPE
        } else {
            match t.kind {
                TokenKind::Comment => COMMENT,
                TokenKind::Number => NUMBER,
                TokenKind::OQuote
                | TokenKind::CQuote
                | TokenKind::QuotedLit
                | TokenKind::StringLit
                | TokenKind::OHeredoc
                | TokenKind::CHeredoc => STRING,
                TokenKind::Ident => match known.get(&start) {
                    Some(k) => *k,
                    None => match text.get(start..end) {
                        Some("true" | "false" | "null" | "for" | "in" | "if") => KEYWORD,
                        _ => continue,
                    },
                },
                _ => continue,
            }
        };
        let Some(piece) = text.get(start..end) else {
            continue;
        };
        let mut offset = start;
        for part in piece.split_inclusive('\n') {
            let body = part.trim_end_matches(['\n', '\r']);
            let length: usize = body.chars().map(char::len_utf16).sum();
            if length > 0 {
                let pos = lines.position(text, offset);
                out.push((
                    pos.line,
                    pos.character,
                    u32::try_from(length).unwrap_or(u32::MAX),
                    kind,
                ));
            }
            offset += part.len();
        }
    }
    out
}
