//! A fake plugin for the tests: an in-process tonic server (127.0.0.1:0,
//! plain TCP) with one tiny resource type, `fake_thing`, and one data
//! source, `fake_info`, for tfplugin5 and tfplugin6 from one text (a macro
//! over the generated modules, like `rpc`). It uses the crate's own codec
//! to read and write values.

use super::rpc;
use crate::wire;
use infra_lang::Value;
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use std::sync::{Arc, Mutex};
use tonic::{Request, Response, Status};

/// What the fake plugin remembers.
#[derive(Default)]
pub struct Fake {
    /// Objects by id.
    pub objects: ValueMap,
    pub region: Option<String>,
    pub configures: usize,
    pub next_id: usize,
    /// The rule block as the last plan received it in `config`.
    pub seen_rule: Option<Value>,
    /// How many times StopProvider / Stop was called.
    pub stops: usize,
    /// Data source configurations validated.
    pub data_validations: usize,
    /// CallFunction calls.
    pub function_calls: usize,
}

/// A `fake_thing` object of type `ty`: `name` and `id` set, the rest null.
pub fn thing_of(ty: &Type, name: Value, id: Value) -> Value {
    let mut m: ValueMap = match ty {
        Type::Object(o) => o
            .attrs
            .iter()
            .map(|(k, t)| (k.clone(), Value::Null(t.clone())))
            .collect(),
        _ => ValueMap::new(),
    };
    m.insert("name".into(), name);
    m.insert("id".into(), id);
    Value::Object(m)
}

