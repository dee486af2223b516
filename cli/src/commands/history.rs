//! `infra history [show RUN | verify] [--json]`: reads the audit log of
//! the selected workspace's state store (`infra_engine::audit`).

use super::state::Ctx;
use super::workdir;
use super::{OrFail, Outcome};
use crate::args::{HistoryArgs, HistoryCommand};
use crate::{Io, exit};
use infra_engine::audit::{self, Record};
use infra_lang::Diagnostic;
use std::collections::BTreeMap;
use std::path::Path;

/// Runs `infra history`. Exit codes: 0; 1 on an error, including a broken
/// chain for `verify` (and for `show`/the list, which still print what
/// can be read after warning about it).
pub fn run(args: &HistoryArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let json = args.json;
    let c = Ctx::open(base, &args.state, &args.inputs).or_fail(json)?;
    let stored = workdir::read_audit(&c.rt, &*c.store).or_fail(json)?;
    let checked = audit::verify(&stored);
    match &args.command {
        Some(HistoryCommand::Verify) => verify(&c, &stored, checked, io, json),
        Some(HistoryCommand::Show { run }) => {
            let records = readable(&stored, checked, io, json);
            let r = find(&records, run).or_fail(json)?;
            if json {
                let _ = writeln!(
                    io.out,
                    "{}",
                    serde_json::to_string_pretty(r).unwrap_or_default()
                );
            } else {
                show(io, r);
            }
            Ok(exit::OK)
        }
        None => {
            let records = readable(&stored, checked, io, json);
            if json {
                let _ = writeln!(
                    io.out,
                    "{}",
                    serde_json::to_string_pretty(&records).unwrap_or_default()
                );
            } else if records.is_empty() {
                let _ = writeln!(io.out, "No runs recorded for {} yet.", c.store.describe());
            } else {
                list(io, &records);
            }
            Ok(exit::OK)
        }
    }
}

/// The records that decode, after a warning when the chain is broken
/// (a damaged log is still shown, so its readable part is not lost).
fn readable(
    stored: &[Vec<u8>],
    checked: Result<Vec<Record>, audit::Break>,
    io: &mut Io<'_>,
    json: bool,
) -> Vec<Record> {
    match checked {
        Ok(records) => records,
        Err(b) => {
            let d = Diagnostic::warning("audit::broken", format!("the audit log is not intact: {}", b.reason))
                .with_help("`infra history verify` names the first record that does not fit; the records are listed as they are.");
            if json {
                let _ = write!(io.err, "{}", crate::render::human(&[d], false, 100));
            } else {
                workdir::report(io, &[d], false);
            }
            stored
                .iter()
                .filter_map(|b| audit::decode(b).ok())
                .collect()
        }
    }
}

/// `history verify`.
fn verify(
    c: &Ctx,
    stored: &[Vec<u8>],
    checked: Result<Vec<Record>, audit::Break>,
    io: &mut Io<'_>,
    json: bool,
) -> Outcome {
    let records = checked
        .map_err(|b| {
            Diagnostic::error(
                "audit::broken",
                format!("the audit log is not intact at record {}: {}", b.position, b.reason),
            )
            .with_help("Records are append-only and each holds the SHA-256 of the one before: a record changed, removed or reordered after it was written breaks the chain there. Compare with the store's object versions or backups.")
        })
        .or_fail(json)?;
    // A run that changed the state without a record (an older infra, or
    // a removed last record) shows as a state newer than the log says.
    let state_serial = workdir::read(&c.rt, &*c.store)
        .or_fail(json)?
        .map(|s| s.serial);
    let last_serial = records.iter().rev().find_map(|r| r.serial_after);
    if let (Some(now), Some(logged)) = (state_serial, last_serial)
        && now > logged
    {
        let d = Diagnostic::warning(
            "audit::unrecorded",
            format!("the state is at serial {now}, but the last recorded run left serial {logged}: a change to the state is not in the log"),
        )
        .with_help("A command of an infra without the audit log, or a last record removed, explains it.");
        workdir::report(io, &[d], json);
    }
    if json {
        let _ = writeln!(
            io.out,
            "{}",
            serde_json::json!({"intact": true, "records": stored.len()})
        );
    } else {
        let _ = writeln!(
            io.out,
            "The audit log of {} is intact: {} record(s), each chained to the one before.",
            c.store.describe(),
            stored.len()
        );
    }
    Ok(exit::OK)
}

