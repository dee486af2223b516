//! Planning one managed instance from its schema: the proposed new state
//! and the schema's sensitive marks; which attributes changed is the value
//! diff's (`crate::diff::changed_attributes`).
//!
//! [`proposed_new`] is Terraform's `objchange.ProposedNew`
//! (`internal/plans/objchange/objchange.go`): configured values, and for
//! computed attributes the configuration leaves null the prior value, at
//! every depth of nested blocks and nested attributes, matched by nesting
//! mode (single/group by position, list by index, map by key, set by the
//! prior element the configured one can stand for). [`propose`] is infra's
//! proposal for its own providers: the same, except that on create the
//! top-level computed attributes the configuration leaves unset are
//! unknown instead of null ("known after apply" without a provider plan).

pub(crate) use crate::diff::changed_attributes;
pub(crate) use crate::provider::marks::mark_sensitive;
use crate::provider::validate::empty_value;
use crate::provider::{Attribute, NestedAttributes, NestedBlock, Nesting, ResourceSchema};
use infra_lang::value::ValueMap;
use infra_lang::{Type, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// infra's proposed new state for `config` (an object conforming to
/// `schema`) given `prior` (`None` on create): [`proposed_new`], with the
/// unset top-level computed attributes unknown on create; schema-sensitive
/// values marked.
pub(crate) fn propose(schema: &ResourceSchema, prior: Option<&Value>, config: &Value) -> Value {
    // Borrowed: the prior state is only read (a no-change plan of a large
    // configuration proposes every instance).
    let prior = match prior {
        Some(p) => Cow::Borrowed(p),
        None => Cow::Owned({
            let (empty, _) = empty_value(schema).unmark();
            match empty {
                Value::Object(mut m) => {
                    for (name, a) in &schema.attributes {
                        if a.computed {
                            m.insert(name.clone(), Value::Unknown(a.ty.clone()));
                        }
                    }
                    Value::Object(m)
                }
                other => other,
            }
        }),
    };
    let v = if config.is_null() {
        // A null configuration proposes an object of nulls and unknowns
        // (infra's planner never sends one; kept total).
        prior.into_owned()
    } else {
        block(schema, &prior, config)
    };
    mark_sensitive(schema, v)
}

/// Terraform's `ProposedNew(schema, prior, config)`: the object a provider
/// is asked to plan. `prior` is `None` on create (Terraform's empty value
/// of the schema then stands in); a null configuration with no prior is
/// null. Sensitive marks of `config` and `prior` are kept where their
/// values are; none are added.
pub fn proposed_new(schema: &ResourceSchema, prior: Option<&Value>, config: &Value) -> Value {
    match prior {
        None if config.is_null() => Value::Null(schema.object_type()),
        None => block(schema, &empty_value(schema), config),
        Some(p) => block(schema, p, config),
    }
}

/// `v` without its top-level sensitive mark, and the mark.
fn peel(v: &Value) -> (&Value, bool) {
    match v {
        Value::Sensitive(inner) => (peel(inner).0, true),
        v => (v, false),
    }
}

/// `proposedNew`: a block's object (`prior` null when there was none).
fn block(schema: &ResourceSchema, prior: &Value, config: &Value) -> Value {
    if config.is_null() || config.is_unknown() {
        return prior.clone();
    }
    let (c, marked) = peel(config);
    let mut out = attributes(&schema.attributes, prior, c);
    let (p, _) = peel(prior);
    for (name, b) in &schema.blocks {
        let ty = b.implied_type();
        let pv = field(p, name, &ty);
        let cv = field(c, name, &ty);
        out.insert(name.clone(), nested_block(b, &pv, &cv));
    }
    Value::Object(out).mark_if(marked)
}

/// Attribute `name` of object `v`: unknown when `v` is, null when `v` is
/// null or lacks it. Borrowed when `v` has it: callers clone only the
/// value they keep.
fn field<'v>(v: &'v Value, name: &str, ty: &Type) -> Cow<'v, Value> {
    match peel(v).0 {
        Value::Unknown(_) => Cow::Owned(Value::Unknown(ty.clone())),
        Value::Object(m) | Value::Map(_, m) => match m.get(name) {
            Some(x) => Cow::Borrowed(x),
            None => Cow::Owned(Value::Null(ty.clone())),
        },
        _ => Cow::Owned(Value::Null(ty.clone())),
    }
}

