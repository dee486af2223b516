//! The installation sources of a run, from the CLI configuration's
//! `provider_installation` methods in order, or, when it has none,
//! Terraform's implied ones (`implicitProviderSource` in
//! `provider_source.go`): a filesystem mirror for each of the local
//! plugin directories that exists, and `direct` for every provider none
//! of them holds.

use super::fsmirror;
use super::patterns::Selector;
use crate::plugins::cliconfig::{CliConfig, InstallMethod};
use std::path::{Path, PathBuf};

/// Where packages come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// A local directory in a mirror layout.
    Filesystem(PathBuf),
    /// A provider network mirror: its base URL (`https://.../`).
    Network(String),
    /// Each provider's origin registry.
    Direct,
}

/// One source: a method and the providers it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The method.
    pub method: Method,
    /// Which providers it serves.
    pub selector: Selector,
}

impl Source {
    /// How it is named in messages: `the filesystem mirror DIR`, `the
    /// network mirror URL`, `its registry`.
    pub fn describe(&self) -> String {
        match &self.method {
            Method::Filesystem(d) => format!("the filesystem mirror {}", d.display()),
            Method::Network(u) => format!("the network mirror {u}"),
            Method::Direct => "its registry".into(),
        }
    }
}

/// The implied local mirror directories Terraform searches: `terraform.d/
/// plugins` in the configuration directory `base`, `~/.terraform.d/
/// plugins`, and `terraform/plugins` under `$XDG_DATA_HOME` (default
/// `~/.local/share`) and each of `$XDG_DATA_DIRS` (default
/// `/usr/local/share:/usr/share`).
pub fn implied_dirs(base: &Path, env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut dirs = vec![base.join("terraform.d").join("plugins")];
    let home = env("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    if let Some(h) = &home {
        dirs.push(h.join(".terraform.d").join("plugins"));
    }
    let mut xdg: Vec<PathBuf> = env("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".local").join("share")))
        .into_iter()
        .collect();
    let data_dirs = env("XDG_DATA_DIRS")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    xdg.extend(
        data_dirs
            .split(':')
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
    );
    dirs.extend(xdg.into_iter().map(|d| d.join("terraform").join("plugins")));
    dirs
}

/// The sources of `cli`, in order.
///
/// # Errors
/// A malformed `include`/`exclude` pattern.
pub fn sources(
    base: &Path,
    cli: &CliConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Source>, String> {
    if cli.installation.is_empty() && cli.dev_overrides.is_empty() {
        let mut out = Vec::new();
        let mut local = Vec::new();
        for dir in implied_dirs(base, env).into_iter().filter(|d| d.is_dir()) {
            local.extend(fsmirror::providers(&dir));
            out.push(Source {
                method: Method::Filesystem(dir),
                selector: Selector::default(),
            });
        }
        out.push(Source {
            method: Method::Direct,
            selector: Selector {
                exclude_exact: local,
                ..Selector::default()
            },
        });
        return Ok(out);
    }
    cli.installation
        .iter()
        .map(|i| {
            Ok(Source {
                method: match &i.method {
                    InstallMethod::Direct => Method::Direct,
                    InstallMethod::FilesystemMirror(p) => Method::Filesystem(PathBuf::from(p)),
                    InstallMethod::NetworkMirror(u) => Method::Network(u.clone()),
                },
                selector: Selector::parse(&i.include, &i.exclude)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::address::ProviderAddr;
    use crate::plugins::cliconfig::Installation;

    #[test]
    fn implied_sources_leave_local_providers_to_local_mirrors() {
        let base = tempfile::tempdir().expect("temp dir");
        let home = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(
            base.path()
                .join("terraform.d/plugins/example.com/test/demo"),
        )
        .expect("mkdir");
        let home_s = home.path().display().to_string();
        let env = |k: &str| match k {
            "HOME" => Some(home_s.clone()),
            "XDG_DATA_DIRS" => Some("/nonexistent-a:/nonexistent-b".into()),
            _ => None,
        };
        let dirs = implied_dirs(base.path(), &env);
        assert_eq!(
            dirs,
            [
                base.path().join("terraform.d/plugins"),
                home.path().join(".terraform.d/plugins"),
                home.path().join(".local/share/terraform/plugins"),
                PathBuf::from("/nonexistent-a/terraform/plugins"),
                PathBuf::from("/nonexistent-b/terraform/plugins"),
            ]
        );
        let s = sources(base.path(), &CliConfig::default(), &env).expect("valid");
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].method,
            Method::Filesystem(base.path().join("terraform.d/plugins"))
        );
        let demo = ProviderAddr::parse("example.com/test/demo").expect("addr");
        assert!(!s[1].selector.serves(&demo));
        assert!(s[1].selector.serves(&ProviderAddr::implied("null")));
    }

    #[test]
    fn explicit_methods_keep_their_order_and_patterns() {
        let cli = CliConfig {
            installation: vec![
                Installation {
                    method: InstallMethod::FilesystemMirror("/m".into()),
                    include: vec!["example.com/*/*".into()],
                    exclude: vec![],
                },
                Installation {
                    method: InstallMethod::Direct,
                    include: vec![],
                    exclude: vec!["*/aws".into()],
                },
            ],
            ..CliConfig::default()
        };
        let e = sources(Path::new("."), &cli, &|_| None).expect_err("bad pattern");
        assert!(e.contains("*/aws"), "{e}");
    }
}
