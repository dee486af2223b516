//! The schema's shape of an object for display: its attributes apart from
//! its nested blocks, the null attributes of nested attribute objects left
//! out, and each block type's elements matched before against after by
//! nesting mode (a list by index, a set by equality, a map by key, a
//! single or group block as one). Renderers print blocks as Terraform's
//! plan renderer does (`+ rule {`, `~ setting "beta" {`, `# (2 unchanged
//! blocks hidden)`) from this; without a schema they print plain values.

use crate::provider::{Attribute, Nesting, ResourceSchema};
use infra_lang::Value;
use infra_lang::value::ValueMap;
use std::collections::BTreeMap;

/// What happens to one block of a block type.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockElement {
    /// A new block: its value.
    Added(Value),
    /// A block that goes: its value.
    Removed(Value),
    /// A block changed in place: before and after.
    Changed(Value, Value),
    /// A block that stays as it is.
    Unchanged,
}

/// The blocks of one block type, matched before against after.
#[derive(Clone, Debug)]
pub struct BlockChanges<'s> {
    /// The block type's name.
    pub name: &'s str,
    /// The schema inside each block.
    pub schema: &'s ResourceSchema,
    /// Each block with its map key (`Nesting::Map` only), in order: a list
    /// by index, a set's removed blocks then its added ones, a map by key.
    pub elements: Vec<(Option<String>, BlockElement)>,
}

impl BlockChanges<'_> {
    /// How many of its blocks stay as they are.
    pub fn unchanged(&self) -> usize {
        self.elements
            .iter()
            .filter(|(_, e)| *e == BlockElement::Unchanged)
            .count()
    }
}

/// The attributes of an object, what its nested blocks are.
fn fields(v: &Value) -> Option<&ValueMap> {
    match v {
        Value::Object(m) | Value::Map(_, m) => Some(m),
        _ => None,
    }
}

/// `v`'s attributes without its block types and with the null attributes
/// inside nested attribute objects left out (as Terraform shows nested
/// attributes); an object that is not one (null, unknown, sensitive) as
/// it is. A block type whose value is not a collection of objects (an
/// unknown from a `dynamic` block) stays among the attributes, shown as
/// a value.
pub fn attributes(schema: &ResourceSchema, v: &Value) -> Value {
    let Some(m) = fields(v) else {
        return v.clone();
    };
    let out = m
        .iter()
        .filter(|(k, x)| !(schema.blocks.contains_key(*k) && is_blocks(x)))
        .map(|(k, x)| {
            let x = match schema.attributes.get(k) {
                Some(a) => nested_without_nulls(a, x),
                None => x.clone(),
            };
            (k.clone(), x)
        })
        .collect();
    Value::Object(out)
}

/// True when `v` holds blocks: an object, a collection or map of them, or
/// null (no block).
fn is_blocks(v: &Value) -> bool {
    matches!(
        v,
        Value::Null(_)
            | Value::Object(_)
            | Value::List(..)
            | Value::Set(..)
            | Value::Tuple(_)
            | Value::Map(..)
    )
}

/// A nested attribute's value with its objects' null attributes left out,
/// at every depth; another attribute's value as it is.
fn nested_without_nulls(a: &Attribute, v: &Value) -> Value {
    let Some(nested) = &a.nested else {
        return v.clone();
    };
    let object = |o: &Value| match o {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| {
                    let x = match nested.attributes.get(k) {
                        Some(inner) => nested_without_nulls(inner, x),
                        None => x.clone(),
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        other => other.clone(),
    };
    match v {
        Value::Object(_) => object(v),
        Value::List(t, xs) => Value::List(t.clone(), xs.iter().map(object).collect()),
        Value::Set(t, xs) => Value::Set(t.clone(), xs.iter().map(object).collect()),
        Value::Tuple(xs) => Value::Tuple(xs.iter().map(object).collect()),
        Value::Map(t, m) => Value::Map(
            t.clone(),
            m.iter().map(|(k, x)| (k.clone(), object(x))).collect(),
        ),
        other => other.clone(),
    }
}

/// The blocks of one block type's value, each with its map key.
fn elements(nesting: Nesting, v: Option<&Value>) -> Vec<(Option<String>, Value)> {
    match (nesting, v) {
        (_, None | Some(Value::Null(_))) => Vec::new(),
        (Nesting::Map, Some(Value::Map(_, m) | Value::Object(m))) => m
            .iter()
            .map(|(k, x)| (Some(k.clone()), x.clone()))
            .collect(),
        (_, Some(Value::List(_, xs) | Value::Set(_, xs) | Value::Tuple(xs))) => {
            xs.iter().map(|x| (None, x.clone())).collect()
        }
        (_, Some(x)) => vec![(None, x.clone())],
    }
}

/// The nested blocks of `before` and `after` (either null for a create or
/// a delete), block type by block type in name order; types with no block
/// on either side are left out.
pub fn block_changes<'s>(
    schema: &'s ResourceSchema,
    before: &Value,
    after: &Value,
) -> Vec<BlockChanges<'s>> {
    let (b, a) = (fields(before), fields(after));
    let mut out = Vec::new();
    for (name, nb) in &schema.blocks {
        let (bv, av) = (b.and_then(|m| m.get(name)), a.and_then(|m| m.get(name)));
        if !bv.is_none_or(is_blocks) || !av.is_none_or(is_blocks) {
            continue;
        }
        let (xs, ys) = (elements(nb.nesting, bv), elements(nb.nesting, av));
        let elements = match nb.nesting {
            Nesting::Set => by_equality(xs, ys),
            Nesting::Map => by_key(xs, ys),
            Nesting::List | Nesting::Single | Nesting::Group => by_index(xs, ys),
        };
        if !elements.is_empty() {
            out.push(BlockChanges {
                name,
                schema: &nb.block,
                elements,
            });
        }
    }
    out
}

