//! Refresh: reading every managed object in state through its provider,
//! concurrently (bounded by `parallelism`), to learn what changed outside
//! infra. Used by plan and by drift; never writes state.

use super::Drift;
use crate::addr::{ResourceAddress, ResourceMode};
use crate::provider::Providers;
use crate::state::State;
use infra_lang::Diagnostic;
use infra_lang::value::convert;
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
    state: &State,
    parallelism: usize,
) -> Result<(State, Vec<Drift>), Vec<Diagnostic>> {
    let sem = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = Vec::new();
    let mut errors = Vec::new();
    for (addr, inst) in &state.resources {
        if addr.mode != ResourceMode::Managed {
            continue;
        }
        let Some(provider) = providers.for_type(&addr.type_name).cloned() else {
            errors.push(Diagnostic::error(
                "provider::missing",
                format!(
                    "state has `{addr}`, but no provider `{}` is available",
                    Providers::provider_name(&addr.type_name)
                ),
            ));
            continue;
        };
        let schema_ty = providers
            .schema(&addr.type_name, false)
            .map(|s| s.object_type());
        let value = match &schema_ty {
            Some(ty) => convert(inst.value.clone(), ty).unwrap_or_else(|_| inst.value.clone()),
            None => inst.value.clone(),
        };
        let type_name = addr.type_name.clone();
        let sem = sem.clone();
        let addr = addr.clone();
        tasks.push(rt.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = provider.read(&type_name, value.clone()).await;
            (addr, value, r)
        }));
    }
    let results = rt.block_on(async {
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await);
        }
        out
    });
    let mut refreshed = state.clone();
    let mut drift = Vec::new();
    for r in results {
        let (addr, before, result): (ResourceAddress, _, _) = match r {
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
                let (a, _) = now.clone().unmark_deep();
                let (b, _) = before.clone().unmark_deep();
                if a != b {
                    drift.push(Drift {
                        address: addr.clone(),
                        before: before.clone(),
                        after: Some(now.clone()),
                    });
                }
                if let Some(i) = refreshed.resources.get_mut(&addr) {
                    i.value = now;
                }
            }
            Ok(None) => {
                drift.push(Drift {
                    address: addr.clone(),
                    before,
                    after: None,
                });
                refreshed.resources.remove(&addr);
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
