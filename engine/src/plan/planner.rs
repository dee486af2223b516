//! The planner: refresh, carry out `moved` blocks on the prior state, then
//! evaluate the configuration with a hook that plans each resource
//! instance when it is first referenced (so planning follows
//! dependencies), then deletes (or, under `removed` blocks, forgets) what
//! left the configuration, `prevent_destroy`, `--target` and output
//! changes.

use super::incremental::{self, Budget, ReadReason, RefreshMode, RefreshReport, Seen};
use super::moves::{self, Declared};
use super::prefetch::{Calls, prefetch};
use super::propose::{changed_attributes, mark_sensitive, propose};
use super::replace;
use super::{Action, OutputChange, Plan, ResourceChange};
use crate::addr::{ResourceAddress, ResourceMode, Target};
use crate::eval::{EvalOptions, IgnoreChanges, Inputs, InstanceHook, InstanceInfo, Session};
use crate::provider::{PathStep, PlanRequest, PlannedState, Providers, validate};
use crate::state::State;
use infra_lang::diagnostic::{did_you_mean, has_errors};
use infra_lang::value::ValueMap;
use infra_lang::value::{Secrets, convert_or_keep};
use infra_lang::{Diagnostic, Span, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::rc::Rc;
use tokio::runtime::Handle;

/// How to plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Which objects to read first: all (default), those the plan
    /// concerns (`--refresh=auto`, `incremental.rs`), none
    /// (`--refresh=false`).
    pub refresh: RefreshMode,
    /// `--refresh-max-age` in seconds: with `auto`, objects last read
    /// longer ago (or never recorded) are read too.
    pub refresh_max_age: i64,
    /// `--refresh-budget`: with `auto`, the stalest other objects read.
    pub refresh_budget: Budget,
    /// `--target`: plan only these and what they depend on.
    pub targets: Vec<Target>,
    /// `--exclude`: plan everything but these and what depends on them
    /// (OpenTofu's `-exclude`; never together with `targets`).
    pub excludes: Vec<Target>,
    /// `--replace`: replace these even if unchanged.
    pub replace: Vec<Target>,
    /// Plan to delete everything (`infra destroy`).
    pub destroy: bool,
    /// Concurrent provider reads.
    pub parallelism: usize,
    /// The workspace name.
    pub workspace: String,
    /// `-generate-config-out=FILE`: where `resource` blocks for imported
    /// objects without one are written (a new file); `None`: such an
    /// import is an error.
    pub generate_config_out: Option<std::path::PathBuf>,
    /// Counts the refresh's reads for a caller showing progress (shared
    /// by clones; a fresh one by default).
    pub progress: std::sync::Arc<super::RefreshProgress>,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            refresh: RefreshMode::All,
            refresh_max_age: DEFAULT_MAX_AGE,
            refresh_budget: Budget::default(),
            targets: Vec::new(),
            excludes: Vec::new(),
            replace: Vec::new(),
            destroy: false,
            parallelism: 10,
            workspace: "default".into(),
            generate_config_out: None,
            progress: std::sync::Arc::default(),
        }
    }
}

/// `--refresh-max-age`'s default: 24 hours, in seconds.
pub const DEFAULT_MAX_AGE: i64 = 24 * 3600;

impl PlanOptions {
    /// True when the plan reads selectively: `--refresh=auto`, or
    /// `--target` with refresh on (reading the targets and what they
    /// depend on by configuration as well as by state). A destroy plan
    /// never does (its scope is `scope.rs`'s).
    pub fn incremental(&self) -> bool {
        !self.destroy
            && (self.refresh == RefreshMode::Auto
                || (self.refresh == RefreshMode::All && !self.targets.is_empty()))
    }

    /// True when every object in scope is read before planning.
    fn refresh_first(&self) -> bool {
        self.refresh != RefreshMode::Off && !self.incremental()
    }
}

/// The planning hook: plans each instance the evaluation meets.
struct Planner {
    providers: Providers,
    prior: Rc<State>,
    options: PlanOptions,
    rt: Handle,
    changes: RefCell<BTreeMap<ResourceAddress, ResourceChange>>,
    /// Errors beyond the first of an instance (the first is returned).
    extra: RefCell<Vec<Diagnostic>>,
    /// Data sources read while planning: their new state.
    data: RefCell<BTreeMap<ResourceAddress, Value>>,
    /// How validate and plan reach the providers (`prefetch.rs`).
    calls: Calls,
    /// Some instance has custom conditions ([`Plan::conditions`]).
    conditions: std::cell::Cell<bool>,
    /// Each managed instance planned: its configuration's digest and
    /// configuration dependencies (`incremental.rs`).
    seen: RefCell<BTreeMap<ResourceAddress, Seen>>,
}

/// The `provider` meta-argument of an instance's block as written:
/// `aws.west`; `None` when not set (the default configuration).
fn provider_meta(info: &InstanceInfo<'_>) -> Option<String> {
    info.provider.clone()
}

fn block_span(info: &InstanceInfo<'_>) -> Span {
    let b = info.decl.block;
    b.labels
        .last()
        .map_or(b.kind.span, |l| Span::new(b.kind.span.start, l.span.end))
}

impl Planner {
    fn new(
        providers: &Providers,
        prior: &Rc<State>,
        options: &PlanOptions,
        rt: &Handle,
        calls: Calls,
    ) -> Planner {
        Planner {
            providers: providers.clone(),
            prior: prior.clone(),
            options: options.clone(),
            rt: rt.clone(),
            changes: RefCell::new(BTreeMap::new()),
            extra: RefCell::new(Vec::new()),
            data: RefCell::new(BTreeMap::new()),
            calls,
            conditions: std::cell::Cell::new(false),
            seen: RefCell::new(BTreeMap::new()),
        }
    }

    fn fail(&self, info: &InstanceInfo<'_>, mut diags: Vec<Diagnostic>) -> Diagnostic {
        let span = block_span(info);
        for d in &mut diags {
            if d.source.is_none() {
                let placed = d
                    .clone()
                    .in_file(info.source)
                    .primary(span, format!("`{}`", info.address));
                *d = Diagnostic {
                    message: format!("{}: {}", info.address, d.message),
                    ..placed
                };
            }
        }
        let first = diags.remove(0);
        self.extra.borrow_mut().extend(diags);
        first
    }

