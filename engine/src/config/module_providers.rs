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

/// The word whose absence lets a child module go unparsed.
const WORD: &[u8] = b"configuration_aliases";

/// Diagnostics for the module calls of `files` (the module in `dir`).
pub fn check(dir: &Path, files: &[ParsedFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for f in files {
        for b in f.ast.body.blocks().filter(|b| b.kind.name == "module") {
            let d = decl::module_call(b);
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
            let passed = passed_keys(&f.source, d.providers);
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

/// The keys of `providers = { KEY = VALUE, ... }` as written (whitespace
/// removed: `aws.west`), with their spans.
fn passed_keys(
    src: &SourceFile,
    providers: Option<&infra_lang::ast::Attribute>,
) -> Vec<(String, infra_lang::Span)> {
    let Some(ExprKind::Object(items)) = providers.map(|a| &a.expr.kind) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|i| {
            let key: String = src
                .slice(i.key.span)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            (key, i.key.span)
        })
        .collect()
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
