//! Configuring providers from the root module's `provider` blocks:
//! checking each block against the provider's configuration schema,
//! creating an instance per `alias`, and calling `Provider::validate_config`
//! then `Provider::configure`.

use super::{Providers, validate};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::{Diagnostic, SourceFile, Span, Value};
use std::sync::Arc;

/// One evaluated `provider` block.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// `aws`, or `aws.west` for `alias = "west"`: what a resource's
    /// `provider = aws.west` names and what state records.
    pub key: String,
    /// The provider's name, the block's label: `aws`.
    pub name: String,
    /// The block's arguments and nested blocks as an object, without
    /// `alias` and `version`.
    pub config: Value,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// The block's label.
    pub span: Span,
}

/// Configures `providers` from `configs`. A provider without a block keeps
/// its defaults (for `aws`: the standard AWS environment and files).
///
/// # Errors
/// A block for a provider this build does not have (with did-you-mean);
/// arguments the provider does not take or of the wrong type; a
/// provider's own refusal (e.g. only one of `access_key`/`secret_key`).
/// Every block is checked; all errors are returned.
pub async fn configure(
    providers: &mut Providers,
    configs: Vec<ProviderConfig>,
) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for c in configs {
        let Some(base) = providers.get(&c.name).cloned() else {
            let names: Vec<String> = providers.iter().map(|(n, _)| n.clone()).collect();
            let help = match did_you_mean(&c.name, names.iter().map(String::as_str)) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => format!(
                    "This build of infra has the providers {}.",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            errors.push(
                Diagnostic::error(
                    "provider::unknown",
                    format!("there is no provider `{}`", c.name),
                )
                .in_file(&c.source)
                .primary(c.span, "unknown provider")
                .with_help(help),
            );
            continue;
        };
        let what = format!("`provider \"{}\"`", c.name);
        let config = match validate::conform(&base.schema().provider, &what, c.config) {
            Ok(v) => v,
            Err(problems) => {
                errors.extend(problems.into_iter().map(|p| {
                    p.diagnostic
                        .in_file(&c.source)
                        .primary(c.span, "in this block")
                }));
                continue;
            }
        };
        let instance = if c.key == c.name {
            base
        } else {
            let inst = base.new_instance().unwrap_or(base);
            providers.add_alias(&c.key, inst.clone());
            inst
        };
        // The provider's own checks of the block come first (Terraform's
        // ValidateProviderConfig); its warnings are not shown yet.
        let refused: Vec<Diagnostic> = instance
            .validate_config(&config)
            .into_iter()
            .filter(|d| d.severity == infra_lang::Severity::Error)
            .collect();
        let configured = if refused.is_empty() {
            instance.configure(config).await
        } else {
            Err(refused)
        };
        if let Err(diags) = configured {
            errors.extend(diags.into_iter().map(|d| {
                if d.source.is_some() {
                    d
                } else {
                    let message = format!("{what}: {}", d.message);
                    Diagnostic { message, ..d }
                        .in_file(&c.source)
                        .primary(c.span, "configured here")
                }
            }));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
