//! Provider source addresses, `[HOSTNAME/]NAMESPACE/TYPE`, parsed and
//! normalized as Terraform does (`hashicorp/terraform-registry-address`
//! `ParseProviderSource`, `ParseProviderPart`; `internal/addrs/provider.go`
//! `ParseProviderSourceString`, which fills in the namespace of a bare
//! `TYPE` with `hashicorp`).

use std::fmt;

/// The registry host an address without a hostname belongs to.
pub const DEFAULT_HOST: &str = "registry.terraform.io";
/// The namespace of a bare `TYPE` (Terraform's default provider namespace).
pub const DEFAULT_NAMESPACE: &str = "hashicorp";

/// A provider's fully qualified source address: `registry.terraform.io/
/// hashicorp/aws`. Every part is lower case (Terraform compares them
/// case-insensitively and normalizes to lower case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderAddr {
    /// The registry host, `registry.terraform.io` when not written; may
    /// carry a `:port`.
    pub hostname: String,
    /// The namespace (organization), `hashicorp` when not written.
    pub namespace: String,
    /// The provider type, e.g. `aws`: executables are named
    /// `terraform-provider-TYPE`.
    pub type_name: String,
}

impl ProviderAddr {
    /// `TYPE` under the default host and namespace, as Terraform implies
    /// for a `required_providers` entry without `source`
    /// (`ImpliedProviderForUnqualifiedType`).
    pub fn implied(type_name: &str) -> ProviderAddr {
        ProviderAddr {
            hostname: DEFAULT_HOST.into(),
            namespace: DEFAULT_NAMESPACE.into(),
            type_name: type_name.to_ascii_lowercase(),
        }
    }

    /// Parses a source string: `TYPE`, `NAMESPACE/TYPE` or
    /// `HOSTNAME/NAMESPACE/TYPE`.
    ///
    /// # Errors
    /// A message saying what is wrong: the wrong number of parts, an empty
    /// part, a namespace or type that is not letters, digits and single
    /// dashes, an invalid hostname, the legacy namespace `-`, a type
    /// starting with `terraform-` (with Terraform's suggestion for
    /// `terraform-provider-NAME`).
    pub fn parse(source: &str) -> Result<ProviderAddr, String> {
        let parts: Vec<&str> = source.split('/').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(format!(
                "`{source}` is not a provider source: write `[HOSTNAME/]NAMESPACE/TYPE`, e.g. `hashicorp/aws`"
            ));
        }
        let given_type = parts[parts.len() - 1];
        let type_name = part(given_type)
            .map_err(|e| format!("invalid provider type `{given_type}` in `{source}`: {e}"))?;
        let namespace = match parts.len() {
            1 => DEFAULT_NAMESPACE.to_string(),
            n if parts[n - 2] == "-" => {
                return Err(format!(
                    "`{source}` uses the legacy namespace `-` of Terraform 0.12, which names no provider"
                ));
            }
            n => part(parts[n - 2]).map_err(|e| {
                format!(
                    "invalid provider namespace `{}` in `{source}`: {e}",
                    parts[n - 2]
                )
            })?,
        };
        let hostname = if parts.len() == 3 {
            hostname(parts[0])
                .map_err(|e| format!("invalid hostname `{}` in `{source}`: {e}", parts[0]))?
        } else {
            DEFAULT_HOST.to_string()
        };
        if let Some(rest) = type_name.strip_prefix("terraform-") {
            let mut msg = format!(
                "the provider type `{type_name}` in `{source}` starts with `terraform-`, which source addresses leave out"
            );
            if let Some(t) = rest.strip_prefix("provider-")
                && part(t).is_ok()
            {
                let suggested = ProviderAddr {
                    hostname: hostname.clone(),
                    namespace: namespace.clone(),
                    type_name: t.to_string(),
                };
                msg.push_str(&format!("; did you mean `{}`?", suggested.for_display()));
            }
            return Err(msg);
        }
        Ok(ProviderAddr {
            hostname,
            namespace,
            type_name,
        })
    }

    /// The short form Terraform shows: `hashicorp/aws`, or
    /// `example.com/ns/type` for another host.
    pub fn for_display(&self) -> String {
        if self.hostname == DEFAULT_HOST {
            format!("{}/{}", self.namespace, self.type_name)
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for ProviderAddr {
    /// The full form: `registry.terraform.io/hashicorp/aws`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.hostname, self.namespace, self.type_name)
    }
}

/// A namespace or type: letters, digits and dashes, no leading, trailing
/// or double dash, no dot; returned in lower case. (Terraform runs the
/// part through IDNA, which also admits non-ASCII letters; infra accepts
/// ASCII only.)
fn part(given: &str) -> Result<String, &'static str> {
    if given.is_empty() {
        return Err("it must have at least one character");
    }
    if given.contains('.') {
        return Err("dots are not allowed");
    }
    if given.contains("--") {
        return Err("consecutive dashes are not allowed");
    }
    if !given
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        || given.starts_with('-')
        || given.ends_with('-')
    {
        return Err(
            "it must contain only letters, digits and dashes, and may not start or end with a dash",
        );
    }
    Ok(given.to_ascii_lowercase())
}

