//! infra's provider schemas (`infra_engine::provider::ProviderSchema`) as
//! the plugin protocol's `Schema` messages, for tfplugin6 ([`v6`]) and
//! tfplugin5 ([`v5`]): what infra's server answers GetProviderSchema /
//! GetSchema with. (The reverse direction, a plugin's schema read into
//! infra's model, is the client's: `client::provider`, which also tracks
//! block nesting.)
//!
//! Attributes carry their cty type JSON and flags (sensitive, write-only,
//! deprecated); nested attributes become tfplugin6 nested attribute types
//! (tfplugin5 has none: there they are attributes of their implied type);
//! nested block types keep their nesting and min/max items; the schema
//! version is the type's. Descriptions are plain text. Provider functions
//! become protocol `Function`s.

use infra_engine::provider::{
    Attribute, FunctionParameter, FunctionSignature, Nesting, ProviderSchema, ResourceSchema,
};
use infra_lang::Type;
use std::collections::BTreeMap;

/// The cty type JSON bytes of `ty` (`"string"`, `["list","number"]`,
/// `"dynamic"` for `any`), as `Schema.Attribute.type` carries it.
fn type_bytes(ty: &Type) -> Vec<u8> {
    crate::wire::type_to_json(ty)
}

/// Sets a protocol attribute's nested attribute type from infra's.
trait Nest {
    /// Makes `self` a nested attribute when `a` is one (tfplugin6 only).
    fn nest(&mut self, a: &Attribute);
}

impl Nest for crate::proto::tfplugin5::schema::Attribute {
    fn nest(&mut self, _: &Attribute) {}
}

impl Nest for crate::proto::tfplugin6::schema::Attribute {
    fn nest(&mut self, a: &Attribute) {
        use crate::proto::tfplugin6::schema::object::NestingMode as N;
        let Some(n) = &a.nested else { return };
        // A nested attribute has no `type` (Terraform's InternalValidate).
        self.r#type = Vec::new();
        self.nested_type = Some(crate::proto::tfplugin6::schema::Object {
            attributes: n
                .attributes
                .iter()
                .map(|(name, a)| v6::attribute(name, a))
                .collect(),
            nesting: match n.nesting {
                Nesting::Single | Nesting::Group => N::Single,
                Nesting::List => N::List,
                Nesting::Set => N::Set,
                Nesting::Map => N::Map,
            } as i32,
            ..Default::default()
        });
    }
}

/// Generates `to_proto` and `provider_to_proto` over one protocol
/// version's generated `Schema` (the two versions share every field used
/// here).
macro_rules! schema_version {
    ($version:ident, $proto:path, $doc:literal) => {
        #[doc = $doc]
        pub mod $version {
            use super::*;
            use $proto as p;

            /// Attribute `name` as a protocol attribute.
            pub fn attribute(name: &str, a: &Attribute) -> p::schema::Attribute {
                let mut out = p::schema::Attribute {
                    name: name.to_string(),
                    r#type: type_bytes(&a.ty),
                    description: a.description.to_string(),
                    required: a.required,
                    optional: a.optional,
                    computed: a.computed,
                    sensitive: a.sensitive,
                    write_only: a.write_only,
                    deprecated: a.deprecated.is_some(),
                    deprecation_message: a.deprecated.clone().unwrap_or_default(),
                    ..Default::default()
                };
                out.nest(a);
                out
            }

            /// A block's attributes and nested block types, in name order.
            fn block(schema: &ResourceSchema) -> p::schema::Block {
                use p::schema::nested_block::NestingMode as N;
                p::schema::Block {
                    attributes: schema
                        .attributes
                        .iter()
                        .map(|(name, a)| attribute(name, a))
                        .collect(),
                    block_types: schema
                        .blocks
                        .iter()
                        .map(|(name, b)| p::schema::NestedBlock {
                            type_name: name.clone(),
                            block: Some(block(&b.block)),
                            nesting: match b.nesting {
                                Nesting::Single => N::Single,
                                Nesting::Group => N::Group,
                                Nesting::List => N::List,
                                Nesting::Set => N::Set,
                                Nesting::Map => N::Map,
                            } as i32,
                            min_items: i64::try_from(b.min_items).unwrap_or(i64::MAX),
                            max_items: i64::try_from(b.max_items).unwrap_or(i64::MAX),
                        })
                        .collect(),
                    description: schema.description.to_string(),
                    deprecated: schema.deprecated.is_some(),
                    deprecation_message: schema.deprecated.clone().unwrap_or_default(),
                    ..Default::default()
                }
            }

            /// infra's schema of one resource type, data source or provider
            /// configuration as a protocol `Schema` (its version, plain-text
            /// descriptions, attributes and block types in name order).
            pub fn to_proto(schema: &ResourceSchema) -> p::Schema {
                p::Schema {
                    version: schema.version,
                    block: Some(block(schema)),
                }
            }

            /// Every schema of `schema` keyed as GetProviderSchema answers
            /// them: (provider, resource types, data sources).
            pub fn provider_to_proto(
                schema: &ProviderSchema,
            ) -> (
                p::Schema,
                std::collections::HashMap<String, p::Schema>,
                std::collections::HashMap<String, p::Schema>,
            ) {
                let each = |m: &BTreeMap<String, ResourceSchema>| {
                    m.iter().map(|(n, s)| (n.clone(), to_proto(s))).collect()
                };
                (
                    to_proto(&schema.provider),
                    each(&schema.resources),
                    each(&schema.data_sources),
                )
            }

            fn parameter(param: &FunctionParameter) -> p::function::Parameter {
                p::function::Parameter {
                    name: param.name.clone(),
                    r#type: type_bytes(&param.ty),
                    allow_null_value: param.allow_null,
                    allow_unknown_values: param.allow_unknown,
                    description: param.description.to_string(),
                    ..Default::default()
                }
            }

            /// A provider function's signature as a protocol `Function`
            /// (its description as the summary, plain text).
            pub fn function_to_proto(sig: &FunctionSignature) -> p::Function {
                p::Function {
                    parameters: sig.parameters.iter().map(parameter).collect(),
                    variadic_parameter: sig.variadic.as_ref().map(parameter),
                    r#return: Some(p::function::Return {
                        r#type: type_bytes(&sig.result),
                    }),
                    summary: sig.description.to_string(),
                    description: sig.description.to_string(),
                    deprecation_message: sig.deprecated.clone().unwrap_or_default(),
                    ..Default::default()
                }
            }

            /// The `functions` map of GetProviderSchema and GetFunctions.
            pub fn functions_to_proto(
                schema: &ProviderSchema,
            ) -> std::collections::HashMap<String, p::Function> {
                schema
                    .functions
                    .iter()
                    .map(|(n, f)| (n.clone(), function_to_proto(f)))
                    .collect()
            }
        }
    };
}

