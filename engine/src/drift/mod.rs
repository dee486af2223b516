//! Drift detection (`infra drift`): read every managed object in state
//! through its provider, compare it with the state attribute by attribute,
//! then plan the configuration against what was read to tell "someone
//! changed the cloud" (drift) from "someone changed the code" (pending
//! configuration changes). Read-only by construction: the state is only
//! read, no lock is taken, and providers are only asked to configure,
//! read and plan — never to apply.

pub mod coverage;
pub mod ignore;
#[cfg(test)]
mod spy_tests;

pub use ignore::{Date, IGNORE_FILE, IgnoreEntry, IgnoreFile, path_string, rfc3339};

use crate::addr::{ResourceAddress, ResourceMode, Target};
use crate::diff::ObjectDiff;
use crate::eval::{
    CheckResult, CheckStatus, EvalOptions, Inputs, InstanceHook, InstanceInfo, Session,
};
use crate::plan::planner::{configure_providers, type_state};
use crate::plan::{Action, PlanOptions, ResourceChange, mark_schema_sensitive, plan, refresh_each};
use crate::provider::Providers;
use crate::state::State;
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tokio::runtime::Handle;

/// How to look for drift.
#[derive(Clone, Debug)]
pub struct DriftOptions {
    /// `--target`: only these instances (all when empty).
    pub targets: Vec<Target>,
    /// `--exclude`: every instance but these and what depends on them (by
    /// the dependencies state records); never with `targets`.
    pub excludes: Vec<Target>,
    /// Concurrent provider reads (at least 1).
    pub parallelism: usize,
    /// The workspace name.
    pub workspace: String,
    /// Accepted drift (`.infradriftignore`).
    pub ignore: IgnoreFile,
    /// The date the ignore entries' `until` is compared with (UTC).
    pub today: Date,
    /// Counts the refresh's reads for a caller showing progress.
    pub progress: std::sync::Arc<crate::plan::RefreshProgress>,
    /// `--budget`: read only this slice of the objects in scope, the
    /// stalest first (`coverage.rs`); `None`: every one.
    pub budget: Option<crate::plan::Budget>,
    /// The drift read ledger (`coverage::load`), for `budget`.
    pub ledger: coverage::Ledger,
}

/// How an object drifted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftKind {
    /// It exists, with attributes other than recorded.
    Changed,
    /// It was deleted outside infra.
    Missing,
}

impl DriftKind {
    /// `changed` or `missing` (the JSON names).
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::Changed => "changed",
            DriftKind::Missing => "missing",
        }
    }
}

/// An ignore entry that matched: its index in [`IgnoreFile::entries`] and
/// whether its `until` date has passed (then the drift is reported again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IgnoreHit {
    /// Index into the options' ignore entries (and [`DriftReport::ignores`]).
    pub entry: usize,
    /// The entry's expiry date has passed.
    pub expired: bool,
}

/// The first unexpired entry of `entries` that `covers`, else the first
/// expired one.
fn find_hit(
    entries: &[IgnoreEntry],
    today: Date,
    covers: impl Fn(&IgnoreEntry) -> bool,
) -> Option<IgnoreHit> {
    let mut expired = None;
    for (i, e) in entries.iter().enumerate() {
        if !covers(e) {
            continue;
        }
        if !e.expired(today) {
            return Some(IgnoreHit {
                entry: i,
                expired: false,
            });
        }
        expired.get_or_insert(IgnoreHit {
            entry: i,
            expired: true,
        });
    }
    expired
}

/// True unless an unexpired ignore entry accepts it.
fn counts(hit: Option<IgnoreHit>) -> bool {
    hit.is_none_or(|h| h.expired)
}

/// One attribute that differs between state and the real object.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeDrift {
    /// The path from the object's top level: `["tags", "owner"]`; empty
    /// when the object as a whole differs (it is not an object). Maps and
    /// objects are descended into; lists and sets are compared whole.
    pub path: Vec<String>,
    /// The value in state (null when the attribute was not there).
    pub before: Value,
    /// The value read now (null when it is gone).
    pub after: Value,
    /// The ignore entry that covers it.
    pub ignore: Option<IgnoreHit>,
}

impl AttributeDrift {
    /// The path as text: `tags.owner`, `tags["a.b"]`.
    pub fn path_string(&self) -> String {
        path_string(&self.path)
    }

    /// Either side is sensitive: reports must redact both.
    pub fn sensitive(&self) -> bool {
        self.before.is_sensitive_deep() || self.after.is_sensitive_deep()
    }

