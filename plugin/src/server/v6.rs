//! The tfplugin6 `Provider` service over one of infra's providers
//! (`Arc<dyn infra_engine::provider::Provider>`): what `infra provider
//! serve NAME` answers Terraform and OpenTofu with. Mirrors Terraform's own
//! adapter from its provider interface to a tfplugin6 server
//! (`internal/grpcwrap/provider6.go`).
//!
//! Values arrive as DynamicValue bytes and are decoded with the schema's
//! type; infra's provider sees them as it sees them under infra's own
//! engine (plan gets infra's proposal, see [`ProviderV6::plan`]), and its
//! answers go back unmarked (sensitivity travels in the schema). Problems
//! with a request (an unknown type name, bytes that do not decode) are
//! error diagnostics in the response, as Terraform's SDKs report them;
//! RPCs infra does not implement answer `UNIMPLEMENTED`.

use crate::proto::tfplugin6 as p;
use crate::proto::tfplugin6::provider_server::Provider as ProviderService;
use infra_engine::provider::{
    ApplyRequest, Failure, FunctionError, MoveRequest, PathStep, PlanRequest, Provider,
    ResourceSchema, error, functions,
};
use infra_lang::{Diagnostic, Type, Value};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// infra's provider served over tfplugin6.
pub struct ProviderV6 {
    provider: Arc<dyn Provider>,
}

impl ProviderV6 {
    /// Serves `provider` (unconfigured; Terraform configures it through
    /// ConfigureProvider).
    pub fn new(provider: Arc<dyn Provider>) -> ProviderV6 {
        ProviderV6 { provider }
    }

    /// The schema of managed resource type `type_name`.
    ///
    /// # Errors
    /// "provider `NAME` has no resource type `TYPE`".
    fn resource(&self, type_name: &str) -> Result<&ResourceSchema, Failure> {
        self.provider
            .schema()
            .resources
            .get(type_name)
            .ok_or_else(|| no_such(self.provider.name(), "resource type", type_name))
    }

    /// The schema of data source `type_name`.
    ///
    /// # Errors
    /// "provider `NAME` has no data source `TYPE`".
    fn data_source(&self, type_name: &str) -> Result<&ResourceSchema, Failure> {
        self.provider
            .schema()
            .data_sources
            .get(type_name)
            .ok_or_else(|| no_such(self.provider.name(), "data source", type_name))
    }

    /// ValidateResourceConfig: the provider's own checks (the schema's are
    /// Terraform's); the configuration may hold unknowns.
    fn validate(
        &self,
        r: &p::validate_resource_config::Request,
    ) -> Result<Vec<Diagnostic>, Failure> {
        let schema = self.resource(&r.type_name)?;
        let config = decode(r.config.as_ref(), &schema.object_type())?;
        Ok(self.provider.validate(&r.type_name, &config))
    }

