//! Typed declarations: a `resource`/`data` block, its `lifecycle` and a
//! `module` call lowered in one pass over the block's items into fields
//! (`count`, `for_each`, `provider`, `depends_on`, `lifecycle`, `source`),
//! so that the static checks, evaluation, planning and import read fields
//! instead of looking meta-arguments up by name. A declaration borrows
//! the block (no expression is copied); the names it recognises are those
//! of `config::meta`.

use super::meta;
use crate::addr::ResourceMode;
use infra_lang::SourceFile;
use infra_lang::ast::{Attribute, Block, BodyItem};

/// A `resource` or `data` block with its meta-arguments picked out.
/// Of an argument written twice (a syntax error reported elsewhere) the
/// first counts, as `Body::attribute` finds it.
#[derive(Clone, Copy, Debug)]
pub struct ResourceDecl<'a> {
    /// Managed (`resource`) or data (`data`).
    pub mode: ResourceMode,
    /// The resource type, the first label (`""` when missing).
    pub type_name: &'a str,
    /// The name, the second label (`""` when missing).
    pub name: &'a str,
    /// The whole block: its configuration is every argument and nested
    /// block that is not a meta-argument (`meta::RESOURCE_ARGS`,
    /// `meta::RESOURCE_BLOCKS`).
    pub block: &'a Block,
    /// `count = N`.
    pub count: Option<&'a Attribute>,
    /// `for_each = ...`.
    pub for_each: Option<&'a Attribute>,
    /// `provider = NAME.ALIAS`.
    pub provider: Option<ProviderRef<'a>>,
    /// `depends_on = [...]`.
    pub depends_on: Option<&'a Attribute>,
    /// The first `lifecycle` block.
    pub lifecycle: Option<LifecycleDecl<'a>>,
}

/// A `provider = NAME.ALIAS` meta-argument.
#[derive(Clone, Copy, Debug)]
pub struct ProviderRef<'a> {
    /// The argument (its expression's span places diagnostics).
    pub attribute: &'a Attribute,
}

impl ProviderRef<'_> {
    /// The reference as written in `src`, whitespace removed: `aws.west`,
    /// the key of the provider configuration (and what state records).
    pub fn key(&self, src: &SourceFile) -> String {
        src.slice(self.attribute.expr.span)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    }
}

/// A resource's `lifecycle` block, its arguments not yet evaluated (see
/// `eval::Lifecycle` for the evaluated settings).
#[derive(Clone, Copy, Debug)]
pub struct LifecycleDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// `create_before_destroy = BOOL`.
    pub create_before_destroy: Option<&'a Attribute>,
    /// `prevent_destroy = BOOL`.
    pub prevent_destroy: Option<&'a Attribute>,
    /// `ignore_changes = [attrs] | all`.
    pub ignore_changes: Option<&'a Attribute>,
    /// `replace_triggered_by = [refs]`.
    pub replace_triggered_by: Option<&'a Attribute>,
}

/// A `module "NAME"` block with its meta-arguments picked out; every
/// other argument is an input of the child module.
#[derive(Clone, Copy, Debug)]
pub struct ModuleCallDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// `source = "./path"` or `"std/NAME"` (a literal or a const).
    pub source: Option<&'a Attribute>,
    /// `count = N`.
    pub count: Option<&'a Attribute>,
    /// `for_each = ...`.
    pub for_each: Option<&'a Attribute>,
    /// `depends_on = [...]`.
    pub depends_on: Option<&'a Attribute>,
}

fn label(b: &Block, i: usize) -> &str {
    b.labels.get(i).map_or("", |l| l.value.as_str())
}

/// Sets `slot` to `a` unless an earlier argument of the name set it.
fn first<'a>(slot: &mut Option<&'a Attribute>, a: &'a Attribute) {
    slot.get_or_insert(a);
}

