//! `infra force-unlock LOCK_ID`: removes the state lock with that id,
//! left behind by a command that crashed (S3 locks outlive their holder;
//! local ones are released by the OS, so this explains what holds them).

use super::workdir;
use super::{OrFail, Outcome};
use crate::args::{ForceUnlockArgs, StateArgs};
use crate::{Io, exit};
use std::path::Path;

/// Runs `infra force-unlock`.
pub fn run(args: &ForceUnlockArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let rt = workdir::runtime().or_fail(false)?;
    let state_args = StateArgs {
        state: args.state.clone(),
        ..StateArgs::default()
    };
    let store =
        workdir::store(base, &state_args, workdir::const_inputs(&args.consts)).or_fail(false)?;
    let audit = super::audit::Run::start("force-unlock");
    let info = rt
        .block_on(store.force_unlock(args.lock_id.trim()))
        .map_err(|e| workdir::state_error(&e))
        .or_fail(false)?;
    audit.finish(
        io,
        &rt,
        &*store,
        None,
        "succeeded",
        (None, None),
        Vec::new(),
    );
    let _ = writeln!(
        io.out,
        "Removed lock {} of {} (`infra {}` by {}, pid {}, since {}).",
        info.id,
        store.describe(),
        info.operation,
        info.who,
        info.pid,
        info.created
    );
    Ok(exit::OK)
}
