//! Signature help: the function call around the cursor, its parameters
//! and which one the cursor is on — for built-in functions and the
//! module's own `function` blocks. Found by scanning the text, not the
//! syntax tree, so it works while the call is half typed.

use crate::documents::Module;
use infra_lang::ast::{BodyItem, ExprKind};
use lsp_types::{ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation};

/// Longest stretch of text scanned back from the cursor, in bytes (a call
/// opened further back is not found).
const MAX_SCAN: usize = 64 * 1024;

/// The innermost unclosed call at `offset` of `text`: the function name
/// and how many top-level commas precede `offset` in its argument list.
/// Strings (with `${...}` interpolations) and comments are skipped.
pub fn call_at(text: &str, offset: usize) -> Option<(String, u32)> {
    let offset = offset.min(text.len());
    let mut start = offset.saturating_sub(MAX_SCAN);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    // Scanning from the start of the line that holds `start` keeps a
    // string or comment opened before it from being misread (a block
    // comment or heredoc that began even earlier can still be).
    let start = text[..start].rfind('\n').map_or(0, |n| n + 1);
    let bytes = text.as_bytes();
    // One frame per open bracket: its byte, the name before it (for
    // `(`), the commas seen at its level.
    let mut frames: Vec<(u8, Option<String>, u32)> = Vec::new();
    // Open string literals; a `${` inside one pushes a `{` frame marked
    // with the string depth to return to.
    let mut in_string = false;
    let mut template_depths: Vec<usize> = Vec::new();
    let mut i = start;
    while i < offset {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    in_string = false;
                    template_depths.push(frames.len());
                    frames.push((b'{', None, 0));
                    i += 1;
                }
                b'\n' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'#' => i = skip_line(bytes, i, offset),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = skip_line(bytes, i, offset),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..offset]
                    .find("*/")
                    .map_or(offset, |n| i + 2 + n + 1);
            }
            b'(' => frames.push((b'(', Some(name_before(text, i)), 0)),
            b'[' | b'{' => frames.push((b, None, 0)),
            b')' | b']' | b'}' => {
                frames.pop();
                if b == b'}' && template_depths.last() == Some(&frames.len()) {
                    template_depths.pop();
                    in_string = true;
                }
            }
            b',' => {
                if let Some(f) = frames.last_mut() {
                    f.2 += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if in_string {
        return None;
    }
    // The innermost call, through the collections and interpolations
    // opened in its arguments (`join("-", [a, |`).
    match frames.iter().rev().find(|f| f.0 == b'(') {
        Some((_, Some(name), commas)) if !name.is_empty() => Some((name.clone(), *commas)),
        _ => None,
    }
}

/// The index of the last byte of the line comment starting at `i`.
fn skip_line(bytes: &[u8], i: usize, end: usize) -> usize {
    bytes[i..end]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(end, |n| i + n)
}

/// The function name (letters, digits, `_`, `-` and `::`) just before the
/// `(` at `open`; empty when there is none (a parenthesised expression).
fn name_before(text: &str, open: usize) -> String {
    let before = text[..open].trim_end_matches([' ', '\t']);
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '-' | ':'))
        .last()
        .map_or(before.len(), |(i, _)| i);
    before[start..].to_string()
}

/// Signature help at `offset` of `text`, in `module` (for its `function`
/// blocks): `None` outside a call or for a function nobody declares.
pub fn signature_help(module: Option<&Module>, text: &str, offset: usize) -> Option<SignatureHelp> {
    let (name, commas) = call_at(text, offset)?;
    let (label, params, doc) = match infra_stdlib::lookup(&name) {
        Some(sig) => {
            let params: Vec<String> = sig.params.iter().map(|p| (*p).to_string()).collect();
            let doc = infra_stdlib::builtin(&name).map(|b| b.summary.to_string());
            (format!("{name}({})", params.join(", ")), params, doc)
        }
        None => user_function(module?, &name)?,
    };
    // A variadic last parameter takes every argument after it.
    let last = params.len().saturating_sub(1);
    let variadic = params.last().is_some_and(|p| p.ends_with("..."));
    let active = if variadic {
        (commas as usize).min(last)
    } else {
        commas as usize
    };
    let mut parameters = Vec::with_capacity(params.len());
    let mut at = name.len() + 1;
    for p in &params {
        let start = u32::try_from(at).ok()?;
        let end = u32::try_from(at + p.len()).ok()?;
        parameters.push(ParameterInformation {
            label: ParameterLabel::LabelOffsets([start, end]),
            documentation: None,
        });
        at += p.len() + 2;
    }
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label,
            documentation: doc.map(lsp_types::Documentation::String),
            parameters: Some(parameters),
            active_parameter: u32::try_from(active).ok(),
        }],
        active_signature: Some(0),
        active_parameter: u32::try_from(active).ok(),
    })
}

