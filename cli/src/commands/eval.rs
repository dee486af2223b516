//! `infra eval EXPR` and `infra console`: evaluate expressions in the
//! context of the configuration.

use super::workdir::{gather_inputs, report, unplanned_options_in, workspace};
use super::{OrFail, Outcome};
use crate::args::{ConsoleArgs, EvalArgs};
use crate::{Io, exit};
use infra_engine::eval::eval_expression;
use infra_lang::value::{self, Value};
use std::io::BufRead;
use std::path::Path;

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
    let options = unplanned_options_in(workspace::current(base).or_fail(args.json)?);
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
    let options = unplanned_options_in(workspace::current(base).or_fail(false)?);
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
