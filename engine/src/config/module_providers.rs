//! A module call's `providers = { ... }` against the child module's
//! `required_providers`, as Terraform checks them
//! (`internal/configs/module_call.go`, `provider_validation.go`): every
//! `configuration_aliases` entry of the child (`aws.west`) must be passed
//! by the caller (`provider::missing-alias`, Terraform's "Missing required
//! provider configuration"); a key the child does not declare, neither as
//! a local name nor as a configuration alias, is a warning
//! (`provider::undeclared-passed`, Terraform's "Reference to undefined
//! provider"). Child modules are read only for calls whose `source` is a
//! literal relative path and only when one of their files mentions
//! `configuration_aliases`.

use super::settings::requirements;
use super::{ParsedFile, decl, load_dir, module_files};
use infra_lang::ast::ExprKind;
use infra_lang::diagnostic::has_errors;
use infra_lang::{Diagnostic, SourceFile};
use std::path::Path;
use std::sync::Arc;

/// The word whose absence lets a child module go unparsed.
const WORD: &[u8] = b"configuration_aliases";

/// Diagnostics for the module calls of `files` (the module in `dir`).
pub fn check(dir: &Path, files: &[ParsedFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let own = declared_configurations(files);
    for f in files {
        for b in f.ast.body.blocks().filter(|b| b.kind.name == "module") {
            let d = decl::module_call(b);
            let passed = match passed_providers(&f.source, d.providers) {
                Ok(p) => p,
                Err(e) => {
                    diags.extend(e);
                    continue;
                }
            };
            for p in passed.iter().filter(|p| p.value.contains('.')) {
                if !own.contains(&p.value) {
                    let (name, alias) = p.value.split_once('.').unwrap_or((&p.value, ""));
                    diags.push(
                        Diagnostic::error(
                            "provider::undeclared-configuration",
                            format!("provider configuration `{}` is not declared in this module", p.value),
                        )
                        .in_file(&f.source)
                        .primary(p.value_span, "no such provider configuration")
                        .with_help(format!(
                            "Declare it with `provider \"{name}\" {{ alias = \"{alias}\" ... }}` in the root module, or receive it from the caller with `configuration_aliases = [{}]`.",
                            p.value
                        )),
                    );
                }
            }
            let (Some(label), Some(source)) = (b.labels.first(), d.source) else {
                continue;
            };
            let ExprKind::Template(t) = &source.expr.kind else {
                continue;
            };
            let Some(child) = t.as_literal().and_then(|s| child_files(dir, &s)) else {
                continue;
            };
            let (required, _) = requirements(&child);
            let passed: Vec<(String, infra_lang::Span)> =
                passed.into_iter().map(|p| (p.key, p.key_span)).collect();
            for r in &required {
                for alias in &r.configuration_aliases {
                    if passed.iter().any(|(k, _)| k == alias) {
                        continue;
                    }
                    diags.push(
                        Diagnostic::error(
                            "provider::missing-alias",
                            format!(
                                "module `{}` needs the provider configuration `{alias}`, which this call does not pass",
                                label.value
                            ),
                        )
                        .in_file(&f.source)
                        .primary(label.span, format!("no `{alias}` in `providers`"))
                        .with_help(format!(
                            "The module declares `configuration_aliases = [{alias}]` in its `required_providers`: choose the configuration it gets with `providers = {{ {alias} = {local}.NAME }}`, NAME being the `alias` of a `provider \"{local}\"` block here.",
                            local = r.local_name
                        )),
                    );
                }
            }
            for (key, span) in &passed {
                let declared = match key.split_once('.') {
                    None => required.iter().any(|r| r.local_name == *key),
                    Some(_) => required
                        .iter()
                        .any(|r| r.configuration_aliases.iter().any(|a| a == key)),
                };
                if !declared {
                    diags.push(
                        Diagnostic::warning(
                            "provider::undeclared-passed",
                            format!(
                                "module `{}` declares no provider configuration `{key}`",
                                label.value
                            ),
                        )
                        .in_file(&f.source)
                        .primary(*span, "not declared by the module")
                        .with_help(format!(
                            "The module's `required_providers` has no {}; it cannot use what is passed here. Remove the entry, or declare it in the module.",
                            if key.contains('.') {
                                format!("`configuration_aliases` entry `{key}`")
                            } else {
                                format!("entry `{key}`")
                            }
                        )),
                    );
                }
            }
        }
    }
    diags
}

/// One entry `KEY = VALUE` of a module call's `providers` map, both as
/// written with whitespace removed: `aws.west = aws.usw2` passes the
/// caller's configuration `aws.usw2` as the child's `aws.west`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassedProvider {
    /// The child's configuration address (`NAME` or `NAME.ALIAS`).
    pub key: String,
    /// Where the key is written.
    pub key_span: infra_lang::Span,
    /// The caller's configuration address (`NAME` or `NAME.ALIAS`).
    pub value: String,
    /// Where the value is written.
    pub value_span: infra_lang::Span,
}

