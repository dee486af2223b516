//! The declarations of a module (variables, consts, locals, functions,
//! resources, data sources, modules, outputs), collected from every file,
//! with the structural checks made while collecting: unknown block types,
//! label counts, unknown arguments, duplicates, type expressions and
//! misplaced meta-arguments.

use super::ParsedFile;
use super::blocks;
use super::{decl, meta};
use crate::addr::ResourceMode;
use infra_lang::ast::{Attribute, Block, BodyItem, Expr, ExprKind};
use infra_lang::diagnostic::{Diagnostic, did_you_mean};
use infra_lang::{SourceFile, Span};
use std::collections::hash_map::Entry;
use std::sync::Arc;

/// Where something was declared.
#[derive(Clone, Debug)]
pub struct Site {
    /// The file.
    pub source: Arc<SourceFile>,
    /// The span of its name (label or attribute name).
    pub span: Span,
}

/// A user function's declaration.
#[derive(Clone, Debug)]
pub struct FunctionDecl {
    /// Where it is declared.
    pub site: Site,
    /// Parameter names, in order.
    pub params: Vec<String>,
    /// False when `params` could not be read (its uses are then not checked,
    /// to avoid a cascade of errors from one mistake).
    pub params_ok: bool,
}

/// Declarations of one kind by name. Hash-keyed (FxHash: names are not
/// attacker-chosen) because a module may declare tens of thousands of
/// resources; iteration order is arbitrary, so sort names before showing
/// them.
pub type DeclMap<V> = rustc_hash::FxHashMap<String, V>;

/// Everything a module declares, by name.
#[derive(Clone, Debug, Default)]
pub struct Declarations {
    /// `variable "NAME"`
    pub variables: DeclMap<Site>,
    /// `const "NAME"`
    pub consts: DeclMap<Site>,
    /// attributes of `locals` blocks
    pub locals: DeclMap<Site>,
    /// `function "NAME"`
    pub functions: DeclMap<FunctionDecl>,
    /// `resource "TYPE" "NAME"`, keyed `TYPE.NAME`
    pub resources: DeclMap<Site>,
    /// `data "TYPE" "NAME"`, keyed `TYPE.NAME`
    pub data: DeclMap<Site>,
    /// `module "NAME"`
    pub modules: DeclMap<Site>,
    /// `output "NAME"`
    pub outputs: DeclMap<Site>,
    /// `check "NAME"`
    pub checks: DeclMap<Site>,
    /// `provider "TYPE"`, keyed `TYPE` or `TYPE.ALIAS`
    pub providers: DeclMap<Site>,
}

struct Indexer<'d> {
    diags: &'d mut Vec<Diagnostic>,
    decls: Declarations,
}

pub(super) fn literal_string(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Template(t) => t.as_literal(),
        _ => None,
    }
}

