//! The `test` provider (with `test_blocks`, `testing_blocks.rs`) and its
//! `test_fault` resource: injected failures,
//! panics and delays, for testing how the engine survives a misbehaving
//! provider (errors mid-apply, a panicking task, Ctrl-C during a slow
//! apply). Registered only by [`crate::with_test`], never by
//! [`crate::all`]; the CLI adds it when `INFRA_TEST_PROVIDERS=1`.
//!
//! With `registry` set its objects are real (an empty file each in that
//! directory), named by `name` (an identity the configuration gives, which
//! [`ResourceType::find`] looks up) or else by the generated id (an identity
//! the provider assigns, which it cannot); `after_ms` holds a create after
//! its object exists, so a kill lands before the result is recorded.
//! `test_fault` takes objects of any type moved to it (MoveResourceState),
//! keeping their `input` and `id`.
//!
//! Latency: `plan_ms`, `sleep_ms` and `read_ms` make every plan, apply
//! (create, update, delete) and read of an object take that long, as a
//! provider behind a network would (the apply benchmark,
//! `infra-bench latency`).

use crate::framework::{NativeProvider, ProviderSpec, ResourceType};
use crate::object::{
    Attrs, attrs, finish, get, integer, into_attrs, invalid, planned, propose, set, string,
    unknown_string,
};
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, Found, MoveRequest, PlanRequest, PlannedState,
    ResourceSchema, error,
};
use infra_lang::value::from_json;
use infra_lang::{Diagnostic, Type, Value};
use std::time::Duration;

/// The resource type name.
pub const TYPE: &str = "test_fault";

/// The operations `fail_on` and `panic_on` can name.
pub const OPERATIONS: &[&str] = &["create", "update", "delete", "read"];

/// The attributes that delay an operation, in milliseconds (0 or more).
pub const LATENCIES: &[&str] = &["sleep_ms", "after_ms", "read_ms", "plan_ms"];

/// The `test` provider.
pub type TestProvider = NativeProvider<Test>;

/// The `test` provider's list: `test_fault`, no configuration.
pub struct Test;

impl ProviderSpec for Test {
    type Context = ();
    const NAME: &'static str = "test";

    fn context() {}

    fn resources() -> Vec<Box<dyn ResourceType<()>>> {
        vec![
            Box::new(TestFault),
            Box::new(crate::testing_blocks::TestBlocks),
        ]
    }
}

