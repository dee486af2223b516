//! `validate`'s checks of provider function calls,
//! `provider::NAME::FUNC(args)`, without contacting any provider: `NAME`
//! must be a built-in provider or a `required_providers` local name
//! (`function::unknown-provider`, as Terraform's "Unknown provider
//! function"); for a built-in provider the function must exist
//! (`function::unknown`, with a did-you-mean) and take that many
//! arguments (`function::arity`). A plugin's functions are known only
//! once it runs, at plan (like its resource types, `schemas.rs`).

use super::ParsedFile;
use crate::provider::{Providers, functions};
use infra_lang::ast::{Body, BodyItem, Expr, ExprKind};
use infra_lang::eval::Site;
use infra_lang::{Diagnostic, SourceFile};
use std::sync::Arc;

/// Diagnostics for every provider function call in `files` (one module).
pub fn check(files: &[ParsedFile], providers: &Providers) -> Vec<Diagnostic> {
    let (required, _) = super::settings::requirements(files);
    let plugins = super::schemas::plugin_names(&required, providers);
    let mut diags = Vec::new();
    for f in files {
        let mut c = Checker {
            source: &f.source,
            providers,
            plugins: &plugins,
            required: &required,
            diags: &mut diags,
        };
        c.body(&f.ast.body);
    }
    diags
}

struct Checker<'a> {
    source: &'a Arc<SourceFile>,
    providers: &'a Providers,
    plugins: &'a [&'a str],
    required: &'a [super::settings::RequiredProvider],
    diags: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    fn body(&mut self, body: &Body) {
        for item in &body.items {
            match item {
                BodyItem::Attribute(a) => self.expr(&a.expr),
                BodyItem::Block(b) => self.body(&b.body),
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        if let ExprKind::FunctionCall {
            name,
            args,
            expand_final,
        } = &e.kind
            && name.name.starts_with(functions::PREFIX)
        {
            let site = Site {
                source: self.source,
                span: e.span,
            };
            if let Some(problem) = self.problem(&name.name, args.len(), *expand_final) {
                let span = if problem.code == "function::arity" {
                    e.span
                } else {
                    name.span
                };
                self.diags.push(problem.at(&site, span));
            }
        }
        e.for_each_child(&mut |c| self.expr(c));
    }

    /// What is wrong with a call of `name` with `nargs` arguments (the
    /// last one expanded with `...` when `expand`).
    fn problem(&self, name: &str, nargs: usize, expand: bool) -> Option<functions::Problem> {
        let Some((local, func)) = functions::split_name(name) else {
            return Some(functions::Problem {
                code: "function::unknown",
                message: format!("`{name}` is not a provider function name"),
                label: "expected provider::NAME::FUNCTION".into(),
                help: "Provider functions are called as `provider::NAME::FUNCTION(...)`, NAME being a provider's local name.".into(),
            });
        };
        if self.plugins.contains(&local) {
            // A plugin's functions are known at plan.
            return None;
        }
        let Some(provider) = self.providers.get(local) else {
            let known = self
                .providers
                .iter()
                .map(|(n, _)| n.as_str())
                .chain(self.required.iter().map(|r| r.local_name.as_str()));
            return Some(functions::unknown_provider(name, local, known));
        };
        match functions::signature(provider.schema(), local, func) {
            Err(p) => Some(p),
            Ok(_) if expand => None,
            Ok(sig) => functions::arity(sig, name, nargs),
        }
    }
}
