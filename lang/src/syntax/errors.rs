//! pest's parse errors turned into diagnostics that say, in the user's
//! terms, what was expected and what was found.

use super::Rule;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::span::Span;
use pest::error::{ErrorVariant, InputLocation};
use std::sync::Arc;

/// What a grammar rule means to a user, for "expected ..." lists.
fn describe(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        EOI => "end of file",
        attribute | block => "an argument or a block",
        ident => "a name",
        func_name => "an expression",
        label => "a block label",
        lbrace => "`{`",
        rbrace => "`}`",
        lbrack => "`[`",
        rbrack => "`]`",
        lparen => "`(`",
        rparen => "`)`",
        eq => "`=`",
        fat_arrow => "`=>`",
        comma => "`,`",
        colon => "`:`",
        qmark => "`?`",
        ellipsis => "`...`",
        kw_in => "`in`",
        kw_if => "`if`",
        expr | number | for_tuple | tuple | for_object | object | template_string | heredoc
        | name_expr | paren_expr | op_not | op_neg | object_item | call_args => "an expression",
        bin_op => "an operator",
        get_attr | legacy_index | splat_attr => "`.`",
        index | splat_full => "`[`",
        tpl_literal | tpl_escape | tpl_interp | tpl_directive | interp_open | ctrl_open => {
            "the rest of the string"
        }
        seq_end => "`}`",
        dir_if | dir_else | dir_endif | dir_for | dir_endfor => {
            "a template directive (`if`, `else`, `endif`, `for`, `endfor`)"
        }
        heredoc_line | hd_literal | hd_eol | heredoc_close => "the heredoc's closing marker",
        heredoc_open => "`<<`",
        _ => "valid syntax",
    }
}

/// What [`found_at`] calls a carriage return that does not start a CRLF
/// line ending.
const LONE_CR: &str = "a lone carriage return (`\\r`)";