    /// It counts as drift: not ignored, or its ignore entry expired.
    pub fn counts(&self) -> bool {
        counts(self.ignore)
    }
}

/// One instance that changed outside infra.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDrift {
    /// Its address.
    pub address: ResourceAddress,
    /// Changed or missing.
    pub kind: DriftKind,
    /// The state infra recorded (schema-sensitive attributes marked).
    pub before: Value,
    /// What the provider read (marked likewise); `None` when missing.
    pub after: Option<Value>,
    /// The attributes that differ (empty when missing), in path order.
    pub attributes: Vec<AttributeDrift>,
    /// For a missing object: the entry that ignores the whole instance.
    pub ignore: Option<IgnoreHit>,
}

impl ResourceDrift {
    /// It counts as drift: missing and not ignored, or changed with at
    /// least one attribute that counts.
    pub fn counts(&self) -> bool {
        match self.kind {
            DriftKind::Missing => counts(self.ignore),
            DriftKind::Changed => self.attributes.iter().any(AttributeDrift::counts),
        }
    }

    /// Ignore entries it met that have expired (indices, deduplicated).
    pub fn expired_ignores(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .attributes
            .iter()
            .filter_map(|a| a.ignore)
            .chain(self.ignore)
            .filter(|h| h.expired)
            .map(|h| h.entry)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The value diff of what is left to show: `before` against
    /// [`ResourceDrift::reported_after`]. `None` when missing.
    pub fn reported_diff(&self) -> Option<ObjectDiff> {
        let after = self.reported_after()?;
        Some(ObjectDiff::new(&self.before, &after, &[]))
    }

    /// `after` with every ignored (unexpired) attribute put back to its
    /// state value: what is left to show. `None` when missing.
    pub fn reported_after(&self) -> Option<Value> {
        let mut after = self.after.clone()?;
        for a in self.attributes.iter().filter(|a| !a.counts()) {
            set_path(&mut after, &a.path, a.before.clone());
        }
        Some(after)
    }
}

/// One `check` assertion after refresh.
#[derive(Clone, Debug)]
pub struct DriftCheck {
    /// `check.NAME`, with its module path.
    pub address: String,
    /// Its outcome.
    pub status: CheckStatus,
    /// The entry that ignores it.
    pub ignore: Option<IgnoreHit>,
}

impl DriftCheck {
    /// It failed and is not ignored (or its ignore expired).
    pub fn failing(&self) -> bool {
        matches!(self.status, CheckStatus::Fail(_)) && counts(self.ignore)
    }
}

/// Why applying would change an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeCause {
    /// The configuration differs from the state (someone changed the code).
    Configuration,
    /// Apply would undo drift: the configuration still says what the state
    /// recorded, the real object no longer does (or is missing).
    Drift,
    /// Both.
    Both,
}

impl ChangeCause {
    /// `configuration`, `drift` or `both` (the JSON names).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeCause::Configuration => "configuration",
            ChangeCause::Drift => "drift",
            ChangeCause::Both => "both",
        }
    }

    /// The configuration changed (alone or with drift).
    pub fn configuration(self) -> bool {
        matches!(self, ChangeCause::Configuration | ChangeCause::Both)
    }
}

/// A change `infra apply` would make now, against the refreshed state.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingChange {
    /// The instance.
    pub address: ResourceAddress,
    /// What apply would do.
    pub action: Action,
    /// Top-level attributes that would change to a known value (updates
    /// and replacements; only when there are none, those that become
    /// "known after apply"; for a re-created missing object, configured
    /// attributes that differ from the recorded ones; empty otherwise),
    /// sorted.
    pub attributes: Vec<String>,
    /// Configuration, drift, or both.
    pub cause: ChangeCause,
}

/// An ignore entry and what became of it in this run.
#[derive(Clone, Debug)]
pub struct IgnoreUse {
    /// The entry.
    pub entry: IgnoreEntry,
    /// Its `until` date has passed.
    pub expired: bool,
    /// It matched some drift or check in this run.
    pub matched: bool,
}

/// An error met while looking for drift; the rest was still checked.
#[derive(Clone, Debug)]
pub struct DriftError {
    /// The instance whose read failed; `None` for errors of the whole run
    /// (planning the configuration).
    pub address: Option<ResourceAddress>,
    /// What went wrong.
    pub diagnostic: Diagnostic,
}

