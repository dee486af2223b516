//! A compact binary encoding of a parsed file's syntax tree, spans
//! included, for the parse cache (`infra_engine::config::parse_cache`).
//!
//! The format is private to one build of infra: numbers are LEB128
//! varints, strings are a length and UTF-8 bytes, and every enum variant is
//! one tag byte. [`decode`] checks everything it reads, so bytes that are
//! not exactly what [`encode`] wrote (a truncated or foreign cache file)
//! give `None`, never a panic or an unbounded allocation. Trees nested
//! deeper than [`MAX_DEPTH`] are not encoded (and so never decoded), which
//! keeps both directions' recursion within the calling thread's stack.

use crate::ast::{
    Attribute, BinaryOp, Block, Body, BodyItem, Expr, ExprKind, File, ForExpr, Ident, Label,
    ObjectItem, Strip, Template, TemplateKind, TemplatePart, UnaryOp,
};
use crate::span::Span;

/// Deepest nesting of expressions, bodies and template parts encoded.
pub const MAX_DEPTH: usize = 128;

/// `file` encoded, or `None` when it nests deeper than [`MAX_DEPTH`].
pub fn encode(file: &File) -> Option<Vec<u8>> {
    let mut w = Writer {
        out: Vec::new(),
        depth: 0,
    };
    w.body(&file.body)?;
    Some(w.out)
}

/// The tree [`encode`] wrote into `bytes`, or `None` when `bytes` are not
/// exactly such an encoding.
pub fn decode(bytes: &[u8]) -> Option<File> {
    let mut r = Reader {
        bytes,
        pos: 0,
        depth: 0,
    };
    let body = r.body()?;
    (r.pos == bytes.len()).then_some(File { body })
}

struct Writer {
    out: Vec<u8>,
    depth: usize,
}

