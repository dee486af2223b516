//! The operation graph of an apply: one node per provider operation
//! (a replacement is two: delete and create, in the order its lifecycle
//! says), edges from what must happen first. Creates and updates follow
//! dependencies; deletes go in reverse (dependents first); an object is
//! deleted only after the instances that used it were updated or replaced.
//! Deletes of deposed objects (left over from create-then-delete
//! replacements) are nodes of their own, keyed by address and deposed key;
//! an instance's current object is deleted only after its deposed ones.

use crate::addr::ResourceAddress;
use crate::plan::{Action, ResourceChange};
use infra_lang::Diagnostic;
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

/// What one node does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Create, update, or read a data source: towards the planned state.
    Apply,
    /// Delete the (old) object.
    Delete,
}

/// One provider operation: the index of its change and what it does.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// Index into the plan's changes.
    pub change: usize,
    /// Apply or delete.
    pub kind: OpKind,
}

/// The graph: edges point from an operation to those that wait for it.
pub type OpGraph = DiGraph<Op, ()>;

/// Builds the graph for `changes` (no-ops, and forgetting, which calls no
/// provider, are skipped).
///
/// # Errors
/// A cycle (e.g. `create_before_destroy` against a dependency that must be
/// replaced first), naming the addresses on it.
pub fn build(changes: &[ResourceChange]) -> Result<OpGraph, Diagnostic> {
    let mut g = OpGraph::new();
    let mut apply: HashMap<&ResourceAddress, NodeIndex> = HashMap::new();
    // Deletes by address and deposed key (`None`: the current object).
    let mut delete: HashMap<(&ResourceAddress, Option<&str>), NodeIndex> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        let a = |g: &mut OpGraph| {
            g.add_node(Op {
                change: i,
                kind: OpKind::Apply,
            })
        };
        let d = |g: &mut OpGraph| {
            g.add_node(Op {
                change: i,
                kind: OpKind::Delete,
            })
        };
        match c.action {
            Action::NoOp | Action::Forget => {}
            Action::Create | Action::Update | Action::Read => {
                let n = a(&mut g);
                apply.insert(&c.address, n);
            }
            Action::Delete => {
                let n = d(&mut g);
                delete.insert((&c.address, c.deposed.as_deref()), n);
            }
            Action::DeleteThenCreate => {
                let dn = d(&mut g);
                let an = a(&mut g);
                g.add_edge(dn, an, ());
                apply.insert(&c.address, an);
                delete.insert((&c.address, None), dn);
            }
            Action::CreateThenDelete => {
                let an = a(&mut g);
                let dn = d(&mut g);
                g.add_edge(an, dn, ());
                apply.insert(&c.address, an);
                delete.insert((&c.address, None), dn);
            }
        }
    }
    // Which changes used each address (dependencies recorded in state).
    let mut users: HashMap<&ResourceAddress, Vec<&ResourceChange>> = HashMap::new();
    for c in changes {
        for d in &c.prior_dependencies {
            users.entry(d).or_default().push(c);
        }
    }
    for c in changes {
        // Creates and updates wait for what they depend on.
        if let Some(&an) = apply.get(&c.address) {
            for dep in &c.dependencies {
                if let Some(&dn) = apply.get(dep) {
                    g.add_edge(dn, an, ());
                }
            }
        }
        // Deletes: dependents (as recorded in state) go first; an updated
        // or replaced dependent moves off the object before it goes —
        // unless the object is replaced delete-first, where the dependent's
        // new version must wait for the new object instead.
        if let Some(&dn) = delete.get(&(&c.address, c.deposed.as_deref())) {
            for other in users.get(&c.address).into_iter().flatten() {
                if let Some(&odn) = delete.get(&(&other.address, other.deposed.as_deref())) {
                    g.add_edge(odn, dn, ());
                }
                if c.action != Action::DeleteThenCreate
                    && other.deposed.is_none()
                    && let Some(&oan) = apply.get(&other.address)
                    && other.action != Action::DeleteThenCreate
                {
                    g.add_edge(oan, dn, ());
                }
            }
        }
        // The current object goes after the deposed ones: an instance
        // keeps its place in state while any of them is left.
        if let Some(key) = c.deposed.as_deref()
            && let Some(&dn) = delete.get(&(&c.address, Some(key)))
            && matches!(c.action, Action::Delete)
            && let Some(cur) = changes
                .iter()
                .find(|o| o.address == c.address && o.deposed.is_none())
            && matches!(cur.action, Action::Delete | Action::DeleteThenCreate)
            && let Some(&cdn) = delete.get(&(&c.address, None))
        {
            g.add_edge(dn, cdn, ());
        }
    }
    if let Err(cycle) = toposort(&g, None) {
        let op = g[cycle.node_id()];
        return Err(Diagnostic::error(
            "apply::cycle",
            format!(
                "the changes cannot be ordered: `{}` is part of a cycle between replacements and their dependents",
                changes[op.change].address
            ),
        )
        .with_help("This happens when `create_before_destroy` resources depend on resources replaced delete-first (or the reverse). Give both the same `create_before_destroy` setting."));
    }
    Ok(g)
}
