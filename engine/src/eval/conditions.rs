//! Custom conditions: the `precondition` and `postcondition` blocks of a
//! resource's or data source's `lifecycle`, an output's `precondition`
//! and a `check` block's `assert`, each evaluated with the instance's
//! `count`/`each` (and, in a postcondition, `self`) bound. Mirrors
//! Terraform's `internal/terraform/eval_conditions.go`: a false condition
//! is reported with its evaluated `error_message` and the value of every
//! reference in the condition; an unknown one is left for apply.

use super::instance::{Deps, ModuleInstance, UPSTREAM};
use super::resources::InstanceEval;
use crate::addr::ResourceAddress;
use crate::config::decl::{ConditionDecl, LifecycleDecl};
use infra_lang::ast::{Expr, ExprKind};
use infra_lang::eval::Evaluator;
use infra_lang::value::render;
use infra_lang::{Diagnostic, Severity, SourceFile, Value};
use std::sync::Arc;

/// Which kind of condition is checked: decides the diagnostic's code and
/// headline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConditionKind {
    /// A resource's or data source's `precondition`.
    Precondition,
    /// A resource's or data source's `postcondition`.
    Postcondition,
    /// An output's `precondition`.
    OutputPrecondition,
    /// A `check` block's `assert` (a warning, as in Terraform).
    Assert,
}

impl ConditionKind {
    /// The diagnostic code of a false condition of this kind.
    fn code(self) -> &'static str {
        match self {
            ConditionKind::Precondition => "condition::precondition-failed",
            ConditionKind::Postcondition => "condition::postcondition-failed",
            ConditionKind::OutputPrecondition => "condition::output-precondition-failed",
            ConditionKind::Assert => "check::assert-failed",
        }
    }

    /// "precondition of `SUBJECT` failed" and the like.
    fn headline(self, subject: &str) -> String {
        match self {
            ConditionKind::Precondition => format!("precondition of `{subject}` failed"),
            ConditionKind::Postcondition => format!("postcondition of `{subject}` failed"),
            ConditionKind::OutputPrecondition => {
                format!("precondition of output `{subject}` failed")
            }
            ConditionKind::Assert => format!("assertion of `{subject}` failed"),
        }
    }
}

/// What one condition came to.
pub(crate) enum Outcome {
    /// True.
    Pass,
    /// Not known until apply.
    Unknown,
    /// False: the diagnostic says so, with the message and the values
    /// involved; the message alone is kept for reports (drift's checks).
    Fail(String, Diagnostic),
    /// It could not be evaluated, or is not a bool.
    Invalid(Diagnostic),
}

/// Most references whose values a failure lists (Terraform lists all of
/// them; a long condition would bury the message).
const MAX_VALUES: usize = 8;
/// Longest rendering of one value in that list, in characters.
const MAX_VALUE_CHARS: usize = 120;

