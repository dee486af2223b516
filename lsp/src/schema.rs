//! Provider schemas for the blocks around a position, and how schema
//! attributes and built-in functions are described in hovers and
//! completion items.

use infra_engine::provider::{Attribute, Providers, ResourceSchema};
use infra_lang::ast::Block;
use std::fmt::Write as _;

/// The schema of the innermost of `blocks` (outermost first): a
/// `resource` or `data` block's type, then nested blocks by name.
pub fn block_schema<'p>(providers: &'p Providers, blocks: &[&Block]) -> Option<&'p ResourceSchema> {
    let (top, nested) = blocks.split_first()?;
    let data = match top.kind.name.as_str() {
        "resource" => false,
        "data" => true,
        _ => return None,
    };
    let mut schema = providers.schema(&top.labels.first()?.value, data)?;
    for b in nested {
        schema = &schema.blocks.get(&b.kind.name)?.block;
    }
    Some(schema)
}

/// `required`, `optional`, `computed`… as a short list.
pub fn attribute_flags(a: &Attribute) -> String {
    let flags = [
        (a.required, "required"),
        (a.optional, "optional"),
        (a.computed, "computed"),
        (a.force_new, "forces replacement"),
        (a.sensitive, "sensitive"),
        (a.write_only, "write-only"),
    ];
    let set: Vec<&str> = flags
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
    set.join(", ")
}

/// Markdown for a schema attribute: name, type, flags, description.
pub fn attribute_doc(name: &str, a: &Attribute) -> String {
    let mut out = format!("```infra\n{name}: {}\n```\n*{}*", a.ty, attribute_flags(a));
    if a.computed && !a.required && !a.optional {
        out.push_str(" — known after apply");
    }
    if !a.description.is_empty() {
        let _ = write!(out, "\n\n{}", a.description);
    }
    if let Some(d) = &a.deprecated {
        let _ = write!(out, "\n\n**Deprecated:** {d}");
    }
    out
}

/// `name(param, param)`, a built-in function's signature.
pub fn function_signature(name: &str) -> Option<String> {
    let sig = infra_stdlib::lookup(name)?;
    Some(format!("{name}({})", sig.params.join(", ")))
}

/// Markdown for a built-in function: signature, summary, an example.
pub fn function_doc(name: &str) -> Option<String> {
    let mut out = format!("```infra\n{}\n```", function_signature(name)?);
    if let Some(b) = infra_stdlib::builtin(name) {
        let _ = write!(out, "\n\n{}", b.summary);
        if let Some(ex) = b.examples.first() {
            let _ = write!(out, "\n\n```infra\n> {}\n{}\n```", ex.expr, ex.result);
        }
    }
    Some(out)
}
