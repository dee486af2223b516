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
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A node of the dependency graph, by its label: `local.NAME`,
/// `const.NAME`, `NAME()` for a function, `TYPE.NAME` for a resource,
/// `data.TYPE.NAME`. Borrowed from [`Labels`] or the declarations, so
/// building the graph allocates no names.
type Node<'l> = &'l str;

struct Edge<'l> {
    to: Node<'l>,
    span: Span,
}

struct Graph<'l> {
    edges: HashMap<Node<'l>, (Arc<SourceFile>, Vec<Edge<'l>>)>,
}

/// Node labels of every declaration, made once, and lookups from what an
/// expression names (`local.x`, `T.N`, `data.T.N`, `f(...)`) to them.
struct Labels<'d> {
    locals: HashMap<&'d str, String>,
    consts: HashMap<&'d str, String>,
    functions: HashMap<&'d str, String>,
    /// TYPE → NAME → `data.TYPE.NAME`.
    data: HashMap<&'d str, HashMap<&'d str, String>>,
    /// TYPE → NAME → the declaration's key `TYPE.NAME`, its label.
    resources: HashMap<&'d str, HashMap<&'d str, &'d str>>,
}

impl<'d> Labels<'d> {
    fn new(decls: &'d Declarations) -> Self {
        let mut data: HashMap<&str, HashMap<&str, String>> = HashMap::default();
        for k in decls.data.keys() {
            if let Some((t, n)) = k.split_once('.') {
                data.entry(t).or_default().insert(n, format!("data.{k}"));
            }
        }
        let mut resources: HashMap<&str, HashMap<&str, &str>> = HashMap::default();
        for k in decls.resources.keys() {
            if let Some((t, n)) = k.split_once('.') {
                resources.entry(t).or_default().insert(n, k.as_str());
            }
        }
        Labels {
            locals: decls
                .locals
                .keys()
                .map(|k| (k.as_str(), format!("local.{k}")))
                .collect(),
            consts: decls
                .consts
                .keys()
                .map(|k| (k.as_str(), format!("const.{k}")))
                .collect(),
            functions: decls
                .functions
                .keys()
                .map(|k| (k.as_str(), format!("{k}()")))
                .collect(),
            data,
            resources,
        }
    }

    /// The label of resource `ty.name`, when declared.
    fn resource(&self, ty: &str, name: &str) -> Option<Node<'_>> {
        self.resources.get(ty)?.get(name).copied()
    }

    /// The label of data source `data.ty.name`, when declared.
    fn data_source(&self, ty: &str, name: &str) -> Option<Node<'_>> {
        self.data.get(ty)?.get(name).map(String::as_str)
    }

    /// The resource or data source `object.name` refers to (`object` being
    /// the bare type, or `data.TYPE`).
    fn resource_ref(&self, object: &Expr, name: &str) -> Option<Node<'_>> {
        match &object.kind {
            ExprKind::Variable(t) => self.resource(&t.name, name),
            ExprKind::GetAttr {
                object: inner,
                name: t,
            } => match &inner.kind {
                ExprKind::Variable(d) if d.name == "data" => self.data_source(&t.name, name),
                _ => None,
            },
            _ => None,
        }
    }
}

fn uses<'l>(e: &Expr, labels: &'l Labels<'_>, out: &mut Vec<Edge<'l>>) {
    match &e.kind {
        ExprKind::GetAttr { object, name } => {
            if let Some(to) = labels.resource_ref(object, &name.name) {
                out.push(Edge { to, span: e.span });
                // The object is the resource's type (or `data.TYPE`):
                // nothing more to find inside.
                return;
            }
            let to = match &object.kind {
                ExprKind::Variable(v) if v.name == "local" => labels.locals.get(name.name.as_str()),
                ExprKind::Variable(v) if v.name == "const" => labels.consts.get(name.name.as_str()),
                _ => None,
            };
            if let Some(to) = to {
                out.push(Edge { to, span: e.span });
            }
        }
        ExprKind::FunctionCall { name, .. } => {
            if let Some(to) = labels.functions.get(name.name.as_str()) {
                out.push(Edge {
                    to,
                    span: name.span,
                });
            }
        }
        _ => {}
    }
    e.for_each_child(&mut |c| uses(c, labels, out));
}

/// References in every argument of a resource body and its nested blocks
/// (`ignore_changes` names attributes, not objects, and is skipped).
fn body_uses<'l>(body: &Body, labels: &'l Labels<'_>, out: &mut Vec<Edge<'l>>) {
    for a in body.attributes() {
        if a.name.name != super::meta::IGNORE_CHANGES {
            uses(&a.expr, labels, out);
        }
    }
    for b in body.blocks() {
        body_uses(&b.body, labels, out);
    }
}

