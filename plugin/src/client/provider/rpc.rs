//! The RPCs `PluginProvider` makes, once for both protocol versions: a
//! macro instantiates the same request/response conversions over the
//! generated `tfplugin5` and `tfplugin6` modules (their messages share
//! field names and numbers; only some RPC and message names differ, see
//! the invocations at the bottom). Results come back version-independent.

use crate::diag::Step;
use infra_engine::provider::{
    Attribute, FunctionParameter, FunctionSignature, NestedAttributes, NestedBlock, Nesting,
    ProviderSchema, ResourceSchema,
};
use infra_lang::Diagnostic;
use std::collections::BTreeMap;
use tonic::Status;

/// `ConfigureProvider.terraform_version`: providers gate features on it.
pub(crate) const TERRAFORM_VERSION: &str = "1.15.5";

/// Tonic's default 4 MiB is too small for hashicorp/aws's schema; go-plugin
/// servers accept 256 MiB (terraform-plugin-go `tf6server`).
pub(crate) const MAX_MESSAGE: usize = 256 << 20;

/// A DynamicValue as received: decode with the schema type.
#[derive(Debug, Default)]
pub(crate) struct Dv {
    pub msgpack: Vec<u8>,
    pub json: Vec<u8>,
}

/// A converted GetProviderSchema answer.
pub(crate) struct Schemas {
    pub schema: ProviderSchema,
    /// Per resource type and data source: its top-level blocks.
    pub blocks: BTreeMap<String, BTreeMap<String, Nesting>>,
    /// `server_capabilities.move_resource_state`: the plugin accepts
    /// MoveResourceState.
    pub move_resource_state: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// A CallFunction answer: the result, or the function's error text with
/// the index of the argument it names.
pub(crate) enum Called {
    Result(Dv),
    Error(String, Option<i64>),
}

/// A MoveResourceState answer.
pub(crate) struct Moved {
    pub state: Dv,
    pub private: Vec<u8>,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) struct Planned {
    pub planned: Dv,
    pub requires_replace: Vec<Vec<Step>>,
    pub private: Vec<u8>,
    pub diagnostics: Vec<Diagnostic>,
    /// The provider uses the legacy SDK: the engine's consistency checks
    /// then only log, as Terraform tolerates such plans.
    pub legacy_type_system: bool,
    pub deferred: bool,
}

pub(crate) struct Applied {
    pub new_state: Dv,
    pub private: Vec<u8>,
    pub diagnostics: Vec<Diagnostic>,
    pub legacy_type_system: bool,
}

pub(crate) struct Read {
    pub state: Dv,
    /// The object's private bytes (data sources have none).
    pub private: Vec<u8>,
    pub diagnostics: Vec<Diagnostic>,
    pub deferred: bool,
}

pub(crate) struct Imported {
    /// Type name, state and private bytes of each imported object.
    pub objects: Vec<(String, Dv, Vec<u8>)>,
    pub diagnostics: Vec<Diagnostic>,
    pub deferred: bool,
}

macro_rules! versioned {
    (
        $m:ident, $p:ident,
        get_schema: $get_schema:ident,
        validate_provider: $validate_provider:ident / $validate_provider_msg:ident,
        validate_resource: $validate_resource:ident / $validate_resource_msg:ident,
        validate_data: $validate_data:ident / $validate_data_msg:ident,
        configure: $configure:ident / $configure_msg:ident,
        stop: $stop:ident / $stop_msg:ident $(,)?
    ) => {
        pub(crate) mod $m {
            use super::*;
            use crate::diag::from_proto_all;
            use crate::proto::$p as p;
            use crate::wire::type_from_json;

            /// The generated client over a tonic channel.
            pub type Client = p::provider_client::ProviderClient<tonic::transport::Channel>;

            /// A client for `channel`, allowing large messages.
            pub fn client(channel: tonic::transport::Channel) -> Client {
                p::provider_client::ProviderClient::new(channel)
                    .max_decoding_message_size(MAX_MESSAGE)
                    .max_encoding_message_size(MAX_MESSAGE)
            }

            fn dv(msgpack: Vec<u8>) -> Option<p::DynamicValue> {
                Some(p::DynamicValue {
                    msgpack,
                    json: Vec::new(),
                })
            }

            fn got(v: Option<p::DynamicValue>) -> Dv {
                v.map(|d| Dv {
                    msgpack: d.msgpack,
                    json: d.json,
                })
                .unwrap_or_default()
            }

            // One text for both versions: v6 has more fields than v5.
            #[allow(clippy::needless_update)]
            fn caps() -> Option<p::ClientCapabilities> {
                Some(p::ClientCapabilities {
                    deferral_allowed: false,
                    write_only_attributes_allowed: true,
                    ..Default::default()
                })
            }

            fn nesting(n: p::schema::nested_block::NestingMode) -> Nesting {
                use p::schema::nested_block::NestingMode as N;
                match n {
                    N::Single => Nesting::Single,
                    N::Group => Nesting::Group,
                    N::List => Nesting::List,
                    N::Set => Nesting::Set,
                    N::Map => Nesting::Map,
                    // INVALID: Terraform rejects such a schema; a list is
                    // the most lenient reading.
                    N::Invalid => Nesting::List,
                }
            }

            /// A protocol attribute in infra's model; a nested attribute
            /// type (tfplugin6) keeps its attributes and nesting, its `ty`
            /// being the implied type.
            pub(crate) fn attribute(a: &p::schema::Attribute) -> Result<Attribute, String> {
                let nested = a
                    .nested_attributes()
                    .transpose()
                    .map_err(|e| format!("attribute `{}`: {e}", a.name))?;
                let ty = match &nested {
                    Some(n) => n.implied_type(),
                    None => type_from_json(&a.r#type)
                        .map_err(|e| format!("attribute `{}`: {e}", a.name))?,
                };
                Ok(Attribute {
                    ty,
                    required: a.required,
                    optional: a.optional,
                    computed: a.computed,
                    sensitive: a.sensitive,
                    force_new: false,
                    description: a.description.clone().into(),
                    write_only: a.write_only,
                    deprecated: a.deprecated.then(|| {
                        if a.deprecation_message.is_empty() {
                            "deprecated by the provider".to_string()
                        } else {
                            a.deprecation_message.clone()
                        }
                    }),
                    nested,
                    allowed_values: &[],
                })
            }

            fn parameter(param: &p::function::Parameter) -> Result<FunctionParameter, String> {
                Ok(FunctionParameter {
                    name: param.name.clone(),
                    ty: type_from_json(&param.r#type)
                        .map_err(|e| format!("parameter `{}`: {e}", param.name))?,
                    allow_null: param.allow_null_value,
                    allow_unknown: param.allow_unknown_values,
                    description: param.description.clone().into(),
                })
            }

            /// A provider function's declaration as infra's signature.
            fn function(f: &p::Function) -> Result<FunctionSignature, String> {
                let result = match &f.r#return {
                    Some(r) => {
                        type_from_json(&r.r#type).map_err(|e| format!("return type: {e}"))?
                    }
                    None => return Err("no return type".into()),
                };
                Ok(FunctionSignature {
                    parameters: f
                        .parameters
                        .iter()
                        .map(parameter)
                        .collect::<Result<_, _>>()?,
                    variadic: f.variadic_parameter.as_ref().map(parameter).transpose()?,
                    result,
                    description: if f.summary.is_empty() {
                        f.description.clone()
                    } else {
                        f.summary.clone()
                    }
                    .into(),
                    deprecated: (!f.deprecation_message.is_empty())
                        .then(|| f.deprecation_message.clone()),
                })
            }

            /// Every function of a `functions` map, converted.
            fn functions(
                m: &std::collections::HashMap<String, p::Function>,
            ) -> Result<BTreeMap<String, FunctionSignature>, String> {
                m.iter()
                    .map(|(name, f)| {
                        function(f)
                            .map(|sig| (name.clone(), sig))
                            .map_err(|e| format!("function `{name}`: {e}"))
                    })
                    .collect()
            }

            /// A block's schema (attributes, and nested block types with
            /// their nesting and min/max items) and the nesting of its
            /// top-level blocks.
            pub(crate) fn block(
                b: Option<&p::schema::Block>,
            ) -> Result<(ResourceSchema, BTreeMap<String, Nesting>), String> {
                let mut out = ResourceSchema::default();
                let mut blocks = BTreeMap::new();
                let Some(b) = b else { return Ok((out, blocks)) };
                out.description = b.description.clone().into();
                if b.deprecated {
                    out.deprecated = Some("deprecated by the provider".to_string());
                }
                for a in &b.attributes {
                    out.attributes.insert(a.name.clone(), attribute(a)?);
                }
                for nb in &b.block_types {
                    let (inner, _) = block(nb.block.as_ref())
                        .map_err(|e| format!("block `{}`: {e}", nb.type_name))?;
                    let mode = nesting(nb.nesting());
                    out.blocks.insert(
                        nb.type_name.clone(),
                        NestedBlock {
                            nesting: mode,
                            min_items: u64::try_from(nb.min_items).unwrap_or(0),
                            max_items: u64::try_from(nb.max_items).unwrap_or(0),
                            block: inner,
                        },
                    );
                    blocks.insert(nb.type_name.clone(), mode);
                }
                Ok((out, blocks))
            }

            /// GetProviderSchema (v5: GetSchema), converted; with `keep_raw`
            /// also the answer's protobuf bytes (for the schema cache).
            pub(crate) async fn get_schema(
                c: &mut Client,
                keep_raw: bool,
            ) -> Result<(Result<Schemas, String>, Option<Vec<u8>>), Status> {
                let r = c
                    .$get_schema(p::get_provider_schema::Request {})
                    .await?
                    .into_inner();
                let raw = keep_raw.then(|| prost::Message::encode_to_vec(&r));
                Ok((schemas(&r), raw))
            }

            /// A GetProviderSchema answer from its protobuf bytes, converted.
            pub(crate) fn schemas_from_bytes(bytes: &[u8]) -> Result<Schemas, String> {
                let r = <p::get_provider_schema::Response as prost::Message>::decode(bytes)
                    .map_err(|e| format!("not a schema answer: {e}"))?;
                schemas(&r)
            }

            /// A GetProviderSchema answer in infra's schema model.
            fn schemas(r: &p::get_provider_schema::Response) -> Result<Schemas, String> {
                let mut schema = ProviderSchema::default();
                let mut blocks = BTreeMap::new();
                schema.provider = block(r.provider.as_ref().and_then(|s| s.block.as_ref()))
                    .map_err(|e| format!("provider configuration: {e}"))?
                    .0;
                for (name, s) in &r.resource_schemas {
                    let (mut rs, bs) = block(s.block.as_ref())
                        .map_err(|e| format!("resource type `{name}`: {e}"))?;
                    rs.version = s.version;
                    schema.resources.insert(name.clone(), rs);
                    blocks.insert(name.clone(), bs);
                }
                for (name, s) in &r.data_source_schemas {
                    let (rs, bs) = block(s.block.as_ref())
                        .map_err(|e| format!("data source `{name}`: {e}"))?;
                    schema.data_sources.insert(name.clone(), rs);
                    blocks.insert(name.clone(), bs);
                }
                schema.functions = functions(&r.functions)?;
                Ok(Schemas {
                    schema,
                    blocks,
                    move_resource_state: r
                        .server_capabilities
                        .as_ref()
                        .is_some_and(|c| c.move_resource_state),
                    diagnostics: from_proto_all(&r.diagnostics),
                })
            }

            // v6's request has only `config`; v5's too, but keep one text.
            #[allow(clippy::needless_update)]
            pub(crate) async fn validate_provider(
                c: &mut Client,
                config: Vec<u8>,
            ) -> Result<Vec<Diagnostic>, Status> {
                let r = c
                    .$validate_provider(p::$validate_provider_msg::Request {
                        config: dv(config),
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                Ok(from_proto_all(&r.diagnostics))
            }

            pub(crate) async fn configure(
                c: &mut Client,
                config: Vec<u8>,
            ) -> Result<Vec<Diagnostic>, Status> {
                let r = c
                    .$configure(p::$configure_msg::Request {
                        terraform_version: TERRAFORM_VERSION.to_string(),
                        config: dv(config),
                        client_capabilities: caps(),
                    })
                    .await?
                    .into_inner();
                Ok(from_proto_all(&r.diagnostics))
            }

            pub(crate) async fn validate_resource(
                c: &mut Client,
                type_name: String,
                config: Vec<u8>,
            ) -> Result<Vec<Diagnostic>, Status> {
                let r = c
                    .$validate_resource(p::$validate_resource_msg::Request {
                        type_name,
                        config: dv(config),
                        client_capabilities: caps(),
                    })
                    .await?
                    .into_inner();
                Ok(from_proto_all(&r.diagnostics))
            }

            pub(crate) async fn validate_data(
                c: &mut Client,
                type_name: String,
                config: Vec<u8>,
            ) -> Result<Vec<Diagnostic>, Status> {
                let r = c
                    .$validate_data(p::$validate_data_msg::Request {
                        type_name,
                        config: dv(config),
                    })
                    .await?
                    .into_inner();
                Ok(from_proto_all(&r.diagnostics))
            }

            pub(crate) async fn plan(
                c: &mut Client,
                type_name: String,
                prior: Vec<u8>,
                proposed: Vec<u8>,
                config: Vec<u8>,
                prior_private: Vec<u8>,
            ) -> Result<Planned, Status> {
                let r = c
                    .plan_resource_change(p::plan_resource_change::Request {
                        type_name,
                        prior_state: dv(prior),
                        proposed_new_state: dv(proposed),
                        config: dv(config),
                        prior_private,
                        client_capabilities: caps(),
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                Ok(Planned {
                    planned: got(r.planned_state),
                    requires_replace: r.requires_replace.iter().map(Vec::from).collect(),
                    private: r.planned_private,
                    diagnostics: from_proto_all(&r.diagnostics),
                    legacy_type_system: r.legacy_type_system,
                    deferred: r.deferred.is_some(),
                })
            }

            pub(crate) async fn apply(
                c: &mut Client,
                type_name: String,
                prior: Vec<u8>,
                planned: Vec<u8>,
                config: Vec<u8>,
                planned_private: Vec<u8>,
            ) -> Result<Applied, Status> {
                let r = c
                    .apply_resource_change(p::apply_resource_change::Request {
                        type_name,
                        prior_state: dv(prior),
                        planned_state: dv(planned),
                        config: dv(config),
                        planned_private,
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                Ok(Applied {
                    new_state: got(r.new_state),
                    private: r.private,
                    diagnostics: from_proto_all(&r.diagnostics),
                    legacy_type_system: r.legacy_type_system,
                })
            }

            pub(crate) async fn read(
                c: &mut Client,
                type_name: String,
                state: Vec<u8>,
                private: Vec<u8>,
            ) -> Result<Read, Status> {
                let r = c
                    .read_resource(p::read_resource::Request {
                        type_name,
                        current_state: dv(state),
                        private,
                        client_capabilities: caps(),
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                Ok(Read {
                    state: got(r.new_state),
                    private: r.private,
                    diagnostics: from_proto_all(&r.diagnostics),
                    deferred: r.deferred.is_some(),
                })
            }

            pub(crate) async fn read_data(
                c: &mut Client,
                type_name: String,
                config: Vec<u8>,
            ) -> Result<Read, Status> {
                let r = c
                    .read_data_source(p::read_data_source::Request {
                        type_name,
                        config: dv(config),
                        client_capabilities: caps(),
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                Ok(Read {
                    state: got(r.state),
                    private: Vec::new(),
                    diagnostics: from_proto_all(&r.diagnostics),
                    deferred: r.deferred.is_some(),
                })
            }

            pub(crate) async fn import(
                c: &mut Client,
                type_name: String,
                id: String,
            ) -> Result<Imported, Status> {
                let r = c
                    .import_resource_state(p::import_resource_state::Request {
                        type_name,
                        id,
                        client_capabilities: caps(),
                    })
                    .await?
                    .into_inner();
                Ok(Imported {
                    objects: r
                        .imported_resources
                        .into_iter()
                        .map(|o| (o.type_name, got(o.state), o.private))
                        .collect(),
                    diagnostics: from_proto_all(&r.diagnostics),
                    deferred: r.deferred.is_some(),
                })
            }

            pub(crate) async fn upgrade(
                c: &mut Client,
                type_name: String,
                version: i64,
                raw_json: Vec<u8>,
            ) -> Result<(Dv, Vec<Diagnostic>), Status> {
                let r = c
                    .upgrade_resource_state(p::upgrade_resource_state::Request {
                        type_name,
                        version,
                        raw_state: Some(p::RawState {
                            json: raw_json,
                            ..Default::default()
                        }),
                    })
                    .await?
                    .into_inner();
                Ok((got(r.upgraded_state), from_proto_all(&r.diagnostics)))
            }

            /// GetFunctions: the plugin's functions, or why they cannot
            /// be read, with its diagnostics.
            pub(crate) async fn get_functions(
                c: &mut Client,
            ) -> Result<
                (
                    Result<BTreeMap<String, FunctionSignature>, String>,
                    Vec<Diagnostic>,
                ),
                Status,
            > {
                let r = c
                    .get_functions(p::get_functions::Request {})
                    .await?
                    .into_inner();
                Ok((functions(&r.functions), from_proto_all(&r.diagnostics)))
            }

            /// CallFunction with msgpack arguments.
            pub(crate) async fn call_function(
                c: &mut Client,
                name: String,
                arguments: Vec<Vec<u8>>,
            ) -> Result<Called, Status> {
                let r = c
                    .call_function(p::call_function::Request {
                        name,
                        arguments: arguments.into_iter().filter_map(dv).collect(),
                    })
                    .await?
                    .into_inner();
                Ok(match r.error {
                    Some(e) => Called::Error(e.text, e.function_argument),
                    None => Called::Result(got(r.result)),
                })
            }

            /// MoveResourceState of an object stored as `raw_json` by
            /// `source_type` (schema version `version`) of the provider
            /// `source_address`, into `target_type`.
            #[allow(clippy::needless_update)]
            pub(crate) async fn move_state(
                c: &mut Client,
                source_address: String,
                source_type: String,
                version: i64,
                raw_json: Vec<u8>,
                target_type: String,
                source_private: Vec<u8>,
            ) -> Result<Moved, Status> {
                let r = c
                    .move_resource_state(p::move_resource_state::Request {
                        source_provider_address: source_address,
                        source_type_name: source_type,
                        source_schema_version: version,
                        source_state: Some(p::RawState {
                            json: raw_json,
                            ..Default::default()
                        }),
                        target_type_name: target_type,
                        source_private,
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                Ok(Moved {
                    state: got(r.target_state),
                    private: r.target_private,
                    diagnostics: from_proto_all(&r.diagnostics),
                })
            }

            pub(crate) async fn stop(c: &mut Client) -> Result<String, Status> {
                let r = c.$stop(p::$stop_msg::Request {}).await?.into_inner();
                Ok(r.error)
            }
        }
    };
}

/// Invokes `$mac!` once per protocol version with what differs between
/// tfplugin5 and tfplugin6 (design §1): the module to define, the
/// generated module, and each renamed RPC with its message module. Shared
/// by the client here and the test plugin (`fake.rs`).
macro_rules! for_each_version {
    ($mac:ident) => {
        $mac!(
            v5, tfplugin5,
            get_schema: get_schema,
            validate_provider: prepare_provider_config / prepare_provider_config,
            validate_resource: validate_resource_type_config / validate_resource_type_config,
            validate_data: validate_data_source_config / validate_data_source_config,
            configure: configure / configure,
            stop: stop / stop,
        );
        $mac!(
            v6, tfplugin6,
            get_schema: get_provider_schema,
            validate_provider: validate_provider_config / validate_provider_config,
            validate_resource: validate_resource_config / validate_resource_config,
            validate_data: validate_data_resource_config / validate_data_resource_config,
            configure: configure_provider / configure_provider,
            stop: stop_provider / stop_provider,
        );
    };
}
#[cfg(test)]
pub(crate) use for_each_version;

for_each_version!(versioned);

/// An attribute's nested attribute type, converted: tfplugin6 only.
trait NestedType {
    /// Its attributes and nesting; `None` for a plain attribute.
    fn nested_attributes(&self) -> Option<Result<NestedAttributes, String>>;
}

impl NestedType for crate::proto::tfplugin5::schema::Attribute {
    fn nested_attributes(&self) -> Option<Result<NestedAttributes, String>> {
        None
    }
}

impl NestedType for crate::proto::tfplugin6::schema::Attribute {
    fn nested_attributes(&self) -> Option<Result<NestedAttributes, String>> {
        self.nested_type.as_ref().map(nested_object)
    }
}

/// A tfplugin6 nested attribute type (`configschema.Object`): its
/// attributes, converted as any attribute, and its nesting (its implied
/// type has no tuple rule, unlike blocks').
fn nested_object(o: &crate::proto::tfplugin6::schema::Object) -> Result<NestedAttributes, String> {
    use crate::proto::tfplugin6::schema::object::NestingMode as N;
    let mut attributes = BTreeMap::new();
    for a in &o.attributes {
        attributes.insert(a.name.clone(), v6::attribute(a)?);
    }
    let nesting = match o.nesting() {
        N::Single | N::Invalid => Nesting::Single,
        N::List => Nesting::List,
        N::Set => Nesting::Set,
        N::Map => Nesting::Map,
    };
    Ok(NestedAttributes {
        nesting,
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tfplugin6::schema;

    fn block_of(nesting: schema::nested_block::NestingMode, attr_type: &str) -> schema::Block {
        schema::Block {
            block_types: vec![schema::NestedBlock {
                type_name: "b".into(),
                nesting: nesting as i32,
                block: Some(schema::Block {
                    attributes: vec![schema::Attribute {
                        name: "a".into(),
                        r#type: attr_type.as_bytes().to_vec(),
                        optional: true,
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// The implied types of the five block nesting modes, and the
    /// `dynamic` rule for LIST and MAP (Terraform's `decoder_spec.go`).
    #[test]
    fn blocks_keep_their_nesting_and_implied_type() {
        use schema::nested_block::NestingMode as N;
        for (mode, attr_type, want, nesting) in [
            (
                N::Single,
                r#""string""#,
                "object({ a = string })",
                Nesting::Single,
            ),
            (
                N::Group,
                r#""string""#,
                "object({ a = string })",
                Nesting::Group,
            ),
            (
                N::List,
                r#""string""#,
                "list(object({ a = string }))",
                Nesting::List,
            ),
            (
                N::Set,
                r#""string""#,
                "set(object({ a = string }))",
                Nesting::Set,
            ),
            (
                N::Map,
                r#""string""#,
                "map(object({ a = string }))",
                Nesting::Map,
            ),
            (N::List, r#""dynamic""#, "any", Nesting::List),
            (N::Map, r#"["list","dynamic"]"#, "any", Nesting::Map),
            (
                N::Set,
                r#""dynamic""#,
                "set(object({ a = any }))",
                Nesting::Set,
            ),
        ] {
            let (rs, blocks) = v6::block(Some(&block_of(mode, attr_type))).expect("converts");
            let b = &rs.blocks["b"];
            assert_eq!(b.implied_type().to_string(), want, "{mode:?} {attr_type}");
            assert_eq!(b.nesting, nesting);
            assert!(b.block.attributes["a"].optional);
            assert!(!rs.attributes.contains_key("b"), "a block is no attribute");
            assert_eq!(blocks["b"], nesting);
        }
    }

    /// Nested attribute types (tfplugin6) in their four modes keep their
    /// attributes: a sensitive one inside is sensitive there, not the
    /// whole.
    #[test]
    fn nested_attributes_keep_their_attributes_and_implied_type() {
        use schema::object::NestingMode as N;
        for (mode, want) in [
            (N::Single, "object({ k = string })"),
            (N::List, "list(object({ k = string }))"),
            (N::Set, "set(object({ k = string }))"),
            (N::Map, "map(object({ k = string }))"),
        ] {
            for inner_sensitive in [false, true] {
                let block = schema::Block {
                    attributes: vec![schema::Attribute {
                        name: "n".into(),
                        optional: true,
                        nested_type: Some(schema::Object {
                            attributes: vec![schema::Attribute {
                                name: "k".into(),
                                r#type: br#""string""#.to_vec(),
                                sensitive: inner_sensitive,
                                optional: true,
                                ..Default::default()
                            }],
                            nesting: mode as i32,
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                };
                let (rs, _) = v6::block(Some(&block)).expect("converts");
                let n = &rs.attributes["n"];
                assert_eq!(n.ty.to_string(), want);
                assert!(!n.sensitive, "{mode:?}");
                let inner = n.nested.as_ref().expect("nested");
                assert_eq!(inner.attributes["k"].sensitive, inner_sensitive);
                assert_eq!(inner.implied_type(), n.ty);
            }
        }
    }

    #[test]
    fn a_bad_type_names_where_it_is() {
        let err = v6::block(Some(&block_of(
            schema::nested_block::NestingMode::List,
            r#"["list"]"#,
        )))
        .map(|_| ())
        .expect_err("bad type");
        assert!(err.starts_with("block `b`: attribute `a`: "), "{err}");
    }
}
