//! Terraform's provider registry protocol: service discovery
//! (`https://HOST/.well-known/terraform.json`, its `providers.v1`
//! entry), the versions list (`NS/TYPE/versions`: each version's
//! protocols and platforms) and the download document
//! (`NS/TYPE/VERSION/download/OS/ARCH`: archive, `SHA256SUMS`, its
//! signature and the signing keys), as `internal/getproviders/
//! registry_client.go` reads them.

use super::gpg::RegistryKey;
use super::http::Http;
use crate::plugins::address::ProviderAddr;
use crate::plugins::platform::Platform;
use reqwest::Url;
use semver::Version;
use serde::Deserialize;

#[derive(Deserialize)]
struct Versions {
    versions: Vec<VersionEntry>,
}

#[derive(Deserialize)]
struct VersionEntry {
    version: String,
    #[serde(default)]
    protocols: Vec<String>,
    #[serde(default)]
    platforms: Vec<PlatformEntry>,
}

#[derive(Deserialize)]
struct PlatformEntry {
    os: String,
    arch: String,
}

#[derive(Deserialize)]
struct Download {
    #[serde(default)]
    protocols: Vec<String>,
    filename: String,
    download_url: String,
    shasums_url: String,
    shasums_signature_url: String,
    shasum: String,
    signing_keys: SigningKeys,
}

#[derive(Deserialize)]
struct SigningKeys {
    #[serde(default)]
    gpg_public_keys: Vec<GpgKey>,
}

#[derive(Deserialize)]
struct GpgKey {
    #[serde(default)]
    key_id: String,
    ascii_armor: String,
}

/// A package as the registry describes it, URLs made absolute.
pub struct RegistryPackage {
    /// The archive's file name, as listed in `SHA256SUMS`.
    pub filename: String,
    /// Where to download it.
    pub download_url: String,
    /// The checksum file.
    pub shasums_url: String,
    /// Its detached signature.
    pub shasums_signature_url: String,
    /// The archive's hexadecimal SHA-256.
    pub shasum: String,
    /// The keys that may have signed the checksums.
    pub keys: Vec<RegistryKey>,
}

/// Whether a plugin protocol list admits infra's client (5.x or 6.x);
/// an empty list says nothing and is admitted.
fn protocols_ok(protocols: &[String]) -> bool {
    protocols.is_empty()
        || protocols
            .iter()
            .any(|p| p.split('.').next().is_some_and(|m| m == "5" || m == "6"))
}

/// The `providers.v1` base URL of the registry at `host`.
///
/// # Errors
/// The host cannot be reached, or offers no provider registry.
pub async fn discover(http: &Http, host: &str) -> Result<Url, String> {
    let url = format!("https://{host}/.well-known/terraform.json");
    let body = http
        .get(&url)
        .await?
        .ok_or_else(|| format!("{host} is not a Terraform registry ({url} answered 404)"))?;
    let doc: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| format!("{url} is not a service discovery document: {e}"))?;
    let Some(rel) = doc.get("providers.v1").and_then(|v| v.as_str()) else {
        return Err(format!(
            "{host} offers no provider registry (no \"providers.v1\" in {url})"
        ));
    };
    service_url(host, rel)
}

/// The `providers.v1` base URL `rel` (from the discovery document of
/// `host`, or a `host` block standing for it) made absolute against
/// `https://HOST/.well-known/terraform.json`, ending in `/`.
///
/// # Errors
/// `rel` is not a URL.
pub fn service_url(host: &str, rel: &str) -> Result<Url, String> {
    let url = format!("https://{host}/.well-known/terraform.json");
    let rel = if rel.ends_with('/') {
        rel.to_string()
    } else {
        format!("{rel}/")
    };
    Url::parse(&url)
        .and_then(|u| u.join(&rel))
        .map_err(|e| format!("the \"providers.v1\" of {host} ({rel}) is not a URL: {e}"))
}

