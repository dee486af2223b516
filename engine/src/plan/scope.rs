//! Resource targeting: which instances a plan with `--target` or
//! `--exclude` works on, and the refresh limited to them. `--target` keeps
//! the targets and what they depend on (Terraform's `-target`);
//! `--exclude` drops the excluded and everything that depends on them
//! (OpenTofu's `-exclude`, `internal/tofu/transform_targets.go`).

use super::{Drift, PlanOptions, ResourceChange, refresh};
use crate::addr::{ResourceAddress, ResourceMode, Target};
use crate::provider::Providers;
use crate::state::State;
use infra_lang::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use tokio::runtime::Handle;

/// Every address reachable from `start` along `edges` (from an instance
/// to the instances it names), `start` included.
pub(super) fn reach(
    start: impl IntoIterator<Item = ResourceAddress>,
    edges: &BTreeMap<ResourceAddress, Vec<ResourceAddress>>,
) -> BTreeSet<ResourceAddress> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<ResourceAddress> = start.into_iter().collect();
    while let Some(a) = todo.pop() {
        if let Some(next) = edges.get(&a) {
            todo.extend(next.iter().filter(|n| !seen.contains(*n)).cloned());
        }
        seen.insert(a);
    }
    seen
}

/// `edges` turned around: from an instance to the instances naming it.
fn reversed(
    edges: &BTreeMap<ResourceAddress, Vec<ResourceAddress>>,
) -> BTreeMap<ResourceAddress, Vec<ResourceAddress>> {
    let mut back: BTreeMap<ResourceAddress, Vec<ResourceAddress>> = BTreeMap::new();
    for (from, tos) in edges {
        for to in tos {
            back.entry(to.clone()).or_default().push(from.clone());
        }
    }
    back
}

/// The addresses of `addrs` that one of `patterns` matches.
fn matched<'a>(
    addrs: impl Iterator<Item = &'a ResourceAddress>,
    patterns: &[Target],
) -> Vec<ResourceAddress> {
    addrs
        .filter(|a| patterns.iter().any(|t| t.matches(a)))
        .cloned()
        .collect()
}

/// The managed instances of `state` a plan with `options.targets`
/// (non-empty: them and what they depend on, transitively, by the
/// dependencies state records) or `options.excludes` (everything but them
/// and what depends on them) reads in refresh; `None` when both are empty
/// (everything is read). In a destroy plan the edges run the other way, as
/// the plan does: a target's dependents are read (they are destroyed with
/// it), and an excluded instance's dependencies are not. Objects the
/// configuration adds since the last apply are not in state and play no
/// part.
pub fn refresh_scope(state: &State, options: &PlanOptions) -> Option<BTreeSet<ResourceAddress>> {
    let (targets, excludes) = (&options.targets, &options.excludes);
    if targets.is_empty() && excludes.is_empty() {
        return None;
    }
    let edges: BTreeMap<ResourceAddress, Vec<ResourceAddress>> = state
        .resources
        .iter()
        .map(|(a, i)| (a.clone(), i.dependencies.clone()))
        .collect();
    let managed = || {
        state
            .resources
            .keys()
            .filter(|a| a.mode == ResourceMode::Managed)
    };
    let back = reversed(&edges);
    let (down, up) = if options.destroy {
        (&back, &edges)
    } else {
        (&edges, &back)
    };
    let scope = if targets.is_empty() {
        let out = reach(matched(managed(), excludes), up);
        managed().filter(|a| !out.contains(*a)).cloned().collect()
    } else {
        reach(matched(managed(), targets), down)
    };
    Some(scope)
}

/// [`refresh`] of the instances of `state` in `scope` (all when `None`);
/// the others keep their stored values and report no drift.
///
/// # Errors
/// As [`refresh`].
pub fn refresh_in_scope(
    rt: &Handle,
    providers: &Providers,
    state: State,
    parallelism: usize,
    scope: Option<&BTreeSet<ResourceAddress>>,
    progress: &std::sync::Arc<super::progress::RefreshProgress>,
) -> Result<(State, Vec<Drift>), Vec<Diagnostic>> {
    let Some(scope) = scope else {
        return refresh(rt, providers, state, parallelism, progress);
    };
    let mut state = state;
    let (read, kept): (BTreeMap<_, _>, BTreeMap<_, _>) = std::mem::take(&mut state.resources)
        .into_iter()
        .partition(|(a, _)| scope.contains(a));
    state.resources = read;
    let (mut refreshed, drift) = if state.resources.is_empty() {
        (state, Vec::new())
    } else {
        refresh(rt, providers, state, parallelism, progress)?
    };
    refreshed.resources.extend(kept);
    Ok((refreshed, drift))
}

