//! References and their traversals: `var.x`, `a.b[0]["k"]`, splats
//! `list[*].id`, with errors naming what exists.

use super::Evaluator;
use crate::ast::{Expr, ExprKind};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::span::Span;
use crate::types::Type;
use crate::value::{self, Value};

/// One step after a reference's root, as passed to
/// [`super::Scope::resolve`].
#[derive(Clone, Debug)]
pub enum Step {
    /// `.name`
    Attr(String),
    /// `[key]`, with the key already evaluated.
    Index(Value),
}

impl Step {
    /// The attribute name, or the index key when it is a known string.
    pub fn name(&self) -> Option<&str> {
        match self {
            Step::Attr(a) => Some(a),
            Step::Index(Value::String(s)) => Some(s),
            Step::Index(_) => None,
        }
    }
}

enum Op<'e> {
    Attr(&'e str, Span),
    Index(&'e Expr, Span),
}

impl Evaluator<'_> {
    pub(super) fn eval_traversal(&mut self, expr: &Expr) -> Result<Value, Diagnostic> {
        let mut ops = Vec::new();
        let mut cur = expr;
        loop {
            match &cur.kind {
                ExprKind::GetAttr { object, name } => {
                    ops.push(Op::Attr(&name.name, cur.span));
                    cur = object;
                }
                ExprKind::Index {
                    collection, key, ..
                } => {
                    ops.push(Op::Index(key, cur.span));
                    cur = collection;
                }
                _ => break,
            }
        }
        ops.reverse();
        let mut steps = Vec::with_capacity(ops.len());
        for op in &ops {
            steps.push(match op {
                Op::Attr(name, _) => Step::Attr((*name).to_string()),
                Op::Index(key, _) => Step::Index(self.eval(key)?),
            });
        }
        let (mut value, used) = match &cur.kind {
            ExprKind::Variable(id) => match self.lookup_binding(&id.name) {
                Some(v) => (v.clone(), 0),
                None => {
                    let end = ops.last().map_or(cur.span, |op| match op {
                        Op::Attr(_, s) | Op::Index(_, s) => *s,
                    });
                    let site = self.site(cur.span.to(end));
                    self.scope.resolve(id, &steps, &site)?
                }
            },
            _ => (self.eval(cur)?, 0),
        };
        for (op, step) in ops.iter().zip(steps).skip(used) {
            value = match (op, step) {
                (Op::Attr(_, span), Step::Attr(name)) => self.get_attr(value, &name, *span)?,
                (Op::Index(key, span), Step::Index(k)) => self.index(value, k, key.span, *span)?,
                _ => value,
            };
        }
        Ok(value)
    }

    /// `value.name`.
    pub(crate) fn get_attr(
        &self,
        value: Value,
        name: &str,
        span: Span,
    ) -> Result<Value, Diagnostic> {
        let (value, marked) = value.unmark();
        let out = match value {
            Value::Unknown(Type::Object(o)) => {
                Value::Unknown(o.attrs.get(name).cloned().unwrap_or(Type::Any))
            }
            Value::Unknown(_) => Value::unknown(),
            Value::Null(_) => {
                return Err(self
                    .error("eval::null-value", span, format!("cannot read attribute `{name}` of null"), "this value is null")
                    .with_help("Check for null first: `x != null ? x.attr : default`, or use `try(x.attr, default)`."));
            }
            Value::Object(mut m) | Value::Map(_, mut m) => match m.remove(name) {
                Some(v) => v,
                None => {
                    // The keys of a sensitive map are as secret as its values.
                    let help = match did_you_mean(name, m.keys().map(String::as_str)) {
                        _ if marked => {
                            "The value is sensitive, so its attributes are not listed.".into()
                        }
                        Some(s) => format!("Did you mean `{s}`?"),
                        None if m.is_empty() => "The object has no attributes.".into(),
                        None => format!(
                            "It has: {}.",
                            m.keys()
                                .take(8)
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    return Err(self
                        .error(
                            "eval::no-attribute",
                            span,
                            format!("there is no attribute `{name}`"),
                            "unknown attribute",
                        )
                        .with_help(help));
                }
            },
            v @ (Value::List(..) | Value::Set(..) | Value::Tuple(_)) => {
                return Err(self
                    .error("eval::attribute-of-collection", span, format!("cannot read attribute `{name}` of a {}", v.type_of().friendly()), "a collection, not an object")
                    .with_help(format!("Use `[*].{name}` for the attribute of every element, or `[0].{name}` for one element.")));
            }
            other => {
                return Err(self.error(
                    "eval::no-attribute",
                    span,
                    format!(
                        "cannot read attribute `{name}` of {}",
                        other.describe_as(marked)
                    ),
                    "not an object",
                ));
            }
        };
        Ok(out.mark_if(marked))
    }

    /// `value[key]`.
    pub(crate) fn index(
        &self,
        value: Value,
        key: Value,
        key_span: Span,
        span: Span,
    ) -> Result<Value, Diagnostic> {
        let (value, vm) = value.unmark();
        let (key, km) = key.unmark();
        let marked = vm || km;
        if key.is_null() {
            return Err(self.error(
                "eval::null-key",
                key_span,
                "an index cannot be null",
                "this is null",
            ));
        }
        let out = match value {
            Value::Unknown(_) => Value::unknown(),
            Value::Null(_) => {
                return Err(self
                    .error(
                        "eval::null-value",
                        span,
                        "cannot index null",
                        "this value is null",
                    )
                    .with_help("Check for null first, or use `try(x[key], default)`."));
            }
            _ if key.is_unknown() => Value::unknown(),
            Value::List(_, items) | Value::Tuple(items) => {
                let n = items.len();
                let i = match value::convert(key.clone(), &Type::Number) {
                    Ok(Value::Number(num)) => num.as_i64(),
                    _ => {
                        return Err(self
                            .error("eval::invalid-index", key_span, format!("a list index must be a whole number, got {}", key.describe_as(km)), "not a number")
                            .with_help("Lists are indexed by position from 0; maps and objects by string keys."));
                    }
                };
                match i.and_then(|i| usize::try_from(i).ok()).filter(|i| *i < n) {
                    Some(i) => items.into_iter().nth(i).unwrap_or(Value::NULL),
                    None if marked => {
                        // The index or the list is sensitive: neither the
                        // index nor the length may show.
                        return Err(self
                            .error("eval::index-out-of-range", key_span, format!("index {} is out of range", key_text(&key, km)), "out of range")
                            .with_help("The list or the index is sensitive, so neither is shown; `try(list[i], default)` gives a fallback."));
                    }
                    None => {
                        return Err(self
                            .error("eval::index-out-of-range", key_span, format!("index {} is out of range", key_text(&key, km)), format!("the list has {n} element{}", if n == 1 { "" } else { "s" }))
                            .with_help(if n == 0 { "The list is empty.".to_string() } else { format!("Valid indexes are 0 to {}; `element(list, i)` wraps around, `try(list[i], default)` gives a fallback.", n - 1) }));
                    }
                }
            }
            Value::Map(_, mut m) | Value::Object(mut m) => {
                let k = match value::convert(key.clone(), &Type::String) {
                    Ok(Value::String(s)) => s,
                    _ => {
                        return Err(self.error(
                            "eval::invalid-index",
                            key_span,
                            format!("a map key must be a string, got {}", key.describe_as(km)),
                            "not a string",
                        ));
                    }
                };
                match m.remove(&k) {
                    Some(v) => v,
                    None => {
                        // Neither a sensitive key nor the keys of a
                        // sensitive map may show.
                        let help = match did_you_mean(&k, m.keys().map(String::as_str)) {
                            Some(s) if !marked => format!("Did you mean {s:?}? `lookup(map, key, default)` or `try(...)` give a fallback."),
                            _ => "`lookup(map, key, default)` or `try(map[key], default)` give a fallback.".into(),
                        };
                        let message = if km {
                            "there is no element with this sensitive key".to_string()
                        } else {
                            format!("there is no element with key {k:?}")
                        };
                        return Err(self
                            .error("eval::missing-key", key_span, message, "no such key")
                            .with_help(help));
                    }
                }
            }
            Value::Set(..) => {
                return Err(self
                    .error(
                        "eval::index-set",
                        span,
                        "a set cannot be indexed: its elements have no order",
                        "a set",
                    )
                    .with_help("Convert it with `tolist(...)` first, or iterate with `for`."));
            }
            other => {
                return Err(self.error(
                    "eval::not-indexable",
                    span,
                    format!("cannot index {}", other.describe_as(vm)),
                    "not a collection",
                ));
            }
        };
        Ok(out.mark_if(marked))
    }

    pub(super) fn eval_splat(&mut self, source: &Expr, each: &Expr) -> Result<Value, Diagnostic> {
        let src = self.eval(source)?;
        let (src, marked) = src.unmark();
        let (items, as_list) = match src {
            Value::Unknown(_) => return Ok(Value::unknown().mark_if(marked)),
            Value::Null(_) => return Ok(Value::Tuple(Vec::new()).mark_if(marked)),
            Value::List(_, items) | Value::Set(_, items) => (items, true),
            Value::Tuple(items) => (items, false),
            other => (vec![other], false),
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // Elements of a sensitive source are sensitive while `each`
            // runs (so errors about them do not show them); the result
            // as a whole is marked below.
            self.splat.push(item.mark_if(marked));
            let r = self.eval(each);
            self.splat.pop();
            let r = r?;
            out.push(if marked { r.unmark().0 } else { r });
        }
        let v = if as_list {
            match value::unify(out.clone()) {
                Ok((t, items)) => Value::List(t, items),
                Err(_) => Value::Tuple(out),
            }
        } else {
            Value::Tuple(out)
        };
        Ok(v.mark_if(marked))
    }
}

/// An index in a message: the number itself, or the description of
/// anything else; only the type of a sensitive index.
fn key_text(key: &Value, sensitive: bool) -> String {
    match key {
        Value::Number(n) if !sensitive => n.to_string(),
        other => other.describe_as(sensitive),
    }
}
