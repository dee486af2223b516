//! The `torture` provider (only through [`crate::with_test`], i.e. with
//! `INFRA_TEST_PROVIDERS=1`): one resource type, `torture_all`, whose
//! schema has every nesting mode of blocks and nested attributes, dynamic,
//! sensitive, write-only and deprecated attributes (`schema.rs`), private
//! data and schema version 1 with an upgrade from version 0. It implements
//! the engine's `Provider` directly (the native framework has no private
//! data or upgrades), so the same object can be driven in-process, through
//! infra's plugin client, and by Terraform through `infra provider serve
//! torture`. Its objects are not real: apply fills in what the plan left
//! unknown (`id`, each `rule`'s `rid`).

pub mod schema;

use async_trait::async_trait;
use infra_engine::provider::{
    Applied, ApplyRequest, Failure, PlanRequest, PlannedState, Provider, ProviderSchema, Stored,
    decode_with_schema, error,
};
use infra_lang::value::ValueMap;
use infra_lang::{Type, Value};

/// The resource type name.
pub const TYPE: &str = "torture_all";

/// The `torture` provider.
pub struct TortureProvider {
    schema: ProviderSchema,
}

impl TortureProvider {
    /// The provider with its one resource type.
    pub fn new() -> TortureProvider {
        let mut s = ProviderSchema::default();
        s.resources.insert(TYPE.to_string(), schema::schema());
        TortureProvider { schema: s }
    }
}

impl Default for TortureProvider {
    fn default() -> Self {
        TortureProvider::new()
    }
}

/// The private bytes of the object named `name`.
fn private_of(name: &str) -> Vec<u8> {
    format!("torture-private:{name}").into_bytes()
}

/// The attributes of an object value (marks removed).
fn object(v: Value) -> Result<ValueMap, Failure> {
    match v.unmark_deep().0 {
        Value::Object(m) => Ok(m),
        other => Err(error(format!(
            "`{TYPE}`: expected an object, got {}",
            other.describe()
        ))),
    }
}

/// The `rule` blocks of `m`, each changed by `f`.
fn each_rule(m: &mut ValueMap, f: impl Fn(&mut ValueMap)) {
    // A saved plan's values come back untyped: a list of blocks as a tuple.
    if let Some(Value::List(_, rules) | Value::Tuple(rules)) = m.get_mut("rule") {
        for r in rules {
            if let Value::Object(r) = r {
                f(r);
            }
        }
    }
}

#[async_trait]
impl Provider for TortureProvider {
    fn name(&self) -> &str {
        "torture"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// Plans the proposal: `id` kept (unknown on create), `note` `auto`
    /// when unset, write-only `password_wo` null, a new `rule`'s `rid`
    /// unknown; private bytes carried over (new on create).
    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        if request.proposed.is_null() {
            return Ok(PlannedState::new(request.proposed));
        }
        let mut m = object(request.proposed)?;
        let prior = match request.prior {
            Some(p) => Some(object(p.clone())?),
            None => None,
        };
        let id = prior
            .as_ref()
            .and_then(|p| p.get("id"))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Unknown(Type::String));
        m.insert("id".into(), id);
        let configured_note = request
            .config
            .as_mapping()
            .and_then(|c| c.get("note"))
            .is_some_and(|v| !v.is_null());
        if !configured_note {
            m.insert("note".into(), Value::string("auto"));
        }
        m.insert("password_wo".into(), Value::Null(Type::String));
        each_rule(&mut m, |r| {
            if r.get("rid").is_none_or(Value::is_null) {
                r.insert("rid".into(), Value::Unknown(Type::String));
            }
        });
        let private = if request.prior_private.is_empty() {
            m.get("name")
                .and_then(Value::as_str)
                .map(private_of)
                .unwrap_or_default()
        } else {
            request.prior_private.to_vec()
        };
        Ok(PlannedState {
            private,
            ..PlannedState::new(Value::Object(m))
        })
    }

    /// Fills in what the plan left unknown; a delete returns nothing.
    async fn apply(&self, request: ApplyRequest) -> Result<Applied, Failure> {
        let Some(planned) = request.planned else {
            return Ok(Applied::default());
        };
        let mut m = object(planned)?;
        let name = m
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if m.get("id").is_none_or(Value::is_unknown) {
            m.insert("id".into(), Value::string(format!("torture-{name}")));
        }
        each_rule(&mut m, |r| {
            if r.get("rid").is_none_or(Value::is_unknown) {
                let port = match r.get("port") {
                    Some(Value::Number(n)) => n.to_string(),
                    _ => String::new(),
                };
                r.insert("rid".into(), Value::string(format!("rid-{port}")));
            }
        });
        let private = if request.planned_private.is_empty() {
            private_of(&name)
        } else {
            request.planned_private
        };
        Ok(Applied {
            state: Some(Value::Object(m)),
            private,
            legacy_type_system: false,
        })
    }

    /// The object as stored, with its private bytes.
    async fn read(
        &self,
        _type_name: &str,
        state: Value,
        private: &[u8],
    ) -> Result<Option<Stored>, Failure> {
        Ok(Some(Stored {
            value: state,
            private: private.to_vec(),
        }))
    }

    /// Version 0 named `name` `title`: renamed, then read with the
    /// current schema.
    async fn upgrade_state(
        &self,
        type_name: &str,
        version: u64,
        raw_json: &[u8],
    ) -> Result<Value, Failure> {
        let Some(schema) = self.schema.resources.get(type_name) else {
            return Err(error(format!("`{type_name}` is not a resource type")));
        };
        let raw = if version == 0 {
            let mut json: serde_json::Value = serde_json::from_slice(raw_json)
                .map_err(|e| error(format!("the stored state is not JSON: {e}")))?;
            if let serde_json::Value::Object(o) = &mut json {
                if let Some(title) = o.remove("title") {
                    o.insert("name".into(), title);
                }
                // Terraform's JSON gives a dynamic value with its type.
                if let Some(serde_json::Value::Object(d)) = o.get_mut("anything")
                    && d.len() == 2
                    && d.contains_key("type")
                    && let Some(v) = d.remove("value")
                {
                    o.insert("anything".into(), v);
                }
            }
            serde_json::to_vec(&json).map_err(|e| error(e.to_string()))?
        } else {
            raw_json.to_vec()
        };
        decode_with_schema(schema, &raw).map_err(error)
    }
}
