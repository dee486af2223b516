//! The checks Terraform applies to a provider's answers, applied by the
//! engine to every provider's: a planned value must conform to the schema,
//! keep write-only attributes null, and keep each non-computed attribute
//! as configured (or as it was); a new state after apply must conform, be
//! fully known, be an object after a create or update, and equal every
//! known planned value. Mirrors Terraform's
//! `internal/plans/objchange/plan_valid.go` (`AssertPlanValid`) and
//! `compatible.go` (`AssertObjectCompatible`), called from
//! `node_resource_abstract_instance.go`. Problems of the second kind are
//! only logged (debug) for providers on the legacy SDK
//! (`legacy_type_system`), as Terraform tolerates them.

use super::schema::{Attribute, NestedBlock, Nesting, ResourceSchema};
use super::{Failure, PlanRequest, PlannedState, Provider};
use infra_lang::value::ValueMap;
use infra_lang::value::{ConvertError, PathStep};
use infra_lang::{Diagnostic, Type, Value};
use std::collections::BTreeMap;

/// What is wrong with a provider's answer: `hard` problems are errors
/// whatever the provider; `soft` ones are tolerated (logged) for a
/// provider on Terraform's legacy SDK.
#[derive(Debug, Default, PartialEq)]
pub struct Problems {
    /// Always errors: type nonconformance, write-only values, unknowns
    /// after apply, a missing or unexpected object.
    pub hard: Vec<String>,
    /// Errors unless the provider uses the legacy type system.
    pub soft: Vec<String>,
}

impl Problems {
    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.hard.is_empty() && self.soft.is_empty()
    }

    /// The diagnostics for these problems of `provider`'s answer for
    /// `address`: `code` and `heading` for the soft ones (e.g.
    /// `provider::inconsistent-result`, "Provider produced inconsistent
    /// result after apply"), `hard_code`/`hard_heading` for the hard ones.
    /// Soft problems of a legacy provider are logged at debug level and
    /// dropped. Messages name attribute paths, never values.
    pub fn into_diagnostics(
        self,
        legacy: bool,
        provider: &str,
        address: &str,
        (code, heading): (&'static str, &str),
        (hard_code, hard_heading): (&'static str, &str),
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let bug = format!(
            "This is a bug in the provider `{provider}`, which should be reported in the provider's own issue tracker."
        );
        for p in self.hard {
            out.push(
                Diagnostic::error(
                    hard_code,
                    format!("{hard_heading}: provider `{provider}` for `{address}`: {p}"),
                )
                .with_help(bug.clone()),
            );
        }
        for p in self.soft {
            if legacy {
                tracing::debug!(
                    "{heading} for `{address}`, but tolerating it because provider `{provider}` uses the legacy plugin SDK: {p}"
                );
                continue;
            }
            out.push(
                Diagnostic::error(
                    code,
                    format!("{heading}: provider `{provider}` for `{address}`: {p}"),
                )
                .with_help(bug.clone()),
            );
        }
        out
    }
}

/// The path in the language's syntax: `.tags["a"]`, `.rule[0].id`.
pub fn path_text(path: &[PathStep]) -> String {
    ConvertError {
        path: path.to_vec(),
        message: String::new(),
    }
    .path_string()
}

/// A path for messages, without the leading dot: `filename` for a
/// top-level attribute, `tags["a"]`, `rule[0].id` deeper; empty for none.
pub fn path_name(path: &[PathStep]) -> String {
    let text = path_text(path);
    text.strip_prefix('.').map_or(text.clone(), str::to_string)
}

/// The part of `v` at `path`, marks removed; `None` when it has no such
/// part (a null or unknown on the way counts as that value).
pub fn value_at<'a>(v: &'a Value, path: &[PathStep]) -> Option<&'a Value> {
    let mut cur = strip(v);
    for step in path {
        if cur.is_null() || matches!(cur, Value::Unknown(_)) {
            return Some(cur);
        }
        cur = strip(match (step, cur) {
            (PathStep::Attr(n) | PathStep::Key(n), Value::Object(m) | Value::Map(_, m)) => {
                m.get(n)?
            }
            (
                PathStep::Index(i),
                Value::List(_, items) | Value::Tuple(items) | Value::Set(_, items),
            ) => items.get(*i)?,
            _ => return None,
        });
    }
    Some(cur)
}

