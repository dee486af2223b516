//! Terraform's CLI configuration file, which says where provider plugins
//! come from: which file is read (`locate`), and what it holds
//! ([`CliConfig`], read by `parse.rs` with infra's own parser). Mirrors
//! Terraform's `internal/command/cliconfig` (`cliconfig.go`,
//! `provider_installation.go`): `provider_installation` (dev overrides,
//! installation methods with their patterns) and `plugin_cache_dir` are
//! used; settings infra does not support (credentials, `host`) are
//! reported by `infra init`, never dropped silently.

mod parse;

pub use parse::parse;

use crate::plugins::address::ProviderAddr;
use infra_lang::Diagnostic;
use std::path::{Path, PathBuf};

/// infra's own variable naming the CLI configuration file; it takes
/// precedence over Terraform's.
pub const INFRA_ENV: &str = "INFRA_CLI_CONFIG_FILE";
/// Terraform's variables naming the CLI configuration file, in the order
/// Terraform reads them (`CLIConfigFileOverride`).
pub const TERRAFORM_ENV: &[&str] = &["TF_CLI_CONFIG_FILE", "TERRAFORM_CONFIG"];
/// The files read from the home directory when no variable names one,
/// first found wins: infra's, then Terraform's (Unix name; Terraform on
/// Windows reads `%APPDATA%/terraform.rc`).
pub const HOME_FILES: &[&str] = &[".infrarc", ".terraformrc"];

/// `"SOURCE" = "DIR"` in `dev_overrides`: the provider `SOURCE` is the
/// executable `terraform-provider-TYPE` in `DIR`, whatever version is
/// asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevOverride {
    /// The provider, normalized.
    pub source: ProviderAddr,
    /// The directory, with `$VAR`/`${VAR}` expanded from the environment.
    pub dir: PathBuf,
}

/// An installation method of `provider_installation`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallMethod {
    /// `direct { }`: the origin registry.
    Direct,
    /// `filesystem_mirror { path = "..." }`.
    FilesystemMirror(String),
    /// `network_mirror { url = "..." }`.
    NetworkMirror(String),
}

/// One installation method with its `include`/`exclude` patterns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installation {
    /// The method.
    pub method: InstallMethod,
    /// `include = [...]`: provider address patterns it serves.
    pub include: Vec<String>,
    /// `exclude = [...]`: patterns it does not.
    pub exclude: Vec<String>,
}

/// What a CLI configuration file says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CliConfig {
    /// The file read; `None` when there is none.
    pub path: Option<PathBuf>,
    /// `provider_installation { dev_overrides { ... } }`, in file order.
    pub dev_overrides: Vec<DevOverride>,
    /// The other methods of `provider_installation`, in order.
    pub installation: Vec<Installation>,
    /// `plugin_cache_dir = "..."`, environment variables expanded.
    pub plugin_cache_dir: Option<String>,
    /// Every other top-level setting, by name (`credentials
    /// "app.terraform.io"`, `host "..."`, `disable_checkpoint`, ...), in
    /// order; values are not kept (credentials hold secrets).
    pub other: Vec<String>,
}

impl CliConfig {
    /// The override for `source`, if any.
    pub fn dev_override(&self, source: &ProviderAddr) -> Option<&DevOverride> {
        self.dev_overrides.iter().find(|o| &o.source == source)
    }

    /// The settings that change how Terraform installs providers and
    /// infra does not support, named for a warning (`credentials`,
    /// `credentials_helper`, `host`: infra sends no registry credentials
    /// and does no host overrides).
    pub fn unsupported_settings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .other
            .iter()
            .filter(|s| ["credentials", "credentials_helper", "host"].contains(&s.as_str()))
            .cloned()
            .collect();
        out.dedup();
        out
    }
}

