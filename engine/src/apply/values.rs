//! What an apply evaluates: the configuration session (made on first
//! use) whose references see each instance's new state once applied, the
//! provider configurations evaluated again, and the final planned value
//! of an operation whose configuration waited for unknown values.

use crate::addr::ResourceAddress;
use crate::eval::{CheckResult, EvalOptions, Inputs, InstanceHook, InstanceInfo, Session};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::consistency::plan_checked;
use crate::provider::{PlanRequest, Providers, validate};
use crate::state::codec;
use infra_lang::{Diagnostic, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use tokio::runtime::Handle;

/// What references see during apply: new state once applied, else the
/// planned (or prior) value.
struct ApplyValues {
    values: RefCell<HashMap<ResourceAddress, Value>>,
    /// Whose functions `provider::NAME::FUNC(...)` calls.
    providers: Providers,
}

impl InstanceHook for ApplyValues {
    fn value(&self, info: InstanceInfo<'_>) -> Result<Value, Diagnostic> {
        Ok(self
            .values
            .borrow()
            .get(info.address)
            .cloned()
            .unwrap_or(info.config))
    }

    fn providers(&self) -> Option<&Providers> {
        Some(&self.providers)
    }
}

/// Copies the sensitive marks of `planned` onto `new` (a provider returns
/// plain values) and the schema's.
pub(crate) fn carry_marks(
    providers: &Providers,
    type_name: &str,
    planned: &Value,
    new: Value,
) -> Value {
    let marks = codec::encode(planned).sensitive;
    let new = if marks.is_empty() {
        new
    } else {
        let e = codec::encode(&new);
        let mut all = e.sensitive;
        all.extend(marks);
        codec::restore_numbers(codec::decode(&e.json, &all, &[], None), &e.exact_numbers)
    };
    match providers.schema(type_name, false) {
        Some(s) => crate::plan::mark_schema_sensitive(s, new),
        None => new,
    }
}

/// The configuration as apply sees it: evaluated (once, on first need)
/// with the values applied so far.
pub(super) struct Evaluation<'a> {
    root: &'a Path,
    inputs: &'a Inputs,
    workspace: String,
    hook: Rc<ApplyValues>,
    session: Option<Session>,
    /// The plan's [`Plan::conditions`]: without, there is nothing to check.
    conditions: bool,
    /// The provider configurations of the prior state's objects.
    in_state: std::collections::BTreeSet<String>,
}

impl<'a> Evaluation<'a> {
    /// Before anything runs, references see each change's planned value,
    /// else the prior state's.
    pub(super) fn new(
        root: &'a Path,
        inputs: &'a Inputs,
        workspace: &str,
        plan: &Plan,
        providers: &Providers,
    ) -> Self {
        let mut e = Evaluation::over(root, inputs, workspace, &plan.prior, providers);
        {
            let mut values = e.hook.values.borrow_mut();
            for c in &plan.changes {
                if let Some(a) = &c.after {
                    values.insert(c.address.clone(), a.clone());
                }
            }
        }
        e.conditions = plan.conditions;
        e
    }

    /// References see `state`'s values; nothing to check (a rollback
    /// resumed without a plan evaluates only the provider blocks).
    pub(super) fn over(
        root: &'a Path,
        inputs: &'a Inputs,
        workspace: &str,
        state: &crate::state::State,
        providers: &Providers,
    ) -> Self {
        let initial = state
            .resources
            .iter()
            .map(|(a, i)| (a.clone(), i.value.clone()))
            .collect();
        Evaluation {
            root,
            inputs,
            workspace: workspace.to_string(),
            hook: Rc::new(ApplyValues {
                values: RefCell::new(initial),
                providers: providers.clone(),
            }),
            session: None,
            conditions: false,
            in_state: crate::eval::state_keys(state),
        }
    }

    /// How apply evaluates: references see what [`ApplyValues`] answers.
    fn options(&self) -> EvalOptions {
        EvalOptions {
            workspace: self.workspace.clone(),
            hook: Some(self.hook.clone()),
            schemas: None,
            keep_values: false,
            stored: None,
        }
    }

    /// The evaluation session, made on first use.
    ///
    /// # Errors
    /// The configuration does not load.
    pub(super) fn session(&mut self) -> Result<&Session, Vec<Diagnostic>> {
        if self.session.is_none() {
            let opts = self.options();
            self.session = Some(Session::new(self.root, self.inputs.clone(), &opts)?);
        }
        self.session.as_ref().ok_or_else(Vec::new)
    }

    /// Checks the `precondition`s of change `c` before its operation
    /// starts (Terraform checks them again at apply; one unknown at plan
    /// is decided here).
    ///
    /// # Errors
    /// A precondition is false, invalid or still unknown.
    pub(super) fn preconditions(&mut self, c: &ResourceChange) -> Result<(), Vec<Diagnostic>> {
        if !self.conditions {
            return Ok(());
        }
        self.session()?.instance_conditions(&c.address, None)
    }

    /// The diagnostics of the `postcondition`s of change `c` that fail
    /// against its new object (recorded already, as Terraform records it).
    pub(super) fn postconditions(&mut self, c: &ResourceChange) -> Vec<Diagnostic> {
        if !self.conditions {
            return Vec::new();
        }
        let Some(new) = self.hook.values.borrow().get(&c.address).cloned() else {
            return Vec::new();
        };
        self.session()
            .and_then(|s| s.instance_conditions(&c.address, Some(new)))
            .err()
            .unwrap_or_default()
    }

