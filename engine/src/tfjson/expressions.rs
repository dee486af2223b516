//! `expressions` of a resource in `show -json`'s `configuration`: each
//! argument's constant value, or the references it makes, as Terraform's
//! `internal/command/jsonconfig/expression.go` marshals them (a reference
//! is listed with each shorter prefix of its traversal down to the object
//! it names, plus the resource or module call without its key).

use crate::config::meta;
use infra_lang::SourceFile;
use infra_lang::ast::{Block, Expr, ExprKind, TemplatePart};
use serde_json::{Value as Json, json};
use std::sync::Arc;

/// One expression: `{"constant_value": V}` when it evaluates without any
/// reference or function call (HCL's evaluation without a context),
/// `{"references": [...]}` when it makes references, `{}` otherwise.
pub fn expression(source: &Arc<SourceFile>, expr: &Expr) -> Json {
    let mut m = serde_json::Map::new();
    if let Ok(v) = infra_lang::eval::eval_constant(source, expr)
        && let Ok(j) = infra_lang::value::to_json(&v)
    {
        m.insert("constant_value".into(), j);
    }
    let mut refs = Vec::new();
    collect(expr, &mut Vec::new(), &mut refs);
    if !refs.is_empty() {
        m.insert("references".into(), json!(refs));
    }
    Json::Object(m)
}

/// The `expressions` of a resource or data block's body: its arguments
/// other than the meta-arguments, and nested blocks (other than
/// `lifecycle`, `provisioner`, `connection` and `dynamic`) as a list of
/// their `expressions` each. Without the provider's schema at hand, every
/// nested block type is written as Terraform writes list and set nesting.
pub fn body_expressions(source: &Arc<SourceFile>, block: &Block, top: bool) -> Json {
    let mut m = serde_json::Map::new();
    for a in block.body.attributes() {
        if top && meta::RESOURCE_ARGS.contains(&a.name.name.as_str()) {
            continue;
        }
        m.insert(a.name.name.clone(), expression(source, &a.expr));
    }
    for nb in block.body.blocks() {
        let kind = nb.kind.name.as_str();
        if kind == meta::DYNAMIC || (top && meta::RESOURCE_BLOCKS.contains(&kind)) {
            continue;
        }
        let entry = m.entry(kind.to_string()).or_insert_with(|| json!([]));
        if let Json::Array(items) = entry {
            items.push(body_expressions(source, nb, false));
        }
    }
    Json::Object(m)
}

/// One step of a traversal.
enum Step {
    Attr(String),
    Index(Json),
}

/// `expr` as a root name and steps (attributes and literal indexes), as
/// HCL's traversals are; `None` for anything else.
fn traversal(expr: &Expr) -> Option<(&str, Vec<Step>)> {
    match &expr.kind {
        ExprKind::Variable(id) => Some((id.name.as_str(), Vec::new())),
        ExprKind::GetAttr { object, name } => {
            let (root, mut steps) = traversal(object)?;
            steps.push(Step::Attr(name.name.clone()));
            Some((root, steps))
        }
        ExprKind::Index {
            collection, key, ..
        } => {
            let k = match &key.kind {
                ExprKind::Number(n) => match n.parse::<i64>() {
                    Ok(i) => json!(i),
                    Err(_) => json!(n.parse::<f64>().ok()?),
                },
                ExprKind::Template(t) => json!(t.as_literal()?),
                _ => return None,
            };
            let (root, mut steps) = traversal(collection)?;
            steps.push(Step::Index(k));
            Some((root, steps))
        }
        _ => None,
    }
}

/// Walks `expr`, adding the references of every traversal not rooted at
/// a name `bound` by an enclosing `for` (a template's `%{ for }`
/// variables count for the whole template). A bare object key is a root
/// without steps, which names nothing.
fn collect(expr: &Expr, bound: &mut Vec<String>, out: &mut Vec<String>) {
    if let Some((root, steps)) = traversal(expr) {
        if !bound.iter().any(|b| b == root) {
            reference(root, &steps, out);
        }
        return;
    }
    let before = bound.len();
    match &expr.kind {
        ExprKind::For(f) => {
            bound.extend(f.key_var.iter().map(|k| k.name.clone()));
            bound.push(f.value_var.name.clone());
        }
        ExprKind::Template(t) => directive_vars(&t.parts, bound),
        _ => {}
    }
    expr.for_each_child(&mut |e| collect(e, bound, out));
    bound.truncate(before);
}