/// The versions of `addr` the registry at `base` offers for `platform`
/// with a plugin protocol infra speaks.
///
/// # Errors
/// The registry fails, or does not know the provider.
pub async fn versions(
    http: &Http,
    base: &Url,
    addr: &ProviderAddr,
    platform: &Platform,
) -> Result<Vec<Version>, String> {
    let url = base
        .join(&format!("{}/{}/versions", addr.namespace, addr.type_name))
        .map_err(|e| format!("cannot build a URL under {base}: {e}"))?;
    let body = http.get(url.as_str()).await?.ok_or_else(|| {
        format!(
            "the registry {} does not have a provider named {} ({url} answered 404)",
            addr.hostname,
            addr.for_display()
        )
    })?;
    let doc: Versions = serde_json::from_slice(&body)
        .map_err(|e| format!("{url} is not a provider versions list: {e}"))?;
    Ok(doc
        .versions
        .into_iter()
        .filter(|v| protocols_ok(&v.protocols))
        .filter(|v| {
            v.platforms
                .iter()
                .any(|p| p.os == platform.os && p.arch == platform.arch)
        })
        .filter_map(|v| Version::parse(&v.version).ok())
        .collect())
}

/// The download document of `addr` v`version` for `platform`.
///
/// # Errors
/// The registry fails, answers something else, or offers a protocol
/// infra does not speak.
pub async fn package(
    http: &Http,
    base: &Url,
    addr: &ProviderAddr,
    version: &Version,
    platform: &Platform,
) -> Result<RegistryPackage, String> {
    let url = base
        .join(&format!(
            "{}/{}/{version}/download/{}/{}",
            addr.namespace, addr.type_name, platform.os, platform.arch
        ))
        .map_err(|e| format!("cannot build a URL under {base}: {e}"))?;
    let body = http.get(url.as_str()).await?.ok_or_else(|| {
        format!("the registry has no v{version} for {platform} ({url} answered 404)")
    })?;
    let d: Download = serde_json::from_slice(&body)
        .map_err(|e| format!("{url} is not a provider download document: {e}"))?;
    if !protocols_ok(&d.protocols) {
        return Err(format!(
            "v{version} speaks plugin protocol {}, and infra speaks 5 and 6",
            d.protocols.join(", ")
        ));
    }
    let abs = |u: &str| {
        url.join(u)
            .map(|u| u.to_string())
            .map_err(|e| format!("the URL {u} in {url} is not valid: {e}"))
    };
    Ok(RegistryPackage {
        filename: d.filename,
        download_url: abs(&d.download_url)?,
        shasums_url: abs(&d.shasums_url)?,
        shasums_signature_url: abs(&d.shasums_signature_url)?,
        shasum: d.shasum.to_ascii_lowercase(),
        keys: d
            .signing_keys
            .gpg_public_keys
            .into_iter()
            .map(|k| RegistryKey {
                key_id: k.key_id,
                armor: k.ascii_armor,
            })
            .collect(),
    })
}

/// The `zh:` hashes of a `SHA256SUMS` document for the archives of
/// `addr` v`version` (`terraform-provider-TYPE_VERSION_*.zip`), every
/// platform's, and the hash it lists for `filename`.
pub fn checksums(
    doc: &str,
    addr: &ProviderAddr,
    version: &Version,
    filename: &str,
) -> (Vec<String>, Option<String>) {
    let prefix = format!("terraform-provider-{}_{version}_", addr.type_name);
    let mut all = Vec::new();
    let mut this = None;
    for line in doc.lines() {
        let mut parts = line.split_whitespace();
        let (Some(hash), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        if name == filename {
            this = Some(hash.clone());
        }
        if name.starts_with(&prefix) && name.ends_with(".zip") {
            all.push(format!("zh:{hash}"));
        }
    }
    (all, this)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_of_every_platform_are_recorded() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let doc = format!(
            "{a}  terraform-provider-demo_1.0.0_linux_amd64.zip\n{b}  terraform-provider-demo_1.0.0_darwin_arm64.zip\n{a}  terraform-provider-demo_1.0.0_manifest.json\nnot a line\n"
        );
        let addr = ProviderAddr::parse("example.com/test/demo").expect("addr");
        let (all, this) = checksums(
            &doc,
            &addr,
            &Version::new(1, 0, 0),
            "terraform-provider-demo_1.0.0_darwin_arm64.zip",
        );
        assert_eq!(all, [format!("zh:{a}"), format!("zh:{b}")]);
        assert_eq!(this, Some(b));
        assert!(
            protocols_ok(&["5.0".into()]) && protocols_ok(&[]) && !protocols_ok(&["4.0".into()])
        );
    }
}