fn strip(v: &Value) -> &Value {
    match v {
        Value::Sensitive(inner) => strip(inner),
        v => v,
    }
}

/// Terraform's `RawEquals` without refinements: marks ignored, an unknown
/// equals an unknown, the kind of collection and the type of a null
/// ignored (infra's values do not always carry them).
pub fn raw_equal(a: &Value, b: &Value) -> bool {
    match (strip(a), strip(b)) {
        (Value::Unknown(_), Value::Unknown(_)) => true,
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => false,
        (
            Value::List(_, x) | Value::Set(_, x) | Value::Tuple(x),
            Value::List(_, y) | Value::Set(_, y) | Value::Tuple(y),
        ) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| raw_equal(p, q)),
        (Value::Map(_, x) | Value::Object(x), Value::Map(_, y) | Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp == kq && raw_equal(p, q))
        }
        (a, b) => a.same_data(b),
    }
}

/// Where `v` does not conform to `ty` (Terraform's `TestConformance`, as
/// far as infra's values carry types): a primitive of another kind, an
/// object with other attributes, a collection element that does not
/// conform. Null and unknown conform to every type; `any` accepts all.
pub fn nonconformance(v: &Value, ty: &Type, path: &mut Vec<PathStep>, out: &mut Vec<String>) {
    let v = strip(v);
    if matches!(v, Value::Null(_) | Value::Unknown(_)) || *ty == Type::Any {
        return;
    }
    let here = |out: &mut Vec<String>, path: &[PathStep], what: &str| {
        out.push(format!(
            "`{}` is {}, but the schema says {}",
            display(path),
            what,
            ty.friendly()
        ));
    };
    match (ty, v) {
        (Type::String, Value::String(_))
        | (Type::Number, Value::Number(_))
        | (Type::Bool, Value::Bool(_)) => {}
        (
            Type::List(e) | Type::Set(e),
            Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items),
        ) => {
            for (i, x) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                nonconformance(x, e, path, out);
                path.pop();
            }
        }
        (Type::Tuple(ts), Value::List(_, items) | Value::Tuple(items))
            if ts.len() == items.len() =>
        {
            for (i, (x, t)) in items.iter().zip(ts).enumerate() {
                path.push(PathStep::Index(i));
                nonconformance(x, t, path, out);
                path.pop();
            }
        }
        (Type::Map(e), Value::Map(_, m) | Value::Object(m)) => {
            for (k, x) in m {
                path.push(PathStep::Key(k.clone()));
                nonconformance(x, e, path, out);
                path.pop();
            }
        }
        (Type::Object(o), Value::Object(m) | Value::Map(_, m)) => {
            for name in m.keys().filter(|k| !o.attrs.contains_key(*k)) {
                path.push(PathStep::Attr(name.clone()));
                out.push(format!(
                    "`{}` is not an attribute of the schema",
                    display(path)
                ));
                path.pop();
            }
            for (name, t) in &o.attrs {
                path.push(PathStep::Attr(name.clone()));
                match m.get(name) {
                    Some(x) => nonconformance(x, t, path, out),
                    None => out.push(format!("`{}` is missing", display(path))),
                }
                path.pop();
            }
        }
        (_, other) => here(out, path, &format!("a {}", other.type_of().friendly())),
    }
}

/// A path for messages: `.a[0]`, or `the object` for the empty path.
fn display(path: &[PathStep]) -> String {
    if path.is_empty() {
        "the object".to_string()
    } else {
        path_text(path)
    }
}

