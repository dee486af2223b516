//! Evaluating a configuration: every module instance's variables, consts,
//! locals, resources (expanded by `count` / `for_each`), child modules,
//! outputs and checks, into the values the planner works from. Values are
//! computed lazily on first reference and memoised, so evaluation order
//! follows references and each expression is evaluated once.

mod backend;
mod conditions;
mod encryption;
mod functions;
mod imports;
mod instance;
mod loader;
mod module_provider_keys;
mod modules;
mod provider_config;
mod provider_use;
mod resources;
mod variables;

pub use backend::{BackendConfig, backend_config};
pub use encryption::{encryption_config, encryption_spec};
pub use imports::ImportTarget;
pub use loader::{ModuleFiles, load_module, load_std_module};
pub use provider_use::{ProviderUse, state_keys};
pub use resources::Expansion;
pub use variables::{CliInput, InputValue, Inputs, collect_inputs, parse_var_file};

use crate::addr::{ModulePath, ResourceAddress, ResourceMode};
use crate::provider::Providers;
use conditions::{ConditionKind, Outcome};
use infra_lang::diagnostic::has_errors;
use infra_lang::eval::{Evaluator, Site};
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, SourceFile, Span, Value, syntax};
use instance::ModuleInstance;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// State shared by every module instance of one evaluation.
pub(crate) struct Shared {
    pub root_dir: PathBuf,
    pub cwd: PathBuf,
    pub workspace: String,
    pub diags: RefCell<Vec<Diagnostic>>,
    /// Loaded child modules by source key (`None`: failed to load, already
    /// reported).
    pub modules: RefCell<HashMap<String, Option<Arc<ModuleFiles>>>>,
    /// Frames of resource instances referenced by the values being
    /// computed, innermost last.
    pub deps: RefCell<Vec<instance::Deps>>,
    /// Decides what references to resource instances see.
    pub hook: Option<Rc<dyn InstanceHook>>,
    /// See [`EvalOptions::schemas`].
    pub schemas: Option<Providers>,
    /// See [`EvalOptions::keep_values`].
    pub keep_values: bool,
    /// See [`EvalOptions::stored`].
    pub stored: Option<Rc<BTreeMap<ResourceAddress, Value>>>,
}

impl Shared {
    /// Adds `deps` to the innermost frame.
    pub(crate) fn add_deps(&self, deps: &instance::Deps) {
        if deps.is_empty() {
            return;
        }
        if let Some(top) = self.deps.borrow_mut().last_mut() {
            top.extend(deps.iter().cloned());
        }
    }
}

/// Options of one evaluation.
#[derive(Clone)]
pub struct EvalOptions {
    /// The workspace name (`infra.workspace`); `"default"` unless chosen.
    pub workspace: String,
    /// What references to resource instances see; without one, their
    /// configuration with unset attributes unknown.
    pub hook: Option<Rc<dyn InstanceHook>>,
    /// Provider schemas, for evaluating without a hook (`infra eval`,
    /// `infra graph`): an instance's value is then its configuration plus
    /// every attribute its schema declares that the configuration does not
    /// set (unknown when computed, else null), so splats and `for`
    /// expressions over whole instances see them. Without schemas (or for a
    /// type no provider has), an unset attribute is unknown only when
    /// referred to directly.
    pub schemas: Option<Providers>,
    /// Copy each instance's configuration and value into
    /// [`Evaluation::instances`] (the planner, which has them already,
    /// turns it off to save memory: they are left null).
    pub keep_values: bool,
    /// Without a hook: the values of instances as stored in the state
    /// (`infra eval`/`console` after an apply, as `terraform console`
    /// sees them); an instance that is not stored gets the schema-based
    /// value described at [`EvalOptions::schemas`].
    pub stored: Option<Rc<BTreeMap<ResourceAddress, Value>>>,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            workspace: "default".into(),
            hook: None,
            schemas: None,
            keep_values: true,
            stored: None,
        }
    }
}

/// `lifecycle { ignore_changes = ... }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum IgnoreChanges {
    /// Nothing ignored.
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// Top-level attribute names.
    Attributes(Vec<String>),
}

/// A resource's `lifecycle` block, evaluated.
#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    /// Replace by creating the new object before deleting the old one.
    pub create_before_destroy: bool,
    /// Refuse any plan that deletes the object.
    pub prevent_destroy: bool,
    /// Attributes whose configured changes are ignored.
    pub ignore_changes: IgnoreChanges,
    /// Resources (or instances) whose change replaces this one, with the
    /// reference as written.
    pub replace_triggered_by: Vec<(crate::addr::Target, String)>,
}

