//! String templates: `"${...}"` interpolation, `%{if}` and `%{for}`
//! directives, heredocs. Strip markers were applied by the parser.

use super::Evaluator;
use crate::ast::{Template, TemplateKind, TemplatePart};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::types::Type;
use crate::value::{self, Value};

struct Out {
    text: String,
    unknown: bool,
    marked: bool,
}

impl Evaluator<'_> {
    /// Evaluates a template (a quoted string, heredoc or template file).
    ///
    /// # Errors
    /// A diagnostic for a null or non-string interpolation, a non-bool `%{if}`
    /// condition or a `%{for}` over something not iterable.
    pub fn eval_template(&mut self, t: &Template, span: Span) -> Result<Value, Diagnostic> {
        // `"${x}"` alone is `x` itself, with its type (HCL's template
        // unwrapping): `"${[1, 2]}"` is a tuple, not an error.
        if t.kind == TemplateKind::Quoted
            && let [TemplatePart::Interpolation { expr, .. }] = t.parts.as_slice()
        {
            return self.eval(expr);
        }
        let mut out = Out {
            text: String::new(),
            unknown: false,
            marked: false,
        };
        self.eval_parts(&t.parts, &mut out)?;
        let _ = span;
        let v = if out.unknown {
            Value::Unknown(Type::String)
        } else {
            Value::String(out.text)
        };
        Ok(v.mark_if(out.marked))
    }

    fn eval_parts(&mut self, parts: &[TemplatePart], out: &mut Out) -> Result<(), Diagnostic> {
        for part in parts {
            match part {
                TemplatePart::Literal { value, .. } => out.text.push_str(value),
                TemplatePart::Interpolation { expr, .. } => {
                    let (v, m) = self.eval(expr)?.unmark();
                    out.marked |= m;
                    match v {
                        Value::Unknown(_) => out.unknown = true,
                        Value::Null(_) => {
                            return Err(self
                                .error(
                                    "eval::null-interpolation",
                                    expr.span,
                                    "cannot interpolate null into a string",
                                    "this is null",
                                )
                                .with_help(
                                    "Use `coalesce(x, \"\")` or a condition to give a fallback.",
                                ));
                        }
                        other => match value::convert(other.clone(), &Type::String) {
                            Ok(Value::String(s)) => out.text.push_str(&s),
                            _ => {
                                return Err(self
                                    .error(
                                        "eval::interpolation-type",
                                        expr.span,
                                        format!("cannot interpolate {} into a string", other.describe_as(m)),
                                        "not a string, number or bool",
                                    )
                                    .with_help("Use `join(\", \", list)` for a list or `jsonencode(value)` for any value."));
                            }
                        },
                    }
                }
                TemplatePart::If {
                    condition,
                    then_parts,
                    else_parts,
                    ..
                } => {
                    let (c, m) = self.eval(condition)?.unmark();
                    out.marked |= m;
                    match value::convert(c.clone(), &Type::Bool) {
                        Ok(Value::Bool(true)) => self.eval_parts(then_parts, out)?,
                        Ok(Value::Bool(false)) => self.eval_parts(else_parts, out)?,
                        Ok(Value::Unknown(_)) => out.unknown = true,
                        _ => {
                            return Err(self.error(
                                "eval::not-bool",
                                condition.span,
                                format!(
                                    "the `%{{if}}` condition must be a bool, got {}",
                                    c.describe_as(m)
                                ),
                                "not true or false",
                            ));
                        }
                    }
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                    ..
                } => {
                    let (coll, m) = self.eval(collection)?.unmark();
                    out.marked |= m;
                    let pairs: Vec<(Value, Value)> = match coll.into_pairs() {
                        Ok(pairs) => pairs,
                        Err(coll) => match coll {
                            Value::Unknown(_) => {
                                out.unknown = true;
                                continue;
                            }
                            other => {
                                return Err(self.error(
                                    "eval::not-iterable",
                                    collection.span,
                                    format!("cannot iterate over {}", other.describe_as(m)),
                                    "not a collection",
                                ));
                            }
                        },
                    };
                    for (k, v) in pairs {
                        let depth = self.bindings.len();
                        // The loop variables of a sensitive collection
                        // are sensitive (errors about them must not show
                        // them).
                        if let Some(kv) = key_var {
                            self.bindings.push((kv.name.clone(), k.mark_if(m)));
                        }
                        self.bindings.push((value_var.name.clone(), v.mark_if(m)));
                        let r = self.eval_parts(body, out);
                        self.bindings.truncate(depth);
                        r?;
                    }
                }
            }
        }
        Ok(())
    }
}
