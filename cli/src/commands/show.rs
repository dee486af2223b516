//! `infra show [PLANFILE] [--json]`: the state, or a saved plan, for
//! people (sensitive values redacted) or in Terraform's JSON
//! representation (`terraform show -json`, `infra_engine::tfjson`).

use super::workdir;
use super::{OrFail, Outcome};
use crate::args::ShowArgs;
use crate::render::plan::{Schemas, Style, render};
use crate::{Io, exit};
use infra_engine::apply::load_saved_plan;
use infra_engine::eval::Inputs;
use infra_engine::state::State;
use infra_engine::tfjson::{self, Sources};
use infra_lang::Value;
use std::path::Path;

/// Runs `infra show`. Exit code 0, or 1 when the plan file or the state
/// cannot be read.
pub fn run(args: &ShowArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let json = args.json;
    let given = workdir::encryption_inputs(&args.inputs, base);
    let sources: Sources = infra_engine::plugins::required_sources(base);
    if let Some(pf) = &args.plan_file {
        let target = workdir::encryption(base, &given).or_fail(json)?.plan;
        let (plan, inputs) = load_saved_plan(&base.join(pf), &target).or_fail(json)?;
        if json {
            let now = infra_engine::drift::rfc3339(std::time::SystemTime::now());
            // The configuration as it is now gives `expressions` (a saved
            // plan keeps no copy of it); none when it does not load.
            let (files, diags) = infra_engine::config::load_dir(base);
            let files = if infra_lang::diagnostic::has_errors(&diags) {
                Vec::new()
            } else {
                files
            };
            let doc = tfjson::plan_json(&plan, &inputs, &sources, &files, &now);
            let _ = writeln!(io.out, "{doc}");
        } else {
            let _ = write!(
                io.out,
                "{}",
                render(
                    &plan,
                    &plan.summary(),
                    // The built-in providers' schemas: plugins are not
                    // started to show a saved plan.
                    &Schemas::of(&plan, &workdir::providers()),
                    Style::new(io.color),
                )
            );
        }
        return Ok(exit::OK);
    }
    let rt = workdir::runtime().or_fail(json)?;
    let consts = Inputs {
        consts: given.consts.clone(),
        ..Inputs::default()
    };
    let store = workdir::store_with(base, &args.state, consts, &given).or_fail(json)?;
    let state = workdir::read(&rt, &*store)
        .or_fail(json)?
        .unwrap_or_default();
    if json {
        let _ = writeln!(io.out, "{}", tfjson::state_json(&state, &sources));
    } else {
        let _ = write!(io.out, "{}", human(&state));
    }
    Ok(exit::OK)
}

/// The state as Terraform's `show` prints it: each instance as a block of
/// its attributes (sensitive ones redacted), then the outputs.
fn human(state: &State) -> String {
    if state.resources.is_empty() && state.outputs.is_empty() {
        return "The state is empty.\n".into();
    }
    let mut out = String::new();
    for (addr, inst) in &state.resources {
        let kind = match addr.mode {
            infra_engine::addr::ResourceMode::Managed => "resource",
            infra_engine::addr::ResourceMode::Data => "data",
        };
        out.push_str(&format!(
            "# {addr}:\n{kind} \"{}\" \"{}\" {{\n",
            addr.type_name, addr.name
        ));
        if let Value::Object(attrs) = super::state::redact(&inst.value) {
            let width = attrs
                .iter()
                .filter(|(_, v)| !matches!(v, Value::Null(_)))
                .map(|(k, _)| k.len())
                .max()
                .unwrap_or(0);
            for (k, v) in &attrs {
                if matches!(v, Value::Null(_)) {
                    continue;
                }
                let shown = infra_lang::value::render(v).replace('\n', "\n    ");
                out.push_str(&format!("    {k:width$} = {shown}\n"));
            }
        }
        out.push_str("}\n\n");
    }
    if !state.outputs.is_empty() {
        out.push_str("Outputs:\n\n");
        for (name, o) in &state.outputs {
            let shown = if o.sensitive {
                "(sensitive value)".to_string()
            } else {
                infra_lang::value::render(&super::state::redact(&o.value))
            };
            out.push_str(&format!("{name} = {shown}\n"));
        }
    }
    out
}
