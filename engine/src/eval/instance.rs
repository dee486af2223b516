//! One module instance being evaluated: lazily computed, memoised values
//! for its variables, consts, locals, resources, child modules and
//! outputs, answering the references of expressions evaluated in it.

use super::loader::ModuleFiles;
use super::resources::{ResourceEval, ResourceValues};
use super::{Inputs, Shared};
use crate::addr::{ModulePath, ResourceAddress, ResourceMode};
use infra_lang::ast::{Expr, Ident};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::eval::{Evaluator, Scope, Site, Step};
use infra_lang::{Diagnostic, SourceFile, Span, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

/// The code of the placeholder error returned when a value failed to
/// evaluate earlier: the real diagnostic was recorded then, so this one is
/// never shown.
pub(crate) const UPSTREAM: &str = "eval::upstream";

/// Most values (locals, outputs, resources, module calls) computed one from
/// the next at once, as in `a0 = local.a1 + 1`, `a1 = local.a2 + 1`, …:
/// evaluation follows such a chain by recursion (on stack segments it grows
/// as needed), so its length is bounded to bound memory. Terraform has no
/// such limit, but no real configuration comes near it.
pub(crate) const MAX_VALUE_CHAIN: usize = 5_000;

/// `eval::too-deep` at `site`, the reference where a chain of values grew
/// past [`MAX_VALUE_CHAIN`].
pub(crate) fn too_deep(site: &Site<'_>) -> Diagnostic {
    site.error(
        "eval::too-deep",
        format!("more than {MAX_VALUE_CHAIN} values computed one from the next"),
        "the chain of references is this long here",
    )
    .with_help(
        "Each local, output, resource or module call whose expression refers to the next one \
         adds a level: compute the values from fewer intermediate ones.",
    )
}

pub(crate) fn upstream() -> Diagnostic {
    Diagnostic::error(UPSTREAM, "a value this depends on failed to evaluate")
}

/// A memo slot: being computed (a second request is a cycle), or done.
pub(crate) enum Slot<T> {
    InProgress,
    /// The result, and the resource instances its computation referenced.
    Done(Option<T>, Rc<Deps>),
}

/// Resource instances a value was computed from.
pub(crate) type Deps = BTreeSet<ResourceAddress>;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    Var(String),
    Const(String),
    Local(String),
    Output(String),
}

/// A resource block by mode, type and name.
pub(crate) type ResourceKey = (ResourceMode, String, String);

/// A module instance under evaluation.
pub(crate) struct ModuleInstance {
    pub files: Arc<ModuleFiles>,
    pub path: ModulePath,
    pub shared: Rc<Shared>,
    /// Values given for this module's variables: by the command line for
    /// the root, by the `module` block's arguments for a child.
    pub inputs: Inputs,
    /// Resource instances each input (by variable name) was computed from:
    /// a child's resources that use `var.x` depend on what the `module`
    /// block's `x = ...` referenced.
    pub input_deps: BTreeMap<String, Deps>,
    /// What every resource of this module (and of its children) waits
    /// for: the `depends_on` of the `module` blocks that called it.
    pub depends_on: Deps,
    /// This module's provider configuration addresses (`aws`,
    /// `aws.west`) that resolve to another root-module configuration
    /// (`module_provider_keys.rs`); empty for the root.
    pub provider_keys: BTreeMap<String, String>,
    pub values: RefCell<BTreeMap<Key, Slot<Value>>>,
    pub resources: RefCell<BTreeMap<ResourceKey, Slot<Rc<ResourceEval>>>>,
    /// Each resource's instances as references see them (the planned or
    /// new state when a hook is set, else the configuration).
    pub resource_values: RefCell<BTreeMap<ResourceKey, Slot<Rc<ResourceValues>>>>,
    pub children: RefCell<BTreeMap<String, Slot<Rc<super::modules::ModuleCallEval>>>>,
    /// User functions being called, outermost first (recursion detection).
    pub call_stack: RefCell<Vec<String>>,
}

impl ModuleInstance {
    pub(crate) fn new(
        files: Arc<ModuleFiles>,
        path: ModulePath,
        shared: Rc<Shared>,
        inputs: Inputs,
    ) -> ModuleInstance {
        super::imports::refuse_in_child(&files, &path, &shared);
        ModuleInstance {
            files,
            path,
            shared,
            inputs,
            input_deps: BTreeMap::new(),
            depends_on: Deps::new(),
            provider_keys: BTreeMap::new(),
            values: RefCell::new(BTreeMap::new()),
            resources: RefCell::new(BTreeMap::new()),
            resource_values: RefCell::new(BTreeMap::new()),
            children: RefCell::new(BTreeMap::new()),
            call_stack: RefCell::new(Vec::new()),
        }
    }

