//! Checking a resource's configuration against its provider schema:
//! unknown attributes (with did-you-mean), missing required ones,
//! read-only ones set, and type mismatches. `check_body` works on the
//! syntax tree alone (for `infra validate`, no evaluation, no network);
//! `conform` works on an evaluated configuration (at plan time) and turns
//! it into the object the provider sees.

use super::ResourceSchema;
use super::schema::{NestedBlock, Nesting};
use infra_lang::ast::{Block, Body};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::eval::eval_constant;
use infra_lang::value::ValueMap;
use infra_lang::value::convert;
use infra_lang::{Diagnostic, SourceFile, Span, Type, Value};
use std::sync::Arc;

/// One problem found in a configuration: which top-level attribute, and
/// the diagnostic (without position; the caller places it).
#[derive(Debug)]
pub struct Problem {
    /// The attribute, or `None` for the block as a whole.
    pub attribute: Option<String>,
    /// The error.
    pub diagnostic: Diagnostic,
}

fn unknown_attr(schema: &ResourceSchema, what: &str, name: &str) -> Diagnostic {
    let names = schema
        .attributes
        .keys()
        .chain(schema.blocks.keys())
        .map(String::as_str);
    let help = match did_you_mean(name, names) {
        Some(s) => format!("Did you mean `{s}`?"),
        None => format!(
            "{what} has: {}.",
            schema
                .attributes
                .iter()
                .filter(|(_, a)| !a.read_only())
                .map(|(n, _)| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::error(
        "schema::unknown-attribute",
        format!("{what} has no argument `{name}`"),
    )
    .with_help(help)
}

fn read_only_attr(what: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        "schema::read-only",
        format!("`{name}` of {what} is computed by the provider and cannot be set"),
    )
    .with_help(format!(
        "Remove `{name}`; read it as an attribute of the resource instead."
    ))
}

fn missing_attr(what: &str, name: &str, schema: &ResourceSchema) -> Diagnostic {
    let desc = schema
        .attributes
        .get(name)
        .map(|a| a.description.as_ref())
        .unwrap_or_default();
    Diagnostic::error(
        "schema::missing-required",
        format!("{what} needs argument `{name}`"),
    )
    .with_help(format!("Add `{name} = ...`: {desc}"))
}

/// Converts the evaluated configuration object `config` of `what`
/// (e.g. "`local_file.page`") to the schema: every attribute present
/// (null where unset), each converted to its type.
///
/// # Errors
/// Every problem found: unknown or read-only attributes, missing required
/// ones, values of the wrong type (the message names the path inside the
/// value).
pub fn conform(schema: &ResourceSchema, what: &str, config: Value) -> Result<Value, Vec<Problem>> {
    let (config, sensitive) = config.unmark();
    let mut given = match config {
        Value::Object(m) => m,
        Value::Null(_) => ValueMap::new(),
        other => {
            return Err(vec![Problem {
                attribute: None,
                diagnostic: Diagnostic::error(
                    "schema::type-mismatch",
                    format!(
                        "{what} needs an object, got {}",
                        other.describe_as(sensitive)
                    ),
                ),
            }]);
        }
    };
    let mut problems = Vec::new();
    let mut out = ValueMap::new();
    for (name, v) in &given {
        if schema.blocks.contains_key(name) {
            continue;
        }
        let Some(attr) = schema.attributes.get(name) else {
            problems.push(Problem {
                attribute: Some(name.clone()),
                diagnostic: unknown_attr(schema, what, name),
            });
            continue;
        };
        if attr.read_only() && !v.is_null() {
            problems.push(Problem {
                attribute: Some(name.clone()),
                diagnostic: read_only_attr(what, name),
            });
        }
    }
    for (name, attr) in &schema.attributes {
        // Moved out, not cloned: `given` is not read again for this name
        // (unless a block type shares it).
        let v = if schema.blocks.contains_key(name) {
            given.get(name).cloned()
        } else {
            given.remove(name)
        };
        let v = match v {
            Some(v) if !v.is_null() || v.is_unknown() => v,
            _ => {
                if attr.required {
                    problems.push(Problem {
                        attribute: None,
                        diagnostic: missing_attr(what, name, schema),
                    });
                }
                out.insert(name.clone(), Value::Null(attr.ty.clone()));
                continue;
            }
        };
        // One nested block gives an object; a block type that may repeat
        // (a list or set of objects in the schema) takes it as one item.
        let v = match (&attr.ty, v) {
            (Type::List(e) | Type::Set(e), Value::Object(m)) if matches!(**e, Type::Object(_)) => {
                Value::Tuple(vec![Value::Object(m)])
            }
            (_, v) => v,
        };
        // Under a sensitive configuration every attribute is sensitive, so
        // a conversion error names its type only.
        let target = attr.config_type();
        let converted = if sensitive && !matches!(v, Value::Sensitive(_)) {
            convert(v.mark_if(true), &target).map(|v| v.unmark().0)
        } else {
            convert(v, &target)
        };
        match converted {
            Ok(v) => {
                out.insert(name.clone(), super::marks::mark_attribute(attr, v));
            }
            Err(e) => {
                let path = e.path_string();
                problems.push(Problem {
                    attribute: Some(name.clone()),
                    diagnostic: Diagnostic::error(
                        "schema::type-mismatch",
                        format!("`{name}{path}` of {what}: {}", e.message),
                    )
                    .with_help(format!("`{name}` is {}.", attr.ty.friendly())),
                });
            }
        }
    }
    for (name, b) in &schema.blocks {
        let v = given.remove(name).filter(|v| !v.is_null());
        match conform_blocks(b, what, name, v) {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(Value::Object(out).mark_if(sensitive))
    } else {
        Err(problems)
    }
}

/// The value of block type `name` (nested block schema `b`) of `what`
/// from the configuration's `v` (one block: an object; several: a tuple;
/// none: `None`), as Terraform decodes blocks: absent list and set blocks
/// are empty collections, absent map blocks an empty map, an absent
/// single block null and an absent group block an object of nulls; the
/// number of blocks must be within `min_items` and `max_items` (unless
/// unknown, from a `dynamic` block over unknown values).
fn conform_blocks(
    b: &NestedBlock,
    what: &str,
    name: &str,
    v: Option<Value>,
) -> Result<Value, Vec<Problem>> {
    let ty = b.block.object_type();
    if v.as_ref().is_some_and(Value::is_unknown) {
        return Ok(Value::Unknown(b.implied_type()));
    }
    let inner = format!("a `{name}` block of {what}");
    let blame = |diagnostic: Diagnostic| Problem {
        attribute: Some(name.to_string()),
        diagnostic,
    };
    let (items, keyed): (Vec<Value>, Option<Vec<String>>) = match v.map(|v| v.unmark().0) {
        None => (Vec::new(), None),
        Some(Value::Tuple(xs) | Value::List(_, xs) | Value::Set(_, xs)) => (xs, None),
        Some(Value::Object(m) | Value::Map(_, m)) if b.nesting == Nesting::Map => {
            let (k, xs) = m.into_iter().unzip();
            (xs, Some(k))
        }
        Some(x) => (vec![x], None),
    };
    let (min, max) = match b.nesting {
        Nesting::Single | Nesting::Group => (b.min_items.min(1), 1),
        _ => (b.min_items, b.max_items),
    };
    let n = items.len() as u64;
    let mut problems = Vec::new();
    if n < min {
        problems.push(blame(Diagnostic::error(
            "schema::block-count",
            format!(
                "{what} needs at least {min} `{name}` block{}, got {n}",
                plural(min)
            ),
        )));
    }
    if max > 0 && n > max {
        problems.push(blame(Diagnostic::error(
            "schema::block-count",
            format!(
                "{what} takes at most {max} `{name}` block{}, got {n}",
                plural(max)
            ),
        )));
    }
    let mut objects = Vec::with_capacity(items.len());
    for item in items {
        match conform(&b.block, &inner, item) {
            Ok(o) => objects.push(o),
            Err(p) => problems.extend(p.into_iter().map(|p| blame(p.diagnostic))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(match b.nesting {
        Nesting::Single => objects.pop().unwrap_or(Value::Null(ty)),
        Nesting::Group => match objects.pop() {
            Some(o) => o,
            None => empty_value(&b.block),
        },
        Nesting::List if b.implied_type() == Type::Any => Value::Tuple(objects),
        Nesting::List => Value::List(ty, objects),
        Nesting::Set => Value::set(ty, objects),
        Nesting::Map => match keyed {
            Some(keys) if b.implied_type() == Type::Any => {
                Value::Object(keys.into_iter().zip(objects).collect())
            }
            Some(keys) => Value::Map(ty, keys.into_iter().zip(objects).collect()),
            None if objects.is_empty() => Value::Map(ty, ValueMap::new()),
            None => {
                return Err(vec![blame(Diagnostic::error(
                    "schema::block-count",
                    format!("`{name}` blocks of {what} need a label each (they form a map)"),
                ))]);
            }
        },
    })
}

/// Terraform's `Block.EmptyValue`, which is also an absent group block's
/// value: every attribute null, nested blocks as absent (null single
/// blocks, empty lists, sets and maps, empty groups).
pub fn empty_value(schema: &ResourceSchema) -> Value {
    let mut out: ValueMap = schema
        .attributes
        .iter()
        .map(|(n, a)| (n.clone(), Value::Null(a.ty.clone())))
        .collect();
    for (n, b) in &schema.blocks {
        let v = conform_blocks(b, "", n, None).unwrap_or(Value::Null(b.implied_type()));
        out.insert(n.clone(), v);
    }
    Value::Object(out)
}

/// What is wrong with the labels of block `nb` of block type `bs` in
/// `what`, as Terraform's decoder reports it: a map block needs exactly one
/// label, unique among the type's blocks (`seen` holds the type and label
/// of those before); other blocks take none.
fn label_problem(
    bs: &NestedBlock,
    nb: &Block,
    what: &str,
    seen: &mut Vec<(String, String)>,
) -> Option<Problem> {
    let name = nb.kind.name.as_str();
    let message = match (bs.nesting, nb.labels.as_slice()) {
        (Nesting::Map, [label]) => {
            let key = (name.to_string(), label.value.clone());
            if seen.contains(&key) {
                format!(
                    "{what} has two `{name}` blocks labelled \"{}\"; each label is a key and must be unique",
                    label.value
                )
            } else {
                seen.push(key);
                return None;
            }
        }
        (Nesting::Map, []) => {
            format!("a `{name}` block of {what} needs a label: `{name} \"KEY\" {{ ... }}`")
        }
        (Nesting::Map, _) => format!("a `{name}` block of {what} takes one label, its key"),
        (_, []) => return None,
        (_, _) => format!("a `{name}` block of {what} takes no labels"),
    };
    Some(Problem {
        attribute: Some(name.to_string()),
        diagnostic: Diagnostic::error("schema::block-labels", message),
    })
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Places `problems` of block `b` in file `src`: at the attribute's
/// expression (or name, for unknown names), else at the block's labels.
pub fn place(problems: Vec<Problem>, src: &Arc<SourceFile>, b: &Block) -> Vec<Diagnostic> {
    let block_span = b
        .labels
        .last()
        .map_or(b.kind.span, |l| Span::new(b.kind.span.start, l.span.end));
    problems
        .into_iter()
        .map(|p| {
            let (span, label) = match p.attribute.as_deref().and_then(|n| find(&b.body, n)) {
                Some((span, is_block)) => {
                    let label = match p.diagnostic.code {
                        "schema::unknown-attribute" if is_block => "unknown block type",
                        "schema::unknown-attribute" => "unknown argument",
                        "schema::read-only" => "computed by the provider",
                        _ => "wrong type",
                    };
                    (span, label)
                }
                None => (block_span, "in this block"),
            };
            p.diagnostic.in_file(src).primary(span, label)
        })
        .collect()
}

/// The span of attribute (or nested block) `name` in `body`: the
/// expression of an attribute, the type of a block.
fn find(body: &Body, name: &str) -> Option<(Span, bool)> {
    if let Some(a) = body.attribute(name) {
        return Some((a.expr.span, false));
    }
    body.blocks()
        .find(|b| b.kind.name == name)
        .map(|b| (b.kind.span, true))
}

/// Checks block `b` (a `resource` or `data` block of `what`) against
/// `schema` using the syntax tree only: unknown names, read-only ones,
/// missing required arguments, and constant values of the wrong type.
/// Expressions that need evaluation are not checked here. The arguments
/// named in `meta_args` and the nested blocks in `meta_blocks` (the
/// meta-arguments, which `config` knows) are not configuration and are
/// skipped, as are `dynamic` blocks (whose label is checked instead).
pub fn check_body(
    schema: &ResourceSchema,
    what: &str,
    src: &Arc<SourceFile>,
    b: &Block,
    meta_args: &[&str],
    meta_blocks: &[&str],
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let dynamic: Vec<&str> = b
        .body
        .blocks()
        .filter(|d| d.kind.name == "dynamic")
        .filter_map(|d| d.labels.first().map(|l| l.value.as_str()))
        .collect();
    for a in b.body.attributes() {
        let name = a.name.name.as_str();
        if meta_args.contains(&name) {
            continue;
        }
        let Some(attr) = schema.attributes.get(name) else {
            problems.push(Problem {
                attribute: Some(name.to_string()),
                diagnostic: unknown_attr(schema, what, name),
            });
            continue;
        };
        if attr.read_only() {
            problems.push(Problem {
                attribute: Some(name.to_string()),
                diagnostic: read_only_attr(what, name),
            });
            continue;
        }
        if let Ok(v) = eval_constant(src, &a.expr)
            && !v.is_null()
            && let Err(e) = convert(v, &attr.config_type())
        {
            problems.push(Problem {
                attribute: Some(name.to_string()),
                diagnostic: Diagnostic::error(
                    "schema::type-mismatch",
                    format!("`{name}{}` of {what}: {}", e.path_string(), e.message),
                )
                .with_help(format!("`{name}` is {}.", attr.ty.friendly())),
            });
        }
    }
    let mut nested = Vec::new();
    let mut seen_labels = Vec::new();
    for nb in b.body.blocks() {
        let name = nb.kind.name.as_str();
        if name == "dynamic" || meta_blocks.contains(&name) {
            continue;
        }
        if let Some(bs) = schema.blocks.get(name) {
            if let Some(p) = label_problem(bs, nb, what, &mut seen_labels) {
                problems.push(p);
            }
            let inner = format!("a `{name}` block of {what}");
            nested.extend(check_body(&bs.block, &inner, src, nb, &[], &[]));
            continue;
        }
        if !schema.attributes.contains_key(name) {
            problems.push(Problem {
                attribute: Some(name.to_string()),
                diagnostic: unknown_attr(schema, what, name),
            });
        }
    }
    for (name, attr) in &schema.attributes {
        if attr.required
            && b.body.attribute(name).is_none()
            && !b.body.blocks().any(|nb| nb.kind.name == *name)
            && !dynamic.contains(&name.as_str())
        {
            problems.push(Problem {
                attribute: None,
                diagnostic: missing_attr(what, name, schema),
            });
        }
    }
    for (name, bs) in &schema.blocks {
        if dynamic.contains(&name.as_str()) {
            continue;
        }
        let n = b.body.blocks().filter(|nb| nb.kind.name == *name).count() as u64;
        let max = match bs.nesting {
            Nesting::Single | Nesting::Group => 1,
            _ => bs.max_items,
        };
        let message = if n < bs.min_items {
            format!(
                "{what} needs at least {} `{name}` block{}, got {n}",
                bs.min_items,
                plural(bs.min_items)
            )
        } else if max > 0 && n > max {
            format!(
                "{what} takes at most {max} `{name}` block{}, got {n}",
                plural(max)
            )
        } else {
            continue;
        };
        problems.push(Problem {
            attribute: (n > 0).then(|| name.clone()),
            diagnostic: Diagnostic::error("schema::block-count", message),
        });
    }
    let mut out = place(problems, src, b);
    out.extend(nested);
    out
}
