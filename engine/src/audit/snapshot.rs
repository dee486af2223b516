//! Configuration snapshots: what a successful `apply` was made from —
//! the root module's `*.infra` files and the variable and const values —
//! kept beside its audit record in the state store (side object
//! `snapshots/RUN_ID.json`), sealed with the state's encryption, so that
//! `infra rollback RUN` can plan the return to it. Ephemeral variables
//! are never kept; sensitive ones only when the state is encrypted
//! (otherwise they are withheld, and `infra rollback` asks for them).

use crate::config::{ephemeral, load_dir, meta, overlay};
use crate::eval::Inputs;
use crate::plan::file::{WITHHELD, inputs_from_json, inputs_to_json, withhold};
use crate::state::{StateError, StateStore, sealed};
use infra_lang::ast::ExprKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tokio::runtime::Handle;

/// What a run was made from.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The root module's files: name → text.
    pub files: BTreeMap<String, String>,
    /// Variable and const values; a withheld variable's value is the
    /// marker `plan::file::WITHHELD` (given again at rollback).
    pub inputs: Inputs,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format_version: u64,
    files: BTreeMap<String, String>,
    inputs: serde_json::Value,
}

/// The side object of run `run_id`'s snapshot.
fn name(run_id: &str) -> String {
    format!("snapshots/{run_id}.json")
}

impl Snapshot {
    /// The snapshot of the module in `dir` (an overlay's files when one is
    /// active) applied with `inputs`; `encrypted`: the store encrypts, so
    /// sensitive variables may be kept.
    ///
    /// # Errors
    /// The module's files cannot be read.
    pub fn take(dir: &Path, inputs: &Inputs, encrypted: bool) -> std::io::Result<Snapshot> {
        let files = overlay::module_texts(dir)?;
        let parsed = load_dir(dir).0;
        let mut never = ephemeral::variables(&parsed);
        if !encrypted {
            never.extend(sensitive_variables(&parsed));
        }
        Ok(Snapshot {
            files,
            inputs: withhold(inputs, &never),
        })
    }

    /// The variables whose values were not kept.
    pub fn withheld(&self) -> Vec<String> {
        self.inputs
            .vars
            .iter()
            .filter(|(_, v)| {
                matches!(v, crate::eval::InputValue::Raw { origin, text } if origin == WITHHELD && text.is_empty())
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Stores it as run `run_id`'s, sealed by `store`'s encryption.
    ///
    /// # Errors
    /// The store refused, or the key could not be made.
    pub fn save(
        &self,
        store: &dyn StateStore,
        rt: &Handle,
        run_id: &str,
    ) -> Result<(), StateError> {
        let stored = Stored {
            format_version: 1,
            files: self.files.clone(),
            inputs: inputs_to_json(&self.inputs),
        };
        let plain = serde_json::to_vec(&stored).unwrap_or_default();
        let what = format!("the configuration snapshot of run {run_id}");
        let bytes = sealed::seal(plain, &what, &store.encryption())?;
        rt.block_on(store.side_write(&name(run_id), &bytes))
    }

    /// Run `run_id`'s snapshot in `store`, when it has one.
    ///
    /// # Errors
    /// It cannot be read, decrypted or parsed.
    pub fn load(
        store: &dyn StateStore,
        rt: &Handle,
        run_id: &str,
    ) -> Result<Option<Snapshot>, StateError> {
        let Some(bytes) = rt.block_on(store.side_read(&name(run_id)))? else {
            return Ok(None);
        };
        let what = format!("the configuration snapshot of run {run_id}");
        let plain = sealed::unseal(&bytes, &what, &store.encryption())?;
        let corrupt = |message: String| StateError::Corrupt {
            path: what.clone(),
            message,
        };
        let stored: Stored = serde_json::from_slice(&plain).map_err(|e| corrupt(e.to_string()))?;
        Ok(Some(Snapshot {
            files: stored.files,
            inputs: inputs_from_json(stored.inputs).map_err(corrupt)?,
        }))
    }
}

/// The variables of one module's `files` declared `sensitive = true`.
fn sensitive_variables(files: &[crate::config::ParsedFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        for b in f.ast.body.blocks().filter(|b| b.kind.name == "variable") {
            let sensitive = b
                .body
                .attribute(meta::SENSITIVE)
                .is_some_and(|a| !matches!(a.expr.kind, ExprKind::Bool(false)));
            if sensitive && let Some(name) = b.labels.first() {
                out.insert(name.value.clone());
            }
        }
    }
    out
}
