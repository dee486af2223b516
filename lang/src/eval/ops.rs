//! Unary and binary operators with HCL's conversions (`"2" * 3` is 6),
//! unknown propagation and short-circuiting `&&` / `||`.

use super::Evaluator;
use crate::ast::{BinaryOp, Expr, UnaryOp};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::types::Type;
use crate::value::{self, Number, Value};

impl Evaluator<'_> {
    pub(super) fn unary(&self, op: UnaryOp, v: Value, span: Span) -> Result<Value, Diagnostic> {
        let (v, marked) = v.unmark();
        let out = match op {
            UnaryOp::Not => match self.operand_bool((v, marked), span, "!")? {
                None => Value::Unknown(Type::Bool),
                Some(b) => Value::Bool(!b),
            },
            UnaryOp::Negate => match self.operand_number((v, marked), span, "-")? {
                None => Value::Unknown(Type::Number),
                Some(n) => Value::Number(-n),
            },
        };
        Ok(out.mark_if(marked))
    }

    /// The operand (unmarked, and whether it was sensitive) converted to
    /// `want` (`bool` or `number`): the converted value, `None` when
    /// unknown; null and unconvertible values are errors, which name only
    /// the type of a sensitive operand.
    fn operand(
        &self,
        (v, marked): (Value, bool),
        want: &Type,
        span: Span,
        op: &str,
    ) -> Result<Option<Value>, Diagnostic> {
        match v {
            Value::Unknown(_) => Ok(None),
            Value::Null(_) => Err(self.error(
                "eval::null-operand",
                span,
                format!("the operand of `{op}` is null"),
                "this is null",
            )),
            other => value::convert(other.clone(), want).map(Some).map_err(|_| {
                let help = if *want == Type::Bool {
                    "Compare the value to get a bool, e.g. `x != \"\"`."
                } else {
                    "Convert with `tonumber(...)` if the value is a numeric string."
                };
                self.error(
                    "eval::operand-type",
                    span,
                    format!("`{op}` needs a {want}, got {}", other.describe_as(marked)),
                    format!("not a {want}"),
                )
                .with_help(help)
            }),
        }
    }

    /// The operand as a bool; `None` when unknown.
    fn operand_bool(
        &self,
        v: (Value, bool),
        span: Span,
        op: &str,
    ) -> Result<Option<bool>, Diagnostic> {
        Ok(match self.operand(v, &Type::Bool, span, op)? {
            Some(Value::Bool(b)) => Some(b),
            _ => None,
        })
    }

    /// The operand as a number; `None` when unknown.
    fn operand_number(
        &self,
        v: (Value, bool),
        span: Span,
        op: &str,
    ) -> Result<Option<Number>, Diagnostic> {
        Ok(match self.operand(v, &Type::Number, span, op)? {
            Some(Value::Number(n)) => Some(n),
            _ => None,
        })
    }

    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
    ) -> Result<Value, Diagnostic> {
        let sym = op.symbol();
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let (l, lm) = self.eval(lhs)?.unmark();
            let l = self.operand_bool((l, lm), lhs.span, sym)?;
            // Short-circuit: `false && x` and `true || x` do not evaluate x,
            // so `var.o != null && var.o.enabled` works on a null object.
            match (op, l) {
                (BinaryOp::And, Some(false)) => return Ok(Value::Bool(false).mark_if(lm)),
                (BinaryOp::Or, Some(true)) => return Ok(Value::Bool(true).mark_if(lm)),
                _ => {}
            }
            let (r, rm) = self.eval(rhs)?.unmark();
            let r = self.operand_bool((r, rm), rhs.span, sym)?;
            let marked = lm || rm;
            let out = match (op, l, r) {
                (BinaryOp::And, _, Some(false)) => Value::Bool(false),
                (BinaryOp::Or, _, Some(true)) => Value::Bool(true),
                (_, Some(_), Some(b)) => Value::Bool(b),
                _ => Value::Unknown(Type::Bool),
            };
            return Ok(out.mark_if(marked));
        }
        let (l, lm) = self.eval(lhs)?.unmark();
        let (r, rm) = self.eval(rhs)?.unmark();
        let marked = lm || rm;
        let out = match op {
            BinaryOp::Equal | BinaryOp::NotEqual => {
                if l.has_unknown() || r.has_unknown() {
                    Value::Unknown(Type::Bool)
                } else {
                    let eq = values_equal(&l.unmark_deep().0, &r.unmark_deep().0);
                    Value::Bool(eq == (op == BinaryOp::Equal))
                }
            }
            _ => {
                let a = self.operand_number((l, lm), lhs.span, sym)?;
                let b = self.operand_number((r, rm), rhs.span, sym)?;
                let (Some(a), Some(b)) = (a, b) else {
                    let t = if matches!(
                        op,
                        BinaryOp::Add
                            | BinaryOp::Subtract
                            | BinaryOp::Multiply
                            | BinaryOp::Divide
                            | BinaryOp::Modulo
                    ) {
                        Type::Number
                    } else {
                        Type::Bool
                    };
                    return Ok(Value::Unknown(t).mark_if(marked));
                };
                match op {
                    BinaryOp::Add => Value::Number(a + b),
                    BinaryOp::Subtract => Value::Number(a - b),
                    BinaryOp::Multiply => Value::Number(a * b),
                    BinaryOp::Divide => Value::Number(
                        a.checked_div(&b)
                            .ok_or_else(|| self.division_by_zero(rhs.span))?,
                    ),
                    BinaryOp::Modulo => Value::Number(
                        a.checked_rem(&b)
                            .ok_or_else(|| self.division_by_zero(rhs.span))?,
                    ),
                    BinaryOp::Greater => Value::Bool(a.compare(&b).is_gt()),
                    BinaryOp::GreaterOrEqual => Value::Bool(a.compare(&b).is_ge()),
                    BinaryOp::Less => Value::Bool(a.compare(&b).is_lt()),
                    BinaryOp::LessOrEqual => Value::Bool(a.compare(&b).is_le()),
                    BinaryOp::Or | BinaryOp::And | BinaryOp::Equal | BinaryOp::NotEqual => {
                        Value::NULL
                    }
                }
            }
        };
        Ok(out.mark_if(marked))
    }

    fn division_by_zero(&self, span: Span) -> Diagnostic {
        self.error(
            "eval::division-by-zero",
            span,
            "division by zero",
            "this is zero",
        )
        .with_help("Guard the division with a condition, e.g. `n == 0 ? 0 : total / n`.")
    }
}

/// `==` between two known values. Strict on primitive types (`1 == "1"`
/// is false, as in Terraform), but a list equals a tuple with the same
/// elements and a map equals an object with the same entries — so
/// `var.names == []` is true for an empty `list(string)`, where Terraform
/// says false.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null(_), Value::Null(_)) => true,
        (Value::Set(_, x), Value::Set(_, y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Set(..), _) | (_, Value::Set(..)) => false,
        _ => match (
            a.as_sequence(),
            b.as_sequence(),
            a.as_mapping(),
            b.as_mapping(),
        ) {
            (Some(x), Some(y), _, _) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
            }
            (_, _, Some(x), Some(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((ka, va), (kb, vb))| ka == kb && values_equal(va, vb))
            }
            _ => a == b,
        },
    }
}
