//! Reconciling pending operations: creates a killed apply started but never
//! recorded (`state::Pending`). Each provider is asked to find the object
//! by its configured identity ([`Provider::find`]); a found object is
//! adopted into state exactly as the completed create would have recorded
//! it, a missing or unreal one drops the intent, and anything else stays
//! pending and is reported loudly with what to do. Plan (and so apply and
//! destroy) runs this on the state it read under the lock; the command
//! writes the result. `infra drift` runs it too but writes nothing.
//!
//! [`Provider::find`]: crate::provider::Provider::find

use crate::provider::{Found, Providers};
use crate::state::{InstanceState, Pending, PendingOperation, State, new_deposed_key};
use infra_lang::{Diagnostic, Value};
use tokio::runtime::Handle;

/// What [`reconcile`] did.
#[derive(Debug, Default)]
pub struct Reconciled {
    /// One warning per adopted object (`state::adopted`) and per intent
    /// left pending (`state::pending`).
    pub warnings: Vec<Diagnostic>,
    /// Whether the state changed (objects adopted or intents dropped): the
    /// caller holding the lock writes it.
    pub changed: bool,
}

/// The warning for an intent that stays pending: names the address,
/// provider, planned identity and what to do.
pub fn pending_warning(p: &Pending, why: &str) -> Diagnostic {
    let identity = match p.identity() {
        Some(i) => format!(" (planned: {i})"),
        None => String::new(),
    };
    let when = if p.started.is_empty() {
        String::new()
    } else {
        format!(" at {}", p.started)
    };
    Diagnostic::warning(
        "state::pending",
        format!(
            "`{}` may exist without infra knowing it: an apply was killed after starting its {} with provider `{}`{when}{identity}, before the result was recorded; {why}",
            p.address,
            p.operation.as_str(),
            p.provider,
        ),
    )
    .with_help(format!(
        "Check the real system for this object. If it exists, adopt it with `infra import {addr} ID` (if the address is free) or delete it by hand; then `infra state rm --pending {addr}` clears this record. It stays in the state, and is reported by every plan, until then.",
        addr = p.address
    ))
}

