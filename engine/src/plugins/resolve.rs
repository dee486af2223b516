//! From `required_providers` to the plugins a run starts: which entries
//! run as plugins ([`super::selects_builtin`]), and the executable of
//! each: through the CLI configuration's `dev_overrides` first (mirrors
//! Terraform's `devOverrideProviderFactory` in
//! `internal/command/meta_providers.go` and the executable search of
//! `internal/providercache/cached_provider.go`), else the package
//! `infra init` installed under `.infra/providers/`, checked against the
//! lock file (`installed.rs`).

use super::address::ProviderAddr;
use super::cliconfig::{self, CliConfig};
use super::constraint::VersionConstraints;
use super::installed::{self, NotReady};
use super::lockfile::LockFile;
use super::platform::Platform;
use crate::config::settings::RequiredProvider;
use infra_lang::Diagnostic;
use std::path::{Path, PathBuf};

/// A required provider that runs as a plugin, with the executable to
/// start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginRequirement {
    /// The local name: the registry key it is registered under, the prefix
    /// of its resource types and the name of its `provider` blocks.
    pub local_name: String,
    /// The provider's source address, normalized
    /// (`registry.terraform.io/hashicorp/null`; implied `hashicorp/NAME`
    /// when the entry has no `source`).
    pub source: ProviderAddr,
    /// The version constraint (a dev override runs whatever version is in
    /// its directory, as in Terraform; an installed plugin is the locked
    /// version the constraint allows).
    pub version: Option<VersionConstraints>,
    /// `configuration_aliases`, as `NAME.ALIAS`.
    pub configuration_aliases: Vec<String>,
    /// The executable: `DIR/terraform-provider-TYPE[_…|.…]`, in a
    /// `dev_overrides` directory or an installed package.
    pub executable: PathBuf,
}

/// The executable of provider type `type_name` in `dir`: the first entry,
/// in name order, that is not a directory and is named
/// `terraform-provider-TYPE`, optionally followed by text starting with
/// `_` or `.` (`terraform-provider-aws_v5.0.0_x5`), as Terraform's
/// `CachedProvider.ExecutableFile` chooses.
///
/// # Errors
/// A message when the directory cannot be read or holds no such file.
pub fn executable_in(dir: &Path, type_name: &str) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the directory {}: {e}", dir.display()))?;
    let want = format!("terraform-provider-{type_name}");
    let mut names: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .filter(|(n, _)| {
            n.strip_prefix(&want)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['_', '.']))
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .next()
        .map(|(_, p)| p)
        .ok_or_else(|| format!("{} holds no executable named {want}", dir.display()))
}

