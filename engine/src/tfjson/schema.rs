//! Provider schemas as Terraform's `providers schema -json` prints them
//! (format version "1.0", Terraform's `internal/command/jsonprovider`):
//! each provider's configuration block, resource and data source schemas
//! with their versions, and its functions.

use crate::provider::{
    Attribute, FunctionParameter, FunctionSignature, Nesting, ProviderSchema, ResourceSchema,
};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// `{"format_version": "1.0", "provider_schemas": {SOURCE: ...}}` for
/// `schemas` keyed by provider source address.
pub fn providers_schema_json(schemas: &BTreeMap<String, &ProviderSchema>) -> Json {
    let providers: Map<String, Json> = schemas
        .iter()
        .map(|(source, s)| (source.clone(), provider(s)))
        .collect();
    json!({ "format_version": "1.0", "provider_schemas": providers })
}

fn provider(s: &ProviderSchema) -> Json {
    let mut m = Map::new();
    m.insert("provider".into(), versioned(&s.provider));
    let types = |all: &BTreeMap<String, ResourceSchema>| -> Map<String, Json> {
        all.iter().map(|(n, r)| (n.clone(), versioned(r))).collect()
    };
    if !s.resources.is_empty() {
        m.insert("resource_schemas".into(), Json::Object(types(&s.resources)));
    }
    if !s.data_sources.is_empty() {
        m.insert(
            "data_source_schemas".into(),
            Json::Object(types(&s.data_sources)),
        );
    }
    if !s.functions.is_empty() {
        let f: Map<String, Json> = s
            .functions
            .iter()
            .map(|(n, f)| (n.clone(), function(f)))
            .collect();
        m.insert("functions".into(), Json::Object(f));
    }
    Json::Object(m)
}

fn versioned(r: &ResourceSchema) -> Json {
    json!({ "version": r.version, "block": block(r) })
}

fn block(r: &ResourceSchema) -> Json {
    let mut m = Map::new();
    if !r.attributes.is_empty() {
        let attrs: Map<String, Json> = r
            .attributes
            .iter()
            .map(|(n, a)| (n.clone(), attribute(a)))
            .collect();
        m.insert("attributes".into(), Json::Object(attrs));
    }
    if !r.blocks.is_empty() {
        let blocks: Map<String, Json> = r
            .blocks
            .iter()
            .map(|(n, b)| {
                let mut bm = Map::new();
                bm.insert("nesting_mode".into(), json!(nesting(b.nesting)));
                bm.insert("block".into(), block(&b.block));
                if b.min_items > 0 {
                    bm.insert("min_items".into(), json!(b.min_items));
                }
                if b.max_items > 0 {
                    bm.insert("max_items".into(), json!(b.max_items));
                }
                (n.clone(), Json::Object(bm))
            })
            .collect();
        m.insert("block_types".into(), Json::Object(blocks));
    }
    if !r.description.is_empty() {
        m.insert("description".into(), json!(r.description));
    }
    m.insert("description_kind".into(), json!("plain"));
    if r.deprecated.is_some() {
        m.insert("deprecated".into(), json!(true));
    }
    Json::Object(m)
}

fn attribute(a: &Attribute) -> Json {
    let mut m = Map::new();
    match &a.nested {
        Some(n) => {
            let attrs: Map<String, Json> = n
                .attributes
                .iter()
                .map(|(k, x)| (k.clone(), attribute(x)))
                .collect();
            m.insert(
                "nested_type".into(),
                json!({ "attributes": attrs, "nesting_mode": nesting(n.nesting) }),
            );
        }
        None => {
            m.insert("type".into(), a.ty.to_json());
        }
    }
    if !a.description.is_empty() {
        m.insert("description".into(), json!(a.description));
    }
    m.insert("description_kind".into(), json!("plain"));
    for (on, key) in [
        (a.deprecated.is_some(), "deprecated"),
        (a.required, "required"),
        (a.optional, "optional"),
        (a.computed, "computed"),
        (a.sensitive, "sensitive"),
        (a.write_only, "write_only"),
    ] {
        if on {
            m.insert(key.into(), json!(true));
        }
    }
    if let Some(d) = a.deprecated.as_deref().filter(|d| !d.is_empty()) {
        m.insert("deprecation_message".into(), json!(d));
    }
    Json::Object(m)
}

fn nesting(n: Nesting) -> &'static str {
    match n {
        Nesting::Single => "single",
        Nesting::Group => "group",
        Nesting::List => "list",
        Nesting::Set => "set",
        Nesting::Map => "map",
    }
}

fn function(f: &FunctionSignature) -> Json {
    let param = |p: &FunctionParameter| {
        let mut m = Map::new();
        m.insert("name".into(), json!(p.name));
        m.insert("type".into(), p.ty.to_json());
        if !p.description.is_empty() {
            m.insert("description".into(), json!(p.description));
        }
        if p.allow_null {
            m.insert("is_nullable".into(), json!(true));
        }
        Json::Object(m)
    };
    let mut m = Map::new();
    if !f.description.is_empty() {
        m.insert("description".into(), json!(f.description));
    }
    m.insert("return_type".into(), f.result.to_json());
    if !f.parameters.is_empty() {
        m.insert(
            "parameters".into(),
            Json::Array(f.parameters.iter().map(param).collect()),
        );
    }
    if let Some(v) = &f.variadic {
        m.insert("variadic_parameter".into(), param(v));
    }
    if let Some(d) = &f.deprecated {
        m.insert("deprecation_message".into(), json!(d));
    }
    Json::Object(m)
}