/// `proposedNewAttributes`: every attribute of `attrs` from the configured
/// object `config` and `prior` (an object, null or unknown).
fn attributes(attrs: &BTreeMap<String, Attribute>, prior: &Value, config: &Value) -> ValueMap {
    let mut out = ValueMap::with_capacity(attrs.len());
    for (name, a) in attrs {
        let pv = field(prior, name, &a.ty);
        let cv = field(config, name, &a.ty);
        let v = if a.computed && cv.is_null() {
            if optional_value_not_computable(a, &pv) {
                cv.into_owned()
            } else {
                pv.into_owned()
            }
        } else if let Some(n) = &a.nested {
            nested_attribute(n, &pv, &cv)
        } else {
            cv.into_owned()
        };
        out.insert(name.clone(), v);
    }
    out
}

/// `optionalValueNotComputable`: an optional+computed nested attribute
/// whose prior value sets a non-computed attribute inside cannot have
/// come from the provider, so a null configuration means null.
fn optional_value_not_computable(a: &Attribute, prior: &Value) -> bool {
    match (&a.nested, a.optional) {
        (Some(n), true) => sets_non_computed(&n.attributes, prior),
        _ => false,
    }
}

/// True when `v` (a nested attribute's value) has a non-null value for an
/// attribute of `attrs` that is not computed, at any depth.
fn sets_non_computed(attrs: &BTreeMap<String, Attribute>, v: &Value) -> bool {
    let (v, _) = peel(v);
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| {
            if x.is_null() {
                return false;
            }
            match attrs.get(k) {
                Some(a) if !a.computed => true,
                Some(a) => a
                    .nested
                    .as_ref()
                    .is_some_and(|n| sets_non_computed(&n.attributes, x)),
                None => sets_non_computed(attrs, x),
            }
        }),
        Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs) => {
            xs.iter().any(|x| sets_non_computed(attrs, x))
        }
        Value::Map(_, m) => m.values().any(|x| sets_non_computed(attrs, x)),
        _ => false,
    }
}

/// The schema of what a collection of nested objects holds: a block's, or
/// a nested attribute's.
#[derive(Clone, Copy)]
enum Nested<'a> {
    Block(&'a ResourceSchema),
    Object(&'a BTreeMap<String, Attribute>),
}

impl Nested<'_> {
    /// `proposedNewBlockOrObject`.
    fn propose(self, prior: &Value, config: &Value) -> Value {
        match self {
            Nested::Block(s) => {
                if config.is_null() && prior.is_null() {
                    prior.clone()
                } else if prior.is_null() {
                    block(s, &empty_value(s), config)
                } else {
                    block(s, prior, config)
                }
            }
            Nested::Object(attrs) => object_attributes(attrs, prior, config),
        }
    }
}

/// `proposedNewObjectAttributes`.
fn object_attributes(attrs: &BTreeMap<String, Attribute>, prior: &Value, config: &Value) -> Value {
    if config.is_null() {
        return config.clone();
    }
    let (c, marked) = peel(config);
    Value::Object(attributes(attrs, prior, c)).mark_if(marked)
}

/// `proposedNewNestedBlock`.
fn nested_block(b: &NestedBlock, prior: &Value, config: &Value) -> Value {
    if config.is_unknown() {
        return config.clone();
    }
    let schema = Nested::Block(&b.block);
    match b.nesting {
        Nesting::Single if config.is_null() => config.clone(),
        Nesting::Single | Nesting::Group => schema.propose(prior, config),
        Nesting::List => list(schema, prior, config),
        Nesting::Map => map(schema, prior, config),
        Nesting::Set => set(schema, prior, config),
    }
}

/// `proposedNewNestedType`.
fn nested_attribute(n: &NestedAttributes, prior: &Value, config: &Value) -> Value {
    if config.is_unknown() {
        return config.clone();
    }
    let schema = Nested::Object(&n.attributes);
    match n.nesting {
        Nesting::Single | Nesting::Group if config.is_null() => config.clone(),
        Nesting::Single | Nesting::Group => object_attributes(&n.attributes, prior, config),
        Nesting::List => list(schema, prior, config),
        Nesting::Map => map(schema, prior, config),
        Nesting::Set => set(schema, prior, config),
    }
}

