//! Which provider configuration a resource in a child module uses, as
//! Terraform resolves it (`internal/terraform/transform_provider.go`):
//! a module call's `providers = { aws.west = aws.usw2 }` passes the
//! caller's configuration under the child's name; a default configuration
//! (`aws`) not passed is inherited from the caller; an aliased one
//! (`aws.west`) must be passed. Every name resolves to a configuration of
//! the root module, the only place `provider` blocks configure anything.

use super::instance::ModuleInstance;
use super::loader::ModuleFiles;
use crate::config::meta;
use crate::config::module_providers::PassedProvider;
use infra_lang::Diagnostic;
use std::collections::BTreeMap;

impl ModuleInstance {
    /// The root-module configuration address (`aws`, `aws.usw2`) that
    /// this module's configuration `local` (`aws`, `aws.west`) stands for;
    /// `None` for an alias the module's caller did not pass.
    pub(crate) fn root_provider_key(&self, local: &str) -> Option<String> {
        if let Some(root) = self.provider_keys.get(local) {
            return Some(root.clone());
        }
        (self.path.is_root() || !local.contains('.')).then(|| local.to_string())
    }

    /// The provider keys of a child called with `passed`: the caller's
    /// own mapped default configurations (inherited), then each passed
    /// entry resolved in the caller.
    ///
    /// # Errors
    /// `provider::not-passed` for a value naming an alias this (child)
    /// module was not given.
    pub(crate) fn child_provider_keys(
        &self,
        passed: &[PassedProvider],
        src: &std::sync::Arc<infra_lang::SourceFile>,
    ) -> Result<BTreeMap<String, String>, Diagnostic> {
        let mut out: BTreeMap<String, String> = self
            .provider_keys
            .iter()
            .filter(|(k, _)| !k.contains('.'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for p in passed {
            let Some(root) = self.root_provider_key(&p.value) else {
                return Err(not_passed(&self.path.to_string(), &p.value)
                    .in_file(src)
                    .primary(p.value_span, "not passed to this module"));
            };
            out.insert(p.key.clone(), root);
        }
        Ok(out)
    }
}

/// `provider::not-passed`: module `module` (its path, e.g. `module.net`)
/// uses configuration `key`, which its call does not pass.
pub(crate) fn not_passed(module: &str, key: &str) -> Diagnostic {
    let (name, _) = key.split_once('.').unwrap_or((key, ""));
    Diagnostic::error(
        "provider::not-passed",
        format!("`{module}` uses provider configuration `{key}`, which its module call does not pass"),
    )
    .with_help(format!(
        "Pass it in the `module` block, `providers = {{ {key} = {name}.NAME }}`, and declare it in the module with `configuration_aliases = [{key}]` in `required_providers`."
    ))
}

/// `provider::in-child-module` for each `provider` block of a child
/// module that configures something: only the root module's blocks are
/// used. A block holding nothing but `alias` (Terraform's legacy proxy
/// declaration) only names a configuration the caller passes, and is
/// accepted.
pub(crate) fn child_provider_blocks(files: &ModuleFiles) -> Vec<Diagnostic> {
    files
        .blocks_of("provider")
        .filter(|(_, b)| {
            b.body.blocks().next().is_some()
                || b.body.attributes().any(|a| a.name.name != meta::ALIAS)
        })
        .map(|(src, b)| {
            let name = b.labels.first().map_or("", |l| l.value.as_str());
            Diagnostic::error(
                "provider::in-child-module",
                format!("a child module cannot configure provider `{name}`"),
            )
            .in_file(src)
            .primary(b.kind.span, "provider configuration in a child module")
            .with_help(format!(
                "Move this block to the root module and pass it to the module call: `providers = {{ {name} = {name}.NAME }}` (Terraform's recommended way; infra configures providers only in the root module)."
            ))
        })
        .collect()
}

impl ModuleInstance {
    /// The root-module configuration a resource block of this module
    /// uses: its `provider = NAME.ALIAS` or the default configuration of
    /// its type's provider, through the module calls' `providers` maps;
    /// `None` for the root's default configuration.
    ///
    /// # Errors
    /// `provider::not-passed` for an alias the module was not given.
    pub(crate) fn instance_provider_key(
        &self,
        src: &std::sync::Arc<infra_lang::SourceFile>,
        decl: &crate::config::decl::ResourceDecl<'_>,
    ) -> Result<Option<String>, Diagnostic> {
        match decl.provider {
            Some(p) => {
                let local = p.key(src);
                match self.root_provider_key(&local) {
                    Some(root) => Ok(Some(root)),
                    None => Err(not_passed(&self.path.to_string(), &local)
                        .in_file(src)
                        .primary(p.attribute.expr.span, "not passed to this module")),
                }
            }
            None => Ok(self
                .provider_keys
                .get(crate::provider::Providers::provider_name(decl.type_name))
                .cloned()),
        }
    }
}
