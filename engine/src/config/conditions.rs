//! `validate`'s checks of custom conditions: the `precondition` and
//! `postcondition` blocks of a resource's or data source's `lifecycle`,
//! an output's `precondition` and a `check` block's `assert`. Mirrors
//! Terraform's `internal/configs/checks.go`: both arguments are required,
//! a condition must refer to something (else it checks nothing), a
//! resource's conditions may not name the resource itself (`self` does),
//! and `self` exists only in a postcondition. A condition written as a
//! literal that is not a bool is refused here too.

use super::decl::{self, ConditionDecl};
use super::meta;
use crate::addr::ResourceMode;
use infra_lang::ast::{Block, Expr, ExprKind};
use infra_lang::{Diagnostic, SourceFile};
use std::sync::Arc;

/// The names a reference may start with besides a resource type.
const ROOTS: &[&str] = &[
    "var",
    "local",
    "const",
    "data",
    "module",
    "self",
    "each",
    "count",
    "path",
    "terraform",
    "infra",
];

/// Checks the conditions of top-level block `b` of file `src` (a
/// `resource`, `data`, `output` or `check`; others have none), adding
/// errors to `diags`. `is_type` tells whether a name is a declared
/// resource type (a reference's first word).
pub(crate) fn check(
    src: &Arc<SourceFile>,
    b: &Block,
    is_type: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) {
    let mut each = |c: ConditionDecl<'_>, kind: &str, own: Option<(&str, &str)>| {
        rule(src, &c, kind, own, is_type, diags);
    };
    match b.kind.name.as_str() {
        kind @ ("resource" | "data") => {
            let mode = if kind == "data" {
                ResourceMode::Data
            } else {
                ResourceMode::Managed
            };
            let d = decl::resource(mode, b);
            let own_type = if mode == ResourceMode::Data {
                None
            } else {
                Some((d.type_name, d.name))
            };
            if let Some(l) = d.lifecycle {
                for c in l.conditions(false) {
                    each(c, meta::PRECONDITION, own_type);
                }
                for c in l.conditions(true) {
                    each(c, meta::POSTCONDITION, own_type);
                }
            }
        }
        "output" => {
            for c in decl::output(b).preconditions() {
                each(c, meta::PRECONDITION, None);
            }
        }
        "check" => {
            for c in decl::check(b).asserts {
                each(c, meta::ASSERT, None);
            }
        }
        _ => {}
    }
}

/// One condition block `c` of kind `kind` (`precondition`,
/// `postcondition`, `assert`); `own` is the enclosing managed resource's
/// type and name.
fn rule(
    src: &Arc<SourceFile>,
    c: &ConditionDecl<'_>,
    kind: &str,
    own: Option<(&str, &str)>,
    is_type: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) {
    let err = |code, message: String, span, label: &str, help: &str| {
        Diagnostic::error(code, message)
            .in_file(src)
            .primary(span, label.to_string())
            .with_help(help.to_string())
    };
    for (arg, present) in [
        (meta::CONDITION, c.condition.is_some()),
        (meta::ERROR_MESSAGE, c.error_message.is_some()),
    ] {
        if !present {
            diags.push(err(
                "condition::missing-argument",
                format!("{} `{kind}` block needs `{arg}`", article(kind)),
                c.block.kind.span,
                "incomplete",
                "Write both `condition = BOOL` and `error_message = \"...\"`.",
            ));
        }
    }
    let Some(cond) = c.condition else {
        return;
    };
    if matches!(
        cond.expr.kind,
        ExprKind::Null
            | ExprKind::Number(_)
            | ExprKind::Tuple(_)
            | ExprKind::Object(_)
            | ExprKind::Template(_)
    ) {
        diags.push(err(
            "condition::not-bool",
            format!("{} `{kind}` condition must be true or false", article(kind)),
            cond.expr.span,
            "not a bool",
            "Write a comparison or another expression of type bool, e.g. `length(var.names) > 0`.",
        ));
        return;
    }
    let mut roots = Vec::new();
    roots_of(&cond.expr, &mut roots);
    for e in [Some(cond), c.error_message].into_iter().flatten() {
        let mut all = Vec::new();
        roots_of(&e.expr, &mut all);
        for (name, next, span) in all {
            if name == "self" && kind != meta::POSTCONDITION {
                diags.push(err(
                    "condition::self-not-allowed",
                    format!("`self` is not available in a `{kind}`"),
                    span,
                    "only in a postcondition",
                    "`self` is the object a resource's postcondition checks; a precondition runs before it exists.",
                ));
            } else if let Some((t, n)) = own
                && name == t
                && next.as_deref() == Some(n)
            {
                diags.push(err(
                    "condition::self-reference",
                    format!("the conditions of `{t}.{n}` may not refer to it by name"),
                    span,
                    "refers to the resource itself",
                    "Use `self` in a postcondition to check the resource's own attributes.",
                ));
            }
        }
    }
    let refers = roots
        .iter()
        .any(|(name, _, _)| ROOTS.contains(&name.as_str()) || is_type(name));
    if !refers {
        diags.push(err(
            "condition::no-reference",
            format!(
                "{} `{kind}` condition must refer to something in the configuration",
                article(kind)
            ),
            cond.expr.span,
            "a constant",
            "A condition that refers to nothing always gives the same answer, so it checks nothing (Terraform refuses it too). Refer to a variable, a resource, or `self`.",
        ));
    }
}

/// "an" before `assert`, else "a".
fn article(kind: &str) -> &'static str {
    if kind == meta::ASSERT { "an" } else { "a" }
}

/// Every reference root in `e`: its name, the attribute after it (a
/// resource's name), and its span.
fn roots_of(e: &Expr, out: &mut Vec<(String, Option<String>, infra_lang::Span)>) {
    match &e.kind {
        ExprKind::Variable(id) => out.push((id.name.clone(), None, id.span)),
        ExprKind::GetAttr { object, name } => {
            if let ExprKind::Variable(id) = &object.kind {
                out.push((
                    id.name.clone(),
                    Some(name.name.clone()),
                    id.span.to(name.span),
                ));
            } else {
                roots_of(object, out);
            }
        }
        _ => e.for_each_child(&mut |c| roots_of(c, out)),
    }
}