/// `proposedNewNestingList`: configured elements matched to prior ones by
/// index.
fn list(schema: Nested<'_>, prior: &Value, config: &Value) -> Value {
    let (c, marked) = peel(config);
    let items = match c {
        Value::List(_, xs) | Value::Tuple(xs) if !xs.is_empty() => xs,
        _ => return config.clone(),
    };
    let (p, _) = peel(prior);
    let out: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, ce)| match p {
            Value::Unknown(_) => schema.propose(&Value::Unknown(peel(ce).0.type_of()), ce),
            Value::List(_, ps) | Value::Tuple(ps) => match ps.get(i) {
                Some(pe) => schema.propose(pe, ce),
                None => ce.clone(),
            },
            _ => ce.clone(),
        })
        .collect();
    match c {
        Value::List(ty, _) => Value::List(ty.clone(), out),
        _ => Value::Tuple(out),
    }
    .mark_if(marked)
}

/// `proposedNewNestingMap`: configured elements matched to prior ones by
/// key.
fn map(schema: Nested<'_>, prior: &Value, config: &Value) -> Value {
    let (c, marked) = peel(config);
    let entries = match c {
        Value::Map(_, m) | Value::Object(m) if !m.is_empty() => m,
        _ => return config.clone(),
    };
    let (p, _) = peel(prior);
    let out: ValueMap = entries
        .iter()
        .map(|(k, ce)| {
            let ty = peel(ce).0.type_of();
            let pe = match p {
                Value::Unknown(_) => Cow::Owned(Value::Unknown(ty)),
                Value::Map(_, pm) | Value::Object(pm) => match pm.get(k) {
                    Some(x) => Cow::Borrowed(x),
                    None => Cow::Owned(Value::Null(ty)),
                },
                _ => Cow::Owned(Value::Null(ty)),
            };
            (k.clone(), schema.propose(&pe, ce))
        })
        .collect();
    match c {
        Value::Map(ty, _) => Value::Map(ty.clone(), out),
        _ => Value::Object(out),
    }
    .mark_if(marked)
}

/// `proposedNewNestingSet`: each configured element matched to the first
/// unused prior element it can stand for (`validPriorFromConfig`).
fn set(schema: Nested<'_>, prior: &Value, config: &Value) -> Value {
    let (c, marked) = peel(config);
    let (ty, items) = match c {
        Value::Set(ty, xs) if !xs.is_empty() => (ty, xs),
        _ => return config.clone(),
    };
    let priors: &[Value] = match peel(prior).0 {
        Value::Set(_, ps) | Value::List(_, ps) | Value::Tuple(ps) => ps,
        _ => &[],
    };
    let mut used = vec![false; priors.len()];
    let mut out = Vec::with_capacity(items.len());
    for ce in items {
        let mut pe = Value::Null(ty.clone());
        for (i, candidate) in priors.iter().enumerate() {
            if !used[i] && valid_prior(schema, candidate, ce) {
                pe = candidate.clone();
                used[i] = true;
                break;
            }
        }
        out.push(schema.propose(&pe, ce));
    }
    Value::set(ty.clone(), out).mark_if(marked)
}

/// The value with every sensitive mark removed, for `RawEquals`.
fn raw(v: &Value) -> Value {
    v.clone().unmark_deep().0
}

/// `validPriorFromConfig`: `prior` could be the object `config` was
/// planned into — equal, or differing only in computed attributes the
/// configuration leaves null.
fn valid_prior(schema: Nested<'_>, prior: &Value, config: &Value) -> bool {
    let ctx = match schema {
        Nested::Block(s) => Ctx::Block(s),
        Nested::Object(a) => Ctx::Object(a),
    };
    walk_valid(ctx, None, prior, Some(config))
}

