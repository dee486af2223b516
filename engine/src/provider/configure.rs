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
    /// `alias` and `version`; null when not `used`.
    pub config: Value,
    /// Whether anything uses this configuration. Terraform prunes a
    /// provider configuration nothing uses (`PruneProviderTransformer`):
    /// its block is neither evaluated nor sent to the provider.
    pub used: bool,
    /// The file of the block.
    pub source: Arc<SourceFile>,
    /// The block's label.
    pub span: Span,
}

/// Configures `providers` from `configs`. A native provider without a
/// block keeps its defaults (for `aws`: the standard AWS environment and
/// files); a plugin without one is configured with an empty
/// configuration, as Terraform configures every provider it uses (its
/// implied `provider "NAME" {}`): plugins commonly refuse other calls
/// until ConfigureProvider.
///
/// Only configurations that `used` (given `NAME` or `NAME.ALIAS`) are
/// checked and configured, as Terraform's `PruneProviderTransformer`
/// (`internal/terraform/transform_provider.go`) removes the provider
/// nodes nothing depends on before anything is configured: a block no
/// resource uses may hold arguments the provider would refuse. A block
/// naming a provider this build does not have is an error all the same
/// (Terraform cannot load that provider's schema).
///
/// # Errors
/// A block for a provider this build does not have (with did-you-mean);
/// arguments the provider does not take or of the wrong type; a
/// provider's own refusal (e.g. only one of `access_key`/`secret_key`).
/// Every block is checked; all errors are returned.
pub async fn configure(
    providers: &mut Providers,
    configs: Vec<ProviderConfig>,
    used: &dyn Fn(&str) -> bool,
) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let implied: Vec<(String, Arc<dyn super::Provider>)> = providers
        .iter()
        .filter(|(key, p)| {
            !key.contains('.')
                && p.is_remote()
                && used(key)
                && !configs.iter().any(|c| c.key == **key)
        })
        .map(|(key, p)| (key.clone(), p.clone()))
        .collect();
    for (name, p) in implied {
        let what = format!("provider `{name}`");
        let help = format!(
            "Without a `provider \"{name}\"` block it is configured with no arguments; add the block with the arguments it needs."
        );
        let empty = Value::Object(Default::default());
        let config = match validate::conform(&p.schema().provider, &what, empty) {
            Ok(v) => v,
            Err(problems) => {
                errors.extend(
                    problems
                        .into_iter()
                        .map(|q| q.diagnostic.with_help(help.clone())),
                );
                continue;
            }
        };
        if let Err(diags) = validate_and_configure(p.as_ref(), config).await {
            errors.extend(diags.into_iter().map(|d| {
                let message = format!("{what}: {}", d.message);
                Diagnostic { message, ..d }.with_help(help.clone())
            }));
        }
    }
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
        if !c.used || !used(&c.key) {
            continue;
        }
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
        if let Err(diags) = validate_and_configure(instance.as_ref(), config).await {
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

/// The provider's own checks of a configuration first (Terraform's
/// ValidateProviderConfig; its warnings are not shown yet), then
/// ConfigureProvider.
///
/// # Errors
/// The provider's refusals.
async fn validate_and_configure(
    p: &dyn super::Provider,
    config: Value,
) -> Result<(), Vec<Diagnostic>> {
    let refused: Vec<Diagnostic> = p
        .validate_config(&config)
        .into_iter()
        .filter(|d| d.severity == infra_lang::Severity::Error)
        .collect();
    if refused.is_empty() {
        p.configure(config).await
    } else {
        Err(refused)
    }
}
