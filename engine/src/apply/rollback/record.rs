//! The record of an unfinished rollback, kept beside the state as the
//! side object `rollback` (`state.json.rollback`, S3 `KEY.rollback`):
//! written before the first rollback operation, removed once the state
//! holding the rollback is written. It holds the state from before the
//! run (values, so sealed with the state's encryption) and the addresses
//! to put back; `infra rollback --resume` takes it up after a crash.

use crate::addr::ResourceAddress;
use crate::state::{State, StateError, StateStore, file, sealed};
use serde::{Deserialize, Serialize};
use tokio::runtime::Handle;

/// The side object's name.
pub const NAME: &str = "rollback";

/// What is recorded.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// 1.
    format_version: u64,
    /// The instances to put back, as addresses.
    addresses: Vec<String>,
    /// The state before the run, as the state file holds it.
    state: String,
}

/// An unfinished rollback: the state to return to, at `addresses`.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The state from before the rolled-back run.
    pub target: State,
    /// The instances to put back.
    pub addresses: Vec<ResourceAddress>,
}

/// Records that `addresses` are being put back to `target`.
///
/// # Errors
/// The store refused the write, or the key could not be made.
pub fn save(
    store: &dyn StateStore,
    rt: &Handle,
    target: &State,
    addresses: &[ResourceAddress],
) -> Result<(), StateError> {
    let stored = Stored {
        format_version: 1,
        addresses: addresses.iter().map(ToString::to_string).collect(),
        state: file::to_text(target),
    };
    let plain = serde_json::to_vec(&stored).unwrap_or_default();
    let bytes = sealed::seal(plain, &what(store), &store.encryption())?;
    rt.block_on(store.side_write(NAME, &bytes))
}

/// The unfinished rollback of `store`, when there is one.
///
/// # Errors
/// It cannot be read, decrypted or parsed.
pub fn load(store: &dyn StateStore, rt: &Handle) -> Result<Option<Pending>, StateError> {
    let Some(bytes) = rt.block_on(store.side_read(NAME))? else {
        return Ok(None);
    };
    let shown = what(store);
    let plain = sealed::unseal(&bytes, &shown, &store.encryption())?;
    let corrupt = |message: String| StateError::Corrupt {
        path: shown.clone(),
        message,
    };
    let stored: Stored = serde_json::from_slice(&plain).map_err(|e| corrupt(e.to_string()))?;
    let target = file::from_text(&stored.state, &shown)?;
    let addresses = stored
        .addresses
        .iter()
        .map(|a| ResourceAddress::parse(a).map_err(|e| corrupt(format!("`{a}`: {e}"))))
        .collect::<Result<_, _>>()?;
    Ok(Some(Pending { target, addresses }))
}

/// Removes the record (the rollback is in the state now).
///
/// # Errors
/// The store refused.
pub fn clear(store: &dyn StateStore, rt: &Handle) -> Result<(), StateError> {
    rt.block_on(store.side_delete(NAME))
}

/// The record, for messages: `the rollback record beside .infra/state.json`.
fn what(store: &dyn StateStore) -> String {
    format!("the rollback record beside {}", store.describe())
}
