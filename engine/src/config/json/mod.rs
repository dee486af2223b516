//! Terraform's JSON configuration syntax (`*.tf.json`, `*.tfvars.json`)
//! read into the same syntax tree as `.tf` text, with spans into the JSON
//! text. Mirrors HCL's `json` package as Terraform's `internal/configs`
//! decodes it (developer.hashicorp.com/terraform/language/syntax/json):
//!
//! - a block type's value is an object of labels, one level per label,
//!   down to the body object; an array at any level gives several blocks;
//! - a property named `"//"` of a body or label object is a comment;
//! - a string in an expression is a template (`"${var.x}"` alone is the
//!   value itself); where Terraform expects a reference or keyword
//!   (`depends_on`, `provider`, `type`, `ignore_changes`, `moved`'s
//!   `from`/`to`, ...) it is parsed as an expression; where Terraform
//!   evaluates without a context (a variable's `default` and
//!   `description`, a module's `source` and `version`, the `terraform`
//!   block) it is taken literally, `${` included;
//! - nested blocks of provider schemas are written as attributes whose
//!   value is an object (or an array of objects): the evaluator gives both
//!   forms the same value, which the schema then shapes.

pub mod parse;

use infra_lang::ast::{
    Attribute, Block, Body, BodyItem, Expr, ExprKind, File, Ident, Label, ObjectItem, Template,
    TemplateKind, TemplatePart,
};
use infra_lang::{Diagnostic, SourceFile, Span, syntax};
use parse::{Json, JsonKind, Member};
use std::sync::Arc;

/// Whether `name` is a file of Terraform's JSON syntax: `*.tf.json`,
/// `*.tfvars.json`.
pub fn is_json_file(name: &str) -> bool {
    name.ends_with(".tf.json") || name.ends_with(".tfvars.json")
}

/// Reads a `*.tf.json` file into a syntax tree (see the module docs).
/// `None` with the diagnostics when the text is not JSON
/// (`syntax::json`), a value has the wrong shape for its place
/// (`syntax::json-structure`), or a string is not a valid template or
/// expression (the `syntax::*` codes of `.tf` text).
pub fn parse_config(source: &Arc<SourceFile>) -> (Option<File>, Vec<Diagnostic>) {
    let mut lower = Lower::new(source);
    let Some(root) = lower.root() else {
        return (None, lower.diags);
    };
    let body = lower.body(&root, Ctx::Top);
    lower.finish(body)
}

/// Reads a `*.tfvars.json` file: one object of variable values, taken
/// literally (strings are not templates), as Terraform reads them; a
/// `"//"` property is a comment.
pub fn parse_vars(source: &Arc<SourceFile>) -> (Option<File>, Vec<Diagnostic>) {
    let mut lower = Lower::new(source);
    let Some(root) = lower.root() else {
        return (None, lower.diags);
    };
    let items = root
        .iter()
        .filter(|m| m.key != "//")
        .map(|m| lower.attribute(m, Mode::Literal))
        .collect();
    lower.finish(Body { items })
}

/// Where a JSON object is read as a block body: which properties are
/// nested blocks (and how many labels they have) and how each attribute's
/// strings are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    Top,
    Settings,
    RequiredProviders,
    Literal,
    Variable,
    Condition,
    Locals,
    Output,
    Module,
    Provider,
    Resource,
    Lifecycle,
    Provisioner,
    Dynamic,
    Moved,
    Import,
    Removed,
    Check,
    Generic,
}

/// How the strings of an attribute's value are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// As templates (`"${...}"`), keys included.
    Template,
    /// As literal text.
    Literal,
    /// As expressions (references and keywords).
    Expr,
    /// A `required_providers` entry: literal, but `configuration_aliases`
    /// holds references.
    Requirement,
}

