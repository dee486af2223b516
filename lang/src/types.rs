//! Type constraints as written in `.infra` (`string`, `list(number)`,
//! `object({ name = string, port = optional(number, 80) })`, ...), parsed from
//! their expression form.

use crate::ast::{Expr, ExprKind};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::value::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A type: of a value (`type_of`) or a constraint written in source.
///
/// `Any` is the "dynamic" type: as a constraint it accepts every value, as
/// the type of a value it means "not known yet" (an untyped `null` or an
/// unknown whose type is open).
#[derive(Clone, Debug, PartialEq)]
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
    /// `object({ name = T, ... })`
    Object(Box<ObjectType>),
}

/// The attributes of an object type, sorted by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectType {
    /// Every attribute and its type.
    pub attrs: BTreeMap<String, Type>,
    /// Attributes declared `optional(T)` or `optional(T, default)`, with
    /// the default (already evaluated; `None` means null).
    pub optional: BTreeMap<String, Option<Value>>,
}

impl Type {
    /// An object type with no optional attributes.
    pub fn object(attrs: BTreeMap<String, Type>) -> Type {
        Type::Object(Box::new(ObjectType {
            attrs,
            optional: BTreeMap::new(),
        }))
    }

    /// True for `string`, `number` and `bool`.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }

    /// The type in cty's JSON form, as `terraform output -json` prints it:
    /// `"string"`, `["list","number"]`, `["object",{"a":"bool"}]`,
    /// `"dynamic"` for `any`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::Any => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
            Type::Object(o) => {
                let attrs: serde_json::Map<String, serde_json::Value> = o
                    .attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", attrs])
            }
        }
    }

    /// The type a cty type JSON document describes (go-cty
    /// `cty/json_type.go`, the inverse of [`Type::to_json`]): `"string"`,
    /// `["list","number"]`, `["object",{"a":"bool"}]` (a third element,
    /// the optional attributes of a type constraint, is ignored),
    /// `"dynamic"` for `any`.
    ///
    /// # Errors
    /// A message naming what is not a cty type.
    pub fn from_json(doc: &serde_json::Value) -> Result<Type, String> {
        use serde_json::Value as Json;
        match doc {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Any),
                other => Err(format!("unknown primitive type `{other}`")),
            },
            Json::Array(items) => {
                let kind = items.first().and_then(Json::as_str).ok_or_else(|| {
                    "a type array must start with its kind (`list`, `object`, ...)".to_string()
                })?;
                match (kind, &items[1..]) {
                    ("list", [t]) => Ok(Type::List(Box::new(Type::from_json(t)?))),
                    ("set", [t]) => Ok(Type::Set(Box::new(Type::from_json(t)?))),
                    ("map", [t]) => Ok(Type::Map(Box::new(Type::from_json(t)?))),
                    ("tuple", [Json::Array(ts)]) => Ok(Type::Tuple(
                        ts.iter().map(Type::from_json).collect::<Result<_, _>>()?,
                    )),
                    ("object", [Json::Object(attrs)] | [Json::Object(attrs), Json::Array(_)]) => {
                        let attrs = attrs
                            .iter()
                            .map(|(k, t)| Ok((k.clone(), Type::from_json(t)?)))
                            .collect::<Result<BTreeMap<_, _>, String>>()?;
                        Ok(Type::object(attrs))
                    }
                    (kind, _) => Err(format!(
                        "type `{kind}` with {} argument(s) is not a cty type",
                        items.len() - 1
                    )),
                }
            }
            _ => Err("a type must be a string or an array in type JSON".to_string()),
        }
    }

    /// "string", "list of number", "object" — the short phrase used in
    /// error messages ("expected list of number, got string").
    pub fn friendly(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Any => "any value".into(),
            Type::List(t) => format!("list of {}", t.friendly()),
            Type::Set(t) => format!("set of {}", t.friendly()),
            Type::Map(t) => format!("map of {}", t.friendly()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(_) => "object".into(),
        }
    }
}

impl fmt::Display for Type {
    /// The type in the language's own syntax: `list(string)`,
    /// `object({ name = string, port = optional(number) })`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Any => f.write_str("any"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(o) => {
                f.write_str("object({")?;
                for (i, (k, t)) in o.attrs.iter().enumerate() {
                    f.write_str(if i > 0 { ", " } else { " " })?;
                    if o.optional.contains_key(k) {
                        write!(f, "{k} = optional({t})")?;
                    } else {
                        write!(f, "{k} = {t}")?;
                    }
                }
                f.write_str(if o.attrs.is_empty() { "})" } else { " })" })
            }
        }
    }
}

const PRIMITIVES: &[&str] = &["string", "number", "bool", "any"];
const CONSTRUCTORS: &[&str] = &["list", "set", "map", "tuple", "object"];

struct TypeParser<'a> {
    source: &'a Arc<SourceFile>,
    diags: Vec<Diagnostic>,
}

impl TypeParser<'_> {
    /// Evaluates the default of `optional(T, default)`: a constant
    /// expression (no references, no function calls), converted to `T`.
    fn default_value(&mut self, e: &Expr, ty: &Type) -> Option<Value> {
        let value = match crate::eval::eval_constant(self.source, e) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        match crate::value::convert(value, ty) {
            Ok(v) => Some(v),
            Err(err) => self
                .fail(
                    e,
                    format!("this default is not a valid {ty}: {}", err.message),
                    format!("Give a default of type {ty}, or none (the attribute is then null)."),
                )
                .map(|_| Value::Null(Type::Any)),
        }
    }

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
                            let mut obj = ObjectType::default();
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
                                            [t, d] => {
                                                let ty = self.parse(t, true)?;
                                                let value = self.default_value(d, &ty)?;
                                                (ty, true, Some(value))
                                            }
                                            _ => return self.fail(&item.value, "`optional` takes a type and an optional default".into(), "Write `optional(number)` or `optional(number, 80)`.".into()),
                                        }
                                    }
                                    _ => (self.parse(&item.value, true)?, false, None),
                                };
                                if optional {
                                    obj.optional.insert(name.clone(), default);
                                }
                                obj.attrs.insert(name, ty);
                            }
                            Some(Type::Object(Box::new(obj)))
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
