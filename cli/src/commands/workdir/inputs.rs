//! The inputs a command is given: var files, `-var`, `--const`,
//! `INFRA_VAR_*`, and in a terminal a prompt for each missing required
//! variable; and the `--const` values alone, for the `backend` block.

use crate::args::InputArgs;
use infra_engine::eval::{CliInput, InputValue, Inputs, collect_inputs, missing_variables};
use infra_lang::Diagnostic;
use std::io::BufRead;
use std::path::Path;

/// The inputs given on the command line and in the environment: var files
/// first (in order), then `-var`, then `--const`; in a terminal, a prompt
/// for each required variable without a value.
///
/// # Errors
/// A `-var`/`--const` without `=`, or an unreadable/invalid var file.
pub fn gather_inputs(args: &InputArgs, base: &Path) -> Result<Inputs, Vec<Diagnostic>> {
    let mut inputs = checked_inputs(args, base)?;
    prompt_for_missing(base, &mut inputs);
    Ok(inputs)
}

/// [`gather_inputs`] without prompting: for commands that read only the
/// consts (the `backend` block), such as `output`, `state` and
/// `validate`, which still check every input they are given.
///
/// # Errors
/// As [`gather_inputs`].
pub fn checked_inputs(args: &InputArgs, base: &Path) -> Result<Inputs, Vec<Diagnostic>> {
    let mut cli = Vec::new();
    for f in &args.var_files {
        cli.push(CliInput::VarFile(f.clone()));
    }
    let split = |flag: &str, s: &str| -> Result<(String, String), Diagnostic> {
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(Diagnostic::error(
                "input::malformed",
                format!("{flag} {s:?} is not NAME=VALUE"),
            )
            .with_help(format!("Write it as `{flag} region=eu-west-1`."))),
        }
    };
    let mut diags = Vec::new();
    for v in &args.vars {
        match split("-var", v) {
            Ok((k, v)) => cli.push(CliInput::Var(k, v)),
            Err(d) => diags.push(d),
        }
    }
    for v in &args.consts {
        match split("--const", v) {
            Ok((k, v)) => cli.push(CliInput::Const(k, v)),
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("INFRA_VAR_") || k.starts_with("TF_VAR_"))
        .collect();
    collect_inputs(base, &cli, &env)
}

/// In a terminal (and not under `INFRA_IN_AUTOMATION`), asks for each
/// required variable that has no value, as Terraform does; elsewhere the
/// evaluation reports every missing variable at once instead.
fn prompt_for_missing(base: &Path, inputs: &mut Inputs) {
    use std::io::{IsTerminal, Write as _};
    if !std::io::stdin().is_terminal() || crate::in_automation() {
        return;
    }
    let Ok(missing) = missing_variables(base, inputs) else {
        return;
    };
    let stdin = std::io::stdin();
    for (name, description) in missing {
        let mut err = std::io::stderr();
        let about = description.map(|d| format!("  {d}\n")).unwrap_or_default();
        let _ = write!(err, "var.{name}\n{about}  Enter a value: ");
        let _ = err.flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).is_err() || line.is_empty() {
            return;
        }
        inputs.vars.insert(
            name,
            infra_engine::eval::InputValue::Raw {
                text: line.trim_end_matches(['\n', '\r']).to_string(),
                origin: "the prompt".into(),
            },
        );
    }
}

/// `--const NAME=VALUE` arguments as inputs for evaluating the `backend`
/// block (malformed ones are skipped here and reported by the command).
pub fn const_inputs(consts: &[String]) -> Inputs {
    let mut inputs = Inputs::default();
    for c in consts {
        if let Some((k, v)) = c.split_once('=')
            && !k.trim().is_empty()
        {
            inputs.consts.insert(
                k.trim().to_string(),
                InputValue::Raw {
                    text: v.to_string(),
                    origin: "--const".into(),
                },
            );
        }
    }
    inputs
}