/// Where a walk is in the schema (`AttributeByPath`'s state).
#[derive(Clone, Copy)]
enum Ctx<'a> {
    Block(&'a ResourceSchema),
    Object(&'a BTreeMap<String, Attribute>),
    /// Inside an attribute's plain value, or under a name the schema lacks.
    None,
}

/// One step of `cty.Walk` over `prior` in `validPriorFromConfig`: `attr`
/// is the attribute at this path, if any; `config` the configured value
/// there (`None`: the path does not exist in it).
fn walk_valid(
    ctx: Ctx<'_>,
    attr: Option<&Attribute>,
    prior: &Value,
    config: Option<&Value>,
) -> bool {
    let Some(config) = config else { return false };
    if raw(config) == raw(prior) {
        return true;
    }
    let (c, _) = peel(config);
    if matches!(c, Value::Set(..)) {
        return false;
    }
    let ctx = match attr {
        Some(a) => match &a.nested {
            Some(n) => Ctx::Object(&n.attributes),
            None => return a.computed && c.is_null(),
        },
        None => ctx,
    };
    match peel(prior).0 {
        Value::Object(m) => m.iter().all(|(k, pv)| {
            let cv = c.as_mapping().and_then(|cm| cm.get(k));
            let (next, attr) = match ctx {
                Ctx::Block(s) => match (s.attributes.get(k), s.blocks.get(k)) {
                    (Some(a), _) => (ctx, Some(a)),
                    (None, Some(b)) => (Ctx::Block(&b.block), None),
                    (None, None) => (Ctx::None, None),
                },
                Ctx::Object(attrs) => (ctx, attrs.get(k)),
                Ctx::None => (ctx, None),
            };
            walk_valid(next, attr, pv, cv)
        }),
        Value::Map(_, m) => m
            .iter()
            .all(|(k, pv)| walk_valid(ctx, None, pv, c.as_mapping().and_then(|cm| cm.get(k)))),
        Value::List(_, xs) | Value::Tuple(xs) => xs
            .iter()
            .enumerate()
            .all(|(i, pv)| walk_valid(ctx, None, pv, c.as_sequence().and_then(|cs| cs.get(i)))),
        // A set inside cannot be indexed in the configuration.
        Value::Set(_, xs) => xs.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    /// A block type of `nesting` holding `key` (required) and `id`
    /// (computed).
    fn schema(nesting: Nesting) -> ResourceSchema {
        let inner = ResourceSchema::new(
            "b",
            vec![
                ("key", Attribute::required(Type::String, "k")),
                ("id", Attribute::computed(Type::String, "i")),
            ],
        );
        let mut s =
            ResourceSchema::new("r", vec![("name", Attribute::optional(Type::String, "n"))]);
        s.blocks.insert(
            "b".into(),
            NestedBlock {
                nesting,
                min_items: 0,
                max_items: 0,
                block: inner,
            },
        );
        s
    }

    fn elem(key: &str, id: Value) -> Value {
        obj(&[("key", s(key)), ("id", id)])
    }

    fn elem_ty() -> Type {
        schema(Nesting::List).blocks["b"].block.object_type()
    }

    fn null_id() -> Value {
        Value::Null(Type::String)
    }

    /// List blocks: the prior's computed `id` kept by index; a new element
    /// as configured.
    #[test]
    fn list_blocks_keep_prior_computed_values_by_index() {
        let sc = schema(Nesting::List);
        let prior = obj(&[
            ("name", s("n")),
            ("b", Value::List(elem_ty(), vec![elem("a", s("id-a"))])),
        ]);
        let config = obj(&[
            ("name", s("n")),
            (
                "b",
                Value::List(elem_ty(), vec![elem("x", null_id()), elem("y", null_id())]),
            ),
        ]);
        let p = proposed_new(&sc, Some(&prior), &config);
        let items = p.as_mapping().expect("object")["b"].clone();
        assert_eq!(
            items,
            Value::List(elem_ty(), vec![elem("x", s("id-a")), elem("y", null_id())])
        );
        // Terraform's proposal on create leaves computed values null.
        let created = proposed_new(&sc, None, &config);
        assert_eq!(
            created.as_mapping().expect("object")["b"],
            config.as_mapping().expect("o")["b"]
        );
    }

    /// Map blocks match by key; set blocks by the prior element the
    /// configured one could have been planned into.
    #[test]
    fn map_blocks_match_by_key_and_set_blocks_by_content() {
        let sc = schema(Nesting::Map);
        let map = |pairs: Vec<(&str, Value)>| {
            Value::Map(
                elem_ty(),
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            )
        };
        let prior = obj(&[
            ("name", null_id()),
            ("b", map(vec![("k1", elem("a", s("id-1")))])),
        ]);
        let config = obj(&[
            ("name", null_id()),
            (
                "b",
                map(vec![
                    ("k1", elem("a", null_id())),
                    ("k2", elem("b", null_id())),
                ]),
            ),
        ]);
        let p = proposed_new(&sc, Some(&prior), &config);
        assert_eq!(
            p.as_mapping().expect("object")["b"],
            map(vec![
                ("k1", elem("a", s("id-1"))),
                ("k2", elem("b", null_id()))
            ])
        );

        let sc = schema(Nesting::Set);
        let set = |xs: Vec<Value>| Value::set(elem_ty(), xs);
        let prior = obj(&[
            ("name", null_id()),
            ("b", set(vec![elem("a", s("id-a")), elem("b", s("id-b"))])),
        ]);
        let config = obj(&[
            ("name", null_id()),
            ("b", set(vec![elem("b", null_id()), elem("c", null_id())])),
        ]);
        let p = proposed_new(&sc, Some(&prior), &config);
        assert_eq!(
            p.as_mapping().expect("object")["b"],
            set(vec![elem("b", s("id-b")), elem("c", null_id())])
        );
    }

    /// Nested attributes: a computed attribute inside keeps its prior
    /// value; infra's proposal makes top-level computed values unknown on
    /// create only.
    #[test]
    fn nested_attributes_and_infra_proposal() {
        let inner: BTreeMap<String, Attribute> = [
            ("host".to_string(), Attribute::required(Type::String, "h")),
            (
                "port".to_string(),
                Attribute::optional_computed(Type::Number, "p"),
            ),
        ]
        .into();
        let n = NestedAttributes {
            nesting: Nesting::Single,
            attributes: inner,
        };
        let endpoint = Attribute {
            nested: Some(n.clone()),
            ..Attribute::optional(n.implied_type(), "e")
        };
        let sc = ResourceSchema::new(
            "r",
            vec![
                ("endpoint", endpoint),
                ("id", Attribute::computed(Type::String, "i")),
            ],
        );
        let prior = obj(&[
            (
                "endpoint",
                obj(&[("host", s("a")), ("port", Value::int(80))]),
            ),
            ("id", s("x")),
        ]);
        let config = obj(&[
            (
                "endpoint",
                obj(&[("host", s("b")), ("port", Value::Null(Type::Number))]),
            ),
            ("id", null_id()),
        ]);
        let p = proposed_new(&sc, Some(&prior), &config);
        assert_eq!(
            p,
            obj(&[
                (
                    "endpoint",
                    obj(&[("host", s("b")), ("port", Value::int(80))])
                ),
                ("id", s("x")),
            ])
        );
        let created = propose(&sc, None, &config);
        assert_eq!(
            created.as_mapping().expect("object")["id"],
            Value::Unknown(Type::String)
        );
    }

    /// Sensitive attributes inside nested blocks and nested attributes are
    /// marked where they are; in a set, the whole set is.
    #[test]
    fn sensitive_values_are_marked_at_depth() {
        let mut sc = schema(Nesting::List);
        if let Some(b) = sc.blocks.get_mut("b") {
            b.block.attributes.get_mut("id").expect("id").sensitive = true;
        }
        let v = obj(&[
            ("name", s("n")),
            ("b", Value::List(elem_ty(), vec![elem("a", s("secret"))])),
        ]);
        let marked = mark_sensitive(&sc, v);
        let b = &marked.as_mapping().expect("object")["b"];
        let first = &b.as_sequence().expect("list")[0];
        assert!(matches!(
            first.as_mapping().expect("o")["id"],
            Value::Sensitive(_)
        ));
        assert!(!matches!(
            first.as_mapping().expect("o")["key"],
            Value::Sensitive(_)
        ));

        if let Some(b) = sc.blocks.get_mut("b") {
            b.nesting = Nesting::Set;
        }
        let v = obj(&[
            ("name", s("n")),
            ("b", Value::set(elem_ty(), vec![elem("a", s("secret"))])),
        ]);
        let marked = mark_sensitive(&sc, v);
        assert!(matches!(
            marked.as_mapping().expect("o")["b"],
            Value::Sensitive(_)
        ));
    }
}
