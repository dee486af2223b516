//! Planning one managed instance from its schema: the proposed new state
//! (configured values; for unset computed attributes the prior value, or
//! unknown on create) and the schema's sensitive marks; which attributes
//! changed is the value diff's (`crate::diff::changed_attributes`).

pub(crate) use crate::diff::changed_attributes;
use crate::diff::paths::attrs;
use crate::provider::ResourceSchema;
use infra_lang::Value;
use std::collections::BTreeMap;

/// The proposed new state for `config` (an object conforming to `schema`)
/// given `prior` (`None` on create).
pub(crate) fn propose(schema: &ResourceSchema, prior: Option<&Value>, config: &Value) -> Value {
    let given = attrs(config);
    let before = prior.and_then(attrs);
    let mut out = BTreeMap::new();
    for (name, a) in &schema.attributes {
        let c = given.and_then(|m| m.get(name));
        let v = match c {
            Some(v) if !v.is_null() || v.is_unknown() => v.clone(),
            _ if a.computed => match before.and_then(|m| m.get(name)) {
                Some(p) => p.clone(),
                None => Value::Unknown(a.ty.clone()),
            },
            _ => Value::Null(a.ty.clone()),
        };
        out.insert(name.clone(), v.mark_if(a.sensitive));
    }
    // Nested blocks as configured (the configuration object has them in
    // their schema shape already); Terraform's ProposedNew also keeps the
    // prior values of computed attributes inside them (not yet: native
    // schemas have no blocks).
    for (name, b) in &schema.blocks {
        let v = given
            .and_then(|m| m.get(name))
            .cloned()
            .unwrap_or_else(|| Value::Null(b.implied_type()));
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// Marks schema-sensitive attributes of a state object as sensitive.
pub(crate) fn mark_sensitive(schema: &ResourceSchema, v: Value) -> Value {
    let (inner, outer) = v.unmark();
    match inner {
        Value::Object(mut m) => {
            for (name, a) in &schema.attributes {
                if a.sensitive
                    && let Some(x) = m.remove(name)
                {
                    m.insert(name.clone(), x.mark_if(true));
                }
            }
            Value::Object(m).mark_if(outer)
        }
        other => other.mark_if(outer),
    }
}
