//! Sensitive marks from a schema (Terraform's `Block.ValueMarks`): every
//! value of a sensitive attribute is marked, at any depth of nested blocks
//! and nested attributes, so plans show `(sensitive value)` there and the
//! state file lists its path under `sensitive_attributes`.

use super::{Attribute, Nesting, ResourceSchema};
use infra_lang::Value;
use infra_lang::value::ValueMap;
use std::collections::BTreeMap;

/// Marks the schema-sensitive values of a state object as sensitive, at
/// every depth of nested blocks and nested attributes (Terraform's
/// `Block.ValueMarks`).
pub fn mark_sensitive(schema: &ResourceSchema, v: Value) -> Value {
    let (inner, outer) = v.unmark();
    match inner {
        Value::Object(mut m) => {
            mark_attributes(&schema.attributes, &mut m);
            for (name, b) in &schema.blocks {
                if let Some(x) = m.get_mut(name) {
                    let v = std::mem::replace(x, Value::NULL);
                    *x = each_object(b.nesting, v, &mut |o| mark_sensitive(&b.block, o));
                }
            }
            Value::Object(m).mark_if(outer)
        }
        other => other.mark_if(outer),
    }
}

/// The value `v` of attribute `a` with its sensitive marks (all of it
/// when `a` is sensitive; else those of its nested attributes).
pub fn mark_attribute(a: &Attribute, v: Value) -> Value {
    if a.sensitive {
        return v.mark_if(true);
    }
    let Some(n) = &a.nested else { return v };
    each_object(n.nesting, v, &mut |o| {
        let (o, outer) = o.unmark();
        match o {
            Value::Object(mut m) => {
                mark_attributes(&n.attributes, &mut m);
                Value::Object(m).mark_if(outer)
            }
            other => other.mark_if(outer),
        }
    })
}

/// Marks the values in `m` of the attributes `attrs` (see
/// [`mark_attribute`]).
/// Values are replaced in place (no key is removed and inserted again):
/// this runs on every attribute of every planned and stored object.
fn mark_attributes(attrs: &BTreeMap<String, Attribute>, m: &mut ValueMap) {
    for (name, a) in attrs {
        // `mark_attribute` returns other values as they are.
        if !a.sensitive && a.nested.is_none() {
            continue;
        }
        if let Some(x) = m.get_mut(name) {
            let v = std::mem::replace(x, Value::NULL);
            *x = mark_attribute(a, v);
        }
    }
}

/// `v` (a nested block's or nested attribute's value) with `f` applied to
/// each of its objects, as the nesting holds them.
fn each_object(nesting: Nesting, v: Value, f: &mut dyn FnMut(Value) -> Value) -> Value {
    let (v, outer) = v.unmark();
    let out = match (nesting, v) {
        (_, v @ (Value::Null(_) | Value::Unknown(_))) => v,
        (Nesting::Single | Nesting::Group, v) => f(v),
        (_, Value::List(t, xs)) => Value::List(t, xs.into_iter().map(&mut *f).collect()),
        (_, Value::Tuple(xs)) => Value::Tuple(xs.into_iter().map(&mut *f).collect()),
        // A set element cannot be marked apart from its set (cty hoists
        // the marks of set elements to the set): the whole set is.
        (_, Value::Set(t, xs)) => {
            let xs: Vec<Value> = xs.into_iter().map(&mut *f).collect();
            if xs.iter().any(Value::is_sensitive_deep) {
                let xs = xs.into_iter().map(|x| x.unmark_deep().0).collect();
                Value::set(t, xs).mark_if(true)
            } else {
                Value::Set(t, xs)
            }
        }
        (_, Value::Map(t, m)) => Value::Map(t, m.into_iter().map(|(k, x)| (k, f(x))).collect()),
        (_, Value::Object(m)) => Value::Object(m.into_iter().map(|(k, x)| (k, f(x))).collect()),
        (_, v) => v,
    };
    out.mark_if(outer)
}
