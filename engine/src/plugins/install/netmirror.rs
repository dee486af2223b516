//! Terraform's provider network mirror protocol: `BASE/HOST/NS/TYPE/
//! index.json` lists the versions (`{"versions": {"2.0.0": {}}}`),
//! `BASE/HOST/NS/TYPE/VERSION.json` each platform's archive with its
//! hashes (`{"archives": {"linux_amd64": {"url": "...zip", "hashes":
//! ["h1:..."]}}}`), the URL relative to that document
//! (`internal/getproviders/http_mirror_source.go`).

use super::http::Http;
use crate::plugins::address::ProviderAddr;
use crate::plugins::platform::Platform;
use reqwest::Url;
use semver::Version;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Index {
    versions: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct Archives {
    archives: BTreeMap<String, Archive>,
}

#[derive(Deserialize)]
struct Archive {
    url: String,
    #[serde(default)]
    hashes: Vec<String>,
}

/// An archive to download and the hashes it must match (any of them).
pub struct MirrorPackage {
    /// Its absolute URL.
    pub url: String,
    /// `h1:`/`zh:` hashes from the mirror; empty when it gives none.
    pub hashes: Vec<String>,
}

/// The mirror's base URL, which must be `https:`, ending in `/`.
///
/// # Errors
/// Not a URL, or not `https:`.
pub fn base(url: &str) -> Result<Url, String> {
    let with_slash = if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    };
    let u = Url::parse(&with_slash)
        .map_err(|e| format!("the network mirror URL {url} is not a URL: {e}"))?;
    if u.scheme() != "https" {
        return Err(format!("the network mirror URL {url} must use https:"));
    }
    Ok(u)
}

fn provider_url(base: &Url, addr: &ProviderAddr, file: &str) -> Result<Url, String> {
    base.join(&format!(
        "{}/{}/{}/{file}",
        addr.hostname, addr.namespace, addr.type_name
    ))
    .map_err(|e| format!("cannot build a URL under {base}: {e}"))
}

/// The versions the mirror at `base` has of `addr` (none when it does
/// not know the provider).
///
/// # Errors
/// The mirror fails or answers something other than an index.
pub async fn versions(
    http: &Http,
    base: &Url,
    addr: &ProviderAddr,
) -> Result<Vec<Version>, String> {
    let url = provider_url(base, addr, "index.json")?;
    let Some(body) = http.get(url.as_str()).await? else {
        return Ok(Vec::new());
    };
    let index: Index = serde_json::from_slice(&body)
        .map_err(|e| format!("{url} is not a network mirror index: {e}"))?;
    Ok(index
        .versions
        .keys()
        .filter_map(|v| Version::parse(v).ok())
        .collect())
}

/// The archive of `addr` v`version` for `platform`.
///
/// # Errors
/// The mirror fails, has no such version, or none for the platform.
pub async fn package(
    http: &Http,
    base: &Url,
    addr: &ProviderAddr,
    version: &Version,
    platform: &Platform,
) -> Result<MirrorPackage, String> {
    let url = provider_url(base, addr, &format!("{version}.json"))?;
    let body = http
        .get(url.as_str())
        .await?
        .ok_or_else(|| format!("the network mirror has no v{version} ({url} answered 404)"))?;
    let doc: Archives = serde_json::from_slice(&body)
        .map_err(|e| format!("{url} is not a network mirror version document: {e}"))?;
    let a = doc
        .archives
        .get(&platform.to_string())
        .ok_or_else(|| format!("the network mirror has v{version} but not for {platform}"))?;
    let archive = url
        .join(&a.url)
        .map_err(|e| format!("the archive URL {} in {url} is not valid: {e}", a.url))?;
    Ok(MirrorPackage {
        url: archive.to_string(),
        hashes: a.hashes.clone(),
    })
}