    /// Records a diagnostic for the final report (placeholders dropped).
    pub(crate) fn report(&self, d: Diagnostic) {
        if d.code != UPSTREAM {
            self.shared.diags.borrow_mut().push(d);
        }
    }

    /// Evaluates `expr` of file `src` in this module.
    pub(crate) fn eval(&self, src: &Arc<SourceFile>, expr: &Expr) -> Result<Value, Diagnostic> {
        Evaluator::new(self, src).eval(expr)
    }

    /// A memoised value: computed once by `compute`; a request while it is
    /// being computed is a cycle, reported at `site`.
    pub(crate) fn memo(
        &self,
        key: Key,
        site: &Site<'_>,
        compute: impl FnOnce() -> Result<Value, Diagnostic>,
    ) -> Result<Value, Diagnostic> {
        let cycle = || {
            site.error("eval::cycle", "this value depends on itself", "refers back to a value being evaluated")
                .with_help("Break the cycle: a value cannot be computed from itself, directly or through others.")
        };
        self.memoised(&self.values, key, cycle, || too_deep(site), compute)
    }

    /// The shared memo mechanism of values, resources and module calls:
    /// the cached result, or `compute`'s, stored before returning. A
    /// request while `key` is being computed is a cycle (`cycle()` is the
    /// diagnostic). A failure is reported once; this and later requests get
    /// the silent `eval::upstream` placeholder.
    ///
    /// Dependencies are tracked alongside: the resource instances `compute`
    /// referenced are stored with the result and added to the caller's
    /// frame on every use, so a value's dependencies are exact however
    /// often it is memoised (through locals, module outputs, functions).
    pub(crate) fn memoised<K: Ord + Clone, T: Clone>(
        &self,
        cache: &RefCell<BTreeMap<K, Slot<T>>>,
        key: K,
        cycle: impl FnOnce() -> Diagnostic,
        too_deep: impl FnOnce() -> Diagnostic,
        compute: impl FnOnce() -> Result<T, Diagnostic>,
    ) -> Result<T, Diagnostic> {
        match cache.borrow().get(&key) {
            Some(Slot::Done(v, deps)) => {
                self.shared.add_deps(deps);
                return v.clone().ok_or_else(upstream);
            }
            Some(Slot::InProgress) => return Err(cycle()),
            None => {}
        }
        // One frame of `deps` per value being computed: the length is how
        // many values are computed one from the next right now.
        if self.shared.deps.borrow().len() >= MAX_VALUE_CHAIN {
            return Err(too_deep());
        }
        cache.borrow_mut().insert(key.clone(), Slot::InProgress);
        self.shared.deps.borrow_mut().push(Deps::new());
        let result = compute();
        let deps = Rc::new(self.shared.deps.borrow_mut().pop().unwrap_or_default());
        self.shared.add_deps(&deps);
        let slot = Slot::Done(result.as_ref().ok().cloned(), deps);
        cache.borrow_mut().insert(key, slot);
        result.map_err(|d| {
            self.report(d);
            upstream()
        })
    }

    /// `local.NAME`, evaluated once.
    pub(crate) fn resolve_local(&self, name: &str, site: &Site<'_>) -> Result<Value, Diagnostic> {
        let m = &self.files;
        let at = m.locals.get(name).copied().ok_or_else(upstream)?;
        self.memo(Key::Local(name.to_string()), site, || {
            let (src, attr) = m.local(at).ok_or_else(upstream)?;
            self.eval(src, &attr.expr)
        })
    }

    fn unknown_name(
        &self,
        site: &Site<'_>,
        kind: &str,
        name: &str,
        names: Vec<&str>,
        declare: String,
    ) -> Diagnostic {
        let help = match did_you_mean(name, names) {
            Some(s) => format!("Did you mean `{s}`?"),
            None => declare,
        };
        site.error(
            "eval::undeclared",
            format!("there is no {kind} `{name}`"),
            "not declared",
        )
        .with_help(help)
    }