/// Everything `infra drift` found.
#[derive(Clone, Debug)]
pub struct DriftReport {
    /// The state's lineage; `None` when there is no state yet.
    pub lineage: Option<String>,
    /// The state's serial; `None` when there is no state yet.
    pub serial: Option<u64>,
    /// Managed instances read (or attempted).
    pub checked: usize,
    /// Instances changed or missing, in address order, ignored ones
    /// included (see [`ResourceDrift::counts`]).
    pub drift: Vec<ResourceDrift>,
    /// Every `check` assertion, evaluated against the refreshed objects;
    /// `None` when the configuration could not be planned.
    pub checks: Option<Vec<DriftCheck>>,
    /// Changes apply would make; `None` when the configuration could not
    /// be planned (the reason is in `errors`).
    pub pending: Option<Vec<PendingChange>>,
    /// Every ignore entry, in file order, with whether it expired and
    /// matched.
    pub ignores: Vec<IgnoreUse>,
    /// Reads that failed and planning errors.
    pub errors: Vec<DriftError>,
    /// Creates a killed apply left unrecorded (`state::pending`), and
    /// objects the next locked run would adopt for them (`state::adopted`):
    /// reported only, since drift writes nothing.
    pub warnings: Vec<Diagnostic>,
    /// With `--budget`: what this run covered, and the ledger to store
    /// (`coverage::save`); `None` without.
    pub coverage: Option<(coverage::Coverage, coverage::Ledger)>,
}

impl DriftReport {
    /// Instances changed outside infra that count.
    pub fn changed(&self) -> usize {
        self.drift
            .iter()
            .filter(|d| d.kind == DriftKind::Changed && d.counts())
            .count()
    }

    /// Instances deleted outside infra that count.
    pub fn missing(&self) -> usize {
        self.drift
            .iter()
            .filter(|d| d.kind == DriftKind::Missing && d.counts())
            .count()
    }

    /// Failing check assertions that count.
    pub fn failing_checks(&self) -> usize {
        self.checks.iter().flatten().filter(|c| c.failing()).count()
    }

    /// Instances whose drift is wholly ignored.
    pub fn ignored(&self) -> usize {
        self.drift.iter().filter(|d| !d.counts()).count()
    }

    /// Drift that counts was found: a changed or missing instance or a
    /// failing check not covered by an unexpired ignore entry.
    pub fn found(&self) -> bool {
        self.changed() + self.missing() + self.failing_checks() > 0
    }

    /// The summary line: `Drift: 2 resources changed outside infra, 1
    /// missing, 0 checks failing.`
    pub fn summary(&self) -> String {
        let (c, m, f) = (self.changed(), self.missing(), self.failing_checks());
        format!(
            "Drift: {c} resource{} changed outside infra, {m} missing, {f} check{} failing.",
            if c == 1 { "" } else { "s" },
            if f == 1 { "" } else { "s" }
        )
    }
}

fn entries(v: &Value) -> Option<&ValueMap> {
    match v {
        Value::Object(m) | Value::Map(_, m) => Some(m),
        _ => None,
    }
}

/// The attribute-level differences between a recorded object and the one
/// read now: the value diff's paths ([`crate::diff::paths`]), none ignored
/// yet.
pub fn attribute_diff(before: &Value, after: &Value) -> Vec<AttributeDrift> {
    crate::diff::paths(before, after)
        .into_iter()
        .map(|p| AttributeDrift {
            path: p.path,
            before: p.before,
            after: p.after,
            ignore: None,
        })
        .collect()
}

/// Sets the attribute at `path` of `v` (objects and maps) to `new`; an
/// empty path replaces `v`. Missing steps are left alone.
fn set_path(v: &mut Value, path: &[String], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = new;
        return;
    };
    match v {
        Value::Object(m) | Value::Map(_, m) => {
            if rest.is_empty() {
                if new.is_null() {
                    m.remove(first);
                } else {
                    m.insert(first.clone(), new);
                }
            } else if let Some(x) = m.get_mut(first) {
                set_path(x, rest, new);
            }
        }
        Value::Sensitive(inner) => set_path(inner, path, new),
        _ => {}
    }
}

fn top_attrs(v: &Value) -> Option<&ValueMap> {
    match v {
        Value::Sensitive(inner) => top_attrs(inner),
        other => entries(other),
    }
}

