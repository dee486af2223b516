//! `infra eval EXPR` and `infra console`: evaluate expressions in the
//! context of the configuration.

use super::workdir::{self, gather_inputs, report, unplanned_options_in, workspace};
use super::{OrFail, Outcome};
use crate::args::{ConsoleArgs, EvalArgs, StateArgs};
use crate::{Io, exit};
use infra_engine::eval::{EvalOptions, Inputs, eval_expression};
use infra_lang::Diagnostic;
use infra_lang::value::{self, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Evaluation options where resources have their values from the state
/// (read without taking the lock, as `infra output` does), so that after
/// an apply `random_id.x.hex` is the applied value, as in `terraform
/// console`; instances not in the state keep their configuration, with
/// attributes known only after apply unknown.
///
/// # Errors
/// The backend's configuration is wrong, or the state cannot be read.
fn options_with_state(
    base: &Path,
    state: Option<&PathBuf>,
    inputs: &Inputs,
) -> Result<EvalOptions, Vec<Diagnostic>> {
    let args = StateArgs {
        state: state.cloned(),
        ..StateArgs::default()
    };
    let rt = workdir::runtime().map_err(|d| vec![d])?;
    let store = workdir::store(base, &args, inputs.clone())?;
    let stored = workdir::read(&rt, &*store).map_err(|d| vec![d])?;
    let mut options = unplanned_options_in(workspace::current(base).map_err(|d| vec![d])?);
    if let Some(s) = stored {
        let values = s
            .resources
            .into_iter()
            .map(|(address, instance)| (address, instance.value))
            .collect();
        options.stored = Some(Rc::new(values));
    }
    Ok(options)
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

/// Runs `infra eval`.
pub fn run(args: &EvalArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let inputs = gather_inputs(&args.inputs, base).or_fail(args.json)?;
    let options = options_with_state(base, args.state.as_ref(), &inputs).or_fail(args.json)?;
    let v = eval_expression(base, inputs, &options, &args.expression).or_fail(args.json)?;
    if args.json {
        let _ = writeln!(io.out, "{}", json_of(&v));
    } else {
        let _ = writeln!(io.out, "{}", value::render(&v));
    }
    Ok(exit::OK)
}

/// Runs `infra console`: one expression per line of standard input.
/// Exit code 0, or 1 when any expression failed (useful in scripts).
pub fn console(args: &ConsoleArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let inputs = gather_inputs(&args.inputs, base).or_fail(false)?;
    let options = options_with_state(base, args.state.as_ref(), &inputs).or_fail(false)?;
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
        match eval_expression(base, inputs.clone(), &options, line) {
            Ok(v) => {
                let _ = writeln!(io.out, "{}", value::render(&v));
            }
            Err(d) => {
                code = exit::ERROR;
                report(io, &d, false);
            }
        }
    }
    Ok(code)
}