/// The record `run` names: its number, or its run id or a prefix of it
/// (at least 4 characters) that only one record has.
pub(super) fn find<'a>(records: &'a [Record], run: &str) -> Result<&'a Record, Diagnostic> {
    let run = run.trim();
    if let Ok(n) = run.parse::<u64>()
        && let Some(r) = records.iter().find(|r| r.seq == n)
    {
        return Ok(r);
    }
    let matching: Vec<&Record> = if run.len() >= 4 {
        records
            .iter()
            .filter(|r| r.run_id.starts_with(run))
            .collect()
    } else {
        Vec::new()
    };
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(
            Diagnostic::error("audit::no-run", format!("no recorded run is {run:?}"))
                .with_help("`infra history` lists the runs with their numbers and ids."),
        ),
        _ => Err(Diagnostic::error(
            "audit::no-run",
            format!("{} runs have ids starting with {run:?}", matching.len()),
        )
        .with_help("Give more characters of the id, or the run's number.")),
    }
}

/// `3 created, 1 deleted, 1 failed`: a record's changes counted.
fn summary(r: &Record) -> String {
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for c in &r.changes {
        let key = if c.result == "ok" {
            c.action.clone()
        } else {
            c.result.clone()
        };
        *by.entry(key).or_default() += 1;
    }
    if by.is_empty() {
        return "-".into();
    }
    by.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(io: &mut Io<'_>, records: &[Record]) {
    let rows: Vec<[String; 8]> = records
        .iter()
        .map(|r| {
            [
                r.seq.to_string(),
                r.run_id.chars().take(8).collect(),
                r.started.clone(),
                r.actor.describe(),
                r.command.clone(),
                r.workspace.clone(),
                r.outcome.clone(),
                summary(r),
            ]
        })
        .collect();
    let head = [
        "#",
        "RUN",
        "STARTED",
        "WHO",
        "COMMAND",
        "WORKSPACE",
        "OUTCOME",
        "CHANGES",
    ];
    let mut widths = head.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let _ = writeln!(io.out, "{}", line(&head));
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        let _ = writeln!(io.out, "{}", line(&cells));
    }
}

fn show(io: &mut Io<'_>, r: &Record) {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let serial = |v: Option<u64>| v.map_or_else(|| "-".into(), |s| s.to_string());
    let _ = writeln!(io.out, "Run {} (record {})", r.run_id, r.seq);
    let _ = writeln!(
        io.out,
        "  started:     {} ({} ms)",
        r.started, r.duration_ms
    );
    let _ = writeln!(io.out, "  who:         {}", r.actor.describe());
    if let Some(url) = r.actor.ci.as_ref().and_then(|c| c.url.as_ref()) {
        let _ = writeln!(io.out, "  job:         {url}");
    }
    let _ = writeln!(io.out, "  command:     infra {}", r.args.join(" "));
    let _ = writeln!(io.out, "  workspace:   {}", r.workspace);
    let _ = writeln!(io.out, "  outcome:     {}", r.outcome);
    let _ = writeln!(
        io.out,
        "  serial:      {} -> {}",
        serial(r.serial_before),
        serial(r.serial_after)
    );
    let _ = writeln!(io.out, "  config:      {}", opt(&r.config_digest));
    let _ = writeln!(io.out, "  commit:      {}", opt(&r.vcs_commit));
    if r.changes.is_empty() {
        return;
    }
    let _ = writeln!(io.out, "  changes:");
    for c in &r.changes {
        let took = c
            .duration_ms
            .map_or_else(String::new, |d| format!(" in {d} ms"));
        let _ = writeln!(io.out, "    {} {}: {}{took}", c.action, c.address, c.result);
    }
}