/// Write-only attributes (at any depth of nested attributes and blocks)
/// that are not null in `v`.
fn write_only_set(
    schema: &ResourceSchema,
    v: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<String>,
) {
    let Some(m) = object(v) else {
        return;
    };
    for (name, a) in &schema.attributes {
        let x = m.get(name).map_or(&Value::NULL, |x| strip(x));
        path.push(PathStep::Attr(name.clone()));
        if a.write_only && !x.is_null() {
            out.push(format!(
                "`{}` is write-only, so its value must be null",
                display(path)
            ));
        } else if let Some(n) = &a.nested {
            let inner = NestedBlock {
                nesting: n.nesting,
                min_items: 0,
                max_items: 0,
                block: ResourceSchema {
                    attributes: n.attributes.clone(),
                    ..ResourceSchema::default()
                },
            };
            for_each_block(&inner, x, path, &mut |p, obj| {
                write_only_set(&inner.block, obj, p, out)
            });
        }
        path.pop();
    }
    for (name, b) in &schema.blocks {
        path.push(PathStep::Attr(name.clone()));
        if let Some(x) = m.get(name) {
            for_each_block(b, x, path, &mut |p, obj| {
                write_only_set(&b.block, obj, p, out)
            });
        }
        path.pop();
    }
}

fn object(v: &Value) -> Option<&ValueMap> {
    match strip(v) {
        Value::Object(m) | Value::Map(_, m) => Some(m),
        _ => None,
    }
}

/// Calls `f` with each block object of block type `b` in `v` (its value in
/// the containing object) and its path.
fn for_each_block(
    b: &NestedBlock,
    v: &Value,
    path: &mut Vec<PathStep>,
    f: &mut dyn FnMut(&mut Vec<PathStep>, &Value),
) {
    match (b.nesting, strip(v)) {
        (Nesting::Single | Nesting::Group, x) => f(path, x),
        (_, Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items)) => {
            for (i, x) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                f(path, x);
                path.pop();
            }
        }
        (_, Value::Map(_, m) | Value::Object(m)) => {
            for (k, x) in m {
                path.push(PathStep::Key(k.clone()));
                f(path, x);
                path.pop();
            }
        }
        _ => {}
    }
}

/// What is wrong with `planned`, a provider's plan for an object of
/// `schema` with `prior` state (`None` on create) and configuration
/// `config` (Terraform's plan checks: write-only attributes null and
/// conformance are hard; `AssertPlanValid` is soft).
pub fn check_plan(
    schema: &ResourceSchema,
    prior: Option<&Value>,
    config: &Value,
    planned: &Value,
) -> Problems {
    let mut p = Problems::default();
    let mut path = Vec::new();
    write_only_set(schema, planned, &mut path, &mut p.hard);
    nonconformance(planned, &schema.object_type(), &mut path, &mut p.hard);
    if !p.hard.is_empty() {
        return p;
    }
    let prior = prior.unwrap_or(&Value::NULL);
    planned_object_valid(schema, prior, config, planned, &mut path, &mut p.soft);
    p
}

/// `assertPlannedObjectValid`: every attribute and nested block of one
/// object.
fn planned_object_valid(
    schema: &ResourceSchema,
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<String>,
) {
    let planned = strip(planned);
    if matches!(planned, Value::Unknown(_)) {
        // Only a whole nested object may be unknown; the caller decides.
        return;
    }
    let none = ValueMap::new();
    let (pm, cm, bm) = (
        object(planned).unwrap_or(&none),
        object(config).unwrap_or(&none),
        object(prior).unwrap_or(&none),
    );
    // Borrowed, not cloned: this runs for every attribute of every
    // planned instance.
    const NULL: &Value = &Value::NULL;
    // A missing attribute reads as null.
    fn get<'m>(m: &'m ValueMap, n: &str) -> &'m Value {
        m.get(n).unwrap_or(NULL)
    }
    for (name, a) in &schema.attributes {
        path.push(PathStep::Attr(name.clone()));
        planned_value_valid(a, get(bm, name), get(cm, name), get(pm, name), path, out);
        path.pop();
    }
    for (name, b) in &schema.blocks {
        path.push(PathStep::Attr(name.clone()));
        planned_block_valid(b, get(bm, name), get(cm, name), get(pm, name), path, out);
        path.pop();
    }
}