/// Everything known of one resource instance when its value is decided.
pub struct InstanceInfo<'a> {
    /// Its address.
    pub address: &'a ResourceAddress,
    /// Its evaluated configuration (an object; may hold unknowns).
    pub config: Value,
    /// Resource instances its configuration referenced, plus `depends_on`.
    pub dependencies: &'a BTreeSet<ResourceAddress>,
    /// Its lifecycle settings.
    pub lifecycle: &'a Lifecycle,
    /// The file of its block.
    pub source: &'a Arc<SourceFile>,
    /// Its declaration (the block, for placing diagnostics, and its
    /// meta-arguments, e.g. `provider`).
    pub decl: &'a crate::config::decl::ResourceDecl<'a>,
    /// The root-module provider configuration it uses (`aws.usw2`),
    /// after module calls' `providers` maps; `None` for the default
    /// configuration of its type's provider.
    pub provider: Option<String>,
}

/// Decides the value references to a resource instance see: the planner
/// answers with the planned state, apply with the new state.
pub trait InstanceHook {
    /// The instance's value.
    ///
    /// # Errors
    /// A diagnostic when it cannot be planned; dependents fail silently.
    fn value(&self, info: InstanceInfo<'_>) -> Result<Value, Diagnostic>;

    /// The providers whose functions `provider::NAME::FUNC(...)` calls
    /// (the planner's and apply's); `None` (the default) falls back to
    /// [`EvalOptions::schemas`], and without those a provider function's
    /// result is unknown, as in Terraform's `validate`.
    fn providers(&self) -> Option<&Providers> {
        None
    }

    /// Whether evaluation checks each instance's `precondition`s before
    /// asking [`InstanceHook::value`] and its `postcondition`s against the
    /// answer (the planner's hook); `false` by default (apply checks them
    /// around each operation itself).
    fn checks_conditions(&self) -> bool {
        false
    }
}

/// One resource instance with its evaluated configuration.
#[derive(Clone, Debug)]
pub struct EvaluatedInstance {
    /// Its address, e.g. `module.web.aws_s3_object.page["index.html"]`.
    pub address: ResourceAddress,
    /// The configuration object (meta-arguments removed). Attributes
    /// computed from other resources' not-yet-known attributes are unknown.
    pub config: Value,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// The span of the block's type label.
    pub span: Span,
    /// Resource instances it depends on (references and `depends_on`).
    pub dependencies: BTreeSet<ResourceAddress>,
    /// The value references see (the planned state when planning).
    pub value: Value,
    /// Its lifecycle settings.
    pub lifecycle: Lifecycle,
}

/// The result of a `check` block's assertion.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckStatus {
    /// The condition holds.
    Pass,
    /// The condition is false; the error message.
    Fail(String),
    /// The condition is not known until apply.
    Unknown,
}

/// One `assert` of a `check` block.
#[derive(Clone, Debug)]
pub struct CheckResult {
    /// `check.NAME` with its module path.
    pub address: String,
    /// The outcome.
    pub status: CheckStatus,
    /// What plan and apply show when it does not pass: a warning
    /// (`check::assert-failed` with the values involved, or why the
    /// condition could not be evaluated), as in Terraform.
    pub warning: Option<Diagnostic>,
}

/// Everything evaluation produced.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Every resource and data source instance of every module, in module
    /// then declaration order.
    pub instances: Vec<EvaluatedInstance>,
    /// The root module's outputs (sensitive ones marked).
    pub outputs: ValueMap,
    /// Results of `check` blocks.
    pub checks: Vec<CheckResult>,
    /// Errors and warnings, in the order met.
    pub diagnostics: Vec<Diagnostic>,
}

fn new_shared(root: &Path, options: &EvalOptions) -> Rc<Shared> {
    Rc::new(Shared {
        root_dir: root.to_path_buf(),
        cwd: std::env::current_dir().unwrap_or_else(|_| root.to_path_buf()),
        workspace: options.workspace.clone(),
        diags: RefCell::new(Vec::new()),
        modules: RefCell::new(HashMap::new()),
        deps: RefCell::new(Vec::new()),
        hook: options.hook.clone(),
        schemas: options.schemas.clone(),
        keep_values: options.keep_values,
        stored: options.stored.clone(),
    })
}

