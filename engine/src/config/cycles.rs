//! Cycles among consts, local values, user functions and resources:
//! `local.a` using `local.b` using `local.a`, a function that (directly or
//! through others) calls itself, or resources whose arguments (through
//! locals too) refer to each other in a ring. Each cycle is reported once,
//! with its path through the addresses and every referencing expression
//! labelled.

use super::ParsedFile;
use super::index::Declarations;
use infra_lang::ast::{Body, Expr, ExprKind};
use infra_lang::diagnostic::Diagnostic;
use infra_lang::{SourceFile, Span};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A node of the dependency graph: `local.NAME`, `const.NAME`, `NAME()`
/// for a function, `TYPE.NAME` for a resource, `data.TYPE.NAME`.
type Node = String;

struct Edge {
    to: Node,
    span: Span,
}

struct Graph {
    edges: BTreeMap<Node, (Arc<SourceFile>, Vec<Edge>)>,
}

fn uses(e: &Expr, decls: &Declarations, out: &mut Vec<Edge>) {
    match &e.kind {
        ExprKind::GetAttr { object, name } if resource_ref(object, &name.name, decls).is_some() => {
            if let Some(to) = resource_ref(object, &name.name, decls) {
                out.push(Edge { to, span: e.span });
            }
            // The object is the resource's type (or `data.TYPE`): nothing
            // more to find inside.
            return;
        }
        ExprKind::GetAttr { object, name } => {
            let declared = match &object.kind {
                ExprKind::Variable(v) if v.name == "local" => decls.locals.contains_key(&name.name),
                ExprKind::Variable(v) if v.name == "const" => decls.consts.contains_key(&name.name),
                _ => false,
            };
            if let (true, ExprKind::Variable(root)) = (declared, &object.kind) {
                out.push(Edge {
                    to: format!("{}.{}", root.name, name.name),
                    span: e.span,
                });
            }
        }
        ExprKind::FunctionCall { name, .. } if decls.functions.contains_key(&name.name) => {
            out.push(Edge {
                to: format!("{}()", name.name),
                span: name.span,
            });
        }
        _ => {}
    }
    e.for_each_child(&mut |c| uses(c, decls, out));
}

/// `TYPE.NAME` when `object.name` names a declared resource (`object` is
/// the bare type), `data.TYPE.NAME` for a declared data source.
fn resource_ref(object: &Expr, name: &str, decls: &Declarations) -> Option<Node> {
    match &object.kind {
        ExprKind::Variable(t) => {
            let address = format!("{}.{name}", t.name);
            decls.resources.contains_key(&address).then_some(address)
        }
        ExprKind::GetAttr {
            object: inner,
            name: t,
        } => match &inner.kind {
            ExprKind::Variable(d) if d.name == "data" => {
                let key = format!("{}.{name}", t.name);
                decls.data.contains_key(&key).then(|| format!("data.{key}"))
            }
            _ => None,
        },
        _ => None,
    }
}

/// References in every argument of a resource body and its nested blocks
/// (`ignore_changes` names attributes, not objects, and is skipped).
fn body_uses(body: &Body, decls: &Declarations, out: &mut Vec<Edge>) {
    for a in body.attributes() {
        if a.name.name != "ignore_changes" {
            uses(&a.expr, decls, out);
        }
    }
    for b in body.blocks() {
        body_uses(&b.body, decls, out);
    }
}

fn build(files: &[ParsedFile], decls: &Declarations) -> Graph {
    let mut edges = BTreeMap::new();
    for f in files {
        for b in f.ast.body.blocks() {
            match b.kind.name.as_str() {
                "locals" => {
                    for a in b.body.attributes() {
                        let mut out = Vec::new();
                        uses(&a.expr, decls, &mut out);
                        edges.insert(format!("local.{}", a.name.name), (f.source.clone(), out));
                    }
                }
                "const" => {
                    if let (Some(label), Some(d)) = (b.labels.first(), b.body.attribute("default"))
                    {
                        let mut out = Vec::new();
                        uses(&d.expr, decls, &mut out);
                        edges.insert(format!("const.{}", label.value), (f.source.clone(), out));
                    }
                }
                "resource" | "data" => {
                    if let (Some(t), Some(n)) = (b.labels.first(), b.labels.get(1)) {
                        let mut out = Vec::new();
                        body_uses(&b.body, decls, &mut out);
                        let prefix = if b.kind.name == "data" { "data." } else { "" };
                        edges.insert(
                            format!("{prefix}{}.{}", t.value, n.value),
                            (f.source.clone(), out),
                        );
                    }
                }
                "function" => {
                    if let (Some(label), Some(r)) = (b.labels.first(), b.body.attribute("result")) {
                        let mut out = Vec::new();
                        uses(&r.expr, decls, &mut out);
                        edges.insert(format!("{}()", label.value), (f.source.clone(), out));
                    }
                }
                _ => {}
            }
        }
    }
    Graph { edges }
}