impl Writer {
    fn nest(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn num(&mut self, mut n: usize) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.out.push(byte);
                return;
            }
            self.out.push(byte | 0x80);
        }
    }

    fn flag(&mut self, b: bool) {
        self.out.push(u8::from(b));
    }

    fn text(&mut self, s: &str) {
        self.num(s.len());
        self.out.extend_from_slice(s.as_bytes());
    }

    fn span(&mut self, s: Span) {
        self.num(s.start);
        self.num(s.end);
    }

    fn ident(&mut self, i: &Ident) {
        self.text(&i.name);
        self.span(i.span);
    }

    fn opt_ident(&mut self, i: Option<&Ident>) {
        self.flag(i.is_some());
        if let Some(i) = i {
            self.ident(i);
        }
    }

    fn strip(&mut self, s: Strip) {
        self.out.push(u8::from(s.before) | (u8::from(s.after) << 1));
    }

    fn body(&mut self, b: &Body) -> Option<()> {
        self.nest()?;
        self.num(b.items.len());
        for item in &b.items {
            match item {
                BodyItem::Attribute(a) => {
                    self.out.push(0);
                    self.ident(&a.name);
                    self.expr(&a.expr)?;
                    self.span(a.span);
                }
                BodyItem::Block(b) => {
                    self.out.push(1);
                    self.ident(&b.kind);
                    self.num(b.labels.len());
                    for l in &b.labels {
                        self.text(&l.value);
                        self.span(l.span);
                    }
                    self.body(&b.body)?;
                    self.span(b.open_brace);
                    self.span(b.close_brace);
                    self.span(b.span);
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    fn exprs(&mut self, es: &[Expr]) -> Option<()> {
        self.num(es.len());
        es.iter().try_for_each(|e| self.expr(e))
    }

    fn expr(&mut self, e: &Expr) -> Option<()> {
        self.nest()?;
        self.span(e.span);
        match &e.kind {
            ExprKind::Null => self.out.push(0),
            ExprKind::Bool(b) => {
                self.out.push(1);
                self.flag(*b);
            }
            ExprKind::Number(n) => {
                self.out.push(2);
                self.text(n);
            }
            ExprKind::Template(t) => {
                self.out.push(3);
                self.template(t)?;
            }
            ExprKind::Variable(i) => {
                self.out.push(4);
                self.ident(i);
            }
            ExprKind::Tuple(items) => {
                self.out.push(5);
                self.exprs(items)?;
            }
            ExprKind::Object(items) => {
                self.out.push(6);
                self.num(items.len());
                for i in items {
                    self.expr(&i.key)?;
                    self.expr(&i.value)?;
                }
            }
            ExprKind::FunctionCall {
                name,
                args,
                expand_final,
            } => {
                self.out.push(7);
                self.ident(name);
                self.exprs(args)?;
                self.flag(*expand_final);
            }
            ExprKind::GetAttr { object, name } => {
                self.out.push(8);
                self.expr(object)?;
                self.ident(name);
            }
            ExprKind::Index {
                collection,
                key,
                legacy,
            } => {
                self.out.push(9);
                self.expr(collection)?;
                self.expr(key)?;
                self.flag(*legacy);
            }
            ExprKind::Splat { source, each, full } => {
                self.out.push(10);
                self.expr(source)?;
                self.expr(each)?;
                self.flag(*full);
            }
            ExprKind::SplatItem => self.out.push(11),
            ExprKind::Unary { op, operand } => {
                self.out.push(12);
                self.out.push(match op {
                    UnaryOp::Not => 0,
                    UnaryOp::Negate => 1,
                });
                self.expr(operand)?;
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.out.push(13);
                self.out.push(binary_tag(*op));
                self.expr(lhs)?;
                self.expr(rhs)?;
            }
            ExprKind::Conditional {
                condition,
                then_expr,
                else_expr,
            } => {
                self.out.push(14);
                self.expr(condition)?;
                self.expr(then_expr)?;
                self.expr(else_expr)?;
            }
            ExprKind::For(f) => {
                self.out.push(15);
                self.opt_ident(f.key_var.as_ref());
                self.ident(&f.value_var);
                self.expr(&f.collection)?;
                self.flag(f.key_expr.is_some());
                if let Some(k) = &f.key_expr {
                    self.expr(k)?;
                }
                self.expr(&f.value_expr)?;
                self.flag(f.grouping);
                self.flag(f.condition.is_some());
                if let Some(c) = &f.condition {
                    self.expr(c)?;
                }
            }
            ExprKind::Parens(inner) => {
                self.out.push(16);
                self.expr(inner)?;
            }
        }
        self.depth -= 1;
        Some(())
    }

    fn template(&mut self, t: &Template) -> Option<()> {
        match &t.kind {
            TemplateKind::Quoted => self.out.push(0),
            TemplateKind::Heredoc { marker, flush } => {
                self.out.push(1);
                self.text(marker);
                self.flag(*flush);
            }
        }
        self.parts(&t.parts)
    }

    fn parts(&mut self, parts: &[TemplatePart]) -> Option<()> {
        self.nest()?;
        self.num(parts.len());
        for p in parts {
            match p {
                TemplatePart::Literal { value, span } => {
                    self.out.push(0);
                    self.text(value);
                    self.span(*span);
                }
                TemplatePart::Interpolation { expr, strip } => {
                    self.out.push(1);
                    self.expr(expr)?;
                    self.strip(*strip);
                }
                TemplatePart::If {
                    condition,
                    then_parts,
                    else_parts,
                    strips,
                } => {
                    self.out.push(2);
                    self.expr(condition)?;
                    self.parts(then_parts)?;
                    self.parts(else_parts)?;
                    strips.iter().for_each(|s| self.strip(*s));
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                    strips,
                } => {
                    self.out.push(3);
                    self.opt_ident(key_var.as_ref());
                    self.ident(value_var);
                    self.expr(collection)?;
                    self.parts(body)?;
                    strips.iter().for_each(|s| self.strip(*s));
                }
            }
        }
        self.depth -= 1;
        Some(())
    }
}

const BINARY_OPS: [BinaryOp; 13] = [
    BinaryOp::Or,
    BinaryOp::And,
    BinaryOp::Equal,
    BinaryOp::NotEqual,
    BinaryOp::Greater,
    BinaryOp::GreaterOrEqual,
    BinaryOp::Less,
    BinaryOp::LessOrEqual,
    BinaryOp::Add,
    BinaryOp::Subtract,
    BinaryOp::Multiply,
    BinaryOp::Divide,
    BinaryOp::Modulo,
];

fn binary_tag(op: BinaryOp) -> u8 {
    BINARY_OPS.iter().position(|o| *o == op).unwrap_or(0) as u8
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Reader<'_> {
    fn nest(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn num(&mut self) -> Option<usize> {
        let mut n: usize = 0;
        for shift in (0..usize::BITS).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A count of items that each take at least one byte: never more than
    /// the bytes left, so a corrupt count cannot reserve unbounded memory.
    fn count(&mut self) -> Option<usize> {
        let n = self.num()?;
        (n <= self.bytes.len() - self.pos).then_some(n)
    }

    fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn text(&mut self) -> Option<String> {
        let n = self.num()?;
        let end = self.pos.checked_add(n)?;
        let s = std::str::from_utf8(self.bytes.get(self.pos..end)?).ok()?;
        self.pos = end;
        Some(s.to_string())
    }

    fn span(&mut self) -> Option<Span> {
        let start = self.num()?;
        let end = self.num()?;
        (start <= end).then_some(Span { start, end })
    }

    fn ident(&mut self) -> Option<Ident> {
        Some(Ident {
            name: self.text()?,
            span: self.span()?,
        })
    }

    fn opt_ident(&mut self) -> Option<Option<Ident>> {
        Some(if self.flag()? {
            Some(self.ident()?)
        } else {
            None
        })
    }

    fn strip(&mut self) -> Option<Strip> {
        let b = self.byte()?;
        (b < 4).then_some(Strip {
            before: b & 1 != 0,
            after: b & 2 != 0,
        })
    }

    fn body(&mut self) -> Option<Body> {
        self.nest()?;
        let n = self.count()?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(match self.byte()? {
                0 => BodyItem::Attribute(Attribute {
                    name: self.ident()?,
                    expr: self.expr()?,
                    span: self.span()?,
                }),
                1 => {
                    let kind = self.ident()?;
                    let count = self.count()?;
                    let mut labels = Vec::with_capacity(count);
                    for _ in 0..count {
                        labels.push(Label {
                            value: self.text()?,
                            span: self.span()?,
                        });
                    }
                    BodyItem::Block(Block {
                        kind,
                        labels,
                        body: self.body()?,
                        open_brace: self.span()?,
                        close_brace: self.span()?,
                        span: self.span()?,
                    })
                }
                _ => return None,
            });
        }
        self.depth -= 1;
        Some(Body { items })
    }

    fn exprs(&mut self) -> Option<Vec<Expr>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.expr()?);
        }
        Some(out)
    }

    fn boxed(&mut self) -> Option<Box<Expr>> {
        self.expr().map(Box::new)
    }

    fn expr(&mut self) -> Option<Expr> {
        self.nest()?;
        let span = self.span()?;
        let kind = match self.byte()? {
            0 => ExprKind::Null,
            1 => ExprKind::Bool(self.flag()?),
            2 => ExprKind::Number(self.text()?),
            3 => ExprKind::Template(self.template()?),
            4 => ExprKind::Variable(self.ident()?),
            5 => ExprKind::Tuple(self.exprs()?),
            6 => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(ObjectItem {
                        key: self.expr()?,
                        value: self.expr()?,
                    });
                }
                ExprKind::Object(items)
            }
            7 => ExprKind::FunctionCall {
                name: self.ident()?,
                args: self.exprs()?,
                expand_final: self.flag()?,
            },
            8 => ExprKind::GetAttr {
                object: self.boxed()?,
                name: self.ident()?,
            },
            9 => ExprKind::Index {
                collection: self.boxed()?,
                key: self.boxed()?,
                legacy: self.flag()?,
            },
            10 => ExprKind::Splat {
                source: self.boxed()?,
                each: self.boxed()?,
                full: self.flag()?,
            },
            11 => ExprKind::SplatItem,
            12 => ExprKind::Unary {
                op: match self.byte()? {
                    0 => UnaryOp::Not,
                    1 => UnaryOp::Negate,
                    _ => return None,
                },
                operand: self.boxed()?,
            },
            13 => ExprKind::Binary {
                op: *BINARY_OPS.get(usize::from(self.byte()?))?,
                lhs: self.boxed()?,
                rhs: self.boxed()?,
            },
            14 => ExprKind::Conditional {
                condition: self.boxed()?,
                then_expr: self.boxed()?,
                else_expr: self.boxed()?,
            },
            15 => {
                let key_var = self.opt_ident()?;
                let value_var = self.ident()?;
                let collection = self.boxed()?;
                let key_expr = if self.flag()? {
                    Some(self.boxed()?)
                } else {
                    None
                };
                let value_expr = self.boxed()?;
                let grouping = self.flag()?;
                let condition = if self.flag()? {
                    Some(self.boxed()?)
                } else {
                    None
                };
                ExprKind::For(Box::new(ForExpr {
                    key_var,
                    value_var,
                    collection,
                    key_expr,
                    value_expr,
                    grouping,
                    condition,
                }))
            }
            16 => ExprKind::Parens(self.boxed()?),
            _ => return None,
        };
        self.depth -= 1;
        Some(Expr { kind, span })
    }

    fn template(&mut self) -> Option<Template> {
        let kind = match self.byte()? {
            0 => TemplateKind::Quoted,
            1 => TemplateKind::Heredoc {
                marker: self.text()?,
                flush: self.flag()?,
            },
            _ => return None,
        };
        Some(Template {
            kind,
            parts: self.parts()?,
        })
    }

    fn parts(&mut self) -> Option<Vec<TemplatePart>> {
        self.nest()?;
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(match self.byte()? {
                0 => TemplatePart::Literal {
                    value: self.text()?,
                    span: self.span()?,
                },
                1 => TemplatePart::Interpolation {
                    expr: self.expr()?,
                    strip: self.strip()?,
                },
                2 => TemplatePart::If {
                    condition: self.expr()?,
                    then_parts: self.parts()?,
                    else_parts: self.parts()?,
                    strips: [self.strip()?, self.strip()?, self.strip()?],
                },
                3 => TemplatePart::For {
                    key_var: self.opt_ident()?,
                    value_var: self.ident()?,
                    collection: self.expr()?,
                    body: self.parts()?,
                    strips: [self.strip()?, self.strip()?],
                },
                _ => return None,
            });
        }
        self.depth -= 1;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// Every `.infra` file under `tests/data` that parses: its tree, spans
    /// included, comes back from its encoding unchanged.
    #[test]
    fn every_test_configuration_round_trips() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data");
        let mut todo = vec![root];
        let mut checked = 0;
        while let Some(dir) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    todo.push(path);
                    continue;
                }
                if path.extension().is_none_or(|x| x != "infra") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let source = SourceFile::new(path.display().to_string(), text);
                let Some(file) = crate::syntax::parse(&source).file else {
                    continue;
                };
                let bytes = encode(&file).expect("test files nest shallowly");
                let back = decode(&bytes).expect("decodes");
                assert_eq!(
                    format!("{back:?}"),
                    format!("{file:?}"),
                    "{}",
                    path.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} files checked");
    }

    /// Any cut or change of an encoding decodes to `None` or to some tree,
    /// never a panic.
    #[test]
    fn damaged_encodings_are_rejected_without_panicking() {
        let text = "a = { for k, v in x : k => \"${v}-%{if v}y%{endif}\" if v != null }\nb \"l\" {\n  c = f(1, [2]...)[0].d\n}\n";
        let source = SourceFile::new("t.infra", text);
        let file = crate::syntax::parse(&source).file.expect("parses");
        let bytes = encode(&file).expect("encodes");
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                let _ = decode(&b);
            }
        }
    }

    /// A tree nested deeper than [`MAX_DEPTH`] is not encoded.
    #[test]
    fn a_deep_tree_is_not_encoded() {
        let deep = format!(
            "a = {}1{}\n",
            "[".repeat(MAX_DEPTH + 5),
            "]".repeat(MAX_DEPTH + 5)
        );
        let source = SourceFile::new("t.infra", deep);
        let parsed = crate::syntax::parse(&source);
        let file = parsed
            .file
            .unwrap_or_else(|| panic!("{:?}", parsed.diagnostics));
        assert!(encode(&file).is_none());
    }
}