/// Input names that the root module does not declare: an error for
/// `-var`/`--const` (a typo would silently do nothing), ignored for
/// environment variables and var files, as Terraform does.
fn check_input_names(files: &ModuleFiles, inputs: &Inputs) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut check = |kind: &str, name: &str, declared: Vec<&str>, origin: &str| {
        let help = match infra_lang::diagnostic::did_you_mean(name, declared.iter().copied()) {
            Some(s) => format!("Did you mean `{s}`?"),
            None => format!(
                "Declare it with `{kind} \"{name}\" {{}}`, or remove the {origin} argument."
            ),
        };
        diags.push(
            Diagnostic::error(
                "input::undeclared",
                format!("{origin} sets `{name}`, but there is no {kind} `{name}`"),
            )
            .with_help(help),
        );
    };
    for (name, v) in &inputs.vars {
        if let InputValue::Raw { origin, .. } = v
            && origin == "-var"
            && !files.variables.contains_key(name)
        {
            check(
                "variable",
                name,
                files.variables.keys().map(String::as_str).collect(),
                "-var",
            );
        }
    }
    for name in inputs.consts.keys() {
        if !files.consts.contains_key(name) {
            check(
                "const",
                name,
                files.consts.keys().map(String::as_str).collect(),
                "--const",
            );
        }
    }
    diags
}

/// Evaluates the configuration in `root` with `inputs`.
///
/// Static checks run first; evaluation runs only when they pass. Every
/// variable is evaluated before anything else, so all missing required
/// variables are reported together.
pub fn evaluate(root: &Path, inputs: Inputs, options: &EvalOptions) -> Evaluation {
    match Session::new(root, inputs, options) {
        Ok(s) => s.evaluate_all(),
        Err(diagnostics) => Evaluation {
            diagnostics,
            ..Evaluation::default()
        },
    }
}

/// A configuration loaded for evaluation, kept alive so values can be
/// asked for one at a time (apply re-evaluates a resource's configuration
/// once the values it waited for are known). Values are memoised for the
/// session's life.
pub struct Session {
    root: ModuleInstance,
    shared: Rc<Shared>,
    /// An empty file the sites of apply's look-ups point at.
    site_file: Arc<SourceFile>,
}

/// A site in `file` (empty) for look-ups that have no place in the
/// configuration.
fn apply_site(file: &Arc<SourceFile>) -> Site<'_> {
    Site {
        source: file,
        span: Span::new(0, 0),
    }
}

/// The error for an instance the configuration no longer has.
fn instance_gone(address: &ResourceAddress) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "apply::instance-gone",
        format!("the configuration no longer has `{address}`"),
    )]
}

impl Session {
    /// Loads and checks the configuration in `root`.
    ///
    /// # Errors
    /// Load and static-check diagnostics; undeclared `-var`/`--const`.
    pub fn new(
        root: &Path,
        inputs: Inputs,
        options: &EvalOptions,
    ) -> Result<Session, Vec<Diagnostic>> {
        Session::from_files(root, load_module(root)?, inputs, options)
    }

    /// A session over module files loaded already (e.g. on another thread
    /// while state was read).
    ///
    /// # Errors
    /// Undeclared `-var`/`--const`.
    pub fn from_files(
        root: &Path,
        files: ModuleFiles,
        inputs: Inputs,
        options: &EvalOptions,
    ) -> Result<Session, Vec<Diagnostic>> {
        Session::from_shared(root, Arc::new(files), inputs, options)
    }

    /// A session over module files shared with another session (e.g. the
    /// one that evaluated the provider configurations).
    ///
    /// # Errors
    /// Undeclared `-var`/`--const`.
    pub fn from_shared(
        root: &Path,
        files: Arc<ModuleFiles>,
        inputs: Inputs,
        options: &EvalOptions,
    ) -> Result<Session, Vec<Diagnostic>> {
        let input_diags = check_input_names(&files, &inputs);
        if !input_diags.is_empty() {
            return Err(input_diags);
        }
        let shared = new_shared(root, options);
        let root = ModuleInstance::new(files, ModulePath::default(), shared.clone(), inputs);
        Ok(Session {
            root,
            shared,
            site_file: SourceFile::new("<apply>", String::new()),
        })
    }

