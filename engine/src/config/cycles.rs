//! Cycles among consts, local values and user functions: `local.a` using `local.b`
//! using `local.a`, or a function that (directly or through others) calls
//! itself. Each cycle is reported once, with its path.

use super::ParsedFile;
use super::index::Declarations;
use infra_lang::ast::{Expr, ExprKind};
use infra_lang::diagnostic::Diagnostic;
use infra_lang::{SourceFile, Span};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A node of the dependency graph: `local.NAME` or `NAME()` for a function.
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
        let (code, message, help) = if only_functions {
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
