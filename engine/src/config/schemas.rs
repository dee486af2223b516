//! Checking `resource` and `data` blocks against provider schemas without
//! evaluating anything or contacting any provider: unknown types and
//! attributes (with did-you-mean), missing required arguments, read-only
//! attributes set, constant values of the wrong type.

use super::ParsedFile;
use crate::provider::{Providers, validate};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::{Diagnostic, Span};

/// Schema diagnostics for every `resource`/`data` block of `files`.
pub fn check(files: &[ParsedFile], providers: &Providers) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
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
                    let all = providers.type_names(data);
                    let suggestion = did_you_mean(type_name, all.iter().map(String::as_str));
                    let known_provider = providers.for_type(type_name).is_some();
                    // A provider this build does not have is reported by
                    // plan; validate stays offline and silent about it
                    // unless the name looks like a typo of a known type.
                    let help = match suggestion {
                        Some(s) => format!("Did you mean `{s}`?"),
                        None if known_provider => format!(
                            "Provider `{}` has: {}.",
                            Providers::provider_name(type_name),
                            all.iter()
                                .filter(|a| Providers::provider_name(a)
                                    == Providers::provider_name(type_name))
                                .map(|a| format!("`{a}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        None => continue,
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
