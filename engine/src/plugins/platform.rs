//! The platform a provider package is built for, named as Terraform and
//! the registries name it (`linux_amd64`, `darwin_arm64`): Go's `GOOS`
//! and `GOARCH` (`internal/getproviders/types.go` `Platform`).

use std::fmt;

/// An operating system and CPU architecture, in Go's names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Platform {
    /// `linux`, `darwin`, `windows`, `freebsd`, ...
    pub os: String,
    /// `amd64`, `arm64`, `386`, `arm`, ...
    pub arch: String,
}

impl Platform {
    /// The platform infra runs on (Rust's names mapped to Go's:
    /// `macos` → `darwin`, `x86_64` → `amd64`, `aarch64` → `arm64`,
    /// `x86` → `386`).
    pub fn current() -> Platform {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            other => other,
        };
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Platform {
            os: os.to_string(),
            arch: arch.to_string(),
        }
    }

    /// Parses `OS_ARCH`.
    pub fn parse(s: &str) -> Option<Platform> {
        let (os, arch) = s.split_once('_')?;
        let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric());
        (ok(os) && ok(arch)).then(|| Platform {
            os: os.to_ascii_lowercase(),
            arch: arch.to_ascii_lowercase(),
        })
    }
}

impl fmt::Display for Platform {
    /// `OS_ARCH`, as in package file and directory names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.os, self.arch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_gos() {
        let p = Platform::current();
        assert!(!p.to_string().contains("x86_64") && !p.to_string().contains("macos"));
        assert_eq!(
            Platform::parse("linux_amd64").map(|p| p.to_string()),
            Some("linux_amd64".into())
        );
        assert_eq!(Platform::parse("linux"), None);
        assert_eq!(Platform::parse("linux_amd64_x"), None);
    }
}
