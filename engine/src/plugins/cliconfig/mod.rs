//! Terraform's CLI configuration file, which says where provider plugins
//! come from: which file is read (`locate`), and what it holds
//! ([`CliConfig`], read by `parse.rs` with infra's own parser). Mirrors
//! Terraform's `internal/command/cliconfig` (`cliconfig.go`,
//! `provider_installation.go`, `credentials.go`): `provider_installation`
//! (dev overrides, installation methods with their patterns),
//! `plugin_cache_dir`, `credentials "HOST" { token }` (and Terraform's
//! `TF_TOKEN_HOST` variables) and `host "HOST" { services }` are used;
//! what infra does not support (`credentials_helper`, services other than
//! `providers.v1`) is reported by `infra init`, never dropped silently.

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

/// A registry or mirror API token (`credentials "HOST" { token = "..." }`
/// or `TF_TOKEN_HOST`), sent as `Authorization: Bearer TOKEN`. Never
/// printed: its `Debug` is `Token(<redacted>)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token's text, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// `host "HOST" { services = { "providers.v1" = "URL" } }`: the service
/// discovery document of `HOST`, given instead of fetched from
/// `https://HOST/.well-known/terraform.json` (Terraform's `ConfigHost`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostServices {
    /// The host name, lower case (with `:PORT` when written).
    pub host: String,
    /// Service id (`providers.v1`, ...) → URL, in file order.
    pub services: Vec<(String, String)>,
}

/// The environment variable Terraform reads a token for `host` from:
/// `TF_TOKEN_` and the host with `.` as `_` and `-` as `__`
/// (`collectCredentialsFromEnv`).
pub fn token_variable(host: &str) -> String {
    format!(
        "TF_TOKEN_{}",
        host.to_ascii_lowercase()
            .replace('-', "__")
            .replace('.', "_")
    )
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
    /// `credentials "HOST" { token = "..." }`, host lower case, in file
    /// order.
    pub credentials: Vec<(String, Token)>,
    /// `host "HOST" { services = { ... } }`, in file order.
    pub hosts: Vec<HostServices>,
    /// Every other top-level setting, by name (`credentials_helper`,
    /// `disable_checkpoint`, ...), in order; values are not kept.
    pub other: Vec<String>,
}

impl CliConfig {
    /// The override for `source`, if any.
    pub fn dev_override(&self, source: &ProviderAddr) -> Option<&DevOverride> {
        self.dev_overrides.iter().find(|o| &o.source == source)
    }

    /// The token for requests to `host` (its registry API or network
    /// mirror): `TF_TOKEN_HOST` from `env` first, then a `credentials`
    /// block, as Terraform's `CredentialsSource.ForHost` orders them.
    /// An empty token is none.
    pub fn token_for(&self, host: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<Token> {
        let host = host.to_ascii_lowercase();
        let var = token_variable(&host);
        // A hyphen kept as is (not `__`) is accepted too, as Terraform's
        // decoding of the variable's name also accepts it.
        let plain = format!("TF_TOKEN_{}", host.replace('.', "_"));
        [var, plain]
            .iter()
            .find_map(|v| env(v).filter(|t| !t.is_empty()))
            .map(Token)
            .or_else(|| {
                self.credentials
                    .iter()
                    .find(|(h, t)| *h == host && !t.0.is_empty())
                    .map(|(_, t)| t.clone())
            })
    }

    /// The URL the `host` block of `host` gives for service `id`
    /// (`providers.v1`), if any.
    pub fn service(&self, host: &str, id: &str) -> Option<&str> {
        let host = host.to_ascii_lowercase();
        self.hosts
            .iter()
            .find(|h| h.host == host)
            .and_then(|h| h.services.iter().find(|(s, _)| s == id))
            .map(|(_, u)| u.as_str())
    }

    /// The settings that change how Terraform installs providers and
    /// infra does not support, named for a warning: `credentials_helper`
    /// (infra runs no credentials helper), and services of a `host` block
    /// other than `providers.v1` (`host "HOST" services "modules.v1"`).
    pub fn unsupported_settings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .other
            .iter()
            .filter(|s| s.as_str() == "credentials_helper")
            .cloned()
            .collect();
        out.dedup();
        for h in &self.hosts {
            for (id, _) in &h.services {
                if id != "providers.v1" {
                    out.push(format!("host \"{}\" services \"{id}\"", h.host));
                }
            }
        }
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
