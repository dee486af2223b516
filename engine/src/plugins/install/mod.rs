//! Installing providers as `terraform init` does
//! (`internal/providercache/installer.go`): for each required plugin,
//! the version the lock file selects (or, new or with `--upgrade`, the
//! newest version the constraints allow among those its sources offer),
//! from the plugin cache directory when it holds a package the lock file
//! accepts, else from the first source that has it (`sources.rs`:
//! filesystem mirrors, network mirrors, the registry); each package is
//! unpacked into a temporary directory beside its final place, checked
//! against the lock file's hashes, and only then renamed into
//! `.infra/providers/HOST/NS/TYPE/VERSION/OS_ARCH/`. The lock file is
//! written when every provider is installed.

mod fetch;
pub mod fsmirror;
pub mod gpg;
pub mod http;
pub mod netmirror;
pub mod patterns;
pub mod registry;
pub mod sources;
pub mod unpack;

use super::address::ProviderAddr;
use super::cliconfig::CliConfig;
use super::constraint::VersionConstraints;
use super::hash::h1_dir;
use super::installed::{PROVIDERS_DIR, package_dir};
use super::lockfile::{LockFile, LockedProvider};
use super::platform::Platform;
use fetch::{Fetched, Net};
use infra_lang::Diagnostic;
use semver::Version;
use sources::Source;
use std::path::{Path, PathBuf};

/// One provider to install.
#[derive(Clone, Debug)]
pub struct Request {
    /// Its source address.
    pub addr: ProviderAddr,
    /// Its version constraints (any version when `None`).
    pub constraints: Option<VersionConstraints>,
}

/// What a run of the installer works with.
pub struct Options<'a> {
    /// The configuration directory (holding `.infra/` and the lock file).
    pub base: &'a Path,
    /// The CLI configuration.
    pub cli: &'a CliConfig,
    /// The environment (`HOME`, `XDG_*`, `TF_PLUGIN_CACHE_DIR`).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// `--upgrade`: ignore the lock file's selections.
    pub upgrade: bool,
    /// The platform to install for.
    pub platform: Platform,
    /// Receives progress lines (`- Installing example.com/test/demo
    /// v1.0.0...`).
    pub progress: &'a dyn Fn(&str),
}

/// What happened to one provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The provider.
    pub addr: ProviderAddr,
    /// The version now installed.
    pub version: Version,
    /// `true` when the installed package was already the locked one.
    pub reused: bool,
}

/// Installs `requests` and writes the lock file (entries of providers no
/// longer required are dropped, as Terraform drops them).
///
/// # Errors
/// `lockfile::invalid` for a lock file that cannot be read; for each
/// provider that cannot be installed, `provider::install-failed` (no
/// source serves it, no version matches, a source fails or is
/// unreachable, a download or signature check fails) or
/// `provider::checksum-mismatch` (the package does not match the lock
/// file). Nothing is left half-installed, and the lock file is not
/// written when any provider failed.
pub async fn install(
    opts: &Options<'_>,
    requests: &[Request],
) -> Result<Vec<Installed>, Vec<Diagnostic>> {
    let old = LockFile::read(opts.base)?;
    let sources = sources::sources(opts.base, opts.cli, opts.env).map_err(|e| {
        vec![
            Diagnostic::error("cliconfig::invalid", e)
                .with_help("See docs/providers.md for the CLI configuration infra reads."),
        ]
    })?;
    let cache = opts
        .env("TF_PLUGIN_CACHE_DIR")
        .filter(|d| !d.is_empty())
        .or_else(|| opts.cli.plugin_cache_dir.clone())
        .map(PathBuf::from);
    let root = opts.base.join(PROVIDERS_DIR);
    let net = Net::new(opts.env, opts.cli);
    let mut new = LockFile::default();
    let mut done = Vec::new();
    let mut errors = Vec::new();
    for req in requests {
        let one = One {
            opts,
            req,
            locked: if opts.upgrade {
                None
            } else {
                old.providers.get(&req.addr)
            },
            previous: old.providers.get(&req.addr),
            sources: &sources,
            net: &net,
            cache: cache.as_deref(),
            root: &root,
        };
        match one.run().await {
            Ok((installed, entry)) => {
                new.providers.insert(req.addr.clone(), entry);
                done.push(installed);
            }
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if new != old || !super::lockfile::path_in(opts.base).exists() {
        new.write(opts.base).map_err(|e| {
            vec![Diagnostic::error(
                "lockfile::invalid",
                format!(
                    "cannot write {}: {e}",
                    super::lockfile::path_in(opts.base).display()
                ),
            )]
        })?;
    }
    Ok(done)
}

impl Options<'_> {
    fn env(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }
}

/// Installing one provider.
struct One<'a> {
    opts: &'a Options<'a>,
    req: &'a Request,
    /// The lock file entry that binds the choice (none with `--upgrade`).
    locked: Option<&'a LockedProvider>,
    /// The lock file entry, whatever `--upgrade` says (its hashes are
    /// kept when the same version is selected again).
    previous: Option<&'a LockedProvider>,
    sources: &'a [Source],
    net: &'a Net<'a>,
    cache: Option<&'a Path>,
    root: &'a Path,
}

