//! `infra output [NAME] [--json] [--raw] [--show-sensitive]`: the root
//! module's outputs as of the last apply, sensitive ones redacted unless
//! asked for.

use super::workdir;
use super::{OrFail, Outcome};
use crate::args::OutputArgs;
use crate::{Io, exit};
use infra_engine::eval::Inputs;
use infra_lang::Diagnostic;
use infra_lang::Value;
use infra_lang::value::{render, to_json_text};
use std::path::Path;

/// Runs `infra output`.
pub fn run(args: &OutputArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let rt = workdir::runtime().or_fail(args.json)?;
    let inputs = workdir::checked_inputs(&args.inputs, base).or_fail(args.json)?;
    let consts = Inputs {
        consts: inputs.consts,
        ..Inputs::default()
    };
    let store = workdir::store(base, &args.state, consts).or_fail(args.json)?;
    let state = workdir::read(&rt, &*store)
        .or_fail(args.json)?
        .unwrap_or_default();
    // The JSON as text, so numbers beyond f64 print exactly.
    let shown = |v: &Value, sensitive: bool| -> (String, String) {
        if sensitive && !args.show_sensitive {
            ("<sensitive>".into(), "null".into())
        } else {
            let plain = v.clone().unmark_deep().0;
            (
                render(&plain),
                to_json_text(&plain).unwrap_or_else(|_| "null".into()),
            )
        }
    };
    if let Some(name) = &args.name {
        let Some(o) = state.outputs.get(name) else {
            let help = match infra_lang::diagnostic::did_you_mean(
                name,
                state.outputs.keys().map(String::as_str),
            ) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => "`infra output` lists the outputs in state (after an apply).".into(),
            };
            return Err(Diagnostic::error(
                "output::not-found",
                format!("there is no output `{name}` in the state"),
            )
            .with_help(help))
            .or_fail(false);
        };
        let (text, json) = shown(&o.value, o.sensitive);
        if args.json {
            let _ = writeln!(io.out, "{json}");
        } else if args.raw {
            let plain = o.value.clone().unmark_deep().0;
            match (&plain, o.sensitive && !args.show_sensitive) {
                (_, true) => {
                    return Err(Diagnostic::error(
                        "output::sensitive",
                        format!("output `{name}` is sensitive"),
                    )
                    .with_help("Pass --show-sensitive to print it."))
                    .or_fail(false);
                }
                (Value::String(s), _) => {
                    let _ = write!(io.out, "{s}");
                }
                (Value::Number(_) | Value::Bool(_), _) => {
                    let _ = write!(io.out, "{text}");
                }
                _ => {
                    return Err(Diagnostic::error(
                        "output::not-raw",
                        format!(
                            "output `{name}` is {}, not a string, number or bool",
                            plain.describe()
                        ),
                    )
                    .with_help("Use --json for collections."))
                    .or_fail(false);
                }
            }
        } else {
            let _ = writeln!(io.out, "{text}");
        }
        return Ok(exit::OK);
    }
    if args.json {
        let entries: Vec<String> = state
            .outputs
            .iter()
            .map(|(k, o)| {
                format!(
                    "{}:{{\"sensitive\":{},\"value\":{}}}",
                    serde_json::Value::from(k.as_str()),
                    o.sensitive,
                    shown(&o.value, o.sensitive).1
                )
            })
            .collect();
        let _ = writeln!(io.out, "{{{}}}", entries.join(","));
    } else {
        if state.outputs.is_empty() {
            let _ = writeln!(io.err, "No outputs found in the state.");
        }
        for (k, o) in &state.outputs {
            let _ = writeln!(io.out, "{k} = {}", shown(&o.value, o.sensitive).0);
        }
    }
    Ok(exit::OK)
}
