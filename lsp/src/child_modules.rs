//! Child modules in the editor: `module.NAME.` completes the outputs of
//! the module `NAME` calls (a local `source = "./dir"`), and go to
//! definition on `module.NAME.OUTPUT` opens that `output` block, and on an
//! argument of the `module` block the child's `variable` block. The
//! child's files are read from disk (`config::load_dir`).

use crate::documents::Module;
use crate::nodes::{attribute_at, innermost_expr, touches};
use infra_lang::ast::{Attribute, Block, BodyItem, Expr, ExprKind, File, Ident};
use lsp_types::{CompletionItem, CompletionItemKind, Location, Range, Url};
use std::path::PathBuf;

/// The directory of module call `name` in `module` (or in `current`, the
/// file being edited, which may not parse as a whole), when its `source`
/// is a local path (`./x`, `../x`).
pub fn child_dir(module: &Module, current: Option<&File>, name: &str) -> Option<PathBuf> {
    let files = current
        .into_iter()
        .chain(module.files.iter().map(|f| &f.ast));
    files.into_iter().find_map(|f| {
        f.body.items.iter().find_map(|i| match i {
            BodyItem::Block(b)
                if b.kind.name == "module" && b.labels.first().is_some_and(|l| l.value == name) =>
            {
                infra_engine::config::local_source_dir(&module.dir, b)
            }
            _ => None,
        })
    })
}

/// The `output` blocks of the module in `dir`, with the file each is in.
fn outputs(dir: &std::path::Path) -> Vec<(infra_engine::config::ParsedFile, Vec<Block>)> {
    let (files, _) = infra_engine::config::load_dir(dir);
    files
        .into_iter()
        .map(|f| {
            let blocks: Vec<Block> = f
                .ast
                .body
                .items
                .iter()
                .filter_map(|i| match i {
                    BodyItem::Block(b) if b.kind.name == "output" && !b.labels.is_empty() => {
                        Some(b.clone())
                    }
                    _ => None,
                })
                .collect();
            (f, blocks)
        })
        .collect()
}

/// Completion items for `module.NAME.`: the child's outputs, with their
/// descriptions.
pub fn output_items(module: &Module, current: Option<&File>, name: &str) -> Vec<CompletionItem> {
    let Some(dir) = child_dir(module, current, name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (f, blocks) in outputs(&dir) {
        for b in blocks {
            let Some(label) = b.labels.first() else {
                continue;
            };
            let doc = b
                .body
                .attribute("description")
                .and_then(|a| match &a.expr.kind {
                    ExprKind::Template(t) => t.as_literal(),
                    _ => None,
                });
            let value = b
                .body
                .attribute("value")
                .and_then(|a| f.source.text().get(a.expr.span.start..a.expr.span.end))
                .map(|v| format!("output of module `{name}`: {v}"));
            out.push(CompletionItem {
                label: label.value.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: value,
                documentation: doc.map(lsp_types::Documentation::String),
                ..CompletionItem::default()
            });
        }
    }
    out
}

/// The `output` block `module.NAME.OUTPUT` names when the cursor at
/// `offset` of file `file` is on `OUTPUT`.
pub fn output_definition(module: &Module, file: usize, offset: usize) -> Option<Location> {
    let (call, out) = output_ref_at(module, file, offset)?;
    let dir = child_dir(module, None, &call)?;
    declaration(&dir, "output", &out.name)
}

/// `(NAME, OUTPUT)` when the cursor at `offset` of file `file` is on the
/// `OUTPUT` of a `module.NAME.OUTPUT` reference.
pub fn output_ref_at(module: &Module, file: usize, offset: usize) -> Option<(String, &Ident)> {
    let f = module.files.get(file)?;
    let (_, attr) = attribute_at(&f.ast, offset)?;
    let e = innermost_expr(&attr.expr, offset);
    let ExprKind::GetAttr { object, name: out } = &e.kind else {
        return None;
    };
    if !touches(out.span, offset) {
        return None;
    }
    let call = module_call_name(object)?;
    Some((call.to_string(), out))
}

/// `NAME` when `object` is `module.NAME`.
pub fn module_call_name(object: &Expr) -> Option<&str> {
    let ExprKind::GetAttr { object: root, name } = &object.kind else {
        return None;
    };
    matches!(&root.kind, ExprKind::Variable(v) if v.name == "module").then_some(name.name.as_str())
}

/// The child's `variable` block an argument of a `module` block sets,
/// when the cursor at `offset` of file `file` is on the argument's name
/// (`token = ...` inside `module "c" { ... }`).
pub fn variable_definition(module: &Module, file: usize, offset: usize) -> Option<Location> {
    let (call, attr) = argument_at(module, file, offset)?;
    let dir = child_dir(module, None, &call.labels.first()?.value)?;
    declaration(&dir, "variable", &attr.name.name)
}

/// The `module` block and its argument when the cursor at `offset` of
/// file `file` is on the name of an argument that sets a child's
/// variable (not a meta-argument such as `source` or `count`).
pub fn argument_at(module: &Module, file: usize, offset: usize) -> Option<(&Block, &Attribute)> {
    let f = module.files.get(file)?;
    let (blocks, attr) = attribute_at(&f.ast, offset)?;
    let [call] = blocks.as_slice() else {
        return None;
    };
    let meta = infra_engine::config::meta::MODULE_ARGS.contains(&attr.name.name.as_str());
    (call.kind.name == "module" && !meta && touches(attr.name.span, offset))
        .then_some((*call, attr))
}

/// Where the module in `dir` declares the `kind` block labelled `name`:
/// the location of its label.
fn declaration(dir: &std::path::Path, kind: &str, name: &str) -> Option<Location> {
    let (files, _) = infra_engine::config::load_dir(dir);
    files.iter().find_map(|pf| {
        let label = pf
            .ast
            .body
            .blocks()
            .filter(|b| b.kind.name == kind)
            .find_map(|b| b.labels.first().filter(|l| l.value == name))?;
        let lines = crate::position::Lines::new(pf.source.text());
        let range: Range = lines.range(pf.source.text(), label.span);
        Some(Location::new(
            Url::from_file_path(dir.join(pf.source.path())).ok()?,
            range,
        ))
    })
}