impl ModuleInstance {
    /// Evaluates condition `c` of file `src` with `bindings` (`count`,
    /// `each`, `self`) bound. `subject` names what it guards (an address,
    /// an output or check name) in the diagnostic.
    pub(crate) fn condition(
        &self,
        src: &Arc<SourceFile>,
        c: &ConditionDecl<'_>,
        bindings: &[(&'static str, Value)],
        kind: ConditionKind,
        subject: &str,
    ) -> Outcome {
        let Some(cond) = c.condition else {
            return Outcome::Pass;
        };
        let mut ev = Evaluator::new(self, src);
        for (n, v) in bindings {
            ev.bind(*n, v.clone());
        }
        match ev.eval(&cond.expr).map(Value::unmark) {
            Ok((Value::Bool(true), _)) => Outcome::Pass,
            Ok((Value::Unknown(_), _)) => Outcome::Unknown,
            Ok((Value::Bool(false), _)) => {
                let message = message_with(&mut ev, c).unwrap_or_else(|| {
                    if kind == ConditionKind::Assert {
                        "the assertion is false".into()
                    } else {
                        "the condition is false".into()
                    }
                });
                let severity = if kind == ConditionKind::Assert {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                let mut d = Diagnostic::error(
                    kind.code(),
                    format!("{}: {message}", kind.headline(subject)),
                )
                .in_file(src)
                .primary(cond.expr.span, "this condition is false");
                d.severity = severity;
                let values = reference_values(&mut ev, src, &cond.expr);
                if !values.is_empty() {
                    d = d.with_help(values.join("\n"));
                }
                Outcome::Fail(message, d)
            }
            Ok((other, marked)) => Outcome::Invalid(
                Diagnostic::error(
                    "eval::not-bool",
                    format!(
                        "a condition must be true or false, got {}",
                        other.describe_as(marked)
                    ),
                )
                .in_file(src)
                .primary(cond.expr.span, "not a bool"),
            ),
            Err(d) => Outcome::Invalid(d),
        }
    }

    /// Checks every condition of `conds` (see [`ModuleInstance::condition`]).
    /// `Ok(true)` when all hold, `Ok(false)` when none is false but some
    /// are not known yet.
    ///
    /// # Errors
    /// Every false or invalid condition's diagnostic (failures of values
    /// it uses were reported already: not repeated).
    pub(crate) fn conditions<'a>(
        &self,
        src: &Arc<SourceFile>,
        conds: impl Iterator<Item = ConditionDecl<'a>>,
        bindings: &[(&'static str, Value)],
        kind: ConditionKind,
        subject: &str,
    ) -> Result<bool, Vec<Diagnostic>> {
        let mut known = true;
        let mut diags = Vec::new();
        for c in conds {
            match self.condition(src, &c, bindings, kind, subject) {
                Outcome::Pass => {}
                Outcome::Unknown => known = false,
                Outcome::Fail(_, d) | Outcome::Invalid(d) => diags.push(d),
            }
        }
        if diags.is_empty() {
            Ok(known)
        } else {
            Err(diags)
        }
    }
}

impl ModuleInstance {
    /// Checks the `precondition`s of instance `i` (at `address`, declared
    /// with lifecycle `l` in `src`), before it is planned or applied.
    /// Returns `deps` plus the instances the conditions of `l` reference
    /// (postconditions too, with `self` unknown): they are planned and
    /// applied first, as Terraform makes references in conditions
    /// dependencies.
    ///
    /// # Errors
    /// Every false or invalid precondition.
    pub(crate) fn preconditions(
        &self,
        src: &Arc<SourceFile>,
        l: &LifecycleDecl<'_>,
        i: &InstanceEval,
        address: &ResourceAddress,
        deps: &Deps,
    ) -> Result<Deps, Vec<Diagnostic>> {
        let bindings: Vec<_> = i.binding.iter().cloned().collect();
        self.shared.deps.borrow_mut().push(Deps::new());
        let result = self.conditions(
            src,
            l.conditions(false),
            &bindings,
            ConditionKind::Precondition,
            &address.to_string(),
        );
        if result.is_ok() {
            let mut ev = Evaluator::new(self, src);
            for (n, v) in bindings {
                ev.bind(n, v);
            }
            ev.bind("self", Value::unknown());
            for c in l.conditions(true) {
                if let Some(a) = c.condition {
                    // Only what it references counts here; it is checked
                    // once `self` is planned.
                    let _ = ev.eval(&a.expr);
                }
            }
        }
        let mine = self.shared.deps.borrow_mut().pop().unwrap_or_default();
        result?;
        let mut all = deps.clone();
        all.extend(mine);
        Ok(all)
    }

    /// Checks the `postcondition`s of instance `i` (at `address`) against
    /// its planned, applied or read object `value`, which `self` names.
    /// Returns `value` when none is false.
    ///
    /// # Errors
    /// Every false or invalid postcondition.
    pub(crate) fn postconditions(
        &self,
        src: &Arc<SourceFile>,
        l: &LifecycleDecl<'_>,
        i: &InstanceEval,
        address: &ResourceAddress,
        value: Value,
    ) -> Result<Value, Vec<Diagnostic>> {
        let mut bindings: Vec<_> = i.binding.iter().cloned().collect();
        bindings.push(("self", value));
        self.conditions(
            src,
            l.conditions(true),
            &bindings,
            ConditionKind::Postcondition,
            &address.to_string(),
        )?;
        Ok(bindings.pop().map_or(Value::NULL, |(_, v)| v))
    }

    /// Reports `diags`, as warnings when `warn` (a data source scoped to a
    /// `check` block, whose failures Terraform reports as warnings).
    pub(crate) fn report_all(&self, diags: Vec<Diagnostic>, warn: bool) {
        for d in diags {
            self.report(if warn {
                Diagnostic {
                    severity: Severity::Warning,
                    ..d
                }
            } else {
                d
            });
        }
    }
}

/// The `error_message` of condition `c`, evaluated by `ev`: `None` when
/// absent, failing or not a string. As Terraform, a message built from a
/// sensitive value is not shown.
pub(crate) fn message_with(ev: &mut Evaluator<'_>, c: &ConditionDecl<'_>) -> Option<String> {
    match ev.eval(&c.error_message?.expr).ok()? {
        Value::String(s) => Some(s),
        Value::Sensitive(_) => {
            Some("the error message includes a sensitive value, so it is not shown".into())
        }
        _ => None,
    }
}

/// The references of `expr` (`var.v`, `self.id`, `aws_s3_bucket.b.arn`),
/// each with its value as the failure shows it: `` `var.v` is "x" ``, as
/// Terraform's diagnostic lists the values involved. Sensitive values
/// are not shown; repeated references are listed once.
fn reference_values(ev: &mut Evaluator<'_>, src: &Arc<SourceFile>, expr: &Expr) -> Vec<String> {
    fn is_traversal(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Variable(_) => true,
            ExprKind::GetAttr { object, .. } => is_traversal(object),
            ExprKind::Index {
                collection, key, ..
            } => {
                is_traversal(collection)
                    && matches!(key.kind, ExprKind::Number(_) | ExprKind::Template(_))
            }
            _ => false,
        }
    }
    fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        if is_traversal(e) {
            out.push(e);
        } else {
            e.for_each_child(&mut |c| walk(c, out));
        }
    }
    let mut refs = Vec::new();
    walk(expr, &mut refs);
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for r in refs {
        let text = src.slice(r.span);
        if seen.contains(&text) || out.len() >= MAX_VALUES {
            continue;
        }
        seen.push(text);
        let Ok(v) = ev.eval(r) else { continue };
        let shown = if v.is_sensitive_deep() {
            format!("`{text}` has a sensitive value")
        } else if v.has_unknown() {
            format!("`{text}` is known only after apply")
        } else {
            let mut r = render(&v);
            if r.chars().count() > MAX_VALUE_CHARS {
                r = r.chars().take(MAX_VALUE_CHARS).collect::<String>() + "…";
            }
            format!("`{text}` is {r}")
        };
        out.push(shown);
    }
    out
}

/// True when `d` only repeats that something upstream failed.
pub(crate) fn is_upstream(d: &Diagnostic) -> bool {
    d.code == UPSTREAM
}