/// `assertPlannedValueValid` for one attribute.
fn planned_value_valid(
    a: &Attribute,
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<String>,
) {
    // A write-only attribute is planned null whatever is configured
    // (`write_only_set` checks that it is).
    if raw_equal(planned, config) || a.write_only {
        return;
    }
    if raw_equal(planned, prior) && !prior.is_null() && !config.is_null() {
        return;
    }
    if a.read_only() || (config.is_null() && a.computed) {
        return;
    }
    if config.is_null() && !planned.is_null() {
        out.push(format!(
            "`{}`: planned a value for a non-computed attribute",
            path_text(path)
        ));
        return;
    }
    if let Some(n) = &a.nested {
        planned_nested_valid(n.nesting, &n.attributes, prior, config, planned, path, out);
        return;
    }
    out.push(if prior.is_null() {
        format!(
            "`{}`: planned value does not match config value",
            path_text(path)
        )
    } else {
        format!(
            "`{}`: planned value does not match config value nor prior value",
            path_text(path)
        )
    });
}

/// Nested attribute objects, checked attribute by attribute
/// (`assertPlannedAttrsValid` over the nesting).
fn planned_nested_valid(
    nesting: Nesting,
    attributes: &BTreeMap<String, Attribute>,
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<String>,
) {
    let inner = ResourceSchema {
        attributes: attributes.clone(),
        ..ResourceSchema::default()
    };
    let block = NestedBlock {
        nesting,
        min_items: 0,
        max_items: 0,
        block: inner,
    };
    planned_block_valid(&block, prior, config, planned, path, out);
}

/// `assertPlannedObjectValid` over a nested block type's value: the same
/// blocks as configured (count, keys), each checked against its config and
/// its prior counterpart (by index for lists, by key for maps).
fn planned_block_valid(
    b: &NestedBlock,
    prior: &Value,
    config: &Value,
    planned: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<String>,
) {
    let (prior, config, planned) = (strip(prior), strip(config), strip(planned));
    if matches!(config, Value::Unknown(_)) {
        return;
    }
    match b.nesting {
        Nesting::Single | Nesting::Group => {
            if planned.is_null() != config.is_null()
                && !(planned.is_null() && b.nesting == Nesting::Group)
            {
                out.push(format!(
                    "`{}`: planned {} for a {} block",
                    path_text(path),
                    if planned.is_null() {
                        "null"
                    } else {
                        "an object"
                    },
                    if config.is_null() {
                        "absent"
                    } else {
                        "configured"
                    }
                ));
                return;
            }
            if matches!(planned, Value::Unknown(_)) && !config.is_null() {
                out.push(format!(
                    "`{}`: planned an unknown value for a configured block",
                    path_text(path)
                ));
                return;
            }
            planned_object_valid(&b.block, prior, config, planned, path, out);
        }
        Nesting::List | Nesting::Set => {
            let (Some(ps), Some(cs)) = (planned.as_sequence(), config.as_sequence()) else {
                if planned.is_null() && !config.is_null() {
                    out.push(format!(
                        "`{}`: planned null for configured blocks (a list of blocks must be empty, not null)",
                        path_text(path)
                    ));
                }
                return;
            };
            if ps.len() != cs.len() {
                out.push(format!(
                    "`{}`: planned {} blocks for {} configured",
                    path_text(path),
                    ps.len(),
                    cs.len()
                ));
                return;
            }
            if b.nesting == Nesting::Set {
                return;
            }
            let prior_items = prior.as_sequence().unwrap_or(&[]);
            for (i, (p, c)) in ps.iter().zip(cs).enumerate() {
                path.push(PathStep::Index(i));
                if matches!(strip(p), Value::Unknown(_)) {
                    out.push(format!(
                        "`{}`: planned an unknown value for a configured block",
                        path_text(path)
                    ));
                } else {
                    let before = prior_items.get(i).unwrap_or(&Value::NULL);
                    planned_object_valid(&b.block, before, c, p, path, out);
                }
                path.pop();
            }
        }
        Nesting::Map => {
            let (Some(pm), Some(cm)) = (object(planned), object(config)) else {
                return;
            };
            if pm.keys().ne(cm.keys()) {
                out.push(format!(
                    "`{}`: planned block keys differ from the configured ones",
                    path_text(path)
                ));
                return;
            }
            let none = ValueMap::new();
            let bm = object(prior).unwrap_or(&none);
            for (k, p) in pm {
                path.push(PathStep::Key(k.clone()));
                let c = cm.get(k).unwrap_or(&Value::NULL);
                let before = bm.get(k).unwrap_or(&Value::NULL);
                planned_object_valid(&b.block, before, c, p, path, out);
                path.pop();
            }
        }
    }
}

