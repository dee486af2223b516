//! The parser: pest grammar → our AST with spans. pest's `Pairs` and `Rule`
//! never leave this module; callers get [`crate::ast::File`] and
//! [`Diagnostic`]s.

mod build;
mod errors;
pub mod lexer;
mod reuse;
mod split;
mod stack;

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
pub use reuse::{ItemCache, parse_reusing, parse_reusing_from};

/// Deepest expression nesting accepted (brackets, calls, templates,
/// conditionals, unary operators all count). Deeper input is reported as
/// `syntax::too-deep` instead of risking the stack.
pub const MAX_NESTING: usize = 200;

/// Deepest expression tree accepted: every operator, attribute access,
/// index, call, bracket and template level counts once. Long operator
/// chains and traversals (`1 + 1 + …`, `a.b.b…`) are where this bites,
/// since each step nests the tree one level deeper; deeper expressions are
/// reported as `syntax::too-deep`, so evaluation, the checks and the
/// formatter never recurse deeper than this.
pub const MAX_EXPR_DEPTH: usize = 1000;

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
/// `syntax::too-deep`, and the stack is sized for the text before pest runs
/// (see `stack.rs`), so no input can overflow it.
pub fn parse(source: &Arc<SourceFile>) -> Parsed {
    if source.text().len() >= PARALLEL_THRESHOLD
        && let Some(parsed) = parse_in_chunks(source)
    {
        return parsed;
    }
    parse_whole(source)
}

/// Files at least this large (bytes) are parsed in chunks on several threads.
const PARALLEL_THRESHOLD: usize = 256 * 1024;

/// Parses `text[range]` of `source` (the whole file, or a run of top-level
/// items) into its items, with spans into the whole file. `None` when the
/// piece needs more stack than one parse may have.
fn parse_piece(source: &Arc<SourceFile>, range: std::ops::Range<usize>) -> Option<Parsed> {
    let text = source.text().get(range.clone())?;
    stack::with_stack(text, || match Grammar::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let mut builder = build::Builder::at_offset(source, range.start);
            let Some(file) = pairs.next().map(|p| builder.file(p)) else {
                return Parsed {
                    file: None,
                    diagnostics: vec![
                        Diagnostic::error("syntax::unexpected-token", "empty parse tree")
                            .in_file(source),
                    ],
                };
            };
            let diagnostics = builder.finish();
            let ok = !crate::diagnostic::has_errors(&diagnostics);
            Parsed {
                file: ok.then_some(file),
                diagnostics,
            }
        }
        Err(err) => Parsed {
            file: None,
            diagnostics: vec![errors::from_pest(source, range.start, err)],
        },
    })
}

/// Parses a large file in pieces of whole top-level items (at least
/// [`PIECE_BYTES`] each) on up to one thread per core: each thread takes the
/// next unparsed piece until none is left, so a thread slowed down by the
/// machine simply parses fewer. `None` when any piece fails to parse: the
/// caller then parses the whole file, so diagnostics are exactly those of a
/// single parse. Public so tests can check that chunking really happens and
/// agrees with [`parse_whole`].
pub fn parse_in_chunks(source: &Arc<SourceFile>) -> Option<Parsed> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let pieces = piece_ranges(source.text());
    if threads < 2 || pieces.len() < 2 {
        return None;
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    // Parses pieces until none is left or one fails; returns them with
    // their index.
    let work = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(range) = pieces.get(i) else { break };
            match parse_piece(source, range.clone()) {
                Some(parsed) if parsed.file.is_some() => done.push((i, parsed)),
                _ => failed.store(true, Ordering::Relaxed),
            }
        }
        done
    };
    let mut parsed: Vec<(usize, Parsed)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(pieces.len()))
            .map(|_| scope.spawn(work))
            .collect();
        let mut all = work();
        for helper in helpers {
            match helper.join() {
                Ok(done) => all.extend(done),
                Err(_) => failed.store(true, Ordering::Relaxed),
            }
        }
        all
    });
    if failed.load(Ordering::Relaxed) {
        return None;
    }
    parsed.sort_unstable_by_key(|(i, _)| *i);
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    for (_, p) in parsed {
        items.extend(p.file?.body.items);
        diagnostics.extend(p.diagnostics);
    }
    let ok = !crate::diagnostic::has_errors(&diagnostics);
    Some(Parsed {
        file: ok.then_some(File {
            body: crate::ast::Body { items },
        }),
        diagnostics,
    })
}

