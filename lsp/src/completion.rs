//! Completion: block types at top level, resource and data source types
//! in a block's first label, schema attributes and nested blocks inside a
//! `resource`/`data` block (required first, with type and description),
//! the arguments of other blocks, and in expressions `var.`, `local.`,
//! `const.`, `module.`, `data.`, resource addresses and their schema
//! attributes, `each.`/`count.`/`self.`/`path.`, built-in and user
//! functions with parameter snippets.
//!
//! The text being typed rarely parses, so the context (the blocks around
//! the cursor) is found by parsing only the top-level block around the
//! cursor with its current line blanked; the declarations of the file come
//! from its last version that parsed. The line before the cursor says what
//! is typed. So a completion costs the same in a 3,000-resource file as in
//! a small one.

use crate::documents::Module;
use crate::nodes::blocks_at;
use crate::occurrences::{Symbol, declared};
use crate::schema::{
    attribute_doc, attribute_flags, block_schema, function_doc, function_signature,
};
use infra_engine::config::BLOCK_TYPES;
use infra_engine::provider::{Providers, ResourceSchema};
use infra_lang::ast::{Block, BodyItem, File};
use infra_lang::{SourceFile, syntax};
use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind,
};
use std::collections::BTreeSet;

/// Meta-arguments and blocks every `resource` and `data` block takes.
const RESOURCE_META: &[&str] = &["count", "for_each", "depends_on", "provider", "lifecycle"];

/// Names that start a reference in an expression, beside declared types.
const ROOTS: &[(&str, &str)] = &[
    ("var", "input variables"),
    ("local", "local values"),
    ("const", "constants"),
    ("module", "module calls' outputs"),
    ("data", "data sources"),
    ("each", "the current for_each element: each.key, each.value"),
    ("count", "the current count index: count.index"),
    (
        "self",
        "the resource's own attributes (provisioners and conditions)",
    ),
    ("path", "path.module, path.root, path.cwd"),
    ("terraform", "terraform.workspace"),
];

/// The completion items at byte `offset` of `text` (named `name`), a file
/// of `module` (whose other files give the declarations).
pub fn complete(
    module: Option<&Module>,
    last_good: Option<&File>,
    providers: &Providers,
    name: &str,
    text: &str,
    offset: usize,
) -> Vec<CompletionItem> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let (snippet, base) = context_parse(name, text, line_start, offset);
    let blocks: Vec<&Block> = snippet
        .as_ref()
        .map(|f| blocks_at(f, offset - base))
        .unwrap_or_default();
    // The whole file as last parsed; parsed now (blanked) when it never
    // was in this session.
    let full;
    let current = match (last_good, base) {
        (Some(f), _) => Some(f),
        (None, 0) => snippet.as_ref(),
        (None, _) => {
            full = blanked_parse(name, text, line_start);
            full.as_ref()
        }
    };
    let trimmed = before.trim_start();
    if let Some(rest) = trimmed
        .strip_prefix("resource")
        .or_else(|| trimmed.strip_prefix("data"))
    {
        let rest = rest.trim_start();
        if blocks.is_empty() && rest.starts_with('"') && !rest[1..].contains('"') {
            let data = trimmed.starts_with("data");
            return providers
                .type_names(data)
                .into_iter()
                .map(|t| {
                    let doc = providers
                        .schema(&t, data)
                        .map(|s| s.description.to_string());
                    item(&t, CompletionItemKind::CLASS, None, doc, None, None)
                })
                .collect();
        }
    }
    if let Some(items) =
        crate::enum_values::value_items(module, current, providers, &blocks, name, before)
    {
        return items;
    }
    if is_expression(before) {
        let decls = declarations(module, name, current.or(snippet.as_ref()));
        let path = reference_path(before);
        if let (Some(m), ["module", call, _]) = (
            module,
            path.iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
        ) {
            return crate::child_modules::output_items(m, current, call);
        }
        return expression_items(&decls, providers, &blocks, &path);
    }
    match blocks.first() {
        None => block_type_items(),
        Some(_) => {
            let set: BTreeSet<&str> = blocks
                .last()
                .map(|b| b.body.attributes().map(|a| a.name.name.as_str()).collect())
                .unwrap_or_default();
            argument_items(providers, &blocks, &set)
        }
    }
}