impl Indexer<'_> {
    fn declare(
        &mut self,
        kind: &str,
        map: fn(&mut Declarations) -> &mut DeclMap<Site>,
        key: String,
        site: Site,
    ) {
        let prev = match map(&mut self.decls).entry(key) {
            Entry::Vacant(v) => {
                v.insert(site);
                return;
            }
            Entry::Occupied(o) => o,
        };
        let (key, prev) = (prev.key(), prev.get());
        let same_file = Arc::ptr_eq(&prev.source, &site.source);
        let mut d = Diagnostic::error(
            "duplicate::declaration",
            format!("{kind} `{key}` is declared more than once"),
        )
        .in_file(&site.source)
        .primary(site.span, "declared again here");
        d = if same_file {
            d.secondary(prev.span, "first declared here")
        } else {
            let at = prev.source.line_col(prev.span.start);
            d.with_help(format!(
                "The first declaration is in {} at line {}; rename one of them.",
                prev.source.path(),
                at.line
            ))
        };
        if same_file {
            d = d.with_help(
                "Each name can be declared once per module; rename or remove one of them.",
            );
        }
        self.diags.push(d);
    }

    fn unknown_attribute(
        &mut self,
        src: &Arc<SourceFile>,
        a: &Attribute,
        allowed: &[&str],
        in_what: &str,
    ) {
        let help = match did_you_mean(&a.name.name, allowed.iter().copied()) {
            Some(s) => format!("Did you mean `{s}`?"),
            None if allowed.is_empty() => format!("{in_what} takes no arguments here."),
            None => format!("{in_what} accepts: {}.", allowed.join(", ")),
        };
        self.diags.push(
            Diagnostic::error(
                "block::unknown-argument",
                format!("unknown argument `{}` in {in_what}", a.name.name),
            )
            .in_file(src)
            .primary(a.name.span, "not expected here")
            .with_help(help),
        );
    }

    fn unknown_block(&mut self, src: &Arc<SourceFile>, b: &Block, allowed: &[&str], in_what: &str) {
        let help = match did_you_mean(&b.kind.name, allowed.iter().copied()) {
            Some(s) => format!("Did you mean `{s}`?"),
            None if allowed.is_empty() => format!("{in_what} takes no nested blocks."),
            None => format!("{in_what} accepts the blocks: {}.", allowed.join(", ")),
        };
        self.diags.push(
            Diagnostic::error(
                "block::unknown-block",
                format!("unexpected `{}` block in {in_what}", b.kind.name),
            )
            .in_file(src)
            .primary(b.kind.span, "not expected here")
            .with_help(help),
        );
    }

    fn check_type(&mut self, src: &Arc<SourceFile>, e: &Expr) {
        if let Err(mut d) = infra_lang::types::parse_type(src, e) {
            self.diags.append(&mut d);
        }
    }

    fn top_block(&mut self, src: &Arc<SourceFile>, b: &Block) {
        let Some(spec) = blocks::spec(&b.kind.name) else {
            let names = blocks::BLOCK_TYPES.iter().map(|s| s.name);
            let help = match did_you_mean(&b.kind.name, names) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => format!(
                    "Top-level blocks are: {}.",
                    blocks::BLOCK_TYPES
                        .iter()
                        .map(|s| s.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.diags.push(
                Diagnostic::error(
                    "block::unknown-type",
                    format!("unknown block type `{}`", b.kind.name),
                )
                .in_file(src)
                .primary(b.kind.span, "not a block type infra knows")
                .with_help(help),
            );
            return;
        };
        if b.labels.len() != spec.labels.len() {
            let want = match spec.labels {
                [] => "no labels".to_string(),
                [one] => format!("one label ({one})"),
                many => format!("{} labels ({})", many.len(), many.join(", ")),
            };
            let span = if b.labels.is_empty() {
                b.kind.span
            } else {
                b.labels[0].span.to(b.labels[b.labels.len() - 1].span)
            };
            let example = spec
                .labels
                .iter()
                .map(|l| format!(" \"{l}\""))
                .collect::<String>();
            self.diags.push(
                Diagnostic::error(
                    "block::label-count",
                    format!(
                        "a `{}` block takes {want}, found {}",
                        spec.name,
                        b.labels.len()
                    ),
                )
                .in_file(src)
                .primary(
                    span,
                    format!(
                        "{} label{}",
                        b.labels.len(),
                        if b.labels.len() == 1 { "" } else { "s" }
                    ),
                )
                .with_help(format!("Write it as `{}{example} {{ ... }}`.", spec.name)),
            );
            return;
        }
        // "a `variable` block", made only when a diagnostic needs it.
        let in_what = || {
            let article = if spec.name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{article} `{}` block", spec.name)
        };
        for item in &b.body.items {
            match item {
                BodyItem::Attribute(a) => {
                    if let Some(allowed) = spec.attributes
                        && !allowed.contains(&a.name.name.as_str())
                    {
                        self.unknown_attribute(src, a, allowed, &in_what());
                    }
                }
                BodyItem::Block(nested) => {
                    if let Some(allowed) = spec.blocks
                        && !allowed.contains(&nested.kind.name.as_str())
                    {
                        self.unknown_block(src, nested, allowed, &in_what());
                    }
                }
            }
        }
        let site = |i: usize| Site {
            source: src.clone(),
            span: b.labels.get(i).map_or(b.kind.span, |l| l.span),
        };
        let label = |i: usize| b.labels.get(i).map(|l| l.value.clone()).unwrap_or_default();
        match spec.name {
            "variable" => {
                self.declare("variable", |d| &mut d.variables, label(0), site(0));
                if let Some(t) = decl::variable(b).type_expr {
                    self.check_type(src, &t.expr);
                }
            }
            "const" => {
                self.declare("const", |d| &mut d.consts, label(0), site(0));
                if let Some(t) = b.body.attribute(meta::TYPE) {
                    self.check_type(src, &t.expr);
                }
            }
            "locals" => {
                for a in b.body.attributes() {
                    self.declare(
                        "local value",
                        |d| &mut d.locals,
                        a.name.name.clone(),
                        Site {
                            source: src.clone(),
                            span: a.name.span,
                        },
                    );
                }
            }
            "function" => self.function(src, b, label(0), site(0)),
            "resource" | "data" => {
                let key = format!("{}.{}", label(0), label(1));
                let mode = if spec.name == "resource" {
                    self.declare("resource", |d| &mut d.resources, key, site(1));
                    ResourceMode::Managed
                } else {
                    self.declare("data source", |d| &mut d.data, key, site(1));
                    ResourceMode::Data
                };
                let d = decl::resource(mode, b);
                self.repetition(src, d.count, d.for_each);
                self.lifecycle_blocks(src, b, mode);
            }
            "module" => {
                self.declare("module", |d| &mut d.modules, label(0), site(0));
                let d = decl::module_call(b);
                // A module block accepts no nested blocks (reported as
                // unknown-block), so no `lifecycle` either.
                self.repetition(src, d.count, d.for_each);
                match d.source {
                    None => self.diags.push(
                        Diagnostic::error("block::missing-argument", format!("module `{}` has no `source`", label(0)))
                            .in_file(src)
                            .primary(b.labels[0].span, "this module")
                            .with_help("Add `source = \"./path/to/module\"` or `source = \"std/NAME\"`."),
                    ),
                    Some(a)
                        if !matches!(
                            a.expr.kind,
                            ExprKind::Template(_) | ExprKind::Variable(_) | ExprKind::GetAttr { .. } | ExprKind::Index { .. }
                        ) =>
                    {
                        self.diags.push(
                        Diagnostic::error("module::dynamic-source", "a module's `source` must be known before anything runs")
                            .in_file(src)
                            .primary(a.expr.span, "not a literal string or const")
                            .with_help("Use a quoted path, or a `const` value: `source = const.module_path`."),
                        )
                    }
                    Some(_) => {}
                }
            }
            "output" => self.declare("output", |d| &mut d.outputs, label(0), site(0)),
            "check" => {
                self.declare("check", |d| &mut d.checks, label(0), site(0));
                // A `data` block inside a `check` is scoped to it but is
                // referenced with the usual `data.TYPE.NAME`.
                for nested in b
                    .body
                    .blocks()
                    .filter(|n| n.kind.name == "data" && n.labels.len() == 2)
                {
                    let key = format!("{}.{}", nested.labels[0].value, nested.labels[1].value);
                    let site = Site {
                        source: src.clone(),
                        span: nested.labels[1].span,
                    };
                    self.declare("data source", |d| &mut d.data, key, site);
                }
            }
            "provider" => {
                let key = match b
                    .body
                    .attribute(meta::ALIAS)
                    .and_then(|a| literal_string(&a.expr))
                {
                    Some(alias) => format!("{}.{alias}", label(0)),
                    None => label(0),
                };
                self.declare("provider configuration", |d| &mut d.providers, key, site(0));
            }
            _ => {}
        }
    }

    fn function(&mut self, src: &Arc<SourceFile>, b: &Block, name: String, site: Site) {
        let mut params = Vec::new();
        let errors_before = self.diags.len();
        if let Some(a) = b.body.attribute("params") {
            match &a.expr.kind {
                ExprKind::Object(items) => {
                    for item in items {
                        let key = match &item.key.kind {
                            ExprKind::Variable(id) => Some(id.name.clone()),
                            _ => literal_string(&item.key),
                        };
                        match key {
                            Some(key) => {
                                if params.contains(&key) {
                                    self.diags.push(
                                        Diagnostic::error(
                                            "duplicate::parameter",
                                            format!("parameter `{key}` is declared twice"),
                                        )
                                        .in_file(src)
                                        .primary(item.key.span, "declared again here")
                                        .with_help("Each parameter needs its own name."),
                                    );
                                }
                                params.push(key);
                            }
                            None => self.diags.push(
                                Diagnostic::error(
                                    "function::invalid-params",
                                    "parameter names must be plain names",
                                )
                                .in_file(src)
                                .primary(item.key.span, "not a name")
                                .with_help("Write `params = { name = string }`."),
                            ),
                        }
                        self.check_type(src, &item.value);
                    }
                }
                _ => self.diags.push(
                    Diagnostic::error(
                        "function::invalid-params",
                        "`params` must be an object of parameter types",
                    )
                    .in_file(src)
                    .primary(a.expr.span, "expected `{ name = type, ... }`")
                    .with_help("Write `params = { purpose = string }`."),
                ),
            }
        }
        if b.body.attribute("result").is_none() {
            self.diags.push(
                Diagnostic::error(
                    "block::missing-argument",
                    format!("function `{name}` has no `result`"),
                )
                .in_file(src)
                .primary(site.span, "this function")
                .with_help("Add `result = <expression>`: the value the function returns."),
            );
        }
        if infra_stdlib::lookup(&name).is_some() {
            self.diags.push(
                Diagnostic::error(
                    "function::shadows-builtin",
                    format!("function `{name}` has the name of a built-in function"),
                )
                .in_file(src)
                .primary(site.span, "built-in name")
                .with_help("Choose another name; built-in functions cannot be redefined."),
            );
        }
        if let Some(prev) = self.decls.functions.get(&name) {
            self.diags.push(
                Diagnostic::error(
                    "duplicate::declaration",
                    format!("function `{name}` is declared more than once"),
                )
                .in_file(&site.source)
                .primary(site.span, "declared again here")
                .with_help(format!(
                    "The first declaration is in {}.",
                    prev.site.source.path()
                )),
            );
            return;
        }
        let params_ok = !self.diags[errors_before..]
            .iter()
            .any(|d| d.code == "function::invalid-params");
        self.decls.functions.insert(
            name,
            FunctionDecl {
                site,
                params,
                params_ok,
            },
        );
    }

    /// `count` and `for_each` set together.
    fn repetition(
        &mut self,
        src: &Arc<SourceFile>,
        count: Option<&Attribute>,
        for_each: Option<&Attribute>,
    ) {
        if let (Some(c), Some(f)) = (count, for_each) {
            let (first, second) = if c.span.start < f.span.start {
                (c, f)
            } else {
                (f, c)
            };
            self.diags.push(
                Diagnostic::error("meta::count-and-for-each", "`count` and `for_each` cannot be used together")
                    .in_file(src)
                    .primary(second.name.span, "second repetition argument")
                    .secondary(first.name.span, "first one here")
                    .with_help("Use `for_each` for instances keyed by name, or `count` for numbered ones — not both."),
            );
        }
    }

    /// The arguments of every `lifecycle` block of resource or data block
    /// `b`.
    fn lifecycle_blocks(&mut self, src: &Arc<SourceFile>, b: &Block, mode: ResourceMode) {
        for nested in b.body.blocks() {
            if nested.kind.name != meta::LIFECYCLE {
                continue;
            }
            for a in nested.body.attributes() {
                if mode == ResourceMode::Data {
                    self.diags.push(
                        Diagnostic::error("meta::misplaced", format!("`{}` is only allowed in a resource's `lifecycle`", a.name.name))
                            .in_file(src)
                            .primary(a.name.span, "not allowed for a data source")
                            .with_help("A data source's `lifecycle` may hold only `precondition` and `postcondition` blocks."),
                    );
                } else if !meta::LIFECYCLE_ARGS.contains(&a.name.name.as_str()) {
                    self.unknown_attribute(src, a, meta::LIFECYCLE_ARGS, "a `lifecycle` block");
                }
            }
            for cb in nested.body.blocks() {
                if !meta::LIFECYCLE_BLOCKS.contains(&cb.kind.name.as_str()) {
                    self.unknown_block(src, cb, meta::LIFECYCLE_BLOCKS, "a `lifecycle` block");
                }
            }
        }
    }
}

/// Collects the declarations of `files`, reporting structural problems.
pub(crate) fn index(files: &[ParsedFile], diags: &mut Vec<Diagnostic>) -> Declarations {
    let mut ix = Indexer {
        diags,
        decls: Declarations::default(),
    };
    for f in files {
        for item in &f.ast.body.items {
            match item {
                BodyItem::Block(b) => ix.top_block(&f.source, b),
                BodyItem::Attribute(a) => ix.diags.push(
                    Diagnostic::error("block::unexpected-argument", format!("unexpected argument `{}` at top level", a.name.name))
                        .in_file(&f.source)
                        .primary(a.name.span, "arguments belong inside a block")
                        .with_help(format!(
                            "Put it inside `locals {{ ... }}` to name a value (then use `local.{}`), or inside the block it configures.",
                            a.name.name
                        )),
                ),
            }
        }
    }
    ix.decls
}
