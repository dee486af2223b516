//! The provider reference (docs/providers.md), generated from the
//! providers' own schemas so it cannot drift from what `infra validate`
//! checks: every provider's configuration arguments, resource types and
//! data sources, each attribute with its type, role and description.

use infra_engine::provider::{Attribute, ProviderSchema, ResourceSchema};
use std::fmt::Write;

/// The role column: required, optional, computed, with force-new and
/// sensitive marks.
fn role(a: &Attribute) -> String {
    let mut r = if a.required {
        "required".to_string()
    } else if a.optional && a.computed {
        "optional, computed".to_string()
    } else if a.optional {
        "optional".to_string()
    } else {
        "computed".to_string()
    };
    if a.force_new {
        r.push_str(", forces replacement");
    }
    if a.sensitive {
        r.push_str(", sensitive");
    }
    r
}

fn table(out: &mut String, schema: &ResourceSchema) {
    if schema.attributes.is_empty() {
        out.push_str("No arguments.\n\n");
        return;
    }
    out.push_str("| name | type | | description |\n|---|---|---|---|\n");
    for (name, a) in &schema.attributes {
        let _ = writeln!(
            out,
            "| `{name}` | `{}` | {} | {} |",
            a.ty.to_string().replace('|', "\\|"),
            role(a),
            a.description.replace('|', "\\|")
        );
    }
    out.push('\n');
}

fn provider_section(out: &mut String, name: &str, s: &ProviderSchema) {
    let _ = writeln!(out, "## Provider `{name}`\n");
    if !s.provider.description.is_empty() {
        let _ = writeln!(out, "{}\n", s.provider.description);
    }
    let _ = writeln!(out, "### Configuration: `provider \"{name}\" {{ ... }}`\n");
    table(out, &s.provider);
    for (t, r) in &s.resources {
        let _ = writeln!(out, "### Resource `{t}`\n\n{}\n", r.description);
        table(out, r);
    }
    for (t, r) in &s.data_sources {
        let _ = writeln!(out, "### Data source `{t}`\n\n{}\n", r.description);
        table(out, r);
    }
}

/// docs/providers.md: every production provider of [`crate::all`], in
/// name order.
pub fn markdown_reference() -> String {
    let mut out = String::from(
        "# Provider reference\n\n\
         Generated from the providers' schemas (`providers/src/docs.rs`); do not edit by hand.\n\
         Regenerate with `INFRA_UPDATE_DOCS=1 cargo test -p infra-tests --test suite docs`.\n\n\
         A provider is chosen by the part of a type name before its first `_`\n\
         (`aws_s3_bucket` → `aws`). Nested blocks (`versioning { ... }`) are\n\
         attributes of object type; a block that may repeat (`lifecycle_rule`)\n\
         is a list of objects. \"forces replacement\": changing it replaces the\n\
         object; \"computed\": the provider sets it (known after apply when new).\n\n",
    );
    let providers = crate::all();
    for (name, p) in providers.iter() {
        provider_section(&mut out, name, p.schema());
    }
    out.push_str(include_str!("docs_terraform_providers.md"));
    out
}