    /// Evaluates everything: every instance, output and check.
    pub fn evaluate_all(self) -> Evaluation {
        let mut ev = Evaluation::default();
        walk(&self.root, &mut ev);
        if let Ok(Value::Object(outputs)) = self.root.outputs_object() {
            ev.outputs = outputs;
        }
        ev.diagnostics = self.shared.diags.take();
        ev
    }

    /// Evaluates everything (see [`Session::evaluate_all`]) for the
    /// results of the `check` blocks, with the evaluation's errors: what
    /// `infra drift` reports over the objects as read, and apply over the
    /// objects as applied.
    pub fn check_results(self) -> (Vec<CheckResult>, Vec<Diagnostic>) {
        let ev = self.evaluate_all();
        let errors = ev
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        (ev.checks, errors)
    }

    /// The root module's files, to share with another session
    /// ([`Session::from_shared`]).
    pub fn files(&self) -> Arc<ModuleFiles> {
        self.root.files.clone()
    }

    /// Whether the root module has `check` blocks or child modules (which
    /// may have some).
    pub fn may_have_checks(&self) -> bool {
        !self.root.files.checks.is_empty() || !self.root.files.modules.is_empty()
    }

    /// The evaluated configuration of the instance at `address` (with the
    /// values the hook gives for the resources it references).
    ///
    /// # Errors
    /// Its evaluation's diagnostics; an error when the configuration has
    /// no such instance.
    pub fn instance_config(&self, address: &ResourceAddress) -> Result<Value, Vec<Diagnostic>> {
        let m = self.module_of(address)?;
        self.instance_of(m.as_deref().unwrap_or(&self.root), address)
            .map(|i| i.config)
    }

    /// Checks the `precondition`s (`post` is `None`) or `postcondition`s
    /// (`self` is `post`: the applied or read object) of the instance at
    /// `address` during apply, with the values the hook gives for what
    /// they reference. Mirrors Terraform, which checks every condition
    /// again at apply; a condition still unknown then is an error
    /// (`condition::unknown`).
    ///
    /// # Errors
    /// False, invalid or unknown conditions; the instance's evaluation's
    /// diagnostics.
    pub fn instance_conditions(
        &self,
        address: &ResourceAddress,
        post: Option<Value>,
    ) -> Result<(), Vec<Diagnostic>> {
        let m = self.module_of(address)?;
        let m: &ModuleInstance = m.as_deref().unwrap_or(&self.root);
        let Some((src, decl)) = m
            .files
            .resource(address.mode, &address.type_name, &address.name)
        else {
            return Ok(());
        };
        let Some(l) = decl.lifecycle else {
            return Ok(());
        };
        if l.conditions(post.is_some()).next().is_none() {
            return Ok(());
        }
        let i = self.instance_of(m, address)?;
        let mut bindings: Vec<_> = i.binding.iter().cloned().collect();
        let (kind, is_post) = match post {
            None => (ConditionKind::Precondition, false),
            Some(v) => {
                bindings.push(("self", v));
                (ConditionKind::Postcondition, true)
            }
        };
        let subject = address.to_string();
        let result = m.conditions(src, l.conditions(is_post), &bindings, kind, &subject);
        let mut diags = self.shared.diags.take();
        match result {
            Ok(_) if has_errors(&diags) => Err(diags),
            Ok(true) => Ok(()),
            Ok(false) => Err(vec![
                Diagnostic::error(
                    "condition::unknown",
                    format!(
                        "a {} of `{subject}` is still not known during apply",
                        if is_post {
                            "postcondition"
                        } else {
                            "precondition"
                        }
                    ),
                )
                .in_file(src)
                .primary(
                    l.block.kind.span,
                    "its conditions depend on values not known yet",
                ),
            ]),
            Err(ds) => {
                diags.extend(ds.into_iter().filter(|d| !conditions::is_upstream(d)));
                Err(diags)
            }
        }
    }

    /// The root-module provider configuration `address` uses (`aws.usw2`),
    /// after the `providers` maps of the module calls on its way; `None`
    /// for the default configuration of its type's provider.
    ///
    /// # Errors
    /// An instance the configuration does not declare; evaluation errors
    /// of the module calls; `provider::not-passed`.
    pub fn instance_provider(
        &self,
        address: &ResourceAddress,
    ) -> Result<Option<String>, Vec<Diagnostic>> {
        let m = self.module_of(address)?;
        let m: &ModuleInstance = m.as_deref().unwrap_or(&self.root);
        let (src, decl) = m
            .files
            .resource(address.mode, &address.type_name, &address.name)
            .ok_or_else(|| instance_gone(address))?;
        m.instance_provider_key(src, &decl).map_err(|d| vec![d])
    }

