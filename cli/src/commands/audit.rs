//! Appending a run's record to the audit log (`infra_engine::audit`):
//! what the state-changing commands call, under their lock, once they
//! know the outcome. A record that cannot be appended is a warning
//! (`audit::append-failed`): the state change it describes has happened
//! and is not undone.

use super::workdir;
use crate::Io;
use infra_engine::addr::ResourceAddress;
use infra_engine::audit::{self, Change, Record, actor::Actor};
use infra_engine::state::StateStore;
use infra_lang::Diagnostic;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

thread_local! {
    /// The command line of the command running on this thread (after the
    /// program name). Set by `infra_cli::run` for the command's duration:
    /// commands run on the caller's thread, and the in-process test suite
    /// runs many at once, one per thread, so a process-wide value would
    /// mix them up.
    static ARGV: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Records `argv` (the program name first) as this thread's command line.
pub fn set_argv(argv: &[std::ffi::OsString]) {
    let args = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    ARGV.with(|a| *a.borrow_mut() = args);
}

/// A state-changing run being recorded: started when the command starts.
pub(super) struct Run {
    command: String,
    started: Instant,
    started_at: String,
}

impl Run {
    /// A run of `command` (`apply`, `state rm`) starting now.
    pub(super) fn start(command: &str) -> Run {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        Run {
            command: command.to_string(),
            started: Instant::now(),
            started_at: infra_stdlib::rfc3339_utc(secs),
        }
    }

    /// Appends the run's record to `store`'s log: `outcome` (`succeeded`,
    /// `failed`, `interrupted`), the state's serials before and after,
    /// what it did;
    /// `config` is the root module's directory when the command read the
    /// configuration. A failure to append is printed as a warning.
    /// Returns the record's run id once appended.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish(
        self,
        io: &mut Io<'_>,
        rt: &tokio::runtime::Runtime,
        store: &dyn StateStore,
        config: Option<&Path>,
        outcome: &str,
        (serial_before, serial_after): (Option<u64>, Option<u64>),
        changes: Vec<Change>,
    ) -> Option<String> {
        let env = |k: &str| std::env::var(k).ok();
        let actor = Actor::current(&env);
        let vcs_commit = actor
            .ci
            .as_ref()
            .and_then(|c| c.commit.clone())
            .or_else(|| config.and_then(audit::actor::git_commit));
        let mut record = Record {
            format_version: audit::FORMAT_VERSION,
            seq: 0,
            run_id: audit::new_run_id(),
            started: self.started_at,
            duration_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            actor,
            command: self.command,
            args: audit::redact_args(&ARGV.with(|a| a.borrow().clone())),
            workspace: store.workspace().to_string(),
            config_digest: config.and_then(audit::config_digest),
            vcs_commit,
            outcome: outcome.to_string(),
            serial_before,
            serial_after,
            changes,
            prev: String::new(),
        };
        let appended = rt.block_on(async {
            let last = store.audit_last().await.map_err(|e| e.to_string())?;
            let bytes = audit::chain(&mut record, last.as_deref())?;
            store
                .audit_append(record.seq, &bytes)
                .await
                .map_err(|e| e.to_string())
        });
        match appended {
            Ok(()) => Some(record.run_id),
            Err(why) => {
                let d = Diagnostic::warning(
                    "audit::append-failed",
                    format!("this run was not recorded in the audit log: {why}"),
                )
                .with_help("`infra history verify` checks the log; the change itself is done and in the state.");
                workdir::report(io, &[d], false);
                None
            }
        }
    }
}

/// One instance's line in a record.
pub(super) fn change(address: impl ToString, action: &str, result: &str) -> Change {
    Change {
        address: address.to_string(),
        action: action.to_string(),
        result: result.to_string(),
        duration_ms: None,
    }
}