    /// UpgradeResourceState: the raw JSON state, stored by schema version
    /// `r.version`, as a value of the current schema's type. State of the
    /// current version is read as Terraform's JSON (dynamic values carry
    /// their type), top-level names the schema lacks dropped and new ones
    /// null (`stripRemovedStateAttributes`); older state goes to the
    /// provider's own upgrade (`Provider::upgrade_state`).
    async fn upgrade(
        &self,
        r: &p::upgrade_resource_state::Request,
    ) -> Result<p::DynamicValue, Failure> {
        let schema = self.resource(&r.type_name)?;
        let ty = schema.object_type();
        let Some(raw) = &r.raw_state else {
            return encode(&Value::Null(ty.clone()), &ty);
        };
        if raw.json.is_empty() {
            if raw.flatmap.is_empty() {
                return encode(&Value::Null(ty.clone()), &ty);
            }
            return Err(error(format!(
                "`{}`: state in the flatmap format (Terraform 0.11 and older) cannot be read; upgrade it with Terraform 0.12 first",
                r.type_name
            )));
        }
        let version = u64::try_from(r.version).unwrap_or(0);
        if r.version == schema.version {
            // Terraform's JSON (dynamic values with their type): the
            // current schema's attributes and blocks, the rest dropped.
            let mut json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|e| {
                error(format!(
                    "`{}`: the stored state is not JSON: {e}",
                    r.type_name
                ))
            })?;
            if let serde_json::Value::Object(m) = &mut json {
                m.retain(|k, _| schema.attributes.contains_key(k) || schema.blocks.contains_key(k));
                for name in schema.attributes.keys().chain(schema.blocks.keys()) {
                    m.entry(name.clone()).or_insert(serde_json::Value::Null);
                }
            }
            let bytes = serde_json::to_vec(&json).map_err(|e| {
                error(format!(
                    "`{}`: cannot re-encode the state: {e}",
                    r.type_name
                ))
            })?;
            let value = crate::wire::decode_json(&bytes, &ty).map_err(|e| {
                error(format!(
                    "`{}`: the stored state does not fit the schema: {e}",
                    r.type_name
                ))
            })?;
            return encode(&value, &ty);
        }
        let value = self
            .provider
            .upgrade_state(&r.type_name, version, &raw.json)
            .await
            .map_err(|f| {
                f.into_iter()
                    .map(|mut d| {
                        d.message = format!("`{}`: {}", r.type_name, d.message);
                        d
                    })
                    .collect::<Vec<_>>()
            })?;
        encode(&value, &ty)
    }

    /// ReadResource: refresh; a null new state tells Terraform the object
    /// is gone. The private bytes go to the provider and come back from it.
    async fn read(
        &self,
        r: p::read_resource::Request,
    ) -> Result<p::read_resource::Response, Failure> {
        let schema = self.resource(&r.type_name)?;
        let ty = schema.object_type();
        let state = decode(r.current_state.as_ref(), &ty)?;
        let (new_state, private) = if state.is_null() {
            (state, r.private)
        } else {
            match self.provider.read(&r.type_name, state, &r.private).await? {
                Some(stored) => (stored.value, stored.private),
                None => (Value::Null(ty.clone()), Vec::new()),
            }
        };
        Ok(p::read_resource::Response {
            new_state: Some(encode(&new_state, &ty)?),
            private,
            ..Default::default()
        })
    }

    /// PlanResourceChange. The provider plans from infra's own proposal
    /// (`infra_engine::plan::propose_for`: computed attributes the
    /// configuration leaves unset are the prior value, or unknown on
    /// create), which is what infra's native providers are written
    /// against; Terraform's proposal differs only there (null on create).
    /// `requires_replace` lists every force-new attribute plus what the
    /// provider asks for; Terraform keeps those whose value changes. A
    /// destroy (null proposed state) plans null: Terraform only asks when
    /// `plan_destroy` is on, and infra leaves it off.
    fn plan(
        &self,
        r: &p::plan_resource_change::Request,
    ) -> Result<p::plan_resource_change::Response, Failure> {
        let schema = self.resource(&r.type_name)?;
        let ty = schema.object_type();
        let proposed_new = decode(r.proposed_new_state.as_ref(), &ty)?;
        if proposed_new.is_null() {
            return Ok(p::plan_resource_change::Response {
                planned_state: Some(encode(&proposed_new, &ty)?),
                planned_private: r.prior_private.clone(),
                ..Default::default()
            });
        }
        let prior = decode(r.prior_state.as_ref(), &ty)?;
        let config = decode(r.config.as_ref(), &ty)?;
        let prior = (!prior.is_null()).then_some(prior);
        let proposed = infra_engine::plan::propose_for(schema, prior.as_ref(), &config);
        let planned = self.provider.plan(PlanRequest {
            type_name: &r.type_name,
            prior: prior.as_ref(),
            config: &config,
            proposed,
            prior_private: &r.prior_private,
        })?;
        let mut requires_replace = Vec::new();
        if prior.is_some() {
            let mut paths: Vec<Vec<PathStep>> = schema
                .attributes
                .iter()
                .filter(|(_, a)| a.force_new)
                .map(|(n, _)| vec![PathStep::Attr(n.clone())])
                .chain(planned.requires_replace)
                .collect();
            paths.sort_by_key(|p| format!("{p:?}"));
            paths.dedup();
            requires_replace = paths.iter().map(|p| attribute_path(p)).collect();
        }
        Ok(p::plan_resource_change::Response {
            planned_state: Some(encode(&planned.planned, &ty)?),
            requires_replace,
            planned_private: planned.private,
            diagnostics: diagnostics(planned.warnings),
            legacy_type_system: false,
            deferred: None,
        })
    }

    /// ApplyResourceChange: create (null prior), update, or delete (null
    /// planned state, answered with a null new state).
    async fn apply(
        &self,
        r: p::apply_resource_change::Request,
    ) -> Result<p::apply_resource_change::Response, Failure> {
        let schema = self.resource(&r.type_name)?;
        let ty = schema.object_type();
        let prior = decode(r.prior_state.as_ref(), &ty)?;
        let planned = decode(r.planned_state.as_ref(), &ty)?;
        let config = decode(r.config.as_ref(), &ty)?;
        let applied = self
            .provider
            .apply(ApplyRequest {
                type_name: r.type_name.clone(),
                prior: (!prior.is_null()).then_some(prior),
                planned: (!planned.is_null()).then_some(planned),
                config: (!config.is_null()).then_some(config),
                // Terraform sends no prior private bytes with an apply;
                // what the plan returned is in `planned_private`.
                prior_private: Vec::new(),
                planned_private: r.planned_private,
            })
            .await?;
        let new_state = applied.state.unwrap_or_else(|| Value::Null(ty.clone()));
        Ok(p::apply_resource_change::Response {
            new_state: Some(encode(&new_state, &ty)?),
            private: applied.private,
            diagnostics: Vec::new(),
            legacy_type_system: false,
        })
    }

    /// ImportResourceState: one object of the requested type, which
    /// Terraform then reads (ReadResource).
    async fn import(
        &self,
        r: p::import_resource_state::Request,
    ) -> Result<p::import_resource_state::Response, Failure> {
        self.resource(&r.type_name)?;
        let mut imported_resources = Vec::new();
        for i in self.provider.import(&r.type_name, &r.id).await? {
            let ty = self.resource(&i.type_name)?.object_type();
            imported_resources.push(p::import_resource_state::ImportedResource {
                state: Some(encode(&i.object.value, &ty)?),
                private: i.object.private,
                type_name: i.type_name,
            });
        }
        Ok(p::import_resource_state::Response {
            imported_resources,
            ..Default::default()
        })
    }

    /// ReadDataSource: the data source's state from its configuration
    /// (Terraform defers the read while the configuration has unknowns).
    async fn read_data(
        &self,
        r: p::read_data_source::Request,
    ) -> Result<p::read_data_source::Response, Failure> {
        let schema = self.data_source(&r.type_name)?;
        let ty = schema.object_type();
        let config = decode(r.config.as_ref(), &ty)?;
        let state = self.provider.read_data(&r.type_name, config).await?;
        Ok(p::read_data_source::Response {
            state: Some(encode(&state, &ty)?),
            ..Default::default()
        })
    }
}