    fn has_pending_change(&self, deps: &BTreeSet<ResourceAddress>) -> bool {
        let changes = self.changes.borrow();
        deps.iter()
            .any(|d| changes.get(d).is_some_and(|c| c.action != Action::NoOp))
    }

    fn plan_instance(&self, mut info: InstanceInfo<'_>) -> Result<Value, Diagnostic> {
        let addr = info.address;
        let data = addr.mode == ResourceMode::Data;
        let meta = provider_meta(&info);
        if let Some(key) = &meta
            && self.providers.get(key).is_none()
        {
            let attr_span = info
                .decl
                .provider
                .map_or_else(|| block_span(&info), |p| p.attribute.expr.span);
            let (name, alias) = key.split_once('.').unwrap_or((key.as_str(), ""));
            return Err(Diagnostic::error(
                "provider::undeclared-configuration",
                format!("`{addr}` uses provider configuration `{key}`, which is not declared"),
            )
            .in_file(info.source)
            .primary(attr_span, "no such provider configuration")
            .with_help(format!(
                "Declare it: `provider \"{name}\" {{ alias = \"{alias}\" ... }}`."
            )));
        }
        let Some((provider_key, provider)) =
            self.providers.resolve(&addr.type_name, meta.as_deref())
        else {
            let all = self.providers.type_names(data);
            let help = match did_you_mean(&addr.type_name, all.iter().map(String::as_str)) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => format!(
                    "Available providers: {}.",
                    self.providers
                        .iter()
                        .map(|(n, _)| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(Diagnostic::error(
                "provider::missing",
                format!(
                    "no provider `{}` for resource type `{}`",
                    Providers::provider_name(&addr.type_name),
                    addr.type_name
                ),
            )
            .in_file(info.source)
            .primary(block_span(&info), "unknown resource type")
            .with_help(help));
        };
        let Some(schema) = self.providers.schema(&addr.type_name, data) else {
            let all = self.providers.type_names(data);
            let help = match did_you_mean(&addr.type_name, all.iter().map(String::as_str)) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => format!("Provider `{}` has no such type.", provider.name()),
            };
            return Err(Diagnostic::error(
                "schema::unknown-type",
                format!(
                    "provider `{}` has no {} `{}`",
                    provider.name(),
                    if data { "data source" } else { "resource type" },
                    addr.type_name
                ),
            )
            .in_file(info.source)
            .primary(block_span(&info), "unknown type")
            .with_help(help));
        };
        let what = format!("`{addr}`");
        let raw = std::mem::replace(&mut info.config, Value::NULL);
        // Providers see values without their marks: whatever of the
        // sensitive ones their messages quote is scrubbed.
        let prior_inst = self.prior.resources.get(addr);
        let secrets = Secrets::of([&raw].into_iter().chain(prior_inst.map(|p| &p.value)));
        let config = validate::conform(schema, &what, raw).map_err(|p| {
            let diags = validate::place(p, info.source, info.decl.block);
            self.fail(&info, diags)
        })?;
        let custom = self
            .calls
            .validate(addr, (provider_key, provider), data, &config);
        if has_errors(&custom) {
            return Err(self.fail(&info, secrets.scrub_all(custom)));
        }
        let deps: Vec<ResourceAddress> = info.dependencies.iter().cloned().collect();
        if data {
            return self.plan_data(&info, (provider_key, provider), schema, config, deps);
        }
        // State values were converted to the schema's types when loaded.
        let prior = prior_inst.map(|p| &p.value);
        // ignore_changes: the prior value stands in for the configured one.
        let config = match (prior, &info.lifecycle.ignore_changes) {
            (Some(p), IgnoreChanges::All) => keep_prior(config, p, None),
            (Some(p), IgnoreChanges::Attributes(names)) => keep_prior(config, p, Some(names)),
            _ => config,
        };
        let config_unknown = config.has_unknown();
        self.seen.borrow_mut().insert(
            addr.clone(),
            Seen {
                digest: crate::state::config_digest(&config),
                dependencies: deps.clone(),
            },
        );
        let mut reasons = Vec::new();
        let mut forced = false;
        if self.options.replace.iter().any(|t| t.matches(addr)) && prior.is_some() {
            forced = true;
            reasons.push("replacement requested with --replace".to_string());
        }
        for (t, text) in &info.lifecycle.replace_triggered_by {
            let changes = self.changes.borrow();
            if changes
                .iter()
                .any(|(a, c)| t.matches(a) && a.module == addr.module && c.action != Action::NoOp)
                && prior.is_some()
            {
                forced = true;
                reasons.push(format!("replace_triggered_by: `{text}` changes"));
            }
        }
        let prior_private = prior_inst.map_or(&[][..], |p| &p.meta.private[..]);
        let address = addr.to_string();
        let call = |prior: Option<&Value>, prior_private: &[u8]| {
            let proposed = propose(schema, prior, &config);
            self.calls
                .plan(
                    addr,
                    (provider_key, provider),
                    schema,
                    PlanRequest {
                        type_name: &addr.type_name,
                        prior,
                        config: &config,
                        proposed,
                        prior_private,
                    },
                    &address,
                )
                .map(|p| PlannedState {
                    planned: mark_sensitive(schema, p.planned),
                    ..p
                })
                .map_err(|d| self.fail(&info, secrets.scrub_all(d)))
        };
        let mut planned = call(prior, prior_private)?;
        let mut replace_paths = Vec::new();
        let action = match prior {
            None => Action::Create,
            Some(p) => {
                let changed = changed_attributes(p, &planned.planned);
                let paths = replace::forcing_paths(
                    schema,
                    p,
                    &planned.planned,
                    &changed,
                    &planned.requires_replace,
                )
                .map_err(|m| {
                    let d = Diagnostic::error(
                        "provider::invalid-plan",
                        format!(
                            "Provider produced invalid plan: provider `{}` for `{addr}`: {m}",
                            provider.name()
                        ),
                    );
                    self.fail(&info, vec![d])
                })?;
                for path in &paths {
                    reasons.push(format!("`{}` forces replacement", replace::path_name(path)));
                    if let Some(PathStep::Attr(top)) = path.first()
                        && !replace_paths.contains(top)
                    {
                        replace_paths.push(top.clone());
                    }
                }
                if forced || !paths.is_empty() {
                    // A replacement creates a new object: planned again
                    // without a prior, as Terraform does.
                    planned = call(None, &[])?;
                    if info.lifecycle.create_before_destroy {
                        Action::CreateThenDelete
                    } else {
                        Action::DeleteThenCreate
                    }
                } else if changed.is_empty() {
                    Action::NoOp
                } else {
                    Action::Update
                }
            }
        };
        if info.lifecycle.prevent_destroy && action.is_replace() {
            return Err(prevent_destroy(&info, &reasons));
        }
        if action == Action::NoOp {
            // No-ops are not recorded: references see the prior state.
            // The planned value stands in for it when the two are equal,
            // marks and all (the usual case), which saves copying it.
            return Ok(match prior {
                Some(p) if *p != planned.planned => p.clone(),
                _ => planned.planned,
            });
        }
        let PlannedState {
            planned: value,
            private: planned_private,
            ..
        } = planned;
        self.changes.borrow_mut().insert(
            addr.clone(),
            ResourceChange {
                address: addr.clone(),
                provider: provider_key.to_string(),
                action,
                reasons,
                replace_paths,
                before: prior.cloned(),
                after: Some(value.clone()),
                config_unknown,
                dependencies: deps,
                prior_dependencies: prior_inst
                    .map(|p| p.dependencies.clone())
                    .unwrap_or_default(),
                create_before_destroy: info.lifecycle.create_before_destroy,
                deposed: None,
                planned_private,
                config: Some(config.clone()),
            },
        );
        Ok(value)
    }

    fn plan_data(
        &self,
        info: &InstanceInfo<'_>,
        (provider_key, provider): (&str, &std::sync::Arc<dyn crate::provider::Provider>),
        schema: &crate::provider::ResourceSchema,
        config: Value,
        deps: Vec<ResourceAddress>,
    ) -> Result<Value, Diagnostic> {
        let addr = info.address;
        let deferred = config.has_unknown() || self.has_pending_change(info.dependencies);
        if self.calls.speculative() {
            // Read only by the real evaluation: predicted unknown.
            return Ok(propose(schema, None, &config));
        }
        if deferred {
            let planned = propose(schema, None, &config);
            self.changes.borrow_mut().insert(
                addr.clone(),
                ResourceChange {
                    address: addr.clone(),
                    provider: provider_key.to_string(),
                    action: Action::Read,
                    reasons: vec![if config.has_unknown() {
                        "its configuration depends on values known only after apply".into()
                    } else {
                        "it depends on resources with pending changes".into()
                    }],
                    replace_paths: Vec::new(),
                    before: None,
                    after: Some(planned.clone()),
                    config_unknown: true,
                    dependencies: deps,
                    prior_dependencies: Vec::new(),
                    create_before_destroy: false,
                    deposed: None,
                    planned_private: Vec::new(),
                    config: None,
                },
            );
            return Ok(planned);
        }
        let secrets = Secrets::of([&config]);
        let (plain, _) = config.unmark_deep();
        let p = provider.clone();
        let t = addr.type_name.clone();
        let value = self
            .rt
            .block_on(async move { p.read_data(&t, plain).await })
            .map_err(|d| self.fail(info, secrets.scrub_all(d)))?;
        let value = mark_sensitive(schema, value);
        self.data.borrow_mut().insert(addr.clone(), value.clone());
        Ok(value)
    }
}

impl InstanceHook for Planner {
    fn value(&self, info: InstanceInfo<'_>) -> Result<Value, Diagnostic> {
        if info.decl.lifecycle.is_some_and(|l| l.has_conditions()) {
            self.conditions.set(true);
        }
        self.plan_instance(info)
    }

