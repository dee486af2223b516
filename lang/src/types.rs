//! Type constraints as written in `.infra` (`string`, `list(number)`,
//! `object({ name = string, port = optional(number, 80) })`, ...), parsed from
//! their expression form.

use crate::ast::{Expr, ExprKind};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use std::sync::Arc;

/// A type constraint.
#[derive(Clone, Debug)]
pub enum Type {
    /// `string`
    String,
    /// `number`
    Number,
    /// `bool`
    Bool,
    /// `any`: no constraint.
    Any,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `tuple([T, ...])`
    Tuple(Vec<Type>),
    /// `object({ name = T, ... })`, attributes in source order.
    Object(Vec<ObjectAttr>),
}

/// One attribute of an object type.
#[derive(Clone, Debug)]
pub struct ObjectAttr {
    /// The attribute name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// `optional(T)` or `optional(T, default)`.
    pub optional: bool,
    /// The default given to `optional(T, default)`, as an expression to be
    /// evaluated when the type is applied.
    pub default: Option<Expr>,
}

const PRIMITIVES: &[&str] = &["string", "number", "bool", "any"];
const CONSTRUCTORS: &[&str] = &["list", "set", "map", "tuple", "object"];

struct TypeParser<'a> {
    source: &'a Arc<SourceFile>,
    diags: Vec<Diagnostic>,
}

impl TypeParser<'_> {
    fn fail(&mut self, e: &Expr, message: String, help: String) -> Option<Type> {
        self.diags.push(
            Diagnostic::error("type::invalid", message)
                .in_file(self.source)
                .primary(e.span, "not a valid type")
                .with_help(help),
        );
        None
    }

    fn parse(&mut self, e: &Expr, in_object: bool) -> Option<Type> {
        match &e.kind {
            ExprKind::Variable(id) => match id.name.as_str() {
                "string" => Some(Type::String),
                "number" => Some(Type::Number),
                "bool" => Some(Type::Bool),
                "any" => Some(Type::Any),
                "list" | "set" | "map" => self.fail(
                    e,
                    format!("`{}` needs an element type", id.name),
                    format!("Write `{}(string)`, or `{}(any)` for any element type.", id.name, id.name),
                ),
                other => {
                    let all = PRIMITIVES.iter().chain(CONSTRUCTORS).copied();
                    let help = match crate::diagnostic::did_you_mean(other, all) {
                        Some(s) => format!("Did you mean `{s}`?"),
                        None => "Types are string, number, bool, any, list(T), set(T), map(T), tuple([...]) and object({...}).".into(),
                    };
                    self.fail(e, format!("unknown type `{other}`"), help)
                }
            },
            ExprKind::FunctionCall { name, args, .. } => {
                let n = name.name.as_str();
                match (n, args.as_slice()) {
                    ("list" | "set" | "map", [inner]) => {
                        let t = Box::new(self.parse(inner, false)?);
                        Some(match n {
                            "list" => Type::List(t),
                            "set" => Type::Set(t),
                            _ => Type::Map(t),
                        })
                    }
                    ("tuple", [inner]) => match &inner.kind {
                        ExprKind::Tuple(items) => {
                            let mut out = Vec::new();
                            for i in items {
                                out.push(self.parse(i, false)?);
                            }
                            Some(Type::Tuple(out))
                        }
                        _ => self.fail(inner, "`tuple` takes a list of types".into(), "Write `tuple([string, number])`.".into()),
                    },
                    ("object", [inner]) => match &inner.kind {
                        ExprKind::Object(items) => {
                            let mut attrs = Vec::new();
                            for item in items {
                                let name = match &item.key.kind {
                                    ExprKind::Variable(id) => id.name.clone(),
                                    ExprKind::Template(t) => match t.as_literal() {
                                        Some(s) => s,
                                        None => return self.fail(&item.key, "object type attribute names must be literal".into(), "Write the name without interpolation.".into()),
                                    },
                                    _ => return self.fail(&item.key, "object type attribute names must be names".into(), "Write `object({ name = string })`.".into()),
                                };
                                let (ty, optional, default) = match &item.value.kind {
                                    ExprKind::FunctionCall { name: f, args, .. } if f.name == "optional" => {
                                        match args.as_slice() {
                                            [t] => (self.parse(t, true)?, true, None),
                                            [t, d] => (self.parse(t, true)?, true, Some(d.clone())),
                                            _ => return self.fail(&item.value, "`optional` takes a type and an optional default".into(), "Write `optional(number)` or `optional(number, 80)`.".into()),
                                        }
                                    }
                                    _ => (self.parse(&item.value, true)?, false, None),
                                };
                                attrs.push(ObjectAttr { name, ty, optional, default });
                            }
                            Some(Type::Object(attrs))
                        }
                        _ => self.fail(inner, "`object` takes an object of attribute types".into(), "Write `object({ name = string })`.".into()),
                    },
                    ("optional", _) => {
                        let where_ = if in_object { "directly as an object attribute's type" } else { "inside `object({...})`" };
                        self.fail(e, "`optional` is only allowed for object attributes".into(), format!("Use `optional(T)` {where_}."))
                    }
                    ("list" | "set" | "map" | "tuple" | "object", _) => self.fail(
                        e,
                        format!("`{n}` takes exactly one argument, got {}", args.len()),
                        format!("Write `{n}(...)` with one type inside."),
                    ),
                    _ => self.fail(
                        e,
                        format!("`{n}` is not a type constructor"),
                        "Type constructors are list(T), set(T), map(T), tuple([...]) and object({...}).".into(),
                    ),
                }
            }
            ExprKind::Template(t) if t.as_literal().is_some_and(|s| PRIMITIVES.contains(&s.as_str())) => {
                let s = t.as_literal().unwrap_or_default();
                self.fail(e, format!("quoted type \"{s}\" is no longer valid"), format!("Write the type without quotes: `{s}`."))
            }
            _ => self.fail(
                e,
                "this is not a type expression".into(),
                "Types are string, number, bool, any, list(T), set(T), map(T), tuple([...]) and object({...}).".into(),
            ),
        }
    }
}

/// Parses `expr` (from `source`) as a type constraint.
///
/// # Errors
/// `type::invalid` diagnostics naming the offending part and the fix.
pub fn parse_type(source: &Arc<SourceFile>, expr: &Expr) -> Result<Type, Vec<Diagnostic>> {
    let mut p = TypeParser {
        source,
        diags: Vec::new(),
    };
    match p.parse(expr, false) {
        Some(t) if p.diags.is_empty() => Ok(t),
        _ => Err(p.diags),
    }
}
