//! Code actions for the diagnostics the editor shows: apply a
//! diagnostic's "Did you mean `X`?", and add a missing required argument
//! (`schema::missing-required`) with a placeholder of its type.

use crate::position::Lines;
use infra_engine::provider::Providers;
use infra_lang::types::Type;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, NumberOrString, Range, TextEdit,
    Url, WorkspaceEdit,
};
use std::collections::HashMap;

/// The quick fixes for `diagnostics` (as the client sent them back) in
/// the document `uri` whose text is `text`.
pub fn code_actions(
    uri: &Url,
    text: &str,
    lines: &Lines,
    providers: &Providers,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in diagnostics {
        if d.source.as_deref() != Some("infra") {
            continue;
        }
        let code = match &d.code {
            Some(NumberOrString::String(c)) => c.as_str(),
            _ => "",
        };
        let fix = if code == "schema::missing-required" {
            add_argument(text, lines, providers, d)
        } else {
            did_you_mean(code, text, lines, d)
        };
        if let Some((title, edit)) = fix {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    out
}

/// The `X` of a "Did you mean `X`?" in `message`.
fn suggestion(message: &str) -> Option<&str> {
    let rest = &message[message.find("Did you mean `")? + "Did you mean `".len()..];
    let s = &rest[..rest.find('`')?];
    (!s.is_empty() && !s.contains("...") && !s.contains(char::is_whitespace)).then_some(s)
}

/// Replaces the name the diagnostic points at with its suggestion: the
/// range's text (without quotes), or for an unknown argument the name at
/// the start of its line (the range is on its value).
fn did_you_mean(
    code: &str,
    text: &str,
    lines: &Lines,
    d: &Diagnostic,
) -> Option<(String, TextEdit)> {
    let wanted = suggestion(&d.message)?;
    let start = lines.offset(text, d.range.start);
    let end = lines.offset(text, d.range.end);
    let (start, end) = if code == "schema::unknown-attribute" {
        let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
        let line = &text[line_start..];
        let indent = line.len() - line.trim_start().len();
        let name_len = line[indent..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(0);
        (line_start + indent, line_start + indent + name_len)
    } else {
        let old = text.get(start..end)?;
        if old.len() >= 2 && old.starts_with('"') && old.ends_with('"') {
            (start + 1, end - 1)
        } else {
            (start, end)
        }
    };
    let old = text.get(start..end)?;
    if old.is_empty() || old == wanted || old.contains(char::is_whitespace) {
        return None;
    }
    Some((
        format!("Change `{old}` to `{wanted}`"),
        TextEdit::new(
            Range::new(lines.position(text, start), lines.position(text, end)),
            wanted.to_string(),
        ),
    ))
}

/// Adds `NAME = PLACEHOLDER` as the first line of the block a
/// `schema::missing-required` diagnostic ("`TYPE.NAME` needs argument
/// `ARG`") points at.
fn add_argument(
    text: &str,
    lines: &Lines,
    providers: &Providers,
    d: &Diagnostic,
) -> Option<(String, TextEdit)> {
    let mut quoted = d.message.split('`').skip(1).step_by(2);
    let address = quoted.next()?;
    let arg = quoted.next()?;
    let (data, address) = match address.strip_prefix("data.") {
        Some(rest) => (true, rest),
        None => (false, address),
    };
    let ty = address.split('.').next()?;
    let attr = providers.schema(ty, data)?.attributes.get(arg)?;
    let start = lines.offset(text, d.range.start);
    let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
    let header_end = line_start + text[line_start..].find('\n')?;
    let header = &text[line_start..header_end];
    // Only a block whose header line ends with `{` (not `{}` or a
    // one-line block) gets a line inserted after it.
    if !header.trim_end().ends_with('{') {
        return None;
    }
    let indent: String = header.chars().take_while(|c| c.is_whitespace()).collect();
    let at = lines.position(text, header_end + 1);
    Some((
        format!("Add the required argument `{arg}`"),
        TextEdit::new(
            Range::new(at, at),
            format!("{indent}  {arg} = {}\n", placeholder(&attr.ty)),
        ),
    ))
}

/// A value of type `ty` to fill in.
fn placeholder(ty: &Type) -> &'static str {
    match ty {
        Type::String => "\"\"",
        Type::Number => "0",
        Type::Bool => "false",
        Type::List(_) | Type::Set(_) | Type::Tuple(_) => "[]",
        Type::Map(_) | Type::Object(_) => "{}",
        _ => "null",
    }
}
