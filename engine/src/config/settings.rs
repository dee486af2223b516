//! The settings block, `terraform { ... }` or `infra { ... }`: its
//! `required_providers` lowered into typed [`RequiredProvider`]s, checked
//! as Terraform checks them (`internal/configs/provider_requirements.go`),
//! `required_version` checked against the Terraform version infra matches,
//! and every other setting Terraform allows either checked and reported as
//! ignored (`experiments`, `language`, `provider_meta`) or refused (`cloud`, `state_store`: where
//! state lives must not be silently different from what the file says); a
//! `backend` block here is read as a top-level one (`eval/backend.rs`).
//! Unknown arguments and blocks are reported by the block-type table
//! (`blocks.rs`).

use super::index::literal_string as literal;
use super::{ParsedFile, meta};
use crate::plugins::address::ProviderAddr;
use crate::plugins::constraint::VersionConstraints;
use infra_lang::ast::{Attribute, Block, BodyItem, Expr, ExprKind};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::{Diagnostic, SourceFile, Span};
use std::sync::Arc;

/// One entry of `required_providers`: `NAME = { source = "...", version =
/// "...", configuration_aliases = [NAME.ALIAS] }` (or the older `NAME =
/// "VERSION"`). Mirrors Terraform's `configs.RequiredProvider`.
#[derive(Clone, Debug)]
pub struct RequiredProvider {
    /// The local name: the prefix of the resource types it serves
    /// (`aws` for `aws_s3_bucket`) and the name of `provider` blocks.
    pub local_name: String,
    /// `source`, parsed and normalized; `None` when not written.
    pub source: Option<ProviderAddr>,
    /// `version`, parsed; `None` when not written.
    pub version: Option<VersionConstraints>,
    /// `configuration_aliases`, as `NAME.ALIAS`.
    pub configuration_aliases: Vec<String>,
    /// The file declaring it.
    pub file: Arc<SourceFile>,
    /// The span of the local name.
    pub name_span: Span,
    /// The span of the `source` value (else of the entry's value), where
    /// diagnostics about the provider's source point.
    pub source_span: Span,
}

/// The `required_providers` entries of every settings block of `files`,
/// with the diagnostics of the settings blocks: malformed entries,
/// sources and constraints (errors pointing at the value), a local name
/// required twice, and the settings infra ignores (warnings) or refuses.
/// Entries with errors are left out.
pub fn requirements(files: &[ParsedFile]) -> (Vec<RequiredProvider>, Vec<Diagnostic>) {
    let mut out: Vec<RequiredProvider> = Vec::new();
    // The `encryption` block's structure (its values are evaluated when a
    // command reads or writes state).
    let mut diags = crate::eval::encryption_spec(files).1;
    for f in files {
        for b in f.ast.body.blocks() {
            if meta::SETTINGS_KEYWORDS.contains(&b.kind.name.as_str()) && b.labels.is_empty() {
                settings_block(&f.source, b, &mut out, &mut diags);
            }
        }
    }
    (out, diags)
}

/// `settings::required-version` when `required_version` (`text`, parsed
/// as `c`) does not allow the Terraform version whose language and state
/// infra matches ([`crate::state::terraform::COMPATIBLE_TERRAFORM_VERSION`]),
/// as Terraform refuses a configuration its own version does not meet.
fn required_version(
    src: &Arc<SourceFile>,
    span: Span,
    c: &VersionConstraints,
    text: &str,
) -> Option<Diagnostic> {
    let claimed = crate::state::terraform::COMPATIBLE_TERRAFORM_VERSION;
    let v = semver::Version::parse(claimed).ok()?;
    if c.allows(&v) {
        return None;
    }
    Some(
        Diagnostic::error(
            "settings::required-version",
            format!("`required_version = \"{text}\"` does not allow Terraform {claimed}, the version whose language and state infra matches"),
        )
        .in_file(src)
        .primary(span, "not met")
        .with_help(format!("Check the configuration against Terraform {claimed} (docs/migrating-from-terraform.md), then widen the constraint to allow it.")),
    )
}