/// One pair of blocks compared: unchanged when the same data and
/// sensitivity.
fn compare(x: Value, y: Value) -> BlockElement {
    if super::same(&x, &y) {
        BlockElement::Unchanged
    } else {
        BlockElement::Changed(x, y)
    }
}

fn by_index(
    xs: Vec<(Option<String>, Value)>,
    ys: Vec<(Option<String>, Value)>,
) -> Vec<(Option<String>, BlockElement)> {
    let n = xs.len().max(ys.len());
    let (mut xs, mut ys) = (xs.into_iter(), ys.into_iter());
    (0..n)
        .map(|_| match (xs.next(), ys.next()) {
            (Some((k, x)), Some((_, y))) => (k, compare(x, y)),
            (Some((k, x)), None) => (k, BlockElement::Removed(x)),
            (None, Some((k, y))) => (k, BlockElement::Added(y)),
            (None, None) => (None, BlockElement::Unchanged),
        })
        .collect()
}

fn by_equality(
    xs: Vec<(Option<String>, Value)>,
    ys: Vec<(Option<String>, Value)>,
) -> Vec<(Option<String>, BlockElement)> {
    let kept = |v: &Value, others: &[(Option<String>, Value)]| {
        others.iter().any(|(_, o)| super::same(v, o))
    };
    let mut out: Vec<(Option<String>, BlockElement)> = Vec::new();
    for (k, x) in &xs {
        if kept(x, &ys) {
            out.push((k.clone(), BlockElement::Unchanged));
        } else {
            out.push((k.clone(), BlockElement::Removed(x.clone())));
        }
    }
    for (k, y) in &ys {
        if !kept(y, &xs) {
            out.push((k.clone(), BlockElement::Added(y.clone())));
        }
    }
    out
}

fn by_key(
    xs: Vec<(Option<String>, Value)>,
    ys: Vec<(Option<String>, Value)>,
) -> Vec<(Option<String>, BlockElement)> {
    let mut after: BTreeMap<Option<String>, Value> = ys.into_iter().collect();
    let mut out: BTreeMap<Option<String>, BlockElement> = BTreeMap::new();
    for (k, x) in xs {
        let e = match after.remove(&k) {
            Some(y) => compare(x, y),
            None => BlockElement::Removed(x),
        };
        out.insert(k, e);
    }
    for (k, y) in after {
        out.insert(k, BlockElement::Added(y));
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::NestedBlock;
    use infra_lang::Type;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    fn schema() -> ResourceSchema {
        let mut inner = ResourceSchema::default();
        inner
            .attributes
            .insert("key".into(), Attribute::optional(Type::String, ""));
        let mut outer = ResourceSchema::default();
        outer
            .attributes
            .insert("name".into(), Attribute::optional(Type::String, ""));
        for (name, nesting) in [("rule", Nesting::List), ("tag", Nesting::Set)] {
            outer.blocks.insert(
                name.into(),
                NestedBlock {
                    nesting,
                    min_items: 0,
                    max_items: 0,
                    block: inner.clone(),
                },
            );
        }
        outer
    }

    fn list(xs: Vec<Value>) -> Value {
        Value::List(Type::Any, xs)
    }

    #[test]
    fn blocks_are_matched_by_their_nesting_mode() {
        let k = |x: &str| obj(&[("key", s(x))]);
        let before = obj(&[
            ("name", s("n")),
            ("rule", list(vec![k("a"), k("b")])),
            ("tag", Value::Set(Type::Any, vec![k("1"), k("2")])),
        ]);
        let after = obj(&[
            ("name", s("n")),
            ("rule", list(vec![k("a"), k("c"), k("d")])),
            ("tag", Value::Set(Type::Any, vec![k("2"), k("3")])),
        ]);
        let schema = schema();
        assert_eq!(attributes(&schema, &after), obj(&[("name", s("n"))]));
        let changes = block_changes(&schema, &before, &after);
        let names: Vec<&str> = changes.iter().map(|c| c.name).collect();
        assert_eq!(names, ["rule", "tag"]);
        let rule: Vec<&BlockElement> = changes[0].elements.iter().map(|(_, e)| e).collect();
        assert_eq!(
            rule,
            [
                &BlockElement::Unchanged,
                &BlockElement::Changed(k("b"), k("c")),
                &BlockElement::Added(k("d")),
            ]
        );
        let tag: Vec<&BlockElement> = changes[1].elements.iter().map(|(_, e)| e).collect();
        assert_eq!(
            tag,
            [
                &BlockElement::Removed(k("1")),
                &BlockElement::Unchanged,
                &BlockElement::Added(k("3")),
            ]
        );
        assert_eq!(changes[0].unchanged() + changes[1].unchanged(), 2);
    }

    #[test]
    fn a_created_object_has_every_block_added() {
        let schema = schema();
        let after = obj(&[("rule", list(vec![obj(&[("key", s("a"))])]))]);
        let changes = block_changes(&schema, &Value::NULL, &after);
        assert_eq!(changes.len(), 1);
        assert!(matches!(changes[0].elements[0].1, BlockElement::Added(_)));
        // An unknown block list (a `dynamic` block over an unknown) stays
        // an attribute.
        let unknown = obj(&[("rule", Value::Unknown(Type::Any))]);
        assert!(block_changes(&schema, &Value::NULL, &unknown).is_empty());
        assert_eq!(attributes(&schema, &unknown), unknown);
    }
}
