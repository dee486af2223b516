//! Module calls: resolving `source` (a relative path or `std/NAME`),
//! expanding `count`/`for_each`, passing arguments to the child's
//! variables, and the child's outputs as `module.NAME.OUTPUT`.

use super::instance::{Deps, Key, ModuleInstance, upstream};
use super::loader::{ModuleFiles, load_module, load_std_module};
use super::resources::Expansion;
use super::{InputValue, Inputs};
use crate::addr::InstanceKey;
use crate::config::meta;
use infra_lang::ast::ExprKind;
use infra_lang::diagnostic::did_you_mean;
use infra_lang::eval::{Evaluator, Site};
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, Value};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// A `module` block, expanded into child module instances.
pub(crate) struct ModuleCallEval {
    pub expansion: Expansion,
    pub instances: Vec<(InstanceKey, Rc<ModuleInstance>)>,
}

impl ModuleInstance {
    /// The files of the module at `source`, loaded once per run.
    fn load_source(&self, source: &str, site: &Site<'_>) -> Result<Arc<ModuleFiles>, Diagnostic> {
        let (cache_key, result) = if let Some(name) = source.strip_prefix("std/") {
            let key = source.to_string();
            if let Some(hit) = self.shared.modules.borrow().get(&key) {
                return hit.clone().ok_or_else(upstream);
            }
            (key, load_std_module(name, &self.shared.root_dir))
        } else if source.starts_with("./") || source.starts_with("../") {
            let dir = self.files.dir.join(source);
            let key = dir.to_string_lossy().into_owned();
            if let Some(hit) = self.shared.modules.borrow().get(&key) {
                return hit.clone().ok_or_else(upstream);
            }
            if !dir.is_dir() {
                return Err(site
                    .error(
                        "module::not-found",
                        format!("module source {source:?} is not a directory"),
                        "no such directory",
                    )
                    .with_help(format!(
                        "Looked for {}. Paths are relative to the calling module's directory.",
                        dir.display()
                    )));
            }
            let loaded = load_module(&dir).and_then(|files| {
                let diags = super::module_provider_keys::child_provider_blocks(&files);
                if diags.is_empty() {
                    Ok(files)
                } else {
                    Err(diags)
                }
            });
            (key, loaded)
        } else {
            return Err(site
                .error("module::unsupported-source", format!("module source {source:?} is not supported"), "unsupported source")
                .with_help("Use a relative path (\"./modules/web\") or a standard module (\"std/s3-log-bucket\")."));
        };
        let stored = match result {
            Ok(files) => Some(Arc::new(files)),
            Err(diags) => {
                for d in diags {
                    self.report(d);
                }
                None
            }
        };
        self.shared
            .modules
            .borrow_mut()
            .insert(cache_key, stored.clone());
        stored.ok_or_else(upstream)
    }

    /// The evaluated module call `name` (children created, not yet walked).
    pub(crate) fn module_call(
        &self,
        name: &str,
        site: &Site<'_>,
    ) -> Result<Rc<ModuleCallEval>, Diagnostic> {
        let cycle = || {
            site.error(
                "eval::cycle",
                format!("module `{name}` depends on its own outputs"),
                "refers back to the module being evaluated",
            )
            .with_help("A module's arguments cannot use its own outputs.")
        };
        self.memoised(
            &self.children,
            name.to_string(),
            cycle,
            || super::instance::too_deep(site),
            || self.compute_module_call(name),
        )
    }

