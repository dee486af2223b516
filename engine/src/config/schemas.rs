//! Checking `resource` and `data` blocks against provider schemas without
//! evaluating anything or contacting any provider: unknown types and
//! attributes (with did-you-mean), missing required arguments, read-only
//! attributes set, constant values of the wrong type.

use super::ParsedFile;
use crate::provider::{Providers, validate};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::{Diagnostic, Span};

/// Schema diagnostics for every `resource`/`data` block of `files`.
///
/// A type whose provider (the prefix before `_`) runs as a plugin (a
/// `required_providers` entry that does not keep a built-in provider) is
/// not checked here: its schema comes from the plugin at plan. A type
/// whose provider is neither built in nor required is
/// `provider::not-required`.
pub fn check(files: &[ParsedFile], providers: &Providers) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let (required, _) = super::settings::requirements(files);
    let plugins = plugin_names(&required, providers);
    for f in files {
        for b in f.ast.body.blocks() {
            let data = match b.kind.name.as_str() {
                "resource" => false,
                "data" => true,
                _ => continue,
            };
            let (Some(t), Some(n)) = (b.labels.first(), b.labels.get(1)) else {
                continue;
            };
            let type_name = t.value.as_str();
            let what = format!(
                "`{}{type_name}.{}`",
                if data { "data." } else { "" },
                n.value
            );
            match providers.schema(type_name, data) {
                Some(schema) => diags.extend(validate::check_body(
                    schema,
                    &what,
                    &f.source,
                    b,
                    super::meta::RESOURCE_ARGS,
                    super::meta::RESOURCE_BLOCKS,
                )),
                None => {
                    let provider = Providers::provider_name(type_name);
                    if plugins.contains(&provider) {
                        // Served by a plugin: its schema is known at plan.
                        continue;
                    }
                    let all = providers.type_names(data);
                    let suggestion = did_you_mean(type_name, all.iter().map(String::as_str));
                    let known_provider = providers.for_type(type_name).is_some();
                    let help = match suggestion {
                        Some(s) => format!("Did you mean `{s}`?"),
                        None if known_provider => {
                            let has: Vec<String> = all
                                .iter()
                                .filter(|a| Providers::provider_name(a) == provider)
                                .map(|a| format!("`{a}`"))
                                .collect();
                            if has.is_empty() {
                                format!(
                                    "Provider `{provider}` has no {}.",
                                    if data {
                                        "data sources"
                                    } else {
                                        "resource types"
                                    }
                                )
                            } else {
                                format!("Provider `{provider}` has: {}.", has.join(", "))
                            }
                        }
                        None => {
                            diags.push(not_required(f, t.span, type_name, data, providers, &all));
                            continue;
                        }
                    };
                    diags.push(
                        Diagnostic::error(
                            "schema::unknown-type",
                            format!(
                                "there is no {} `{type_name}`",
                                if data { "data source" } else { "resource type" }
                            ),
                        )
                        .in_file(&f.source)
                        .primary(Span::new(t.span.start, t.span.end), "unknown type")
                        .with_help(help),
                    );
                }
            }
        }
    }
    diags
}

/// The local names of `required` that select a plugin rather than the
/// built-in provider of that name (`engine::plugins::selects_builtin`):
/// their schemas are known only once the plugin runs.
pub(crate) fn plugin_names<'r>(
    required: &'r [super::settings::RequiredProvider],
    providers: &Providers,
) -> Vec<&'r str> {
    required
        .iter()
        .filter(|r| !crate::plugins::selects_builtin(r, providers.get(&r.local_name).is_some()))
        .map(|r| r.local_name.as_str())
        .collect()
}

/// The provider built into Terraform (`terraform.io/builtin/terraform`,
/// Terraform's `ImpliedProviderForUnqualifiedType`): no executable exists.
const TERRAFORM_BUILTIN: &str = "terraform";

/// `provider::not-required`: no provider `NAME` for `type_name`, with
/// what to write in `required_providers`, and a built-in type of the same
/// name after the prefix when there is one (`random_id` for `foo_id`).
fn not_required(
    f: &ParsedFile,
    span: Span,
    type_name: &str,
    data: bool,
    providers: &Providers,
    all: &[String],
) -> Diagnostic {
    let provider = Providers::provider_name(type_name);
    let rest = &type_name[provider.len()..];
    let mut same_rest: Vec<&String> = all
        .iter()
        .filter(|a| {
            !rest.is_empty()
                && a.ends_with(rest)
                && Providers::provider_name(a).len() + rest.len() == a.len()
        })
        .collect();
    same_rest.sort();
    let builtin = providers
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut help = match same_rest.first() {
        Some(s) => format!("The built-in `{s}` may do what you need. "),
        None => String::new(),
    };
    help.push_str(&format!("infra's built-in providers are {builtin}. "));
    if provider == TERRAFORM_BUILTIN {
        help.push_str("Terraform's `terraform` provider is part of Terraform itself, not a plugin infra could run.");
    } else {
        help.push_str(&format!(
            "To use the Terraform provider `{provider}`, declare it: `infra {{ required_providers {{ {provider} = {{ source = \"NAMESPACE/{provider}\" }} }} }}` (docs/providers.md)."
        ));
    }
    Diagnostic::error(
        "provider::not-required",
        format!(
            "the provider `{provider}` of {} `{type_name}` is neither built in nor in `required_providers`",
            if data { "data source" } else { "resource type" }
        ),
    )
    .in_file(&f.source)
    .primary(span, "unknown provider")
    .with_help(help)
}