/// The entries of `providers = { KEY = VALUE, ... }`, mirroring
/// Terraform's `ModuleCall.Providers` (`internal/configs/module_call.go`).
///
/// # Errors
/// `module::invalid-providers` for a value that is not an object of
/// `NAME` / `NAME.ALIAS` references, one per bad entry.
pub fn passed_providers(
    src: &Arc<SourceFile>,
    providers: Option<&infra_lang::ast::Attribute>,
) -> Result<Vec<PassedProvider>, Vec<Diagnostic>> {
    let Some(attr) = providers else {
        return Ok(Vec::new());
    };
    let invalid = |span, label: &str| {
        Diagnostic::error(
            "module::invalid-providers",
            "`providers` must map provider configurations to provider configurations",
        )
        .in_file(src)
        .primary(span, label)
        .with_help("Write `providers = { aws = aws.west, aws.east = aws.usw2 }`: each key and value is a provider name, or a name and an alias, without quotes.")
    };
    let ExprKind::Object(items) = &attr.expr.kind else {
        return Err(vec![invalid(attr.expr.span, "not an object")]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for i in items {
        let key = config_address(src, i.key.span);
        let value = config_address(src, i.value.span);
        match (key, value) {
            (Some(key), Some(value)) => out.push(PassedProvider {
                key,
                key_span: i.key.span,
                value,
                value_span: i.value.span,
            }),
            (None, _) => errors.push(invalid(i.key.span, "not `NAME` or `NAME.ALIAS`")),
            (_, None) => errors.push(invalid(i.value.span, "not `NAME` or `NAME.ALIAS`")),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The provider configuration address written at `span` (whitespace
/// removed), when it is `NAME` or `NAME.ALIAS`.
fn config_address(src: &SourceFile, span: infra_lang::Span) -> Option<String> {
    let text: String = src
        .slice(span)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    is_configuration_address(&text).then_some(text)
}

/// True for a provider configuration address: `NAME` or `NAME.ALIAS`,
/// each an identifier (letters, digits, `_`, `-`; not starting with a
/// digit or `-`).
pub fn is_configuration_address(text: &str) -> bool {
    let name_ok = |n: &str| {
        n.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    match text.split_once('.') {
        Some((n, a)) => name_ok(n) && name_ok(a),
        None => name_ok(text),
    }
}

/// The aliased provider configurations (`aws.west`) a module may use:
/// its `provider` blocks with an `alias`, and its `configuration_aliases`.
fn declared_configurations(files: &[ParsedFile]) -> Vec<String> {
    let (required, _) = requirements(files);
    let mut out: Vec<String> = required
        .into_iter()
        .flat_map(|r| r.configuration_aliases)
        .collect();
    for f in files {
        for b in f.ast.body.blocks().filter(|b| b.kind.name == "provider") {
            let (Some(name), Some(alias)) =
                (b.labels.first(), b.body.attribute(super::meta::ALIAS))
            else {
                continue;
            };
            if let ExprKind::Template(t) = &alias.expr.kind
                && let Some(a) = t.as_literal()
            {
                out.push(format!("{}.{a}", name.value));
            }
        }
    }
    out
}

/// The parsed files of the module at the relative path `source` under
/// `dir`, when one of them mentions `configuration_aliases` and all parse.
fn child_files(dir: &Path, source: &str) -> Option<Vec<ParsedFile>> {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return None;
    }
    let child = dir.join(source);
    let relevant = module_files(&child)
        .ok()?
        .iter()
        .any(|p| std::fs::read(p).is_ok_and(|bytes| bytes.windows(WORD.len()).any(|w| w == WORD)));
    if !relevant {
        return None;
    }
    let (files, diags) = load_dir(&child);
    (!has_errors(&diags)).then_some(files)
}
