//! Asking a source which versions it offers and getting a package from
//! it into a staging directory, with what the lock file should record.

use super::fsmirror::{self, Package};
use super::http::Http;
use super::sources::{Method, Source};
use super::{gpg, netmirror, registry, unpack};
use crate::plugins::address::ProviderAddr;
use crate::plugins::cliconfig::CliConfig;
use crate::plugins::hash::{h1_dir, zh_file};
use crate::plugins::platform::Platform;
use reqwest::Url;
use semver::Version;
use std::cell::{Cell, OnceCell, RefCell};
use std::path::Path;

/// A package unpacked into a staging directory.
pub struct Fetched {
    /// The staging directory (removed when dropped, unless renamed into
    /// place first).
    pub staged: Option<tempfile::TempDir>,
    /// The archive's `zh:` hash, when it came as an archive.
    pub zh: Option<String>,
    /// Hashes to record besides the package's own `h1:` (a registry's
    /// signed checksums of every platform's archive).
    pub recorded: Vec<String>,
    /// How it was authenticated, for the progress line (`signed by ...`,
    /// `verified checksum`); empty for none.
    pub auth: String,
    /// Whether it came from the plugin cache directory.
    pub from_cache: bool,
}

/// The network side of a run: one HTTPS client, made on first use, and
/// the registries discovered so far.
pub struct Net<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    cli: &'a CliConfig,
    http: OnceCell<Http>,
    discovered: RefCell<Vec<(String, Url)>>,
}

impl<'a> Net<'a> {
    /// Nothing made yet; `env` gives `INFRA_CA_CERT_FILE` and
    /// `TF_TOKEN_*`, `cli` the `credentials` and `host` blocks.
    pub fn new(env: &'a dyn Fn(&str) -> Option<String>, cli: &'a CliConfig) -> Net<'a> {
        Net {
            env,
            cli,
            http: OnceCell::new(),
            discovered: RefCell::new(Vec::new()),
        }
    }

    /// The client for the API of `host` (a registry or a network
    /// mirror): it sends the host's token, if the CLI configuration or
    /// the environment has one.
    fn api(&self, host: &str) -> Result<Http, String> {
        Ok(self
            .http()?
            .with_token(host, self.cli.token_for(host, self.env)))
    }

    fn http(&self) -> Result<&Http, String> {
        if let Some(h) = self.http.get() {
            return Ok(h);
        }
        let h = Http::new(self.env)?;
        Ok(self.http.get_or_init(|| h))
    }

    async fn registry(&self, host: &str) -> Result<Url, String> {
        if let Some((_, u)) = self.discovered.borrow().iter().find(|(h, _)| h == host) {
            return Ok(u.clone());
        }
        let u = match self.cli.service(host, "providers.v1") {
            // A `host` block stands for the discovery document; a relative
            // URL is resolved against where that document would be.
            Some(given) => registry::service_url(host, given)?,
            None => registry::discover(&self.api(host)?, host).await?,
        };
        self.discovered
            .borrow_mut()
            .push((host.to_string(), u.clone()));
        Ok(u)
    }
}

/// The versions `source` offers of `addr` for `platform` (a network
/// mirror lists versions of every platform).
///
/// # Errors
/// A message: the source failed or could not be reached.
pub async fn versions(
    net: &Net<'_>,
    source: &Source,
    addr: &ProviderAddr,
    platform: &Platform,
) -> Result<Vec<Version>, String> {
    match &source.method {
        Method::Filesystem(dir) => Ok(fsmirror::packages(dir, addr, platform)
            .into_iter()
            .map(|(v, _)| v)
            .collect()),
        Method::Network(url) => {
            let base = netmirror::base(url)?;
            netmirror::versions(&net.api(&host_of(&base))?, &base, addr).await
        }
        Method::Direct => {
            let base = net.registry(&addr.hostname).await?;
            registry::versions(&net.api(&addr.hostname)?, &base, addr, platform).await
        }
    }
}