fn settings_block(
    src: &Arc<SourceFile>,
    b: &Block,
    out: &mut Vec<RequiredProvider>,
    diags: &mut Vec<Diagnostic>,
) {
    let ignored = |span: Span, what: &str, why: &str| {
        Diagnostic::warning("block::ignored", format!("{what} is ignored by infra"))
            .in_file(src)
            .primary(span, "ignored")
            .with_help(why.to_string())
    };
    for item in &b.body.items {
        match item {
            BodyItem::Attribute(a) => match a.name.name.as_str() {
                meta::REQUIRED_VERSION => {
                    match literal(&a.expr).map(|t| (VersionConstraints::parse(&t), t)) {
                        Some((Err(e), _)) => diags.push(invalid_version(src, a.expr.span, e)),
                        Some((Ok(c), text)) => {
                            if let Some(d) = required_version(src, a.expr.span, &c, &text) {
                                diags.push(d);
                            }
                        }
                        None => diags.push(ignored(a.name.span, "`required_version`", "It is not a literal string, so infra cannot check it against the Terraform version it matches.")),
                    }
                }
                // Named in the one `config::unsupported` warning.
                meta::EXPERIMENTS | meta::LANGUAGE => {}
                _ => {} // unknown arguments: reported by blocks.rs
            },
            BodyItem::Block(nb) => match nb.kind.name.as_str() {
                meta::REQUIRED_PROVIDERS => required_providers(src, nb, out, diags),
                // Named in the one `config::unsupported` warning.
                meta::PROVIDER_META => {}
                // Read as a top-level `backend` block is (eval/backend.rs).
                meta::BACKEND => {}
                meta::CLOUD | meta::STATE_STORE => diags.push(
                    Diagnostic::error("settings::unsupported", format!("`{}` is not supported by infra", nb.kind.name))
                        .in_file(src)
                        .primary(nb.kind.span, "not supported")
                        .with_help("Store state with a top-level `backend \"local\"` or `backend \"s3\"` block (docs/state.md)."),
                ),
                _ => {} // unknown blocks: reported by blocks.rs
            },
        }
    }
}

fn invalid_version(src: &Arc<SourceFile>, span: Span, e: String) -> Diagnostic {
    Diagnostic::error("settings::invalid-version", "invalid version constraint")
        .in_file(src)
        .primary(span, e)
        .with_help("For example `version = \"~> 5.0\"` (5.0 up to, not including, 6.0) or `\">= 1.2, < 2.0\"`.")
}

fn invalid(
    src: &Arc<SourceFile>,
    span: Span,
    message: String,
    label: &str,
    help: &str,
) -> Diagnostic {
    Diagnostic::error("settings::invalid-requirement", message)
        .in_file(src)
        .primary(span, label.to_string())
        .with_help(help.to_string())
}

const ENTRY_HELP: &str =
    "Write `NAME = { source = \"NAMESPACE/TYPE\", version = \"~> 1.0\" }` (docs/providers.md).";

fn required_providers(
    src: &Arc<SourceFile>,
    b: &Block,
    out: &mut Vec<RequiredProvider>,
    diags: &mut Vec<Diagnostic>,
) {
    for item in &b.body.items {
        match item {
            BodyItem::Block(nb) => diags.push(invalid(
                src,
                nb.kind.span,
                format!(
                    "unexpected `{}` block in `required_providers`",
                    nb.kind.name
                ),
                "not an entry",
                ENTRY_HELP,
            )),
            BodyItem::Attribute(a) => {
                if let Some(rp) = entry(src, a, diags) {
                    if let Some(prev) = out.iter().find(|p| p.local_name == rp.local_name) {
                        let at = prev.file.line_col(prev.name_span.start);
                        diags.push(
                            Diagnostic::error(
                                "duplicate::declaration",
                                format!("provider `{}` is required more than once", rp.local_name),
                            )
                            .in_file(src)
                            .primary(a.name.span, "required again here")
                            .with_help(format!(
                                "It is first required in {} at line {}; keep one entry per local name.",
                                prev.file.path(),
                                at.line
                            )),
                        );
                        continue;
                    }
                    out.push(rp);
                }
            }
        }
    }
}

