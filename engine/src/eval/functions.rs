//! Function calls: user functions declared with `function` blocks (typed
//! parameters, pure, recursion reported with the call path), the
//! built-in functions of the standard library, and provider functions
//! (`provider::NAME::FUNC`).

use super::instance::{ModuleInstance, upstream};
use crate::provider::functions;
use infra_lang::ast::{ExprKind, Ident};
use infra_lang::eval::{Evaluator, Site};
use infra_lang::types::{Type, parse_type};
use infra_lang::value;
use infra_lang::{Diagnostic, Span, Value};
use infra_stdlib::FnContext;

/// How deep user functions may call each other (`f1` calling `f2` ...
/// calling `f1000`); a deeper chain is `function::too-deep`. Recursion is
/// rejected before evaluation (`config/cycles.rs`), so only a chain of
/// that many distinct functions reaches it; each call runs on a stack
/// grown as needed, so the limit is about sanity, not the thread's stack.
pub(crate) const MAX_CALL_DEPTH: usize = 1000;

impl ModuleInstance {
    pub(crate) fn call_function(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        if self.files.functions.contains_key(&name.name) {
            return self.call_user_function(name, args, arg_spans, site);
        }
        if name.name.starts_with(functions::PREFIX) {
            return self.call_provider_function(name, args, arg_spans, site);
        }
        // Relative paths are taken from the directory infra runs in (the
        // root module's), as Terraform takes them from the working
        // directory; `path.module` is relative to it, so
        // `file("${path.module}/x")` works in every module.
        let ctx = FnContext {
            base_dir: &self.shared.root_dir,
        };
        infra_stdlib::call_at(&name.name, args, &ctx, arg_spans, site)
    }

    /// `provider::NAME::FUNC(args)`: the function of provider `NAME` (a
    /// built-in provider or a `required_providers` local name, as the run
    /// registered it) called through [`functions::call`]. Without
    /// providers (evaluation outside plan and apply, e.g. `import`'s
    /// checks) the result is unknown, as Terraform's `validate` has it.
    fn call_provider_function(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        let Some((local, func)) = functions::split_name(&name.name) else {
            return Err(site.error(
                "function::unknown",
                format!("`{}` is not a provider function name", name.name),
                "expected provider::NAME::FUNCTION",
            ));
        };
        let providers = self
            .shared
            .hook
            .as_deref()
            .and_then(|h| h.providers())
            .or(self.shared.schemas.as_ref());
        let Some(providers) = providers else {
            let sensitive = args.iter().any(Value::is_sensitive_deep);
            return Ok(Value::unknown().mark_if(sensitive));
        };
        let Some(provider) = providers.get(local) else {
            let known = providers.iter().map(|(n, _)| n.as_str());
            return Err(functions::unknown_provider(&name.name, local, known).at(site, name.span));
        };
        functions::call(
            provider.as_ref(),
            local,
            func,
            &name.name,
            args,
            arg_spans,
            site,
        )
    }

    fn call_user_function(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        let at = self
            .files
            .functions
            .get(&name.name)
            .copied()
            .ok_or_else(upstream)?;
        let (src, block) = self.files.block(at).ok_or_else(upstream)?;
        let mut params: Vec<(String, Type)> = Vec::new();
        if let Some(p) = block.body.attribute("params")
            && let ExprKind::Object(items) = &p.expr.kind
        {
            for item in items {
                let pname = match &item.key.kind {
                    ExprKind::Variable(id) => id.name.clone(),
                    ExprKind::Template(t) => t.as_literal().unwrap_or_default(),
                    _ => continue,
                };
                params.push((pname, parse_type(src, &item.value).unwrap_or(Type::Any)));
            }
        }
        if args.len() != params.len() {
            let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
            return Err(site
                .error(
                    "function::wrong-arity",
                    format!(
                        "`{}` takes {} argument{}, got {}",
                        name.name,
                        params.len(),
                        if params.len() == 1 { "" } else { "s" },
                        args.len()
                    ),
                    "wrong number of arguments",
                )
                .with_help(format!("Call it as `{}({})`.", name.name, names.join(", "))));
        }
        {
            let stack = self.call_stack.borrow();
            if stack.contains(&name.name) {
                let mut path: Vec<&str> = stack.iter().map(String::as_str).collect();
                path.push(&name.name);
                return Err(site
                    .error("function::recursion", format!("function `{}` calls itself: {}", name.name, path.join(" → ")), "recursive call")
                    .with_help("User functions may not be recursive; use a `for` expression or a stdlib function instead."));
            }
            if stack.len() >= MAX_CALL_DEPTH {
                return Err(site
                    .error(
                        "function::too-deep",
                        format!(
                            "user functions call each other more than {MAX_CALL_DEPTH} deep: {} → … → {} → {}",
                            stack.first().map_or("", String::as_str),
                            stack.last().map_or("", String::as_str),
                            name.name
                        ),
                        "call beyond the limit",
                    )
                    .with_help("Shorten the chain of functions calling functions, e.g. by merging some of them."));
            }
        }
        let mut evaluator = Evaluator::new(self, src);
        for (i, ((pname, ty), arg)) in params.iter().zip(args).enumerate() {
            let v = value::convert(arg, ty).map_err(|e| {
                let span = arg_spans.get(i).copied().unwrap_or(site.span);
                Diagnostic::error(
                    "function::argument-type",
                    format!(
                        "argument `{pname}` of `{}`{}: {}",
                        name.name,
                        e.path_string(),
                        e.message
                    ),
                )
                .in_file(site.source)
                .primary(span, format!("expected {ty}"))
            })?;
            evaluator.bind(pname.clone(), v);
        }
        let Some(result) = block.body.attribute("result") else {
            return Err(site.error(
                "function::no-result",
                format!("function `{}` has no `result`", name.name),
                "called here",
            ));
        };
        self.call_stack.borrow_mut().push(name.name.clone());
        // One level of a chain of calls takes several evaluator frames:
        // grow the stack when it runs low rather than overflow it.
        let out = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || evaluator.eval(&result.expr));
        self.call_stack.borrow_mut().pop();
        out
    }
}