impl Run {
    /// [`Run::finish`] for `apply`/`destroy`: each import (`ok` when its
    /// object is in the new state), then each planned change with its
    /// result (`ok`, `failed`, `skipped`, `unknown` when abandoned) and,
    /// when it ran, its duration (`timed`, summed over a replacement's
    /// two operations). Returns the run id once appended.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish_apply(
        self,
        io: &mut Io<'_>,
        rt: &tokio::runtime::Runtime,
        store: &dyn StateStore,
        config: &Path,
        plan: &infra_engine::plan::Plan,
        result: &infra_engine::apply::ApplyReport,
        timed: &BTreeMap<ResourceAddress, Duration>,
    ) -> Option<String> {
        // Imports first: apply journals them before any other operation.
        let imports = plan.imports.iter().map(|i| {
            let kept = result
                .state
                .as_ref()
                .is_some_and(|s| s.resources.contains_key(&i.address));
            change(&i.address, "import", if kept { "ok" } else { "failed" })
        });
        let mut changes: Vec<Change> = imports
            .chain(plan.changes.iter().map(|c| {
                let outcome = if result.failed.iter().any(|(a, _)| *a == c.address) {
                    "failed"
                } else if result.abandoned.contains(&c.address) {
                    "unknown"
                } else if timed.contains_key(&c.address) {
                    "ok"
                } else {
                    "skipped"
                };
                Change {
                    duration_ms: timed
                        .get(&c.address)
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    ..change(&c.address, c.action.as_str(), outcome)
                }
            }))
            .collect();
        changes.extend(rollback_changes(result.rollback.as_ref()));
        let outcome = if result.rollback.is_some() {
            "rolled_back"
        } else if result.interrupted {
            "interrupted"
        } else if result.ok() {
            "succeeded"
        } else {
            "failed"
        };
        let after = result.written_serial();
        self.finish(
            io,
            rt,
            store,
            Some(config),
            outcome,
            (Some(plan.prior.serial), after),
            changes,
        )
    }
}

impl Run {
    /// [`Run::finish`] for a successful edit of the state (`state rm`,
    /// `mv`, `push`, `replace-provider`) from `before` to `after`.
    pub(super) fn finish_edit(
        self,
        io: &mut Io<'_>,
        rt: &tokio::runtime::Runtime,
        store: &dyn StateStore,
        before: Option<&infra_engine::state::State>,
        after: &infra_engine::state::State,
    ) {
        let serials = (before.map(|s| s.serial), Some(after.serial));
        let changes = state_diff(before, after);
        self.finish(io, rt, store, None, "succeeded", serials, changes);
    }
}

/// Keeps the configuration and inputs of the successful apply `run_id`
/// beside its record (`audit::snapshot`), for `infra rollback RUN`; a
/// failure is a warning (`audit::snapshot-failed`).
pub(super) fn keep_snapshot(
    io: &mut Io<'_>,
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
    config: &Path,
    inputs: &infra_engine::eval::Inputs,
    run_id: &str,
) {
    let encrypted = store.encryption().encrypts();
    let kept = audit::snapshot::Snapshot::take(config, inputs, encrypted)
        .map_err(|e| e.to_string())
        .and_then(|s| {
            s.save(store, rt.handle(), run_id)
                .map_err(|e| e.to_string())
        });
    if let Err(why) = kept {
        let d = Diagnostic::warning(
            "audit::snapshot-failed",
            format!("the configuration of this run was not kept: {why}"),
        )
        .with_help("`infra rollback` cannot return to this run; the change itself is done and in the state.");
        workdir::report(io, &[d], false);
    }
}

/// What an edit of the state did, instance by instance: `state-remove`
/// for an address `before` had and `after` lacks, `state-add` for the
/// reverse, `replace-provider` for a changed provider configuration,
/// `state-change` for other changes to a kept instance.
fn state_diff(
    before: Option<&infra_engine::state::State>,
    after: &infra_engine::state::State,
) -> Vec<Change> {
    let empty = BTreeMap::new();
    let old = before.map_or(&empty, |s| &s.resources);
    let mut out = Vec::new();
    for (a, inst) in old {
        match after.resources.get(a) {
            None => out.push(change(a, "state-remove", "ok")),
            Some(now) if now.provider != inst.provider => {
                out.push(change(a, "replace-provider", "ok"));
            }
            Some(now) if now != inst => out.push(change(a, "state-change", "ok")),
            Some(_) => {}
        }
    }
    for a in after.resources.keys().filter(|a| !old.contains_key(*a)) {
        out.push(change(a, "state-add", "ok"));
    }
    out
}

/// A rollback's lines in a record: each instance it put back (`rollback`,
/// `ok`) or could not (`rollback`, `failed` when its undo failed, else
/// `kept`).
pub(super) fn rollback_changes(
    rollback: Option<&infra_engine::apply::rollback::RollbackReport>,
) -> Vec<Change> {
    let Some(r) = rollback else {
        return Vec::new();
    };
    let done = r
        .rolled_back
        .iter()
        .map(|(a, _)| change(a, "rollback", "ok"));
    let kept = r.not_rolled_back.iter().map(|(a, _)| {
        let failed = r.failed.iter().any(|(f, _)| f == a);
        change(a, "rollback", if failed { "failed" } else { "kept" })
    });
    done.chain(kept).collect()
}