/// What is wrong with `new`, the state a provider's apply returned for an
/// object of `schema` planned as `planned` (`None`: a delete): Terraform's
/// apply checks (`node_resource_abstract_instance.go` ~2760-2935). A
/// missing or unexpected object, nonconformance, write-only values and
/// unknowns are hard; values that differ from known planned ones
/// (`AssertObjectCompatible`) are soft.
pub fn check_apply(
    schema: &ResourceSchema,
    planned: Option<&Value>,
    new: Option<&Value>,
) -> Problems {
    let mut p = Problems::default();
    let (planned, new) = match (planned, new.filter(|v| !v.is_null())) {
        (None, None) => return p,
        (None, Some(_)) => {
            p.hard
                .push("the provider returned an object after a delete".to_string());
            return p;
        }
        (Some(_), None) => {
            p.hard
                .push("the provider returned no object after a create or update".to_string());
            return p;
        }
        (Some(planned), Some(new)) => (planned, new),
    };
    let mut path = Vec::new();
    nonconformance(new, &schema.object_type(), &mut path, &mut p.hard);
    write_only_set(schema, new, &mut path, &mut p.hard);
    unknowns(new, &mut path, &mut p.hard);
    compatible(planned, new, &mut path, &mut p.soft);
    p
}

/// What is wrong with `v`, an object a provider read (refresh, import):
/// Terraform's refresh checks (`node_resource_abstract_instance.go`
/// ~740-806), all hard: nonconformance, unknowns, write-only values.
pub fn check_read(schema: &ResourceSchema, v: &Value) -> Problems {
    let mut p = Problems::default();
    let mut path = Vec::new();
    nonconformance(v, &schema.object_type(), &mut path, &mut p.hard);
    write_only_set(schema, v, &mut path, &mut p.hard);
    unknowns(v, &mut path, &mut p.hard);
    p
}