/// Classifies every pending change of `changes` (see [`classify`]); a
/// change that only recomputes values ("known after apply") is blamed on
/// drift when something it depends on drifted or is itself changed by
/// drift (e.g. an inventory listing the ETag of an object deleted outside
/// infra), else on the configuration.
fn classify_all<'a>(
    changes: impl Iterator<Item = &'a ResourceChange>,
    stored: &BTreeMap<ResourceAddress, Value>,
) -> Vec<PendingChange> {
    let mut out: Vec<(PendingChange, bool, &ResourceChange)> = changes
        .map(|c| {
            let (p, only_computed) = classify(c, stored.get(&c.address));
            (p, only_computed, c)
        })
        .collect();
    let mut affected: BTreeSet<ResourceAddress> = stored.keys().cloned().collect();
    loop {
        affected.extend(
            out.iter()
                .filter(|(p, ..)| p.cause != ChangeCause::Configuration)
                .map(|(p, ..)| p.address.clone()),
        );
        let mut moved = false;
        for (p, only_computed, c) in &mut out {
            if *only_computed
                && p.cause == ChangeCause::Configuration
                && c.dependencies.iter().any(|d| affected.contains(d))
            {
                p.cause = ChangeCause::Drift;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    out.into_iter().map(|(p, ..)| p).collect()
}

/// Why `c` would happen: `stored` is the recorded value before refresh
/// when the instance drifted (`None` when it did not). The flag says the
/// change only recomputes values known after apply.
fn classify(c: &ResourceChange, stored: Option<&Value>) -> (PendingChange, bool) {
    let null = Value::NULL;
    let mut attributes = Vec::new();
    let mut only_computed = false;
    let cause = match (c.action, stored) {
        (Action::Create, Some(stored)) => {
            // The object is missing: apply re-creates it. Configured
            // attributes that differ from the recorded ones are code changes.
            let s = top_attrs(stored);
            let config: Vec<String> = c
                .after
                .as_ref()
                .and_then(top_attrs)
                .into_iter()
                .flatten()
                .filter(|(k, v)| {
                    !v.has_unknown() && !v.same_data(s.and_then(|s| s.get(*k)).unwrap_or(&null))
                })
                .map(|(k, _)| k.clone())
                .collect();
            if config.is_empty() {
                ChangeCause::Drift
            } else {
                attributes = config;
                ChangeCause::Both
            }
        }
        (Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete, stored) => {
            let before = c.before.as_ref().and_then(top_attrs);
            let after = c.after.as_ref().and_then(top_attrs);
            let s = stored.and_then(top_attrs);
            let (mut config, mut reverts) = (false, false);
            let mut computed = Vec::new();
            if let (Some(b), Some(a)) = (before, after) {
                let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
                for k in keys {
                    let bv = b.get(k).unwrap_or(&null);
                    let av = a.get(k).unwrap_or(&null);
                    if bv.same_data(av) && !av.has_unknown() {
                        continue;
                    }
                    if av.has_unknown() {
                        // Computed from something else that changes: listed
                        // only when nothing else is.
                        computed.push(k.clone());
                        continue;
                    }
                    attributes.push(k.clone());
                    // Drifted: the object no longer has the recorded
                    // value, so apply undoes drift. Code: the configuration
                    // wants something other than what was recorded.
                    let recorded = s.map_or(bv, |s| s.get(k).unwrap_or(&null));
                    reverts |= !recorded.same_data(bv);
                    config |= !av.same_data(recorded);
                }
            } else {
                config = true;
            }
            if attributes.is_empty() {
                only_computed = !computed.is_empty() && !config;
                attributes = computed;
            }
            match (config, reverts) {
                (true, true) => ChangeCause::Both,
                (true, false) => ChangeCause::Configuration,
                (false, true) => ChangeCause::Drift,
                // Only computed values change: blame the drift if any.
                (false, false) if stored.is_some() => ChangeCause::Drift,
                (false, false) => ChangeCause::Configuration,
            }
        }
        _ => ChangeCause::Configuration,
    };
    let change = PendingChange {
        address: c.address.clone(),
        action: c.action,
        attributes,
        cause,
    };
    (change, only_computed)
}

/// What references see when checks are evaluated for drift: each
/// instance as it was read (data sources as the plan read them); unknown
/// for an instance that is missing or not in state.
struct Observed {
    state: State,
}

impl InstanceHook for Observed {
    fn value(&self, info: InstanceInfo<'_>) -> Result<Value, Diagnostic> {
        Ok(self
            .state
            .resources
            .get(info.address)
            .map_or_else(Value::unknown, |i| i.value.clone()))
    }
}

/// Evaluates the `check` blocks over the objects as read (a plan would
/// evaluate them over the planned values, which hide drift the
/// configuration would undo). Returns the results and the evaluation's
/// errors.
fn observed_checks(
    root: &Path,
    files: std::sync::Arc<crate::eval::ModuleFiles>,
    inputs: Inputs,
    observed: State,
    options: &DriftOptions,
) -> (Vec<CheckResult>, Vec<Diagnostic>) {
    let opts = EvalOptions {
        workspace: options.workspace.clone(),
        hook: Some(std::rc::Rc::new(Observed { state: observed })),
        schemas: None,
        keep_values: false,
        stored: None,
    };
    match Session::from_shared(root, files, inputs, &opts) {
        Ok(session) => session.check_results(),
        Err(diags) => (Vec::new(), diags),
    }
}

/// Looks for drift: reads every managed instance in the state `stored`
/// returns (those matching `options.targets`), compares each with its
/// recorded value, evaluates `check` blocks and plans the configuration in
/// `root` against what was read. Nothing is written and no provider is
/// asked to create, update or delete anything.
///
/// A read that fails is reported in [`DriftReport::errors`] and the
/// others are still checked; so is a configuration that cannot be planned
/// (then `pending` and `checks` are `None`).
///
/// # Errors
/// What stops the run before anything could be read: the state cannot be
/// read, the configuration does not load, or its `provider` blocks do not
/// configure (providers need them to reach the real objects).
pub fn detect(
    root: &Path,
    inputs: Inputs,
    providers: &Providers,
    stored: impl FnOnce() -> Result<Option<State>, Vec<Diagnostic>>,
    options: &DriftOptions,
    rt: &Handle,
) -> Result<DriftReport, Vec<Diagnostic>> {
    let files = std::sync::Arc::new(crate::eval::load_module(root)?);
    let stored = stored()?;
    let (lineage, serial) = match &stored {
        Some(s) => (Some(s.lineage.clone()), Some(s.serial)),
        None => (None, None),
    };
    let mut state = stored.unwrap_or_default();
    type_state(&mut state, providers, rt)?;
    let plan_options = PlanOptions {
        refresh: crate::plan::RefreshMode::Off,
        targets: options.targets.clone(),
        excludes: options.excludes.clone(),
        replace: Vec::new(),
        destroy: false,
        parallelism: options.parallelism,
        workspace: options.workspace.clone(),
        generate_config_out: None,
        progress: options.progress.clone(),
        ..PlanOptions::default()
    };
    let mut configured = providers.clone();
    let in_state = crate::eval::state_keys(&state);
    configure_providers(
        root,
        &files,
        &inputs,
        &mut configured,
        &in_state,
        &plan_options,
        rt,
    )?;
    // `--exclude`: the excluded and what depends on them are neither read
    // nor compared; they keep their stored values for the plan below,
    // which leaves them out too.
    let kept = if options.excludes.is_empty() {
        BTreeMap::new()
    } else {
        let out_of_scope = crate::plan::scope::refresh_scope(&state, &plan_options);
        let (read, kept) = std::mem::take(&mut state.resources)
            .into_iter()
            .partition(|(a, _)| out_of_scope.as_ref().is_none_or(|s| s.contains(a)));
        state.resources = read;
        kept
    };
    let mut kept = kept;
    // `--budget`: the slice read this run; the rest keep their values.
    let budgeted = options.budget.map(|budget| {
        let in_scope: BTreeSet<ResourceAddress> = state
            .resources
            .keys()
            .filter(|a| {
                a.mode == ResourceMode::Managed
                    && (options.targets.is_empty() || options.targets.iter().any(|t| t.matches(a)))
            })
            .cloned()
            .collect();
        let read = coverage::slice(&state, &in_scope, &options.ledger, budget);
        let (now_read, rest) = std::mem::take(&mut state.resources)
            .into_iter()
            .partition(|(a, _)| a.mode != ResourceMode::Managed || read.contains(a));
        state.resources = now_read;
        kept.extend(rest);
        (budget, in_scope, read)
    });
    let mut refreshed = refresh_each(
        rt,
        &configured,
        state,
        options.parallelism,
        &options.targets,
        &options.progress,
    );
    refreshed.state.resources.extend(kept);
    let coverage = budgeted.map(|(budget, in_scope, read)| {
        coverage::cover(
            &refreshed.state,
            &in_scope,
            &options.ledger,
            &read,
            budget,
            crate::state::now_secs(),
        )
    });
    let entries = &options.ignore.entries;
    let today = options.today;
    let mut errors: Vec<DriftError> = refreshed
        .errors
        .into_iter()
        .flat_map(|(addr, diags)| {
            diags.into_iter().map(move |d| DriftError {
                address: Some(addr.clone()),
                diagnostic: d,
            })
        })
        .collect();
    let mark = |addr: &ResourceAddress, v: Value| match configured
        .schema(&addr.type_name, addr.mode == ResourceMode::Data)
    {
        Some(schema) => mark_schema_sensitive(schema, v),
        None => v,
    };
    let mut stored_values: BTreeMap<ResourceAddress, Value> = BTreeMap::new();
    let mut drift = Vec::with_capacity(refreshed.drift.len());
    for d in refreshed.drift {
        stored_values.insert(d.address.clone(), d.before.clone());
        let after = d.after.map(|a| mark(&d.address, a));
        let (kind, attributes, ignore) = match &after {
            None => (
                DriftKind::Missing,
                Vec::new(),
                find_hit(entries, today, |e| e.covers(&d.address, &[])),
            ),
            Some(a) => {
                let mut attrs = attribute_diff(&d.before, a);
                for x in &mut attrs {
                    x.ignore = find_hit(entries, today, |e| e.covers(&d.address, &x.path));
                }
                (DriftKind::Changed, attrs, None)
            }
        };
        drift.push(ResourceDrift {
            address: d.address,
            kind,
            before: d.before,
            after,
            attributes,
            ignore,
        });
    }
    let planned = plan(
        root,
        inputs.clone(),
        &configured,
        || Ok(Some(refreshed.state)),
        &plan_options,
        rt,
    );
    let mut warnings = Vec::new();
    let (checks, pending): (Option<Vec<DriftCheck>>, Option<Vec<PendingChange>>) = match planned {
        Ok(mut p) => {
            for d in p.warnings.drain(..) {
                match d.code {
                    "state::pending" => warnings.push(d),
                    "state::adopted" => warnings.push(Diagnostic {
                        message: format!(
                            "{} (found now; the next `infra plan` or `infra apply` records it, `infra drift` writes nothing)",
                            d.message
                        ),
                        ..d
                    }),
                    _ => {}
                }
            }
            let pending = classify_all(
                p.changes
                    .iter()
                    .filter(|c| !matches!(c.action, Action::NoOp | Action::Read))
                    .filter(|c| c.address.mode == ResourceMode::Managed),
                &stored_values,
            );
            // The plan's prior state: the objects as read, and the data
            // sources the plan read.
            let observed = std::mem::take(&mut p.prior);
            // Freeing a large plan value by value is slow; the report has
            // what it needs.
            std::mem::forget(p);
            let (results, diags) = observed_checks(root, files, inputs, observed, options);
            errors.extend(diags.into_iter().map(|d| DriftError {
                address: None,
                diagnostic: d,
            }));
            let checks = results
                .into_iter()
                .map(|c| DriftCheck {
                    ignore: if matches!(c.status, CheckStatus::Fail(_)) {
                        find_hit(entries, today, |e| e.covers_check(&c.address))
                    } else {
                        None
                    },
                    address: c.address,
                    status: c.status,
                })
                .collect();
            (Some(checks), Some(pending))
        }
        Err(diags) => {
            errors.extend(diags.into_iter().map(|d| DriftError {
                address: None,
                diagnostic: d,
            }));
            (None, None)
        }
    };
    let mut matched = vec![false; entries.len()];
    for hit in drift
        .iter()
        .flat_map(|d| d.attributes.iter().filter_map(|a| a.ignore).chain(d.ignore))
        .chain(checks.iter().flatten().filter_map(|c| c.ignore))
    {
        if let Some(m) = matched.get_mut(hit.entry) {
            *m = true;
        }
    }
    let ignores = entries
        .iter()
        .zip(matched)
        .map(|(e, matched)| IgnoreUse {
            entry: e.clone(),
            expired: e.expired(today),
            matched,
        })
        .collect();
    Ok(DriftReport {
        lineage,
        serial,
        checked: refreshed.checked,
        drift,
        checks,
        pending,
        ignores,
        errors,
        warnings,
        coverage,
    })
}

/// `infra apply --refresh-only`: reads every managed instance of `stored`
/// (with `options.targets`, those and what they depend on; with
/// `options.excludes`, all but those and what depends on them) and returns the state with what was
/// read (missing objects removed) and the drift, for the caller to show,
/// confirm and write (with the lock held). All or nothing: nothing is
/// returned when any read fails, so a partial refresh is never written.
/// The ignore file plays no part: accepting drift into state accepts all
/// of it.
///
/// # Errors
/// The configuration does not load or its `provider` blocks do not
/// configure; any read failed (every failure is returned).
pub fn refresh_state(
    root: &Path,
    inputs: &Inputs,
    providers: &Providers,
    stored: State,
    options: &DriftOptions,
    rt: &Handle,
) -> Result<(State, Vec<crate::plan::Drift>), Vec<Diagnostic>> {
    let files = std::sync::Arc::new(crate::eval::load_module(root)?);
    let mut state = stored;
    type_state(&mut state, providers, rt)?;
    let plan_options = PlanOptions {
        refresh: crate::plan::RefreshMode::All,
        targets: options.targets.clone(),
        excludes: options.excludes.clone(),
        replace: Vec::new(),
        destroy: false,
        parallelism: options.parallelism,
        workspace: options.workspace.clone(),
        generate_config_out: None,
        progress: options.progress.clone(),
        ..PlanOptions::default()
    };
    let mut configured = providers.clone();
    let in_state = crate::eval::state_keys(&state);
    configure_providers(
        root,
        &files,
        inputs,
        &mut configured,
        &in_state,
        &plan_options,
        rt,
    )?;
    // As plan: the targets and what they depend on, or everything but the
    // excluded and what depends on them.
    let scope = crate::plan::scope::refresh_scope(&state, &plan_options);
    let (mut state, drift) = crate::plan::scope::refresh_in_scope(
        rt,
        &configured,
        state,
        options.parallelism,
        scope.as_ref(),
        &options.progress,
    )?;
    refresh_outputs(root, files, inputs, &mut state, options);
    Ok((state, drift))
}

/// Re-evaluates the root module's outputs over the refreshed objects, as
/// Terraform's `apply -refresh-only` does, so `infra output` shows what
/// is real. An output that is not wholly known from state (it depends on
/// something not yet created) or fails keeps its recorded value.
fn refresh_outputs(
    root: &Path,
    files: std::sync::Arc<crate::eval::ModuleFiles>,
    inputs: &Inputs,
    state: &mut State,
    options: &DriftOptions,
) {
    let opts = EvalOptions {
        workspace: options.workspace.clone(),
        hook: Some(std::rc::Rc::new(Observed {
            state: state.clone(),
        })),
        schemas: None,
        keep_values: false,
        stored: None,
    };
    let Ok(session) = Session::from_shared(root, files, inputs.clone(), &opts) else {
        return;
    };
    let Ok(outputs) = session.outputs() else {
        return;
    };
    for (name, value) in outputs {
        if value.has_unknown() {
            continue;
        }
        let sensitive = value.is_sensitive_deep();
        state
            .outputs
            .insert(name, crate::state::OutputState { value, sensitive });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    #[test]
    fn attribute_paths_descend_into_maps_and_objects() {
        let before = obj(&[
            ("content", Value::string("a")),
            ("same", Value::int(1)),
            (
                "tags",
                obj(&[
                    ("env", Value::string("dev")),
                    ("team", Value::string("web")),
                ]),
            ),
            ("list", Value::list(vec![Value::int(1)])),
            ("secret", Value::string("x").mark_if(true)),
        ]);
        let after = obj(&[
            ("content", Value::string("b")),
            ("same", Value::int(1)),
            (
                "tags",
                obj(&[
                    ("env", Value::string("prod")),
                    ("team", Value::string("web")),
                    ("a.b", Value::string("new")),
                ]),
            ),
            ("list", Value::list(vec![Value::int(2)])),
            ("secret", Value::string("y").mark_if(true)),
        ]);
        let d = attribute_diff(&before, &after);
        let paths: Vec<String> = d.iter().map(AttributeDrift::path_string).collect();
        assert_eq!(
            paths,
            ["content", "list", "secret", "tags[\"a.b\"]", "tags.env"]
        );
        assert!(d[2].sensitive());
        assert!(!d[0].sensitive());
        assert!(d[3].before.is_null());
    }

    #[test]
    fn reported_after_puts_ignored_attributes_back() {
        let before = obj(&[
            ("a", Value::string("1")),
            ("tags", obj(&[("x", Value::string("1"))])),
        ]);
        let after = obj(&[
            ("a", Value::string("2")),
            ("tags", obj(&[("x", Value::string("2"))])),
        ]);
        let mut attributes = attribute_diff(&before, &after);
        attributes[1].ignore = Some(IgnoreHit {
            entry: 0,
            expired: false,
        });
        let d = ResourceDrift {
            address: ResourceAddress::parse("x_y.z").expect("address"),
            kind: DriftKind::Changed,
            before: before.clone(),
            after: Some(after),
            attributes,
            ignore: None,
        };
        assert!(d.counts());
        let shown = d.reported_after().expect("after");
        assert!(shown.same_data(&obj(&[
            ("a", Value::string("2")),
            ("tags", obj(&[("x", Value::string("1"))])),
        ])));
    }

    #[test]
    fn causes_of_pending_changes() {
        let addr = ResourceAddress::parse("x_y.z").expect("address");
        let change = |before: Value, after: Value| ResourceChange {
            address: addr.clone(),
            provider: "x".into(),
            action: Action::Update,
            reasons: Vec::new(),
            replace_paths: Vec::new(),
            before: Some(before),
            after: Some(after),
            config_unknown: false,
            dependencies: Vec::new(),
            prior_dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: None,
            planned_private: Vec::new(),
            config: None,
        };
        let v = |a: &str, b: &str| obj(&[("a", Value::string(a)), ("b", Value::string(b))]);
        // Not drifted: the code changed.
        let c = classify(&change(v("1", "1"), v("2", "1")), None).0;
        assert_eq!(
            (c.cause, c.attributes.clone()),
            (ChangeCause::Configuration, vec!["a".to_string()])
        );
        // Drifted `a` from 1 to 9; the configuration still says 1.
        let c = classify(&change(v("9", "1"), v("1", "1")), Some(&v("1", "1"))).0;
        assert_eq!(c.cause, ChangeCause::Drift);
        // Drifted `a`, and the code changed `b`.
        let c = classify(&change(v("9", "1"), v("1", "2")), Some(&v("1", "1"))).0;
        assert_eq!(c.cause, ChangeCause::Both);
        // Drifted `a`, and the code changed `a` too.
        let c = classify(&change(v("9", "1"), v("5", "1")), Some(&v("1", "1"))).0;
        assert_eq!(c.cause, ChangeCause::Both);
        // Drifted `b` only, the code changed `a`: `b` stays as it is.
        let c = classify(&change(v("1", "9"), v("2", "9")), Some(&v("1", "1"))).0;
        assert_eq!(
            (c.cause, c.attributes),
            (ChangeCause::Configuration, vec!["a".to_string()])
        );
    }

    #[test]
    fn recomputed_values_downstream_of_drift_are_blamed_on_drift() {
        let change = |addr: &str, deps: &[&str], before: Value, after: Value| ResourceChange {
            address: ResourceAddress::parse(addr).expect("address"),
            provider: "x".into(),
            action: Action::DeleteThenCreate,
            reasons: Vec::new(),
            replace_paths: Vec::new(),
            before: Some(before),
            after: Some(after),
            config_unknown: false,
            dependencies: deps
                .iter()
                .map(|d| ResourceAddress::parse(d).expect("address"))
                .collect(),
            prior_dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: None,
            planned_private: Vec::new(),
            config: None,
        };
        let known = obj(&[("etag", Value::string("1"))]);
        let unknown = obj(&[("etag", Value::unknown())]);
        // `x_obj.a` was deleted outside infra; `x_list.b` lists its ETag,
        // `x_list.c` lists b's, `x_list.d` depends on nothing that drifted.
        let changes = [
            change("x_list.c", &["x_list.b"], known.clone(), unknown.clone()),
            change("x_list.b", &["x_obj.a"], known.clone(), unknown.clone()),
            change("x_list.d", &[], known.clone(), unknown.clone()),
        ];
        let mut stored = BTreeMap::new();
        stored.insert(ResourceAddress::parse("x_obj.a").expect("address"), known);
        let causes: Vec<(String, ChangeCause)> = classify_all(changes.iter(), &stored)
            .into_iter()
            .map(|p| (p.address.to_string(), p.cause))
            .collect();
        assert_eq!(
            causes,
            vec![
                ("x_list.c".to_string(), ChangeCause::Drift),
                ("x_list.b".to_string(), ChangeCause::Drift),
                ("x_list.d".to_string(), ChangeCause::Configuration),
            ]
        );
    }
}
