//! The `test` provider and its `test_fault` resource: injected failures,
//! panics and delays, for testing how the engine survives a misbehaving
//! provider (errors mid-apply, a panicking task, Ctrl-C during a slow
//! apply). Registered only by [`crate::with_test`], never by
//! [`crate::all`]; the CLI adds it when `INFRA_TEST_PROVIDERS=1`.

use crate::object::{
    Attrs, attrs, finish, get, integer, into_attrs, invalid, no_such_type, planned, propose, set,
    string, unknown_string,
};
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, PlanRequest, PlannedState, Provider, ProviderSchema,
    ResourceSchema, error,
};
use infra_lang::{Diagnostic, Type, Value};
use std::time::Duration;

/// The resource type name.
pub const TYPE: &str = "test_fault";

/// The operations `fail_on` and `panic_on` can name.
pub const OPERATIONS: &[&str] = &["create", "update", "delete", "read"];

/// The `test` provider.
pub struct TestProvider {
    schema: ProviderSchema,
}

impl TestProvider {
    /// The provider with its schema (`test_fault`).
    pub fn new() -> TestProvider {
        let mut schema = ProviderSchema::default();
        schema.resources.insert(TYPE.to_string(), fault_schema());
        TestProvider { schema }
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceSchema, Failure> {
        self.schema
            .resources
            .get(type_name)
            .ok_or_else(|| no_such_type("test", type_name))
    }
}

impl Default for TestProvider {
    fn default() -> Self {
        TestProvider::new()
    }
}

/// The schema of `test_fault`: `input` (any), `fail_on` / `panic_on`
/// (one of [`OPERATIONS`]), `sleep_ms` (milliseconds apply waits first),
/// computed `id` (UUID) and `output` (= `input`).
pub fn fault_schema() -> ResourceSchema {
    ResourceSchema::new(
        "A resource that fails, panics or sleeps on demand, for testing the engine.",
        vec![
            (
                "input",
                Attribute::optional(Type::Any, "Any value; copied to `output`."),
            ),
            (
                "fail_on",
                Attribute::optional(
                    Type::String,
                    "The operation that fails: create, update, delete or read.",
                ),
            ),
            (
                "panic_on",
                Attribute::optional(
                    Type::String,
                    "The operation that panics: create, update, delete or read.",
                ),
            ),
            (
                "sleep_ms",
                Attribute::optional(
                    Type::Number,
                    "Milliseconds every apply (create, update, delete) waits before acting.",
                ),
            ),
            ("id", Attribute::computed(Type::String, "A random UUID.")),
            (
                "output",
                Attribute::computed(Type::Any, "The value of `input`."),
            ),
        ],
    )
}

/// Fails or panics when `m` asks for it on `op`.
fn inject(m: &Attrs, op: &str) -> Result<(), Failure> {
    if string(m, "panic_on") == Some(op) {
        panic!("test_fault: injected panic on {op}");
    }
    if string(m, "fail_on") == Some(op) {
        return Err(error(format!("test_fault: injected failure on {op}")));
    }
    Ok(())
}

#[async_trait]
impl Provider for TestProvider {
    fn name(&self) -> &str {
        "test"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        let Ok(m) = attrs(config, type_name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for name in ["fail_on", "panic_on"] {
            if let Some(op) = string(m, name)
                && !OPERATIONS.contains(&op)
            {
                out.push(invalid(format!(
                    "`{name}` of `{TYPE}` must be one of create, update, delete or read, got {op:?}"
                )));
            }
        }
        match integer(m, "sleep_ms", TYPE) {
            Ok(Some(ms)) if ms < 0 => out.push(invalid(format!(
                "`sleep_ms` of `{TYPE}` must be 0 or more, got {ms}"
            ))),
            Ok(_) => {}
            Err(d) => out.push(d),
        }
        out
    }

    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        let schema = self.resource(request.type_name)?;
        let mut p = propose(schema, TYPE, request, &[])?;
        let input = p.attrs.get("input").cloned().unwrap_or(Value::NULL);
        set(&mut p.attrs, "output", input);
        if p.fresh {
            set(&mut p.attrs, "id", unknown_string());
        }
        Ok(planned(schema, p.attrs))
    }

    async fn apply(&self, request: ApplyRequest) -> Result<Option<Value>, Failure> {
        let schema = self.resource(&request.type_name)?;
        let (op, m) = match (&request.prior, request.planned) {
            (_, None) => ("delete", None),
            (None, Some(p)) => ("create", Some(into_attrs(p, TYPE)?)),
            (Some(_), Some(p)) => ("update", Some(into_attrs(p, TYPE)?)),
        };
        let settings = match (&m, &request.prior) {
            (Some(m), _) => m,
            (None, Some(prior)) => attrs(prior, TYPE)?,
            (None, None) => return Ok(None),
        };
        let ms = integer(settings, "sleep_ms", TYPE).map_err(|d| vec![d])?;
        if let Some(ms) = ms.filter(|ms| *ms > 0) {
            tokio::time::sleep(Duration::from_millis(ms.unsigned_abs())).await;
        }
        inject(settings, op)?;
        let Some(mut m) = m else {
            return Ok(None);
        };
        let input = m.get("input").cloned().unwrap_or(Value::NULL);
        set(&mut m, "output", input);
        if get(&m, "id").as_str().is_none() {
            set(
                &mut m,
                "id",
                Value::String(uuid::Uuid::new_v4().to_string()),
            );
        }
        Ok(Some(finish(schema, m)))
    }

    async fn read(&self, type_name: &str, state: Value) -> Result<Option<Value>, Failure> {
        self.resource(type_name)?;
        inject(attrs(&state, TYPE)?, "read")?;
        Ok(Some(state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut m = BTreeMap::new();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn create(p: &TestProvider, planned: Value) -> Result<Option<Value>, Failure> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        rt.block_on(p.apply(ApplyRequest {
            type_name: TYPE.into(),
            prior: None,
            planned: Some(planned),
        }))
    }

    #[test]
    fn fails_where_asked() {
        let p = TestProvider::new();
        let err = create(&p, obj(&[("fail_on", Value::string("create"))])).expect_err("fails");
        assert_eq!(err[0].message, "test_fault: injected failure on create");
        let ok = create(
            &p,
            obj(&[
                ("fail_on", Value::string("delete")),
                ("input", Value::int(1)),
            ]),
        )
        .expect("create")
        .expect("state");
        let m = attrs(&ok, TYPE).expect("object");
        assert_eq!(m["output"], Value::int(1));
        assert!(m["id"].as_str().is_some());
    }

    #[test]
    fn panics_where_asked() {
        let p = TestProvider::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            create(&p, obj(&[("panic_on", Value::string("create"))]))
        }));
        assert!(r.is_err());
    }

    #[test]
    fn sleeps() {
        let p = TestProvider::new();
        let start = std::time::Instant::now();
        create(&p, obj(&[("sleep_ms", Value::int(30))])).expect("create");
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn validates_operation_names() {
        let p = TestProvider::new();
        let d = p.validate(TYPE, &obj(&[("fail_on", Value::string("destroy"))]));
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("fail_on"));
        assert!(
            p.validate(TYPE, &obj(&[("panic_on", Value::string("read"))]))
                .is_empty()
        );
    }
}