/// Lowers `resource`/`data` block `b`.
pub fn resource(mode: ResourceMode, b: &Block) -> ResourceDecl<'_> {
    let mut provider = None;
    let mut d = ResourceDecl {
        mode,
        type_name: label(b, 0),
        name: label(b, 1),
        block: b,
        count: None,
        for_each: None,
        provider: None,
        depends_on: None,
        lifecycle: None,
    };
    for item in &b.body.items {
        match item {
            BodyItem::Attribute(a) => match a.name.name.as_str() {
                meta::COUNT => first(&mut d.count, a),
                meta::FOR_EACH => first(&mut d.for_each, a),
                meta::DEPENDS_ON => first(&mut d.depends_on, a),
                meta::PROVIDER => first(&mut provider, a),
                _ => {}
            },
            BodyItem::Block(nb) if nb.kind.name == meta::LIFECYCLE && d.lifecycle.is_none() => {
                d.lifecycle = Some(lifecycle(nb));
            }
            BodyItem::Block(_) => {}
        }
    }
    d.provider = provider.map(|attribute| ProviderRef { attribute });
    d
}

/// Lowers a resource's `lifecycle` block `b`.
pub fn lifecycle(b: &Block) -> LifecycleDecl<'_> {
    let mut d = LifecycleDecl {
        block: b,
        create_before_destroy: None,
        prevent_destroy: None,
        ignore_changes: None,
        replace_triggered_by: None,
    };
    for a in b.body.attributes() {
        match a.name.name.as_str() {
            meta::CREATE_BEFORE_DESTROY => first(&mut d.create_before_destroy, a),
            meta::PREVENT_DESTROY => first(&mut d.prevent_destroy, a),
            meta::IGNORE_CHANGES => first(&mut d.ignore_changes, a),
            meta::REPLACE_TRIGGERED_BY => first(&mut d.replace_triggered_by, a),
            _ => {}
        }
    }
    d
}

/// Lowers `module` block `b`.
pub fn module_call(b: &Block) -> ModuleCallDecl<'_> {
    let mut d = ModuleCallDecl {
        block: b,
        source: None,
        count: None,
        for_each: None,
        depends_on: None,
    };
    for a in b.body.attributes() {
        match a.name.name.as_str() {
            meta::SOURCE => first(&mut d.source, a),
            meta::COUNT => first(&mut d.count, a),
            meta::FOR_EACH => first(&mut d.for_each, a),
            meta::DEPENDS_ON => first(&mut d.depends_on, a),
            _ => {}
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::syntax;

    fn parse(text: &str) -> (std::sync::Arc<SourceFile>, infra_lang::ast::File) {
        let src = SourceFile::new("t.infra", text.to_string());
        let file = syntax::parse(&src).file.expect("parses");
        (src, file)
    }

    #[test]
    fn resource_meta_arguments_become_fields() {
        let (src, file) = parse(
            "resource \"local_file\" \"a\" {\n  count = 2\n  filename = \"x\"\n  provider = local . other\n  depends_on = [local_file.b]\n  lifecycle {\n    create_before_destroy = true\n    ignore_changes = all\n  }\n}\n",
        );
        let b = file.body.blocks().next().expect("a block");
        let d = resource(ResourceMode::Managed, b);
        assert_eq!((d.type_name, d.name), ("local_file", "a"));
        assert_eq!(d.count.map(|a| src.slice(a.expr.span)), Some("2"));
        assert!(d.for_each.is_none());
        assert_eq!(
            d.provider.map(|p| p.key(&src)).as_deref(),
            Some("local.other")
        );
        assert!(d.depends_on.is_some());
        let l = d.lifecycle.expect("lifecycle");
        assert!(l.create_before_destroy.is_some() && l.ignore_changes.is_some());
        assert!(l.prevent_destroy.is_none() && l.replace_triggered_by.is_none());
    }

    #[test]
    fn module_call_meta_arguments_become_fields() {
        let (_, file) = parse("module \"m\" {\n  source = \"./m\"\n  for_each = {}\n  x = 1\n}\n");
        let b = file.body.blocks().next().expect("a block");
        let d = module_call(b);
        assert!(d.source.is_some() && d.for_each.is_some());
        assert!(d.count.is_none() && d.depends_on.is_none());
    }
}
