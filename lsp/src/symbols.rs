//! Document symbols (the outline: blocks, locals, nested blocks) and
//! workspace symbols (declarations of every module the editor has open).

use crate::documents::Module;
use crate::occurrences::declared;
use crate::position::Lines;
use infra_lang::ast::{Block, Body, BodyItem, File};
use lsp_types::{DocumentSymbol, Location, SymbolInformation, SymbolKind};

/// Deepest nesting the outline shows.
const MAX_DEPTH: usize = 16;

/// The outline of `file`.
pub fn document_symbols(file: &File, text: &str, lines: &Lines) -> Vec<DocumentSymbol> {
    body_symbols(&file.body, text, lines, 0)
}

fn body_symbols(body: &Body, text: &str, lines: &Lines, depth: usize) -> Vec<DocumentSymbol> {
    if depth >= MAX_DEPTH {
        return Vec::new();
    }
    let mut out = Vec::new();
    for item in &body.items {
        match item {
            BodyItem::Attribute(a) => {
                out.push(symbol(
                    a.name.name.clone(),
                    None,
                    if depth == 1 {
                        SymbolKind::VARIABLE
                    } else {
                        SymbolKind::FIELD
                    },
                    lines.range(text, a.span),
                    lines.range(text, a.name.span),
                    None,
                ));
            }
            BodyItem::Block(b) => {
                let selection = b.labels.last().map_or(b.kind.span, |l| l.span);
                let children = body_symbols(&b.body, text, lines, depth + 1);
                out.push(symbol(
                    title(b),
                    Some(b.kind.name.clone()),
                    kind(b, depth),
                    lines.range(text, b.span),
                    lines.range(text, selection),
                    Some(children),
                ));
            }
        }
    }
    out
}

#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    range: lsp_types::Range,
    selection_range: lsp_types::Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children,
    }
}

/// How a block is named in an outline: its address where it has one
/// (`aws_s3_bucket.logs`, `var.region`), else its type and labels.
fn title(b: &Block) -> String {
    let label = |i: usize| b.labels.get(i).map_or("", |l| l.value.as_str());
    match b.kind.name.as_str() {
        "resource" if b.labels.len() == 2 => format!("{}.{}", label(0), label(1)),
        "data" if b.labels.len() == 2 => format!("data.{}.{}", label(0), label(1)),
        "variable" => format!("var.{}", label(0)),
        "module" => format!("module.{}", label(0)),
        "const" => format!("const.{}", label(0)),
        _ => {
            let mut s = b.kind.name.clone();
            for l in &b.labels {
                s.push_str(&format!(" \"{}\"", l.value));
            }
            s
        }
    }
}

fn kind(b: &Block, depth: usize) -> SymbolKind {
    if depth > 0 {
        return SymbolKind::STRUCT;
    }
    match b.kind.name.as_str() {
        "resource" | "data" => SymbolKind::CLASS,
        "variable" => SymbolKind::VARIABLE,
        "const" => SymbolKind::CONSTANT,
        "locals" => SymbolKind::NAMESPACE,
        "output" => SymbolKind::PROPERTY,
        "function" => SymbolKind::FUNCTION,
        "module" => SymbolKind::MODULE,
        "provider" | "backend" | "terraform" | "infra" => SymbolKind::PACKAGE,
        _ => SymbolKind::OBJECT,
    }
}

/// The declarations of `module` whose address contains `query` (any
/// case), for the workspace symbol search.
#[allow(deprecated)] // `deprecated` is a required field of the struct.
pub fn workspace_symbols(module: &Module, query: &str) -> Vec<SymbolInformation> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for (fi, f) in module.files.iter().enumerate() {
        let text = f.source.text();
        let Some(uri) = module.uri_of(fi) else {
            continue;
        };
        for item in &f.ast.body.items {
            let BodyItem::Block(b) = item else { continue };
            let mut named = Vec::new();
            if b.kind.name == "locals" {
                named.extend(b.body.attributes().map(|a| {
                    (
                        format!("local.{}", a.name.name),
                        a.span,
                        SymbolKind::VARIABLE,
                    )
                }));
            } else if declared(text, b).is_some() {
                named.push((title(b), b.span, kind(b, 0)));
            }
            for (name, span, kind) in named {
                if !name.to_lowercase().contains(&query) {
                    continue;
                }
                let Some(range) = module.range(fi, span) else {
                    continue;
                };
                out.push(SymbolInformation {
                    name,
                    kind,
                    tags: None,
                    deprecated: None,
                    location: Location::new(uri.clone(), range),
                    container_name: None,
                });
            }
        }
    }
    out
}
