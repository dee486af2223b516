//! The human plan's body of an object whose provider schema is known:
//! its attributes, then its nested blocks as Terraform's plan renderer
//! prints them (`+ rule {`, `~ setting "beta" {`, a blank line between
//! block types, `# (2 unchanged blocks hidden)`), with the null
//! attributes of blocks and nested attribute objects left out.

use super::{Body, hidden_line};
use infra_engine::addr::{ResourceAddress, ResourceMode};
use infra_engine::diff::ObjectDiff;
use infra_engine::diff::blocks::{BlockElement, attributes, block_changes};
use infra_engine::plan::Plan;
use infra_engine::provider::{Nesting, Providers, ResourceSchema};
use infra_lang::Value;
use infra_lang::value::quote;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The provider schemas of the resource types a plan shows, by mode and
/// type: what tells the renderer which attributes are nested blocks.
/// Empty ([`Schemas::default`]) when no provider is at hand: values are
/// then shown plain (`rule = [ { ... } ]`).
#[derive(Default)]
pub struct Schemas(BTreeMap<(ResourceMode, String), ResourceSchema>);

impl Schemas {
    /// The schemas `providers` have for the types of `plan`'s changes.
    pub fn of(plan: &Plan, providers: &Providers) -> Schemas {
        let mut out = BTreeMap::new();
        let addrs = plan
            .changes
            .iter()
            .map(|c| &c.address)
            .chain(plan.imports.iter().map(|i| &i.address));
        for a in addrs {
            let key = (a.mode, a.type_name.clone());
            if out.contains_key(&key) {
                continue;
            }
            if let Some(s) = providers.schema(&a.type_name, a.mode == ResourceMode::Data) {
                out.insert(key, s.clone());
            }
        }
        Schemas(out)
    }

    /// The schema of `addr`'s type, when known.
    pub(super) fn get(&self, addr: &ResourceAddress) -> Option<&ResourceSchema> {
        self.0.get(&(addr.mode, addr.type_name.clone()))
    }
}

/// The names of `schema`'s write-only attributes, in name order.
fn write_only(schema: &ResourceSchema) -> Vec<&str> {
    schema
        .attributes
        .iter()
        .filter(|(_, a)| a.write_only)
        .map(|(n, _)| n.as_str())
        .collect()
}

impl Body<'_> {
    /// An object created (`+`), destroyed (`-`) or shown unmarked (``,
    /// an import): its attributes as [`Body::whole`] prints them, then
    /// each block whole with the same marker.
    pub(super) fn whole_shaped(
        &mut self,
        schema: &ResourceSchema,
        v: &Value,
        marker: &str,
        indent: usize,
    ) {
        // An import (no marker) shows no write-only rows: they are
        // unchanged there.
        let write_only = if marker.is_empty() {
            Vec::new()
        } else {
            write_only(schema)
        };
        self.whole_with(&attributes(schema, v), marker, indent, &write_only);
        let (before, after) = if marker == "-" {
            (v, &Value::NULL)
        } else {
            (&Value::NULL, v)
        };
        for bc in block_changes(schema, before, after) {
            let _ = writeln!(self.out);
            for (key, e) in &bc.elements {
                let (BlockElement::Added(x) | BlockElement::Removed(x)) = e else {
                    continue;
                };
                self.block_open(indent, marker, bc.name, key.as_deref(), "");
                self.whole_shaped(bc.schema, x, marker, indent + 4);
                self.block_close(indent);
            }
        }
    }

    /// The diff of an object changed in place: its attributes as
    /// [`Body::object`] prints them (`forces` naming those that force
    /// replacement; `top` for a resource's own), then its blocks: added
    /// and removed ones whole, changed ones by their own diff, unchanged
    /// ones counted.
    pub(super) fn object_shaped(
        &mut self,
        schema: &ResourceSchema,
        (before, after): (&Value, &Value),
        forces: &[String],
        indent: usize,
        top: bool,
    ) {
        let d = ObjectDiff::new(
            &attributes(schema, before),
            &attributes(schema, after),
            forces,
        )
        .with_write_only(&write_only(schema));
        let nested_lists: Vec<&str> = schema
            .attributes
            .iter()
            .filter(|(_, a)| {
                a.nested
                    .as_ref()
                    .is_some_and(|n| matches!(n.nesting, Nesting::List | Nesting::Set))
            })
            .map(|(n, _)| n.as_str())
            .collect();
        self.object_in(&d, indent, top, &nested_lists);
        let mut hidden = 0;
        for bc in block_changes(schema, before, after) {
            hidden += bc.unchanged();
            let note = if forces.iter().any(|f| f == bc.name) {
                self.style.paint("31", " # forces replacement")
            } else {
                String::new()
            };
            let mut first = true;
            for (key, e) in &bc.elements {
                let marker = match e {
                    BlockElement::Added(_) => "+",
                    BlockElement::Removed(_) => "-",
                    BlockElement::Changed(..) => "~",
                    BlockElement::Unchanged => continue,
                };
                if std::mem::take(&mut first) {
                    let _ = writeln!(self.out);
                }
                self.block_open(indent, marker, bc.name, key.as_deref(), &note);
                match e {
                    BlockElement::Added(x) | BlockElement::Removed(x) => {
                        self.whole_shaped(bc.schema, x, marker, indent + 4);
                    }
                    BlockElement::Changed(b, a) => {
                        self.object_shaped(bc.schema, (b, a), &[], indent + 4, true);
                    }
                    BlockElement::Unchanged => {}
                }
                self.block_close(indent);
            }
        }
        if hidden > 0 {
            let _ = writeln!(self.out);
            hidden_line(self.out, indent, hidden, "block");
        }
    }

    /// `+ rule {` or `~ setting "beta" {` at column `indent`.
    fn block_open(
        &mut self,
        indent: usize,
        marker: &str,
        name: &str,
        key: Option<&str>,
        note: &str,
    ) {
        let m = if marker.is_empty() {
            "  ".to_string()
        } else {
            format!("{} ", self.style.marker(marker))
        };
        let label = key.map(|k| format!(" {}", quote(k))).unwrap_or_default();
        let _ = writeln!(self.out, "{}{m}{name}{label} {{{note}", " ".repeat(indent));
    }

    /// The `}` closing a block opened at column `indent`.
    fn block_close(&mut self, indent: usize) {
        let _ = writeln!(self.out, "{}  }}", " ".repeat(indent));
    }
}
