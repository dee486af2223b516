//! Where a provider comes from: built in, or a Terraform provider plugin
//! (a separate executable speaking the plugin protocol). `address.rs`
//! parses provider source addresses, `constraint.rs` version constraints,
//! `cliconfig/` reads Terraform's CLI configuration (`TF_CLI_CONFIG_FILE`,
//! `~/.terraformrc`, or infra's own `INFRA_CLI_CONFIG_FILE`, `~/.infrarc`),
//! `versions.rs` which versions a constraint allows, `install/` installs
//! providers from mirrors and registries (`infra init`) into the layout of
//! `installed.rs`, recording them in the lock file (`lockfile.rs`, hashes
//! from `hash.rs`), and `resolve.rs` turns the root module's
//! `required_providers` into the [`PluginRequirement`]s the CLI starts,
//! each with its executable found through a `dev_overrides` entry or
//! installed and checked against the lock file. The engine never starts a
//! plugin itself: it hands the requirements to whoever builds the
//! provider registry.

pub mod address;
pub mod cliconfig;
pub mod constraint;
pub mod hash;
pub mod install;
pub mod installed;
pub mod lockfile;
pub mod platform;
mod resolve;
mod versions;

pub use resolve::{PluginRequirement, executable_in, resolve};

use crate::config::settings::{RequiredProvider, requirements};
use infra_lang::Diagnostic;
use infra_lang::diagnostic::has_errors;
use std::path::Path;

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

/// The valid `required_providers` entries of the module in `dir`. Files
/// are parsed only when one mentions `required_providers`, so a run
/// without it reads each file's bytes once more and nothing else. Empty
/// when a file does not parse: the command reports that when it loads the
/// module, as it reports malformed entries (left out here).
pub fn required_in(dir: &Path) -> Vec<RequiredProvider> {
    if !crate::config::module_mentions(dir, b"required_providers") {
        return Vec::new();
    }
    let (files, diags) = crate::config::load_dir(dir);
    if has_errors(&diags) {
        return Vec::new();
    }
    let required = requirements(&files).0;
    if diags.is_empty() {
        // The command loads the module next: it takes these trees.
        crate::config::kept::keep(files);
    }
    required
}

/// The source address of each provider [`required_in`] `dir` names one
/// for, by local name (`random` → `registry.terraform.io/hashicorp/random`).
pub fn required_sources(dir: &Path) -> std::collections::BTreeMap<String, String> {
    required_in(dir)
        .into_iter()
        .filter_map(|r| Some((r.local_name, r.source?.to_string())))
        .collect()
}

/// The plugins the root module in `dir` requires, with their executables
/// (see [`resolve`]), the CLI configuration read from the environment
/// `env` only when there is one (see [`cliconfig::load`]).
///
/// # Errors
/// As [`resolve`].
pub fn plugins_for(
    dir: &Path,
    builtin: &dyn Fn(&str) -> bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<PluginRequirement>, Vec<Diagnostic>> {
    resolve(dir, &required_in(dir), builtin, || cliconfig::load(env))
}
