//! `infra_data`: a value kept in state, like Terraform's `terraform_data`
//! (which is the same type under Terraform's name, in the built-in
//! `terraform` provider: the state records the name the configuration used).
//! `output` mirrors `input`; changing `triggers_replace` replaces the
//! object (a new `id`), which resources can use in
//! `lifecycle { replace_triggered_by = [...] }`.
//!
//! Unlike Terraform, `output` is known in the plan whenever `input` is.
//! Thousands of these are applied in benchmarks: no call clones more than
//! the one copy of `input` that `output` needs.

use crate::framework::ResourceType;
use crate::object::{Attrs, finish, get, into_attrs, planned, propose, set, unknown_string};
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, Found, PlanRequest, PlannedState, ResourceSchema,
};
use infra_lang::{Type, Value};

/// The resource type name.
pub const TYPE: &str = "infra_data";

/// Terraform's name for the same type (`terraform.io/builtin/terraform`'s
/// `terraform_data`): same schema, same behaviour.
pub const TERRAFORM_TYPE: &str = "terraform_data";

/// Copies `input` to `output` in `m`, unless they are already equal.
fn mirror(m: &mut Attrs) {
    let input = get(m, "input");
    if m.get("output").is_some_and(|o| o == input) {
        return;
    }
    let input = m.get("input").cloned().unwrap_or(Value::NULL);
    set(m, "output", input);
}

