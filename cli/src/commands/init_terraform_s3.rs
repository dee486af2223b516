//! `infra init` in a Terraform working directory whose `backend "s3"`
//! block points at Terraform's state objects: finds them (the default
//! workspace's `KEY` and each workspace's `env:/NAME/KEY`, as Terraform
//! lists them) so `init -migrate-state` takes them over. The objects are
//! only read — never locked, written or deleted — before this run's
//! `-backend-config` moves infra's own state to another key.

use super::init::TerraformState;
use super::workdir;
use infra_engine::eval::Inputs;
use infra_engine::state::StateStore;
use infra_engine::state::terraform::looks_like_terraform;
use infra_engine::state::workspaces::Backend;
use infra_lang::Diagnostic;
use infra_providers::aws::state_workspaces::S3Backend;
use std::path::Path;

/// Terraform's state objects in the `s3` backend the configuration in
/// `base` names (with the `-backend-config` settings kept so far, not yet
/// this run's), by workspace; empty without a complete `s3` backend block
/// (its errors are reported where the backend is opened) or when no
/// object there is Terraform's.
///
/// Without `strict` only the default workspace's object is read (one GET:
/// a plain `init` only points out that it is Terraform's); with `strict`
/// (`-migrate-state`) every workspace is listed and read.
///
/// # Errors
/// With `strict`, S3 errors listing or reading the objects; without, they
/// leave the list empty (the store reports them).
pub fn terraform_objects(
    rt: &tokio::runtime::Runtime,
    base: &Path,
    consts: Inputs,
    strict: bool,
) -> Result<Vec<TerraformState>, Vec<Diagnostic>> {
    let block = infra_engine::eval::backend_config(base, consts)
        .ok()
        .and_then(|b| super::backend_config::merged(base, b).ok())
        .flatten();
    let Some(block) = block.filter(|b| b.kind == "s3") else {
        return Ok(Vec::new());
    };
    // Terraform's objects are plain JSON: no `encryption` here.
    let Ok(backend) = S3Backend::from_backend(&block.config) else {
        return Ok(Vec::new());
    };
    match objects(rt, &backend, strict) {
        Ok(found) => Ok(found),
        Err(e) if strict => Err(vec![workdir::state_error(&e)]),
        Err(_) => Ok(Vec::new()),
    }
}

/// The objects of `backend`'s workspaces (`all`: every one; else the
/// default workspace's) that hold Terraform's state.
fn objects(
    rt: &tokio::runtime::Runtime,
    backend: &S3Backend,
    all: bool,
) -> Result<Vec<TerraformState>, infra_engine::state::StateError> {
    let mut out = Vec::new();
    let workspaces = if all {
        rt.block_on(backend.workspaces())?
    } else {
        vec![infra_engine::state::workspaces::DEFAULT.to_string()]
    };
    for ws in workspaces {
        let store = backend.s3(&ws);
        let Some(bytes) = rt.block_on(store.stored_bytes())? else {
            continue;
        };
        if looks_like_terraform(&bytes) {
            out.push(TerraformState {
                ws,
                shown: store.describe(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
                file: None,
            });
        }
    }
    Ok(out)
}