/// The gRPC routes serving `provider` as tfplugin6 (`/tfplugin6.Provider/*`),
/// for `super::serve`: messages up to 256 MiB each way, as HashiCorp's
/// plugin SDKs accept (`tfprotov6/tf6server/server.go`).
pub fn routes(provider: Arc<dyn Provider>) -> tonic::service::Routes {
    let service = p::provider_server::ProviderServer::new(ProviderV6::new(provider))
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE);
    tonic::service::Routes::new(service)
}

impl ProviderV6 {
    /// MoveResourceState: the provider's object of the target type, from
    /// the source object's raw JSON.
    async fn move_state(
        &self,
        r: p::move_resource_state::Request,
    ) -> Result<p::move_resource_state::Response, Failure> {
        let schema = self.resource(&r.target_type_name)?;
        let ty = schema.object_type();
        let request = MoveRequest {
            source_provider: r.source_provider_address,
            source_type: r.source_type_name,
            source_version: u64::try_from(r.source_schema_version).unwrap_or(0),
            source_state: r.source_state.map(|s| s.json).unwrap_or_default(),
            source_private: r.source_private,
            target_type: r.target_type_name,
        };
        let moved = self.provider.move_state(request).await?;
        Ok(p::move_resource_state::Response {
            target_state: Some(encode(&moved.value, &ty)?),
            diagnostics: Vec::new(),
            target_private: moved.private,
        })
    }

