//! `infra providers` and `infra providers schema --json`: the providers
//! the root module's resources, data sources and `required_providers`
//! need and those the state records, by source address, and their schemas
//! in Terraform's `providers schema -json` format.

use super::workdir;
use super::{OrFail, Outcome};
use crate::args::{ProvidersArgs, ProvidersCommand};
use crate::{Io, exit};
use infra_engine::eval::Inputs;
use infra_engine::provider::Providers;
use infra_engine::tfjson::{self, Sources};
use infra_lang::Diagnostic;
use infra_lang::ast::BodyItem;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Runs `infra providers [schema --json]`. Exit code 0, or 1 when the
/// configuration does not load or a provider cannot start.
pub fn run(args: &ProvidersArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    let json = matches!(args.command, Some(ProvidersCommand::Schema { json: true }));
    if matches!(args.command, Some(ProvidersCommand::Schema { json: false })) {
        return Err(Diagnostic::error(
            "cli::bad-flags",
            "`infra providers schema` prints only JSON",
        )
        .with_help("Run `infra providers schema --json`, as Terraform requires `-json`."))
        .or_fail(false);
    }
    let sources: Sources = infra_engine::plugins::required_sources(base);
    let in_config = configured(base, &sources).or_fail(json)?;
    if json {
        let rt = workdir::runtime().or_fail(true)?;
        let providers = workdir::providers_for(base, &rt).or_fail(true)?;
        let mut schemas = BTreeMap::new();
        for local in &in_config {
            let Some(p) = providers.get(local) else {
                continue;
            };
            schemas.insert(tfjson::provider_name(&sources, local, ""), p.schema());
        }
        let _ = writeln!(io.out, "{}", tfjson::providers_schema_json(&schemas));
        return Ok(exit::OK);
    }
    let rt = workdir::runtime().or_fail(false)?;
    let given = workdir::encryption_inputs(&args.inputs, base);
    let consts = Inputs {
        consts: given.consts.clone(),
        ..Inputs::default()
    };
    let store = workdir::store_with(base, &args.state, consts, &given).or_fail(false)?;
    let state = workdir::read(&rt, &*store)
        .or_fail(false)?
        .unwrap_or_default();
    let in_state: BTreeSet<String> = state
        .resources
        .iter()
        .map(|(a, i)| tfjson::provider_name(&sources, &i.provider, &a.type_name))
        .collect();
    let _ = writeln!(io.out, "\nProviders required by configuration:\n.");
    let names: Vec<String> = in_config
        .iter()
        .map(|l| tfjson::provider_name(&sources, l, ""))
        .collect();
    for (i, n) in names.iter().enumerate() {
        let branch = if i + 1 == names.len() {
            "└──"
        } else {
            "├──"
        };
        let _ = writeln!(io.out, "{branch} provider[{n}]");
    }
    if !in_state.is_empty() {
        let _ = writeln!(io.out, "\nProviders required by state:\n");
        for n in &in_state {
            let _ = writeln!(io.out, "    provider[{n}]");
        }
    }
    let _ = writeln!(io.out);
    Ok(exit::OK)
}

/// The local names of the providers the root module needs: those in
/// `required_providers` and the prefixes of its resource and data source
/// types (a `provider = NAME.ALIAS` argument names its own).
fn configured(base: &Path, sources: &Sources) -> Result<BTreeSet<String>, Vec<Diagnostic>> {
    let (files, diags) = infra_engine::config::load_dir(base);
    if infra_lang::diagnostic::has_errors(&diags) {
        return Err(diags);
    }
    let mut out: BTreeSet<String> = sources.keys().cloned().collect();
    for f in &files {
        for item in &f.ast.body.items {
            let BodyItem::Block(b) = item else {
                continue;
            };
            if !matches!(b.kind.name.as_str(), "resource" | "data") {
                continue;
            }
            let Some(ty) = b.labels.first() else {
                continue;
            };
            let explicit = b.body.attribute("provider").and_then(|a| {
                let text = f.source.text().get(a.expr.span.start..a.expr.span.end)?;
                Some(text.split('.').next().unwrap_or(text).trim().to_string())
            });
            out.insert(explicit.unwrap_or_else(|| Providers::provider_name(&ty.value).to_string()));
        }
    }
    Ok(out)
}
