//! `import` blocks carried out while planning, between the `moved` blocks
//! and evaluation: each target not in state yet is imported and read by
//! its provider and added to the prior state, so the planning hook then
//! plans it like any stored object — no change ("will be imported"), an
//! update or a replacement against the imported object. Mirrors
//! Terraform's `NodePlannableResourceInstance.importState`
//! (`internal/terraform/node_resource_plan_instance.go`): a target already
//! in state is left alone, whatever its id. With `-generate-config-out`,
//! targets that have no `resource` block get one written (`generate.rs`).

use super::PlanOptions;
use super::generate;
use crate::addr::{ResourceAddress, ResourceMode};
use crate::eval::{EvalOptions, EvaluatedInstance, ImportTarget, Inputs, ModuleFiles, Session};
use crate::import::{ImportRequest, import_objects};
use crate::provider::Providers;
use crate::state::State;
use infra_lang::Diagnostic;
use infra_lang::diagnostic::did_you_mean;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tokio::runtime::Handle;

/// An object an `import` block adopts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The instance it becomes.
    pub address: ResourceAddress,
    /// Its id at the provider, as the block gives it.
    pub id: String,
    /// True when its `resource` block was generated
    /// (`-generate-config-out`): the configuration read for this plan has
    /// no block for it.
    pub generated: bool,
}

/// Carries out the root module's `import` blocks on `prior`: evaluates
/// them, checks them, and imports each target not in `prior` yet. Returns
/// the imports in address order. With `options.generate_config_out`,
/// targets without a `resource` block are imported too and a block for
/// each is written to that file.
///
/// # Errors
/// The blocks' evaluation errors; `import::duplicate` (two imports to one
/// address); `import::not-in-configuration` (no `resource` block, and no
/// `-generate-config-out`); `import::generate-exists`; the providers'
/// import and read errors.
pub(super) fn carry_out(
    root: &Path,
    files: &Arc<ModuleFiles>,
    inputs: &Inputs,
    providers: &Providers,
    prior: &mut State,
    options: &PlanOptions,
    rt: &Handle,
) -> Result<Vec<Import>, Vec<Diagnostic>> {
    // As Terraform: the file must be new whenever the flag is given.
    if let Some(out) = &options.generate_config_out {
        generate::refuse_existing(out)?;
    }
    if files.blocks_of("import").next().is_none() {
        return Ok(Vec::new());
    }
    let eval_options = EvalOptions {
        workspace: options.workspace.clone(),
        hook: None,
        schemas: None,
        keep_values: false,
        stored: None,
    };
    let session = Session::from_shared(root, files.clone(), inputs.clone(), &eval_options)?;
    let targets = session.import_targets()?;
    let mut by_address: BTreeMap<ResourceAddress, &ImportTarget> = BTreeMap::new();
    let mut errors = Vec::new();
    for t in &targets {
        if let Some(first) = by_address.insert(t.address.clone(), t) {
            errors.push(
                Diagnostic::error(
                    "import::duplicate",
                    format!("two `import` blocks import into `{}`", t.address),
                )
                .in_file(&t.source)
                .primary(t.to_span, "imported here again")
                .with_help(format!(
                    "An instance can be imported by one block only; the other one imports id {:?}.",
                    first.id
                )),
            );
        }
    }
    let mut generated = Vec::new();
    for t in by_address.values() {
        if !t.address.module.is_root()
            || files
                .resource(ResourceMode::Managed, &t.address.type_name, &t.address.name)
                .is_some()
        {
            continue;
        }
        if options.generate_config_out.is_some() {
            generated.push(t.address.clone());
            continue;
        }
        errors.push(not_declared(files, t));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let todo: Vec<(ResourceAddress, &ImportTarget)> = by_address
        .into_iter()
        .filter(|(a, _)| options.targets.is_empty() || options.targets.iter().any(|x| x.matches(a)))
        .filter(|(a, _)| !options.excludes.iter().any(|x| x.matches(a)))
        // As Terraform: an address already managed is not imported again.
        .filter(|(a, _)| !prior.resources.contains_key(a))
        .collect();
    let requests: Vec<ImportRequest<'_>> = todo
        .iter()
        .map(|(address, t)| ImportRequest {
            address,
            key: t
                .provider
                .clone()
                .or_else(|| crate::import::provider_key(files, address)),
            id: &t.id,
        })
        .collect();
    let results = import_objects(providers, &requests, options.parallelism, rt);
    let mut imports = Vec::new();
    let mut blocks = Vec::new();
    for ((address, t), result) in todo.iter().zip(results) {
        let inst = match result {
            Ok(i) => i,
            Err(d) => {
                errors.extend(d);
                continue;
            }
        };
        let is_generated = generated.contains(address);
        if is_generated && let Some(schema) = providers.schema(&address.type_name, false) {
            blocks.push(generate::block(address, &t.id, schema, &inst.value));
        }
        prior.resources.insert(address.clone(), inst);
        imports.push(Import {
            address: address.clone(),
            id: t.id.clone(),
            generated: is_generated,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(out) = &options.generate_config_out
        && !blocks.is_empty()
    {
        generate::write(out, &blocks)?;
    }
    Ok(imports)
}

/// `import::not-in-configuration` for target `t`, with the resource
/// blocks of its type as suggestions.
fn not_declared(files: &ModuleFiles, t: &ImportTarget) -> Diagnostic {
    let names: Vec<String> = files
        .resources
        .keys()
        .map(|(ty, n)| format!("{ty}.{n}"))
        .collect();
    let wanted = format!("{}.{}", t.address.type_name, t.address.name);
    let mut help = match did_you_mean(&wanted, names.iter().map(String::as_str)) {
        Some(s) => format!("Did you mean `{s}`? "),
        None => String::new(),
    };
    help.push_str(&format!(
        "Add a `resource \"{}\" \"{}\"` block, or let `infra plan --generate-config-out=generated.infra` write one.",
        t.address.type_name, t.address.name
    ));
    Diagnostic::error(
        "import::not-in-configuration",
        format!(
            "the configuration for import target `{}` does not exist",
            t.address
        ),
    )
    .in_file(&t.source)
    .primary(t.to_span, "no such resource block")
    .with_help(help)
}

/// After evaluation: an import whose target instance the configuration
/// does not have (a key not in `for_each`/`count`, an instance of a
/// module call that does not exist) is an error, as in Terraform. A
/// generated one has no block in this configuration and is not checked.
pub(super) fn unmatched(imports: &[Import], instances: &[EvaluatedInstance]) -> Vec<Diagnostic> {
    imports
        .iter()
        .filter(|i| !i.generated && !instances.iter().any(|x| x.address == i.address))
        .map(|i| {
            Diagnostic::error(
                "import::not-in-configuration",
                format!(
                    "the configuration for import target `{}` does not exist",
                    i.address
                ),
            )
            .with_help("The `resource` block exists, but its `count`/`for_each` (or its module call's) has no such instance: import into a key it has.")
        })
        .collect()
}

/// Drops the deletes planned for generated imports: their blocks are in
/// the file just written, not in the configuration this plan read.
pub(super) fn keep_generated(
    imports: &[Import],
    changes: &mut BTreeMap<ResourceAddress, super::ResourceChange>,
) {
    for i in imports.iter().filter(|i| i.generated) {
        changes.remove(&i.address);
    }
}
