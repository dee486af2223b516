//! Installed providers: `.infra/providers/HOST/NS/TYPE/VERSION/OS_ARCH/`
//! in the configuration directory (Terraform's `.terraform/providers/`
//! layout, `internal/providercache/dir.go`), and the check every run
//! makes before starting one: the lock file selects the version, the
//! package is there, and its `h1:` hash is one the lock file accepts.

use super::address::ProviderAddr;
use super::constraint::VersionConstraints;
use super::hash::h1_dir;
use super::lockfile::LockedProvider;
use super::platform::Platform;
use super::resolve::executable_in;
use std::path::{Path, PathBuf};

/// Where installed providers live, relative to the configuration
/// directory.
pub const PROVIDERS_DIR: &str = ".infra/providers";

/// The unpacked package directory of `addr` at `version` for `platform`
/// under `root` (the installed directory or a plugin cache directory).
pub fn package_dir(
    root: &Path,
    addr: &ProviderAddr,
    version: &semver::Version,
    platform: &Platform,
) -> PathBuf {
    root.join(&addr.hostname)
        .join(&addr.namespace)
        .join(&addr.type_name)
        .join(version.to_string())
        .join(platform.to_string())
}

/// Why an installed provider cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotReady {
    /// The lock file has no entry for it.
    NotLocked,
    /// The locked version is not allowed by the configuration's
    /// constraints (which changed since `infra init`).
    ConstraintChanged {
        /// The locked version.
        locked: semver::Version,
    },
    /// The locked version is not installed (no package directory, or no
    /// executable in it).
    Missing {
        /// The locked version.
        locked: semver::Version,
        /// What is missing.
        why: String,
    },
    /// The package's hash is not one the lock file accepts.
    Mismatch {
        /// The package directory.
        dir: PathBuf,
        /// Its `h1:` hash.
        got: String,
        /// The locked version.
        locked: semver::Version,
    },
}

/// The executable of the installed provider `addr`, checked against its
/// lock file entry `lock` and the configuration's `constraints`.
///
/// # Errors
/// [`NotReady`] saying what `infra init` has to do.
pub fn find(
    base: &Path,
    addr: &ProviderAddr,
    lock: Option<&LockedProvider>,
    constraints: Option<&VersionConstraints>,
    platform: &Platform,
) -> Result<PathBuf, NotReady> {
    let lock = lock.ok_or(NotReady::NotLocked)?;
    let locked = lock.version.clone();
    if constraints.is_some_and(|c| !c.allows(&locked)) {
        return Err(NotReady::ConstraintChanged { locked });
    }
    let dir = package_dir(&base.join(PROVIDERS_DIR), addr, &locked, platform);
    if !dir.is_dir() {
        return Err(NotReady::Missing {
            locked,
            why: format!("{} does not exist", dir.display()),
        });
    }
    let got = h1_dir(&dir).map_err(|e| NotReady::Missing {
        locked: locked.clone(),
        why: format!("cannot read {}: {e}", dir.display()),
    })?;
    if !lock.accepts(&got) {
        return Err(NotReady::Mismatch { dir, got, locked });
    }
    executable_in(&dir, &addr.type_name).map_err(|why| NotReady::Missing { locked, why })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::lockfile::LockedProvider;

    #[test]
    fn a_package_runs_only_when_the_lock_file_accepts_it() {
        let base = tempfile::tempdir().expect("temp dir");
        let addr = ProviderAddr::parse("example.com/test/demo").expect("addr");
        let p = Platform::current();
        let v = semver::Version::new(1, 0, 0);
        let mut lock = LockedProvider {
            version: v.clone(),
            constraints: String::new(),
            hashes: vec![],
        };
        let find = |lock: &LockedProvider, c: Option<&str>| {
            let c = c.map(|c| VersionConstraints::parse(c).expect("valid"));
            find(base.path(), &addr, Some(lock), c.as_ref(), &p)
        };
        assert!(matches!(find(&lock, None), Err(NotReady::Missing { .. })));
        let dir = package_dir(&base.path().join(PROVIDERS_DIR), &addr, &v, &p);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("terraform-provider-demo_v1.0.0"), "x").expect("write");
        assert!(matches!(find(&lock, None), Err(NotReady::Mismatch { .. })));
        lock.hashes = vec![h1_dir(&dir).expect("hash")];
        assert_eq!(
            find(&lock, Some("~> 1.0")),
            Ok(dir.join("terraform-provider-demo_v1.0.0"))
        );
        assert!(matches!(
            find(&lock, Some(">= 2")),
            Err(NotReady::ConstraintChanged { .. })
        ));
        assert_eq!(
            super::find(base.path(), &addr, None, None, &p),
            Err(NotReady::NotLocked)
        );
        std::fs::write(dir.join("extra"), "tampered").expect("write");
        assert!(matches!(find(&lock, None), Err(NotReady::Mismatch { .. })));
    }
}