    /// CallFunction: see [`ProviderService::call_function`].
    fn call(&self, r: p::call_function::Request) -> Result<p::DynamicValue, FunctionError> {
        let whole = |text: String| FunctionError {
            text,
            argument: None,
        };
        let name = r.name;
        let sig = self
            .provider
            .schema()
            .functions
            .get(&name)
            .ok_or_else(|| whole(format!("provider has no function named {name:?}")))?;
        if let Some(problem) = functions::arity(sig, &name, r.arguments.len()) {
            return Err(whole(problem.message));
        }
        let mut args = Vec::with_capacity(r.arguments.len());
        for (i, dv) in r.arguments.iter().enumerate() {
            let Some(param) = sig.parameters.get(i).or(sig.variadic.as_ref()) else {
                break;
            };
            let v = crate::wire::decode(&dv.msgpack, &dv.json, &param.ty).map_err(|e| {
                FunctionError {
                    text: format!("cannot decode the argument: {e}"),
                    argument: Some(i),
                }
            })?;
            args.push(v);
        }
        let result = self.provider.call_function(&name, args)?;
        let msgpack = crate::wire::encode(&result, &sig.result)
            .map_err(|e| whole(format!("cannot encode the function's result: {e}")))?;
        Ok(p::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
    }
}

/// The largest message the server reads or writes: 256 MiB.
const MAX_MESSAGE: usize = 256 << 20;

/// "provider `NAME` has no KIND `TYPE`".
fn no_such(provider: &str, kind: &str, type_name: &str) -> Failure {
    error(format!("provider `{provider}` has no {kind} `{type_name}`"))
}

/// A DynamicValue as a value of type `ty`; absent or empty bytes are null
/// (Terraform's `decodeDynamicValue`).
///
/// # Errors
/// The bytes are not msgpack/JSON of that type.
fn decode(v: Option<&p::DynamicValue>, ty: &Type) -> Result<Value, Failure> {
    let Some(v) = v else {
        return Ok(Value::Null(ty.clone()));
    };
    crate::wire::decode(&v.msgpack, &v.json, ty)
        .map_err(|e| error(format!("cannot decode a value sent by the client: {e}")))
}

/// `v` as a msgpack DynamicValue of type `ty` (the encoder drops sensitive
/// marks: Terraform takes sensitivity from the schema).
///
/// # Errors
/// The value does not fit the type.
fn encode(v: &Value, ty: &Type) -> Result<p::DynamicValue, Failure> {
    let msgpack = crate::wire::encode(v, ty)
        .map_err(|e| error(format!("cannot encode the provider's answer: {e}")))?;
    Ok(p::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

/// An attribute path as tfplugin6 sends it.
fn attribute_path(path: &[PathStep]) -> p::AttributePath {
    use p::attribute_path::step::Selector;
    p::AttributePath {
        steps: path
            .iter()
            .map(|s| p::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attr(n) => Selector::AttributeName(n.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => {
                        Selector::ElementKeyInt(i64::try_from(*i).unwrap_or(i64::MAX))
                    }
                }),
            })
            .collect(),
    }
}

/// infra diagnostics as tfplugin6 ones.
fn diagnostics(ds: Vec<Diagnostic>) -> Vec<p::Diagnostic> {
    ds.iter()
        .map(crate::diag::to_proto::<p::Diagnostic>)
        .collect()
}

/// The diagnostics of `r`: its own, or its failure's.
fn answer<T>(r: Result<T, Failure>, ok: impl FnOnce(T) -> Vec<Diagnostic>) -> Vec<p::Diagnostic> {
    match r {
        Ok(v) => diagnostics(ok(v)),
        Err(f) => diagnostics(f),
    }
}

/// `Status::unimplemented` naming the RPC.
fn unimplemented(rpc: &str) -> Status {
    Status::unimplemented(format!(
        "{rpc} is not implemented by infra's provider server"
    ))
}

type Answer<T> = Result<Response<T>, Status>;

/// The response `$ok` evaluates to, or on failure a `p::$rpc::Response`
/// holding only the failure's diagnostics.
macro_rules! respond {
    ($ok:expr, $rpc:ident $(,)?) => {
        Ok(Response::new(match $ok {
            Ok(r) => r,
            Err(f) => p::$rpc::Response {
                diagnostics: diagnostics(f),
                ..Default::default()
            },
        }))
    };
}

#[tonic::async_trait]
impl ProviderService for ProviderV6 {
    async fn get_metadata(
        &self,
        _: Request<p::get_metadata::Request>,
    ) -> Answer<p::get_metadata::Response> {
        Err(unimplemented("GetMetadata"))
    }

