//! `infra force-unlock LOCK_ID`: removes the state lock with that id,
//! left behind by a command that crashed (S3 locks outlive their holder;
//! local ones are released by the OS, so this explains what holds them).

use super::workdir::{self, report};
use crate::args::{ForceUnlockArgs, StateArgs};
use crate::{Io, exit};
use std::path::Path;

/// Runs `infra force-unlock`.
pub fn run(args: &ForceUnlockArgs, base: &Path, io: &mut Io<'_>) -> i32 {
    let rt = match workdir::runtime() {
        Ok(rt) => rt,
        Err(d) => {
            report(io, &[d], false);
            return exit::ERROR;
        }
    };
    let state_args = StateArgs {
        state: args.state.clone(),
        lock_timeout: "0s".into(),
    };
    let store = match workdir::store(base, &state_args, workdir::const_inputs(&args.consts)) {
        Ok(s) => s,
        Err(diags) => {
            report(io, &diags, false);
            return exit::ERROR;
        }
    };
    match rt.block_on(store.force_unlock(args.lock_id.trim())) {
        Ok(info) => {
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
            exit::OK
        }
        Err(e) => {
            report(io, &[workdir::state_error(&e)], false);
            exit::ERROR
        }
    }
}