/// Depth-first search that records each cycle found (as the list of nodes
/// from its first node back to it) once.
fn find_cycles(g: &Graph) -> Vec<Vec<Node>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        White,
        Grey,
        Black,
    }
    let mut color: BTreeMap<&str, Color> =
        g.edges.keys().map(|k| (k.as_str(), Color::White)).collect();
    let mut seen: BTreeSet<Vec<Node>> = BTreeSet::new();
    let mut cycles = Vec::new();
    for start in g.edges.keys() {
        if color.get(start.as_str()) != Some(&Color::White) {
            continue;
        }
        // Iterative DFS: (node, next edge index); `path` mirrors the stack.
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        color.insert(start.as_str(), Color::Grey);
        while let Some((node, i)) = stack.last().copied() {
            let next = g.edges.get(node).and_then(|(_, es)| es.get(i));
            let Some(edge) = next else {
                color.insert(node, Color::Black);
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            match color.get(edge.to.as_str()).copied() {
                Some(Color::White) => {
                    color.insert(edge.to.as_str(), Color::Grey);
                    stack.push((edge.to.as_str(), 0));
                }
                Some(Color::Grey) => {
                    let pos = stack.iter().position(|(n, _)| *n == edge.to).unwrap_or(0);
                    let mut cycle: Vec<Node> =
                        stack[pos..].iter().map(|(n, _)| n.to_string()).collect();
                    // Canonical rotation so each cycle is reported once.
                    let min = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, n)| n.as_str())
                        .map_or(0, |(i, _)| i);
                    cycle.rotate_left(min);
                    if seen.insert(cycle.clone()) {
                        cycles.push(cycle);
                    }
                }
                _ => {}
            }
        }
    }
    cycles
}

/// Reports every cycle among locals and functions.
pub(crate) fn check(files: &[ParsedFile], decls: &Declarations, diags: &mut Vec<Diagnostic>) {
    let g = build(files, decls);
    for cycle in find_cycles(&g) {
        let mut path: Vec<&str> = cycle.iter().map(String::as_str).collect();
        path.push(cycle[0].as_str());
        let shown = path.join(" → ");
        let only_functions = cycle.iter().all(|n| n.ends_with("()"));
        let is_value =
            |n: &str| n.starts_with("local.") || n.starts_with("const.") || n.ends_with("()");
        let through_resources = !cycle.iter().all(|n| is_value(n));
        let (code, message, help) = if through_resources {
            (
                "cycle::resources",
                format!("dependency cycle: {shown}"),
                "Resources cannot depend on each other in a ring: one of them must be created first. Remove one of these references (or `depends_on` entries), e.g. by moving the shared value into a variable or local.",
            )
        } else if only_functions {
            (
                "function::recursion",
                format!("recursive function call: {shown}"),
                "Functions cannot call themselves, directly or through other functions; rewrite it with a for expression.",
            )
        } else {
            (
                "cycle::locals",
                format!(
                    "cycle among {}: {shown}",
                    if cycle.iter().all(|n| n.starts_with("const.")) {
                        "consts"
                    } else {
                        "local values"
                    }
                ),
                "A value cannot depend on itself; break the cycle by computing one of these from other inputs.",
            )
        };
        let Some((source, edges)) = g.edges.get(&cycle[0]) else {
            continue;
        };
        let Some(first) = edges.iter().find(|e| e.to == cycle[1 % cycle.len()]) else {
            continue;
        };
        let mut d = Diagnostic::error(code, message)
            .in_file(source)
            .primary(
                first.span,
                format!("{} uses {}", cycle[0], cycle[1 % cycle.len()]),
            )
            .with_help(help);
        for (i, node) in cycle.iter().enumerate().skip(1) {
            let to = &cycle[(i + 1) % cycle.len()];
            if let Some((src, es)) = g.edges.get(node)
                && Arc::ptr_eq(src, source)
                && let Some(e) = es.iter().find(|e| &e.to == to)
            {
                d = d.secondary(e.span, format!("{node} uses {to}"));
            }
        }
        diags.push(d);
    }
}