    /// Every schema and function, and the capabilities: no planned
    /// destroys, the schema is needed, moves across types when one of the
    /// provider's types takes them.
    async fn get_provider_schema(
        &self,
        _: Request<p::get_provider_schema::Request>,
    ) -> Answer<p::get_provider_schema::Response> {
        let (provider, resource_schemas, data_source_schemas) =
            crate::schema::v6::provider_to_proto(self.provider.schema());
        Ok(Response::new(p::get_provider_schema::Response {
            provider: Some(provider),
            resource_schemas,
            data_source_schemas,
            functions: crate::schema::v6::functions_to_proto(self.provider.schema()),
            server_capabilities: Some(p::ServerCapabilities {
                plan_destroy: false,
                get_provider_schema_optional: false,
                move_resource_state: self.provider.moves_across_types(),
                generate_resource_config: false,
            }),
            ..Default::default()
        }))
    }

    /// Terraform checks the provider block against the schema itself;
    /// infra's providers check their settings when configured.
    async fn validate_provider_config(
        &self,
        _: Request<p::validate_provider_config::Request>,
    ) -> Answer<p::validate_provider_config::Response> {
        Ok(Response::new(
            p::validate_provider_config::Response::default(),
        ))
    }

    async fn validate_resource_config(
        &self,
        request: Request<p::validate_resource_config::Request>,
    ) -> Answer<p::validate_resource_config::Response> {
        let diagnostics = answer(self.validate(request.get_ref()), |d| d);
        Ok(Response::new(p::validate_resource_config::Response {
            diagnostics,
        }))
    }