    /// The module instance of `address` (`None`: the root).
    fn module_of(
        &self,
        address: &ResourceAddress,
    ) -> Result<Option<Rc<ModuleInstance>>, Vec<Diagnostic>> {
        let mut current: Option<Rc<ModuleInstance>> = None;
        for step in &address.module.0 {
            let m: &ModuleInstance = current.as_deref().unwrap_or(&self.root);
            let call = m
                .module_call(&step.name, &apply_site(&self.site_file))
                .map_err(|_| self.take_errors())?;
            let child = call
                .instances
                .iter()
                .find(|(k, _)| *k == step.key)
                .map(|(_, c)| c.clone())
                .ok_or_else(|| instance_gone(address))?;
            current = Some(child);
        }
        Ok(current)
    }

    /// The evaluated instance at `address` of module instance `m`.
    fn instance_of(
        &self,
        m: &ModuleInstance,
        address: &ResourceAddress,
    ) -> Result<resources::InstanceEval, Vec<Diagnostic>> {
        let site = apply_site(&self.site_file);
        let r = m
            .resource_eval(address.mode, &address.type_name, &address.name, &site)
            .map_err(|_| self.take_errors())?;
        let found = r.instances.iter().find(|i| i.key == address.key).cloned();
        found.ok_or_else(|| instance_gone(address))
    }

    /// The root module's outputs.
    ///
    /// # Errors
    /// Diagnostics of outputs that failed.
    pub fn outputs(&self) -> Result<ValueMap, Vec<Diagnostic>> {
        match self.root.outputs_object() {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(self.take_errors()),
        }
    }

    fn take_errors(&self) -> Vec<Diagnostic> {
        let mut d = self.shared.diags.take();
        if d.is_empty() {
            d.push(Diagnostic::error(
                "eval::failed",
                "the configuration failed to evaluate",
            ));
        }
        d
    }
}

/// Evaluates every part of module instance `m` and its children.
fn walk(m: &ModuleInstance, ev: &mut Evaluation) {
    let keep = m.shared.keep_values;
    let files = m.files.clone();
    let names: Vec<String> = files.variables.keys().cloned().collect();
    let mut valid = Vec::new();
    for name in &names {
        if let Some((src, b)) = files.variables.get(name).and_then(|at| files.block(*at))
            && m.variable(
                name,
                &Site {
                    source: src,
                    span: b.kind.span,
                },
            )
            .is_ok()
        {
            valid.push(name);
        }
    }
    // Validations run for every variable that has a value, so one run
    // reports every input problem.
    for name in valid {
        m.validate_variable(name);
    }
    if has_errors(&m.shared.diags.borrow()) {
        return;
    }
    for (name, at) in &files.consts {
        if let Some((src, b)) = files.block(*at) {
            let _ = m.constant(
                name,
                &Site {
                    source: src,
                    span: b.kind.span,
                },
            );
        }
    }
    for name in files.locals.keys() {
        if let Some((src, a)) = files.locals.get(name).and_then(|at| files.local(*at)) {
            let _ = m.resolve_local(
                name,
                &Site {
                    source: src,
                    span: a.name.span,
                },
            );
        }
    }
    for (mode, table) in [
        (ResourceMode::Managed, &files.resources),
        (ResourceMode::Data, &files.data),
    ] {
        for ((t, n), at) in table {
            let Some((src, b)) = files.block(*at) else {
                continue;
            };
            let site = Site {
                source: src,
                span: b.kind.span,
            };
            if let (Ok(r), Ok(values)) = (
                m.resource_eval(mode, t, n, &site),
                m.resource_values(mode, t, n, &site),
            ) {
                for (inst, (_, value)) in r.instances.iter().zip(values.instances.iter()) {
                    ev.instances.push(EvaluatedInstance {
                        address: ResourceAddress {
                            module: m.path.clone(),
                            mode,
                            type_name: t.clone(),
                            name: n.clone(),
                            key: inst.key.clone(),
                        },
                        config: if keep {
                            inst.config.clone()
                        } else {
                            Value::NULL
                        },
                        source: src.clone(),
                        span: b.labels.first().map_or(b.kind.span, |l| l.span),
                        dependencies: r.deps.clone(),
                        value: if keep { value.clone() } else { Value::NULL },
                        lifecycle: r.lifecycle.clone(),
                    });
                }
            }
        }
    }
    for name in files.modules.keys() {
        let Some((src, b)) = files.modules.get(name).and_then(|at| files.block(*at)) else {
            continue;
        };
        if let Ok(call) = m.module_call(
            name,
            &Site {
                source: src,
                span: b.kind.span,
            },
        ) {
            for (_, child) in &call.instances {
                walk(child, ev);
            }
        }
    }
    for name in files.outputs.keys() {
        let _ = m.output(name);
    }
    for name in files.checks.keys() {
        let Some((src, d)) = files.check(name) else {
            continue;
        };
        let address = if m.path.is_root() {
            format!("check.{name}")
        } else {
            format!("{}.check.{name}", m.path)
        };
        for a in &d.asserts {
            if a.condition.is_none() {
                continue;
            }
            let (status, warning) = match m.condition(src, a, &[], ConditionKind::Assert, &address)
            {
                Outcome::Pass => (CheckStatus::Pass, None),
                // Terraform warns too ("Check block assertion known after
                // apply").
                Outcome::Unknown => (
                    CheckStatus::Unknown,
                    a.condition.map(|c| {
                        Diagnostic::warning(
                            "check::unknown",
                            format!("assertion of `{address}` is known only after apply"),
                        )
                        .in_file(src)
                        .primary(c.expr.span, "depends on values not known yet")
                        .with_help("It is checked at the end of apply.")
                    }),
                ),
                Outcome::Fail(msg, d) => (CheckStatus::Fail(msg), Some(d)),
                // A scoped data source that failed was reported (as a
                // warning); what uses it is not known.
                Outcome::Invalid(d) if conditions::is_upstream(&d) => (CheckStatus::Unknown, None),
                Outcome::Invalid(d) => (
                    CheckStatus::Fail(d.message.clone()),
                    Some(Diagnostic {
                        severity: infra_lang::Severity::Warning,
                        ..d
                    }),
                ),
            };
            ev.checks.push(CheckResult {
                address: address.clone(),
                status,
                warning,
            });
        }
    }
}