/// Describes the text at `offset`: "`@`", "a newline", "end of file".
fn found_at(text: &str, offset: usize) -> String {
    match text.get(offset..).and_then(|t| t.chars().next()) {
        None => "end of file".to_string(),
        Some('\n') => "a newline".to_string(),
        Some('\r') if text[offset..].starts_with("\r\n") => "a newline".to_string(),
        Some('\r') => LONE_CR.to_string(),
        Some(c) if c.is_whitespace() => "whitespace".to_string(),
        Some(c) => {
            let rest = &text[offset..];
            let word: String = if c.is_alphanumeric() || c == '_' {
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                    .take(24)
                    .collect()
            } else {
                c.to_string()
            };
            format!("`{word}`")
        }
    }
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Finds the innermost bracket or quote still open at `offset`, scanning the
/// text before it (comments and string contents are skipped approximately).
fn unclosed_opener(text: &str, offset: usize) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<(usize, u8)> = Vec::new();
    let mut i = 0;
    while i < end {
        let b = bytes[i];
        let in_string = stack.last().is_some_and(|(_, c)| *c == b'"');
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push((i, b'{'));
                    i += 1;
                }
                b'\n' => {
                    stack.pop();
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'#' => {
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(n) => i += n + 3,
                None => return Some((i, '/')),
            },
            b'"' | b'{' | b'[' | b'(' => stack.push((i, b as char as u8)),
            b'}' | b']' | b')' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    stack.last().map(|(at, c)| (*at, *c as char))
}

/// `syntax::too-deep` at byte `at` of `text`, for nesting found deeper than
/// [`super::MAX_NESTING`] before parsing.
pub(crate) fn too_deep(text: &str, at: usize) -> Diagnostic {
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    Diagnostic::error(
        "syntax::too-deep",
        format!("nested more than {} levels deep", super::MAX_NESTING),
    )
    .primary(Span::new(at, end), "nesting limit reached here")
    .with_help("Split the expression with `locals`; nesting this deep is not supported.")
}

/// `syntax::too-large` for the top-level item at byte `at` of `text`: one
/// item with so many brackets and strings that no parse may take it whole.
pub(crate) fn too_large(text: &str, at: usize) -> Diagnostic {
    let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    Diagnostic::error(
        "syntax::too-large",
        "this block is too large to parse in one piece",
    )
    .primary(Span::new(at, end), "it starts here")
    .with_help(
        "Split it into several blocks (or move data into a file read with `file`/`jsondecode`); \
         a single top-level block may hold a few hundred thousand brackets and strings.",
    )
}

/// Converts a pest failure into a `syntax::*` diagnostic. `base` is the
/// byte offset of the parsed text in `source` (non-zero for a piece of a
/// large file).
pub(crate) fn from_pest(
    source: &Arc<SourceFile>,
    base: usize,
    err: pest::error::Error<Rule>,
) -> Diagnostic {
    from_pest_with(source, err, &|p| base + p)
}

/// [`from_pest`] for text whose byte `p` is at file offset `pos(p)`.
pub(crate) fn from_pest_with(
    source: &Arc<SourceFile>,
    err: pest::error::Error<Rule>,
    pos: &dyn Fn(usize) -> usize,
) -> Diagnostic {
    let text = source.text();
    let offset = pos(match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    });
    let (positives, custom) = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => (positives.clone(), None),
        ErrorVariant::CustomError { message } => (Vec::new(), Some(message.clone())),
    };
    if let Some(message) = custom {
        return Diagnostic::error("syntax::unexpected-token", message)
            .in_file(source)
            .primary(
                Span::new(offset, (offset + 1).min(text.len())),
                "parsing stopped here",
            );
    }
    let mut expected: Vec<&str> = Vec::new();
    for rule in positives {
        let d = describe(rule);
        if !expected.contains(&d) {
            expected.push(d);
        }
    }
    let found = found_at(text, offset);
    let at_end = offset >= text.trim_end().len();
    if at_end && let Some((open_at, c)) = unclosed_opener(text, offset) {
        let (what, close) = match c {
            '"' => ("string", "`\"`"),
            '{' => ("`{`", "`}`"),
            '[' => ("`[`", "`]`"),
            '(' => ("`(`", "`)`"),
            _ => ("comment", "`*/`"),
        };
        let what_msg = if c == '"' {
            "unterminated string".to_string()
        } else if c == '/' {
            "unterminated comment".to_string()
        } else {
            format!("unclosed {what}")
        };
        return Diagnostic::error("syntax::unclosed-delimiter", what_msg)
            .in_file(source)
            .primary(Span::new(open_at, open_at + 1), "opened here")
            .secondary(
                Span::point(text.len()),
                format!("file ends before the closing {close}"),
            )
            .with_help(format!("Add the missing {close}."));
    }
    if expected.contains(&"the heredoc's closing marker") {
        return Diagnostic::error("syntax::unterminated-heredoc", "unterminated heredoc")
            .in_file(source)
            .primary(
                Span::new(offset, (offset + 1).min(text.len())),
                "the heredoc is still open here",
            )
            .with_help("End the heredoc with a line holding only its marker (for example `EOT`).");
    }
    // `/*` whose comment never ends is read as `/` then `*`.
    if offset > 0
        && text[..offset].ends_with('/')
        && text[offset..].starts_with('*')
        && !text[offset..].contains("*/")
    {
        return Diagnostic::error("syntax::unclosed-delimiter", "unterminated comment")
            .in_file(source)
            .primary(
                Span::new(offset - 1, offset + 1),
                "this comment is never closed",
            )
            .with_help("Close the comment with `*/`.");
    }
    // A closing bracket that does not match the innermost open one: point at
    // the bracket left open, which is where the mistake usually is.
    let closer = text
        .get(offset..)
        .and_then(|t| t.chars().next())
        .filter(|c| matches!(c, '}' | ']' | ')'));
    if let (Some(c), Some((open_at, o))) = (closer, unclosed_opener(text, offset)) {
        let want = match o {
            '{' => Some('}'),
            '[' => Some(']'),
            '(' => Some(')'),
            _ => None,
        };
        if let Some(want) = want
            && want != c
        {
            return Diagnostic::error("syntax::unclosed-delimiter", format!("unclosed `{o}`"))
                .in_file(source)
                .primary(
                    Span::new(offset, offset + 1),
                    format!("expected `{want}` before this `{c}`"),
                )
                .secondary(
                    Span::new(open_at, open_at + 1),
                    format!("this `{o}` is never closed"),
                )
                .with_help(format!(
                    "Add the missing `{want}`, or remove the extra `{o}`."
                ));
        }
    }
    let label = if found == "end of file" {
        "the file ends here".to_string()
    } else {
        format!("unexpected {found}")
    };
    let len = text
        .get(offset..)
        .and_then(|t| t.chars().next())
        .map_or(0, char::len_utf8);
    let mut d = Diagnostic::error(
        "syntax::unexpected-token",
        format!("expected {}, found {found}", join_alternatives(&expected)),
    )
    .in_file(source)
    .primary(Span::new(offset, offset + len), label);
    if found == "a newline" && expected.contains(&"an expression") {
        d = d.with_help("An expression that continues on the next line must be wrapped in parentheses or brackets.");
    } else if expected.contains(&"`=`") && expected.contains(&"a block label") {
        d = d.with_help(
            "A body holds arguments (`name = value`) and blocks (`type \"label\" { ... }`).",
        );
    } else if found == LONE_CR {
        d = d.with_help("A carriage return may only end a line as part of a Windows line ending (`\\r\\n`), as in Terraform; remove it or convert the file's line endings.");
    } else if found.starts_with("`\"") {
        d = d.with_help("Strings cannot span lines; use a heredoc (`<<EOT`) for multi-line text.");
    } else if found == "`=`" {
        d = d.with_help(
            "Is a value missing just before this? Every `name =` needs its value on the same line.",
        );
    } else {
        d = d.with_help("Check for a missing or extra bracket, quote, comma or operator just before this point.");
    }
    d
}