/// Lowers one `required_providers` entry; `None` when it has errors
/// (pushed to `diags`).
fn entry(
    src: &Arc<SourceFile>,
    a: &Attribute,
    diags: &mut Vec<Diagnostic>,
) -> Option<RequiredProvider> {
    let name = a.name.name.as_str();
    let errors_before = diags.iter().filter(|d| d.is_error()).count();
    match ProviderAddr::parse(name) {
        Ok(p) if p.type_name == name => {}
        Ok(p) => diags.push(invalid(
            src,
            a.name.span,
            format!("provider local name `{name}` must be in lower case"),
            "not normalized",
            &format!("Write `{}`.", p.type_name),
        )),
        Err(_) => diags.push(invalid(
            src,
            a.name.span,
            format!("`{name}` is not a provider local name"),
            "not a provider name",
            "A local name is letters, digits and single dashes, e.g. `aws` or `google-beta`.",
        )),
    }
    let mut rp = RequiredProvider {
        local_name: name.to_string(),
        source: None,
        version: None,
        configuration_aliases: Vec::new(),
        file: src.clone(),
        name_span: a.name.span,
        source_span: a.expr.span,
    };
    match &a.expr.kind {
        // The older form: `NAME = "VERSION"`.
        ExprKind::Template(t) => match t.as_literal() {
            Some(v) => match VersionConstraints::parse(&v) {
                Ok(c) => rp.version = Some(c),
                Err(e) => diags.push(invalid_version(src, a.expr.span, e)),
            },
            None => diags.push(not_literal(src, a.expr.span, "the version")),
        },
        ExprKind::Object(items) => {
            for item in items {
                let key = match &item.key.kind {
                    ExprKind::Variable(id) => Some(id.name.clone()),
                    _ => literal(&item.key),
                };
                let value = &item.value;
                match key.as_deref() {
                    Some(meta::SOURCE) => match literal(value) {
                        Some(s) => match ProviderAddr::parse(&s) {
                            Ok(addr) => {
                                rp.source = Some(addr);
                                rp.source_span = value.span;
                            }
                            Err(e) => diags.push(
                                Diagnostic::error("settings::invalid-source", "invalid provider source address")
                                    .in_file(src)
                                    .primary(value.span, e)
                                    .with_help("A source is `[HOSTNAME/]NAMESPACE/TYPE`, e.g. `hashicorp/aws` (host registry.terraform.io) or `example.com/acme/thing`."),
                            ),
                        },
                        None => diags.push(not_literal(src, value.span, "`source`")),
                    },
                    Some(meta::VERSION) => match literal(value) {
                        Some(v) => match VersionConstraints::parse(&v) {
                            Ok(c) => rp.version = Some(c),
                            Err(e) => diags.push(invalid_version(src, value.span, e)),
                        },
                        None => diags.push(not_literal(src, value.span, "`version`")),
                    },
                    Some(meta::CONFIGURATION_ALIASES) => aliases(src, name, value, &mut rp, diags),
                    _ => {
                        let help = match key.as_deref().and_then(|k| did_you_mean(k, meta::REQUIREMENT_ARGS.iter().copied())) {
                            Some(s) => format!("Did you mean `{s}`? Provider settings such as `region` go in a `provider \"{name}\"` block."),
                            None => format!("An entry takes only `source`, `version` and `configuration_aliases`; provider settings go in a `provider \"{name}\"` block."),
                        };
                        diags.push(invalid(
                            src,
                            item.key.span,
                            "unexpected key in a `required_providers` entry".into(),
                            "not `source`, `version` or `configuration_aliases`",
                            &help,
                        ));
                    }
                }
            }
        }
        _ => diags.push(invalid(
            src,
            a.expr.span,
            format!("the entry for provider `{name}` must be an object"),
            "not `{ source = ..., version = ... }`",
            ENTRY_HELP,
        )),
    }
    let errors_after = diags.iter().filter(|d| d.is_error()).count();
    (errors_after == errors_before).then_some(rp)
}

