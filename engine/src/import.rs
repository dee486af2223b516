//! `infra import ADDRESS ID`: bring an object that already exists under
//! infra's management. The configuration must declare the instance; its
//! provider reads the object by its provider-specific id (a bucket's name,
//! `BUCKET/KEY` for an object) and the result goes into state, so the
//! next plan shows how the configuration differs from the real object.
//! Mirrors Terraform's `terraform import`.

use crate::addr::{ResourceAddress, ResourceMode};
use crate::eval::{EvalOptions, Inputs, Session, load_module};
use crate::plan::{PlanOptions, configure_providers, mark_schema_sensitive};
use crate::provider::consistency::check_read;
use crate::provider::{Provider, Providers, ResourceSchema, Stored};
use crate::state::{InstanceState, ObjectMeta, State};
use infra_lang::Diagnostic;
use std::path::Path;
use std::sync::Arc;
use tokio::runtime::Handle;

/// Imports object `id` as `address` into `state` (serial not changed:
/// the caller writes it). Returns the imported value for display.
///
/// # Errors
/// A data source address; an address already in state; an instance the
/// configuration does not declare; configuration errors; the provider's
/// refusal (no such object, type not importable).
#[allow(clippy::too_many_arguments)]
pub fn import(
    root: &Path,
    inputs: Inputs,
    providers: &Providers,
    state: &mut State,
    address: &ResourceAddress,
    id: &str,
    workspace: &str,
    rt: &Handle,
) -> Result<(), Vec<Diagnostic>> {
    if address.mode != ResourceMode::Managed {
        return Err(vec![Diagnostic::error(
            "import::data-source",
            format!("`{address}` is a data source; only managed resources can be imported"),
        )]);
    }
    if state.resources.contains_key(address) {
        return Err(vec![Diagnostic::error(
            "import::exists",
            format!("`{address}` is already managed by infra"),
        )
        .with_help(format!(
            "To import another object as `{address}`, first remove it with `infra state rm {address}`."
        ))]);
    }
    let files = Arc::new(load_module(root)?);
    let options = EvalOptions {
        workspace: workspace.to_string(),
        hook: None,
        schemas: None,
        keep_values: false,
        stored: None,
    };
    let session = Session::from_shared(root, files.clone(), inputs.clone(), &options)?;
    let declared = !address.module.0.is_empty()
        || files
            .resources
            .contains_key(&(address.type_name.clone(), address.name.clone()));
    let checked = if declared {
        session.instance_config(address).map(|_| ())
    } else {
        Err(Vec::new())
    };
    checked.map_err(|mut d| {
        if d.iter().any(|d| d.code == "apply::instance-gone") || d.is_empty() {
            d = vec![Diagnostic::error(
                "import::not-in-configuration",
                format!("the configuration does not declare `{address}`"),
            )
            .with_help(format!(
                "Add a `resource \"{}\" \"{}\"` block for it first: import brings an object under an existing block.",
                address.type_name, address.name
            ))];
        }
        d
    })?;
    let mut providers = providers.clone();
    let plan_options = PlanOptions {
        workspace: workspace.to_string(),
        ..PlanOptions::default()
    };
    let in_state = crate::eval::state_keys(state);
    configure_providers(
        root,
        &files,
        &inputs,
        &mut providers,
        &in_state,
        &plan_options,
        rt,
    )?;
    // The configuration its block uses, through the module calls'
    // `providers` maps.
    let request = ImportRequest {
        address,
        key: session.instance_provider(address)?,
        id,
    };
    let mut imported = import_objects(&providers, &[request], 1, rt);
    let inst = imported.pop().unwrap_or_else(|| Err(Vec::new()))?;
    state.resources.insert(address.clone(), inst);
    Ok(())
}

/// One object to import: `id` as `address`, through the provider
/// configuration `key` (`None`: the type's default one).
pub(crate) struct ImportRequest<'a> {
    /// The instance it becomes.
    pub address: &'a ResourceAddress,
    /// `NAME.ALIAS` of the provider configuration, when not the default.
    pub key: Option<String>,
    /// Its id at the provider.
    pub id: &'a str,
}

