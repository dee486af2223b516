//! `infra import ADDRESS ID`: bring an object that already exists under
//! infra's management. The configuration must declare the instance; its
//! provider reads the object by its provider-specific id (a bucket's name,
//! `BUCKET/KEY` for an object) and the result goes into state, so the
//! next plan shows how the configuration differs from the real object.
//! Mirrors Terraform's `terraform import`.

use crate::addr::{ResourceAddress, ResourceMode};
use crate::eval::{EvalOptions, Inputs, Session, load_module};
use crate::plan::{PlanOptions, configure_providers, mark_schema_sensitive};
use crate::provider::Providers;
use crate::provider::consistency::check_read;
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
    configure_providers(root, &files, &inputs, &mut providers, &plan_options, rt)?;
    let key = provider_key(&files, address);
    let inst = import_object(&providers, key.as_deref(), address, id, rt)?;
    state.resources.insert(address.clone(), inst);
    Ok(())
}

/// Imports object `id` of `address`'s type through the provider
/// configuration `key` (`None`: the type's default one) of the configured
/// `providers`: the provider's import, then a read of what it found (as
/// Terraform does: an import may give little more than the id), checked
/// against the schema. Returns the object as state holds it. Shared by
/// `infra import` and `import` blocks (`plan/imports.rs`).
///
/// # Errors
/// No provider or type; the provider's refusal (no such object, type not
/// importable); an invalid object. Messages name the address and the id.
pub(crate) fn import_object(
    providers: &Providers,
    key: Option<&str>,
    address: &ResourceAddress,
    id: &str,
    rt: &Handle,
) -> Result<InstanceState, Vec<Diagnostic>> {
    if let Some(k) = key
        && providers.get(k).is_none()
    {
        return Err(vec![Diagnostic::error(
            "provider::undeclared-configuration",
            format!("`{address}` uses provider configuration `{k}`, which is not declared"),
        )]);
    }
    let (key, provider) = providers.resolve(&address.type_name, key).ok_or_else(|| {
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
    let p = provider.clone();
    let type_name = address.type_name.clone();
    let owned_id = id.to_string();
    let failed = |diags: Vec<Diagnostic>| {
        diags
            .into_iter()
            .map(|d| Diagnostic {
                message: format!("{address}: import of {id:?} failed: {}", d.message),
                ..d
            })
            .collect::<Vec<_>>()
    };
    let imported = rt
        .block_on(async move { p.import(&type_name, &owned_id).await })
        .map_err(failed)?;
    let object = imported
        .into_iter()
        .find(|i| i.type_name == address.type_name)
        .map(|i| i.object)
        .ok_or_else(|| {
            failed(crate::provider::error(format!(
                "the provider found no `{}` object",
                address.type_name
            )))
        })?;
    let (p, type_name) = (provider.clone(), address.type_name.clone());
    let object = rt
        .block_on(async move { p.read(&type_name, object.value, &object.private).await })
        .map_err(failed)?
        .ok_or_else(|| {
            failed(crate::provider::error(
                "the imported object does not exist (reading it found nothing)",
            ))
        })?;
    let heading = (
        "provider::invalid-result",
        "Provider produced invalid object",
    );
    let problems = check_read(schema, &object.value).into_diagnostics(
        false,
        provider.name(),
        &address.to_string(),
        heading,
        heading,
    );
    if !problems.is_empty() {
        return Err(failed(problems));
    }
    Ok(InstanceState {
        value: mark_schema_sensitive(schema, object.value),
        provider: key.to_string(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        deposed: Default::default(),
        meta: ObjectMeta {
            schema_version: schema.stored_version(),
            private: object.private,
        },
        deposed_meta: Default::default(),
    })
}

/// The `provider = NAME.ALIAS` of the root-module block of `address`, as
/// written; `None` for the default configuration (and in child modules,
/// which use the root's default configurations).
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