/// `text` cut at top-level item starts into consecutive ranges of at least
/// [`PIECE_BYTES`] (the last may be shorter).
fn piece_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    for cut in split::top_level_starts(text)
        .into_iter()
        .chain([text.len()])
    {
        if cut < from + PIECE_BYTES && cut < text.len() {
            continue;
        }
        if cut > from {
            out.push(from..cut);
        }
        from = cut;
    }
    out
}

/// Smallest size (bytes) of the pieces [`parse_in_chunks`] hands to pest,
/// about 400 resource blocks: pest's queue of tokens for a piece (some 40
/// bytes per token, several tokens per source byte) then stays in cache and
/// is freed before the next piece, instead of growing to tens of MB for a
/// whole file. Measured on the 10k-resource benchmark: 4 KiB to 64 KiB
/// pieces parse equally fast, 20% faster than whole halves, with peak memory
/// down from 100 to 63 MiB.
const PIECE_BYTES: usize = 64 * 1024;

/// Parses `source` on the calling thread (what [`parse`] does for small
/// files, and its fallback for large ones).
pub fn parse_whole(source: &Arc<SourceFile>) -> Parsed {
    parse_range(source, 0..source.text().len())
}

/// Parses `text[range]` (whole top-level items) in one piece when one
/// parse's stack can hold it, else (hundreds of thousands of brackets) in
/// runs of top-level items that each fit, stopping at the first run with a
/// syntax error. Nesting deeper than [`MAX_NESTING`] in such a range is
/// reported where it happens, without parsing.
fn parse_range(source: &Arc<SourceFile>, range: std::ops::Range<usize>) -> Parsed {
    if let Some(parsed) = parse_piece(source, range.clone()) {
        return parsed;
    }
    let text = &source.text()[range.clone()];
    let base = range.start;
    let error = |d: Diagnostic| Parsed {
        file: None,
        diagnostics: vec![d.in_file(source)],
    };
    if let Some(at) = split::deeper_than(text, MAX_NESTING) {
        return error(errors::too_deep(source.text(), base + at));
    }
    let pieces = match stack::pieces(text, &split::top_level_starts(text)) {
        Ok(pieces) => pieces,
        Err(at) => return error(errors::too_large(source.text(), base + at)),
    };
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    for piece in pieces {
        let piece = base + piece.start..base + piece.end;
        let Some(parsed) = parse_piece(source, piece.clone()) else {
            return error(errors::too_large(source.text(), piece.start));
        };
        diagnostics.extend(parsed.diagnostics);
        match parsed.file {
            Some(file) => items.extend(file.body.items),
            None => {
                return Parsed {
                    file: None,
                    diagnostics,
                };
            }
        }
    }
    let ok = !crate::diagnostic::has_errors(&diagnostics);
    Parsed {
        file: ok.then_some(File {
            body: crate::ast::Body { items },
        }),
        diagnostics,
    }
}

/// Parses `text` as a standalone expression (for `infra eval`, variable
/// values given on the command line, and tests).
pub fn parse_expr(source: &Arc<SourceFile>) -> Result<crate::ast::Expr, Vec<Diagnostic>> {
    parse_expr_at(source, source.text(), Place::Offset(0))
}