impl Ctx {
    /// The nested block `key` of a body here: its label count and the
    /// context of its body.
    fn block(self, key: &str) -> Option<(usize, Ctx)> {
        Some(match (self, key) {
            (Ctx::Top, "terraform" | "infra") => (0, Ctx::Settings),
            (Ctx::Top, "variable" | "const") => (1, Ctx::Variable),
            (Ctx::Top, "locals") => (0, Ctx::Locals),
            (Ctx::Top, "output") => (1, Ctx::Output),
            (Ctx::Top, "module") => (1, Ctx::Module),
            (Ctx::Top, "provider") => (1, Ctx::Provider),
            (Ctx::Top, "resource" | "data" | "ephemeral") => (2, Ctx::Resource),
            (Ctx::Top, "moved") => (0, Ctx::Moved),
            (Ctx::Top, "import") => (0, Ctx::Import),
            (Ctx::Top, "removed") => (0, Ctx::Removed),
            (Ctx::Top, "check") => (1, Ctx::Check),
            (Ctx::Top, "backend") => (1, Ctx::Literal),
            (Ctx::Top, other) => (
                super::blocks::spec(other).map_or(0, |s| s.labels.len()),
                Ctx::Generic,
            ),
            (Ctx::Settings, "required_providers") => (0, Ctx::RequiredProviders),
            (Ctx::Settings, "backend" | "provider_meta") => (1, Ctx::Literal),
            (Ctx::Settings, "cloud") => (0, Ctx::Literal),
            (Ctx::Settings, "encryption") => (0, Ctx::Generic),
            (Ctx::Literal, "workspaces") => (0, Ctx::Literal),
            (Ctx::Variable, "validation") => (0, Ctx::Condition),
            (Ctx::Output, "precondition") => (0, Ctx::Condition),
            (Ctx::Resource, "lifecycle") | (Ctx::Removed, "lifecycle") => (0, Ctx::Lifecycle),
            (Ctx::Resource | Ctx::Removed, "provisioner") => (1, Ctx::Provisioner),
            (Ctx::Resource | Ctx::Removed | Ctx::Provisioner, "connection") => (0, Ctx::Generic),
            (Ctx::Resource, "dynamic") => (1, Ctx::Dynamic),
            (Ctx::Dynamic, "content") => (0, Ctx::Resource),
            (Ctx::Lifecycle, "precondition" | "postcondition") => (0, Ctx::Condition),
            (Ctx::Check, "data") => (2, Ctx::Resource),
            (Ctx::Check, "assert") => (0, Ctx::Condition),
            _ => return None,
        })
    }

    /// How the attribute `key` of a body here is read.
    fn mode(self, key: &str) -> Mode {
        match (self, key) {
            (Ctx::Settings | Ctx::Literal, _) => Mode::Literal,
            (Ctx::RequiredProviders, _) => Mode::Requirement,
            (Ctx::Variable, "type") => Mode::Expr,
            (Ctx::Variable, _) => Mode::Literal,
            (Ctx::Output, "description") => Mode::Literal,
            (Ctx::Module, "source" | "version") => Mode::Literal,
            (Ctx::Provider, "alias") => Mode::Literal,
            (
                Ctx::Output | Ctx::Module | Ctx::Resource,
                "depends_on" | "provider" | "providers",
            )
            | (Ctx::Lifecycle, "ignore_changes" | "replace_triggered_by")
            | (Ctx::Provisioner, "when" | "on_failure")
            | (Ctx::Dynamic, "iterator")
            | (Ctx::Moved, "from" | "to")
            | (Ctx::Removed, "from")
            | (Ctx::Import, "to" | "provider") => Mode::Expr,
            _ => Mode::Template,
        }
    }
}

/// The lowering of one file: its source and the diagnostics so far.
struct Lower<'s> {
    source: &'s Arc<SourceFile>,
    diags: Vec<Diagnostic>,
}

impl<'s> Lower<'s> {
    fn new(source: &'s Arc<SourceFile>) -> Self {
        Lower {
            source,
            diags: Vec::new(),
        }
    }

    /// The file's top-level object's members; `None` after a diagnostic.
    fn root(&mut self) -> Option<Vec<Member>> {
        match parse::parse(self.source.text()) {
            Ok(Json {
                kind: JsonKind::Object(members),
                ..
            }) => Some(members),
            Ok(other) => {
                self.shape(other.span, "the file must hold one JSON object");
                None
            }
            Err(e) => {
                self.diags.push(
                    Diagnostic::error("syntax::json", format!("invalid JSON: {}", e.message))
                        .in_file(self.source)
                        .primary(e.span, "here")
                        .with_help("A .tf.json file holds one JSON object (RFC 8259); see docs/migrating-from-terraform.md."),
                );
                None
            }
        }
    }

    fn finish(self, body: Body) -> (Option<File>, Vec<Diagnostic>) {
        let ok = !infra_lang::diagnostic::has_errors(&self.diags);
        (ok.then_some(File { body }), self.diags)
    }

    /// `syntax::json-structure` at `span`.
    fn shape(&mut self, span: Span, message: &str) {
        self.diags.push(
            Diagnostic::error("syntax::json-structure", message.to_string())
                .in_file(self.source)
                .primary(span, "here")
                .with_help("Terraform's JSON syntax: a block is an object of its labels down to its body object (or an array of them); see developer.hashicorp.com/terraform/language/syntax/json."),
        );
    }

    /// The items of a body object read in `ctx`; `"//"` members are
    /// comments.
    fn body(&mut self, members: &[Member], ctx: Ctx) -> Body {
        let mut items = Vec::new();
        for m in members {
            if m.key == "//" {
                continue;
            }
            match ctx.block(&m.key) {
                Some((labels, inner)) => {
                    let kind = Ident {
                        name: m.key.clone(),
                        span: unquoted(m.key_span),
                    };
                    self.blocks(&kind, &m.value, labels, &mut Vec::new(), inner, &mut items);
                }
                None => {
                    let mode = ctx.mode(&m.key);
                    items.push(self.attribute(m, mode));
                }
            }
        }
        Body { items }
    }