/// The CLI configuration file to read, given the environment `env`:
/// `INFRA_CLI_CONFIG_FILE`, else `TF_CLI_CONFIG_FILE`, else
/// `TERRAFORM_CONFIG` (each must exist when set to a non-empty value),
/// else `$HOME/.infrarc`, else `$HOME/.terraformrc` when it exists;
/// `None` when there is none.
///
/// # Errors
/// `cliconfig::unreadable` when a variable names a file that does not
/// exist.
pub fn locate(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<PathBuf>, Diagnostic> {
    for var in std::iter::once(INFRA_ENV).chain(TERRAFORM_ENV.iter().copied()) {
        if let Some(v) = env(var).filter(|v| !v.is_empty()) {
            let p = PathBuf::from(v);
            if !p.is_file() {
                return Err(Diagnostic::error(
                    "cliconfig::unreadable",
                    format!(
                        "the CLI configuration file {} named by {var} does not exist",
                        p.display()
                    ),
                )
                .with_help(format!(
                    "Point {var} at an existing file, or unset it (docs/providers.md)."
                )));
            }
            return Ok(Some(p));
        }
    }
    let Some(home) = env("HOME").filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    Ok(HOME_FILES
        .iter()
        .map(|f| Path::new(&home).join(f))
        .find(|p| p.is_file()))
}

/// Locates (see [`locate`]), reads and parses the CLI configuration;
/// an empty configuration when there is no file.
///
/// # Errors
/// The file cannot be read, is not UTF-8, does not parse (syntax errors
/// name the file and line), or holds an invalid `provider_installation`
/// (see [`parse`]).
pub fn load(env: &dyn Fn(&str) -> Option<String>) -> Result<CliConfig, Vec<Diagnostic>> {
    let Some(path) = locate(env).map_err(|d| vec![d])? else {
        return Ok(CliConfig::default());
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        vec![Diagnostic::error(
            "cliconfig::unreadable",
            format!(
                "cannot read the CLI configuration file {}: {e}",
                path.display()
            ),
        )]
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        vec![Diagnostic::error(
            "cliconfig::unreadable",
            format!("the CLI configuration file {} is not UTF-8", path.display()),
        )]
    })?;
    let mut config = parse(&path.display().to_string(), &text, env)?;
    config.path = Some(path);
    Ok(config)
}

/// The process environment, for [`locate`] and [`load`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infra_variable_wins_then_terraform_then_home_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = dir.path().join("a.rc");
        let b = dir.path().join("b.rc");
        std::fs::write(&a, "").expect("write");
        std::fs::write(&b, "").expect("write");
        let (a_s, b_s) = (a.display().to_string(), b.display().to_string());
        let home = dir.path().display().to_string();
        let home = home.as_str();
        let env = |infra: Option<&str>, tf: Option<&str>| {
            let (infra, tf) = (infra.map(str::to_string), tf.map(str::to_string));
            move |k: &str| match k {
                INFRA_ENV => infra.clone(),
                "TF_CLI_CONFIG_FILE" => tf.clone(),
                "HOME" => Some(home.to_string()),
                _ => None,
            }
        };
        assert_eq!(
            locate(&env(Some(&a_s), Some(&b_s))).ok().flatten(),
            Some(a.clone())
        );
        assert_eq!(
            locate(&env(Some(""), Some(&b_s))).ok().flatten(),
            Some(b.clone())
        );
        assert_eq!(locate(&env(None, None)).ok().flatten(), None);
        std::fs::write(dir.path().join(".terraformrc"), "").expect("write");
        assert_eq!(
            locate(&env(None, None)).ok().flatten(),
            Some(dir.path().join(".terraformrc"))
        );
        std::fs::write(dir.path().join(".infrarc"), "").expect("write");
        assert_eq!(
            locate(&env(None, None)).ok().flatten(),
            Some(dir.path().join(".infrarc"))
        );
        let missing = dir.path().join("nope").display().to_string();
        let e = locate(&env(None, Some(&missing))).expect_err("missing file");
        assert!(
            e.message
                .contains("named by TF_CLI_CONFIG_FILE does not exist"),
            "{}",
            e.message
        );
    }
}