fn failed(addr: &ProviderAddr, message: String, help: &str) -> Diagnostic {
    let d = Diagnostic::error(
        "provider::install-failed",
        format!(
            "cannot install provider `{}`: {message}",
            addr.for_display()
        ),
    );
    if help.is_empty() {
        d
    } else {
        d.with_help(help.to_string())
    }
}

impl One<'_> {
    fn progress(&self, line: String) {
        (self.opts.progress)(&line);
    }

    async fn run(&self) -> Result<(Installed, LockedProvider), Diagnostic> {
        let addr = &self.req.addr;
        let shown = addr.for_display();
        let constraints_text = self
            .req
            .constraints
            .as_ref()
            .map(VersionConstraints::canonical)
            .unwrap_or_default();
        if let Some(c) = &self.req.constraints {
            c.check_selectable()
                .map_err(|e| failed(addr, e, "Write at most three version numbers."))?;
        }
        let platform = &self.opts.platform;
        let wanted = match self.locked {
            Some(l) => {
                if self
                    .req
                    .constraints
                    .as_ref()
                    .is_some_and(|c| !c.allows(&l.version))
                {
                    return Err(failed(
                        addr,
                        format!(
                            "the lock file selects v{}, which the version constraint \"{constraints_text}\" does not allow",
                            l.version
                        ),
                        "Run `infra init --upgrade` to select a version the constraint allows.",
                    ));
                }
                self.progress(format!(
                    "- Reusing previous version of {shown} from the dependency lock file"
                ));
                let dir = package_dir(self.root, addr, &l.version, platform);
                if h1_dir(&dir).is_ok_and(|h| l.accepts(&h)) {
                    self.progress(format!(
                        "- Using previously-installed {shown} v{}",
                        l.version
                    ));
                    let entry = LockedProvider {
                        constraints: constraints_text,
                        ..l.clone()
                    };
                    return Ok((
                        Installed {
                            addr: addr.clone(),
                            version: l.version.clone(),
                            reused: true,
                        },
                        entry,
                    ));
                }
                Some(l.version.clone())
            }
            None => {
                match &self.req.constraints {
                    Some(_) => self.progress(format!(
                        "- Finding {shown} versions matching \"{constraints_text}\"..."
                    )),
                    None => self.progress(format!("- Finding latest version of {shown}...")),
                }
                None
            }
        };
        // A locked version the cache holds needs no source at all.
        if let Some(v) = &wanted
            && let Some(fetched) = self.cached(v)?
        {
            return self.finish(v.clone(), fetched, constraints_text);
        }
        let offered = self.offered().await?;
        let version = match wanted {
            Some(v) => {
                if !offered.iter().any(|(have, _)| *have == v) {
                    return Err(failed(
                        addr,
                        format!(
                            "the locked version v{v} is not available for {platform} from {}",
                            self.where_looked()
                        ),
                        "Make it available there, or run `infra init --upgrade` to select another version.",
                    ));
                }
                v
            }
            None => {
                let all: Vec<&Version> = offered.iter().map(|(v, _)| v).collect();
                let any = VersionConstraints(Vec::new());
                let c = self.req.constraints.as_ref().unwrap_or(&any);
                match c.newest(all.iter().copied()) {
                    Some(v) => v.clone(),
                    None if all.is_empty() => {
                        return Err(failed(
                            addr,
                            format!(
                                "no version is available for {platform} from {}",
                                self.where_looked()
                            ),
                            "Check the provider's source address and the CLI configuration's provider_installation (docs/providers.md).",
                        ));
                    }
                    None => {
                        let mut sorted = all.clone();
                        sorted.sort_by(|a, b| a.cmp_precedence(b));
                        let list: Vec<String> = sorted.iter().map(|v| v.to_string()).collect();
                        return Err(failed(
                            addr,
                            format!(
                                "no available version matches \"{constraints_text}\" (available for {platform}: {})",
                                list.join(", ")
                            ),
                            "Change the version constraint in required_providers.",
                        ));
                    }
                }
            }
        };
        if let Some(fetched) = self.cached(&version)? {
            return self.finish(version, fetched, constraints_text);
        }
        let Some((_, source)) = offered.iter().find(|(v, _)| *v == version) else {
            return Err(failed(
                addr,
                format!("v{version} vanished from its source"),
                "",
            ));
        };
        self.progress(format!("- Installing {shown} v{version}..."));
        let staging = self.staging()?;
        let fetched = fetch::fetch(
            self.net,
            source,
            addr,
            &version,
            platform,
            staging.path(),
            self.opts.progress,
        )
        .await
        .map_err(|e| failed(addr, e, "Nothing was installed."))?;
        let fetched = Fetched {
            staged: Some(staging),
            ..fetched
        };
        self.finish(version, fetched, constraints_text)
    }

    /// A new temporary directory beside the installed packages.
    fn staging(&self) -> Result<tempfile::TempDir, Diagnostic> {
        std::fs::create_dir_all(self.root)
            .and_then(|()| {
                tempfile::Builder::new()
                    .prefix(".installing-")
                    .tempdir_in(self.root)
            })
            .map_err(|e| {
                failed(
                    &self.req.addr,
                    format!("cannot create a directory in {}: {e}", self.root.display()),
                    "",
                )
            })
    }

    /// The package of `version` from the plugin cache directory, copied
    /// into a staging directory, when the cache holds one the lock file
    /// accepts (any, for a provider not locked yet).
    fn cached(&self, version: &Version) -> Result<Option<Fetched>, Diagnostic> {
        let Some(cache) = self.cache else {
            return Ok(None);
        };
        let dir = package_dir(cache, &self.req.addr, version, &self.opts.platform);
        let Ok(h1) = h1_dir(&dir) else {
            return Ok(None);
        };
        if self
            .locked
            .is_some_and(|l| l.version == *version && !l.accepts(&h1))
        {
            return Ok(None);
        }
        let staging = self.staging()?;
        unpack::copy_dir(&dir, staging.path()).map_err(|e| failed(&self.req.addr, e, ""))?;
        self.progress(format!(
            "- Using {} v{version} from the shared cache directory",
            self.req.addr.for_display()
        ));
        Ok(Some(Fetched {
            staged: Some(staging),
            zh: None,
            recorded: Vec::new(),
            auth: String::new(),
            from_cache: true,
        }))
    }

    /// The versions every source serving the provider offers, with the
    /// first source offering each.
    async fn offered(&self) -> Result<Vec<(Version, &Source)>, Diagnostic> {
        let addr = &self.req.addr;
        let mut out: Vec<(Version, &Source)> = Vec::new();
        let serving: Vec<&Source> = self
            .sources
            .iter()
            .filter(|s| s.selector.serves(addr))
            .collect();
        if serving.is_empty() {
            return Err(failed(
                addr,
                "no installation method of the CLI configuration serves it (its include/exclude patterns leave it out)".into(),
                "Add a method that serves it to provider_installation (docs/providers.md).",
            ));
        }
        for s in serving {
            let versions = fetch::versions(self.net, s, addr, &self.opts.platform)
                .await
                .map_err(|e| failed(addr, e, "Nothing was installed."))?;
            for v in versions {
                if !out.iter().any(|(have, _)| *have == v) {
                    out.push((v, s));
                }
            }
        }
        Ok(out)
    }

    fn where_looked(&self) -> String {
        let names: Vec<String> = self
            .sources
            .iter()
            .filter(|s| s.selector.serves(&self.req.addr))
            .map(Source::describe)
            .collect();
        names.join(", ")
    }

    /// Checks the staged package against the lock file, moves it into
    /// place (and into the cache), and makes the new lock file entry.
    fn finish(
        &self,
        version: Version,
        fetched: Fetched,
        constraints: String,
    ) -> Result<(Installed, LockedProvider), Diagnostic> {
        let addr = &self.req.addr;
        let Some(staging) = &fetched.staged else {
            return Err(failed(addr, "nothing was staged".into(), ""));
        };
        let h1 = h1_dir(staging.path())
            .map_err(|e| failed(addr, format!("cannot hash the package: {e}"), ""))?;
        let previous = self.previous.filter(|p| p.version == version);
        if let Some(l) = self.locked.filter(|l| l.version == version)
            && !l.accepts(&h1)
            && !fetched.zh.as_ref().is_some_and(|zh| l.accepts(zh))
        {
            return Err(Diagnostic::error(
                "provider::checksum-mismatch",
                format!(
                    "the package of provider `{}` v{version} does not match any of the hashes in {}",
                    addr.for_display(),
                    super::lockfile::FILE_NAME
                ),
            )
            .with_help(format!(
                "Its hash is {h1}. The source now serves another package for this version than when the lock file was written; nothing was installed. If the change is expected, remove the provider's entry from {} and run `infra init` again.",
                super::lockfile::FILE_NAME
            )));
        }
        let target = package_dir(self.root, addr, &version, &self.opts.platform);
        place(staging.path(), &target).map_err(|e| failed(addr, e, "Nothing was installed."))?;
        if let Some(cache) = self.cache
            && !fetched.from_cache
        {
            let cached = package_dir(cache, addr, &version, &self.opts.platform);
            if !cached.exists() {
                // The cache is a convenience: failing to fill it fails nothing.
                let _ = copy_into_place(&target, &cached);
            }
        }
        if !fetched.from_cache {
            self.progress(format!(
                "- Installed {} v{version} ({})",
                addr.for_display(),
                if fetched.auth.is_empty() {
                    "unauthenticated"
                } else {
                    &fetched.auth
                }
            ));
        }
        let mut hashes: Vec<String> = previous.map(|p| p.hashes.clone()).unwrap_or_default();
        hashes.push(h1);
        hashes.extend(fetched.recorded.iter().cloned());
        hashes.sort();
        hashes.dedup();
        Ok((
            Installed {
                addr: addr.clone(),
                version: version.clone(),
                reused: false,
            },
            LockedProvider {
                version,
                constraints,
                hashes,
            },
        ))
    }
}

