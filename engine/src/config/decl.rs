//! Typed declarations: a `resource`/`data` block, its `lifecycle`, a
//! `module` call, a `variable`, an `output`, a `check`, and the `moved`,
//! `removed` and `import` blocks, each lowered in one pass over the
//! block's items into fields (`count`, `for_each`, `provider`,
//! `depends_on`, `lifecycle`, `source`, `default`, `sensitive`, `from`,
//! ...), so that the static checks, evaluation, planning and import read
//! fields instead of looking arguments up by name. A declaration borrows
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

impl<'a> LifecycleDecl<'a> {
    /// Its `precondition` (`post` false) or `postcondition` (`post` true)
    /// blocks, in order.
    pub fn conditions(&self, post: bool) -> impl Iterator<Item = ConditionDecl<'a>> + 'a {
        let kind = if post {
            meta::POSTCONDITION
        } else {
            meta::PRECONDITION
        };
        conditions_of(self.block, kind)
    }

    /// Whether it has any `precondition` or `postcondition` block.
    pub fn has_conditions(&self) -> bool {
        self.conditions(false).next().is_some() || self.conditions(true).next().is_some()
    }
}

/// The nested blocks of kind `kind` (`precondition`, `postcondition`,
/// `assert`) of `b`, lowered.
fn conditions_of<'a>(b: &'a Block, kind: &'a str) -> impl Iterator<Item = ConditionDecl<'a>> + 'a {
    b.body
        .blocks()
        .filter(move |n| n.kind.name == kind)
        .map(condition)
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
    /// `providers = { aws.west = aws.usw2 }`: provider configurations
    /// passed to the module.
    pub providers: Option<&'a Attribute>,
}

/// A `variable "NAME"` block. Mirrors Terraform's input variables.
#[derive(Clone, Debug)]
pub struct VariableDecl<'a> {
    /// The block (its first label's span places "declared here").
    pub block: &'a Block,
    /// `type = TYPE` (`any` when absent).
    pub type_expr: Option<&'a Attribute>,
    /// `default = ...`: the value when none is given.
    pub default: Option<&'a Attribute>,
    /// `description = "..."`.
    pub description: Option<&'a Attribute>,
    /// `sensitive = BOOL` (default false).
    pub sensitive: Option<&'a Attribute>,
    /// `nullable = BOOL` (default true).
    pub nullable: Option<&'a Attribute>,
    /// Every `validation` block, in order.
    pub validations: Vec<ConditionDecl<'a>>,
}

/// A `validation` block of a variable, an `assert` block of a check, or a
/// `precondition`/`postcondition` block: a condition and the message
/// shown when it is false.
#[derive(Clone, Copy, Debug)]
pub struct ConditionDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// `condition = BOOL`.
    pub condition: Option<&'a Attribute>,
    /// `error_message = "..."`.
    pub error_message: Option<&'a Attribute>,
}

/// An `output "NAME"` block.
#[derive(Clone, Copy, Debug)]
pub struct OutputDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// `value = ...`.
    pub value: Option<&'a Attribute>,
    /// `sensitive = BOOL` (default false).
    pub sensitive: Option<&'a Attribute>,
}

impl<'a> OutputDecl<'a> {
    /// Its `precondition` blocks, in order.
    pub fn preconditions(&self) -> impl Iterator<Item = ConditionDecl<'a>> + 'a {
        conditions_of(self.block, meta::PRECONDITION)
    }
}

/// A `check "NAME"` block: its assertions, in order.
#[derive(Clone, Debug)]
pub struct CheckDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// Every `assert` block, in order.
    pub asserts: Vec<ConditionDecl<'a>>,
}

/// A `moved` block: an object's old and new address.
#[derive(Clone, Copy, Debug)]
pub struct MovedDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// `from = ADDRESS`.
    pub from: Option<&'a Attribute>,
    /// `to = ADDRESS`.
    pub to: Option<&'a Attribute>,
}

/// A `removed` block: an address to forget or destroy.
#[derive(Clone, Debug)]
pub struct RemovedDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// `from = ADDRESS`.
    pub from: Option<&'a Attribute>,
    /// Every `lifecycle` block, in order (each `destroy` in them is read;
    /// the last one counts).
    pub lifecycles: Vec<&'a Block>,
}

/// An `import` block: an existing object adopted at an address.
#[derive(Clone, Copy, Debug)]
pub struct ImportDecl<'a> {
    /// The block.
    pub block: &'a Block,
    /// `to = ADDRESS`: may name a resource not written yet.
    pub to: Option<&'a Attribute>,
    /// `id = "..."`: the object's id at the provider.
    pub id: Option<&'a Attribute>,
    /// `provider = NAME.ALIAS`: the provider configuration that imports.
    pub provider: Option<ProviderRef<'a>>,
    /// `for_each = ...`: one import per element, `each` bound.
    pub for_each: Option<&'a Attribute>,
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
        providers: None,
    };
    for a in b.body.attributes() {
        match a.name.name.as_str() {
            meta::SOURCE => first(&mut d.source, a),
            meta::PROVIDERS => first(&mut d.providers, a),
            meta::COUNT => first(&mut d.count, a),
            meta::FOR_EACH => first(&mut d.for_each, a),
            meta::DEPENDS_ON => first(&mut d.depends_on, a),
            _ => {}
        }
    }
    d
}