    /// The results of the `check` blocks over the objects as applied, in
    /// a session of their own (the apply session memoised values seen
    /// before operations completed); none when the configuration has no
    /// `check` block.
    pub(super) fn checks(&mut self) -> Vec<CheckResult> {
        if !self.conditions {
            return Vec::new();
        }
        let Ok(session) = self.session() else {
            return Vec::new();
        };
        if !session.may_have_checks() {
            return Vec::new();
        }
        let files = session.files();
        let opts = self.options();
        Session::from_shared(self.root, files, self.inputs.clone(), &opts)
            .map(|s| s.check_results().0)
            .unwrap_or_default()
    }

    /// From now on references to `address` see `value`.
    pub(super) fn applied(&self, address: &ResourceAddress, value: Value) {
        self.hook.values.borrow_mut().insert(address.clone(), value);
    }

    /// Configures the providers with configuration arguments that
    /// `changes` use from the `provider` blocks, evaluated again as
    /// Terraform does at apply: those the configuration, the prior state
    /// or `changes` use (Terraform's apply graph prunes the others as its
    /// plan graph does; see [`crate::eval::ProviderUse`]).
    ///
    /// # Errors
    /// A `provider` block does not evaluate or its provider refuses it.
    pub(super) fn configure(
        &mut self,
        providers: &mut Providers,
        changes: &[ResourceChange],
        rt: &Handle,
    ) -> Result<(), Vec<Diagnostic>> {
        // Plugins are configured even without a block or arguments, as
        // Terraform configures every provider it uses.
        let needs_config = changes.iter().any(|c| {
            providers.configurable(Providers::provider_name(&c.provider))
                || providers.get(&c.provider).is_some_and(|p| p.is_remote())
        });
        if !needs_config {
            return Ok(());
        }
        let files = self.session()?.files();
        let mut used = crate::eval::ProviderUse::of_configuration(&files);
        for key in self
            .in_state
            .iter()
            .chain(changes.iter().map(|c| &c.provider))
        {
            used.add(key);
        }
        let uses = |key: &str| used.uses(key);
        let configs = self.session()?.provider_configs(&uses)?;
        rt.block_on(crate::provider::configure(providers, configs, &uses))
    }

    /// The final planned state of an apply operation with its
    /// configuration and planned private bytes: the saved plan's, or —
    /// when the configuration waited for values of other resources — the
    /// configuration evaluated again now and planned once more (given the
    /// prior object's private bytes `prior_private`), checked as the plan
    /// was.
    ///
    /// # Errors
    /// The configuration fails, is still unknown, or the provider's plan
    /// fails or is invalid.
    pub(super) fn final_planned(
        &mut self,
        providers: &Providers,
        c: &ResourceChange,
        prior_private: &[u8],
    ) -> Result<(Value, Option<Value>, Vec<u8>), Vec<Diagnostic>> {
        let after = c.after.clone().unwrap_or(Value::NULL);
        let data = c.action == Action::Read;
        if !c.config_unknown {
            // A saved plan holds write-only values as null: they come
            // from the configuration again.
            let schema = providers.schema(&c.address.type_name, data);
            let config = match (&c.config, schema) {
                (Some(saved), Some(schema)) if crate::plan::write_only::any(schema) => {
                    let raw = self.session()?.instance_config(&c.address)?;
                    let what = format!("`{}`", c.address);
                    let fresh = validate::conform(schema, &what, raw)
                        .map_err(|p| p.into_iter().map(|p| p.diagnostic).collect::<Vec<_>>())?;
                    Some(crate::plan::write_only::fill(schema, saved, &fresh))
                }
                _ => c.config.clone(),
            };
            return Ok((after, config, c.planned_private.clone()));
        }
        let schema = providers
            .schema(&c.address.type_name, data)
            .ok_or_else(|| {
                crate::provider::error(format!("no schema for `{}`", c.address.type_name))
            })?;
        let raw = self.session()?.instance_config(&c.address)?;
        let what = format!("`{}`", c.address);
        let config = validate::conform(schema, &what, raw)
            .map_err(|p| p.into_iter().map(|p| p.diagnostic).collect::<Vec<_>>())?;
        if config.has_unknown() {
            return Err(vec![Diagnostic::error(
                "apply::unknown-config",
                format!(
                    "the configuration of `{}` is still not known during apply",
                    c.address
                ),
            )]);
        }
        if data {
            return Ok((config.clone(), Some(config), Vec::new()));
        }
        let provider = providers
            .get(&c.provider)
            .or_else(|| providers.for_type(&c.address.type_name))
            .ok_or_else(|| crate::provider::error("no provider"))?;
        let (prior, prior_private) = if c.action == Action::Update {
            (c.before.as_ref(), prior_private)
        } else {
            (None, &[][..])
        };
        let proposed = crate::plan::propose_for(schema, prior, &config);
        let planned = plan_checked(
            provider.as_ref(),
            schema,
            PlanRequest {
                type_name: &c.address.type_name,
                prior,
                config: &config,
                proposed,
                prior_private,
            },
            &what[1..what.len() - 1],
        )?;
        Ok((planned.planned, Some(config), planned.private))
    }
}
