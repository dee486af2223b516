//! Tests of the native provider framework over a small made-up provider,
//! `toy`: one resource type that keeps every default, one data source, and
//! a context that `configure` replaces.

use super::{DataSource, NativeProvider, ProviderSpec, ResourceType};
use crate::object::{Attrs, attrs, invalid, string};
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, Found, PlanRequest, Provider, ResourceSchema, Stored,
};
use infra_lang::{Diagnostic, Type, Value};

/// The context: a greeting set by `configure`.
struct Greeting(String);

struct Toy;

impl ProviderSpec for Toy {
    type Context = Greeting;
    const NAME: &'static str = "toy";

    fn context() -> Greeting {
        Greeting("hello".into())
    }

    fn provider_schema() -> ResourceSchema {
        ResourceSchema::new(
            "A toy.",
            vec![(
                "greeting",
                Attribute::optional(Type::String, "The greeting."),
            )],
        )
    }

    fn configure(config: &Value) -> Result<Option<Greeting>, Failure> {
        let m = attrs(config, "provider \"toy\"")?;
        Ok(string(m, "greeting").map(|g| Greeting(g.to_string())))
    }

    fn resources() -> Vec<Box<dyn ResourceType<Greeting>>> {
        vec![Box::new(Thing)]
    }

    fn data_sources() -> Vec<Box<dyn DataSource<Greeting>>> {
        vec![Box::new(Info)]
    }
}

/// `toy_thing`: keeps every default but validates `name`.
struct Thing;

#[async_trait]
impl ResourceType<Greeting> for Thing {
    fn name(&self) -> &'static str {
        "toy_thing"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A thing.",
            vec![("name", Attribute::required(Type::String, "Its name."))],
        )
    }

    fn validate(&self, _ctx: &Greeting, config: &Attrs) -> Vec<Diagnostic> {
        match string(config, "name") {
            Some("") => vec![invalid("`name` of `toy_thing` must not be empty")],
            _ => Vec::new(),
        }
    }

    async fn apply(
        &self,
        _ctx: &Greeting,
        _schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
        Ok(request.planned)
    }

    async fn read(
        &self,
        _ctx: &Greeting,
        _schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        Ok(Some(state))
    }
}

/// Data source `toy_info`: the context's greeting.
struct Info;

#[async_trait]
impl DataSource<Greeting> for Info {
    fn name(&self) -> &'static str {
        "toy_info"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "The greeting.",
            vec![("text", Attribute::computed(Type::String, "The greeting."))],
        )
    }

    async fn read(
        &self,
        ctx: &Greeting,
        _schema: &ResourceSchema,
        _config: Value,
    ) -> Result<Value, Failure> {
        Ok(obj(&[("text", Value::string(&ctx.0))]))
    }
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object_of(pairs)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn message<T: std::fmt::Debug>(r: Result<T, Failure>) -> String {
    r.expect_err("fails")[0].message.clone()
}

#[test]
fn the_schema_comes_from_the_lists() {
    let p = NativeProvider::<Toy>::new();
    assert_eq!(p.name(), "toy");
    let s = p.schema();
    assert_eq!(s.resources.keys().collect::<Vec<_>>(), ["toy_thing"]);
    assert_eq!(s.data_sources.keys().collect::<Vec<_>>(), ["toy_info"]);
    assert!(s.provider.attributes.contains_key("greeting"));
    assert!(
        p.new_instance().is_some(),
        "configurable: aliases get their own"
    );
    assert!(
        crate::random::RandomProvider::new()
            .new_instance()
            .is_none()
    );
}

#[test]
fn unknown_types_are_reported_by_every_call() {
    let p = NativeProvider::<Toy>::new();
    let rt = rt();
    let want = "provider `toy` has no resource type `toy_nope`";
    let config = obj(&[("name", Value::string(""))]);
    assert!(p.validate("toy_nope", &config).is_empty());
    let plan = p.plan(PlanRequest {
        type_name: "toy_nope",
        prior: None,
        config: &config,
        proposed: config.clone(),
        prior_private: &[],
    });
    assert_eq!(message(plan), want);
    let apply = rt.block_on(p.apply(ApplyRequest {
        type_name: "toy_nope".into(),
        prior: None,
        planned: Some(config.clone()),
        ..ApplyRequest::default()
    }));
    assert_eq!(message(apply), want);
    assert_eq!(
        message(rt.block_on(p.read("toy_nope", Value::NULL, &[]))),
        want
    );
    assert_eq!(message(rt.block_on(p.find("toy_nope", Value::NULL))), want);
    assert_eq!(message(rt.block_on(p.import("toy_nope", "x"))), want);
    assert_eq!(
        message(rt.block_on(p.read_data("toy_thing", Value::NULL))),
        "provider `toy` has no resource type `toy_thing`"
    );
}

#[test]
fn calls_reach_the_type_with_its_defaults() {
    let p = NativeProvider::<Toy>::new();
    let rt = rt();
    let bad = obj(&[("name", Value::string(""))]);
    assert_eq!(p.validate("toy_thing", &bad).len(), 1);
    assert!(p.validate("toy_thing", &Value::NULL).is_empty());
    let config = obj(&[("name", Value::string("a"))]);
    let planned = p
        .plan(PlanRequest {
            type_name: "toy_thing",
            prior: None,
            config: &config,
            proposed: config.clone(),
            prior_private: &[],
        })
        .expect("plan");
    assert_eq!(
        planned.planned, config,
        "the default plan takes the proposal"
    );
    assert_eq!(
        rt.block_on(p.find("toy_thing", config.clone()))
            .expect("find"),
        Found::Unsupported
    );
    assert_eq!(
        message(rt.block_on(p.import("toy_thing", "a"))),
        "`toy_thing` does not support import"
    );
    let state = rt.block_on(p.read("toy_thing", config.clone(), &[]));
    assert_eq!(state.expect("read"), Some(Stored::new(config)));
}

#[test]
fn configure_replaces_the_context_or_keeps_it() {
    let p = NativeProvider::<Toy>::new();
    let rt = rt();
    let read = |p: &NativeProvider<Toy>| {
        rt.block_on(p.read_data("toy_info", Value::NULL))
            .expect("read")
    };
    assert_eq!(read(&p), obj(&[("text", Value::string("hello"))]));
    rt.block_on(p.configure(obj(&[("greeting", Value::string("hi"))])))
        .expect("configure");
    assert_eq!(read(&p), obj(&[("text", Value::string("hi"))]));
    rt.block_on(p.configure(obj(&[("greeting", Value::NULL)])))
        .expect("configure");
    assert_eq!(read(&p), obj(&[("text", Value::string("hi"))]));
    assert!(rt.block_on(p.configure(Value::string("x"))).is_err());
}

/// Every type in a production list has a name of its own (a second one
/// of the same name would silently replace the first).
#[test]
fn type_names_are_unique_in_every_list() {
    fn check<S: ProviderSpec>() {
        let p = NativeProvider::<S>::new();
        assert_eq!(
            p.schema().resources.len(),
            S::resources().len(),
            "{}",
            S::NAME
        );
        assert_eq!(
            p.schema().data_sources.len(),
            S::data_sources().len(),
            "{}",
            S::NAME
        );
        for name in p.schema().resources.keys() {
            assert!(name.starts_with(&format!("{}_", S::NAME)), "{name}");
        }
    }
    check::<crate::aws::Aws>();
    check::<crate::infra::Infra>();
    check::<crate::local::Local>();
    check::<crate::random::Random>();
    check::<crate::testing::Test>();
}