/// The plugin requirements of the root module's `reqs` in the
/// configuration directory `base`: every entry that does not keep a
/// built-in provider (`builtin(NAME)`: this build has provider `NAME`),
/// with its executable from the `dev_overrides` of the CLI configuration
/// `load_cli` reads (called only when some entry runs as a plugin, so a
/// broken `~/.terraformrc` never affects a configuration that needs
/// none), else from `.infra/providers/`, the version the lock file
/// `.infra.lock.hcl` selects.
///
/// # Errors
/// The CLI configuration's and the lock file's errors;
/// `provider::not-installed` for each plugin that is neither overridden
/// nor installed as the lock file says (pointing at its `source`, saying
/// to run `infra init`, or `infra init --upgrade` when the constraints
/// no longer allow the locked version); `provider::checksum-mismatch`
/// for an installed package whose hash the lock file does not accept.
pub fn resolve(
    base: &Path,
    reqs: &[RequiredProvider],
    builtin: &dyn Fn(&str) -> bool,
    load_cli: impl FnOnce() -> Result<CliConfig, Vec<Diagnostic>>,
) -> Result<Vec<PluginRequirement>, Vec<Diagnostic>> {
    let plugins: Vec<&RequiredProvider> = reqs
        .iter()
        .filter(|r| !super::selects_builtin(r, builtin(&r.local_name)))
        .collect();
    if plugins.is_empty() {
        return Ok(Vec::new());
    }
    let cli = load_cli()?;
    let lock = if plugins.iter().all(|r| {
        let source = r
            .source
            .clone()
            .unwrap_or_else(|| ProviderAddr::implied(&r.local_name));
        cli.dev_override(&source).is_some()
    }) {
        LockFile::default()
    } else {
        LockFile::read(base)?
    };
    let platform = Platform::current();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in plugins {
        let source = r
            .source
            .clone()
            .unwrap_or_else(|| ProviderAddr::implied(&r.local_name));
        let found = match cli.dev_override(&source) {
            Some(o) => executable_in(&o.dir, &source.type_name).map_err(|e| {
                format!(
                    "{e} (the `dev_overrides` entry for \"{}\" in {})",
                    source.for_display(),
                    where_(&cli)
                )
            }),
            None => {
                match installed::find(
                    base,
                    &source,
                    lock.providers.get(&source),
                    r.version.as_ref(),
                    &platform,
                ) {
                    Ok(exe) => Ok(exe),
                    Err(NotReady::Mismatch { dir, got, locked }) => {
                        errors.push(
                            Diagnostic::error(
                                "provider::checksum-mismatch",
                                format!(
                                    "the installed package of provider `{}` v{locked} does not match the lock file",
                                    source.for_display()
                                ),
                            )
                            .in_file(&r.file)
                            .primary(r.source_span, format!("required as `{}`", r.local_name))
                            .with_help(format!(
                                "{} hashes to {got}, which is not among the hashes {} accepts: it was changed after `infra init`. Run `infra init` to install the locked package again (it is refused if the source's package does not match either).",
                                dir.display(),
                                super::lockfile::FILE_NAME
                            )),
                        );
                        continue;
                    }
                    Err(NotReady::NotLocked) => Err(format!(
                        "run `infra init` to install it (or add `\"{}\" = \"DIR\"` to `provider_installation {{ dev_overrides {{ ... }} }}` in {}, DIR holding terraform-provider-{})",
                        source.for_display(),
                        where_(&cli),
                        source.type_name
                    )),
                    Err(NotReady::ConstraintChanged { locked }) => Err(format!(
                        "{} selects v{locked}, which the version constraint no longer allows: run `infra init --upgrade` to select another version",
                        super::lockfile::FILE_NAME
                    )),
                    Err(NotReady::Missing { locked, why }) => Err(format!(
                        "{} selects v{locked}, but it is not installed ({why}): run `infra init`",
                        super::lockfile::FILE_NAME
                    )),
                }
            }
        };
        match found {
            Ok(executable) => out.push(PluginRequirement {
                local_name: r.local_name.clone(),
                source,
                version: r.version.clone(),
                configuration_aliases: r.configuration_aliases.clone(),
                executable,
            }),
            Err(how) => {
                let mut help = format!("{how} (see docs/providers.md).");
                if builtin(&r.local_name) {
                    help.push_str(&format!(
                        " Or remove `source` to use infra's built-in `{}` provider.",
                        r.local_name
                    ));
                }
                errors.push(
                    Diagnostic::error(
                        "provider::not-installed",
                        format!("provider `{}` is not installed", source.for_display()),
                    )
                    .in_file(&r.file)
                    .primary(r.source_span, format!("required as `{}`", r.local_name))
                    .with_help(help),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Where the CLI configuration is, for messages.
fn where_(cli: &CliConfig) -> String {
    match &cli.path {
        Some(p) => p.display().to_string(),
        None => format!(
            "a CLI configuration file (none found: set {} or {}, or create ~/{})",
            cliconfig::INFRA_ENV,
            cliconfig::TERRAFORM_ENV[0],
            cliconfig::HOME_FILES[0]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ParsedFile;
    use crate::config::settings::requirements;
    use crate::plugins::cliconfig::DevOverride;
    use infra_lang::{SourceFile, syntax};

    fn reqs(text: &str) -> Vec<RequiredProvider> {
        let source = SourceFile::new("t.infra", text.to_string());
        let ast = syntax::parse(&source).file.expect("parses");
        let (r, d) = requirements(&[ParsedFile { source, ast }]);
        assert!(d.is_empty(), "{d:?}");
        r
    }

    fn builtin(n: &str) -> bool {
        ["aws", "local", "random", "infra"].contains(&n)
    }

    #[test]
    fn executables_are_found_as_terraform_finds_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        for f in [
            "terraform-provider-demox",
            "terraform-provider-demo_v2",
            "terraform-provider-demo_v1",
        ] {
            std::fs::write(dir.path().join(f), "").expect("write");
        }
        std::fs::create_dir(dir.path().join("terraform-provider-demo")).expect("mkdir");
        assert_eq!(
            executable_in(dir.path(), "demo").ok(),
            Some(dir.path().join("terraform-provider-demo_v1"))
        );
        assert!(executable_in(dir.path(), "other").is_err());
    }

    #[test]
    fn builtin_names_stay_built_in_unless_another_source_is_given() {
        let r = reqs(
            "infra {\n  required_providers {\n    local = { version = \"~> 1.0\" }\n    random = { source = \"infra/random\" }\n    aws = { source = \"hashicorp/aws\" }\n    null = {}\n  }\n}\n",
        );
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("terraform-provider-aws"), "").expect("write");
        let cli = CliConfig {
            dev_overrides: vec![DevOverride {
                source: ProviderAddr::implied("aws"),
                dir: dir.path().to_path_buf(),
            }],
            plugin_cache_dir: Some("/cache".into()),
            ..CliConfig::default()
        };
        let base = tempfile::tempdir().expect("temp dir");
        let base = base.path();
        let e = resolve(base, &r, &builtin, || Ok(cli.clone())).expect_err("null is missing");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, "provider::not-installed");
        assert_eq!(e[0].message, "provider `hashicorp/null` is not installed");
        assert!(
            e[0].help
                .as_deref()
                .is_some_and(|h| h.contains("run `infra init`"))
        );
        let ok = resolve(base, &r[..3], &builtin, || Ok(cli.clone())).expect("aws is overridden");
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].local_name, "aws");
        assert_eq!(ok[0].executable, dir.path().join("terraform-provider-aws"));
        // Nothing to run as a plugin: the CLI configuration is not read.
        assert!(resolve(base, &r[..2], &builtin, || Err(Vec::new())).is_ok_and(|v| v.is_empty()));
    }
}
