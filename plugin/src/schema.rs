//! infra's provider schemas (`infra_engine::provider::ProviderSchema`) as
//! the plugin protocol's `Schema` messages, for tfplugin6 ([`v6`]) and
//! tfplugin5 ([`v5`]): what infra's server answers GetProviderSchema /
//! GetSchema with. (The reverse direction, a plugin's schema read into
//! infra's model, is the client's: `client::provider`, which also tracks
//! block nesting.)
//!
//! infra's model has top-level attributes only: each becomes a protocol
//! attribute with its cty type JSON; schema version 0; plain-text
//! descriptions. Provider functions become protocol `Function`s.

use infra_engine::provider::{
    FunctionParameter, FunctionSignature, ProviderSchema, ResourceSchema,
};
use infra_lang::Type;
use std::collections::BTreeMap;

/// The cty type JSON bytes of `ty` (`"string"`, `["list","number"]`,
/// `"dynamic"` for `any`), as `Schema.Attribute.type` carries it.
fn type_bytes(ty: &Type) -> Vec<u8> {
    crate::wire::type_to_json(ty)
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

            /// infra's schema of one resource type, data source or provider
            /// configuration as a protocol `Schema` (version 0, plain-text
            /// descriptions, attributes in name order).
            pub fn to_proto(schema: &ResourceSchema) -> p::Schema {
                let attributes = schema
                    .attributes
                    .iter()
                    .map(|(name, a)| p::schema::Attribute {
                        name: name.clone(),
                        r#type: type_bytes(&a.ty),
                        description: a.description.to_string(),
                        required: a.required,
                        optional: a.optional,
                        computed: a.computed,
                        sensitive: a.sensitive,
                        ..Default::default()
                    })
                    .collect();
                p::Schema {
                    version: 0,
                    block: Some(p::schema::Block {
                        attributes,
                        description: schema.description.to_string(),
                        ..Default::default()
                    }),
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