/// A registry hostname: dot-separated labels of letters, digits and inner
/// dashes, optionally `:PORT`; returned in lower case (Terraform's
/// `svchost.ForComparison`, ASCII only).
fn hostname(given: &str) -> Result<String, &'static str> {
    let (host, port) = match given.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (given, None),
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.parse::<u16>().is_err())
    {
        return Err("the port must be a number below 65536");
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
        return Err("a hostname is labels of letters, digits and dashes separated by dots");
    }
    Ok(given.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(s: &str) -> String {
        ProviderAddr::parse(s)
            .map(|a| a.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn defaults_fill_in_host_and_namespace() {
        assert_eq!(full("aws"), "registry.terraform.io/hashicorp/aws");
        assert_eq!(full("hashicorp/aws"), "registry.terraform.io/hashicorp/aws");
        assert_eq!(
            full("integrations/github"),
            "registry.terraform.io/integrations/github"
        );
        assert_eq!(full("example.com/test/demo"), "example.com/test/demo");
        assert_eq!(full("localhost:8080/test/demo"), "localhost:8080/test/demo");
    }

    #[test]
    fn parts_are_normalized_to_lower_case() {
        let a = ProviderAddr::parse("Registry.Terraform.IO/HashiCorp/AWS").expect("valid");
        assert_eq!(a, ProviderAddr::implied("aws"));
        assert_eq!(a.for_display(), "hashicorp/aws");
        let b = ProviderAddr::parse("example.com/test/demo").expect("valid");
        assert_eq!(b.for_display(), "example.com/test/demo");
    }

    #[test]
    fn malformed_addresses_are_refused_with_the_reason() {
        for (given, says) in [
            ("", "is not a provider source"),
            ("a/b/c/d", "is not a provider source"),
            ("hashicorp//aws", "is not a provider source"),
            ("hashicorp/", "is not a provider source"),
            ("hashicorp/a.b", "dots are not allowed"),
            ("hashi--corp/aws", "consecutive dashes"),
            ("-x/aws", "may not start or end with a dash"),
            ("hashicorp/aws_v2", "only letters, digits and dashes"),
            ("bad_host/ns/t", "invalid hostname"),
            ("host:99999/ns/t", "port"),
            ("-/aws", "legacy namespace"),
            ("hashicorp/terraform-thing", "starts with `terraform-`"),
        ] {
            let e = full(given);
            assert!(
                e.starts_with("error:") && e.contains(says),
                "{given:?}: {e}"
            );
        }
        assert!(full("hashicorp/terraform-provider-aws").contains("did you mean `hashicorp/aws`?"));
    }
}