    fn resolve_inner(
        &self,
        root: &Ident,
        steps: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        let first = steps.first().and_then(Step::name);
        let m = &self.files;
        match root.name.as_str() {
            "var" => {
                let Some(name) = first else {
                    return Err(site.error(
                        "eval::bare-root",
                        "`var` must be followed by a variable name",
                        "e.g. var.region",
                    ));
                };
                if !m.variables.contains_key(name) {
                    return Err(self.unknown_name(
                        site,
                        "variable",
                        name,
                        m.variables.keys().map(String::as_str).collect(),
                        format!("Declare it with `variable \"{name}\" {{}}`."),
                    ));
                }
                Ok((self.variable(name, site)?, 1))
            }
            "const" => {
                let Some(name) = first else {
                    return Err(site.error(
                        "eval::bare-root",
                        "`const` must be followed by a const name",
                        "e.g. const.env",
                    ));
                };
                if !m.consts.contains_key(name) {
                    return Err(self.unknown_name(
                        site,
                        "const",
                        name,
                        m.consts.keys().map(String::as_str).collect(),
                        format!("Declare it with `const \"{name}\" {{ default = ... }}`."),
                    ));
                }
                Ok((self.constant(name, site)?, 1))
            }
            "local" => {
                let Some(name) = first else {
                    return Err(site.error(
                        "eval::bare-root",
                        "`local` must be followed by a local value's name",
                        "e.g. local.tags",
                    ));
                };
                let Some(at) = m.locals.get(name).copied() else {
                    return Err(self.unknown_name(
                        site,
                        "local value",
                        name,
                        m.locals.keys().map(String::as_str).collect(),
                        format!("Declare it in a `locals {{ {name} = ... }}` block."),
                    ));
                };
                let _ = at;
                Ok((self.resolve_local(name, site)?, 1))
            }
            "path" => {
                let dir = |p: &std::path::Path| Value::string(p.to_string_lossy());
                match first {
                    Some("module") => Ok((dir(&m.dir), 1)),
                    Some("root") => Ok((dir(&self.shared.root_dir), 1)),
                    Some("cwd") => Ok((dir(&self.shared.cwd), 1)),
                    _ => Err(site.error(
                        "eval::unknown-path",
                        "`path` has `module`, `root` and `cwd`",
                        "unknown path attribute",
                    )),
                }
            }
            "terraform" | "infra" => match first {
                Some("workspace") => Ok((Value::string(self.shared.workspace.clone()), 1)),
                _ => Err(site.error(
                    "eval::unknown-attribute",
                    format!("`{}` has only `workspace`", root.name),
                    "unknown attribute",
                )),
            },
            "module" => {
                let Some(name) = first else {
                    return Err(site.error(
                        "eval::bare-root",
                        "`module` must be followed by a module name",
                        "e.g. module.web",
                    ));
                };
                if !m.modules.contains_key(name) {
                    return Err(self.unknown_name(
                        site,
                        "module",
                        name,
                        m.modules.keys().map(String::as_str).collect(),
                        format!("Declare it with `module \"{name}\" {{ source = \"./...\" }}`."),
                    ));
                }
                Ok((self.module_value(name, site)?, 1))
            }
            "each" | "count" | "self" => Err(site
                .error(
                    "eval::unavailable",
                    format!("`{}` is not available here", root.name),
                    "not available here",
                )
                .with_help(match root.name.as_str() {
                    "each" => "`each` exists only in blocks with `for_each`.",
                    "count" => "`count.index` exists only in blocks with `count`.",
                    _ => "`self` exists only in provisioners and conditions of a resource.",
                })),
            "data" => {
                let (Some(t), Some(n)) = (first, steps.get(1).and_then(Step::name)) else {
                    return Err(site.error(
                        "eval::bare-root",
                        "`data` must be followed by a type and a name",
                        "e.g. data.local_file.motd",
                    ));
                };
                self.resource_reference(ResourceMode::Data, t, n, &steps[2..], site)
                    .map(|(v, used)| (v, used + 2))
            }
            type_name => {
                let Some(n) = first else {
                    return Err(site.error(
                        "eval::bare-root",
                        format!("`{type_name}` must be followed by a resource name"),
                        "e.g. aws_s3_bucket.logs",
                    ));
                };
                self.resource_reference(ResourceMode::Managed, type_name, n, &steps[1..], site)
                    .map(|(v, used)| (v, used + 1))
            }
        }
    }
}

impl Scope for ModuleInstance {
    fn resolve(
        &self,
        root: &Ident,
        steps: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        self.resolve_inner(root, steps, site)
    }

    fn call(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        self.call_function(name, args, arg_spans, site)
    }
}
