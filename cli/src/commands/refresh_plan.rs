//! `infra plan --refresh-only`: read every object and show what changed
//! outside infra, as Terraform's `plan -refresh-only`; nothing is planned
//! and nothing is written.

use super::drift::{Refreshed, drifted_names, refresh_with_lock};
use super::workdir;
use super::{OrFail, Outcome};
use crate::args::{PlanArgs, PlanFormat};
use crate::render::plan::{Style, drift as plan_drift};
use crate::{Io, exit};
use infra_lang::Diagnostic;
use std::path::Path;

/// Runs `infra plan --refresh-only`. Exit code 0 when nothing changed
/// outside infra, or when something did without `--detailed-exitcode`;
/// 2 when something did with it (mirrors Terraform's
/// `-detailed-exitcode`); 1 on an error. The lock is held while objects
/// are read, as `plan` holds it. `--json` prints one object:
/// `{"type": "refresh-plan", "changed": [ADDRESS...], "missing":
/// [ADDRESS...]}`.
pub fn run(args: &PlanArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let format = args.output_format();
    let as_json = format == PlanFormat::Json;
    let refused = |what: &str| {
        Err(Diagnostic::error(
            "cli::bad-flags",
            format!("`--refresh-only` cannot be combined with {what}"),
        )
        .with_help(
            "A refresh-only plan reads every object and plans nothing: drop the other flag, or run two commands.",
        ))
        .or_fail(as_json)
    };
    if format == PlanFormat::Markdown {
        return refused("`--format markdown`");
    }
    if args.planning.refresh == infra_engine::plan::RefreshMode::Off {
        return refused("`--refresh=false`");
    }
    let Some(Refreshed {
        lock,
        drift,
        warnings,
        ..
    }) = refresh_with_lock(&args.planning, base, as_json, "plan -refresh-only")?
    else {
        if as_json {
            let _ = writeln!(
                io.out,
                "{}",
                serde_json::json!({"type": "refresh-plan", "changed": [], "missing": []})
            );
        } else {
            let _ = writeln!(io.out, "No state yet: there is nothing to refresh.");
        }
        return Ok(exit::OK);
    };
    workdir::unlock(io, lock);
    let changed = if drift.is_empty() {
        exit::OK
    } else if args.detailed_exitcode {
        super::plan::CHANGES
    } else {
        exit::OK
    };
    if as_json {
        let names = |missing: bool| drifted_names(&drift, missing);
        let _ = writeln!(
            io.out,
            "{}",
            serde_json::json!({"type": "refresh-plan", "changed": names(false), "missing": names(true)})
        );
        return Ok(changed);
    }
    let style = Style::new(io.color);
    workdir::report(io, &warnings, false);
    if drift.is_empty() {
        let _ = writeln!(
            io.out,
            "{} infra has checked that the real objects still match the state.",
            style.bold("No changes.")
        );
        return Ok(changed);
    }
    let mut text = String::new();
    plan_drift(&mut text, &drift, style);
    let _ = write!(io.out, "{text}");
    let _ = writeln!(
        io.out,
        "\nThis is a refresh-only plan, so infra will not take any actions to undo these. If you expected these changes, `infra apply --refresh-only` records the updated values in the state without changing any real object."
    );
    Ok(changed)
}