/// The variables of the `%{ for }` directives in `parts`, added to `out`.
fn directive_vars(parts: &[TemplatePart], out: &mut Vec<String>) {
    for p in parts {
        if let TemplatePart::For {
            key_var,
            value_var,
            body,
            ..
        } = p
        {
            out.extend(key_var.iter().map(|k| k.name.clone()));
            out.push(value_var.name.clone());
            directive_vars(body, out);
        } else if let TemplatePart::If {
            then_parts,
            else_parts,
            ..
        } = p
        {
            directive_vars(then_parts, out);
            directive_vars(else_parts, out);
        }
    }
}

fn step_text(step: &Step) -> String {
    match step {
        Step::Attr(name) => format!(".{name}"),
        Step::Index(Json::String(s)) => format!("[{}]", json!(s)),
        Step::Index(n) => format!("[{n}]"),
    }
}

/// The strings Terraform lists for one reference (`addrs.ParseRef`'s
/// subject and remaining traversal); nothing for a root it does not know.
fn reference(root: &str, steps: &[Step], out: &mut Vec<String>) {
    let attr = |i: usize| match steps.get(i) {
        Some(Step::Attr(n)) => Some(n.as_str()),
        _ => None,
    };
    let index = |i: usize| match steps.get(i) {
        Some(s @ Step::Index(_)) => Some(step_text(s)),
        _ => None,
    };
    // (subject, steps it takes, what to add after the subject)
    let (subject, used, extra): (String, usize, Option<String>) = match root {
        "var" | "local" | "count" | "each" | "path" | "terraform" => {
            let Some(name) = attr(0) else { return };
            (format!("{root}.{name}"), 1, None)
        }
        "self" => ("self".to_string(), 0, None),
        "module" => {
            let Some(name) = attr(0) else { return };
            let call = format!("module.{name}");
            let key = index(1);
            let at = if key.is_some() { 2 } else { 1 };
            let instance = format!("{call}{}", key.clone().unwrap_or_default());
            match attr(at) {
                Some(output) => (format!("{instance}.{output}"), at + 1, Some(instance)),
                None => (instance, at, key.map(|_| call)),
            }
        }
        _ => {
            let (prefix, first) = if root == "data" {
                let Some(ty) = attr(0) else { return };
                (format!("data.{ty}"), 1)
            } else {
                (root.to_string(), 0)
            };
            let Some(name) = attr(first) else { return };
            let resource = format!("{prefix}.{name}");
            match index(first + 1) {
                Some(key) => (format!("{resource}{key}"), first + 2, Some(resource)),
                None => (resource, first + 1, None),
            }
        }
    };
    let remaining = &steps[used.min(steps.len())..];
    for n in (1..=remaining.len()).rev() {
        let tail: String = remaining[..n].iter().map(step_text).collect();
        out.push(format!("{subject}{tail}"));
    }
    out.push(subject);
    out.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Json {
        let source = SourceFile::new("t.infra", text);
        let expr = infra_lang::syntax::parse_expr(&source).expect("parses");
        expression(&source, &expr)
    }

    #[test]
    fn constants_and_references_as_terraform_marshals_them() {
        assert_eq!(of("4"), json!({"constant_value": 4}));
        assert_eq!(of("[\"a\", true]"), json!({"constant_value": ["a", true]}));
        assert_eq!(of("upper(\"a\")"), json!({}));
        assert_eq!(
            of("random_id.a.hex"),
            json!({"references": ["random_id.a.hex", "random_id.a"]})
        );
        assert_eq!(
            of("\"${random_id.b[0].hex}-${var.x}\""),
            json!({"references": ["random_id.b[0].hex", "random_id.b[0]", "random_id.b", "var.x"]})
        );
        assert_eq!(
            of("module.m.out.x"),
            json!({"references": ["module.m.out.x", "module.m.out", "module.m"]})
        );
        assert_eq!(
            of("[for k, v in data.t.n.list : v if k != local.skip]"),
            json!({"references": ["data.t.n.list", "data.t.n", "local.skip"]})
        );
        assert_eq!(of("aws_x.y[*].id"), json!({"references": ["aws_x.y"]}));
        assert_eq!(
            of("a.b[\"k\"]"),
            json!({"references": ["a.b[\"k\"]", "a.b"]})
        );
    }
}