/// `infra_data` as a [`ResourceType`] of the `infra` provider, or
/// `terraform_data` of the `terraform` provider: the field is the type
/// name ([`TYPE`] or [`TERRAFORM_TYPE`]).
pub struct InfraData(pub &'static str);

#[async_trait]
impl ResourceType<()> for InfraData {
    fn name(&self) -> &'static str {
        self.0
    }

    /// The schema: `input` (any), `output` (computed, = `input`),
    /// `triggers_replace` (any, force-new), `id` (computed UUID string).
    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A value stored in state: `output` is `input`; changing `triggers_replace` replaces it.",
            vec![
                (
                    "input",
                    Attribute::optional(
                        Type::Any,
                        "Any value; copied to `output`. Changing it updates the object in place.",
                    ),
                ),
                (
                    "output",
                    Attribute::computed(Type::Any, "The value of `input`."),
                ),
                (
                    "triggers_replace",
                    Attribute::optional(
                        Type::Any,
                        "Any value; when it changes, the object is replaced (gets a new `id`).",
                    )
                    .force_new(),
                ),
                (
                    "id",
                    Attribute::computed(
                        Type::String,
                        "A random UUID chosen when the object is created.",
                    ),
                ),
            ],
        )
    }

    /// Plans: `output` = planned `input` (unknown only when `input` is);
    /// `id` kept from the prior state, unknown on create or replace.
    ///
    /// # Errors
    /// When the proposal is not an object.
    fn plan(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        request: PlanRequest<'_>,
    ) -> Result<PlannedState, Failure> {
        let mut p = propose(schema, self.0, request, &[])?;
        mirror(&mut p.attrs);
        if p.fresh {
            set(&mut p.attrs, "id", unknown_string());
        }
        Ok(planned(schema, p.attrs))
    }

    /// Creates (new UUID `id`), updates (`output` = `input`, the planned
    /// `id`) or deletes (nothing to do) the object.
    ///
    /// # Errors
    /// When the planned state is not an object.
    async fn apply(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
        let Some(planned) = request.planned else {
            return Ok(None);
        };
        let mut m = into_attrs(planned, self.0)?;
        mirror(&mut m);
        if get(&m, "id").as_str().is_none() {
            set(
                &mut m,
                "id",
                Value::String(uuid::Uuid::new_v4().to_string()),
            );
        }
        Ok(Some(finish(schema, m)))
    }

    /// Reads the object: there is nothing outside state, so it is `state`.
    async fn read(
        &self,
        _ctx: &(),
        _schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        Ok(Some(state))
    }

    /// Imports an object with `id` and everything else null, as
    /// Terraform imports a `terraform_data` (its `importDataStore`): the
    /// configuration's `input` then plans as an update.
    ///
    /// # Errors
    /// Never.
    async fn import(&self, _ctx: &(), schema: &ResourceSchema, id: &str) -> Result<Value, Failure> {
        let mut m = Attrs::new();
        set(&mut m, "id", Value::string(id));
        Ok(finish(schema, m))
    }

    /// `infra_data` lives only in state: nothing real to announce.
    fn makes_real_object(&self, _planned: &Value) -> bool {
        false
    }

    /// `infra_data` lives only in state: a create that was never recorded
    /// left nothing behind.
    async fn find(
        &self,
        _ctx: &(),
        _schema: &ResourceSchema,
        _planned: Value,
    ) -> Result<Found, Failure> {
        Ok(Found::NotReal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::attrs;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    /// The planned attributes for `config` over `prior`.
    fn plan(prior: Option<&Value>, config: &Value, proposed: Value) -> Attrs {
        let p = InfraData(TYPE)
            .plan(
                &(),
                &InfraData(TYPE).schema(),
                PlanRequest {
                    type_name: TYPE,
                    prior,
                    config,
                    proposed,
                    prior_private: &[],
                },
            )
            .expect("plan");
        attrs(&p.planned, TYPE).expect("object").clone()
    }

    #[test]
    fn plan_create_knows_output() {
        let config = obj(&[("input", Value::string("hello"))]);
        let proposed = obj(&[
            ("input", Value::string("hello")),
            ("output", Value::unknown()),
            ("id", Value::unknown()),
        ]);
        let m = plan(None, &config, proposed);
        assert_eq!(m["output"], Value::string("hello"));
        assert!(m["id"].is_unknown());
    }

    #[test]
    fn plan_update_keeps_id_and_replace_makes_it_unknown() {
        let s = InfraData(TYPE).schema();
        let prior = obj(&[
            ("input", Value::string("a")),
            ("output", Value::string("a")),
            ("triggers_replace", Value::int(1)),
            ("id", Value::string("x")),
        ]);
        let config = obj(&[
            ("input", Value::string("b")),
            ("triggers_replace", Value::int(1)),
        ]);
        let proposed = obj(&[
            ("input", Value::string("b")),
            ("output", Value::string("a")),
            ("triggers_replace", Value::int(1)),
            ("id", Value::string("x")),
        ]);
        let m = plan(Some(&prior), &config, proposed.clone());
        assert_eq!(m["output"], Value::string("b"));
        assert_eq!(m["id"], Value::string("x"));

        let config = obj(&[
            ("input", Value::string("b")),
            ("triggers_replace", Value::int(2)),
        ]);
        let proposed = obj(&[
            ("input", Value::string("b")),
            ("triggers_replace", Value::int(2)),
            ("id", Value::string("x")),
        ]);
        let m = plan(Some(&prior), &config, proposed);
        assert!(m["id"].is_unknown());
        assert!(s.attributes["triggers_replace"].force_new);
        assert!(!s.attributes["input"].force_new);
    }

    #[test]
    fn apply_create_update_delete() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let s = InfraData(TYPE).schema();
        let planned = obj(&[("input", Value::int(5)), ("id", Value::unknown())]);
        let created = rt
            .block_on(InfraData(TYPE).apply(
                &(),
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: None,
                    planned: Some(planned),
                    ..ApplyRequest::default()
                },
            ))
            .expect("apply")
            .expect("state");
        let m = attrs(&created, TYPE).expect("object");
        assert_eq!(m["output"], Value::int(5));
        let id = m["id"].as_str().expect("id").to_string();
        assert_eq!(id.len(), 36);

        let planned = obj(&[
            ("input", Value::int(6)),
            ("output", Value::int(6)),
            ("id", Value::string(id.clone())),
        ]);
        let updated = rt
            .block_on(InfraData(TYPE).apply(
                &(),
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: Some(created.clone()),
                    planned: Some(planned),
                    ..ApplyRequest::default()
                },
            ))
            .expect("apply")
            .expect("state");
        let m = attrs(&updated, TYPE).expect("object");
        assert_eq!(m["output"], Value::int(6));
        assert_eq!(m["id"], Value::string(id));

        let deleted = rt
            .block_on(InfraData(TYPE).apply(
                &(),
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: Some(updated.clone()),
                    planned: None,
                    ..ApplyRequest::default()
                },
            ))
            .expect("apply");
        assert!(deleted.is_none());
        let read = rt
            .block_on(InfraData(TYPE).read(&(), &s, updated.clone()))
            .expect("read");
        assert_eq!(read, Some(updated));
    }
}
