//! Refresh: reading every managed object in state through its provider,
//! concurrently (bounded by `parallelism`), to learn what changed outside
//! infra. Used by plan and by drift; never writes state.

use super::Drift;
use crate::addr::{ResourceAddress, ResourceMode};
use crate::provider::Providers;
use crate::state::State;
use infra_lang::Diagnostic;
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::sync::Semaphore;

/// Reads every managed instance of `state` (data sources are re-read by
/// the plan instead). Returns the refreshed state (gone objects removed)
/// and the drift found; `Err` with every read that failed.
///
/// # Errors
/// Diagnostics of the reads that failed, each naming its address; a
/// provider missing for a type in state.
pub fn refresh(
    rt: &Handle,
    providers: &Providers,
    state: State,
    parallelism: usize,
) -> Result<(State, Vec<Drift>), Vec<Diagnostic>> {
    let sem = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = Vec::new();
    let mut errors = Vec::new();
    for (addr, inst) in &state.resources {
        if addr.mode != ResourceMode::Managed {
            continue;
        }
        let Some(provider) = providers
            .get(&inst.provider)
            .or_else(|| providers.for_type(&addr.type_name))
            .cloned()
        else {
            errors.push(Diagnostic::error(
                "provider::missing",
                format!(
                    "state has `{addr}`, but no provider `{}` is available",
                    Providers::provider_name(&addr.type_name)
                ),
            ));
            continue;
        };
        let value = inst.value.clone();
        let type_name = addr.type_name.clone();
        let sem = sem.clone();
        let addr = addr.clone();
        tasks.push(rt.spawn(async move {
            let _permit = sem.acquire_owned().await;
            // The read runs in a task of its own so a panicking provider is
            // reported with the address it was reading.
            let read = tokio::spawn(async move { provider.read(&type_name, value).await });
            let r = match read.await {
                Ok(r) => r,
                Err(e) => Err(vec![Diagnostic::error(
                    "provider::panic",
                    format!("the provider crashed: {e}"),
                )]),
            };
            (addr, r)
        }));
    }
    let results = rt.block_on(async {
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await);
        }
        out
    });
    let mut refreshed = state;
    let mut drift = Vec::new();
    for r in results {
        let (addr, result): (ResourceAddress, _) = match r {
            Ok(x) => x,
            Err(e) => {
                errors.push(Diagnostic::error(
                    "provider::panic",
                    format!("a provider crashed while reading: {e}"),
                ));
                continue;
            }
        };
        match result {
            Ok(Some(now)) => {
                if let Some(i) = refreshed.resources.get_mut(&addr)
                    && !i.value.same_data(&now)
                {
                    drift.push(Drift {
                        address: addr.clone(),
                        before: std::mem::replace(&mut i.value, now.clone()),
                        after: Some(now),
                    });
                }
            }
            Ok(None) => {
                if let Some(i) = refreshed.resources.remove(&addr) {
                    drift.push(Drift {
                        address: addr.clone(),
                        before: i.value,
                        after: None,
                    });
                }
            }
            Err(diags) => {
                for d in diags {
                    errors.push(Diagnostic {
                        message: format!("refreshing `{addr}`: {}", d.message),
                        ..d
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        drift.sort_by(|a, b| a.address.cmp(&b.address));
        Ok((refreshed, drift))
    } else {
        Err(errors)
    }
}
