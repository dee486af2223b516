//! Inlay hints: the declared type after each `var.NAME` reference (and
//! its default's value), the value after `local.NAME` and `const.NAME`
//! when it is a constant (`constants.rs`; one line, cut to
//! [`MAX_VALUE`] characters), the result type after a function call when
//! it is known without running it, and `(known after apply)` after a
//! reference to a resource attribute whose value the provider computes
//! (one the configuration does not set), as the plan would show it.

use crate::constants::{Constants, short};
use crate::documents::Module;
use crate::nodes::each_expr;
use infra_engine::provider::Providers;
use infra_lang::ast::{Block, BodyItem, Expr, ExprKind};
use infra_lang::types::Type;
use infra_stdlib::Returns;
use lsp_types::{InlayHint, InlayHintKind, InlayHintLabel};
use std::collections::BTreeMap;

/// Most hints returned for one request (a huge file is cut, not slow).
const MAX_HINTS: usize = 2_000;

/// Longest value shown in a hint, in characters.
pub const MAX_VALUE: usize = 40;

/// The hints of file `file` of `module` whose position is within the
/// byte range `from..=to`.
pub fn inlay_hints(
    module: &Module,
    providers: &Providers,
    file: usize,
    from: usize,
    to: usize,
) -> Vec<InlayHint> {
    let Some(f) = module.files.get(file) else {
        return Vec::new();
    };
    let Some(lines) = module.lines.get(file) else {
        return Vec::new();
    };
    let text = f.source.text();
    let types = variable_types(module);
    let resources = resource_blocks(module);
    let functions = user_function_results(module);
    let constants = Constants::new(module);
    let value = |root: &str, name: &str| {
        constants
            .value(root, name)
            .map(|v| format!(" = {}", short(&v, MAX_VALUE)))
    };
    let mut hints = Vec::new();
    each_expr(&f.ast.body, &mut |_, _, e| {
        if hints.len() >= MAX_HINTS || e.span.end < from || e.span.end > to {
            return;
        }
        let label = match &e.kind {
            ExprKind::FunctionCall { name, .. } => {
                result_type(&constants, file, e, &name.name, &functions).map(|t| format!(": {t}"))
            }
            ExprKind::GetAttr { object, name } => match &object.kind {
                ExprKind::Variable(root) if root.name == "var" => types
                    .get(name.name.as_str())
                    .map(|t| format!(": {t}{}", value("var", &name.name).unwrap_or_default())),
                ExprKind::Variable(root) if matches!(root.name.as_str(), "local" | "const") => {
                    value(&root.name, &name.name)
                }
                ExprKind::GetAttr {
                    object: root,
                    name: res,
                } => match &root.kind {
                    ExprKind::Variable(ty) => {
                        computed(providers, &resources, &ty.name, &res.name, &name.name)
                            .then(|| " (known after apply)".to_string())
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if let Some(label) = label {
            hints.push(InlayHint {
                position: lines.position(text, e.span.end),
                label: InlayHintLabel::String(label),
                kind: Some(InlayHintKind::TYPE),
                text_edits: None,
                tooltip: None,
                padding_left: None,
                padding_right: None,
                data: None,
            });
        }
    });
    hints.sort_by_key(|h| (h.position.line, h.position.character));
    hints
}

/// Each `variable` block's declared type as written (`any` without one).
fn variable_types(module: &Module) -> BTreeMap<&str, String> {
    let mut out = BTreeMap::new();
    for f in &module.files {
        let text = f.source.text();
        for b in top_blocks(&f.ast.body.items, "variable") {
            let Some(name) = b.labels.first() else {
                continue;
            };
            let ty = b
                .body
                .attribute("type")
                .map_or_else(|| "any".to_string(), |a| one_line(text, a.expr.span));
            out.insert(name.value.as_str(), ty);
        }
    }
    out
}

/// The result type of call `e` (of function `name`, in file `file`):
/// the built-in function's fixed result type, the type of the value when
/// the call is a constant, or a user function's declared `result`.
fn result_type(
    constants: &Constants<'_>,
    file: usize,
    e: &Expr,
    name: &str,
    functions: &BTreeMap<&str, String>,
) -> Option<String> {
    if let Some(t) = functions.get(name) {
        return Some(t.clone());
    }
    let fixed = match infra_stdlib::builtin(name)?.returns {
        Returns::String => Some(Type::String),
        Returns::Number => Some(Type::Number),
        Returns::Bool => Some(Type::Bool),
        Returns::Any => None,
    };
    fixed
        .or_else(|| constants.eval(file, e).map(|v| v.type_of()))
        .map(|t| t.to_string())
}

/// Each user `function` block's declared `result` type, as written.
fn user_function_results(module: &Module) -> BTreeMap<&str, String> {
    let mut out = BTreeMap::new();
    for f in &module.files {
        for b in top_blocks(&f.ast.body.items, "function") {
            if let (Some(name), Some(r)) = (b.labels.first(), b.body.attribute("result")) {
                out.insert(name.value.as_str(), one_line(f.source.text(), r.expr.span));
            }
        }
    }
    out
}

/// The text of `span` on one line.
fn one_line(text: &str, span: infra_lang::Span) -> String {
    text.get(span.start..span.end)
        .unwrap_or("any")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The module's `resource` blocks by `(type, name)`.
fn resource_blocks(module: &Module) -> BTreeMap<(&str, &str), &Block> {
    let mut out = BTreeMap::new();
    for f in &module.files {
        for b in top_blocks(&f.ast.body.items, "resource") {
            if let [ty, name, ..] = b.labels.as_slice() {
                out.insert((ty.value.as_str(), name.value.as_str()), b);
            }
        }
    }
    out
}

fn top_blocks<'a>(items: &'a [BodyItem], kind: &'a str) -> impl Iterator<Item = &'a Block> {
    items.iter().filter_map(move |i| match i {
        BodyItem::Block(b) if b.kind.name == kind => Some(b),
        _ => None,
    })
}

/// True when `TYPE.NAME.ATTR` names a declared resource's attribute that
/// its provider computes and its block does not set.
fn computed(
    providers: &Providers,
    resources: &BTreeMap<(&str, &str), &Block>,
    ty: &str,
    name: &str,
    attr: &str,
) -> bool {
    let Some(block) = resources.get(&(ty, name)) else {
        return false;
    };
    let Some(a) = providers
        .schema(ty, false)
        .and_then(|s| s.attributes.get(attr))
    else {
        return false;
    };
    a.computed && block.body.attribute(attr).is_none()
}