/// An error per unknown part of `v` (a new state must be fully known).
fn unknowns(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<String>) {
    match strip(v) {
        Value::Unknown(_) => out.push(format!("`{}` is still unknown after apply", display(path))),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            for (i, x) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                unknowns(x, path, out);
                path.pop();
            }
        }
        Value::Map(_, m) | Value::Object(m) => {
            for (k, x) in m {
                path.push(PathStep::Attr(k.clone()));
                unknowns(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// `v` with every unknown part null (Terraform's `cty.UnknownAsNull`), so
/// a state with unknowns left can still be saved.
pub fn unknown_as_null(v: Value) -> Value {
    match v {
        Value::Unknown(t) => Value::Null(t),
        Value::Sensitive(inner) => Value::Sensitive(Box::new(unknown_as_null(*inner))),
        Value::List(t, items) => Value::List(t, items.into_iter().map(unknown_as_null).collect()),
        Value::Set(t, items) => Value::Set(t, items.into_iter().map(unknown_as_null).collect()),
        Value::Tuple(items) => Value::Tuple(items.into_iter().map(unknown_as_null).collect()),
        Value::Map(t, m) => Value::Map(
            t,
            m.into_iter()
                .map(|(k, x)| (k, unknown_as_null(x)))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, unknown_as_null(x)))
                .collect(),
        ),
        other => other,
    }
}

/// `AssertObjectCompatible`: every known part of `planned` equals `new`
/// there (an unknown planned part may become anything).
fn compatible(planned: &Value, new: &Value, path: &mut Vec<PathStep>, out: &mut Vec<String>) {
    let (planned, new) = (strip(planned), strip(new));
    match (planned, new) {
        (Value::Unknown(_), _) => {}
        (_, Value::Unknown(_)) => {}
        (p, n) if p.is_null() != n.is_null() => out.push(format!(
            "`{}` was {} in the plan, but now {}",
            display(path),
            if p.is_null() { "null" } else { "a value" },
            if n.is_null() { "null" } else { "has a value" }
        )),
        (Value::Set(_, _), _) | (_, Value::Set(_, _)) => {
            if !raw_equal(planned, new) && !planned.has_unknown() {
                out.push(format!(
                    "`{}`: the set's elements differ from the planned ones",
                    display(path)
                ));
            }
        }
        (Value::List(_, x) | Value::Tuple(x), Value::List(_, y) | Value::Tuple(y)) => {
            if x.len() != y.len() {
                out.push(format!(
                    "`{}`: planned {} elements, but now {}",
                    display(path),
                    x.len(),
                    y.len()
                ));
                return;
            }
            for (i, (p, n)) in x.iter().zip(y).enumerate() {
                path.push(PathStep::Index(i));
                compatible(p, n, path, out);
                path.pop();
            }
        }
        (Value::Map(_, x) | Value::Object(x), Value::Map(_, y) | Value::Object(y)) => {
            if x.keys().ne(y.keys()) {
                out.push(format!(
                    "`{}`: the keys differ from the planned ones",
                    display(path)
                ));
                return;
            }
            for (k, p) in x {
                path.push(PathStep::Attr(k.clone()));
                compatible(p, y.get(k).unwrap_or(&Value::NULL), path, out);
                path.pop();
            }
        }
        (p, n) => {
            if !raw_equal(p, n) {
                out.push(format!(
                    "`{}` was planned as one value, but is now another",
                    display(path)
                ));
            }
        }
    }
}

/// `provider`'s plan for `request` (an instance at `address` of a type
/// with `schema`), checked as Terraform checks it ([`check_plan`]).
///
/// # Errors
/// The provider's own failure, or "Provider produced invalid plan" naming
/// the provider and each attribute at fault (soft problems only logged for
/// the legacy SDK).
pub fn plan_checked(
    provider: &dyn Provider,
    schema: &ResourceSchema,
    request: PlanRequest<'_>,
    address: &str,
) -> Result<PlannedState, Failure> {
    let (prior, config) = (request.prior, request.config);
    let planned = provider.plan(request);
    check_planned(provider.name(), schema, prior, config, planned, address)
}

/// [`plan_checked`] of an answer already received: `planned`, the answer
/// of provider `provider_name` to a plan request with `prior` and
/// `config` (the planner sends some requests ahead of time, concurrently:
/// `plan/prefetch.rs`).
///
/// # Errors
/// As [`plan_checked`].
pub fn check_planned(
    provider_name: &str,
    schema: &ResourceSchema,
    prior: Option<&Value>,
    config: &Value,
    planned: Result<PlannedState, Failure>,
    address: &str,
) -> Result<PlannedState, Failure> {
    let planned = planned?;
    let problems = check_plan(schema, prior, config, &planned.planned);
    if problems.is_empty() {
        return Ok(planned);
    }
    let heading = ("provider::invalid-plan", "Provider produced invalid plan");
    let diags = problems.into_diagnostics(
        planned.legacy_type_system,
        provider_name,
        address,
        heading,
        heading,
    );
    if diags.is_empty() {
        Ok(planned)
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> ResourceSchema {
        ResourceSchema::new(
            "t",
            vec![
                ("name", Attribute::required(Type::String, "n")),
                ("id", Attribute::computed(Type::String, "i")),
                ("size", Attribute::optional_computed(Type::Number, "s")),
            ],
        )
    }

    fn obj(name: &str, id: Value, size: Value) -> Value {
        Value::object_of(&[("name", Value::string(name)), ("id", id), ("size", size)])
    }

    #[test]
    fn a_plan_that_changes_a_configured_value_is_invalid() {
        let config = obj("a", Value::Null(Type::String), Value::Null(Type::Number));
        let good = obj("a", Value::Unknown(Type::String), Value::int(3));
        assert!(check_plan(&schema(), None, &config, &good).is_empty());
        let bad = obj("b", Value::Unknown(Type::String), Value::int(3));
        let p = check_plan(&schema(), None, &config, &bad);
        assert_eq!(
            p.soft,
            vec!["`.name`: planned value does not match config value"]
        );
        let d = p.into_diagnostics(
            false,
            "toy",
            "toy_thing.a",
            ("provider::invalid-plan", "Provider produced invalid plan"),
            ("provider::invalid-plan", "Provider produced invalid plan"),
        );
        assert!(
            d[0].message
                .contains("provider `toy` for `toy_thing.a`: `.name`")
        );
        let legacy = check_plan(&schema(), None, &config, &bad).into_diagnostics(
            true,
            "toy",
            "toy_thing.a",
            ("provider::invalid-plan", "x"),
            ("provider::invalid-plan", "x"),
        );
        assert!(legacy.is_empty(), "tolerated for the legacy SDK");
    }

    #[test]
    fn apply_must_keep_known_planned_values_and_leave_nothing_unknown() {
        let planned = obj("a", Value::Unknown(Type::String), Value::int(3));
        let fine = obj("a", Value::string("x"), Value::int(3));
        assert!(check_apply(&schema(), Some(&planned), Some(&fine)).is_empty());
        let changed = obj("a", Value::string("x"), Value::int(4));
        let p = check_apply(&schema(), Some(&planned), Some(&changed));
        assert_eq!(
            p.soft,
            vec!["`.size` was planned as one value, but is now another"]
        );
        let unknown = obj("a", Value::Unknown(Type::String), Value::int(3));
        let p = check_apply(&schema(), Some(&planned), Some(&unknown));
        assert_eq!(p.hard, vec!["`.id` is still unknown after apply"]);
        assert!(!unknown_as_null(unknown).has_unknown());
        let p = check_apply(&schema(), Some(&planned), None);
        assert_eq!(p.hard.len(), 1);
        let wrong = obj("a", Value::Bool(true), Value::int(3));
        let p = check_apply(&schema(), Some(&planned), Some(&wrong));
        assert!(p.hard[0].contains("`.id` is a bool"), "{:?}", p.hard);
    }

    #[test]
    fn values_at_paths() {
        let v = Value::object_of(&[(
            "tags",
            Value::Map(Type::String, [("a".to_string(), Value::string("1"))].into()),
        )]);
        let path = [PathStep::Attr("tags".into()), PathStep::Key("a".into())];
        assert_eq!(value_at(&v, &path), Some(&Value::string("1")));
        assert_eq!(value_at(&v, &[PathStep::Attr("nope".into())]), None);
        assert_eq!(path_text(&path), ".tags[\"a\"]");
    }
}