/// Parses the whole of `source` as a template (the contents of a file given
/// to `templatefile`): literal text with `${...}` interpolations and
/// `%{...}` directives, `$${` / `%%{` for the literal sequences.
///
/// # Errors
/// Syntax diagnostics pointing into `source`.
pub fn parse_template(source: &Arc<SourceFile>) -> Result<crate::ast::Template, Vec<Diagnostic>> {
    template_at(source, source.text(), Place::Offset(0))
}

/// `text` (the piece of `source` from byte `offset`) parsed as a template
/// file: what [`parse_template`] and [`parse_template_at`] share.
fn template_at(
    source: &Arc<SourceFile>,
    text: &str,
    place: Place,
) -> Result<crate::ast::Template, Vec<Diagnostic>> {
    let parsed = stack::with_stack(text, || match Grammar::parse(Rule::template_only, text) {
        Ok(mut pairs) => {
            let mut builder = place.builder(source);
            let template = pairs.next().map(|p| builder.template_file(p));
            let diagnostics = builder.finish();
            match template {
                Some(t) if !crate::diagnostic::has_errors(&diagnostics) => Ok(t),
                _ => Err(diagnostics),
            }
        }
        Err(err) => Err(vec![errors::from_pest_with(source, err, &|p| place.pos(p))]),
    });
    parsed.unwrap_or_else(|| {
        Err(vec![
            errors::too_large(source.text(), place.pos(0)).in_file(source),
        ])
    })
}

/// Where text handed to the parser lies in its file: at a byte offset
/// (a slice of the file), or byte by byte (a `.tf.json` string whose
/// escapes were decoded: the file offset of each byte of the decoded text,
/// and one more entry for its end). Spans are always on character
/// boundaries of the file either way.
#[derive(Clone, Debug)]
pub enum Place {
    /// The text is the file's from this byte offset on.
    Offset(usize),
    /// Byte `i` of the text was written at file offset `map[i]`.
    Mapped(Arc<[usize]>),
}

impl Place {
    fn builder<'s>(&self, source: &'s Arc<SourceFile>) -> build::Builder<'s> {
        match self {
            Place::Offset(o) => build::Builder::at_offset(source, *o),
            Place::Mapped(m) => build::Builder::mapped(source, m.clone()),
        }
    }

    fn pos(&self, p: usize) -> usize {
        match self {
            Place::Offset(o) => o + p,
            Place::Mapped(m) => m.get(p).or(m.last()).copied().unwrap_or(0),
        }
    }
}

/// Parses `text`, a piece of `source` at `place` (a string of a
/// `.tf.json` file with its JSON escapes decoded), as a template, with
/// spans into `source`. Mirrors HCL's JSON syntax, which parses a string
/// in an expression as a template at the string's position.
///
/// # Errors
/// Syntax diagnostics pointing into `source`.
pub fn parse_template_at(
    source: &Arc<SourceFile>,
    text: &str,
    place: Place,
) -> Result<crate::ast::Template, Vec<Diagnostic>> {
    template_at(source, text, place).map(|mut t| {
        t.kind = crate::ast::TemplateKind::Quoted;
        t
    })
}

/// Parses `text`, a piece of `source` at `place`, as one
/// expression with spans into `source`: a `.tf.json` string where
/// Terraform expects a reference or keyword (`depends_on`, `provider`,
/// a variable's `type`, ...), as HCL's JSON syntax reads them.
///
/// # Errors
/// Syntax diagnostics pointing into `source`.
pub fn parse_expr_at(
    source: &Arc<SourceFile>,
    text: &str,
    place: Place,
) -> Result<crate::ast::Expr, Vec<Diagnostic>> {
    let parsed = stack::with_stack(text, || match Grammar::parse(Rule::expr_only, text) {
        Ok(mut pairs) => {
            let mut builder = place.builder(source);
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
        Err(err) => Err(vec![errors::from_pest_with(source, err, &|p| place.pos(p))]),
    });
    parsed.unwrap_or_else(|| {
        Err(vec![
            errors::too_large(source.text(), place.pos(0)).in_file(source),
        ])
    })
}
