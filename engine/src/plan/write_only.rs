//! Write-only attributes (schema `write_only`, Terraform 1.11's): their
//! configured values reach the provider at plan and apply, but a saved
//! plan holds them as null, as state does ([`strip`]); applying a saved
//! plan takes them from the configuration again ([`fill`]). Covered:
//! attributes of the resource and of its nested blocks in `single`,
//! `group` and `list` mode (a set's or map's blocks keep their values in
//! memory only, and no built-in type has such write-only attributes).

use super::Plan;
use crate::provider::{Nesting, Providers, ResourceSchema};
use infra_lang::Value;

/// Whether `schema` has a write-only attribute, at any depth.
pub fn any(schema: &ResourceSchema) -> bool {
    schema.attributes.values().any(|a| a.write_only)
        || schema.blocks.values().any(|b| any(&b.block))
}

/// `plan` with every write-only attribute of its changes' configurations
/// set to null: what a saved plan file may hold.
pub fn strip(plan: &Plan, providers: &Providers) -> Plan {
    let mut out = plan.clone();
    for c in &mut out.changes {
        let data = c.action == super::Action::Read;
        let Some(schema) = providers.schema(&c.address.type_name, data) else {
            continue;
        };
        if let Some(config) = &mut c.config
            && any(schema)
        {
            *config = map(schema, config, None);
        }
    }
    out
}

/// `saved` (a configuration from a saved plan, write-only attributes
/// null) with the write-only attributes of `fresh` (the configuration
/// evaluated now).
pub fn fill(schema: &ResourceSchema, saved: &Value, fresh: &Value) -> Value {
    map(schema, saved, Some(fresh))
}

/// `v` with each write-only attribute replaced by its value in `from`
/// (null without it).
fn map(schema: &ResourceSchema, v: &Value, from: Option<&Value>) -> Value {
    match v {
        Value::Sensitive(inner) => Value::Sensitive(Box::new(map(schema, inner, from.map(unmark)))),
        Value::Object(m) => {
            let from = from.map(unmark);
            let get = |name: &str| match from {
                Some(Value::Object(f)) => f.get(name),
                _ => None,
            };
            let mut out = m.clone();
            for (name, x) in &mut out {
                if let Some(a) = schema.attributes.get(name)
                    && a.write_only
                {
                    *x = get(name).cloned().unwrap_or(Value::NULL);
                } else if let Some(b) = schema.blocks.get(name) {
                    *x = block(b.nesting, &b.block, x, get(name));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn block(nesting: Nesting, schema: &ResourceSchema, v: &Value, from: Option<&Value>) -> Value {
    match (nesting, v) {
        (Nesting::Single | Nesting::Group, _) => map(schema, v, from),
        (Nesting::List, Value::List(t, items)) => {
            let from = from.map(unmark);
            let at = |i: usize| match from {
                Some(Value::List(_, f) | Value::Tuple(f)) => f.get(i),
                _ => None,
            };
            Value::List(
                t.clone(),
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| map(schema, x, at(i)))
                    .collect(),
            )
        }
        _ => v.clone(),
    }
}

fn unmark(v: &Value) -> &Value {
    match v {
        Value::Sensitive(inner) => unmark(inner),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Attribute;
    use infra_lang::Type;
    use infra_lang::value::ValueMap;

    fn schema() -> ResourceSchema {
        let mut s = ResourceSchema::default();
        s.attributes
            .insert("name".into(), Attribute::optional(Type::String, "A name."));
        s.attributes.insert(
            "password_wo".into(),
            Attribute {
                write_only: true,
                ..Attribute::optional(Type::String, "Write-only.")
            },
        );
        s
    }

    fn obj(name: &str, pw: Value) -> Value {
        Value::Object(ValueMap::from([
            ("name".to_string(), Value::string(name)),
            ("password_wo".to_string(), pw),
        ]))
    }

    #[test]
    fn write_only_values_are_nulled_and_filled_again() {
        let s = schema();
        let given = obj("a", Value::string("hunter2"));
        let saved = map(&s, &given, None);
        assert_eq!(saved, obj("a", Value::NULL));
        assert_eq!(fill(&s, &saved, &given), given);
        assert!(any(&s));
        assert!(!any(&ResourceSchema::default()));
    }
}
