//! Expression evaluation: turns an [`Expr`] into a [`Value`] in a
//! [`Scope`] that answers references (`var.x`, `local.y`, resources) and
//! function calls. Unknown values propagate as in Terraform; sensitive
//! marks travel through every operation.

mod ops;
mod template;
mod traversal;

pub use traversal::Step;

use crate::ast::{Expr, ExprKind, ForExpr, Ident};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::span::Span;
use crate::types::Type;
use crate::value::{self, Number, Value, ValueMap};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where a reference or call appears: the file and the span of the whole
/// expression, for the diagnostics a [`Scope`] returns.
#[derive(Clone, Copy, Debug)]
pub struct Site<'a> {
    /// The file being evaluated.
    pub source: &'a Arc<SourceFile>,
    /// The span of the reference or call.
    pub span: Span,
}

impl Site<'_> {
    /// An error diagnostic labelled at this site.
    pub fn error(
        &self,
        code: &'static str,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, message)
            .in_file(self.source)
            .primary(self.span, label)
    }
}

/// What references and function calls resolve against: the module being
/// evaluated, with its variables, locals, consts, resources and functions.
pub trait Scope {
    /// Resolves a reference that starts at the variable `root` and goes on
    /// with `steps` (attribute names and evaluated index keys, in order).
    /// Returns the value and how many of `steps` it used; the evaluator
    /// applies the rest (so `local.tags.team` may resolve `local.tags` and
    /// leave `.team`).
    ///
    /// # Errors
    /// A diagnostic at `site` when the reference names nothing.
    fn resolve(
        &self,
        root: &Ident,
        steps: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic>;

    /// Calls function `name` with evaluated `args` (after `...` expansion).
    /// `arg_spans` has one span per argument, for errors about one of them.
    ///
    /// # Errors
    /// A diagnostic when the function is unknown or fails.
    fn call(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic>;
}

/// A scope with no references and no functions: what type-constraint
/// defaults and other constant expressions evaluate in.
pub struct EmptyScope;

impl Scope for EmptyScope {
    fn resolve(
        &self,
        root: &Ident,
        _: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        Err(site
            .error(
                "eval::not-constant",
                format!("`{}` cannot be used here", root.name),
                "a reference",
            )
            .with_help("Only literal values are allowed here."))
    }

    fn call(
        &self,
        name: &Ident,
        _: Vec<Value>,
        _: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        Err(site
            .error(
                "eval::not-constant",
                format!("function `{}` cannot be called here", name.name),
                "a function call",
            )
            .with_help("Only literal values are allowed here."))
    }
}

/// Evaluates a constant expression (literals and operators only).
///
/// # Errors
/// A diagnostic for any reference, function call or evaluation error.
pub fn eval_constant(source: &Arc<SourceFile>, expr: &Expr) -> Result<Value, Diagnostic> {
    Evaluator::new(&EmptyScope, source).eval(expr)
}

/// Stack bytes an evaluation level may need before the next check: when
/// less than this is left, [`Evaluator::eval`] continues on a new segment.
/// Generous, since a level may run a provider's planning in between.
const EVAL_RED_ZONE: usize = if cfg!(debug_assertions) {
    1 << 20
} else {
    256 << 10
};

/// Size of each extra stack segment evaluation allocates (mapped lazily).
const EVAL_STACK_SEGMENT: usize = 16 << 20;

/// Evaluates expressions of one file in one scope.
pub struct Evaluator<'a> {
    scope: &'a dyn Scope,
    source: &'a Arc<SourceFile>,
    /// Variables bound by `for` expressions and template `for` directives,
    /// innermost last.
    bindings: Vec<(String, Value)>,
    /// The element a splat's per-element expression applies to.
    splat: Vec<Value>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for expressions of `source` in `scope`.
    pub fn new(scope: &'a dyn Scope, source: &'a Arc<SourceFile>) -> Evaluator<'a> {
        Evaluator {
            scope,
            source,
            bindings: Vec::new(),
            splat: Vec::new(),
        }
    }

    /// Binds `name` to `value` for the expressions evaluated next (used for
    /// function parameters and `each`/`count`-like iterators); shadows
    /// the scope.
    pub fn bind(&mut self, name: impl Into<String>, value: Value) {
        self.bindings.push((name.into(), value));
    }

    /// Removes the most recent [`Evaluator::bind`].
    pub fn unbind(&mut self) {
        self.bindings.pop();
    }