fn build<'l>(files: &[ParsedFile], labels: &'l Labels<'_>) -> Graph<'l> {
    let mut edges = HashMap::default();
    for f in files {
        for b in f.ast.body.blocks() {
            match b.kind.name.as_str() {
                "locals" => {
                    for a in b.body.attributes() {
                        if let Some(node) = labels.locals.get(a.name.name.as_str()) {
                            let mut out = Vec::new();
                            uses(&a.expr, labels, &mut out);
                            edges.insert(node.as_str(), (f.source.clone(), out));
                        }
                    }
                }
                "const" => {
                    if let (Some(label), Some(d)) =
                        (b.labels.first(), b.body.attribute(super::meta::DEFAULT))
                        && let Some(node) = labels.consts.get(label.value.as_str())
                    {
                        let mut out = Vec::new();
                        uses(&d.expr, labels, &mut out);
                        edges.insert(node.as_str(), (f.source.clone(), out));
                    }
                }
                "resource" | "data" => {
                    if let (Some(t), Some(n)) = (b.labels.first(), b.labels.get(1)) {
                        let node = if b.kind.name == "data" {
                            labels.data_source(&t.value, &n.value)
                        } else {
                            labels.resource(&t.value, &n.value)
                        };
                        if let Some(node) = node {
                            let mut out = Vec::new();
                            body_uses(&b.body, labels, &mut out);
                            edges.insert(node, (f.source.clone(), out));
                        }
                    }
                }
                "function" => {
                    if let (Some(label), Some(r)) = (b.labels.first(), b.body.attribute("result"))
                        && let Some(node) = labels.functions.get(label.value.as_str())
                    {
                        let mut out = Vec::new();
                        uses(&r.expr, labels, &mut out);
                        edges.insert(node.as_str(), (f.source.clone(), out));
                    }
                }
                _ => {}
            }
        }
    }
    Graph { edges }
}

/// Depth-first search that records each cycle found (as the list of nodes
/// from its first node back to it) once. Starts from the nodes in label
/// order, so what is reported does not depend on hashing.
fn find_cycles<'l>(g: &Graph<'l>) -> Vec<Vec<Node<'l>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        White,
        Grey,
        Black,
    }
    // Nodes by index, in label order; edges as indices (an edge to a label
    // with no entry of its own leads nowhere and is dropped).
    let mut nodes: Vec<Node<'l>> = g.edges.keys().copied().collect();
    nodes.sort_unstable();
    let index: HashMap<Node<'l>, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let adjacency: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            g.edges.get(n).map_or_else(Vec::new, |(_, es)| {
                es.iter().filter_map(|e| index.get(e.to).copied()).collect()
            })
        })
        .collect();
    let mut color = vec![Color::White; nodes.len()];
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut cycles = Vec::new();
    for start in 0..nodes.len() {
        if color[start] != Color::White {
            continue;
        }
        // Iterative DFS: (node, next edge index).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        color[start] = Color::Grey;
        while let Some((node, i)) = stack.last().copied() {
            let Some(&to) = adjacency[node].get(i) else {
                color[node] = Color::Black;
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            match color[to] {
                Color::White => {
                    color[to] = Color::Grey;
                    stack.push((to, 0));
                }
                Color::Grey => {
                    let pos = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                    let mut cycle: Vec<usize> = stack[pos..].iter().map(|(n, _)| *n).collect();
                    // Canonical rotation (indices follow label order) so
                    // each cycle is reported once.
                    let min = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, n)| **n)
                        .map_or(0, |(i, _)| i);
                    cycle.rotate_left(min);
                    if seen.insert(cycle.clone()) {
                        cycles.push(cycle.iter().map(|i| nodes[*i]).collect());
                    }
                }
                Color::Black => {}
            }
        }
    }
    cycles
}

/// Reports every cycle among locals and functions.
pub(crate) fn check(files: &[ParsedFile], decls: &Declarations, diags: &mut Vec<Diagnostic>) {
    let labels = Labels::new(decls);
    let g = build(files, &labels);
    for cycle in find_cycles(&g) {
        let mut path: Vec<&str> = cycle.clone();
        path.push(cycle[0]);
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
        let Some((source, edges)) = g.edges.get(cycle[0]) else {
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
                && let Some(e) = es.iter().find(|e| e.to == *to)
            {
                d = d.secondary(e.span, format!("{node} uses {to}"));
            }
        }
        diags.push(d);
    }
}
