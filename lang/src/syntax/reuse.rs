//! Reparsing an edited file top-level item by top-level item: the language
//! server keeps the items of its last parse, keyed by their text, and on
//! the next edit parses again only the items whose text changed; the others
//! are reused with their spans moved to where they now are. An edit in a
//! 3,000-resource file then costs one block's parse instead of the file's.
//!
//! The result is exactly what [`super::parse`] gives for the same text (a
//! property test checks this on random edits): an item is reused only when
//! its whole text is unchanged, and whenever a changed item does not parse
//! cleanly on its own, the whole file is parsed as usual, so diagnostics
//! are those of a full parse.

use super::{Parsed, parse, parse_piece, split};
use crate::ast::{
    Attribute, Block, Body, BodyItem, Expr, ExprKind, File, Ident, Template, TemplatePart,
};
use crate::source::SourceFile;
use crate::span::Span;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// Files smaller than this (bytes) are simply parsed again: their parse
/// takes well under a millisecond.
const SMALL_FILE: usize = 16 * 1024;

/// The top-level items of one file's last clean parse, by the text of the
/// range they were parsed from (a top-level item from its line start to the
/// next item's line start, trailing comments and blank lines included).
#[derive(Debug, Default)]
pub struct ItemCache {
    by_text: HashMap<Box<str>, Entry>,
}

#[derive(Debug)]
struct Entry {
    /// Byte offset of the range when its items were parsed; their spans
    /// are relative to the file of that time.
    offset: usize,
    items: Vec<BodyItem>,
}

impl ItemCache {
    /// How many top-level ranges are kept.
    pub fn len(&self) -> usize {
        self.by_text.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.by_text.is_empty()
    }
}

/// Parses `source` as [`parse`] does, reusing from `cache` the top-level
/// items whose text is unchanged since the last call, and leaves in
/// `cache` the items of this parse when it is clean (no diagnostics). A
/// parse with diagnostics leaves `cache` as it was, so the items are still
/// there once the error is fixed. Returns how many top-level ranges were
/// parsed (not reused) with the result.
pub fn parse_reusing(source: &Arc<SourceFile>, cache: &mut ItemCache) -> (Parsed, usize) {
    parse_reusing_from(source, cache, SMALL_FILE)
}

/// [`parse_reusing`] with items reused in files of `min_len` bytes and
/// more (the fuzz target reuses them in files of any size).
#[doc(hidden)]
pub fn parse_reusing_from(
    source: &Arc<SourceFile>,
    cache: &mut ItemCache,
    min_len: usize,
) -> (Parsed, usize) {
    let text = source.text();
    if text.len() < min_len {
        cache.by_text.clear();
        return (parse(source), 1);
    }
    let ranges = item_ranges(text);
    if cache.by_text.is_empty() {
        // Nothing to reuse: one parse, on every core for a large file.
        let parsed = parse(source);
        cache.by_text = by_range(text, &ranges, &parsed);
        return (parsed, ranges.len());
    }
    let mut old = std::mem::take(&mut cache.by_text);
    let mut items = Vec::new();
    let mut fresh = HashMap::new();
    let mut parsed = 0;
    for range in &ranges {
        let key = &text[range.clone()];
        if let Some((key, entry)) = old.remove_entry(key) {
            let delta = range.start as isize - entry.offset as isize;
            items.extend(entry.items.iter().map(|item| moved(item, delta)));
            fresh.insert(key, entry);
            continue;
        }
        parsed += 1;
        let piece = parse_piece(source, range.clone());
        match piece {
            Some(Parsed {
                file: Some(file),
                diagnostics,
            }) if diagnostics.is_empty() && file.body.items.iter().all(|i| within(i, range)) => {
                items.extend(file.body.items.iter().cloned());
                fresh.insert(
                    key.into(),
                    Entry {
                        offset: range.start,
                        items: file.body.items,
                    },
                );
            }
            _ => {
                // Parsed whole, so the diagnostics are a full parse's. The
                // items kept stay for when the error is fixed, as long as
                // edits made meanwhile have not grown them past twice the
                // file's items (memory stays bounded).
                old.extend(fresh);
                if old.len() > 2 * ranges.len() + 64 {
                    old.clear();
                }
                cache.by_text = old;
                return (parse(source), ranges.len());
            }
        }
    }
    cache.by_text = fresh;
    let file = File {
        body: Body { items },
    };
    (
        Parsed {
            file: Some(file),
            diagnostics: Vec::new(),
        },
        parsed,
    )
}

/// `text` cut at every top-level item start: consecutive ranges covering it.
fn item_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    for cut in split::top_level_starts(text)
        .into_iter()
        .chain([text.len()])
    {
        if cut > from {
            out.push(from..cut);
            from = cut;
        }
    }
    out
}