/// Parses `text` with the line starting at `line_start` blanked.
fn blanked_parse(name: &str, text: &str, line_start: usize) -> Option<File> {
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut copy = String::with_capacity(text.len());
    copy.push_str(&text[..line_start]);
    copy.extend(std::iter::repeat_n(' ', line_end - line_start));
    copy.push_str(&text[line_end..]);
    syntax::parse(&SourceFile::new(name, copy)).file
}

/// The top-level block around `offset` (from the last line before it that
/// starts a block at column 0 to the line after it that does, or the
/// end), parsed with the cursor's line blanked; with the byte offset of
/// its start in `text`. The whole text when no line starts a block.
fn context_parse(
    name: &str,
    text: &str,
    line_start: usize,
    offset: usize,
) -> (Option<File>, usize) {
    let starts_block = |line: &str| line.starts_with(|c: char| c.is_ascii_alphabetic());
    let mut start = 0;
    let mut at = line_start;
    if starts_block(&text[line_start..]) {
        start = line_start;
        at = 0;
    }
    while at > 0 {
        let prev = text[..at - 1].rfind('\n').map_or(0, |i| i + 1);
        if starts_block(&text[prev..at]) {
            start = prev;
            break;
        }
        at = prev;
    }
    let mut end = text.len();
    let mut at = text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1);
    while at < text.len() {
        let next = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        if starts_block(&text[at..next]) {
            end = at;
            break;
        }
        at = next;
    }
    if start > 0 || end < text.len() {
        // A block that does not parse with its line blanked would not in
        // the whole file either: no context then.
        let part = &text[start..end];
        return (blanked_parse(name, part, line_start - start), start);
    }
    (blanked_parse(name, text, line_start), 0)
}

/// True when the cursor is in an expression rather than where an
/// argument or block name goes.
fn is_expression(before: &str) -> bool {
    before.contains('=')
        || before.contains("${")
        || before.contains('(')
        || before.contains('[')
        || before.contains(',')
        || before.contains('?')
}

/// The reference being typed: `aws_s3_bucket.logs.ar` → `["aws_s3_bucket",
/// "logs", "ar"]` (the last part is the partial name).
fn reference_path(before: &str) -> Vec<String> {
    let start = word_start(before, &['_', '-', '.']);
    before[start..].split('.').map(str::to_string).collect()
}

/// The byte offset where the word ending `text` starts: after the last
/// character that is neither alphanumeric nor one of `also`.
pub(crate) fn word_start(text: &str, also: &[char]) -> usize {
    text.char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || also.contains(c)))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Every declaration of the module: its files but `name`, whose
/// declarations come from `current` (the text as being typed).
fn declarations(module: Option<&Module>, name: &str, current: Option<&File>) -> BTreeSet<Symbol> {
    let mut out = BTreeSet::new();
    let mut add = |text: &str, file: &File| {
        for item in &file.body.items {
            let BodyItem::Block(b) = item else { continue };
            if b.kind.name == "locals" {
                out.extend(
                    b.body
                        .attributes()
                        .map(|a| Symbol::Local(a.name.name.clone())),
                );
            } else if let Some((s, _)) = declared(text, b) {
                out.insert(s);
            }
        }
    };
    let others = module.map(|m| m.files.iter().filter(|f| f.source.path() != name));
    for f in others.into_iter().flatten() {
        add(f.source.text(), &f.ast);
    }
    if let Some(f) = current {
        // Label spans only matter for renames: any text will do.
        add("", f);
    }
    out
}

