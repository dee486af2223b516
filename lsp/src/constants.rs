//! The values of a module's locals, consts and variable defaults that are
//! known without running anything: their expressions evaluated with the
//! built-in functions (not those that read files or the environment) and
//! the other locals, consts and defaults they name. Hover and inlay hints
//! show them.

use crate::documents::Module;
use infra_lang::ast::{BodyItem, Expr, Ident};
use infra_lang::eval::{Evaluator, Scope, Site, Step};
use infra_lang::{Diagnostic, SourceFile, Span, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Deepest chain of names followed (`local.a` naming `local.b` ...).
const MAX_DEPTH: usize = 32;

/// Built-in function groups whose results depend on more than their
/// arguments (files, the environment): never called here.
const IMPURE_GROUPS: &[&str] = &["filesystem", "system"];

/// A named value's root (`var`, `local`, `const`) and name.
type Key = (&'static str, String);

/// Known values of one module, computed on demand and remembered.
pub struct Constants<'m> {
    module: &'m Module,
    /// The expression of each local, const and variable default, with the
    /// index of its file; and whether the variable is sensitive.
    exprs: HashMap<Key, (usize, &'m Expr, bool)>,
    /// Values found so far (`None`: not a constant).
    known: RefCell<HashMap<Key, Option<Value>>>,
    /// Names being evaluated (a cycle is not a constant).
    active: RefCell<Vec<Key>>,
}

impl<'m> Constants<'m> {
    /// The module's locals, consts and variable defaults, not evaluated yet.
    pub fn new(module: &'m Module) -> Constants<'m> {
        let mut exprs = HashMap::new();
        for (fi, f) in module.files.iter().enumerate() {
            for item in &f.ast.body.items {
                let BodyItem::Block(b) = item else { continue };
                let label = b.labels.first().map(|l| l.value.clone());
                match (b.kind.name.as_str(), label) {
                    ("locals", _) => {
                        for a in b.body.attributes() {
                            exprs.insert(("local", a.name.name.clone()), (fi, &a.expr, false));
                        }
                    }
                    ("const", Some(n)) => {
                        if let Some(d) = b.body.attribute("default") {
                            exprs.insert(("const", n), (fi, &d.expr, false));
                        }
                    }
                    ("variable", Some(n)) => {
                        // Anything but a literal `false` counts as sensitive.
                        let sensitive = b.body.attribute("sensitive").is_some_and(|s| {
                            !matches!(s.expr.kind, infra_lang::ast::ExprKind::Bool(false))
                        });
                        if let Some(d) = b.body.attribute("default") {
                            exprs.insert(("var", n), (fi, &d.expr, sensitive));
                        }
                    }
                    _ => {}
                }
            }
        }
        Constants {
            module,
            exprs,
            known: RefCell::new(HashMap::new()),
            active: RefCell::new(Vec::new()),
        }
    }

    /// The value of `root.name` (`var` meaning its default), when it is
    /// known, wholly known and not sensitive.
    pub fn value(&self, root: &str, name: &str) -> Option<Value> {
        let root: &'static str = match root {
            "var" => "var",
            "local" => "local",
            "const" => "const",
            _ => return None,
        };
        let key = (root, name.to_string());
        if let Some(v) = self.known.borrow().get(&key) {
            return v.clone();
        }
        let (file, expr, sensitive) = *self.exprs.get(&key)?;
        if sensitive
            || self.active.borrow().contains(&key)
            || self.active.borrow().len() >= MAX_DEPTH
        {
            return None;
        }
        self.active.borrow_mut().push(key.clone());
        let v = self.eval(file, expr);
        self.active.borrow_mut().pop();
        self.known.borrow_mut().insert(key, v.clone());
        v
    }

    /// `expr` of file `file` evaluated, when it is a constant.
    pub fn eval(&self, file: usize, expr: &Expr) -> Option<Value> {
        let source: &Arc<SourceFile> = &self.module.files.get(file)?.source;
        let v = Evaluator::new(self, source).eval(expr).ok()?;
        (!v.has_unknown() && !v.is_sensitive_deep()).then_some(v)
    }
}

impl Scope for Constants<'_> {
    fn resolve(
        &self,
        root: &Ident,
        steps: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        steps
            .first()
            .and_then(Step::name)
            .and_then(|name| self.value(&root.name, name))
            .map(|v| (v, 1))
            .ok_or_else(|| site.error("eval::not-constant", "not a constant", "here"))
    }

    fn call(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        match infra_stdlib::builtin(&name.name) {
            Some(b) if !IMPURE_GROUPS.contains(&b.group) => {
                let ctx = infra_stdlib::FnContext {
                    base_dir: &self.module.dir,
                };
                infra_stdlib::call_at(&name.name, args, &ctx, arg_spans, site)
            }
            _ => Err(site.error("eval::not-constant", "not a constant", "here")),
        }
    }
}

/// `v` on one line, cut to `max` characters (with `…`).
pub fn short(v: &Value, max: usize) -> String {
    // Strings are rendered with their newlines escaped: lines are layout.
    let flat = infra_lang::value::render(v)
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}