/// The label, parameter names and description of the module's
/// `function "NAME"` block.
fn user_function(module: &Module, name: &str) -> Option<(String, Vec<String>, Option<String>)> {
    let block = module.files.iter().find_map(|f| {
        f.ast.body.items.iter().find_map(|i| match i {
            BodyItem::Block(b)
                if b.kind.name == "function"
                    && b.labels.first().is_some_and(|l| l.value == name) =>
            {
                Some(b)
            }
            _ => None,
        })
    })?;
    let params: Vec<String> = match block.body.attribute("params").map(|a| &a.expr.kind) {
        Some(ExprKind::Object(items)) => items
            .iter()
            .filter_map(|item| match &item.key.kind {
                ExprKind::Variable(id) => Some(id.name.clone()),
                ExprKind::Template(t) => t.as_literal(),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let doc = block
        .body
        .attribute("description")
        .and_then(|a| match &a.expr.kind {
            ExprKind::Template(t) => t.as_literal(),
            _ => None,
        });
    Some((format!("{name}({})", params.join(", ")), params, doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_cursor(s: &str) -> Option<(String, u32)> {
        let offset = s.find('|').expect("cursor");
        let text = s.replace('|', "");
        call_at(&text, offset)
    }

    #[test]
    fn finds_the_innermost_open_call_and_counts_its_commas() {
        assert_eq!(at_cursor("x = join(\",\", |"), Some(("join".into(), 1)));
        assert_eq!(
            at_cursor("x = join(\",\", [upper(a), lower(|"),
            Some(("lower".into(), 0))
        );
        assert_eq!(
            at_cursor("x = format(\"%s, %s\", [1, 2], |)"),
            Some(("format".into(), 2))
        );
        assert_eq!(
            at_cursor("x = \"${replace(var.a, \"-\", |"),
            Some(("replace".into(), 2))
        );
        assert_eq!(
            at_cursor("x = provider::local::direxists(|"),
            Some(("provider::local::direxists".into(), 0))
        );
        // Not in a call: after it closed, inside a string, a parenthesis.
        assert_eq!(at_cursor("x = upper(a) |"), None);
        assert_eq!(at_cursor("x = upper(\"a, |"), None);
        assert_eq!(at_cursor("x = (1 + |"), None);
        assert_eq!(at_cursor("x = join(\"-\", [a, |"), Some(("join".into(), 1)));
        assert_eq!(at_cursor("# f(\nx = g(1, |"), Some(("g".into(), 1)));
    }

    #[test]
    fn built_in_signatures_mark_the_active_parameter() {
        let text = "x = substr(\"abc\", 1, ";
        let help = signature_help(None, text, text.len()).expect("help");
        let sig = &help.signatures[0];
        assert_eq!(sig.label, "substr(str, offset, length)");
        assert_eq!(sig.active_parameter, Some(2));
        let Some(ParameterLabel::LabelOffsets([s, e])) = sig
            .parameters
            .as_ref()
            .and_then(|p| p.get(2))
            .map(|p| p.label.clone())
        else {
            panic!("offsets");
        };
        assert_eq!(&sig.label[s as usize..e as usize], "length");
        // A variadic parameter stays active for every later argument.
        let text = "x = concat([1], [2], [3], ";
        let help = signature_help(None, text, text.len()).expect("help");
        assert_eq!(help.active_parameter, Some(0));
        assert!(help.signatures[0].label.starts_with("concat("));
    }
}
