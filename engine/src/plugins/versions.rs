//! Which provider versions a [`VersionConstraints`] allows, the newest of
//! them, and the canonical text the lock file keeps. Mirrors Terraform's
//! provider installer, which reads `required_providers` constraints with
//! `apparentlymart/go-versions` (`constraints.ParseRubyStyleMulti`,
//! `versions.MeetingConstraints`) and writes them with
//! `providerreqs.VersionConstraintsString`:
//!
//! - a version written with fewer than three numbers is padded with zeros
//!   (`>= 2` is `>= 2.0.0`), except that `~>` looks at how many were
//!   written: `~> 1.2` and `~> 1` allow up to the next major version,
//!   `~> 1.2.3` up to the next minor one;
//! - build metadata only matters to `=` and `!=`;
//! - a pre-release version (`2.0.0-beta1`) is allowed only when an `=`
//!   constraint names exactly it: `>= 1.0` never selects `2.0.0-beta1`.

use super::constraint::{Constraint, Op, VersionConstraints};
use semver::{BuildMetadata, Prerelease, Version};
use std::cmp::Ordering;

impl VersionConstraints {
    /// Whether every constraint can be used to choose a provider version:
    /// at most three numbers each (go-versions refuses more).
    ///
    /// # Errors
    /// A message naming the first constraint with four numbers or more.
    pub fn check_selectable(&self) -> Result<(), String> {
        match self.0.iter().find(|c| c.version.segments.len() > 3) {
            Some(c) => Err(format!(
                "`{} {}` has more than three version numbers (major, minor, patch), which provider versions do not have",
                c.op.as_str(),
                c.version
            )),
            None => Ok(()),
        }
    }

    /// Whether `v` meets every constraint, with Terraform's rule for
    /// pre-releases (see the module documentation).
    pub fn allows(&self, v: &Version) -> bool {
        let meets = self.0.iter().all(|c| meets(c, v));
        meets
            && (v.pre.is_empty()
                || self
                    .0
                    .iter()
                    .any(|c| c.op == Op::Eq && boundary(c, true) == *v))
    }