    pub(crate) fn error(
        &self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, message)
            .in_file(self.source)
            .primary(span, label)
    }

    pub(crate) fn site(&self, span: Span) -> Site<'a> {
        Site {
            source: self.source,
            span,
        }
    }

    fn lookup_binding(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Evaluates `expr`.
    ///
    /// # Errors
    /// The first error met, as a diagnostic with the span of the offending
    /// sub-expression and what was expected.
    pub fn eval(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
        // Evaluation recurses once per level of the expression (at most
        // `syntax::MAX_EXPR_DEPTH`) and, through the scope, once per value
        // computed from another (locals, outputs, resources, functions):
        // on a stack running low, go on on a fresh segment instead of
        // overflowing (a chain of 1,500 locals is valid input).
        stacker::maybe_grow(EVAL_RED_ZONE, EVAL_STACK_SEGMENT, || self.eval_here(expr))
    }

    fn eval_here(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
        match &expr.kind {
            ExprKind::Null => Ok(Value::NULL),
            ExprKind::Bool(b) => Ok(Value::Bool(*b)),
            ExprKind::Number(text) => match Number::parse(text) {
                Some(n) => Ok(Value::Number(n)),
                None => Err(self
                    .error(
                        "eval::invalid-number",
                        expr.span,
                        format!("`{text}` is not a number this tool can represent"),
                        "number out of range",
                    )
                    .with_help("Numbers must fit a 64-bit float (about ±1.8e308).")),
            },
            ExprKind::Template(t) => self.eval_template(t, expr.span),
            ExprKind::Variable(_) | ExprKind::GetAttr { .. } | ExprKind::Index { .. } => {
                self.eval_traversal(expr)
            }
            ExprKind::SplatItem => Ok(self.splat.last().cloned().unwrap_or(Value::NULL)),
            ExprKind::Splat { source, each, .. } => self.eval_splat(source, each),
            ExprKind::Tuple(items) => Ok(Value::Tuple(
                items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<Result<_, _>>()?,
            )),
            ExprKind::Object(items) => {
                // Entries in source order; collected (sorted, the last of
                // equal keys kept) at the end.
                let mut out = Vec::with_capacity(items.len());
                let mut unknown = false;
                let mut marked = false;
                for item in items {
                    // A bare name is the key itself, keywords included:
                    // `{ null = 1 }` has the key "null".
                    let key = match &item.key.kind {
                        ExprKind::Variable(id) => Value::String(id.name.clone()),
                        ExprKind::Null => Value::string("null"),
                        ExprKind::Bool(b) => Value::String(b.to_string()),
                        _ => self.eval(&item.key)?,
                    };
                    let value = self.eval(&item.value)?;
                    let (key, key_marked) = key.unmark();
                    marked |= key_marked;
                    match self.object_key((key, key_marked), item.key.span)? {
                        Some(k) => out.push((k, value)),
                        None => unknown = true,
                    }
                }
                // A sensitive key makes the whole object sensitive (as in
                // HCL): keys are shown wherever the object is.
                Ok(if unknown {
                    Value::unknown()
                } else {
                    Value::Object(out.into_iter().collect())
                }
                .mark_if(marked))
            }
            ExprKind::FunctionCall {
                name,
                args,
                expand_final,
            } => self.eval_call(expr, name, args, *expand_final),
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand)?;
                self.unary(*op, v, operand.span)
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Conditional {
                condition,
                then_expr,
                else_expr,
            } => self.eval_conditional(condition, then_expr, else_expr),
            ExprKind::For(fe) => self.eval_for(fe, expr.span),
            ExprKind::Parens(inner) => self.eval(inner),
        }
    }

    /// A key for an object or `{for}` result, given unmarked with whether
    /// it was sensitive: a string (numbers and bools convert), `None` when
    /// unknown. The caller marks the whole result when the key was
    /// sensitive.
    fn object_key(
        &self,
        (key, _marked): (Value, bool),
        span: Span,
    ) -> Result<Option<String>, Diagnostic> {
        match key {
            Value::Unknown(_) => Ok(None),
            Value::Null(_) => Err(self.error(
                "eval::null-key",
                span,
                "an object key cannot be null",
                "this is null",
            )),
            other => match value::convert(other, &Type::String) {
                Ok(Value::String(s)) => Ok(Some(s)),
                Ok(_) | Err(_) => Err(self
                    .error(
                        "eval::invalid-key",
                        span,
                        "an object key must be a string",
                        "not a string",
                    )
                    .with_help(
                        "Keys are strings; numbers and bools are converted, collections are not.",
                    )),
            },
        }
    }

    fn eval_conditional(
        &mut self,
        condition: &Expr,
        then_expr: &Expr,
        else_expr: &Expr,
    ) -> Result<Value, Diagnostic> {
        let c = self.eval(condition)?;
        let (c, marked) = c.unmark();
        let c = match c {
            Value::Unknown(_) => {
                let a = self.eval(then_expr)?;
                let b = self.eval(else_expr)?;
                let t = value::unify_types(&a.type_of(), &b.type_of()).unwrap_or(Type::Any);
                return Ok(Value::Unknown(t)
                    .mark_if(marked || a.is_sensitive_deep() || b.is_sensitive_deep()));
            }
            Value::Null(_) => {
                return Err(self
                    .error(
                        "eval::null-condition",
                        condition.span,
                        "the condition is null",
                        "this is null",
                    )
                    .with_help(
                        "A condition must be true or false; check the value with `!= null` first.",
                    ));
            }
            other => match value::convert(other, &Type::Bool) {
                Ok(Value::Bool(b)) => b,
                Ok(_) | Err(_) => {
                    return Err(self.error(
                        "eval::not-bool",
                        condition.span,
                        "the condition must be a bool",
                        "not true or false",
                    ));
                }
            },
        };
        let (chosen, other) = if c {
            (then_expr, else_expr)
        } else {
            (else_expr, then_expr)
        };
        let v = self.eval(chosen)?;
        // Terraform gives both results one type (`true ? 1 : "a"` is "1").
        // The other branch is evaluated only for its type; its errors do
        // not matter, and when the types cannot be unified the chosen value
        // is returned as it is instead of failing.
        let v = match self.eval(other) {
            Ok(o) if !o.is_null() && !v.is_null() => {
                match value::unify_all(&[v.type_of(), o.type_of()]) {
                    Some(t) if t != Type::Any => value::convert(v.clone(), &t).unwrap_or(v),
                    _ => v,
                }
            }
            // `true ? null : "a"` is a null string.
            Ok(o) if v.is_null() && !o.is_null() && !o.is_unknown() => Value::Null(o.type_of()),
            _ => v,
        };
        Ok(v.mark_if(marked))
    }

    fn eval_call(
        &mut self,
        expr: &Expr,
        name: &Ident,
        args: &[Expr],
        expand_final: bool,
    ) -> Result<Value, Diagnostic> {
        match name.name.as_str() {
            "try" => return self.eval_try(expr, args),
            "can" => return self.eval_can(expr, args),
            _ => {}
        }
        let mut values = Vec::with_capacity(args.len());
        let mut spans = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a)?);
            spans.push(a.span);
        }
        if expand_final {
            let last = values.pop().unwrap_or(Value::NULL);
            let last_span = spans.pop().unwrap_or(expr.span);
            let (last, marked) = last.unmark();
            match last {
                Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                    for i in items {
                        values.push(i.mark_if(marked));
                        spans.push(last_span);
                    }
                }
                Value::Unknown(_) => return Ok(Value::unknown()),
                other => {
                    return Err(self
                        .error(
                            "eval::invalid-expansion",
                            last_span,
                            format!(
                                "`...` needs a list, set or tuple, got {}",
                                other.describe_as(marked)
                            ),
                            "not a list",
                        )
                        .with_help("Remove the `...`, or pass a list."));
                }
            }
        }
        let site = self.site(expr.span);
        self.scope.call(name, values, &spans, &site)
    }

    /// `try(a, b, ...)`: the first argument that evaluates without error.
    fn eval_try(&mut self, expr: &Expr, args: &[Expr]) -> Result<Value, Diagnostic> {
        let mut last_err = None;
        for a in args {
            match self.eval(a) {
                Ok(v) if v.is_unknown() => return Ok(Value::unknown()),
                Ok(v) => return Ok(v),
                Err(d) => last_err = Some(d),
            }
        }
        Err(match last_err {
            Some(d) => Diagnostic::error(
                "eval::try-failed",
                "no argument of `try` could be evaluated",
            )
            .in_file(self.source)
            .primary(expr.span, "every argument failed")
            .with_help(format!(
                "The last argument failed with: {}. Add a fallback value as the last argument.",
                d.message
            )),
            None => self.error(
                "eval::try-failed",
                expr.span,
                "`try` needs at least one argument",
                "no arguments",
            ),
        })
    }

    /// `can(expr)`: whether `expr` evaluates without error.
    fn eval_can(&mut self, expr: &Expr, args: &[Expr]) -> Result<Value, Diagnostic> {
        let [a] = args else {
            return Err(self.error(
                "eval::wrong-arity",
                expr.span,
                "`can` takes exactly 1 argument",
                "here",
            ));
        };
        Ok(match self.eval(a) {
            Ok(v) if v.has_unknown() => Value::Unknown(Type::Bool),
            Ok(_) => Value::Bool(true),
            Err(_) => Value::Bool(false),
        })
    }

    fn eval_for(&mut self, fe: &ForExpr, span: Span) -> Result<Value, Diagnostic> {
        let coll = self.eval(&fe.collection)?;
        let (coll, marked) = coll.unmark();
        let pairs: Vec<(Value, Value)> = match coll.into_pairs() {
            Ok(pairs) => pairs,
            Err(coll) => match coll {
                Value::Unknown(_) => return Ok(Value::unknown()),
                Value::Null(_) => {
                    return Err(self
                        .error(
                            "eval::null-collection",
                            fe.collection.span,
                            "cannot iterate over null",
                            "this is null",
                        )
                        .with_help(
                            "Use `coalesce(x, [])` or a condition to skip a null collection.",
                        ));
                }
                other => {
                    return Err(self
                        .error(
                            "eval::not-iterable",
                            fe.collection.span,
                            format!("cannot iterate over {}", other.describe_as(marked)),
                            "not a collection",
                        )
                        .with_help("A `for` expression needs a list, set, tuple, map or object."));
                }
            },
        };
        let mut acc = ForResult::default();
        for (k, v) in pairs {
            let depth = self.bindings.len();
            if let Some(kv) = &fe.key_var {
                self.bindings.push((kv.name.clone(), k.mark_if(marked)));
            }
            self.bindings
                .push((fe.value_var.name.clone(), v.mark_if(marked)));
            let step = self.for_step(fe, &mut acc);
            self.bindings.truncate(depth);
            step?;
        }
        let _ = span;
        if acc.unknown {
            return Ok(Value::unknown());
        }
        Ok(match fe.key_expr {
            None => Value::Tuple(acc.tuple),
            Some(_) if fe.grouping => Value::Object(
                acc.groups
                    .into_iter()
                    .map(|(k, vs)| (k, Value::Tuple(vs)))
                    .collect(),
            ),
            Some(_) => Value::Object(ValueMap::from(acc.object)),
        }
        .mark_if(marked || acc.marked))
    }

    fn for_step(&mut self, fe: &ForExpr, acc: &mut ForResult) -> Result<(), Diagnostic> {
        if let Some(cond) = &fe.condition {
            let (c, cond_marked) = self.eval(cond)?.unmark();
            match c {
                Value::Bool(b) => {
                    // Which elements a sensitive condition keeps is
                    // sensitive too (as in HCL).
                    acc.marked |= cond_marked;
                    if !b {
                        return Ok(());
                    }
                }
                Value::Unknown(_) => {
                    acc.unknown = true;
                    return Ok(());
                }
                other => {
                    return Err(self.error(
                        "eval::not-bool",
                        cond.span,
                        format!(
                            "the `if` condition must be a bool, got {}",
                            other.describe_as(cond_marked)
                        ),
                        "not true or false",
                    ));
                }
            }
        }
        match &fe.key_expr {
            None => acc.tuple.push(self.eval(&fe.value_expr)?),
            Some(key_expr) => {
                let (key, key_marked) = self.eval(key_expr)?.unmark();
                let value = self.eval(&fe.value_expr)?;
                // A sensitive key makes the whole result sensitive.
                acc.marked |= key_marked;
                let Some(key) = self.object_key((key, key_marked), key_expr.span)? else {
                    acc.unknown = true;
                    return Ok(());
                };
                if fe.grouping {
                    acc.groups.entry(key).or_default().push(value);
                } else {
                    match acc.object.entry(key) {
                        std::collections::btree_map::Entry::Occupied(e) => {
                            let message = if key_marked {
                                "two elements produce the same sensitive key".to_string()
                            } else {
                                format!("two elements produce the key {:?}", e.key())
                            };
                            return Err(self
                                .error("eval::duplicate-key", key_expr.span, message, "duplicate key")
                                .with_help("Add `...` after the value expression to group values by key, or make the keys unique."));
                        }
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(value);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a `for` expression has built so far.
#[derive(Default)]
struct ForResult {
    /// Elements of a `[for ...]`.
    tuple: Vec<Value>,
    /// Entries of a `{for ...}` (a tree while it is built: keys come in
    /// any order, and a [`ValueMap`] inserts out of order by shifting).
    object: BTreeMap<String, Value>,
    /// Entries of a grouping `{for ... : k => v...}`.
    groups: BTreeMap<String, Vec<Value>>,
    /// A key or condition was unknown: the result is unknown.
    unknown: bool,
    /// A key or condition was sensitive: the result is sensitive.
    marked: bool,
}
