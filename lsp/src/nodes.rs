//! Finding things in the syntax tree by byte offset: the blocks around a
//! position, the attribute or expression under it, and every expression
//! of a body (walked without recursion on expressions, so any tree the
//! parser accepts can be walked).

use infra_lang::Span;
use infra_lang::ast::{Attribute, Block, Body, BodyItem, Expr, File};

/// Deepest block nesting walked; deeper blocks are left out.
const MAX_BLOCK_DEPTH: usize = 64;

/// True when `offset` is inside `span` or just after it (a cursor at the
/// end of a word is on that word).
pub fn touches(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

/// The span of a label's value without its quotes.
pub fn label_inner(text: &str, span: Span) -> Span {
    let s = text.get(span.start..span.end).unwrap_or("");
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        Span::new(span.start + 1, span.end - 1)
    } else {
        span
    }
}

/// The blocks whose braces enclose `offset`, outermost first.
pub fn blocks_at(file: &File, offset: usize) -> Vec<&Block> {
    let mut out = Vec::new();
    let mut body = &file.body;
    while out.len() < MAX_BLOCK_DEPTH {
        let inner = body
            .blocks()
            .find(|b| b.open_brace.end <= offset && offset <= b.close_brace.start);
        match inner {
            Some(b) => {
                out.push(b);
                body = &b.body;
            }
            None => break,
        }
    }
    out
}

/// The block whose header (type or labels) is at `offset`, with the
/// blocks around it, outermost first.
pub fn block_header_at(file: &File, offset: usize) -> Option<(Vec<&Block>, &Block)> {
    let outer = blocks_at(file, offset);
    let body = outer.last().map_or(&file.body, |b| &b.body);
    let block = body
        .blocks()
        .find(|b| b.span.start <= offset && offset <= b.open_brace.start)?;
    Some((outer, block))
}

/// The attribute of the innermost body around `offset` that holds it.
pub fn attribute_at(file: &File, offset: usize) -> Option<(Vec<&Block>, &Attribute)> {
    let outer = blocks_at(file, offset);
    let body = outer.last().map_or(&file.body, |b| &b.body);
    let attr = body.attributes().find(|a| touches(a.span, offset))?;
    Some((outer, attr))
}

/// Calls `f` on every expression of `body`, nested blocks included, with
/// the blocks around it (outermost first) and the attribute it is in.
pub fn each_expr<'a>(body: &'a Body, f: &mut dyn FnMut(&[&'a Block], &'a Attribute, &'a Expr)) {
    fn walk<'a>(
        body: &'a Body,
        path: &mut Vec<&'a Block>,
        f: &mut dyn FnMut(&[&'a Block], &'a Attribute, &'a Expr),
    ) {
        for item in &body.items {
            match item {
                BodyItem::Attribute(a) => {
                    let mut stack = vec![&a.expr];
                    while let Some(e) = stack.pop() {
                        f(path.as_slice(), a, e);
                        e.for_each_child(&mut |c| stack.push(c));
                    }
                }
                BodyItem::Block(b) if path.len() < MAX_BLOCK_DEPTH => {
                    path.push(b);
                    walk(&b.body, path, f);
                    path.pop();
                }
                BodyItem::Block(_) => {}
            }
        }
    }
    walk(body, &mut Vec::new(), f);
}

/// Calls `f` on every block of `body` and the blocks inside them, with
/// the blocks around each (outermost first).
pub fn each_block<'a>(body: &'a Body, f: &mut dyn FnMut(&[&'a Block], &'a Block)) {
    fn walk<'a>(
        body: &'a Body,
        path: &mut Vec<&'a Block>,
        f: &mut dyn FnMut(&[&'a Block], &'a Block),
    ) {
        for b in body.blocks() {
            if path.len() >= MAX_BLOCK_DEPTH {
                return;
            }
            f(path.as_slice(), b);
            path.push(b);
            walk(&b.body, path, f);
            path.pop();
        }
    }
    walk(body, &mut Vec::new(), f);
}

/// The innermost expression of `expr` whose span holds `offset`.
pub fn innermost_expr(expr: &Expr, offset: usize) -> &Expr {
    let mut at = expr;
    loop {
        let mut next = None;
        at.for_each_child(&mut |c| {
            if next.is_none() && touches(c.span, offset) {
                next = Some(c);
            }
        });
        match next {
            Some(n) => at = n,
            None => return at,
        }
    }
}