    fn attribute(&mut self, m: &Member, mode: Mode) -> BodyItem {
        let expr = self.expr(&m.value, mode);
        BodyItem::Attribute(Attribute {
            name: Ident {
                name: m.key.clone(),
                span: unquoted(m.key_span),
            },
            span: m.key_span.to(m.value.span),
            expr,
        })
    }

    /// The blocks of type `kind` in `value`, which still needs `remaining`
    /// labels after `labels`.
    fn blocks(
        &mut self,
        kind: &Ident,
        value: &Json,
        remaining: usize,
        labels: &mut Vec<Label>,
        ctx: Ctx,
        out: &mut Vec<BodyItem>,
    ) {
        match &value.kind {
            JsonKind::Array(items) => {
                for item in items {
                    self.blocks(kind, item, remaining, labels, ctx, out);
                }
            }
            JsonKind::Object(members) if remaining == 0 => {
                let body = self.body(members, ctx);
                out.push(BodyItem::Block(Block {
                    kind: kind.clone(),
                    labels: labels.clone(),
                    body,
                    open_brace: Span::new(value.span.start, value.span.start + 1),
                    close_brace: Span::new(value.span.end.saturating_sub(1), value.span.end),
                    span: kind.span.to(value.span),
                }));
            }
            JsonKind::Object(members) => {
                for m in members {
                    if m.key == "//" {
                        continue;
                    }
                    labels.push(Label {
                        value: m.key.clone(),
                        span: m.key_span,
                    });
                    self.blocks(kind, &m.value, remaining - 1, labels, ctx, out);
                    labels.pop();
                }
            }
            _ => {
                let what = if remaining == 0 {
                    format!("the body of a `{}` block must be a JSON object", kind.name)
                } else {
                    format!(
                        "`{}` takes an object keyed by its {} label{}",
                        kind.name,
                        remaining,
                        if remaining == 1 { "" } else { "s" }
                    )
                };
                self.shape(value.span, &what);
            }
        }
    }

    /// An expression from a JSON value read in `mode`.
    fn expr(&mut self, value: &Json, mode: Mode) -> Expr {
        let span = value.span;
        let kind = match &value.kind {
            JsonKind::Null => ExprKind::Null,
            JsonKind::Bool(b) => ExprKind::Bool(*b),
            JsonKind::Number(n) => ExprKind::Number(n.clone()),
            JsonKind::String(s) => return self.string(s, span, mode),
            JsonKind::Array(items) => {
                ExprKind::Tuple(items.iter().map(|v| self.expr(v, mode)).collect())
            }
            JsonKind::Object(members) => ExprKind::Object(
                members
                    .iter()
                    .map(|m| {
                        let inner = match mode {
                            Mode::Requirement if m.key == "configuration_aliases" => Mode::Expr,
                            Mode::Requirement => Mode::Literal,
                            other => other,
                        };
                        let key_mode = if mode == Mode::Template {
                            Mode::Template
                        } else {
                            Mode::Literal
                        };
                        ObjectItem {
                            key: self.string(&m.key, m.key_span, key_mode),
                            value: self.expr(&m.value, inner),
                        }
                    })
                    .collect(),
            ),
        };
        Expr { kind, span }
    }

    /// A JSON string (at `span`, quotes included) read in `mode`.
    fn string(&mut self, text: &str, span: Span, mode: Mode) -> Expr {
        let at = span.start + 1;
        let raw = self
            .source
            .slice(Span::new(at, span.end.saturating_sub(1).max(at)));
        // Spans into the file: a string without escapes is the file's text;
        // one with escapes is placed byte by byte.
        let place = if raw == text {
            syntax::Place::Offset(at)
        } else {
            syntax::Place::Mapped(parse::decoded_offsets(raw, at).into())
        };
        let parsed = match mode {
            Mode::Template => syntax::parse_template_at(self.source, text, place).map(|t| Expr {
                kind: ExprKind::Template(t),
                span,
            }),
            Mode::Expr => syntax::parse_expr_at(self.source, text, place),
            Mode::Literal | Mode::Requirement => Ok(literal(text, span)),
        };
        parsed.unwrap_or_else(|d| {
            self.diags.extend(d);
            Expr {
                kind: ExprKind::Null,
                span,
            }
        })
    }
}

/// A string taken as it is.
fn literal(text: &str, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Template(Template {
            kind: TemplateKind::Quoted,
            parts: vec![TemplatePart::Literal {
                value: text.to_string(),
                span: unquoted(span),
            }],
        }),
        span,
    }
}

/// A quoted key's span without its quotes.
fn unquoted(span: Span) -> Span {
    if span.len() >= 2 {
        Span::new(span.start + 1, span.end - 1)
    } else {
        span
    }
}

#[cfg(test)]
mod tests;