/// Gets `addr` v`version` for `platform` from `source`, unpacked into
/// `staging` (which the caller removes on failure); a download goes to a
/// temporary file beside it.
///
/// # Errors
/// A message: the package is missing, cannot be read or unpacked, or
/// fails its checksum or signature.
pub async fn fetch(
    net: &Net<'_>,
    source: &Source,
    addr: &ProviderAddr,
    version: &Version,
    platform: &Platform,
    staging: &Path,
    progress: &dyn Fn(&str),
) -> Result<Fetched, String> {
    let fetched = |zh, recorded, auth| Fetched {
        staged: None,
        zh,
        recorded,
        auth,
        from_cache: false,
    };
    match &source.method {
        Method::Filesystem(dir) => {
            let found = fsmirror::packages(dir, addr, platform)
                .into_iter()
                .find(|(v, _)| v == version)
                .map(|(_, p)| p)
                .ok_or_else(|| format!("v{version} is no longer in {}", source.describe()))?;
            let zh = match &found {
                Package::Dir(d) => {
                    unpack::copy_dir(d, staging)?;
                    None
                }
                Package::Zip(z) => {
                    let zh = zh_file(z).map_err(|e| format!("cannot read {}: {e}", z.display()))?;
                    unpack::unzip(z, staging)?;
                    Some(zh)
                }
            };
            Ok(fetched(zh, Vec::new(), String::new()))
        }
        Method::Network(url) => {
            let http = net.http()?;
            let base = netmirror::base(url)?;
            let pkg =
                netmirror::package(&net.api(&host_of(&base))?, &base, addr, version, platform)
                    .await?;
            let zip = download(http, &pkg.url, staging, progress).await?;
            let zh = zh_file(zip.path()).map_err(|e| format!("cannot read the download: {e}"))?;
            unpack::unzip(zip.path(), staging)?;
            if pkg.hashes.is_empty() {
                return Ok(fetched(Some(zh), Vec::new(), String::new()));
            }
            let h1 = h1_dir(staging).map_err(|e| format!("cannot hash the package: {e}"))?;
            if !pkg.hashes.iter().any(|h| *h == h1 || *h == zh) {
                return Err(format!(
                    "the archive {} does not match the hashes the network mirror lists for it ({h1}, {zh}; listed: {})",
                    pkg.url,
                    pkg.hashes.join(", ")
                ));
            }
            Ok(fetched(Some(zh), Vec::new(), "verified checksum".into()))
        }
        Method::Direct => {
            let http = net.http()?;
            let base = net.registry(&addr.hostname).await?;
            let pkg = registry::package(&net.api(&addr.hostname)?, &base, addr, version, platform)
                .await?;
            let missing = |u: &str| format!("{u} answered 404 Not Found");
            let sums = http
                .get(&pkg.shasums_url)
                .await?
                .ok_or_else(|| missing(&pkg.shasums_url))?;
            let sig = http
                .get(&pkg.shasums_signature_url)
                .await?
                .ok_or_else(|| missing(&pkg.shasums_signature_url))?;
            let key_id = gpg::verify(&sums, &sig, &pkg.keys).map_err(|e| {
                format!(
                    "{e} ({}); nothing was downloaded",
                    pkg.shasums_signature_url
                )
            })?;
            let text = String::from_utf8_lossy(&sums);
            let (all, listed) = registry::checksums(&text, addr, version, &pkg.filename);
            if listed.as_deref() != Some(pkg.shasum.as_str()) {
                return Err(format!(
                    "the signed checksums ({}) list {} for {}, but the registry gives {}",
                    pkg.shasums_url,
                    listed.as_deref().unwrap_or("no checksum"),
                    pkg.filename,
                    pkg.shasum
                ));
            }
            let zip = download(http, &pkg.download_url, staging, progress).await?;
            let zh = zh_file(zip.path()).map_err(|e| format!("cannot read the download: {e}"))?;
            if zh != format!("zh:{}", pkg.shasum) {
                return Err(format!(
                    "the archive downloaded from {} does not match its signed checksum (got {zh}, want zh:{})",
                    pkg.download_url, pkg.shasum
                ));
            }
            unpack::unzip(zip.path(), staging)?;
            Ok(fetched(Some(zh), all, format!("signed, key ID {key_id}")))
        }
    }
}

/// The host (and `:PORT` when given) of `url`, as credentials name it.
fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// Downloads `url` into a temporary file beside `staging`, with progress
/// lines at each quarter when the size is known.
async fn download(
    http: &Http,
    url: &str,
    staging: &Path,
    progress: &dyn Fn(&str),
) -> Result<tempfile::NamedTempFile, String> {
    let dir = staging.parent().unwrap_or(staging);
    let file = tempfile::Builder::new()
        .prefix(".download-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a file in {}: {e}", dir.display()))?;
    progress(&format!("- Downloading {url}"));
    let shown = Cell::new(0u64);
    let report = |got: u64, total: Option<u64>| {
        if let Some(t) = total.filter(|t| *t > 0) {
            let quarter = got.saturating_mul(4) / t;
            if quarter > shown.get() {
                shown.set(quarter);
                progress(&format!("  {} of {} KiB", got >> 10, t >> 10));
            }
        }
    };
    http.download(url, file.path(), &report).await?;
    Ok(file)
}