    fn providers(&self) -> Option<&Providers> {
        Some(&self.providers)
    }

    fn checks_conditions(&self) -> bool {
        true
    }
}

/// The hook of `destroy`: instances keep their prior values; nothing is
/// planned while evaluating.
struct PriorValues {
    prior: Rc<State>,
    lifecycles: RefCell<BTreeMap<ResourceAddress, bool>>,
}

impl InstanceHook for PriorValues {
    fn value(&self, info: InstanceInfo<'_>) -> Result<Value, Diagnostic> {
        self.lifecycles
            .borrow_mut()
            .insert(info.address.clone(), info.lifecycle.prevent_destroy);
        // An instance missing from state (a partly failed apply, `state
        // rm`) has no attributes to show: unknown, so references to it
        // evaluate instead of failing the destroy.
        Ok(self
            .prior
            .resources
            .get(info.address)
            .map_or_else(Value::unknown, |i| i.value.clone()))
    }
}

fn keep_prior(config: Value, prior: &Value, only: Option<&Vec<String>>) -> Value {
    let (Value::Object(mut c), Value::Object(p)) = (config.clone(), prior.clone().unmark().0)
    else {
        return config;
    };
    for (k, v) in p {
        if only.is_none_or(|names| names.contains(&k)) && c.contains_key(&k) {
            c.insert(k, v);
        }
    }
    Value::Object(c)
}

fn prevent_destroy(info: &InstanceInfo<'_>, reasons: &[String]) -> Diagnostic {
    Diagnostic::error(
        "plan::prevent-destroy",
        format!(
            "`{}` has `lifecycle {{ prevent_destroy = true }}`, but this plan would replace it ({})",
            info.address,
            reasons.join("; ")
        ),
    )
    .in_file(info.source)
    .primary(block_span(info), "protected from destruction")
    .with_help("Change the configuration so the object is updated in place, or remove `prevent_destroy` if it really must go.")
}

/// Why a deposed object is deleted.
pub const DEPOSED_REASON: &str = "left over from a previous create_before_destroy replacement";

/// A delete for every deposed object in `prior` (objects left over from a
/// create-then-delete replacement whose delete did not succeed).
fn deposed_deletes(prior: &State) -> Vec<ResourceChange> {
    let mut out = Vec::new();
    for (addr, inst) in &prior.resources {
        if addr.mode != ResourceMode::Managed {
            continue;
        }
        for (key, value) in &inst.deposed {
            out.push(ResourceChange {
                address: addr.clone(),
                provider: inst.provider.clone(),
                action: Action::Delete,
                reasons: vec![DEPOSED_REASON.to_string()],
                replace_paths: Vec::new(),
                before: Some(value.clone()),
                after: None,
                config_unknown: false,
                dependencies: Vec::new(),
                prior_dependencies: inst.dependencies.clone(),
                create_before_destroy: inst.create_before_destroy,
                deposed: Some(key.clone()),
                planned_private: Vec::new(),
                config: None,
            });
        }
    }
    out
}

/// Sorts changes by address, an instance's own change before the deletes
/// of its deposed objects (by deposed key).
fn sort_changes(changes: &mut [ResourceChange]) {
    changes.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
}

/// Converts every instance's value in `state` (decoded from JSON: objects
/// and tuples) to its schema's object type, with schema-sensitive
/// attributes marked; values that do not convert are left as read. A
/// managed object stored by another schema version than its schema's is
/// first upgraded by its provider (`Provider::upgrade_state`, given the
/// stored JSON) and then records the schema's version.
///
/// # Errors
/// A provider failed to upgrade an object (the message names it).
pub(crate) fn type_state(
    state: &mut State,
    providers: &Providers,
    rt: &Handle,
) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for (addr, inst) in state.resources.iter_mut() {
        let data = addr.mode == ResourceMode::Data;
        let Some(schema) = providers.schema(&addr.type_name, data) else {
            continue;
        };
        let ty = schema.object_type();
        // A value that does not convert is kept as stored; only what could
        // fail to convert is copied to find out.
        let typed = |v: Value| mark_sensitive(schema, convert_or_keep(v, &ty));
        let version = schema.stored_version();
        let provider = providers
            .get(&inst.provider)
            .or_else(|| providers.for_type(&addr.type_name));
        let mut upgrade = |v: &mut Value, stored: u64| {
            let Some(p) = provider.filter(|_| !data && stored != version) else {
                return true;
            };
            let raw = crate::state::codec::encode(v).json.to_string().into_bytes();
            let (p, t) = (p.clone(), addr.type_name.clone());
            match rt.block_on(async move { p.upgrade_state(&t, stored, &raw).await }) {
                Ok(u) => {
                    *v = u;
                    true
                }
                Err(d) => {
                    errors.extend(d.into_iter().map(|d| Diagnostic {
                        message: format!(
                            "upgrading the state of `{addr}` from schema version {stored} to {version}: {}",
                            d.message
                        ),
                        ..d
                    }));
                    false
                }
            }
        };
        if upgrade(&mut inst.value, inst.meta.schema_version) {
            inst.meta.schema_version = version;
        }
        inst.value = typed(std::mem::replace(&mut inst.value, Value::NULL));
        for (key, d) in inst.deposed.iter_mut() {
            let stored = inst.deposed_meta.get(key).map_or(0, |m| m.schema_version);
            if upgrade(d, stored) && stored != version {
                inst.deposed_meta
                    .entry(key.clone())
                    .or_default()
                    .schema_version = version;
            }
            *d = typed(std::mem::replace(d, Value::NULL));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// SHA-256 (hex) of every `.infra` file under `root` (sorted by path,
/// hidden directories skipped): a saved plan records it so apply can
/// refuse a plan made from other configuration.
pub fn config_hash(root: &Path) -> String {
    use sha2::{Digest, Sha256};
    fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().and_then(|x| x.to_str()) == Some("infra") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap_or(&f);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(std::fs::read(&f).unwrap_or_default());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Plans the configuration in `root` against `prior` (the stored state,
/// `None` when there is none yet), in phases: reconcile and refresh the
/// stored state ([`reconcile_and_refresh`]), carry out `moved` blocks
/// ([`carry_out_moves`]), evaluate the configuration with the planning
/// hook (which proposes each instance's change), add the deletes of what
/// the configuration no longer has ([`removed_from_configuration`]), then
/// targets, outputs and the plan itself.
///
/// # Errors
/// Every diagnostic that stops the plan: configuration errors, failed
/// refreshes, provider planning errors, `prevent_destroy` violations.
pub fn plan(
    root: &Path,
    inputs: Inputs,
    providers: &Providers,
    stored: impl FnOnce() -> Result<Option<State>, Vec<Diagnostic>>,
    options: &PlanOptions,
    rt: &Handle,
) -> Result<Plan, Vec<Diagnostic>> {
    // The configuration's digest is read and hashed beside the plan (it
    // reads every file again: 40 MB at 100,000 resources).
    let hashing = {
        let root = root.to_path_buf();
        std::thread::spawn(move || config_hash(&root))
    };
    let Refreshed {
        files,
        declared,
        providers,
        mut prior,
        mut drift,
        mut warnings,
        recovered,
        stored_serial,
    } = reconcile_and_refresh(root, &inputs, providers, stored, options, rt)?;
    let providers = &providers;
    let moved = carry_out_moves(&mut prior, &mut drift, &declared, options)?;
    if !moved.retyped.is_empty() {
        let sources = crate::plugins::required_sources(root);
        moves::move_across_types(&mut prior, &moved, providers, &sources, rt)?;
    }
    warnings.extend(moved.warnings);
    if options.destroy {
        let mut p = plan_destroy(root, files, inputs, prior, stored_serial, drift, options)?;
        p.moves = moved.moves;
        p.warnings = warnings;
        if !(options.targets.is_empty() && options.excludes.is_empty()) {
            p.warnings.push(super::scope::targeting_warning());
        }
        p.recovered = recovered;
        return Ok(p);
    }
    let imports =
        super::imports::carry_out(root, &files, &inputs, providers, &mut prior, options, rt)?;
    let parts = Parts {
        root,
        files: &files,
        inputs: &inputs,
        providers,
        declared: &declared,
        moves: &moved.moves,
        imports: &imports,
        options,
        rt,
    };
    let mut p = if options.incremental() {
        let (mut p, report, more) = plan_incrementally(&parts, prior)?;
        drift.extend(more);
        drift.sort_by(|a, b| a.address.cmp(&b.address));
        // A state without objects has nothing to account for.
        p.refresh = (report.total > 0).then_some(report);
        p
    } else {
        evaluate(&parts, prior)?.0
    };
    warnings.append(&mut p.warnings);
    p.warnings = warnings;
    p.drift = drift;
    p.moves = moved.moves;
    p.imports = imports;
    p.prior_serial = stored_serial;
    p.recovered = recovered;
    p.config_hash = hashing.join().unwrap_or_else(|_| config_hash(root));
    Ok(p)
}

/// What every planning pass of [`plan`] shares: the configuration, the
/// providers, and what was carried out on the prior state first.
struct Parts<'a> {
    root: &'a Path,
    files: &'a std::sync::Arc<crate::eval::ModuleFiles>,
    inputs: &'a Inputs,
    providers: &'a Providers,
    declared: &'a [Declared],
    moves: &'a [super::Move],
    imports: &'a [super::Import],
    options: &'a PlanOptions,
    rt: &'a Handle,
}

/// Plans made by [`plan_incrementally`] at most: the first against the
/// unrefreshed state, then one after each round of reads that found
/// something changed.
const MAX_PASSES: usize = 4;

/// `--refresh=auto` and targeted plans (`incremental.rs`): plans `prior`
/// unrefreshed, reads what that plan concerns ([`incremental::select`]),
/// and plans again when the reads found changes; then reads what the new
/// plan changes without having read it, and so on, at most
/// [`MAX_PASSES`] plans. Returns the plan, the report of what was read,
/// and the drift found.
///
/// # Errors
/// As [`plan`]; a failed read stops the plan.
fn plan_incrementally(
    parts: &Parts<'_>,
    prior: State,
) -> Result<(Plan, RefreshReport, Vec<super::Drift>), Vec<Diagnostic>> {
    let options = parts.options;
    let stored = prior.clone();
    let (mut p, seen) = evaluate(parts, prior.clone())?;
    let mut read = incremental::select(&incremental::Selection {
        prior: &stored,
        seen: &seen,
        changes: &p.changes,
        targets: &options.targets,
        max_age: options.refresh_max_age,
        budget: options.refresh_budget,
        now: crate::state::now_secs(),
    });
    if !options.excludes.is_empty()
        && let Some(scope) = super::scope::refresh_scope(&stored, options)
    {
        read.retain(|a, _| scope.contains(a));
    }
    let mut current = prior;
    let mut done: BTreeSet<ResourceAddress> = BTreeSet::new();
    let mut drift = Vec::new();
    let mut passes = 1;
    loop {
        let todo: BTreeSet<ResourceAddress> = read
            .keys()
            .filter(|a| !done.contains(*a))
            .cloned()
            .collect();
        if todo.is_empty() {
            break;
        }
        let (refreshed, found) = super::scope::refresh_in_scope(
            parts.rt,
            parts.providers,
            current,
            options.parallelism,
            Some(&todo),
            &options.progress,
        )?;
        current = refreshed;
        done.extend(todo);
        if found.is_empty() {
            // The objects read are as recorded: the plan stands, and
            // takes what the reads record beside the values.
            for a in &done {
                if let (Some(i), Some(r)) = (p.prior.resources.get_mut(a), current.resources.get(a))
                {
                    i.meta.read_at = r.meta.read_at;
                    i.meta.private.clone_from(&r.meta.private);
                }
            }
        } else {
            drift.extend(found);
            p = evaluate(parts, current.clone())?.0;
            passes += 1;
        }
        if passes >= MAX_PASSES {
            break;
        }
        for a in incremental::unread_changes(&stored, &p.changes, &read) {
            read.insert(a, ReadReason::Replanned);
        }
    }
    read.retain(|a, _| done.contains(a));
    let report = incremental::report(options.refresh, &stored, read, passes);
    Ok((p, report, drift))
}

/// One planning pass of [`plan`] on `prior` (refreshed as the caller
/// chose): evaluates the configuration with the planning hook (which
/// proposes each instance's change), adds the deletes of what the
/// configuration no longer has ([`removed_from_configuration`]), then
/// targets and outputs. The plan returned has no drift, moves, imports or
/// recovered state yet (the caller's); its `prior` records the
/// configuration digest of each instance planned without a change. Also
/// returns what the pass learnt of each managed instance.
///
/// # Errors
/// Configuration errors, provider planning errors, `prevent_destroy`.
fn evaluate(
    parts: &Parts<'_>,
    prior: State,
) -> Result<(Plan, BTreeMap<ResourceAddress, Seen>), Vec<Diagnostic>> {
    let Parts {
        root,
        files,
        inputs,
        providers,
        declared,
        moves: moved,
        imports,
        options,
        rt,
    } = *parts;
    let prior = Rc::new(prior);
    let prefetched = if providers.iter().any(|(_, p)| p.is_remote()) {
        // Speculative evaluation first: what it predicts plugins will be
        // asked goes out concurrently (`prefetch.rs`).
        let speculation = Rc::new(Planner::new(
            providers,
            &prior,
            options,
            rt,
            Calls::Speculative(RefCell::new(Vec::new())),
        ));
        drop(run_evaluation(
            root,
            files.clone(),
            inputs.clone(),
            options,
            speculation.clone(),
        ));
        prefetch(speculation.calls.take_jobs(), options.parallelism)
    } else {
        Default::default()
    };
    let planner = Rc::new(Planner::new(
        providers,
        &prior,
        options,
        rt,
        Calls::Real(prefetched),
    ));
    let evaluating = crate::timing::Phase::start("evaluation and planning");
    let evaluation = run_evaluation(
        root,
        files.clone(),
        inputs.clone(),
        options,
        planner.clone(),
    );
    drop(evaluating);
    let _rest = crate::timing::Phase::start("plan assembly");
    planner.calls.log_use();
    let mut diags = evaluation.diagnostics;
    diags.extend(planner.extra.borrow_mut().drain(..));
    // A failing `check` assertion is a warning, as in Terraform.
    diags.extend(evaluation.checks.iter().filter_map(|c| c.warning.clone()));
    if !has_errors(&diags) && !declared.is_empty() {
        diags.extend(moves::still_declared(declared, &evaluation.instances));
    }
    diags.extend(super::imports::unmatched(imports, &evaluation.instances));
    if has_errors(&diags) {
        return Err(diags);
    }
    let mut warnings = diags;
    let mut changes = planner.changes.take();
    let forgotten =
        removed_from_configuration(&prior, &evaluation.instances, moved, declared, &mut changes);
    super::imports::keep_generated(imports, &mut changes);
    let mut changes: Vec<ResourceChange> = changes.into_values().collect();
    changes.extend(deposed_deletes(&prior));
    sort_changes(&mut changes);
    if !forgotten.is_empty() {
        warnings.push(forget_warning(&forgotten));
    }
    if !options.targets.is_empty() {
        changes = apply_targets(changes, &options.targets);
    }
    if !options.excludes.is_empty() {
        changes = super::scope::apply_excludes(changes, &options.excludes, false);
    }
    let targeting = !(options.targets.is_empty() && options.excludes.is_empty());
    if targeting {
        warnings.push(super::scope::targeting_warning());
    }
    let outputs = output_changes(&prior, &evaluation.outputs, !targeting);
    drop(evaluation.instances);
    let data = planner.data.take();
    let seen = planner.seen.take();
    let conditions = planner.conditions.get() || !evaluation.checks.is_empty();
    drop(planner);
    let mut prior_with_data = Rc::try_unwrap(prior).unwrap_or_else(|rc| (*rc).clone());
    for (addr, value) in data {
        prior_with_data.resources.insert(
            addr.clone(),
            crate::state::InstanceState {
                value,
                provider: Providers::provider_name(&addr.type_name).to_string(),
                dependencies: Vec::new(),
                create_before_destroy: false,
                deposed: Default::default(),
                meta: Default::default(),
                deposed_meta: Default::default(),
            },
        );
    }
    // An instance planned without a change was planned from this
    // configuration: recorded when the plan's state is written.
    let changed: BTreeSet<&ResourceAddress> = changes.iter().map(|c| &c.address).collect();
    for (addr, s) in &seen {
        if !changed.contains(addr)
            && let Some(i) = prior_with_data.resources.get_mut(addr)
        {
            i.meta.config_digest = Some(s.digest.clone());
        }
    }
    let plan = Plan {
        changes,
        outputs,
        drift: Vec::new(),
        moves: Vec::new(),
        imports: Vec::new(),
        checks: evaluation.checks,
        conditions,
        prior: prior_with_data,
        prior_serial: 0,
        destroy: false,
        targets: options.targets.iter().map(ToString::to_string).collect(),
        excludes: options.excludes.iter().map(ToString::to_string).collect(),
        workspace: options.workspace.clone(),
        // Filled by `plan` from the digest hashed beside it.
        config_hash: String::new(),
        warnings,
        recovered: None,
        refresh: None,
    };
    Ok((plan, seen))
}

/// The state planning starts from, and the configuration read meanwhile.
struct Refreshed {
    /// The parsed configuration.
    files: std::sync::Arc<crate::eval::ModuleFiles>,
    /// Its `moved` and `removed` blocks (child modules' too).
    declared: Vec<Declared>,
    /// The providers, configured from the `provider` blocks.
    providers: Providers,
    /// The stored state, pending creates reconciled, refreshed.
    prior: State,
    /// What refresh found changed outside infra.
    drift: Vec<super::Drift>,
    /// Warnings of the reconciliation.
    warnings: Vec<Diagnostic>,
    /// The stored state after reconciliation, when that changed it.
    recovered: Option<State>,
    /// The stored state's serial.
    stored_serial: u64,
}

/// Phase one of [`plan`]: reads the stored state, reconciles the pending
/// creates of a killed apply (`reconcile.rs`) and refreshes every managed
/// instance, while another thread parses and checks the configuration.
///
/// # Errors
/// The state cannot be read, the configuration does not load, a provider
/// configuration or a refresh fails.
fn reconcile_and_refresh(
    root: &Path,
    inputs: &Inputs,
    providers: &Providers,
    stored: impl FnOnce() -> Result<Option<State>, Vec<Diagnostic>>,
    options: &PlanOptions,
    rt: &Handle,
) -> Result<Refreshed, Vec<Diagnostic>> {
    // The configuration is parsed and checked on another thread while the
    // state is read and refreshed: neither needs the other.
    // The `moved` and `removed` blocks (child modules' too) are read on
    // the same thread.
    let loader = {
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            crate::eval::load_module(&root).map(|files| {
                let declared = moves::collect(&files);
                (files, declared)
            })
        })
    };
    let files = || -> Result<(crate::eval::ModuleFiles, Vec<Declared>), Vec<Diagnostic>> {
        loader.join().unwrap_or_else(|_| {
            Err(vec![Diagnostic::error(
                "eval::loader-crashed",
                "loading the configuration crashed",
            )])
        })
    };
    let read = crate::timing::Phase::start("state read");
    let mut stored = stored()?.unwrap_or_default();
    drop(read);
    let stored_serial = stored.serial;
    let typing = crate::timing::Phase::start("state typed by schema");
    type_state(&mut stored, providers, rt)?;
    drop(typing);
    let mut providers = providers.clone();
    let in_state = crate::eval::state_keys(&stored);
    // Providers with configuration arguments (`aws`) and plugins (which
    // Terraform configures before ReadResource, and which may refuse to
    // read until then) must be configured before they read anything; the
    // others can refresh while the configuration is still being parsed.
    // A state key `aws.west` is a configuration of `aws`.
    // Pending creates of a killed apply are looked for by configured
    // providers first, so they refresh after the configuration is read.
    let needs_configuring = |key: &str| {
        let name = key.split('.').next().unwrap_or(key);
        providers.configurable(name) || providers.get(name).is_some_and(|p| p.is_remote())
    };
    let early = options.refresh_first()
        && stored.pending.is_empty()
        && !stored.resources.is_empty()
        && !stored
            .resources
            .values()
            .any(|i| needs_configuring(&i.provider));
    let mut refreshed = None;
    // With `--target`/`--exclude`, only what the plan works on is read.
    let scope = super::scope::refresh_scope(&stored, options);
    let refresh = |providers: &Providers, stored| {
        let _phase = crate::timing::Phase::start("refresh");
        super::scope::refresh_in_scope(
            rt,
            providers,
            stored,
            options.parallelism,
            scope.as_ref(),
            &options.progress,
        )
    };
    if early {
        refreshed = Some(refresh(&providers, stored)?);
        stored = State::default();
    }
    let waiting = crate::timing::Phase::start("configuration load (wait)");
    let (files, declared) = files()?;
    drop(waiting);
    let files = std::sync::Arc::new(files);
    configure_providers(root, &files, inputs, &mut providers, &in_state, options, rt)?;
    crate::config::ephemeral::refuse(&files.files, &files.dir, &providers)?;
    let mut recovered = None;
    let mut warnings = Vec::new();
    if !stored.pending.is_empty() {
        let r = super::reconcile::reconcile(rt, &providers, &mut stored);
        warnings = r.warnings;
        if r.changed {
            recovered = Some(stored.clone());
        }
    }
    let (prior, drift) = match refreshed {
        Some(r) => r,
        None if options.refresh_first() && !stored.resources.is_empty() => {
            refresh(&providers, stored)?
        }
        None => (stored, Vec::new()),
    };
    Ok(Refreshed {
        files,
        declared,
        providers,
        prior,
        drift,
        warnings,
        recovered,
        stored_serial,
    })
}

/// Phase two of [`plan`]: carries out the `moved` blocks on `prior` (and
/// renames `drift` with it), so the objects are planned at their new
/// addresses.
///
/// # Errors
/// `moved::excluded-by-target`: `--target` or `--exclude` leaves out a
/// moved object.
fn carry_out_moves(
    prior: &mut State,
    drift: &mut [super::Drift],
    declared: &[Declared],
    options: &PlanOptions,
) -> Result<moves::Outcome, Vec<Diagnostic>> {
    let moved = moves::carry_out(prior, declared);
    for d in drift.iter_mut() {
        if let Some(n) = moved.renamed.get(&d.address) {
            d.address = n.clone();
        }
    }
    if !options.excludes.is_empty() {
        super::scope::refuse_excluded_moves(&moved.moves, &options.excludes)?;
    }
    if !options.targets.is_empty() {
        let covered = |a: &ResourceAddress| options.targets.iter().any(|t| t.matches(a));
        let missing: Vec<String> = moved
            .moves
            .iter()
            .filter(|m| !(covered(&m.from) && covered(&m.to)))
            .flat_map(|m| [m.from.to_string(), m.to.to_string()])
            .collect();
        if !missing.is_empty() {
            return Err(vec![Diagnostic::error(
                "moved::excluded-by-target",
                "objects moved by `moved` blocks are left out by `--target`",
            )
            .with_help(format!(
                "infra must plan moved objects with the rest: drop the --target options, or add {}.",
                missing
                    .iter()
                    .map(|a| format!("`--target '{a}'`"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ))]);
        }
    }
    Ok(moved)
}

/// Phase four of [`plan`]: a delete in `changes` for every managed
/// instance of `prior` the configuration (its evaluated `instances`) no
/// longer has, with why; a `forget` instead when its `removed` block says
/// `destroy = false`. Returns the addresses forgotten.
fn removed_from_configuration(
    prior: &State,
    instances: &[crate::eval::EvaluatedInstance],
    moved: &[super::Move],
    declared: &[Declared],
    changes: &mut BTreeMap<ResourceAddress, ResourceChange>,
) -> Vec<String> {
    // Instances in state that the configuration no longer has.
    let in_config: BTreeSet<&ResourceAddress> = instances.iter().map(|i| &i.address).collect();
    // The resources (without keys) in the configuration: made only when
    // something is to be deleted (a plan of 100,000 instances that deletes
    // nothing formats no address).
    let blocks: std::cell::OnceCell<BTreeSet<String>> = std::cell::OnceCell::new();
    let moved_from: BTreeMap<&ResourceAddress, &ResourceAddress> =
        moved.iter().map(|m| (&m.to, &m.from)).collect();
    let mut forgotten = Vec::new();
    for (addr, inst) in &prior.resources {
        if addr.mode != ResourceMode::Managed || in_config.contains(addr) {
            continue;
        }
        let keep = moves::removal(declared, addr).is_some_and(|r| !r.destroy);
        let reason = if keep {
            forgotten.push(addr.to_string());
            "`destroy = false` is set in its `removed` block".to_string()
        } else if let Some(from) = moved_from.get(addr) {
            format!("`{from}` was moved to `{addr}`, which is not in the configuration")
        } else if blocks
            .get_or_init(|| {
                instances
                    .iter()
                    .map(|i| i.address.resource_string())
                    .collect()
            })
            .contains(&addr.resource_string())
        {
            format!("its key {} is no longer in `count`/`for_each`", addr.key)
        } else {
            "it is no longer in the configuration".to_string()
        };
        changes.insert(
            addr.clone(),
            ResourceChange {
                address: addr.clone(),
                provider: inst.provider.clone(),
                action: if keep { Action::Forget } else { Action::Delete },
                reasons: vec![reason],
                replace_paths: Vec::new(),
                before: Some(inst.value.clone()),
                after: None,
                config_unknown: false,
                dependencies: Vec::new(),
                prior_dependencies: inst.dependencies.clone(),
                create_before_destroy: inst.create_before_destroy,
                deposed: None,
                planned_private: Vec::new(),
                config: None,
            },
        );
    }
    forgotten
}

/// The `removed::forget` warning for the addresses `forgotten`.
fn forget_warning(forgotten: &[String]) -> Diagnostic {
    Diagnostic::warning(
                "removed::forget",
                format!(
                    "{} will no longer be managed by infra, but will not be destroyed",
                    if forgotten.len() == 1 {
                        "1 object".to_string()
                    } else {
                        format!("{} objects", forgotten.len())
                    }
                ),
            )
            .with_help(format!(
                "Applying this plan removes {} from the state and leaves the real object alone; `infra import` would manage it again.",
                forgotten
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
}

/// Evaluates the root module's `provider` blocks (in a session of their
/// own over the same parsed files) and configures `providers` with them:
/// only the configurations something uses, the configuration's resources,
/// data sources and `import` blocks or the objects of the state, whose
/// configurations are `in_state` (Terraform's `PruneProviderTransformer`
/// removes the others before anything is configured; see
/// [`crate::eval::ProviderUse`]).
///
/// # Errors
/// Evaluation errors of the used blocks; configuration the providers
/// refuse.
pub fn configure_providers(
    root: &Path,
    files: &std::sync::Arc<crate::eval::ModuleFiles>,
    inputs: &Inputs,
    providers: &mut Providers,
    in_state: &std::collections::BTreeSet<String>,
    options: &PlanOptions,
    rt: &Handle,
) -> Result<(), Vec<Diagnostic>> {
    // Plugins are configured even without a block (`provider::configure`).
    if files.blocks_of("provider").next().is_none() && !providers.iter().any(|(_, p)| p.is_remote())
    {
        return Ok(());
    }
    let mut used = crate::eval::ProviderUse::of_configuration(files);
    for key in in_state {
        used.add(key);
    }
    let opts = EvalOptions {
        workspace: options.workspace.clone(),
        hook: None,
        schemas: None,
        keep_values: false,
        stored: None,
    };
    let session = Session::from_shared(root, files.clone(), inputs.clone(), &opts)?;
    let uses = |key: &str| used.uses(key);
    let configs = session.provider_configs(&uses)?;
    rt.block_on(crate::provider::configure(providers, configs, &uses))
}

fn run_evaluation(
    root: &Path,
    files: std::sync::Arc<crate::eval::ModuleFiles>,
    inputs: Inputs,
    options: &PlanOptions,
    hook: Rc<dyn InstanceHook>,
) -> crate::eval::Evaluation {
    let opts = EvalOptions {
        workspace: options.workspace.clone(),
        hook: Some(hook),
        schemas: None,
        keep_values: false,
        stored: None,
    };
    match Session::from_shared(root, files, inputs, &opts) {
        Ok(s) => s.evaluate_all(),
        Err(diagnostics) => crate::eval::Evaluation {
            diagnostics,
            ..Default::default()
        },
    }
}

/// Keeps the changes of targeted instances and of everything they depend
/// on (transitively); drops the rest.
fn apply_targets(changes: Vec<ResourceChange>, targets: &[Target]) -> Vec<ResourceChange> {
    // An instance's own change (not its deposed objects' deletes).
    let by_addr: BTreeMap<&ResourceAddress, &ResourceChange> = changes
        .iter()
        .filter(|c| c.deposed.is_none())
        .map(|c| (&c.address, c))
        .collect();
    let mut keep: BTreeSet<ResourceAddress> = BTreeSet::new();
    let mut todo: Vec<ResourceAddress> = changes
        .iter()
        .filter(|c| targets.iter().any(|t| t.matches(&c.address)))
        .map(|c| c.address.clone())
        .collect();
    while let Some(a) = todo.pop() {
        if !keep.insert(a.clone()) {
            continue;
        }
        if let Some(c) = by_addr.get(&a) {
            todo.extend(c.dependencies.iter().cloned());
        }
    }
    changes
        .into_iter()
        .filter(|c| keep.contains(&c.address))
        .collect()
}

/// Output changes between state and the evaluated outputs. With
/// targeting, outputs are left alone.
fn output_changes(prior: &State, outputs: &ValueMap, all: bool) -> Vec<OutputChange> {
    if !all {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, v) in outputs {
        let before = prior.outputs.get(name).map(|o| o.value.clone());
        out.push(OutputChange {
            name: name.clone(),
            before,
            after: Some(v.clone()),
            sensitive: v.is_sensitive_deep(),
        });
    }
    for (name, o) in &prior.outputs {
        if !outputs.contains_key(name) {
            out.push(OutputChange {
                name: name.clone(),
                before: Some(o.value.clone()),
                after: None,
                sensitive: o.sensitive,
            });
        }
    }
    for o in &mut out {
        if let (Some(b), Some(a)) = (&o.before, &o.after)
            && b.same_data(a)
        {
            o.after = o.before.clone();
        }
    }
    out
}

/// `infra destroy`: every managed instance in state is deleted, dependents
/// first. The configuration is evaluated (with prior values) only to honour
/// `prevent_destroy`.
fn plan_destroy(
    root: &Path,
    files: std::sync::Arc<crate::eval::ModuleFiles>,
    inputs: Inputs,
    prior: State,
    prior_serial: u64,
    drift: Vec<super::Drift>,
    options: &PlanOptions,
) -> Result<Plan, Vec<Diagnostic>> {
    let prior = Rc::new(prior);
    let hook = Rc::new(PriorValues {
        prior: prior.clone(),
        lifecycles: RefCell::new(BTreeMap::new()),
    });
    let evaluation = run_evaluation(root, files, inputs, options, hook.clone());
    if has_errors(&evaluation.diagnostics) {
        return Err(evaluation.diagnostics);
    }
    let protected = hook.lifecycles.take();
    let mut changes = Vec::new();
    for (addr, inst) in &prior.resources {
        if addr.mode != ResourceMode::Managed {
            continue;
        }
        changes.push(ResourceChange {
            address: addr.clone(),
            provider: inst.provider.clone(),
            action: Action::Delete,
            reasons: vec!["`infra destroy`".into()],
            replace_paths: Vec::new(),
            before: Some(inst.value.clone()),
            after: None,
            config_unknown: false,
            dependencies: Vec::new(),
            prior_dependencies: inst.dependencies.clone(),
            create_before_destroy: false,
            deposed: None,
            planned_private: Vec::new(),
            config: None,
        });
    }
    changes.extend(deposed_deletes(&prior));
    sort_changes(&mut changes);
    if !options.targets.is_empty() {
        // Destroying a target destroys what depends on it.
        let mut keep: BTreeSet<ResourceAddress> = changes
            .iter()
            .filter(|c| options.targets.iter().any(|t| t.matches(&c.address)))
            .map(|c| c.address.clone())
            .collect();
        loop {
            let before = keep.len();
            for c in &changes {
                if c.prior_dependencies.iter().any(|d| keep.contains(d)) {
                    keep.insert(c.address.clone());
                }
            }
            if keep.len() == before {
                break;
            }
        }
        changes.retain(|c| keep.contains(&c.address));
    }
    if !options.excludes.is_empty() {
        changes = super::scope::apply_excludes(changes, &options.excludes, true);
    }
    // Only what would be destroyed is refused: `--exclude` (or a target
    // elsewhere) leaves a protected object alone.
    let errors: Vec<Diagnostic> = changes
        .iter()
        .filter(|c| c.deposed.is_none() && protected.get(&c.address).copied().unwrap_or(false))
        .map(|c| {
            Diagnostic::error(
                "plan::prevent-destroy",
                format!(
                    "`{}` has `lifecycle {{ prevent_destroy = true }}` and cannot be destroyed",
                    c.address
                ),
            )
            .with_help(
                "Remove `prevent_destroy` from its lifecycle block first if it really must go.",
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let outputs = if options.targets.is_empty() && options.excludes.is_empty() {
        prior
            .outputs
            .iter()
            .map(|(n, o)| OutputChange {
                name: n.clone(),
                before: Some(o.value.clone()),
                after: None,
                sensitive: o.sensitive,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Plan {
        changes,
        outputs,
        drift,
        moves: Vec::new(),
        imports: Vec::new(),
        checks: Vec::new(),
        conditions: false,
        prior: (*prior).clone(),
        prior_serial,
        destroy: true,
        workspace: options.workspace.clone(),
        targets: options.targets.iter().map(ToString::to_string).collect(),
        excludes: options.excludes.iter().map(ToString::to_string).collect(),
        config_hash: config_hash(root),
        warnings: if options.targets.is_empty() && options.excludes.is_empty() {
            Vec::new()
        } else {
            vec![super::scope::targeting_warning()]
        },
        recovered: None,
        refresh: None,
    })
}