    fn compute_module_call(&self, name: &str) -> Result<Rc<ModuleCallEval>, Diagnostic> {
        let (src, d) = self.files.module_call(name).ok_or_else(upstream)?;
        let b = d.block;
        let Some(source_attr) = d.source else {
            return Err(Diagnostic::error(
                "module::missing-source",
                format!("module `{name}` has no `source`"),
            )
            .in_file(src)
            .primary(
                b.labels.first().map_or(b.kind.span, |l| l.span),
                "no source",
            )
            .with_help("Add `source = \"./path/to/module\"` or `source = \"std/NAME\"`."));
        };
        let source = match self.eval(src, &source_attr.expr)?.unmark() {
            (Value::String(s), _) => s,
            (other, marked) => {
                return Err(Diagnostic::error(
                    "module::invalid-source",
                    format!(
                        "a module `source` must be a string, got {}",
                        other.describe_as(marked)
                    ),
                )
                .in_file(src)
                .primary(source_attr.expr.span, "not a string"));
            }
        };
        let source_site = Site {
            source: src,
            span: source_attr.expr.span,
        };
        let files = self.load_source(&source, &source_site)?;
        // Arguments that name no variable of the child.
        let mut bad = false;
        for a in b.body.attributes() {
            let n = a.name.name.as_str();
            if meta::MODULE_ARGS.contains(&n) || files.variables.contains_key(n) {
                continue;
            }
            bad = true;
            let help = match did_you_mean(n, files.variables.keys().map(String::as_str)) {
                Some(s) => format!("Did you mean `{s}`?"),
                None if files.variables.is_empty() => {
                    format!("Module {source:?} declares no variables.")
                }
                None => format!(
                    "Its variables: {}.",
                    files
                        .variables
                        .keys()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.report(
                Diagnostic::error(
                    "module::unknown-argument",
                    format!("module {source:?} has no variable `{n}`"),
                )
                .in_file(src)
                .primary(a.name.span, "not a variable of the module")
                .with_help(help),
            );
        }
        if bad {
            return Err(upstream());
        }
        let expanded = self.expand(src, d.count, d.for_each, &format!("`module.{name}`"))?;
        // `depends_on = [...]` of the module block: every resource inside
        // waits for what it names (references record what they touch),
        // as well as for what this module's own caller waits for.
        let mut depends_on = self.depends_on.clone();
        if let Some(a) = d.depends_on
            && let ExprKind::Tuple(items) = &a.expr.kind
        {
            self.shared.deps.borrow_mut().push(Deps::new());
            let mut failed = None;
            for item in items {
                if let Err(e) = self.eval(src, item) {
                    failed = Some(e);
                    break;
                }
            }
            let deps = self.shared.deps.borrow_mut().pop().unwrap_or_default();
            if let Some(e) = failed {
                return Err(e);
            }
            depends_on.extend(deps);
        }
        let passed = crate::config::module_providers::passed_providers(src, d.providers)
            .map_err(|mut e| e.swap_remove(0))?;
        let provider_keys = self.child_provider_keys(&passed, src)?;
        let mut instances = Vec::with_capacity(expanded.keys.len());
        let mut failed = false;
        for (key, binding) in expanded.keys {
            let mut ev = Evaluator::new(self, src);
            if let Some((n, v)) = binding {
                ev.bind(n, v);
            }
            let mut inputs = Inputs::default();
            let mut input_deps = BTreeMap::new();
            for a in b.body.attributes() {
                if meta::MODULE_ARGS.contains(&a.name.name.as_str()) {
                    continue;
                }
                // The argument's own dependencies, kept for the child's
                // `var.NAME` (and still counted for the call as a whole).
                self.shared.deps.borrow_mut().push(Deps::new());
                let value = ev.eval(&a.expr);
                let deps = self.shared.deps.borrow_mut().pop().unwrap_or_default();
                self.shared.add_deps(&deps);
                input_deps.insert(a.name.name.clone(), deps);
                match value {
                    Ok(v) => {
                        inputs.vars.insert(
                            a.name.name.clone(),
                            InputValue::Value {
                                value: v,
                                site: Some((src.clone(), a.expr.span)),
                                origin: format!("the argument in `module \"{name}\"`"),
                            },
                        );
                    }
                    Err(d) => {
                        failed = true;
                        self.report(d);
                    }
                }
            }
            let path = self.path.child(name, key.clone());
            let mut child = ModuleInstance::new(files.clone(), path, self.shared.clone(), inputs);
            child.input_deps = input_deps;
            child.depends_on = depends_on.clone();
            child.provider_keys = provider_keys.clone();
            instances.push((key, Rc::new(child)));
        }
        if failed {
            return Err(upstream());
        }
        Ok(Rc::new(ModuleCallEval {
            expansion: expanded.expansion,
            instances,
        }))
    }

    /// `module.NAME`: an object of the child's outputs (a tuple of them
    /// with `count`, an object by key with `for_each`).
    pub(crate) fn module_value(&self, name: &str, site: &Site<'_>) -> Result<Value, Diagnostic> {
        let call = self.module_call(name, site)?;
        let mut values = Vec::with_capacity(call.instances.len());
        for (key, child) in &call.instances {
            values.push((key.clone(), child.outputs_object()?));
        }
        Ok(match call.expansion {
            Expansion::Single => values.pop().map_or(Value::NULL, |(_, v)| v),
            Expansion::Count => Value::Tuple(values.into_iter().map(|(_, v)| v).collect()),
            Expansion::ForEach => Value::Object(
                values
                    .into_iter()
                    .map(|(k, v)| match k {
                        InstanceKey::Str(s) => (s, v),
                        other => (other.to_string(), v),
                    })
                    .collect(),
            ),
        })
    }

    /// Every output of this module instance, as an object.
    pub(crate) fn outputs_object(&self) -> Result<Value, Diagnostic> {
        let mut out = ValueMap::new();
        let mut failed = false;
        for name in self.files.outputs.keys() {
            match self.output(name) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                }
                Err(_) => failed = true,
            }
        }
        if failed {
            Err(upstream())
        } else {
            Ok(Value::Object(out))
        }
    }

    /// Output `name`: its value, marked sensitive when declared so. A value
    /// that contains sensitive data in an output not declared sensitive is
    /// an error (as in Terraform), so secrets never print by accident.
    pub(crate) fn output(&self, name: &str) -> Result<Value, Diagnostic> {
        let (src, d) = self.files.output(name).ok_or_else(upstream)?;
        let site = Site {
            source: src,
            span: d.block.kind.span,
        };
        self.memo(Key::Output(name.to_string()), &site, || {
            let Some(v) = d.value else {
                return Err(site.error("output::missing-value", format!("output `{name}` has no `value`"), "no value").with_help("Add `value = ...`."));
            };
            // Checked before the value, as Terraform does; unknown ones
            // pass at plan and are checked again at apply.
            self.conditions(
                src,
                d.preconditions(),
                &[],
                super::conditions::ConditionKind::OutputPrecondition,
                name,
            )
            .map_err(|ds| {
                let mut ds = ds.into_iter();
                let first = ds.next().unwrap_or_else(upstream);
                for d in ds {
                    self.report(d);
                }
                first
            })?;
            let value = self.eval(src, &v.expr)?;
            let declared = match d.sensitive {
                Some(s) => matches!(self.eval(src, &s.expr)?.unmark().0, Value::Bool(true)),
                None => false,
            };
            if value.is_sensitive_deep() && !declared {
                return Err(Diagnostic::error("output::sensitive", format!("output `{name}` shows a sensitive value"))
                    .in_file(src)
                    .primary(v.expr.span, "contains a sensitive value")
                    .with_help("Add `sensitive = true` to the output to redact it, or wrap the value in `nonsensitive(...)` if it is safe to show."));
            }
            Ok(value.mark_if(declared))
        })
    }
}
