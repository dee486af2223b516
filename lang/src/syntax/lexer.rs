//! A lossless token stream of a `.infra` file (comments, newlines and
//! template pieces included), mirroring hclsyntax's token kinds so the
//! formatter can follow `terraform fmt`'s rules token by token.

use super::{Grammar, Rule, stack};
use crate::span::Span;
use pest::Parser as _;
use pest::iterators::Pair;

/// The kind of a token, named after hclsyntax's token types.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Newline,
    /// `#…`/`//…` (including the newline that ends it) or `/* … */`.
    Comment,
    Ident,
    Number,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Comma,
    Dot,
    /// `::` in provider function names.
    DoubleColon,
    Ellipsis,
    Colon,
    Question,
    Equal,
    FatArrow,
    EqualOp,
    NotEqual,
    GreaterThan,
    GreaterThanEq,
    LessThan,
    LessThanEq,
    And,
    Or,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    OQuote,
    CQuote,
    QuotedLit,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    OHeredoc,
    StringLit,
    CHeredoc,
}

impl TokenKind {
    /// +1 for tokens that open a bracket pair, -1 for those that close one
    /// (template `${`/`%{` and their `}` count too), else 0.
    pub fn bracket_change(self) -> i32 {
        use TokenKind::*;
        match self {
            OBrace | OBrack | OParen | TemplateInterp | TemplateControl => 1,
            CBrace | CBrack | CParen | TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// One token: its kind and where its text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its bytes in the source.
    pub span: Span,
}

fn punct_kind(text: &str) -> TokenKind {
    use TokenKind::*;
    match text {
        "::" => DoubleColon,
        "..." => Ellipsis,
        "=>" => FatArrow,
        "==" => EqualOp,
        "!=" => NotEqual,
        ">=" => GreaterThanEq,
        "<=" => LessThanEq,
        "&&" => And,
        "||" => Or,
        "[" => OBrack,
        "]" => CBrack,
        "(" => OParen,
        ")" => CParen,
        "," => Comma,
        "." => Dot,
        ":" => Colon,
        "?" => Question,
        "=" => Equal,
        "<" => LessThan,
        ">" => GreaterThan,
        "+" => Plus,
        "-" => Minus,
        "*" => Star,
        "/" => Slash,
        "%" => Percent,
        _ => Bang,
    }
}

fn push_tokens(pair: Pair<'_, Rule>, out: &mut Vec<Token>) {
    let s = pair.as_span();
    let span = Span::new(s.start(), s.end());
    let kind = match pair.as_rule() {
        Rule::lx_newline => TokenKind::Newline,
        Rule::lx_comment => TokenKind::Comment,
        Rule::lx_number => TokenKind::Number,
        Rule::lx_ident => TokenKind::Ident,
        Rule::lx_punct => punct_kind(pair.as_str()),
        Rule::lx_lbrace => TokenKind::OBrace,
        Rule::lx_rbrace => TokenKind::CBrace,
        Rule::lx_oquote => TokenKind::OQuote,
        Rule::lx_cquote => TokenKind::CQuote,
        Rule::lx_quoted_lit => TokenKind::QuotedLit,
        Rule::lx_interp_open => TokenKind::TemplateInterp,
        Rule::lx_ctrl_open => TokenKind::TemplateControl,
        Rule::lx_seq_end => TokenKind::TemplateSeqEnd,
        Rule::lx_oheredoc => TokenKind::OHeredoc,
        Rule::lx_mid_lit | Rule::lx_eol_lit => TokenKind::StringLit,
        Rule::lx_cheredoc => TokenKind::CHeredoc,
        _ => {
            for inner in pair.into_inner() {
                push_tokens(inner, out);
            }
            return;
        }
    };
    out.push(Token { kind, span });
}

/// Splits `text` into tokens. Spaces and tabs between tokens are dropped
/// (the formatter recomputes them); everything else is kept.
///
/// `item_starts` are the byte offsets where top-level items begin (from the
/// parsed file): a file too large to lex in one piece (see `stack.rs`) is
/// lexed in runs of whole items.
///
/// Returns `None` when the text does not lex, which cannot happen for text
/// that [`super::parse`] accepted.
pub fn lex(text: &str, item_starts: &[usize]) -> Option<Vec<Token>> {
    let mut out = Vec::with_capacity(text.len() / 4);
    for range in stack::pieces(text, item_starts).ok()? {
        lex_piece(text, range, &mut out)?;
    }
    Some(out)
}

/// Appends the tokens of `text[range]` to `out`, with spans into `text`.
fn lex_piece(text: &str, range: std::ops::Range<usize>, out: &mut Vec<Token>) -> Option<()> {
    let piece = text.get(range.clone())?;
    let first = out.len();
    stack::with_stack(piece, || {
        let pairs = Grammar::parse(Rule::lex_file, piece).ok()?;
        for pair in pairs {
            push_tokens(pair, out);
        }
        Some(())
    })??;
    if range.start > 0 {
        for t in &mut out[first..] {
            t.span = Span::new(t.span.start + range.start, t.span.end + range.start);
        }
    }
    Some(())
}
