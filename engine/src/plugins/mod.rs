//! Where a provider comes from: built in, or a Terraform provider plugin
//! (a separate executable speaking the plugin protocol). `address.rs`
//! parses provider source addresses, `constraint.rs` version constraints,
//! `cliconfig/` reads Terraform's CLI configuration (`TF_CLI_CONFIG_FILE`,
//! `~/.terraformrc`, or infra's own `INFRA_CLI_CONFIG_FILE`, `~/.infrarc`),
//! and `resolve.rs` turns the root module's `required_providers` into the
//! [`PluginRequirement`]s the CLI starts, each with its executable found
//! through a `dev_overrides` entry (infra installs no providers yet).
//! The engine never starts a plugin itself: it hands the requirements to
//! whoever builds the provider registry.

pub mod address;
pub mod cliconfig;
pub mod constraint;
mod resolve;

pub use resolve::{PluginRequirement, executable_in, resolve};

use crate::config::settings::RequiredProvider;

/// The namespace of infra's own providers: a `required_providers` entry
/// whose source is `infra/NAME` (on the default registry host) keeps the
/// built-in provider `NAME`.
pub const BUILTIN_NAMESPACE: &str = "infra";

/// Whether `req` keeps infra's built-in provider of its local name
/// (`builtin`: this build has one). It does when the entry has no
/// `source`, or its source is `infra/NAME` with `NAME` the local name
/// (`registry.terraform.io/infra/NAME`). Any other source, e.g.
/// `hashicorp/aws` or `example.com/infra/local`, selects a plugin. A
/// local name with no built-in provider is always a plugin.
pub fn selects_builtin(req: &RequiredProvider, builtin: bool) -> bool {
    builtin
        && req.source.as_ref().is_none_or(|s| {
            s.hostname == address::DEFAULT_HOST
                && s.namespace == BUILTIN_NAMESPACE
                && s.type_name == req.local_name
        })
}