schema_version!(v6, crate::proto::tfplugin6, "Schemas for tfplugin6.");

schema_version!(v5, crate::proto::tfplugin5, "Schemas for tfplugin5.");

#[cfg(test)]
mod tests {
    use super::*;
    use infra_engine::provider::Attribute;

    fn sample() -> ProviderSchema {
        let file = ResourceSchema::new(
            "A file.",
            vec![
                (
                    "filename",
                    Attribute::required(Type::String, "Path.").force_new(),
                ),
                (
                    "tags",
                    Attribute::optional(Type::Map(Box::new(Type::String)), "Tags."),
                ),
                ("id", Attribute::computed(Type::String, "Id.")),
                (
                    "secret",
                    Attribute::optional_computed(Type::Any, "Secret.").sensitive(),
                ),
            ],
        );
        let mut s = ProviderSchema::default();
        s.resources.insert("x_file".into(), file.clone());
        s.data_sources.insert("x_file".into(), file);
        s
    }

    /// (name, type, required, optional, computed, sensitive) of each
    /// attribute, in order.
    type Row = (String, Type, bool, bool, bool, bool);

    #[test]
    fn v6_attributes_carry_type_json_and_flags_in_name_order() {
        let (provider, resources, data) = v6::provider_to_proto(&sample());
        assert!(provider.block.expect("block").attributes.is_empty());
        assert_eq!(data.len(), 1);
        let s = &resources["x_file"];
        assert_eq!(s.version, 0);
        let block = s.block.as_ref().expect("block");
        assert_eq!(block.description, "A file.");
        let rows: Vec<Row> = block
            .attributes
            .iter()
            .map(|a| {
                let ty = crate::wire::type_from_json(&a.r#type).expect("type JSON");
                (
                    a.name.clone(),
                    ty,
                    a.required,
                    a.optional,
                    a.computed,
                    a.sensitive,
                )
            })
            .collect();
        let want: Vec<Row> = vec![
            ("filename".into(), Type::String, true, false, false, false),
            ("id".into(), Type::String, false, false, true, false),
            ("secret".into(), Type::Any, false, true, true, true),
            (
                "tags".into(),
                Type::Map(Box::new(Type::String)),
                false,
                true,
                false,
                false,
            ),
        ];
        assert_eq!(rows, want);
        assert_eq!(block.attributes[3].r#type, br#"["map","string"]"#);
        assert_eq!(block.attributes[0].description, "Path.");
        assert!(
            block
                .attributes
                .iter()
                .all(|a| !a.write_only && !a.deprecated && a.nested_type.is_none())
        );
    }

    #[test]
    fn v5_has_the_same_attributes() {
        let (_, resources, _) = v5::provider_to_proto(&sample());
        let block = resources["x_file"].block.clone().expect("block");
        let names: Vec<&str> = block.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["filename", "id", "secret", "tags"]);
        assert_eq!(block.attributes[2].r#type, br#""dynamic""#);
        assert!(block.attributes[2].sensitive);
    }
}