/// Drops from `changes` those of instances matching `excludes` and of
/// every instance that depends on one (transitively, by configuration
/// references and by the dependencies recorded in state), as OpenTofu's
/// `-exclude`. In a destroy plan (`destroy`) the edges run the other way:
/// what an excluded instance depends on cannot be destroyed while it
/// stays, so it is kept too.
pub fn apply_excludes(
    changes: Vec<ResourceChange>,
    excludes: &[Target],
    destroy: bool,
) -> Vec<ResourceChange> {
    let mut edges: BTreeMap<ResourceAddress, Vec<ResourceAddress>> = BTreeMap::new();
    for c in &changes {
        let e = edges.entry(c.address.clone()).or_default();
        e.extend(c.dependencies.iter().cloned());
        e.extend(c.prior_dependencies.iter().cloned());
    }
    let seeds = matched(changes.iter().map(|c| &c.address), excludes);
    let out = if destroy {
        reach(seeds, &edges)
    } else {
        reach(seeds, &reversed(&edges))
    };
    changes
        .into_iter()
        .filter(|c| !out.contains(&c.address))
        .collect()
}

/// Refuses `--exclude` addresses that match either end of a move carried
/// out by a `moved` block: the move must be planned with the object (as
/// `--target` must cover both ends).
///
/// # Errors
/// `moved::excluded-by-target`, naming the addresses.
pub fn refuse_excluded_moves(
    moves: &[super::Move],
    excludes: &[Target],
) -> Result<(), Vec<Diagnostic>> {
    let hit: Vec<String> = moves
        .iter()
        .flat_map(|m| [&m.from, &m.to])
        .filter(|a| excludes.iter().any(|t| t.matches(a)))
        .map(|a| format!("`{a}`"))
        .collect();
    if hit.is_empty() {
        return Ok(());
    }
    Err(vec![
        Diagnostic::error(
            "moved::excluded-by-target",
            "objects moved by `moved` blocks are left out by `--exclude`",
        )
        .with_help(format!(
            "infra must plan moved objects with the rest: do not exclude {}.",
            hit.join(", ")
        )),
    ])
}

/// The warning of a plan with `--target` or `--exclude` (Terraform's and
/// OpenTofu's "Resource targeting is in effect").
pub fn targeting_warning() -> Diagnostic {
    Diagnostic::warning(
        "plan::targeting",
        "resource targeting is in effect: the plan may be incomplete",
    )
    .with_help("Use --target and --exclude only to recover from mistakes or work around limitations; run a full plan afterwards.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_instance;

    fn addr(text: &str) -> ResourceAddress {
        ResourceAddress::parse(text).expect(text)
    }

    /// `x.a <- x.b <- x.c`, and `x.d` alone.
    fn state() -> State {
        let mut s = State::default();
        for (a, deps) in [
            ("x.a", vec![]),
            ("x.b", vec!["x.a"]),
            ("x.c", vec!["x.b"]),
            ("x.d", vec![]),
        ] {
            let deps = deps.into_iter().map(addr).collect();
            s.resources
                .insert(addr(a), test_instance(deps, Default::default()));
        }
        s
    }

    fn scope(targets: &[&str], excludes: &[&str], destroy: bool) -> Vec<String> {
        let parse =
            |l: &[&str]| -> Vec<Target> { l.iter().map(|t| Target::parse(t).expect(t)).collect() };
        let options = PlanOptions {
            targets: parse(targets),
            excludes: parse(excludes),
            destroy,
            ..PlanOptions::default()
        };
        refresh_scope(&state(), &options)
            .expect("a scope")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn refresh_scope_follows_dependencies() {
        assert_eq!(refresh_scope(&state(), &PlanOptions::default()), None);
        assert_eq!(scope(&["x.b"], &[], false), ["x.a", "x.b"]);
        assert_eq!(scope(&[], &["x.b"], false), ["x.a", "x.d"]);
        // Destroying a target destroys its dependents; excluding one from
        // a destroy keeps what it depends on.
        assert_eq!(scope(&["x.b"], &[], true), ["x.b", "x.c"]);
        assert_eq!(scope(&[], &["x.b"], true), ["x.c", "x.d"]);
        assert!(scope(&["y.none"], &[], false).is_empty());
    }
}
