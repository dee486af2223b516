//! Version constraints of `required_providers` (`version = "~> 5.0, !=
//! 5.1.2"`), parsed and kept as data: choosing a version is the
//! installer's job. Mirrors the syntax of `hashicorp/go-version`
//! `NewConstraint`, which Terraform uses for them
//! (`internal/configs/provider_requirements.go`): comma-separated
//! constraints, each an optional operator (`=`, `!=`, `>`, `>=`, `<`,
//! `<=`, `~>`; none means `=`) and a version `[v]N[.N...][-PRE][+META]`.

use std::fmt;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=` (also written as no operator).
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `~>`: at least the version, below the next increment of its
    /// second-to-last written segment (`~> 1.2` = `>= 1.2, < 2.0`).
    Pessimistic,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Pessimistic => "~>",
        }
    }
}

/// A version as written in a constraint: its numeric segments (as many as
/// written, which matters to `~>`), pre-release and build metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// `[1, 2]` for `1.2`.
    pub segments: Vec<u64>,
    /// `beta1` for `1.0.0-beta1`.
    pub prerelease: Option<String>,
    /// `abc` for `1.0.0+abc`.
    pub metadata: Option<String>,
}

/// One constraint: an operator and a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    /// The operator.
    pub op: Op,
    /// The version it compares with.
    pub version: Version,
}

/// A version constraint string: every constraint must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionConstraints(pub Vec<Constraint>);

impl VersionConstraints {
    /// Parses `text`.
    ///
    /// # Errors
    /// A message naming the first malformed constraint (an empty string
    /// is malformed, as in go-version).
    pub fn parse(text: &str) -> Result<VersionConstraints, String> {
        text.split(',')
            .map(|c| {
                constraint(c).ok_or_else(|| {
                    format!(
                        "`{}` is not a version constraint: write an operator (=, !=, >, >=, <, <=, ~>) and a version like `5.0` or `1.2.3-beta`, several separated by commas",
                        c.trim()
                    )
                })
            })
            .collect::<Result<_, _>>()
            .map(VersionConstraints)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{s}")?;
        }
        if let Some(p) = &self.prerelease {
            write!(f, "-{p}")?;
        }
        if let Some(m) = &self.metadata {
            write!(f, "+{m}")?;
        }
        Ok(())
    }
}

impl fmt::Display for VersionConstraints {
    /// The normalized text: `~> 5.0, != 5.1.2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {}", c.op.as_str(), c.version)?;
        }
        Ok(())
    }
}

fn constraint(text: &str) -> Option<Constraint> {
    let t = text.trim();
    let (op, rest) = [
        ("~>", Op::Pessimistic),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ]
    .into_iter()
    .find_map(|(s, op)| t.strip_prefix(s).map(|r| (op, r)))
    .unwrap_or((Op::Eq, t));
    Some(Constraint {
        op,
        version: version(rest.trim_start())?,
    })
}

/// Identifiers of a pre-release or build: non-empty dot-separated runs of
/// letters, digits, `-` and `~`.
fn identifiers(s: &str) -> bool {
    s.split('.').all(|i| {
        !i.is_empty()
            && i.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'~')
    })
}

fn version(text: &str) -> Option<Version> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let (rest, metadata) = match text.split_once('+') {
        Some((r, m)) if identifiers(m) => (r, Some(m.to_string())),
        Some(_) => return None,
        None => (text, None),
    };
    // The numeric part ends at the first character that is neither a
    // digit nor a dot; what follows is the pre-release, with or without
    // a leading `-` (`1.0-beta`, `1.0beta`).
    let end = rest
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(rest.len());
    let (numbers, pre) = rest.split_at(end);
    let segments = numbers
        .split('.')
        .map(|s| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                s.parse::<u64>().ok()
            }
        })
        .collect::<Option<Vec<u64>>>()?;
    let prerelease = match pre {
        "" => None,
        p => {
            let p = p.strip_prefix('-').unwrap_or(p);
            if !identifiers(p) {
                return None;
            }
            Some(p.to_string())
        }
    };
    Some(Version {
        segments,
        prerelease,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        VersionConstraints::parse(s)
            .map(|c| c.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn every_operator_and_list_parses() {
        assert_eq!(norm("~> 5.0"), "~> 5.0");
        assert_eq!(norm(">=1.2.3,<2"), ">= 1.2.3, < 2");
        assert_eq!(
            norm(" = 1.0 , != 1.0.1 , > 0.9 , <= 3"),
            "= 1.0, != 1.0.1, > 0.9, <= 3"
        );
        assert_eq!(norm("1.2.3"), "= 1.2.3");
        assert_eq!(norm("v1.2.3-beta.1+build.5"), "= 1.2.3-beta.1+build.5");
        assert_eq!(norm(">= 1.0beta"), ">= 1.0-beta");
        let c = VersionConstraints::parse("~> 1.2").expect("valid");
        assert_eq!(c.0[0].op, Op::Pessimistic);
        assert_eq!(c.0[0].version.segments, vec![1, 2]);
    }

    #[test]
    fn malformed_constraints_name_the_bad_part() {
        for bad in [
            "",
            "~>",
            ">= 1.0,",
            "=> 1.0",
            "1..2",
            "latest",
            "~> 5.x",
            "1.0-",
            "1.0+",
            "99999999999999999999",
        ] {
            let e = norm(bad);
            assert!(e.starts_with("error:"), "{bad:?} parsed as {e}");
        }
        assert!(norm("~> 5.0, >= x").contains("`>= x` is not a version constraint"));
    }
}