/// `test_fault` as a [`ResourceType`].
pub struct TestFault;

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
impl ResourceType<()> for TestFault {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of `test_fault`: `input` (any), `fail_on` / `panic_on`
    /// (one of [`OPERATIONS`]), `sleep_ms` (milliseconds apply waits first),
    /// `registry` (directory of real objects), `name` (configured identity),
    /// `after_ms` (milliseconds a create waits after making its object),
    /// `read_ms` (milliseconds every read waits first), `plan_ms`
    /// (milliseconds every plan waits first), computed `id` (`name`, else a UUID) and `output` (= `input`).
    fn schema(&self) -> ResourceSchema {
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
                (
                    "registry",
                    Attribute::optional(
                        Type::String,
                        "A directory: each object is a real file there, named by `name` or else by `id`.",
                    ),
                ),
                (
                    "name",
                    Attribute::optional(
                        Type::String,
                        "The object's configured identity (its file name in `registry`); also its `id`.",
                    ),
                ),
                (
                    "after_ms",
                    Attribute::optional(
                        Type::Number,
                        "Milliseconds a create waits after making its object, before returning.",
                    ),
                ),
                (
                    "read_ms",
                    Attribute::optional(
                        Type::Number,
                        "Milliseconds every read (refresh) waits before acting.",
                    ),
                ),
                (
                    "plan_ms",
                    Attribute::optional(
                        Type::Number,
                        "Milliseconds every plan of the object waits before answering.",
                    ),
                ),
                (
                    "id",
                    Attribute::computed(Type::String, "`name` when set, else a random UUID."),
                ),
                (
                    "output",
                    Attribute::computed(Type::Any, "The value of `input`."),
                ),
            ],
        )
    }

    fn validate(&self, _ctx: &(), m: &Attrs) -> Vec<Diagnostic> {
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
        for name in LATENCIES {
            match integer(m, name, TYPE) {
                Ok(Some(ms)) if ms < 0 => out.push(invalid(format!(
                    "`{name}` of `{TYPE}` must be 0 or more, got {ms}"
                ))),
                Ok(_) => {}
                Err(d) => out.push(d),
            }
        }
        out
    }

    /// Takes objects of any type, for testing `moved` blocks that change
    /// the type: their `input` (when they have one) becomes this object's
    /// `input` and `output`, their `id` its `id`.
    fn accepts_moves(&self) -> bool {
        true
    }

    async fn move_state(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        request: &MoveRequest,
    ) -> Result<Value, Failure> {
        let source: serde_json::Value = serde_json::from_slice(&request.source_state)
            .map_err(|e| error(format!("the moved object is not JSON: {e}")))?;
        let mut m: Attrs = schema
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), Value::Null(a.ty.clone())))
            .collect();
        let input = source.get("input").map_or(Value::NULL, from_json);
        set(&mut m, "input", input.clone());
        set(&mut m, "output", input);
        if let Some(id) = source.get("id").and_then(serde_json::Value::as_str) {
            set(&mut m, "id", Value::string(id));
        }
        Ok(Value::Object(m))
    }

    fn plan(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        request: PlanRequest<'_>,
    ) -> Result<PlannedState, Failure> {
        let mut p = propose(schema, TYPE, request, &[])?;
        // Planning is synchronous (no network for native providers): the
        // latency blocks the planning thread, as a plugin's round trip does.
        let ms = integer(&p.attrs, "plan_ms", TYPE).map_err(|d| vec![d])?;
        if let Some(ms) = ms.filter(|ms| *ms > 0) {
            std::thread::sleep(Duration::from_millis(ms.unsigned_abs()));
        }
        let input = p.attrs.get("input").cloned().unwrap_or(Value::NULL);
        set(&mut p.attrs, "output", input);
        if let Some(name) = string(&p.attrs, "name").map(str::to_string) {
            set(&mut p.attrs, "id", Value::String(name));
        } else if p.fresh {
            set(&mut p.attrs, "id", unknown_string());
        }
        Ok(planned(schema, p.attrs))
    }

    async fn apply(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
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
            if let Some(path) = object_path(settings) {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(error(format!("test_fault: cannot remove {path}: {e}"))),
                }
            }
            return Ok(None);
        };
        let input = m.get("input").cloned().unwrap_or(Value::NULL);
        set(&mut m, "output", input);
        if let Some(name) = string(&m, "name").map(str::to_string) {
            set(&mut m, "id", Value::String(name));
        } else if get(&m, "id").as_str().is_none() {
            set(
                &mut m,
                "id",
                Value::String(uuid::Uuid::new_v4().to_string()),
            );
        }
        if op == "create"
            && let Some(path) = object_path(&m)
        {
            std::fs::write(&path, b"")
                .map_err(|e| error(format!("test_fault: cannot create {path}: {e}")))?;
            let after = integer(&m, "after_ms", TYPE).map_err(|d| vec![d])?;
            if let Some(ms) = after.filter(|ms| *ms > 0) {
                tokio::time::sleep(Duration::from_millis(ms.unsigned_abs())).await;
            }
        }
        Ok(Some(finish(schema, m)))
    }

    async fn read(
        &self,
        _ctx: &(),
        _schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        let m = attrs(&state, TYPE)?;
        let ms = integer(m, "read_ms", TYPE).map_err(|d| vec![d])?;
        if let Some(ms) = ms.filter(|ms| *ms > 0) {
            tokio::time::sleep(Duration::from_millis(ms.unsigned_abs())).await;
        }
        inject(m, "read")?;
        if let Some(path) = object_path(m)
            && !std::path::Path::new(&path).exists()
        {
            return Ok(None);
        }
        Ok(Some(state))
    }

    /// Only with `registry` set are its objects real.
    fn makes_real_object(&self, planned: &Value) -> bool {
        attrs(planned, TYPE).is_ok_and(|m| string(m, "registry").is_some())
    }

    /// Real objects (`registry` set) are found by `name`; without a name
    /// their identity is the generated id, which cannot be looked up.
    async fn find(
        &self,
        _ctx: &(),
        schema: &ResourceSchema,
        planned: Value,
    ) -> Result<Found, Failure> {
        let mut m = into_attrs(planned, TYPE)?;
        if string(&m, "registry").is_none() {
            return Ok(Found::NotReal);
        }
        if string(&m, "name").is_none() {
            return Ok(Found::Unsupported);
        }
        let Some(path) = object_path(&m) else {
            return Ok(Found::Unsupported);
        };
        if !std::path::Path::new(&path).exists() {
            return Ok(Found::Missing);
        }
        let input = m.get("input").cloned().unwrap_or(Value::NULL);
        set(&mut m, "output", input);
        Ok(Found::Object(finish(schema, m)))
    }
}

/// The file of a real object: `registry`/`id` (`id` is `name` when set);
/// `None` without a registry or a known id.
fn object_path(m: &Attrs) -> Option<String> {
    let dir = string(m, "registry")?;
    let id = string(m, "id")?;
    Some(format!("{dir}/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_engine::provider::Provider;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
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
            ..ApplyRequest::default()
        }))
        .map(|a| a.state)
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
    fn latencies_must_be_whole_numbers_of_zero_or_more() {
        let p = TestProvider::new();
        for name in LATENCIES {
            let d = p.validate(TYPE, &obj(&[(name, Value::int(-1))]));
            assert_eq!(d.len(), 1, "{name}");
            assert!(
                d[0].message.contains("must be 0 or more"),
                "{}",
                d[0].message
            );
            let d = p.validate(TYPE, &obj(&[(name, Value::string("soon"))]));
            assert_eq!(d.len(), 1, "{name}");
            assert!(d[0].message.contains("whole number"), "{}", d[0].message);
            assert!(p.validate(TYPE, &obj(&[(name, Value::int(20))])).is_empty());
        }
    }

    #[test]
    fn plans_take_plan_ms() {
        let p = TestProvider::new();
        let schema = &p.schema().resources[TYPE];
        let m: Attrs = schema
            .attributes
            .iter()
            .map(|(k, a)| match k.as_str() {
                "plan_ms" => (k.clone(), Value::int(30)),
                "id" | "output" => (k.clone(), Value::Unknown(a.ty.clone())),
                _ => (k.clone(), Value::Null(a.ty.clone())),
            })
            .collect();
        let config = Value::Object(m);
        let start = std::time::Instant::now();
        let planned = p
            .plan(PlanRequest {
                type_name: TYPE,
                prior: None,
                config: &config,
                proposed: config.clone(),
                prior_private: &[],
            })
            .expect("plan");
        assert!(start.elapsed() >= Duration::from_millis(30));
        let m = attrs(&planned.planned, TYPE).expect("object");
        assert_eq!(m["plan_ms"], Value::int(30));
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
