//! `PluginProvider` against an in-process fake tfplugin6 server (tonic on
//! 127.0.0.1:0, plain TCP) with one tiny resource type, `fake_thing`, and
//! one data source, `fake_info`: schema, configure, validate, plan,
//! apply, read, import and a plugin that went away, all through the
//! engine's `Provider` trait.

use super::*;
use crate::proto::tfplugin6 as p;
use crate::wire;
use infra_engine::provider::{ApplyRequest, PlanRequest, Provider};
use infra_lang::types::Type;
use infra_lang::{Severity, Value};
use p::provider_server::{Provider as Service, ProviderServer};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tonic::{Request, Response, Status};

fn string_attr(name: &str, required: bool, computed: bool) -> p::schema::Attribute {
    p::schema::Attribute {
        name: name.into(),
        r#type: br#""string""#.to_vec(),
        required,
        optional: !required,
        computed,
        ..Default::default()
    }
}

fn schema_of(
    attributes: Vec<p::schema::Attribute>,
    block_types: Vec<p::schema::NestedBlock>,
) -> p::Schema {
    p::Schema {
        version: 0,
        block: Some(p::schema::Block {
            attributes,
            block_types,
            ..Default::default()
        }),
    }
}

fn thing_schema() -> p::Schema {
    let mut tags = string_attr("tags", false, false);
    tags.r#type = br#"["map","string"]"#.to_vec();
    let mut secret = string_attr("secret", false, false);
    secret.sensitive = true;
    let endpoint = p::schema::Attribute {
        name: "endpoint".into(),
        optional: true,
        nested_type: Some(p::schema::Object {
            attributes: vec![string_attr("host", false, false)],
            nesting: p::schema::object::NestingMode::Single as i32,
            ..Default::default()
        }),
        ..Default::default()
    };
    let rule = p::schema::NestedBlock {
        type_name: "rule".into(),
        nesting: p::schema::nested_block::NestingMode::List as i32,
        block: Some(p::schema::Block {
            attributes: vec![p::schema::Attribute {
                name: "port".into(),
                r#type: br#""number""#.to_vec(),
                required: true,
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    schema_of(
        vec![
            string_attr("id", false, true),
            string_attr("name", true, false),
            tags,
            secret,
            endpoint,
        ],
        vec![rule],
    )
}

fn info_schema() -> p::Schema {
    schema_of(
        vec![
            string_attr("key", true, false),
            string_attr("value", false, true),
        ],
        Vec::new(),
    )
}

fn ty_of(s: &p::Schema) -> Type {
    let (rs, _) = rpc::v6::block(s.block.as_ref()).expect("fake plugin");
    rs.object_type()
}

fn dv(v: &Value, ty: &Type) -> Option<p::DynamicValue> {
    Some(p::DynamicValue {
        msgpack: wire::encode(v, ty).expect("fake plugin"),
        json: Vec::new(),
    })
}

fn value(d: &Option<p::DynamicValue>, ty: &Type) -> Value {
    let d = d.clone().unwrap_or_default();
    wire::decode(&d.msgpack, &d.json, ty).expect("fake plugin")
}

fn diag(summary: &str, warning: bool, path: &[&str]) -> p::Diagnostic {
    crate::diag::ProtoDiagnostic::from_parts(
        warning,
        summary.into(),
        "the detail".into(),
        &path
            .iter()
            .map(|s| match s.strip_prefix('=') {
                Some(k) => crate::diag::Step::Key(k.into()),
                None => crate::diag::Step::Attr((*s).into()),
            })
            .collect::<Vec<_>>(),
    )
}

/// What the fake plugin remembers.
#[derive(Default)]
struct Fake {
    /// Objects by id.
    objects: BTreeMap<String, Value>,
    region: Option<String>,
    configures: usize,
    next_id: usize,
    /// The rule block as the last plan received it in `config`.
    seen_rule: Option<Value>,
}

#[derive(Clone, Default)]
struct FakeServer(Arc<Mutex<Fake>>);

#[tonic::async_trait]
impl Service for FakeServer {
    async fn get_metadata(
        &self,
        _: Request<p::get_metadata::Request>,
    ) -> Result<Response<p::get_metadata::Response>, Status> {
        Err(Status::unimplemented("get_metadata"))
    }

    async fn validate_data_resource_config(
        &self,
        _: Request<p::validate_data_resource_config::Request>,
    ) -> Result<Response<p::validate_data_resource_config::Response>, Status> {
        Err(Status::unimplemented("validate_data_resource_config"))
    }

    async fn upgrade_resource_state(
        &self,
        _: Request<p::upgrade_resource_state::Request>,
    ) -> Result<Response<p::upgrade_resource_state::Response>, Status> {
        Err(Status::unimplemented("upgrade_resource_state"))
    }

    async fn move_resource_state(
        &self,
        _: Request<p::move_resource_state::Request>,
    ) -> Result<Response<p::move_resource_state::Response>, Status> {
        Err(Status::unimplemented("move_resource_state"))
    }

    async fn get_functions(
        &self,
        _: Request<p::get_functions::Request>,
    ) -> Result<Response<p::get_functions::Response>, Status> {
        Err(Status::unimplemented("get_functions"))
    }

    async fn call_function(
        &self,
        _: Request<p::call_function::Request>,
    ) -> Result<Response<p::call_function::Response>, Status> {
        Err(Status::unimplemented("call_function"))
    }

    async fn stop_provider(
        &self,
        _: Request<p::stop_provider::Request>,
    ) -> Result<Response<p::stop_provider::Response>, Status> {
        Err(Status::unimplemented("stop_provider"))
    }

    async fn get_provider_schema(
        &self,
        _: Request<p::get_provider_schema::Request>,
    ) -> Result<Response<p::get_provider_schema::Response>, Status> {
        Ok(Response::new(p::get_provider_schema::Response {
            provider: Some(schema_of(
                vec![string_attr("region", false, false)],
                Vec::new(),
            )),
            resource_schemas: [("fake_thing".to_string(), thing_schema())].into(),
            data_source_schemas: [("fake_info".to_string(), info_schema())].into(),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        _: Request<p::validate_provider_config::Request>,
    ) -> Result<Response<p::validate_provider_config::Response>, Status> {
        Ok(Response::new(Default::default()))
    }

    async fn configure_provider(
        &self,
        r: Request<p::configure_provider::Request>,
    ) -> Result<Response<p::configure_provider::Response>, Status> {
        let r = r.into_inner();
        assert_eq!(r.terraform_version, "1.15.5");
        let ty = Type::object([("region".to_string(), Type::String)].into());
        let config = value(&r.config, &ty);
        let region = config
            .as_mapping()
            .and_then(|m| m["region"].as_str().map(String::from));
        let mut diagnostics = Vec::new();
        if region.as_deref() == Some("mars") {
            diagnostics.push(diag("unsupported region", false, &["region"]));
        }
        let mut f = self.0.lock().expect("fake lock");
        f.region = region;
        f.configures += 1;
        Ok(Response::new(p::configure_provider::Response {
            diagnostics,
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<p::validate_resource_config::Request>,
    ) -> Result<Response<p::validate_resource_config::Response>, Status> {
        let r = r.into_inner();
        let config = value(&r.config, &ty_of(&thing_schema()));
        let m = config.as_mapping().expect("fake plugin");
        let mut diagnostics = Vec::new();
        if m["name"].as_str() == Some("") {
            diagnostics.push(diag("name must not be empty", false, &["name"]));
        }
        if let Some(tags) = m["tags"].as_mapping()
            && tags.contains_key("env")
        {
            diagnostics.push(diag("env is deprecated", true, &["tags", "=env"]));
        }
        Ok(Response::new(p::validate_resource_config::Response {
            diagnostics,
        }))
    }

    async fn plan_resource_change(
        &self,
        r: Request<p::plan_resource_change::Request>,
    ) -> Result<Response<p::plan_resource_change::Response>, Status> {
        let r = r.into_inner();
        let ty = ty_of(&thing_schema());
        let prior = value(&r.prior_state, &ty);
        let config = value(&r.config, &ty);
        let mut planned = value(&r.proposed_new_state, &ty);
        self.0.lock().expect("fake lock").seen_rule =
            config.as_mapping().map(|m| m["rule"].clone());
        let mut requires_replace = Vec::new();
        if let (Value::Object(pm), Value::Object(new)) = (&prior, &mut planned) {
            new.insert("id".into(), pm["id"].clone());
            if pm["name"] != new["name"] {
                requires_replace.push(p::AttributePath {
                    steps: vec![p::attribute_path::Step {
                        selector: Some(p::attribute_path::step::Selector::AttributeName(
                            "name".into(),
                        )),
                    }],
                });
            }
        } else if let Value::Object(new) = &mut planned {
            new.insert("id".into(), Value::Unknown(Type::String));
        }
        Ok(Response::new(p::plan_resource_change::Response {
            planned_state: dv(&planned, &ty),
            requires_replace,
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        r: Request<p::apply_resource_change::Request>,
    ) -> Result<Response<p::apply_resource_change::Response>, Status> {
        let r = r.into_inner();
        let ty = ty_of(&thing_schema());
        let prior = value(&r.prior_state, &ty);
        let planned = value(&r.planned_state, &ty);
        let mut f = self.0.lock().expect("fake lock");
        let new = match planned {
            Value::Null(_) => {
                if let Some(id) = prior.as_mapping().and_then(|m| m["id"].as_str()) {
                    f.objects.remove(id);
                }
                Value::Null(ty.clone())
            }
            Value::Object(mut m) => {
                if m["id"].is_unknown() {
                    f.next_id += 1;
                    m.insert("id".into(), Value::string(format!("thing-{}", f.next_id)));
                }
                let v = Value::Object(m);
                let id = v.as_mapping().expect("fake plugin")["id"]
                    .as_str()
                    .expect("fake plugin")
                    .to_string();
                f.objects.insert(id, v.clone());
                v
            }
            other => panic!("planned {other:?}"),
        };
        Ok(Response::new(p::apply_resource_change::Response {
            new_state: dv(&new, &ty),
            ..Default::default()
        }))
    }

    async fn read_resource(
        &self,
        r: Request<p::read_resource::Request>,
    ) -> Result<Response<p::read_resource::Response>, Status> {
        let r = r.into_inner();
        let ty = ty_of(&thing_schema());
        let current = value(&r.current_state, &ty);
        let id = current.as_mapping().expect("fake plugin")["id"]
            .as_str()
            .expect("fake plugin")
            .to_string();
        let f = self.0.lock().expect("fake lock");
        let new = f
            .objects
            .get(&id)
            .cloned()
            .unwrap_or(Value::Null(ty.clone()));
        Ok(Response::new(p::read_resource::Response {
            new_state: dv(&new, &ty),
            private: r.private,
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        r: Request<p::import_resource_state::Request>,
    ) -> Result<Response<p::import_resource_state::Response>, Status> {
        let r = r.into_inner();
        let ty = ty_of(&thing_schema());
        let mut state = thing("", Value::string(r.id));
        if let Value::Object(m) = &mut state {
            m.insert("name".into(), Value::Null(Type::String));
        }
        Ok(Response::new(p::import_resource_state::Response {
            imported_resources: vec![p::import_resource_state::ImportedResource {
                type_name: r.type_name,
                state: dv(&state, &ty),
                private: b"imported".to_vec(),
            }],
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        r: Request<p::read_data_source::Request>,
    ) -> Result<Response<p::read_data_source::Response>, Status> {
        let r = r.into_inner();
        let ty = ty_of(&info_schema());
        let mut config = value(&r.config, &ty);
        if let Value::Object(m) = &mut config {
            let key = m["key"].as_str().unwrap_or_default().to_string();
            let region = self
                .0
                .lock()
                .expect("fake lock")
                .region
                .clone()
                .unwrap_or_default();
            m.insert("value".into(), Value::string(format!("{key}@{region}")));
        }
        Ok(Response::new(p::read_data_source::Response {
            state: dv(&config, &ty),
            ..Default::default()
        }))
    }
}

/// Starts the fake on 127.0.0.1:0; returns its state, a channel to it and
/// the sender that stops it.
async fn start() -> (
    FakeServer,
    tonic::transport::Channel,
    tokio::sync::oneshot::Sender<()>,
) {
    let fake = FakeServer::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("fake plugin");
    let addr = listener.local_addr().expect("fake plugin");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = ProviderServer::new(fake.clone());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stopped.await;
                },
            )
            .await
            .expect("fake plugin");
    });
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("fake plugin")
        .connect()
        .await
        .expect("fake plugin");
    (fake, channel, stop)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("fake plugin")
}

fn thing(name: &str, id: Value) -> Value {
    let ty = ty_of(&thing_schema());
    let Type::Object(o) = &ty else { unreachable!() };
    let mut m: BTreeMap<String, Value> = o
        .attrs
        .iter()
        .map(|(k, t)| (k.clone(), Value::Null(t.clone())))
        .collect();
    m.insert("name".into(), Value::string(name));
    m.insert("id".into(), id);
    Value::Object(m)
}

/// The planner's way: async calls through `rt.block_on`, sync ones
/// (`validate`, `plan`) from the plain thread outside the runtime.
#[test]
fn schema_configure_plan_apply_read_import_through_the_provider_trait() {
    let rt = runtime();
    let (fake, channel, _stop) = rt.block_on(start());
    let provider = rt
        .block_on(PluginProvider::connect("fake".into(), channel, 6))
        .expect("should succeed");

    // Schema: attributes, a nested attribute type, a LIST block as
    // list(object), sensitivity.
    let schema = provider.schema();
    let thing_schema = &schema.resources["fake_thing"];
    assert!(thing_schema.attributes["name"].required);
    assert!(thing_schema.attributes["id"].computed);
    assert!(thing_schema.attributes["secret"].sensitive);
    assert_eq!(
        thing_schema.attributes["rule"].ty.to_string(),
        "list(object({ port = number }))"
    );
    assert_eq!(
        thing_schema.attributes["endpoint"].ty.to_string(),
        "object({ host = string })"
    );
    assert!(schema.data_sources.contains_key("fake_info"));
    assert!(schema.provider.attributes.contains_key("region"));

    // Configure: skipped while unknown, sent when known; errors carry the
    // attribute path.
    let config = |v: Value| Value::object_of(&[("region", v)]);
    rt.block_on(provider.configure(config(Value::Unknown(Type::String))))
        .expect("should succeed");
    assert_eq!(fake.0.lock().expect("fake lock").configures, 0);
    let err = rt
        .block_on(provider.configure(config(Value::string("mars"))))
        .expect_err("should fail");
    assert_eq!(err[0].message, "unsupported region (at region)");
    assert_eq!(err[0].help.as_deref(), Some("the detail"));
    rt.block_on(provider.configure(config(Value::string("eu"))))
        .expect("should succeed");
    assert_eq!(
        fake.0.lock().expect("fake lock").region.as_deref(),
        Some("eu")
    );

    // Validate: errors and warnings with paths.
    let mut bad = thing("", Value::Null(Type::String));
    if let Value::Object(m) = &mut bad {
        m.insert(
            "tags".into(),
            Value::Map(
                Type::String,
                [("env".to_string(), Value::string("x"))].into(),
            ),
        );
    }
    let diags = provider.validate("fake_thing", &bad);
    let texts: Vec<_> = diags
        .iter()
        .map(|d| (d.severity, d.message.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (Severity::Error, "name must not be empty (at name)"),
            (Severity::Warning, "env is deprecated (at tags[\"env\"])"),
        ]
    );

    // Plan a create: the id is unknown; the absent LIST block goes out as
    // `[]`, not null.
    let config = thing("a", Value::Null(Type::String));
    let planned = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: None,
            config: &config,
            proposed: thing("a", Value::Unknown(Type::String)),
        })
        .expect("should succeed");
    assert!(planned.planned.as_mapping().expect("should succeed")["id"].is_unknown());
    assert!(planned.requires_replace.is_empty());
    let seen = fake
        .0
        .lock()
        .expect("fake lock")
        .seen_rule
        .clone()
        .expect("should succeed");
    assert_eq!(seen.as_sequence().map(<[Value]>::len), Some(0));

    // Apply the create, read it back.
    let created = rt
        .block_on(provider.apply(ApplyRequest {
            type_name: "fake_thing".into(),
            prior: None,
            planned: Some(planned.planned),
        }))
        .expect("should succeed")
        .expect("should succeed");
    let id = created.as_mapping().expect("should succeed")["id"].clone();
    assert_eq!(id, Value::string("thing-1"));
    let read = rt
        .block_on(provider.read("fake_thing", created.clone()))
        .expect("should succeed");
    assert_eq!(read, Some(created.clone()));

    // A new name must replace: the path comes back as its attribute name.
    let renamed = thing("b", Value::Null(Type::String));
    let planned = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: Some(&created),
            config: &renamed,
            proposed: thing("b", id.clone()),
        })
        .expect("should succeed");
    assert_eq!(planned.requires_replace, ["name"]);

    // Delete; the object is then gone for read.
    let deleted = rt
        .block_on(provider.apply(ApplyRequest {
            type_name: "fake_thing".into(),
            prior: Some(created.clone()),
            planned: None,
        }))
        .expect("should succeed");
    assert_eq!(deleted, None);
    assert_eq!(
        rt.block_on(provider.read("fake_thing", created))
            .expect("should succeed"),
        None
    );

    // Import reads the imported object back: one that exists …
    let existing = thing("ext", Value::string("ext-1"));
    fake.0
        .lock()
        .expect("should succeed")
        .objects
        .insert("ext-1".into(), existing.clone());
    assert_eq!(
        rt.block_on(provider.import("fake_thing", "ext-1"))
            .expect("should succeed"),
        existing
    );
    // … and one that does not.
    let err = rt
        .block_on(provider.import("fake_thing", "nope"))
        .expect_err("should fail");
    assert!(
        err[0].message.contains("found no `fake_thing` object"),
        "{}",
        err[0].message
    );

    // A data source.
    let data = rt
        .block_on(provider.read_data(
            "fake_info",
            Value::object_of(&[
                ("key", Value::string("k")),
                ("value", Value::Null(Type::String)),
            ]),
        ))
        .expect("should succeed");
    assert_eq!(
        data.as_mapping().expect("should succeed")["value"],
        Value::string("k@eu")
    );
}

/// `plan` from inside the runtime (a worker thread) goes through
/// `block_in_place` and does not deadlock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_calls_work_on_a_runtime_worker() {
    let (_fake, channel, _stop) = start().await;
    let provider = PluginProvider::connect("fake".into(), channel, 6)
        .await
        .expect("should succeed");
    let config = thing("a", Value::Null(Type::String));
    let planned = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: None,
            config: &config,
            proposed: thing("a", Value::Unknown(Type::String)),
        })
        .expect("should succeed");
    assert!(planned.planned.as_mapping().expect("should succeed")["id"].is_unknown());
    assert!(provider.validate("fake_thing", &config).is_empty());
}

/// A plugin that went away: an error naming the provider, for async and
/// sync calls alike, and no hang.
#[test]
fn a_gone_plugin_is_an_error_naming_the_provider() {
    let rt = runtime();
    let (_fake, channel, stop) = rt.block_on(start());
    let quick = std::time::Duration::from_secs(10);
    let provider = rt
        .block_on(PluginProvider::connect("fake".into(), channel, 6))
        .expect("should succeed")
        .with_timeouts(Timeouts {
            apply: quick,
            other: quick,
        });
    stop.send(()).expect("should succeed");
    // Let the server close its connections.
    rt.block_on(async { tokio::time::sleep(std::time::Duration::from_millis(200)).await });
    let state = thing("a", Value::string("thing-1"));
    let err = rt
        .block_on(provider.read("fake_thing", state))
        .expect_err("should fail");
    assert!(
        err[0].message.starts_with("provider `fake` "),
        "{}",
        err[0].message
    );
    let config = thing("a", Value::Null(Type::String));
    let err = provider
        .plan(PlanRequest {
            type_name: "fake_thing",
            prior: None,
            config: &config,
            proposed: thing("a", Value::Unknown(Type::String)),
        })
        .expect_err("should fail");
    assert!(
        err[0].message.starts_with("provider `fake` "),
        "{}",
        err[0].message
    );
}

#[test]
fn unsupported_protocol_versions_are_refused() {
    let rt = runtime();
    let (_fake, channel, _stop) = rt.block_on(start());
    let err = rt
        .block_on(PluginProvider::connect("fake".into(), channel, 4))
        .expect_err("should fail");
    assert_eq!(
        err[0].message,
        "provider `fake` speaks plugin protocol version 4; infra speaks 5 and 6"
    );
}