/// The items of a clean whole-file parse, grouped by the range each lies
/// in (empty when the parse has diagnostics).
fn by_range(text: &str, ranges: &[Range<usize>], parsed: &Parsed) -> HashMap<Box<str>, Entry> {
    let mut out: HashMap<Box<str>, Entry> = HashMap::new();
    let Some(file) = parsed
        .file
        .as_ref()
        .filter(|_| parsed.diagnostics.is_empty())
    else {
        return out;
    };
    let mut items = file.body.items.iter().peekable();
    // The end of the items seen so far: a range starting before it begins
    // inside an item (a cut the approximate scan misplaced, e.g. a
    // heredoc's marker inside an interpolation), and its text alone would
    // not parse as it does here, so it is not kept.
    let mut reached = 0;
    for range in ranges {
        let mut entry = Entry {
            offset: range.start,
            items: Vec::new(),
        };
        while let Some(item) = items.next_if(|i| start_of(i) < range.end) {
            entry.items.push(item.clone());
        }
        let inside_item = range.start < reached;
        reached = entry.items.iter().map(end_of).fold(reached, usize::max);
        if !inside_item && entry.items.iter().all(|i| within(i, range)) {
            out.insert(text[range.clone()].into(), entry);
        }
    }
    out
}

fn start_of(item: &BodyItem) -> usize {
    span_of(item).start
}

fn end_of(item: &BodyItem) -> usize {
    span_of(item).end
}

fn span_of(item: &BodyItem) -> Span {
    match item {
        BodyItem::Attribute(a) => a.span,
        BodyItem::Block(b) => b.span,
    }
}

/// Whether `item` lies inside `range` (the approximate scan that cut the
/// ranges could in principle misplace a cut; such a range is not reused).
fn within(item: &BodyItem, range: &Range<usize>) -> bool {
    let span = span_of(item);
    range.start <= span.start && span.end <= range.end
}

/// A copy of `item` with every span moved by `delta` bytes.
fn moved(item: &BodyItem, delta: isize) -> BodyItem {
    let mut item = item.clone();
    if delta != 0 {
        Shift(delta).item(&mut item);
    }
    item
}

/// Moves every span of a tree by a byte offset. Every variant is matched
/// by name, so a span added to the tree is a compile error here until it
/// is moved too.
struct Shift(isize);

impl Shift {
    fn span(&self, s: &mut Span) {
        s.start = s.start.saturating_add_signed(self.0);
        s.end = s.end.saturating_add_signed(self.0);
    }

    fn ident(&self, i: &mut Ident) {
        self.span(&mut i.span);
    }

    fn item(&self, item: &mut BodyItem) {
        match item {
            BodyItem::Attribute(a) => self.attribute(a),
            BodyItem::Block(b) => self.block(b),
        }
    }

    fn attribute(&self, a: &mut Attribute) {
        let Attribute { name, expr, span } = a;
        self.ident(name);
        self.expr(expr);
        self.span(span);
    }

    fn block(&self, b: &mut Block) {
        let Block {
            kind,
            labels,
            body,
            open_brace,
            close_brace,
            span,
        } = b;
        self.ident(kind);
        for l in labels {
            self.span(&mut l.span);
        }
        for i in &mut body.items {
            self.item(i);
        }
        self.span(open_brace);
        self.span(close_brace);
        self.span(span);
    }

    fn expr(&self, e: &mut Expr) {
        self.span(&mut e.span);
        match &mut e.kind {
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::SplatItem => {}
            ExprKind::Variable(i) => self.ident(i),
            ExprKind::Template(t) => self.template(t),
            ExprKind::Tuple(items) => items.iter_mut().for_each(|x| self.expr(x)),
            ExprKind::Object(items) => {
                for item in items {
                    self.expr(&mut item.key);
                    self.expr(&mut item.value);
                }
            }
            ExprKind::FunctionCall { name, args, .. } => {
                self.ident(name);
                args.iter_mut().for_each(|x| self.expr(x));
            }
            ExprKind::GetAttr { object, name } => {
                self.expr(object);
                self.ident(name);
            }
            ExprKind::Index {
                collection, key, ..
            } => {
                self.expr(collection);
                self.expr(key);
            }
            ExprKind::Splat { source, each, .. } => {
                self.expr(source);
                self.expr(each);
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Conditional {
                condition,
                then_expr,
                else_expr,
            } => {
                self.expr(condition);
                self.expr(then_expr);
                self.expr(else_expr);
            }
            ExprKind::For(fe) => {
                if let Some(k) = &mut fe.key_var {
                    self.ident(k);
                }
                self.ident(&mut fe.value_var);
                self.expr(&mut fe.collection);
                if let Some(k) = &mut fe.key_expr {
                    self.expr(k);
                }
                self.expr(&mut fe.value_expr);
                if let Some(c) = &mut fe.condition {
                    self.expr(c);
                }
            }
            ExprKind::Parens(inner) => self.expr(inner),
        }
    }

    fn template(&self, t: &mut Template) {
        self.parts(&mut t.parts);
    }

    fn parts(&self, parts: &mut [TemplatePart]) {
        for p in parts {
            match p {
                TemplatePart::Literal { span, .. } => self.span(span),
                TemplatePart::Interpolation { expr, .. } => self.expr(expr),
                TemplatePart::If {
                    condition,
                    then_parts,
                    else_parts,
                    ..
                } => {
                    self.expr(condition);
                    self.parts(then_parts);
                    self.parts(else_parts);
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                    ..
                } => {
                    if let Some(k) = key_var {
                        self.ident(k);
                    }
                    self.ident(value_var);
                    self.expr(collection);
                    self.parts(body);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