/// Asks the providers to find every pending create of `state` (all at
/// once), adopts what they find, drops what cannot exist, and keeps the
/// rest with a warning.
pub fn reconcile(rt: &Handle, providers: &Providers, state: &mut State) -> Reconciled {
    let mut out = Reconciled::default();
    if state.pending.is_empty() {
        return out;
    }
    let pending = std::mem::take(&mut state.pending);
    let tasks: Vec<_> = pending
        .iter()
        .map(|p| {
            let provider = providers
                .get(&p.provider)
                .or_else(|| providers.for_type(&p.address.type_name))
                .cloned();
            let type_name = p.address.type_name.clone();
            let planned = p.planned.clone().unmark_deep().0;
            provider
                .map(|provider| rt.spawn(async move { provider.find(&type_name, planned).await }))
        })
        .collect();
    let results: Vec<_> = rt.block_on(async {
        let mut results = Vec::with_capacity(tasks.len());
        for t in tasks {
            results.push(match t {
                Some(t) => Some(t.await),
                None => None,
            });
        }
        results
    });
    for (p, r) in pending.into_iter().zip(results) {
        let found = match r {
            None => {
                out.warnings.push(pending_warning(
                    &p,
                    &format!("provider `{}` is not available to look for it", p.provider),
                ));
                state.pending.push(p);
                continue;
            }
            Some(Err(e)) => Err(format!("the provider crashed looking for it: {e}")),
            Some(Ok(Err(diags))) => Err(format!(
                "looking for it failed: {}",
                diags
                    .iter()
                    .map(|d| d.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Some(Ok(Ok(found))) => Ok(found),
        };
        match found {
            Ok(Found::Object(value)) => {
                if adopt(providers, state, &p, value) {
                    out.changed = true;
                    out.warnings.push(Diagnostic::warning(
                        "state::adopted",
                        format!(
                            "`{}`: adopted the object an apply that was killed created but did not record",
                            p.address
                        ),
                    ).with_help("It is in the state now, as if that apply had finished; the plan compares it with the configuration as usual."));
                } else {
                    out.warnings.push(pending_warning(
                        &p,
                        "an object with its identity exists, but the address holds another object in state",
                    ));
                    state.pending.push(p);
                }
            }
            // Nothing was created (or nothing real can be): resolved.
            Ok(Found::Missing | Found::NotReal) => out.changed = true,
            Ok(Found::Unsupported) => {
                out.warnings.push(pending_warning(
                    &p,
                    &format!(
                        "provider `{}` cannot look `{}` objects up by their configuration",
                        p.provider, p.address.type_name
                    ),
                ));
                state.pending.push(p);
            }
            Err(why) => {
                out.warnings.push(pending_warning(&p, &why));
                state.pending.push(p);
            }
        }
    }
    out
}

/// Records the found object `value` at the intent's address as the
/// completed create would have: a create-then-delete makes the address's
/// current object deposed. False when the address holds an object the
/// intent did not expect.
fn adopt(providers: &Providers, state: &mut State, p: &Pending, value: Value) -> bool {
    let value = crate::apply::carry_marks(providers, &p.address.type_name, &p.planned, value);
    let existing = state.resources.get(&p.address);
    let mut deposed = existing.map(|i| i.deposed.clone()).unwrap_or_default();
    let mut deposed_meta = existing.map(|i| i.deposed_meta.clone()).unwrap_or_default();
    if let Some(old) = existing {
        if p.operation != PendingOperation::CreateThenDelete {
            return false;
        }
        let mut key = new_deposed_key();
        while deposed.contains_key(&key) {
            key = new_deposed_key();
        }
        deposed.insert(key.clone(), old.value.clone());
        if !old.meta.is_empty() {
            deposed_meta.insert(key, old.meta.clone());
        }
    }
    let schema_version = providers
        .schema(&p.address.type_name, false)
        .map_or(0, |s| s.stored_version());
    state.resources.insert(
        p.address.clone(),
        InstanceState {
            value,
            provider: p.provider.clone(),
            dependencies: p.dependencies.clone(),
            create_before_destroy: p.create_before_destroy,
            deposed,
            meta: crate::state::ObjectMeta {
                schema_version,
                private: Vec::new(),
                // Found by a read just now.
                read_at: Some(crate::state::now_secs()),
                config_digest: None,
            },
            deposed_meta,
        },
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::ResourceAddress;
    use crate::provider::{Applied, ApplyRequest, Failure, Provider, ProviderSchema, Stored};
    use async_trait::async_trait;
    use infra_lang::value::ValueMap;
    use std::sync::Arc;

    struct Finder {
        found: Found,
        schema: ProviderSchema,
    }

    #[async_trait]
    impl Provider for Finder {
        fn name(&self) -> &str {
            "fake"
        }
        fn schema(&self) -> &ProviderSchema {
            &self.schema
        }
        async fn apply(&self, _: ApplyRequest) -> Result<Applied, Failure> {
            Err(crate::provider::error("not here"))
        }
        async fn read(&self, _: &str, _: Value, _: &[u8]) -> Result<Option<Stored>, Failure> {
            Ok(None)
        }
        async fn find(&self, _: &str, _: Value) -> Result<Found, Failure> {
            Ok(self.found.clone())
        }
    }

    fn object(id: &str) -> Value {
        Value::Object(ValueMap::from([
            ("id".to_string(), Value::string(id)),
            ("name".to_string(), Value::string("n")),
        ]))
    }

    fn run(found: Found, op: PendingOperation, old: bool) -> (State, Reconciled) {
        // Multi-threaded, as in the CLI: `Handle::block_on` on a
        // current-thread runtime would not run the spawned lookups.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("runtime");
        let mut providers = Providers::new();
        providers.add(Arc::new(Finder {
            found,
            schema: ProviderSchema::default(),
        }));
        let addr = ResourceAddress::parse("fake_thing.x").expect("address");
        let mut state = State::new();
        if old {
            state.resources.insert(
                addr.clone(),
                InstanceState {
                    value: object("old"),
                    provider: "fake".into(),
                    dependencies: Vec::new(),
                    create_before_destroy: true,
                    deposed: ValueMap::new(),
                    meta: Default::default(),
                    deposed_meta: Default::default(),
                },
            );
        }
        state.pending.push(Pending {
            id: Pending::new_id(),
            address: addr,
            provider: "fake".into(),
            operation: op,
            planned: object("planned"),
            dependencies: Vec::new(),
            create_before_destroy: old,
            started: "2026-01-01T00:00:00Z".into(),
        });
        let r = reconcile(rt.handle(), &providers, &mut state);
        (state, r)
    }

    #[test]
    fn a_found_replacement_becomes_current_and_the_old_object_deposed() {
        let (state, r) = run(
            Found::Object(object("new")),
            PendingOperation::CreateThenDelete,
            true,
        );
        assert!(r.changed);
        assert!(state.pending.is_empty());
        let inst = state.resources.values().next().expect("instance");
        assert_eq!(inst.value, object("new"));
        assert_eq!(inst.deposed.values().collect::<Vec<_>>(), [&object("old")]);
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].code, "state::adopted");
    }

    #[test]
    fn an_object_that_cannot_be_looked_up_stays_pending_and_is_reported() {
        let (state, r) = run(Found::Unsupported, PendingOperation::Create, false);
        assert!(!r.changed);
        assert_eq!(state.pending.len(), 1);
        assert_eq!(r.warnings.len(), 1);
        let d = &r.warnings[0];
        assert_eq!(d.code, "state::pending");
        assert!(d.message.contains("`fake_thing.x`"), "{}", d.message);
        assert!(d.message.contains("provider `fake`"), "{}", d.message);
        assert!(d.message.contains("name = \"n\""), "{}", d.message);
        let help = d.help.as_deref().unwrap_or_default();
        assert!(help.contains("infra import fake_thing.x"), "{help}");
        assert!(
            help.contains("infra state rm --pending fake_thing.x"),
            "{help}"
        );
    }

    #[test]
    fn nothing_real_or_nothing_found_resolves_quietly() {
        for found in [Found::NotReal, Found::Missing] {
            let (state, r) = run(found, PendingOperation::Create, false);
            assert!(r.changed);
            assert!(state.pending.is_empty());
            assert!(state.resources.is_empty());
            assert!(r.warnings.is_empty());
        }
    }
}