    /// The newest of `available` this allows (`None` when it allows none).
    pub fn newest<'a>(
        &self,
        available: impl IntoIterator<Item = &'a Version>,
    ) -> Option<&'a Version> {
        available
            .into_iter()
            .filter(|v| self.allows(v))
            .max_by(|a, b| a.cmp_precedence(b).then_with(|| a.cmp(b)))
    }

    /// The canonical text Terraform writes as `constraints` in the lock
    /// file: constraints with zero-padded versions, duplicates removed,
    /// sorted by version then operator (`>`, `>=`, `=`, `~>`, `<=`, `<`,
    /// `!=`), `=` written without operator and `~> M.m` kept to two
    /// numbers when it allows up to the next major version.
    pub fn canonical(&self) -> String {
        let mut items: Vec<(Version, u8, String)> = Vec::new();
        for c in &self.0 {
            let b = boundary(c, true);
            let written = match (c.op, c.version.segments.len()) {
                (Op::Pessimistic, n) if n < 3 => {
                    let mut s = format!("{}.{}", b.major, b.minor);
                    if !b.pre.is_empty() {
                        s.push_str(&format!("-{}", b.pre));
                    }
                    if !b.build.is_empty() {
                        s.push_str(&format!("+{}", b.build));
                    }
                    s
                }
                _ => b.to_string(),
            };
            let (prio, op) = match (c.op, c.version.segments.len()) {
                (Op::Gt, _) => (1, "> "),
                (Op::Ge, _) => (2, ">= "),
                (Op::Eq, _) => (3, ""),
                (Op::Pessimistic, 3..) => (4, "~> "),
                (Op::Pessimistic, _) => (5, "~> "),
                (Op::Le, _) => (6, "<= "),
                (Op::Lt, _) => (7, "< "),
                (Op::Ne, _) => (8, "!= "),
            };
            let text = format!("{op}{written}");
            if !items.iter().any(|(_, _, t)| *t == text) {
                items.push((b, prio, text));
            }
        }
        items.sort_by(|a, b| {
            a.0.cmp_precedence(&b.0)
                .then_with(|| a.0.build.cmp(&b.0.build))
                .then_with(|| a.1.cmp(&b.1))
        });
        items
            .into_iter()
            .map(|(_, _, t)| t)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The version a constraint compares with, numbers padded with zeros;
/// build metadata kept only when `metadata` (for `=` and `!=`).
fn boundary(c: &Constraint, metadata: bool) -> Version {
    let n = |i: usize| c.version.segments.get(i).copied().unwrap_or(0);
    let mut v = Version::new(n(0), n(1), n(2));
    if let Some(p) = &c.version.prerelease {
        v.pre = Prerelease::new(p).unwrap_or(Prerelease::EMPTY);
    }
    if metadata && let Some(m) = &c.version.metadata {
        v.build = BuildMetadata::new(m).unwrap_or(BuildMetadata::EMPTY);
    }
    v
}

fn meets(c: &Constraint, v: &Version) -> bool {
    let exact = matches!(c.op, Op::Eq | Op::Ne);
    let b = boundary(c, exact);
    let ord = v.cmp_precedence(&b);
    match c.op {
        Op::Eq => *v == b,
        Op::Ne => *v != b,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Pessimistic => {
            let upper = if c.version.segments.len() >= 3 {
                Version::new(b.major, b.minor.saturating_add(1), 0)
            } else {
                Version::new(b.major.saturating_add(1), 0, 0)
            };
            ord != Ordering::Less && v.cmp_precedence(&upper) == Ordering::Less
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(constraints: &str, versions: &[&str]) -> Vec<String> {
        let c = VersionConstraints::parse(constraints).expect("valid");
        versions
            .iter()
            .filter(|v| c.allows(&Version::parse(v).expect("version")))
            .map(|v| v.to_string())
            .collect()
    }

    const ALL: &[&str] = &[
        "0.9.0",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "1.2.0",
        "1.2.3",
        "1.2.9",
        "1.3.0",
        "2.0.0-beta1",
        "2.0.0",
        "2.1.0",
    ];

    #[test]
    fn operators_select_as_terraform_does() {
        assert_eq!(
            allowed(">= 1.2", ALL),
            ["1.2.0", "1.2.3", "1.2.9", "1.3.0", "2.0.0", "2.1.0"]
        );
        assert_eq!(
            allowed("> 1.2.3", ALL),
            ["1.2.9", "1.3.0", "2.0.0", "2.1.0"]
        );
        assert_eq!(allowed("< 1.1", ALL), ["0.9.0", "1.0.0", "1.0.1"]);
        assert_eq!(allowed("<= 1.1", ALL), ["0.9.0", "1.0.0", "1.0.1", "1.1.0"]);
        assert_eq!(allowed("1.2.3", ALL), ["1.2.3"]);
        assert_eq!(allowed("= 1.2", ALL), ["1.2.0"]);
        assert_eq!(allowed("~> 1.2", ALL), ["1.2.0", "1.2.3", "1.2.9", "1.3.0"]);
        assert_eq!(
            allowed("~> 1", ALL),
            [
                "1.0.0", "1.0.1", "1.1.0", "1.2.0", "1.2.3", "1.2.9", "1.3.0"
            ]
        );
        assert_eq!(allowed("~> 1.2.3", ALL), ["1.2.3", "1.2.9"]);
        assert_eq!(allowed("~> 1.0, != 1.0.1, < 1.2", ALL), ["1.0.0", "1.1.0"]);
        assert!(allowed(">= 3", ALL).is_empty());
    }

    #[test]
    fn prereleases_only_when_named_exactly() {
        assert_eq!(allowed(">= 1.3", ALL), ["1.3.0", "2.0.0", "2.1.0"]);
        assert_eq!(allowed(">= 2.0.0-beta1", ALL), ["2.0.0", "2.1.0"]);
        assert_eq!(allowed("2.0.0-beta1", ALL), ["2.0.0-beta1"]);
        assert_eq!(
            allowed("2.0.0-beta1, != 2.0.0-beta1", ALL),
            Vec::<String>::new()
        );
        assert_eq!(
            allowed("~> 2.0.0-beta1", &["2.0.0-beta1", "2.0.0-beta2", "2.0.5"]),
            ["2.0.5"]
        );
    }

    #[test]
    fn metadata_counts_only_for_equality() {
        let vs = &["1.0.0+a", "1.0.0"];
        assert_eq!(allowed("= 1.0.0+a", vs), ["1.0.0+a"]);
        assert_eq!(allowed("= 1.0.0", vs), ["1.0.0"]);
        assert_eq!(allowed(">= 1.0.0+b", vs), ["1.0.0+a", "1.0.0"]);
    }

    #[test]
    fn newest_allowed_is_chosen() {
        let vs: Vec<Version> = ALL.iter().map(|v| Version::parse(v).expect("v")).collect();
        let c = VersionConstraints::parse("~> 1.0").expect("valid");
        assert_eq!(c.newest(&vs).map(ToString::to_string), Some("1.3.0".into()));
        let none = VersionConstraints::parse("> 5").expect("valid");
        assert_eq!(none.newest(&vs), None);
    }

    #[test]
    fn canonical_text_is_terraforms() {
        let canon = |s: &str| VersionConstraints::parse(s).expect("valid").canonical();
        assert_eq!(canon("~> 5.0"), "~> 5.0");
        assert_eq!(canon("~> 5"), "~> 5.0");
        assert_eq!(canon("~> 5.1.0"), "~> 5.1.0");
        assert_eq!(canon("!= 5.1.2, ~> 5.0"), "~> 5.0, != 5.1.2");
        assert_eq!(canon("< 3, >= 2, >= 2.0.0"), ">= 2.0.0, < 3.0.0");
        assert_eq!(canon("= 1.2"), "1.2.0");
        assert_eq!(canon("1.0.0-beta"), "1.0.0-beta");
    }

    #[test]
    fn four_numbers_cannot_select() {
        let c = VersionConstraints::parse(">= 1.2.3.4").expect("go-version reads it");
        assert!(
            c.check_selectable()
                .is_err_and(|e| e.contains("more than three"))
        );
        assert!(
            VersionConstraints::parse("~> 1.2")
                .expect("valid")
                .check_selectable()
                .is_ok()
        );
    }
}