macro_rules! fake_plugin {
    (
        $m:ident, $p:ident,
        get_schema: $get_schema:ident,
        validate_provider: $validate_provider:ident / $validate_provider_msg:ident,
        validate_resource: $validate_resource:ident / $validate_resource_msg:ident,
        validate_data: $validate_data:ident / $validate_data_msg:ident,
        configure: $configure:ident / $configure_msg:ident,
        stop: $stop:ident / $stop_msg:ident $(,)?
    ) => {
        pub mod $m {
            use super::*;
            use crate::proto::$p as p;
            use p::provider_server::{Provider as Service, ProviderServer};

            pub fn string_attr(name: &str, required: bool, computed: bool) -> p::schema::Attribute {
                p::schema::Attribute {
                    name: name.into(),
                    r#type: br#""string""#.to_vec(),
                    required,
                    optional: !required,
                    computed,
                    ..Default::default()
                }
            }

            pub fn schema_of(
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

            pub fn thing_schema() -> p::Schema {
                let mut tags = string_attr("tags", false, false);
                tags.r#type = br#"["map","string"]"#.to_vec();
                let mut secret = string_attr("secret", false, false);
                secret.sensitive = true;
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
                    ]
                    .into_iter()
                    .chain(<p::schema::Attribute as ExtraAttributes>::extra())
                    .collect(),
                    vec![rule],
                )
            }

            pub fn info_schema() -> p::Schema {
                schema_of(
                    vec![
                        string_attr("key", true, false),
                        string_attr("value", false, true),
                    ],
                    Vec::new(),
                )
            }

            pub fn ty_of(s: &p::Schema) -> Type {
                let (rs, _) = rpc::$m::block(s.block.as_ref()).expect("fake plugin");
                rs.object_type()
            }

            pub fn dv(v: &Value, ty: &Type) -> Option<p::DynamicValue> {
                Some(p::DynamicValue {
                    msgpack: wire::encode(v, ty).expect("fake plugin"),
                    json: Vec::new(),
                })
            }

            pub fn value(d: &Option<p::DynamicValue>, ty: &Type) -> Value {
                let d = d.clone().unwrap_or_default();
                wire::decode(&d.msgpack, &d.json, ty).expect("fake plugin")
            }

            pub fn diag(summary: &str, warning: bool, path: &[&str]) -> p::Diagnostic {
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

            /// `greet(name string, more... string) string`: "hello NAME
            /// MORE..."; an empty name is refused as argument 0.
            pub fn functions() -> std::collections::HashMap<String, p::Function> {
                let param = |name: &str| p::function::Parameter {
                    name: name.into(),
                    r#type: br#""string""#.to_vec(),
                    ..Default::default()
                };
                let greet = p::Function {
                    parameters: vec![param("name")],
                    variadic_parameter: Some(param("more")),
                    r#return: Some(p::function::Return {
                        r#type: br#""string""#.to_vec(),
                    }),
                    summary: "Greets.".into(),
                    ..Default::default()
                };
                [("greet".to_string(), greet)].into()
            }

            #[derive(Clone, Default)]
            pub struct FakeServer(pub Arc<Mutex<Fake>>);

            #[tonic::async_trait]
            impl Service for FakeServer {
                async fn get_metadata(
                    &self,
                    _: Request<p::get_metadata::Request>,
                ) -> Result<Response<p::get_metadata::Response>, Status> {
                    Err(Status::unimplemented("get_metadata"))
                }

                async fn $validate_data(
                    &self,
                    _: Request<p::$validate_data_msg::Request>,
                ) -> Result<Response<p::$validate_data_msg::Response>, Status> {
                    self.0.lock().expect("fake lock").data_validations += 1;
                    Ok(Response::new(Default::default()))
                }

                async fn upgrade_resource_state(
                    &self,
                    r: Request<p::upgrade_resource_state::Request>,
                ) -> Result<Response<p::upgrade_resource_state::Response>, Status> {
                    // Version 0 called the name `title`: rename it, as a
                    // real provider's state upgrader would.
                    let r = r.into_inner();
                    let raw = r.raw_state.map(|s| s.json).unwrap_or_default();
                    let mut json: serde_json::Value =
                        serde_json::from_slice(&raw).expect("raw state JSON");
                    if r.version == 0
                        && let Some(title) = json.as_object_mut().and_then(|o| o.remove("title"))
                    {
                        json["name"] = title;
                    }
                    let ty = ty_of(&thing_schema());
                    let value = wire::decode_json(&serde_json::to_vec(&json).expect("JSON"), &ty)
                        .expect("upgraded state fits the schema");
                    Ok(Response::new(p::upgrade_resource_state::Response {
                        upgraded_state: dv(&value, &ty),
                        diagnostics: Vec::new(),
                    }))
                }

                /// Takes `old_thing` objects of another provider: their
                /// `title` becomes the name.
                async fn move_resource_state(
                    &self,
                    r: Request<p::move_resource_state::Request>,
                ) -> Result<Response<p::move_resource_state::Response>, Status> {
                    let r = r.into_inner();
                    assert_eq!(r.source_provider_address, "registry.terraform.io/acme/old");
                    assert_eq!(
                        (r.source_type_name.as_str(), r.source_schema_version),
                        ("old_thing", 2)
                    );
                    assert_eq!(r.source_private, b"old-private");
                    let raw = r.source_state.map(|s| s.json).unwrap_or_default();
                    let json: serde_json::Value =
                        serde_json::from_slice(&raw).expect("raw state JSON");
                    let title = json["title"].as_str().unwrap_or("").to_string();
                    let ty = ty_of(&thing_schema());
                    let value = thing_of(&ty, Value::string(title), Value::string("moved-1"));
                    Ok(Response::new(p::move_resource_state::Response {
                        target_state: dv(&value, &ty),
                        target_private: b"moved".to_vec(),
                        ..Default::default()
                    }))
                }

                async fn get_functions(
                    &self,
                    _: Request<p::get_functions::Request>,
                ) -> Result<Response<p::get_functions::Response>, Status> {
                    Ok(Response::new(p::get_functions::Response {
                        functions: functions(),
                        diagnostics: Vec::new(),
                    }))
                }

                async fn call_function(
                    &self,
                    r: Request<p::call_function::Request>,
                ) -> Result<Response<p::call_function::Response>, Status> {
                    let r = r.into_inner();
                    assert_eq!(r.name, "greet");
                    self.0.lock().expect("fake lock").function_calls += 1;
                    let words: Vec<String> = r
                        .arguments
                        .iter()
                        .map(|a| {
                            value(&Some(a.clone()), &Type::String)
                                .as_str()
                                .unwrap_or("")
                                .to_string()
                        })
                        .collect();
                    if words.first().is_none_or(String::is_empty) {
                        return Ok(Response::new(p::call_function::Response {
                            result: None,
                            error: Some(p::FunctionError {
                                text: "a name must not be empty".into(),
                                function_argument: Some(0),
                            }),
                        }));
                    }
                    let text = format!("hello {}", words.join(" "));
                    Ok(Response::new(p::call_function::Response {
                        result: dv(&Value::string(text), &Type::String),
                        error: None,
                    }))
                }

                async fn $stop(
                    &self,
                    _: Request<p::$stop_msg::Request>,
                ) -> Result<Response<p::$stop_msg::Response>, Status> {
                    self.0.lock().expect("fake lock").stops += 1;
                    Ok(Response::new(Default::default()))
                }

                async fn $get_schema(
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
                        functions: functions(),
                        server_capabilities: Some(p::ServerCapabilities {
                            move_resource_state: true,
                            ..Default::default()
                        }),
                        ..Default::default()
                    }))
                }

                async fn $validate_provider(
                    &self,
                    _: Request<p::$validate_provider_msg::Request>,
                ) -> Result<Response<p::$validate_provider_msg::Response>, Status> {
                    Ok(Response::new(Default::default()))
                }

                async fn $configure(
                    &self,
                    r: Request<p::$configure_msg::Request>,
                ) -> Result<Response<p::$configure_msg::Response>, Status> {
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
                    Ok(Response::new(p::$configure_msg::Response { diagnostics }))
                }

                async fn $validate_resource(
                    &self,
                    r: Request<p::$validate_resource_msg::Request>,
                ) -> Result<Response<p::$validate_resource_msg::Response>, Status> {
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
                    Ok(Response::new(p::$validate_resource_msg::Response {
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
                                    selector: Some(
                                        p::attribute_path::step::Selector::AttributeName(
                                            "name".into(),
                                        ),
                                    ),
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
                                m.insert(
                                    "id".into(),
                                    Value::string(format!("thing-{}", f.next_id)),
                                );
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
                    let state = thing_of(&ty, Value::Null(Type::String), Value::string(r.id));
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
            pub async fn start() -> (
                Arc<Mutex<Fake>>,
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
                (fake.0, channel, stop)
            }
        }
    };
}

rpc::for_each_version!(fake_plugin);

/// Attributes only one protocol version can express.
trait ExtraAttributes: Sized {
    fn extra() -> Vec<Self>;
}

impl ExtraAttributes for crate::proto::tfplugin5::schema::Attribute {
    fn extra() -> Vec<Self> {
        Vec::new()
    }
}

impl ExtraAttributes for crate::proto::tfplugin6::schema::Attribute {
    /// A nested attribute type.
    fn extra() -> Vec<Self> {
        use crate::proto::tfplugin6::schema;
        vec![schema::Attribute {
            name: "endpoint".into(),
            optional: true,
            nested_type: Some(schema::Object {
                attributes: vec![v6::string_attr("host", false, false)],
                nesting: schema::object::NestingMode::Single as i32,
                ..Default::default()
            }),
            ..Default::default()
        }]
    }
}
