//! A filesystem mirror: a directory holding provider packages in
//! Terraform's layouts (`internal/getproviders/filesystem_search.go`):
//! unpacked `HOST/NS/TYPE/VERSION/OS_ARCH/` directories and packed
//! `HOST/NS/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip` archives.

use crate::plugins::address::ProviderAddr;
use crate::plugins::platform::Platform;
use semver::Version;
use std::path::{Path, PathBuf};

/// A package found in a mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Package {
    /// An unpacked package directory.
    Dir(PathBuf),
    /// A `.zip` archive.
    Zip(PathBuf),
}

/// The packages of `addr` for `platform` in the mirror `root`, by
/// version (an unpacked directory wins over an archive of the same
/// version). Entries whose names are not versions are skipped, as
/// Terraform skips them; a missing directory holds nothing.
pub fn packages(root: &Path, addr: &ProviderAddr, platform: &Platform) -> Vec<(Version, Package)> {
    let dir = root
        .join(&addr.hostname)
        .join(&addr.namespace)
        .join(&addr.type_name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let zip_prefix = format!("terraform-provider-{}_", addr.type_name);
    let zip_suffix = format!("_{platform}.zip");
    let mut out: Vec<(Version, Package)> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let path = entry.path();
        if path.is_dir() {
            let unpacked = path.join(platform.to_string());
            if let Ok(v) = Version::parse(&name)
                && unpacked.is_dir()
            {
                out.retain(|(have, _)| *have != v);
                out.push((v, Package::Dir(unpacked)));
            }
        } else if let Some(v) = name
            .strip_prefix(&zip_prefix)
            .and_then(|r| r.strip_suffix(&zip_suffix))
            .and_then(|v| Version::parse(v).ok())
            && !out.iter().any(|(have, _)| *have == v)
        {
            out.push((v, Package::Zip(path)));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every provider with at least one package in the mirror `root`, for
/// any platform (for the implied `direct`, which leaves them to the
/// implied local mirrors).
pub fn providers(root: &Path) -> Vec<ProviderAddr> {
    let mut out = Vec::new();
    for host in subdirs(root) {
        for ns in subdirs(&root.join(&host)) {
            for ty in subdirs(&root.join(&host).join(&ns)) {
                if let Ok(addr) = ProviderAddr::parse(&format!("{host}/{ns}/{ty}")) {
                    out.push(addr);
                }
            }
        }
    }
    out
}

fn subdirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layouts_are_found() {
        let root = tempfile::tempdir().expect("temp dir");
        let p = Platform::parse("linux_amd64").expect("platform");
        let addr = ProviderAddr::parse("example.com/test/demo").expect("addr");
        let dir = root.path().join("example.com/test/demo");
        std::fs::create_dir_all(dir.join("1.0.0/linux_amd64")).expect("mkdir");
        std::fs::create_dir_all(dir.join("1.5.0/darwin_arm64")).expect("mkdir");
        std::fs::create_dir_all(dir.join("latest/linux_amd64")).expect("mkdir");
        for f in [
            "terraform-provider-demo_1.0.0_linux_amd64.zip",
            "terraform-provider-demo_2.0.0_linux_amd64.zip",
            "terraform-provider-demo_3.0.0_windows_amd64.zip",
            "terraform-provider-other_4.0.0_linux_amd64.zip",
        ] {
            std::fs::write(dir.join(f), "").expect("write");
        }
        let found = packages(root.path(), &addr, &p);
        let versions: Vec<String> = found.iter().map(|(v, _)| v.to_string()).collect();
        assert_eq!(versions, ["1.0.0", "2.0.0"]);
        assert_eq!(found[0].1, Package::Dir(dir.join("1.0.0/linux_amd64")));
        assert_eq!(
            found[1].1,
            Package::Zip(dir.join("terraform-provider-demo_2.0.0_linux_amd64.zip"))
        );
        assert_eq!(providers(root.path()), [addr]);
        assert!(packages(&root.path().join("none"), &ProviderAddr::implied("x"), &p).is_empty());
    }
}