/// Lowers `variable` block `b`.
pub fn variable(b: &Block) -> VariableDecl<'_> {
    let mut d = VariableDecl {
        block: b,
        type_expr: None,
        default: None,
        description: None,
        sensitive: None,
        nullable: None,
        validations: Vec::new(),
    };
    for item in &b.body.items {
        match item {
            BodyItem::Attribute(a) => match a.name.name.as_str() {
                meta::TYPE => first(&mut d.type_expr, a),
                meta::DEFAULT => first(&mut d.default, a),
                meta::DESCRIPTION => first(&mut d.description, a),
                meta::SENSITIVE => first(&mut d.sensitive, a),
                meta::NULLABLE => first(&mut d.nullable, a),
                _ => {}
            },
            BodyItem::Block(nb) if nb.kind.name == meta::VALIDATION => {
                d.validations.push(condition(nb));
            }
            BodyItem::Block(_) => {}
        }
    }
    d
}

/// Lowers a `validation`, `assert`, `precondition` or `postcondition`
/// block `b`.
pub fn condition(b: &Block) -> ConditionDecl<'_> {
    let mut d = ConditionDecl {
        block: b,
        condition: None,
        error_message: None,
    };
    for a in b.body.attributes() {
        match a.name.name.as_str() {
            meta::CONDITION => first(&mut d.condition, a),
            meta::ERROR_MESSAGE => first(&mut d.error_message, a),
            _ => {}
        }
    }
    d
}

/// Lowers `output` block `b`.
pub fn output(b: &Block) -> OutputDecl<'_> {
    let mut d = OutputDecl {
        block: b,
        value: None,
        sensitive: None,
    };
    for a in b.body.attributes() {
        match a.name.name.as_str() {
            meta::VALUE => first(&mut d.value, a),
            meta::SENSITIVE => first(&mut d.sensitive, a),
            _ => {}
        }
    }
    d
}

/// Lowers `check` block `b`.
pub fn check(b: &Block) -> CheckDecl<'_> {
    CheckDecl {
        block: b,
        asserts: conditions_of(b, meta::ASSERT).collect(),
    }
}

/// Lowers `moved` block `b`.
pub fn moved(b: &Block) -> MovedDecl<'_> {
    let mut d = MovedDecl {
        block: b,
        from: None,
        to: None,
    };
    for a in b.body.attributes() {
        match a.name.name.as_str() {
            meta::FROM => first(&mut d.from, a),
            meta::TO => first(&mut d.to, a),
            _ => {}
        }
    }
    d
}

/// Lowers `removed` block `b`.
pub fn removed(b: &Block) -> RemovedDecl<'_> {
    let mut d = RemovedDecl {
        block: b,
        from: None,
        lifecycles: Vec::new(),
    };
    for item in &b.body.items {
        match item {
            BodyItem::Attribute(a) if a.name.name == meta::FROM => first(&mut d.from, a),
            BodyItem::Block(nb) if nb.kind.name == meta::LIFECYCLE => d.lifecycles.push(nb),
            _ => {}
        }
    }
    d
}

/// Lowers `import` block `b`.
pub fn import(b: &Block) -> ImportDecl<'_> {
    let mut d = ImportDecl {
        block: b,
        to: None,
        id: None,
        provider: None,
        for_each: None,
    };
    for a in b.body.attributes() {
        match a.name.name.as_str() {
            meta::TO => first(&mut d.to, a),
            meta::ID => first(&mut d.id, a),
            meta::PROVIDER if d.provider.is_none() => {
                d.provider = Some(ProviderRef { attribute: a });
            }
            meta::FOR_EACH => first(&mut d.for_each, a),
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

    #[test]
    fn variable_arguments_and_validations_become_fields() {
        let (src, file) = parse(
            "variable \"v\" {\n  type = string\n  default = \"a\"\n  default = \"b\"\n  sensitive = true\n  validation {\n    condition = true\n  }\n  validation {\n    condition = false\n    error_message = \"no\"\n  }\n}\n",
        );
        let b = file.body.blocks().next().expect("a block");
        let d = variable(b);
        assert_eq!(d.type_expr.map(|a| src.slice(a.expr.span)), Some("string"));
        // Of a repeated argument the first counts.
        assert_eq!(d.default.map(|a| src.slice(a.expr.span)), Some("\"a\""));
        assert!(d.sensitive.is_some() && d.nullable.is_none() && d.description.is_none());
        assert_eq!(d.validations.len(), 2);
        assert!(d.validations[0].error_message.is_none());
        assert_eq!(
            d.validations[1].condition.map(|a| src.slice(a.expr.span)),
            Some("false")
        );
    }

    #[test]
    fn output_check_and_refactoring_blocks_become_fields() {
        let (src, file) = parse(
            "output \"o\" {\n  value = 1\n}\ncheck \"c\" {\n  assert {\n    condition = true\n    error_message = \"m\"\n  }\n}\nmoved {\n  from = a.b\n  to = a.c\n}\nremoved {\n  from = a.d\n  lifecycle {\n    destroy = false\n  }\n}\nimport {\n  to = a.e\n  id = \"i\"\n}\n",
        );
        let mut blocks = file.body.blocks();
        let mut next = || blocks.next().expect("a block");
        let o = output(next());
        assert!(o.value.is_some() && o.sensitive.is_none());
        let c = check(next());
        assert_eq!(c.asserts.len(), 1);
        assert!(c.asserts[0].condition.is_some() && c.asserts[0].error_message.is_some());
        let m = moved(next());
        assert_eq!(m.from.map(|a| src.slice(a.expr.span)), Some("a.b"));
        assert_eq!(m.to.map(|a| src.slice(a.expr.span)), Some("a.c"));
        let r = removed(next());
        assert!(r.from.is_some() && r.lifecycles.len() == 1);
        let i = import(next());
        assert!(i.to.is_some() && i.id.is_some() && i.for_each.is_none());
    }
}