/// Imports every object of `requests` through the configured `providers`,
/// at most `parallelism` at once: the provider's import, then a read of
/// what it found (as Terraform does: an import may give little more than
/// the id), checked against the schema. Returns each object as state holds
/// it, in the order of `requests`. Shared by `infra import` and `import`
/// blocks (`plan/imports.rs`).
///
/// Each result's errors: no provider configuration or type; the
/// provider's refusal (no such object, type not importable); an invalid
/// object. Messages name the address and the id.
pub(crate) fn import_objects(
    providers: &Providers,
    requests: &[ImportRequest<'_>],
    parallelism: usize,
    rt: &Handle,
) -> Vec<Result<InstanceState, Vec<Diagnostic>>> {
    let sem = Arc::new(tokio::sync::Semaphore::new(parallelism.max(1)));
    let mut started = Vec::with_capacity(requests.len());
    for r in requests {
        let resolved = resolve(providers, r).map(|(key, provider, schema)| {
            let (p, type_name, id) = (
                provider.clone(),
                r.address.type_name.clone(),
                r.id.to_string(),
            );
            let sem = sem.clone();
            let task = rt.spawn(async move {
                let _permit = sem.acquire_owned().await;
                fetch(p, &type_name, &id).await
            });
            (key, provider, schema, task)
        });
        started.push(resolved);
    }
    started
        .into_iter()
        .zip(requests)
        .map(|(resolved, r)| {
            let (key, provider, schema, task) = resolved?;
            let failed = |diags: Vec<Diagnostic>| {
                diags
                    .into_iter()
                    .map(|d| Diagnostic {
                        message: format!(
                            "{}: import of {:?} failed: {}",
                            r.address, r.id, d.message
                        ),
                        ..d
                    })
                    .collect::<Vec<_>>()
            };
            let object = rt
                .block_on(task)
                .unwrap_or_else(|e| Err(crate::provider::error(format!("the import crashed: {e}"))))
                .map_err(failed)?;
            let heading = (
                "provider::invalid-result",
                "Provider produced invalid object",
            );
            let problems = check_read(schema, &object.value).into_diagnostics(
                false,
                provider.name(),
                &r.address.to_string(),
                heading,
                heading,
            );
            if !problems.is_empty() {
                return Err(failed(problems));
            }
            Ok(InstanceState {
                value: mark_schema_sensitive(schema, object.value),
                provider: key,
                dependencies: Vec::new(),
                create_before_destroy: false,
                deposed: Default::default(),
                meta: ObjectMeta {
                    schema_version: schema.stored_version(),
                    private: object.private,
                    // Read just now.
                    read_at: Some(crate::state::now_secs()),
                    config_digest: None,
                },
                deposed_meta: Default::default(),
            })
        })
        .collect()
}

/// What imports a request: the provider configuration's key, the
/// provider, the type's schema.
type Importer<'p> = (String, Arc<dyn Provider>, &'p ResourceSchema);

/// The provider configuration (its key), provider and schema that import
/// request `r`.
fn resolve<'p>(
    providers: &'p Providers,
    r: &ImportRequest<'_>,
) -> Result<Importer<'p>, Vec<Diagnostic>> {
    let address = r.address;
    if let Some(k) = &r.key
        && providers.get(k).is_none()
    {
        return Err(vec![Diagnostic::error(
            "provider::undeclared-configuration",
            format!("`{address}` uses provider configuration `{k}`, which is not declared"),
        )]);
    }
    let (key, provider) = providers
        .resolve(&address.type_name, r.key.as_deref())
        .ok_or_else(|| {
            vec![Diagnostic::error(
                "provider::missing",
                format!("no provider for `{}`", address.type_name),
            )]
        })?;
    let schema = providers.schema(&address.type_name, false).ok_or_else(|| {
        vec![Diagnostic::error(
            "schema::unknown-type",
            format!("no resource type `{}`", address.type_name),
        )]
    })?;
    Ok((key.to_string(), provider.clone(), schema))
}

/// The provider's import of `id`, then its read of the object of type
/// `type_name` it found.
async fn fetch(
    provider: Arc<dyn Provider>,
    type_name: &str,
    id: &str,
) -> Result<Stored, Vec<Diagnostic>> {
    let object = provider
        .import(type_name, id)
        .await?
        .into_iter()
        .find(|i| i.type_name == type_name)
        .map(|i| i.object)
        .ok_or_else(|| {
            crate::provider::error(format!("the provider found no `{type_name}` object"))
        })?;
    provider
        .read(type_name, object.value, &object.private)
        .await?
        .ok_or_else(|| {
            crate::provider::error("the imported object does not exist (reading it found nothing)")
        })
}

/// The `provider = NAME.ALIAS` of the root-module block of `address`, as
/// written; `None` for the default configuration, and in child modules
/// (where only an evaluation knows the configuration a module call's
/// `providers` passes: `Session::instance_provider`).
pub(crate) fn provider_key(
    files: &crate::eval::ModuleFiles,
    address: &ResourceAddress,
) -> Option<String> {
    if !address.module.0.is_empty() {
        return None;
    }
    let (src, decl) = files.resource(ResourceMode::Managed, &address.type_name, &address.name)?;
    Some(decl.provider?.key(src))
}
