//! The parser: pest grammar → our AST with spans. pest's `Pairs` and `Rule`
//! never leave this module; callers get [`crate::ast::File`] and
//! [`Diagnostic`]s.

mod build;
mod errors;
pub mod lexer;

use crate::ast::File;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use pest::Parser as _;
use std::sync::Arc;

mod grammar {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "syntax/grammar.pest"]
    pub(crate) struct Grammar;
}
pub(crate) use grammar::{Grammar, Rule};

/// Deepest expression nesting accepted (brackets, calls, templates,
/// conditionals, unary operators all count). Deeper input is reported as
/// `syntax::too-deep` instead of risking the stack.
pub const MAX_NESTING: usize = 200;

/// The result of parsing one file: the AST when the file is syntactically
/// valid, and every diagnostic found.
#[derive(Debug)]
pub struct Parsed {
    /// The syntax tree; `None` when the file has a syntax error.
    pub file: Option<File>,
    /// Syntax errors (at most a handful: parsing stops at the first error the
    /// grammar cannot get past, but structural checks report all they find).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses `source` into an AST.
///
/// Never panics and always terminates on any input: grammar failures become
/// `syntax::*` diagnostics, nesting deeper than [`MAX_NESTING`] becomes
/// `syntax::too-deep`, and pest's own stack guard turns runaway recursion into
/// an error rather than a crash.
pub fn parse(source: &Arc<SourceFile>) -> Parsed {
    let text = source.text();
    match Grammar::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let Some(file_pair) = pairs.next() else {
                return Parsed {
                    file: None,
                    diagnostics: vec![
                        Diagnostic::error("syntax::unexpected-token", "empty parse tree")
                            .in_file(source),
                    ],
                };
            };
            let mut builder = build::Builder::new(source);
            let file = builder.file(file_pair);
            let diagnostics = builder.finish();
            let ok = !crate::diagnostic::has_errors(&diagnostics);
            Parsed {
                file: if ok { Some(file) } else { None },
                diagnostics,
            }
        }
        Err(err) => Parsed {
            file: None,
            diagnostics: vec![errors::from_pest(source, err)],
        },
    }
}

/// Parses `text` as a standalone expression (for `infra eval`, variable
/// values given on the command line, and tests).
pub fn parse_expr(source: &Arc<SourceFile>) -> Result<crate::ast::Expr, Vec<Diagnostic>> {
    let text = source.text();
    match Grammar::parse(Rule::expr_only, text) {
        Ok(mut pairs) => {
            let mut builder = build::Builder::new(source);
            let expr = pairs
                .next()
                .and_then(|p| p.into_inner().next())
                .map(|p| builder.expr(p));
            let diagnostics = builder.finish();
            match expr {
                Some(e) if !crate::diagnostic::has_errors(&diagnostics) => Ok(e),
                _ => Err(diagnostics),
            }
        }
        Err(err) => Err(vec![errors::from_pest(source, err)]),
    }
}
