//! Where each named thing of a module is declared and referenced: the
//! index behind go to definition, find references, rename and hover.

use crate::documents::Module;
use crate::nodes::{each_expr, label_inner, touches};
use infra_lang::Span;
use infra_lang::ast::{Block, BodyItem, ExprKind};
use std::collections::BTreeSet;

/// A named thing of a module.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Symbol {
    /// `variable "NAME"`, referenced as `var.NAME`.
    Variable(String),
    /// A `locals` attribute, referenced as `local.NAME`.
    Local(String),
    /// `const "NAME"`, referenced as `const.NAME`.
    Const(String),
    /// `function "NAME"`, called as `NAME(...)`.
    Function(String),
    /// `module "NAME"`, referenced as `module.NAME`.
    Module(String),
    /// `output "NAME"`.
    Output(String),
    /// `resource "TYPE" "NAME"`, referenced as `TYPE.NAME`.
    Resource(String, String),
    /// `data "TYPE" "NAME"`, referenced as `data.TYPE.NAME`.
    Data(String, String),
}

impl Symbol {
    /// How the symbol is written in an expression (`var.region`).
    pub fn reference(&self) -> String {
        match self {
            Symbol::Variable(n) => format!("var.{n}"),
            Symbol::Local(n) => format!("local.{n}"),
            Symbol::Const(n) => format!("const.{n}"),
            Symbol::Function(n) => format!("{n}()"),
            Symbol::Module(n) => format!("module.{n}"),
            Symbol::Output(n) => format!("output.{n}"),
            Symbol::Resource(t, n) => format!("{t}.{n}"),
            Symbol::Data(t, n) => format!("data.{t}.{n}"),
        }
    }

    /// The part of the symbol a rename changes.
    pub fn name(&self) -> &str {
        match self {
            Symbol::Variable(n)
            | Symbol::Local(n)
            | Symbol::Const(n)
            | Symbol::Function(n)
            | Symbol::Module(n)
            | Symbol::Output(n)
            | Symbol::Resource(_, n)
            | Symbol::Data(_, n) => n,
        }
    }
}

/// One place a symbol's name is written.
#[derive(Clone, Debug)]
pub struct Occurrence {
    /// What is named.
    pub symbol: Symbol,
    /// Index of the file in the module.
    pub file: usize,
    /// The name's bytes (a label without its quotes).
    pub span: Span,
    /// A declaration rather than a reference.
    pub decl: bool,
    /// Inside a `moved` block: a step of the object's address history,
    /// which a rename leaves as it is (it appends the next step).
    pub in_moved: bool,
}

/// The symbol a top-level block declares, and the span of its name.
pub fn declared(text: &str, b: &Block) -> Option<(Symbol, Span)> {
    let label = |i: usize| {
        b.labels
            .get(i)
            .map(|l| (l.value.clone(), label_inner(text, l.span)))
    };
    let (symbol, span) = match b.kind.name.as_str() {
        "variable" => label(0).map(|(n, s)| (Symbol::Variable(n), s))?,
        "const" => label(0).map(|(n, s)| (Symbol::Const(n), s))?,
        "function" => label(0).map(|(n, s)| (Symbol::Function(n), s))?,
        "module" => label(0).map(|(n, s)| (Symbol::Module(n), s))?,
        "output" => label(0).map(|(n, s)| (Symbol::Output(n), s))?,
        "resource" => {
            let (t, _) = label(0)?;
            label(1).map(|(n, s)| (Symbol::Resource(t, n), s))?
        }
        "data" => {
            let (t, _) = label(0)?;
            label(1).map(|(n, s)| (Symbol::Data(t, n), s))?
        }
        _ => return None,
    };
    Some((symbol, span))
}

/// Every declaration and reference in `module`, in file order.
pub fn occurrences(module: &Module) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let mut functions = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for (fi, f) in module.files.iter().enumerate() {
        let text = f.source.text();
        for item in &f.ast.body.items {
            let BodyItem::Block(b) = item else { continue };
            if b.kind.name == "locals" {
                for a in b.body.attributes() {
                    out.push(Occurrence {
                        symbol: Symbol::Local(a.name.name.clone()),
                        file: fi,
                        span: a.name.span,
                        decl: true,
                        in_moved: false,
                    });
                }
            }
            if let Some((symbol, span)) = declared(text, b) {
                match &symbol {
                    Symbol::Function(n) => {
                        functions.insert(n.clone());
                    }
                    Symbol::Resource(t, _) => {
                        resources.insert(t.clone());
                    }
                    _ => {}
                }
                out.push(Occurrence {
                    symbol,
                    file: fi,
                    span,
                    decl: true,
                    in_moved: false,
                });
            }
        }
    }
    for (fi, f) in module.files.iter().enumerate() {
        each_expr(&f.ast.body, &mut |blocks, _attr, e| {
            let in_moved = blocks.first().is_some_and(|b| b.kind.name == "moved");
            let mut push = |symbol: Symbol, span: Span| {
                out.push(Occurrence {
                    symbol,
                    file: fi,
                    span,
                    decl: false,
                    in_moved,
                });
            };
            match &e.kind {
                ExprKind::FunctionCall { name, .. } if functions.contains(&name.name) => {
                    push(Symbol::Function(name.name.clone()), name.span);
                }
                ExprKind::GetAttr { object, name } => match &object.kind {
                    ExprKind::Variable(root) => {
                        let n = name.name.clone();
                        let symbol = match root.name.as_str() {
                            "var" => Symbol::Variable(n),
                            "local" => Symbol::Local(n),
                            "const" => Symbol::Const(n),
                            "module" => Symbol::Module(n),
                            t if resources.contains(t) => Symbol::Resource(t.to_string(), n),
                            _ => return,
                        };
                        push(symbol, name.span);
                    }
                    ExprKind::GetAttr {
                        object: inner,
                        name: type_name,
                    } if matches!(&inner.kind, ExprKind::Variable(r) if r.name == "data") => {
                        push(
                            Symbol::Data(type_name.name.clone(), name.name.clone()),
                            name.span,
                        );
                    }
                    _ => {}
                },
                _ => {}
            }
        });
    }
    out
}

/// The occurrence at `offset` in file `file`, if any.
pub fn at(all: &[Occurrence], file: usize, offset: usize) -> Option<&Occurrence> {
    all.iter()
        .find(|o| o.file == file && touches(o.span, offset))
}
