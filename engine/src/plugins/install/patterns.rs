//! `include`/`exclude` patterns of an installation method: `HOST/NS/TYPE`
//! or `NS/TYPE` (on the default registry host), each part a literal or
//! `*` (Terraform's `ParseMultiSourceMatchingPatterns` and
//! `MultiSourceSelector.CanHandleProvider` in
//! `internal/getproviders/multi_source.go`).

use crate::plugins::address::{DEFAULT_HOST, ProviderAddr};

/// One pattern; `None` parts are `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    host: Option<String>,
    namespace: Option<String>,
    type_name: Option<String>,
}

impl Pattern {
    /// Parses one pattern.
    ///
    /// # Errors
    /// A message, as Terraform's: not two or three parts, or a wildcard
    /// left of a literal part (`*/aws`, `*/hashicorp/*`).
    pub fn parse(s: &str) -> Result<Pattern, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let (host, ns, ty) = match parts.as_slice() {
            [ns, ty] => (DEFAULT_HOST, *ns, *ty),
            [h, ns, ty] => (*h, *ns, *ty),
            _ => {
                return Err(format!(
                    "invalid provider matching pattern \"{s}\": must have either two or three slash-separated segments"
                ));
            }
        };
        let part = |p: &str| (p != "*").then(|| p.to_ascii_lowercase());
        let pattern = Pattern {
            host: part(host),
            namespace: part(ns),
            type_name: part(ty),
        };
        if [&pattern.host, &pattern.namespace, &pattern.type_name]
            .iter()
            .any(|p| p.as_ref().is_some_and(|p| p.is_empty()))
        {
            return Err(format!(
                "invalid provider matching pattern \"{s}\": a segment is empty"
            ));
        }
        if pattern.host.is_none() && (pattern.namespace.is_some() || pattern.type_name.is_some()) {
            return Err(format!(
                "invalid provider matching pattern \"{s}\": hostname can be a wildcard only if both namespace and provider type are also wildcards"
            ));
        }
        if pattern.namespace.is_none() && pattern.type_name.is_some() {
            return Err(format!(
                "invalid provider matching pattern \"{s}\": namespace can be a wildcard only if the provider type is also a wildcard"
            ));
        }
        Ok(pattern)
    }

    /// Whether `addr` matches.
    pub fn matches(&self, addr: &ProviderAddr) -> bool {
        let eq = |p: &Option<String>, v: &str| p.as_deref().is_none_or(|p| p == v);
        eq(&self.host, &addr.hostname)
            && eq(&self.namespace, &addr.namespace)
            && eq(&self.type_name, &addr.type_name)
    }
}

/// The providers an installation method serves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    /// Served only when one matches (all when empty).
    pub include: Vec<Pattern>,
    /// Never served when one matches.
    pub exclude: Vec<Pattern>,
    /// Never served (the providers of the implied local mirrors, for the
    /// implied `direct`).
    pub exclude_exact: Vec<ProviderAddr>,
}

impl Selector {
    /// Parses `include` and `exclude` lists.
    ///
    /// # Errors
    /// The first malformed pattern.
    pub fn parse(include: &[String], exclude: &[String]) -> Result<Selector, String> {
        let all = |v: &[String]| {
            v.iter()
                .map(|s| Pattern::parse(s))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Selector {
            include: all(include)?,
            exclude: all(exclude)?,
            exclude_exact: Vec::new(),
        })
    }

    /// Whether the method serves `addr`.
    pub fn serves(&self, addr: &ProviderAddr) -> bool {
        !self.exclude.iter().any(|p| p.matches(addr))
            && !self.exclude_exact.contains(addr)
            && (self.include.is_empty() || self.include.iter().any(|p| p.matches(addr)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> ProviderAddr {
        ProviderAddr::parse(s).expect("addr")
    }

    #[test]
    fn patterns_match_as_terraforms() {
        let s = Selector::parse(
            &["example.com/*/*".into(), "hashicorp/aws".into()],
            &["example.com/bad/*".into()],
        )
        .expect("valid");
        assert!(s.serves(&addr("example.com/test/demo")));
        assert!(s.serves(&addr("hashicorp/aws")));
        assert!(!s.serves(&addr("hashicorp/null")));
        assert!(!s.serves(&addr("example.com/bad/x")));
        assert!(Selector::default().serves(&addr("a/b")));
        assert!(
            Pattern::parse("*/*/*")
                .expect("all")
                .matches(&addr("x.y/a/b"))
        );
        for bad in [
            "aws",
            "a/b/c/d",
            "*/aws",
            "*/hashicorp/*",
            "example.com/*/aws",
            "a//b",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }
}