/// The root module's required variables (no `default`) that `inputs`
/// gives no value for, with their descriptions — what an interactive
/// command asks for before evaluating (as Terraform prompts).
///
/// # Errors
/// The module's load and static-check diagnostics.
pub fn missing_variables(
    root: &Path,
    inputs: &Inputs,
) -> Result<Vec<(String, Option<String>)>, Vec<Diagnostic>> {
    let files = load_module(root)?;
    let mut out = Vec::new();
    for name in files.variables.keys() {
        let Some((_, d)) = files.variable(name) else {
            continue;
        };
        if d.default.is_some() || inputs.vars.contains_key(name) {
            continue;
        }
        let description = d.description.and_then(|d| match &d.expr.kind {
            infra_lang::ast::ExprKind::Template(t) => t.as_literal(),
            _ => None,
        });
        out.push((name.clone(), description));
    }
    Ok(out)
}

/// Evaluates expression `text` in the root module of `root` (for
/// `infra eval` and `infra console`): references to variables, locals,
/// consts, resources and modules work as they would in a `.infra` file.
///
/// # Errors
/// Diagnostics for the configuration (static checks), the expression's
/// syntax, or its evaluation — including failures of values it uses.
pub fn eval_expression(
    root: &Path,
    inputs: Inputs,
    options: &EvalOptions,
    text: &str,
) -> Result<Value, Vec<Diagnostic>> {
    let files = Arc::new(load_module(root)?);
    let input_diags = check_input_names(&files, &inputs);
    if !input_diags.is_empty() {
        return Err(input_diags);
    }
    let shared = new_shared(root, options);
    let m = ModuleInstance::new(files, ModulePath::default(), shared.clone(), inputs);
    // A final newline lets a heredoc end the expression, as in a file.
    let source = SourceFile::new("<expression>", format!("{}\n", text.trim_end()));
    let expr = syntax::parse_expr(&source)?;
    let result = Evaluator::new(&m, &source).eval(&expr);
    let mut diags = shared.diags.take();
    match result {
        Ok(v) if !has_errors(&diags) => Ok(v),
        Ok(_) => Err(diags),
        Err(d) => {
            if d.code != instance::UPSTREAM {
                diags.push(d);
            }
            Err(diags)
        }
    }
}