fn not_literal(src: &Arc<SourceFile>, span: Span, what: &str) -> Diagnostic {
    invalid(
        src,
        span,
        format!("{what} of a required provider must be a literal string"),
        "not a quoted string",
        "`required_providers` is read before anything is evaluated: no variables, locals or functions.",
    )
}

/// `configuration_aliases = [NAME.ALIAS, ...]`, each prefixed with the
/// entry's own local name.
fn aliases(
    src: &Arc<SourceFile>,
    name: &str,
    value: &Expr,
    rp: &mut RequiredProvider,
    diags: &mut Vec<Diagnostic>,
) {
    let ExprKind::Tuple(items) = &value.kind else {
        diags.push(invalid(
            src,
            value.span,
            "`configuration_aliases` must be a list".into(),
            "not a list",
            &format!("Write `configuration_aliases = [{name}.ALIAS]`."),
        ));
        return;
    };
    for e in items {
        match &e.kind {
            ExprKind::GetAttr {
                object,
                name: alias,
            } if matches!(&object.kind, ExprKind::Variable(v) if v.name == name) => {
                rp.configuration_aliases
                    .push(format!("{name}.{}", alias.name));
            }
            _ => diags.push(invalid(
                src,
                e.span,
                "invalid `configuration_aliases` value".into(),
                &format!("not `{name}.ALIAS`"),
                &format!(
                    "Each alias is the provider's local name and an alias name: `{name}.west`."
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::syntax;

    fn run(text: &str) -> (Vec<RequiredProvider>, Vec<Diagnostic>) {
        let source = SourceFile::new("t.infra", text.to_string());
        let ast = syntax::parse(&source).file.expect("parses");
        requirements(&[ParsedFile { source, ast }])
    }

    #[test]
    fn entries_are_lowered_with_defaults_filled_in() {
        let (reqs, diags) = run(
            "infra {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \"~> 5.0\", configuration_aliases = [aws.west] }\n    demo = { source = \"example.com/test/demo\" }\n    null = \"~> 3.0\"\n  }\n}\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[0].local_name, "aws");
        assert_eq!(
            reqs[0].source.as_ref().map(ToString::to_string).as_deref(),
            Some("registry.terraform.io/hashicorp/aws")
        );
        assert_eq!(
            reqs[0].version.as_ref().map(ToString::to_string).as_deref(),
            Some("~> 5.0")
        );
        assert_eq!(reqs[0].configuration_aliases, vec!["aws.west".to_string()]);
        assert_eq!(
            reqs[1].source.as_ref().map(|s| s.hostname.as_str()),
            Some("example.com")
        );
        assert!(reqs[2].source.is_none() && reqs[2].version.is_some());
    }

    #[test]
    fn bad_entries_are_reported_and_left_out() {
        let (reqs, diags) = run(
            "terraform {\n  required_providers {\n    a = { source = \"x//y\" }\n    b = { version = \"latest\" }\n    c = { sauce = \"x/c\" }\n    d = { configuration_aliases = [e.west] }\n    e = 3\n  }\n}\n",
        );
        assert!(reqs.is_empty());
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "settings::invalid-source",
                "settings::invalid-version",
                "settings::invalid-requirement",
                "settings::invalid-requirement",
                "settings::invalid-requirement"
            ]
        );
    }
}
