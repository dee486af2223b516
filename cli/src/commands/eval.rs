//! `infra eval EXPR` and `infra console`: evaluate expressions in the
//! context of the configuration.

use crate::args::{ConsoleArgs, EvalArgs, InputArgs};
use crate::{Io, exit, render};
use infra_engine::eval::{
    CliInput, EvalOptions, Inputs, collect_inputs, eval_expression, missing_variables,
};
use infra_lang::Diagnostic;
use infra_lang::value::{self, Value};
use std::io::BufRead;
use std::path::Path;

/// The inputs given on the command line and in the environment: var files
/// first (in order), then `-var`, then `--const`.
///
/// # Errors
/// A `-var`/`--const` without `=`, or an unreadable/invalid var file.
pub fn gather_inputs(args: &InputArgs, base: &Path) -> Result<Inputs, Vec<Diagnostic>> {
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
        .filter(|(k, _)| k.starts_with("INFRA_VAR_"))
        .collect();
    let mut inputs = collect_inputs(base, &cli, &env)?;
    prompt_for_missing(base, &mut inputs);
    Ok(inputs)
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

/// `{"value": ..., "type": ..., "sensitive": bool, "known": bool}`;
/// sensitive values are redacted to null.
fn json_of(v: &Value) -> serde_json::Value {
    let sensitive = v.is_sensitive_deep();
    let known = !v.has_unknown();
    let shown = if sensitive || !known {
        serde_json::Value::Null
    } else {
        value::to_json(v).unwrap_or(serde_json::Value::Null)
    };
    serde_json::json!({
        "value": shown,
        "type": v.type_of().to_json(),
        "sensitive": sensitive,
        "known": known,
    })
}

fn report(diags: &[Diagnostic], json: bool, io: &mut Io<'_>) {
    if json {
        let _ = writeln!(io.out, "{}", render::json(diags));
    } else {
        let _ = write!(io.err, "{}", render::human(diags, io.color, 100));
    }
}

/// Evaluation without planning: references to resources see their
/// configuration, plus the attributes their provider's schema declares
/// (unknown when computed), so splats over instances work.
pub fn unplanned_options() -> EvalOptions {
    EvalOptions {
        schemas: Some(super::workdir::providers()),
        ..EvalOptions::default()
    }
}

/// Runs `infra eval`.
pub fn run(args: &EvalArgs, base: &Path, io: &mut Io<'_>) -> i32 {
    let inputs = match gather_inputs(&args.inputs, base) {
        Ok(i) => i,
        Err(d) => {
            report(&d, args.json, io);
            return exit::ERROR;
        }
    };
    match eval_expression(base, inputs, &unplanned_options(), &args.expression) {
        Ok(v) => {
            if args.json {
                let _ = writeln!(io.out, "{}", json_of(&v));
            } else {
                let _ = writeln!(io.out, "{}", value::render(&v));
            }
            exit::OK
        }
        Err(d) => {
            report(&d, args.json, io);
            exit::ERROR
        }
    }
}

/// Runs `infra console`: one expression per line of standard input.
/// Exit code 0, or 1 when any expression failed (useful in scripts).
pub fn console(args: &ConsoleArgs, base: &Path, io: &mut Io<'_>) -> i32 {
    let inputs = match gather_inputs(&args.inputs, base) {
        Ok(i) => i,
        Err(d) => {
            report(&d, false, io);
            return exit::ERROR;
        }
    };
    let mut code = exit::OK;
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "exit" {
            break;
        }
        match eval_expression(base, inputs.clone(), &unplanned_options(), line) {
            Ok(v) => {
                let _ = writeln!(io.out, "{}", value::render(&v));
            }
            Err(d) => {
                code = exit::ERROR;
                report(&d, false, io);
            }
        }
    }
    code
}