    /// Data sources have no checks beyond their schema in infra.
    async fn validate_data_resource_config(
        &self,
        request: Request<p::validate_data_resource_config::Request>,
    ) -> Answer<p::validate_data_resource_config::Response> {
        let diagnostics = answer(self.data_source(&request.get_ref().type_name), |_| {
            Vec::new()
        });
        Ok(Response::new(p::validate_data_resource_config::Response {
            diagnostics,
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<p::upgrade_resource_state::Request>,
    ) -> Answer<p::upgrade_resource_state::Response> {
        Ok(Response::new(match self.upgrade(request.get_ref()).await {
            Ok(v) => p::upgrade_resource_state::Response {
                upgraded_state: Some(v),
                diagnostics: Vec::new(),
            },
            Err(f) => p::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: diagnostics(f),
            },
        }))
    }

    /// Configures the provider; a configuration with unknowns (Terraform
    /// sends one while planning when it depends on resources not yet
    /// created) is skipped without error, to be configured again at apply.
    async fn configure_provider(
        &self,
        request: Request<p::configure_provider::Request>,
    ) -> Answer<p::configure_provider::Response> {
        let ty = self.provider.schema().provider.object_type();
        let result = match decode(request.get_ref().config.as_ref(), &ty) {
            Ok(config) if config.has_unknown() => Ok(()),
            Ok(config) => self.provider.configure(config).await,
            Err(f) => Err(f),
        };
        let diagnostics = answer(result, |()| Vec::new());
        Ok(Response::new(p::configure_provider::Response {
            diagnostics,
        }))
    }

    async fn read_resource(
        &self,
        request: Request<p::read_resource::Request>,
    ) -> Answer<p::read_resource::Response> {
        respond!(self.read(request.into_inner()).await, read_resource)
    }

    async fn plan_resource_change(
        &self,
        request: Request<p::plan_resource_change::Request>,
    ) -> Answer<p::plan_resource_change::Response> {
        respond!(self.plan(request.get_ref()), plan_resource_change)
    }

    async fn apply_resource_change(
        &self,
        request: Request<p::apply_resource_change::Request>,
    ) -> Answer<p::apply_resource_change::Response> {
        respond!(
            self.apply(request.into_inner()).await,
            apply_resource_change,
        )
    }

    async fn import_resource_state(
        &self,
        request: Request<p::import_resource_state::Request>,
    ) -> Answer<p::import_resource_state::Response> {
        respond!(
            self.import(request.into_inner()).await,
            import_resource_state,
        )
    }

    /// The provider's MoveResourceState (types that accept moves from
    /// other types; the capability says whether any does).
    async fn move_resource_state(
        &self,
        request: Request<p::move_resource_state::Request>,
    ) -> Answer<p::move_resource_state::Response> {
        respond!(
            self.move_state(request.into_inner()).await,
            move_resource_state
        )
    }

    async fn read_data_source(
        &self,
        request: Request<p::read_data_source::Request>,
    ) -> Answer<p::read_data_source::Response> {
        respond!(self.read_data(request.into_inner()).await, read_data_source)
    }

    /// The provider's functions, as in GetProviderSchema.
    async fn get_functions(
        &self,
        _: Request<p::get_functions::Request>,
    ) -> Answer<p::get_functions::Response> {
        Ok(Response::new(p::get_functions::Response {
            functions: crate::schema::v6::functions_to_proto(self.provider.schema()),
            diagnostics: Vec::new(),
        }))
    }

    /// Runs a provider function: the arguments decoded with their
    /// parameters' types; an unknown function, a wrong number of
    /// arguments or bytes that do not decode is a function error, as are
    /// the function's own (with the argument it names).
    async fn call_function(
        &self,
        request: Request<p::call_function::Request>,
    ) -> Answer<p::call_function::Response> {
        let (result, error) = match self.call(request.into_inner()) {
            Ok(v) => (Some(v), None),
            Err(e) => (
                None,
                Some(p::FunctionError {
                    text: e.text,
                    function_argument: e.argument.and_then(|i| i64::try_from(i).ok()),
                }),
            ),
        };
        Ok(Response::new(p::call_function::Response { result, error }))
    }

    /// infra's providers have nothing to cancel beyond what the process
    /// exit stops: an empty error says "stopped".
    async fn stop_provider(
        &self,
        _: Request<p::stop_provider::Request>,
    ) -> Answer<p::stop_provider::Response> {
        Ok(Response::new(p::stop_provider::Response {
            error: String::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use infra_engine::provider::{Applied, Attribute, ProviderSchema, Stored};
    use infra_lang::value::ValueMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A provider of one type `t_thing`: `name` (required, force-new),
    /// `size` (optional), `id` (computed: `id-NAME` after apply).
    struct Thing {
        schema: ProviderSchema,
        configured: AtomicUsize,
    }

    impl Thing {
        fn new() -> Arc<Thing> {
            let thing = ResourceSchema::new(
                "A thing.",
                vec![
                    (
                        "name",
                        Attribute::required(Type::String, "Name.").force_new(),
                    ),
                    ("size", Attribute::optional(Type::Number, "Size.")),
                    ("id", Attribute::computed(Type::String, "Id.")),
                ],
            );
            let mut schema = ProviderSchema {
                provider: ResourceSchema::new(
                    "t",
                    vec![("region", Attribute::optional(Type::String, "Region."))],
                ),
                ..ProviderSchema::default()
            };
            schema.resources.insert("t_thing".into(), thing);
            let n = |name: &str| infra_engine::provider::FunctionParameter {
                name: name.into(),
                ty: Type::Number,
                allow_null: false,
                allow_unknown: false,
                description: "".into(),
            };
            schema.functions.insert(
                "sum".into(),
                infra_engine::provider::FunctionSignature {
                    parameters: vec![n("first")],
                    variadic: Some(n("rest")),
                    result: Type::Number,
                    description: "Adds numbers.".into(),
                    deprecated: None,
                },
            );
            Arc::new(Thing {
                schema,
                configured: AtomicUsize::new(0),
            })
        }
    }

    #[async_trait]
    impl Provider for Thing {
        fn name(&self) -> &str {
            "t"
        }

        fn schema(&self) -> &ProviderSchema {
            &self.schema
        }

        async fn configure(&self, _config: Value) -> Result<(), Failure> {
            self.configured.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }

        async fn apply(&self, request: ApplyRequest) -> Result<Applied, Failure> {
            let Some(Value::Object(mut m)) = request.planned else {
                return Ok(Applied::new(None));
            };
            let name = m
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            m.insert("id".into(), Value::string(format!("id-{name}")));
            Ok(Applied::new(Some(Value::Object(m))))
        }

        async fn read(
            &self,
            _type_name: &str,
            state: Value,
            _private: &[u8],
        ) -> Result<Option<Stored>, Failure> {
            Ok(Some(Stored::new(state)))
        }

        /// `sum(first, rest...)`; a negative number is refused.
        fn call_function(&self, _name: &str, args: Vec<Value>) -> Result<Value, FunctionError> {
            let mut total = 0;
            for (i, a) in args.iter().enumerate() {
                let n = match a {
                    Value::Number(n) => n.as_i64().unwrap_or(-1),
                    _ => -1,
                };
                if n < 0 {
                    return Err(FunctionError {
                        text: "negative".into(),
                        argument: Some(i),
                    });
                }
                total += n;
            }
            Ok(Value::int(total))
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    fn ty() -> Type {
        Thing::new().schema.resources["t_thing"].object_type()
    }

    fn thing(name: &str, size: Option<i64>, id: Value) -> Value {
        let size = size.map_or(Value::Null(Type::Number), Value::int);
        Value::Object(ValueMap::from([
            ("name".to_string(), Value::string(name)),
            ("size".to_string(), size),
            ("id".to_string(), id),
        ]))
    }

    fn dv(v: &Value) -> Option<p::DynamicValue> {
        Some(encode(v, &ty()).expect("encode"))
    }

    fn value(v: Option<p::DynamicValue>) -> Value {
        decode(v.as_ref(), &ty()).expect("decode")
    }

    fn plan(
        server: &ProviderV6,
        prior: &Value,
        config: &Value,
    ) -> p::plan_resource_change::Response {
        let request = p::plan_resource_change::Request {
            type_name: "t_thing".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(config),
            config: dv(config),
            prior_private: b"kept".to_vec(),
            ..Default::default()
        };
        rt().block_on(server.plan_resource_change(Request::new(request)))
            .expect("rpc")
            .into_inner()
    }

    fn replace_names(r: &p::plan_resource_change::Response) -> Vec<String> {
        r.requires_replace
            .iter()
            .flat_map(|path| &path.steps)
            .filter_map(|s| match &s.selector {
                Some(p::attribute_path::step::Selector::AttributeName(n)) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn schema_lists_types_and_asks_for_no_planned_destroys() {
        let server = ProviderV6::new(Thing::new());
        let r = rt()
            .block_on(server.get_provider_schema(Request::new(Default::default())))
            .expect("rpc")
            .into_inner();
        assert!(r.resource_schemas.contains_key("t_thing"));
        assert!(r.provider.is_some());
        let caps = r.server_capabilities.expect("capabilities");
        assert!(!caps.plan_destroy && !caps.move_resource_state);
    }

    #[test]
    fn functions_are_declared_and_called_with_their_argument_errors() {
        let server = ProviderV6::new(Thing::new());
        let r = rt()
            .block_on(server.get_provider_schema(Request::new(Default::default())))
            .expect("rpc")
            .into_inner();
        let sum = &r.functions["sum"];
        assert_eq!(sum.parameters[0].name, "first");
        assert_eq!(
            sum.variadic_parameter.as_ref().map(|p| p.name.as_str()),
            Some("rest")
        );
        assert_eq!(sum.summary, "Adds numbers.");
        let listed = rt()
            .block_on(server.get_functions(Request::new(Default::default())))
            .expect("rpc")
            .into_inner();
        assert!(listed.functions.contains_key("sum"));
        let call = |name: &str, args: &[i64]| {
            let arguments = args
                .iter()
                .map(|n| encode(&Value::int(*n), &Type::Number).expect("encode"))
                .collect();
            rt().block_on(
                server.call_function(Request::new(p::call_function::Request {
                    name: name.into(),
                    arguments,
                })),
            )
            .expect("rpc")
            .into_inner()
        };
        let r = call("sum", &[1, 2, 3]);
        assert_eq!(
            decode(r.result.as_ref(), &Type::Number).expect("decode"),
            Value::int(6)
        );
        let e = call("sum", &[1, -2]).error.expect("refused");
        assert_eq!(
            (e.text.as_str(), e.function_argument),
            ("negative", Some(1))
        );
        let e = call("sum", &[]).error.expect("arity");
        assert!(e.text.contains("at least 1 argument"), "{}", e.text);
        let e = call("nope", &[1]).error.expect("unknown");
        assert!(e.text.contains("no function named"), "{}", e.text);
    }

    #[test]
    fn create_plans_computed_attributes_unknown_and_no_replacement() {
        let server = ProviderV6::new(Thing::new());
        let config = thing("a", Some(1), Value::Null(Type::String));
        let r = plan(&server, &Value::Null(ty()), &config);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(r.requires_replace.is_empty());
        assert!(!r.legacy_type_system);
        // The provider's own private bytes (none for this one), not the
        // prior ones the request carried.
        assert!(r.planned_private.is_empty());
        let planned = value(r.planned_state);
        assert_eq!(planned, thing("a", Some(1), Value::Unknown(Type::String)));
    }

    #[test]
    fn update_lists_force_new_attributes_and_keeps_computed_values() {
        let server = ProviderV6::new(Thing::new());
        let prior = thing("a", Some(1), Value::string("id-a"));
        let config = thing("a", Some(2), Value::Null(Type::String));
        let r = plan(&server, &prior, &config);
        assert_eq!(replace_names(&r), ["name"]);
        assert_eq!(
            value(r.planned_state),
            thing("a", Some(2), Value::string("id-a"))
        );
    }

    #[test]
    fn destroy_plans_null() {
        let server = ProviderV6::new(Thing::new());
        let prior = thing("a", Some(1), Value::string("id-a"));
        let r = plan(&server, &prior, &Value::Null(ty()));
        assert!(value(r.planned_state).is_null());
    }

    #[test]
    fn apply_creates_and_deletes() {
        let server = ProviderV6::new(Thing::new());
        let planned = thing("a", None, Value::Unknown(Type::String));
        let create = p::apply_resource_change::Request {
            type_name: "t_thing".into(),
            prior_state: dv(&Value::Null(ty())),
            planned_state: dv(&planned),
            planned_private: b"p".to_vec(),
            ..Default::default()
        };
        let r = rt()
            .block_on(server.apply_resource_change(Request::new(create)))
            .expect("rpc")
            .into_inner();
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        // What the provider returned (nothing), not the planned bytes.
        assert!(r.private.is_empty());
        let state = value(r.new_state);
        assert_eq!(state, thing("a", None, Value::string("id-a")));
        let delete = p::apply_resource_change::Request {
            type_name: "t_thing".into(),
            prior_state: dv(&state),
            planned_state: dv(&Value::Null(ty())),
            ..Default::default()
        };
        let r = rt()
            .block_on(server.apply_resource_change(Request::new(delete)))
            .expect("rpc")
            .into_inner();
        assert!(value(r.new_state).is_null());
    }

    #[test]
    fn an_unknown_type_is_an_error_diagnostic_not_a_transport_error() {
        let server = ProviderV6::new(Thing::new());
        let request = p::read_resource::Request {
            type_name: "t_nope".into(),
            ..Default::default()
        };
        let r = rt()
            .block_on(server.read_resource(Request::new(request)))
            .expect("rpc")
            .into_inner();
        assert_eq!(r.diagnostics.len(), 1);
        assert!(
            r.diagnostics[0]
                .summary
                .contains("no resource type `t_nope`"),
            "{:?}",
            r.diagnostics
        );
    }

    #[test]
    fn configure_skips_unknown_configurations() {
        let provider = Thing::new();
        let server = ProviderV6::new(provider.clone());
        let pty = provider.schema.provider.object_type();
        let config = |region: Value| p::configure_provider::Request {
            config: Some(p::DynamicValue {
                msgpack: crate::wire::encode(
                    &Value::Object(ValueMap::from([("region".to_string(), region)])),
                    &pty,
                )
                .expect("encode"),
                json: Vec::new(),
            }),
            ..Default::default()
        };
        let rt = rt();
        let r = rt
            .block_on(server.configure_provider(Request::new(config(Value::Unknown(Type::String)))))
            .expect("rpc")
            .into_inner();
        assert!(r.diagnostics.is_empty());
        assert_eq!(provider.configured.load(Ordering::SeqCst), 0);
        rt.block_on(server.configure_provider(Request::new(config(Value::string("eu")))))
            .expect("rpc");
        assert_eq!(provider.configured.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn upgrade_drops_attributes_the_schema_no_longer_has() {
        let server = ProviderV6::new(Thing::new());
        let request = p::upgrade_resource_state::Request {
            type_name: "t_thing".into(),
            version: 0,
            raw_state: Some(p::RawState {
                json: br#"{"name":"a","id":"id-a","gone":true}"#.to_vec(),
                ..Default::default()
            }),
        };
        let r = rt()
            .block_on(server.upgrade_resource_state(Request::new(request)))
            .expect("rpc")
            .into_inner();
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(
            value(r.upgraded_state),
            thing("a", None, Value::string("id-a"))
        );
    }
}
