//! `infra graph`: the resource instances and their dependencies (from
//! references and `depends_on`) in DOT, for Graphviz.

use super::workdir::{gather_inputs, unplanned_options_in, workspace};
use super::{OrFail, Outcome};
use crate::args::GraphArgs;
use crate::{Io, exit};
use infra_engine::eval::evaluate;
use petgraph::graph::DiGraph;
use std::collections::HashMap;
use std::path::Path;

/// Runs `infra graph`.
pub fn run(args: &GraphArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let inputs = gather_inputs(&args.inputs, base).or_fail(false)?;
    let options = unplanned_options_in(workspace::current(base).or_fail(false)?);
    let ev = evaluate(base, inputs, &options);
    if infra_lang::diagnostic::has_errors(&ev.diagnostics) {
        return Err(ev.diagnostics).or_fail(false);
    }
    let mut g: DiGraph<String, ()> = DiGraph::new();
    let mut index = HashMap::new();
    for i in &ev.instances {
        let n = g.add_node(i.address.to_string());
        index.insert(i.address.clone(), n);
    }
    for i in &ev.instances {
        for d in &i.dependencies {
            if let (Some(&from), Some(&to)) = (index.get(&i.address), index.get(d)) {
                g.add_edge(from, to, ());
            }
        }
    }
    let mut out = String::from("digraph infra {\n  rankdir = \"RL\";\n  node [shape = box];\n");
    for n in g.node_indices() {
        out.push_str(&format!("  {:?};\n", g[n]));
    }
    for e in g.edge_indices() {
        if let Some((a, b)) = g.edge_endpoints(e) {
            out.push_str(&format!("  {:?} -> {:?};\n", g[a], g[b]));
        }
    }
    out.push_str("}\n");
    let _ = write!(io.out, "{out}");
    Ok(exit::OK)
}