fn expression_items(
    decls: &BTreeSet<Symbol>,
    providers: &Providers,
    blocks: &[&Block],
    path: &[String],
) -> Vec<CompletionItem> {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    let names = |pick: &dyn Fn(&Symbol) -> Option<String>, kind| -> Vec<CompletionItem> {
        let unique: BTreeSet<String> = decls.iter().filter_map(pick).collect();
        unique
            .iter()
            .map(|n| item(n, kind, None, None, None, None))
            .collect()
    };
    let attrs = |schema: Option<&ResourceSchema>| -> Vec<CompletionItem> {
        schema
            .map(|s| {
                s.attributes
                    .iter()
                    .map(|(n, a)| {
                        item(
                            n,
                            CompletionItemKind::FIELD,
                            Some(a.ty.to_string()),
                            Some(attribute_doc(n, a)),
                            None,
                            None,
                        )
                    })
                    .chain(
                        s.blocks
                            .keys()
                            .map(|n| item(n, CompletionItemKind::STRUCT, None, None, None, None)),
                    )
                    .collect()
            })
            .unwrap_or_default()
    };
    match parts.as_slice() {
        [_] => {
            let mut out: Vec<CompletionItem> = ROOTS
                .iter()
                .map(|(n, d)| {
                    item(
                        n,
                        CompletionItemKind::KEYWORD,
                        Some((*d).to_string()),
                        None,
                        None,
                        None,
                    )
                })
                .collect();
            out.extend(names(
                &|s| matches!(s, Symbol::Resource(..)).then(|| resource_type(s)),
                CompletionItemKind::CLASS,
            ));
            out.extend(function_items(decls));
            out
        }
        ["var", _] => names(
            &|s| matches!(s, Symbol::Variable(_)).then(|| s.name().to_string()),
            CompletionItemKind::VARIABLE,
        ),
        ["local", _] => names(
            &|s| matches!(s, Symbol::Local(_)).then(|| s.name().to_string()),
            CompletionItemKind::VARIABLE,
        ),
        ["const", _] => names(
            &|s| matches!(s, Symbol::Const(_)).then(|| s.name().to_string()),
            CompletionItemKind::CONSTANT,
        ),
        ["module", _] => names(
            &|s| matches!(s, Symbol::Module(_)).then(|| s.name().to_string()),
            CompletionItemKind::MODULE,
        ),
        ["data", _] => names(
            &|s| matches!(s, Symbol::Data(..)).then(|| resource_type(s)),
            CompletionItemKind::CLASS,
        ),
        ["data", t, _] => names(
            &|s| {
                matches!(s, Symbol::Data(dt, _) if dt.as_str() == *t).then(|| s.name().to_string())
            },
            CompletionItemKind::VARIABLE,
        ),
        ["data", t, _, _] => attrs(providers.schema(t, true)),
        ["each", _] => ["key", "value"]
            .iter()
            .map(|n| item(n, CompletionItemKind::PROPERTY, None, None, None, None))
            .collect(),
        ["count", _] => vec![item(
            "index",
            CompletionItemKind::PROPERTY,
            None,
            None,
            None,
            None,
        )],
        ["path", _] => ["module", "root", "cwd"]
            .iter()
            .map(|n| item(n, CompletionItemKind::PROPERTY, None, None, None, None))
            .collect(),
        ["terraform", _] => vec![item(
            "workspace",
            CompletionItemKind::PROPERTY,
            None,
            None,
            None,
            None,
        )],
        ["self", _] => attrs(blocks.first().and_then(|b| block_schema(providers, &[b]))),
        [t, _] => names(
            &|s| {
                matches!(s, Symbol::Resource(rt, _) if rt.as_str() == *t)
                    .then(|| s.name().to_string())
            },
            CompletionItemKind::VARIABLE,
        ),
        [t, _, _] => attrs(providers.schema(t, false)),
        _ => Vec::new(),
    }
}

fn resource_type(s: &Symbol) -> String {
    match s {
        Symbol::Resource(t, _) | Symbol::Data(t, _) => t.clone(),
        _ => String::new(),
    }
}

