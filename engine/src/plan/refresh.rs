//! Refresh: reading every managed object in state through its provider,
//! concurrently (bounded by `parallelism`), to learn what changed outside
//! infra. Used by plan and by drift; never writes state.

use super::{Drift, RefreshProgress};
use crate::addr::{ResourceAddress, ResourceMode, Target};
use crate::provider::consistency::check_read;
use crate::provider::{Failure, Provider, Providers, Stored};
use crate::state::State;
use infra_lang::Diagnostic;
use infra_lang::value::Secrets;
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::sync::Semaphore;

/// What [`refresh_each`] found: the refreshed state, the drift, and the
/// reads that failed, each with its address.
#[derive(Debug)]
pub struct Refreshed {
    /// The state with every successfully read object replaced by what the
    /// provider read (objects gone removed); an object whose read failed
    /// keeps its recorded value.
    pub state: State,
    /// Objects changed or gone, in address order.
    pub drift: Vec<Drift>,
    /// Reads that failed (missing providers first, then failed reads, each
    /// in address order): the instance and its diagnostics (messages prefixed with `refreshing `ADDRESS`: `).
    pub errors: Vec<(ResourceAddress, Vec<Diagnostic>)>,
    /// How many managed instances were read (or attempted).
    pub checked: usize,
}

/// Reads every managed instance of `state` (data sources are re-read by
/// the plan instead). Returns the refreshed state (gone objects removed)
/// and the drift found; `Err` with every read that failed. `progress`
/// counts the reads as they finish.
///
/// # Errors
/// Diagnostics of the reads that failed, each naming its address; a
/// provider missing for a type in state.
pub fn refresh(
    rt: &Handle,
    providers: &Providers,
    state: State,
    parallelism: usize,
    progress: &Arc<RefreshProgress>,
) -> Result<(State, Vec<Drift>), Vec<Diagnostic>> {
    let r = refresh_each(rt, providers, state, parallelism, &[], progress);
    if r.errors.is_empty() {
        Ok((r.state, r.drift))
    } else {
        Err(r.errors.into_iter().flat_map(|(_, d)| d).collect())
    }
}

/// Like [`refresh`], but a failed read does not stop the others: every
/// managed instance matching `targets` (all when empty) is read, and the
/// failures are returned per instance next to the drift of the rest. Used
/// by `infra drift`, which reports each failure and still checks
/// everything else. `progress` counts the reads to do and those finished.
pub fn refresh_each(
    rt: &Handle,
    providers: &Providers,
    state: State,
    parallelism: usize,
    targets: &[Target],
    progress: &Arc<RefreshProgress>,
) -> Refreshed {
    let sem = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = Vec::new();
    let mut errors = Vec::new();
    let mut checked = 0;
    for (addr, inst) in &state.resources {
        if addr.mode != ResourceMode::Managed
            || !(targets.is_empty() || targets.iter().any(|t| t.matches(addr)))
        {
            continue;
        }
        checked += 1;
        progress.add_total(1);
        let Some(provider) = providers
            .get(&inst.provider)
            .or_else(|| providers.for_type(&addr.type_name))
            .cloned()
        else {
            progress.finish_one();
            errors.push((
                addr.clone(),
                vec![Diagnostic::error(
                    "provider::missing",
                    format!(
                        "state has `{addr}`, but no provider `{}` is available",
                        Providers::provider_name(&addr.type_name)
                    ),
                )],
            ));
            continue;
        };
        let value = inst.value.clone();
        let private = inst.meta.private.clone();
        let type_name = addr.type_name.clone();
        let address = addr.clone();
        let sem = sem.clone();
        let progress = progress.clone();
        tasks.push((
            addr.clone(),
            rt.spawn(async move {
                let _permit = sem.acquire_owned().await;
                // The read runs in a task of its own so a panicking provider
                // is reported with the address it was reading.
                let read = tokio::spawn(async move {
                    let read = provider.read(&type_name, value, &private).await?;
                    checked_read(provider.as_ref(), &type_name, read, &address)
                });
                let read = read.await;
                progress.finish_one();
                match read {
                    Ok(r) => r,
                    Err(e) => Err(vec![Diagnostic::error(
                        "provider::panic",
                        format!("the provider crashed: {e}"),
                    )]),
                }
            }),
        ));
    }
    let results = rt.block_on(async {
        let mut out = Vec::with_capacity(tasks.len());
        for (addr, t) in tasks {
            out.push((addr, t.await));
        }
        out
    });
    let mut refreshed = state;
    let mut drift = Vec::new();
    let read_at = crate::state::now_secs();
    for (addr, r) in results {
        let result = match r {
            Ok(x) => x,
            Err(e) => Err(vec![Diagnostic::error(
                "provider::panic",
                format!("a provider crashed while reading: {e}"),
            )]),
        };
        match result {
            Ok(Some(Stored {
                value: now,
                private,
            })) => {
                if let Some(i) = refreshed.resources.get_mut(&addr) {
                    i.meta.private = private;
                    i.meta.read_at = Some(read_at);
                }
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
                // The provider saw the value without its marks: whatever of
                // its sensitive parts the messages quote is scrubbed (the
                // prior value is still the stored one after a failed read).
                let secrets = Secrets::of(refreshed.resources.get(&addr).map(|i| &i.value));
                let diags = secrets
                    .scrub_all(diags)
                    .into_iter()
                    .map(|d| Diagnostic {
                        message: format!("refreshing `{addr}`: {}", d.message),
                        ..d
                    })
                    .collect();
                errors.push((addr, diags));
            }
        }
    }
    drift.sort_by(|a, b| a.address.cmp(&b.address));
    Refreshed {
        state: refreshed,
        drift,
        errors,
        checked,
    }
}

/// `read` checked as Terraform checks a refreshed object (`check_read`):
/// conforming to the schema, fully known, write-only attributes null.
///
/// # Errors
/// "Provider produced invalid object", naming the provider and each
/// attribute at fault.
fn checked_read(
    provider: &dyn Provider,
    type_name: &str,
    read: Option<Stored>,
    address: &ResourceAddress,
) -> Result<Option<Stored>, Failure> {
    let (Some(r), Some(schema)) = (&read, provider.schema().resources.get(type_name)) else {
        return Ok(read);
    };
    let heading = (
        "provider::invalid-result",
        "Provider produced invalid object",
    );
    let problems = check_read(schema, &r.value);
    if problems.is_empty() {
        return Ok(read);
    }
    let diags = problems.into_diagnostics(
        false,
        provider.name(),
        &address.to_string(),
        heading,
        heading,
    );
    if diags.is_empty() {
        Ok(read)
    } else {
        Err(diags)
    }
}