/// Renames the staged directory `staged` to `target`, replacing what is
/// there: the old directory is first renamed aside, then removed, so
/// `target` is always either the old or the new package, whole.
///
/// # Errors
/// A message naming the directory that could not be created or renamed.
fn place(staged: &Path, target: &Path) -> Result<(), String> {
    let parent = made_parent(target)?;
    let old = parent.join(format!(
        ".replaced-{}",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("package")
    ));
    if target.exists() {
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(target, &old)
            .map_err(|e| format!("cannot move {} aside: {e}", target.display()))?;
    }
    std::fs::rename(staged, target)
        .map_err(|e| format!("cannot rename into {}: {e}", target.display()))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Copies the package directory `from` to `to` through a temporary
/// directory beside `to`, renamed into place.
///
/// # Errors
/// A message naming what failed.
fn copy_into_place(from: &Path, to: &Path) -> Result<(), String> {
    let parent = made_parent(to)?;
    let tmp = tempfile::Builder::new()
        .prefix(".installing-")
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a directory in {}: {e}", parent.display()))?;
    unpack::copy_dir(from, tmp.path())?;
    place(tmp.path(), to)
}

/// The parent directory of `path`, created when missing.
///
/// # Errors
/// `path` has no parent, or it cannot be created.
fn made_parent(path: &Path) -> Result<&Path, String> {
    let parent = path
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", path.display()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    Ok(parent)
}