/// Built-in functions and the module's own, with parameter snippets.
fn function_items(decls: &BTreeSet<Symbol>) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = infra_stdlib::FUNCTIONS
        .iter()
        .map(|sig| {
            let params: Vec<String> = sig
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| format!("${{{}:{}}}", i + 1, p.trim_end_matches("...")))
                .collect();
            item(
                sig.name,
                CompletionItemKind::FUNCTION,
                function_signature(sig.name),
                function_doc(sig.name),
                Some(format!("{}({})", sig.name, params.join(", "))),
                None,
            )
        })
        .collect();
    for s in decls {
        if let Symbol::Function(n) = s {
            out.push(item(
                n,
                CompletionItemKind::FUNCTION,
                Some("user function".into()),
                None,
                Some(format!("{n}($1)")),
                None,
            ));
        }
    }
    out
}

/// Top-level block types with their labels as placeholders.
fn block_type_items() -> Vec<CompletionItem> {
    BLOCK_TYPES
        .iter()
        .map(|spec| {
            let mut snippet = spec.name.to_string();
            for (i, l) in spec.labels.iter().enumerate() {
                snippet.push_str(&format!(" \"${{{}:{l}}}\"", i + 1));
            }
            snippet.push_str(" {\n  $0\n}");
            item(
                spec.name,
                CompletionItemKind::KEYWORD,
                Some(spec.summary.to_string()),
                None,
                Some(snippet),
                None,
            )
        })
        .collect()
}

/// The arguments and nested blocks of the innermost of `blocks` not yet
/// set (`set`): from the provider schema for `resource`/`data` (required
/// first), else from the block type's table.
fn argument_items(
    providers: &Providers,
    blocks: &[&Block],
    set: &BTreeSet<&str>,
) -> Vec<CompletionItem> {
    let mut out = Vec::new();
    let attr_item = |n: &str, detail: Option<String>, doc: Option<String>, sort: &str| {
        item(
            n,
            CompletionItemKind::FIELD,
            detail,
            doc,
            Some(format!("{n} = $0")),
            Some(format!("{sort}{n}")),
        )
    };
    let block_item = |n: &str, sort: &str| {
        item(
            n,
            CompletionItemKind::STRUCT,
            Some("block".into()),
            None,
            Some(format!("{n} {{\n  $0\n}}")),
            Some(format!("{sort}{n}")),
        )
    };
    if let Some(schema) = block_schema(providers, blocks) {
        for (n, a) in &schema.attributes {
            if a.read_only() || set.contains(n.as_str()) {
                continue;
            }
            let detail = format!("{} ({})", a.ty, attribute_flags(a));
            let sort = if a.required { "0_" } else { "1_" };
            out.push(attr_item(n, Some(detail), Some(attribute_doc(n, a)), sort));
        }
        for (n, nb) in &schema.blocks {
            out.push(block_item(n, if nb.min_items > 0 { "0_" } else { "1_" }));
        }
    }
    if blocks.len() == 1 && matches!(blocks[0].kind.name.as_str(), "resource" | "data") {
        for m in RESOURCE_META {
            if *m == "lifecycle" {
                out.push(block_item(m, "2_"));
            } else if !set.contains(m) {
                out.push(attr_item(m, Some("meta-argument".into()), None, "2_"));
            }
        }
    } else if let [top] = blocks
        && let Some(spec) = BLOCK_TYPES.iter().find(|s| s.name == top.kind.name)
    {
        for n in spec.attributes.unwrap_or(&[]) {
            if !set.contains(n) {
                out.push(attr_item(n, None, None, "1_"));
            }
        }
        for n in spec.blocks.unwrap_or(&[]) {
            out.push(block_item(n, "1_"));
        }
    }
    out
}

/// One completion item; `snippet` is inserted as an LSP snippet.
fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
    snippet: Option<String>,
    sort: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        insert_text_format: snippet.as_ref().map(|_| InsertTextFormat::SNIPPET),
        insert_text: snippet,
        sort_text: sort,
        ..CompletionItem::default()
    }
}
