//! Turns pest's parse tree into the AST, checking on spans the newline rules
//! the grammar leaves open (one item per line, one-line blocks, object item
//! separators) and the structure of template directives.

use super::{MAX_EXPR_DEPTH, MAX_NESTING, Rule};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::span::Span;
use pest::iterators::{Pair, Pairs};
use std::sync::Arc;

pub(crate) struct Builder<'s> {
    source: &'s Arc<SourceFile>,
    /// Where the text handed to pest starts in the file (non-zero when a
    /// large file is parsed in chunks).
    offset: usize,
    /// For text that is not a slice of the file (a `.tf.json` string with
    /// its escapes decoded): the file offset of each byte of the text, and
    /// one past its end; `offset` is then unused.
    map: Option<Arc<[usize]>>,
    diags: Vec<Diagnostic>,
    depth: usize,
    too_deep_reported: bool,
    /// How many `expr` rules are being built (0 outside expressions).
    expr_level: usize,
}

/// The span of a pair without the whitespace and comments after its last
/// token: rules that end with a token end with the `ws` after it (see the
/// grammar), so their span ends where their last inner pair does.
fn raw_span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let start = s.start();
    let ends_open = matches!(
        pair.as_rule(),
        Rule::expr
            | Rule::attribute
            | Rule::block
            | Rule::object_item
            | Rule::call_args
            | Rule::for_intro
            | Rule::for_cond
            | Rule::dir_if
            | Rule::dir_for
            | Rule::legacy_index
            | Rule::name_expr
    );
    if ends_open && let Some(last) = pair.clone().into_inner().last() {
        return Span::new(start, raw_span_of(&last).end);
    }
    let text = s.as_str();
    Span::new(
        start,
        start + text.trim_end_matches([' ', '\t', '\r', '\n']).len(),
    )
}

fn placeholder(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Null,
        span,
    }
}

/// A template piece before `%{ if }`/`%{ for }` are matched with their ends.
enum Flat {
    Part(TemplatePart),
    If(Expr, Strip, Span),
    Else(Strip, Span),
    EndIf(Strip, Span),
    For(Option<Ident>, Ident, Expr, Strip, Span),
    EndFor(Strip, Span),
}

impl<'s> Builder<'s> {
    pub(crate) fn new(source: &'s Arc<SourceFile>) -> Self {
        Builder {
            source,
            offset: 0,
            map: None,
            diags: Vec::new(),
            depth: 0,
            too_deep_reported: false,
            expr_level: 0,
        }
    }

    /// A builder for pest output produced from the file's text starting at
    /// byte `offset`.
    pub(crate) fn at_offset(source: &'s Arc<SourceFile>, offset: usize) -> Self {
        Builder {
            offset,
            ..Builder::new(source)
        }
    }

    /// A builder for pest output produced from text whose byte `i` is at
    /// file offset `map[i]` (`map` holds one more entry, for the end).
    pub(crate) fn mapped(source: &'s Arc<SourceFile>, map: Arc<[usize]>) -> Self {
        Builder {
            map: Some(map),
            ..Builder::new(source)
        }
    }

    /// The file offset of byte `p` of the text handed to pest.
    fn pos(&self, p: usize) -> usize {
        match &self.map {
            Some(m) => m.get(p).or(m.last()).copied().unwrap_or(self.offset),
            None => p + self.offset,
        }
    }

    /// The pair's span in file coordinates, trimmed as [`raw_span_of`] does.
    fn span_of(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = raw_span_of(pair);
        Span::new(self.pos(s.start), self.pos(s.end))
    }

    pub(crate) fn finish(self) -> Vec<Diagnostic> {
        self.diags
    }

    fn text(&self, span: Span) -> &str {
        self.source.slice(span)
    }

    fn has_newline(&self, from: usize, to: usize) -> bool {
        from < to && self.text(Span::new(from, to)).contains('\n')
    }

    fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: &str,
    ) -> &mut Diagnostic {
        self.diags.push(
            Diagnostic::error(code, message)
                .in_file(self.source)
                .primary(span, label),
        );
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    // ------------------------------------------------------------ structure

    pub(crate) fn file(&mut self, pair: Pair<'_, Rule>) -> File {
        let body = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::body)
            .map(|p| self.body(p, None))
            .unwrap_or_default();
        File { body }
    }

    /// `braces` is `Some((open, close))` for a block body.
    fn body(&mut self, pair: Pair<'_, Rule>, braces: Option<(Span, Span)>) -> Body {
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::attribute => items.push(BodyItem::Attribute(self.attribute(p))),
                Rule::block => items.push(BodyItem::Block(self.block(p))),
                _ => {}
            }
        }
        self.check_body_layout(&items, braces);
        Body { items }
    }

    fn item_span(item: &BodyItem) -> Span {
        match item {
            BodyItem::Attribute(a) => a.span,
            BodyItem::Block(b) => b.span,
        }
    }

    fn check_body_layout(&mut self, items: &[BodyItem], braces: Option<(Span, Span)>) {
        for w in items.windows(2) {
            let (prev, next) = (Self::item_span(&w[0]), Self::item_span(&w[1]));
            if !self.has_newline(prev.end, next.start) {
                let (what, noun) = match &w[0] {
                    BodyItem::Attribute(_) => ("argument", "An argument definition"),
                    BodyItem::Block(_) => ("block definition", "A block definition"),
                };
                self.error(
                    "syntax::missing-newline",
                    format!("missing newline after {what}"),
                    Span::point(prev.end),
                    "a newline is needed here",
                )
                .help = Some(format!(
                    "{noun} must end with a newline; put the next item on its own line."
                ));
            }
        }
        let Some((open, close)) = braces else { return };
        let first_start = items
            .first()
            .map(|i| Self::item_span(i).start)
            .unwrap_or(close.start);
        let single_line = !self.has_newline(open.end, first_start);
        if single_line && !items.is_empty() {
            if items.len() > 1 {
                // Already reported as a missing newline between items; say why.
                if let Some(d) = self.diags.last_mut() {
                    d.help = Some(
                        "A one-line block can hold only one argument; write one argument per line inside the braces."
                            .into(),
                    );
                }
            } else if let BodyItem::Block(b) = &items[0] {
                self.error(
                    "syntax::invalid-single-line-block",
                    "a one-line block cannot contain a nested block",
                    b.span,
                    "nested block in a one-line block",
                )
                .help = Some("Put the nested block on its own line between the braces.".into());
            } else if self.has_newline(Self::item_span(&items[0]).end, close.start) {
                self.error(
                    "syntax::invalid-single-line-block",
                    "a one-line block must close on the same line",
                    close,
                    "the `}` should follow the argument on the same line",
                )
                .help = Some(
                    "Either write `name { arg = value }` on one line, or put a newline after `{`."
                        .into(),
                );
            }
        } else if let Some(last) = items.last() {
            let end = Self::item_span(last).end;
            if !self.has_newline(end, close.start) {
                let what = match last {
                    BodyItem::Attribute(_) => "argument",
                    BodyItem::Block(_) => "block definition",
                };
                self.error(
                    "syntax::missing-newline",
                    format!("missing newline after {what}"),
                    Span::point(end),
                    "a newline is needed before the `}`",
                )
                .help = Some("In a multi-line block, the closing `}` goes on its own line.".into());
            }
        }
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span_of(&pair),
        }
    }

    fn attribute(&mut self, pair: Pair<'_, Rule>) -> Attribute {
        let start = self.pos(pair.as_span().start());
        let mut inner = pair.into_inner();
        let name = inner.next().map(|p| self.ident(p));
        let expr = inner
            .find(|p| p.as_rule() == Rule::expr)
            .map(|p| self.expr(p));
        let end = expr
            .as_ref()
            .map(|e| e.span.end)
            .or(name.as_ref().map(|n| n.span.end))
            .unwrap_or(start);
        let span = Span::new(start, end);
        if let (Some(n), Some(e)) = (&name, &expr) {
            self.check_gap(n.span.end, e.span.start);
            self.check_newlines(e);
        }
        Attribute {
            name: name.unwrap_or(Ident {
                name: String::new(),
                span,
            }),
            expr: expr.unwrap_or_else(|| placeholder(span)),
            span,
        }
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> Block {
        let span = self.span_of(&pair);
        let mut kind = None;
        let mut labels = Vec::new();
        let mut open = Span::point(span.start);
        let mut close = Span::point(span.end);
        let mut body_pair = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => kind = Some(self.ident(p)),
                Rule::label => labels.push(self.label(p)),
                Rule::lbrace => open = self.span_of(&p),
                Rule::rbrace => close = self.span_of(&p),
                Rule::body => body_pair = Some(p),
                _ => {}
            }
        }
        let kind = kind.unwrap_or(Ident {
            name: String::new(),
            span,
        });
        let header_end = labels.last().map(|l| l.span.end).unwrap_or(kind.span.end);
        if self.has_newline(header_end, open.start)
            || labels
                .iter()
                .any(|l| self.has_newline(kind.span.end, l.span.start))
        {
            self.error(
                "syntax::invalid-block-header",
                "a block's labels and `{` must be on the same line as its type",
                Span::new(kind.span.start, open.end),
                "this block header spans several lines",
            )
            .help = Some(format!(
                "Write the header on one line, e.g. `{} {}{{`.",
                kind.name,
                labels
                    .iter()
                    .map(|l| format!("\"{}\" ", l.value))
                    .collect::<String>()
            ));
        }
        // Blocks count toward the nesting limit too, so no tree handed on is
        // deeper than the limit (later passes recurse over it).
        let body = if self.enter(open) {
            body_pair
                .map(|p| self.body(p, Some((open, close))))
                .unwrap_or_default()
        } else {
            Body::default()
        };
        self.leave();
        Block {
            kind,
            labels,
            body,
            open_brace: open,
            close_brace: close,
            span,
        }
    }

    fn label(&mut self, pair: Pair<'_, Rule>) -> Label {
        let span = self.span_of(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Label {
                value: String::new(),
                span,
            };
        };
        match inner.as_rule() {
            Rule::ident => Label {
                value: inner.as_str().to_string(),
                span,
            },
            _ => {
                let tpl = self.template_string(inner);
                match tpl.as_literal() {
                    Some(value) => Label { value, span },
                    None => {
                        self.error(
                            "syntax::invalid-label",
                            "block labels cannot contain interpolation or directives",
                            span,
                            "this label is a template",
                        )
                        .help = Some("Block labels are fixed names; use a plain quoted string such as \"logs\".".into());
                        Label {
                            value: String::new(),
                            span,
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------ newlines

    /// `name =` and its value must start on the same line.
    fn check_gap(&mut self, from: usize, to: usize) {
        if self.has_newline(from, to) {
            let at = from + self.text(Span::new(from, to)).find('\n').unwrap_or(0);
            self.error(
                "syntax::newline-in-expression",
                "the value must start on the same line as `=`",
                Span::point(at),
                "the line ends here",
            )
            .help = Some("Start the value right after `=`; for a long value, open a bracket or parenthesis on this line.".into());
        }
    }

    /// HCL ends an argument (and an object item) at the first newline that is
    /// not inside brackets, parentheses, a template or a heredoc: report a
    /// value that continues past such a newline.
    fn check_newlines(&mut self, root: &Expr) {
        if !self.has_newline(root.span.start, root.span.end) {
            return;
        }
        let mut allowed = Vec::new();
        let mut roots = Vec::new();
        Self::collect_allowed(root, false, &mut allowed, &mut roots);
        // Regions by start, so each newline is looked up in log time (one
        // line per operand of a long chain would otherwise be quadratic).
        allowed.sort_unstable_by_key(|s: &Span| s.start);
        let text = self.text(root.span);
        let bad = text
            .match_indices('\n')
            .map(|(i, _)| root.span.start + i)
            .find(|at| {
                // Regions do not overlap (none is collected inside another),
                // so only the last one starting at or before `at` can hold it.
                let i = allowed.partition_point(|s| s.start <= *at);
                !(i > 0 && *at < allowed[i - 1].end)
            });
        if let Some(at) = bad {
            self.error(
                "syntax::newline-in-expression",
                "expression continues on the next line",
                Span::point(at),
                "the argument ends at this newline",
            )
            .help = Some(
                "Wrap a multi-line expression in parentheses, e.g. `a = (cond\n  ? x\n  : y)`."
                    .into(),
            );
        }
        for (gap, key, value) in roots {
            self.check_gap(gap.0, gap.1);
            self.check_newlines(key);
            self.check_newlines(value);
        }
    }

    #[allow(clippy::type_complexity)]
    fn collect_allowed<'e>(
        e: &'e Expr,
        inside: bool,
        allowed: &mut Vec<Span>,
        roots: &mut Vec<((usize, usize), &'e Expr, &'e Expr)>,
    ) {
        let region = match &e.kind {
            ExprKind::Object(items) => {
                if !inside {
                    allowed.push(e.span);
                }
                for item in items {
                    roots.push((
                        (item.key.span.end, item.value.span.start),
                        &item.key,
                        &item.value,
                    ));
                }
                return;
            }
            ExprKind::Tuple(_) | ExprKind::Parens(_) | ExprKind::For(_) | ExprKind::Template(_) => {
                Some(e.span)
            }
            ExprKind::FunctionCall { name, .. } => Some(Span::new(name.span.end, e.span.end)),
            ExprKind::Index {
                collection,
                key,
                legacy: false,
            } => {
                // The brackets' region starts after the collection, which is
                // outside it: `f(\n  1\n)[0]` has its own allowed region
                // (the call's parentheses), as in HCL.
                if !inside {
                    allowed.push(Span::new(collection.span.end, e.span.end));
                }
                Self::collect_allowed(collection, inside, allowed, roots);
                Self::collect_allowed(key, true, allowed, roots);
                return;
            }
            _ => None,
        };
        if let (Some(r), false) = (region, inside) {
            allowed.push(r);
        }
        let inside = inside || region.is_some();
        e.for_each_child(&mut |c| Self::collect_allowed(c, inside, allowed, roots));
    }

    // ------------------------------------------------------------ expressions

    fn enter(&mut self, span: Span) -> bool {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            if !self.too_deep_reported {
                self.too_deep_reported = true;
                self.error(
                    "syntax::too-deep",
                    format!("nested more than {MAX_NESTING} levels deep"),
                    Span::new(span.start, span.start + 1.min(span.len())),
                    "nesting limit reached here",
                )
                .help = Some(
                    "Split the expression with `locals`; nesting this deep is not supported."
                        .into(),
                );
            }
            return false;
        }
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Rule::expr, checked at the outermost expression to be at most
    /// [`MAX_EXPR_DEPTH`] levels deep. Bracket nesting is bounded by the
    /// grammar's recursion, but operator chains and traversals are built
    /// here in loops, so only the finished tree shows how deep it is (a
    /// 20,000-term sum is 20,000 levels); a deeper tree is dropped, without
    /// recursion, and reported as `syntax::too-deep`, so nothing after the
    /// parser ever walks it.
    pub(crate) fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.expr_level += 1;
        let e = self.expr_tree(pair);
        self.expr_level -= 1;
        if self.expr_level > 0 {
            return e;
        }
        let height = e.height();
        if height <= MAX_EXPR_DEPTH {
            return e;
        }
        let span = e.span;
        e.drop_flat();
        if !self.too_deep_reported {
            self.too_deep_reported = true;
            self.error(
                "syntax::too-deep",
                format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
                Span::new(span.start, span.start + 1.min(span.len())),
                &format!("this expression is {height} levels deep"),
            )
            .help = Some(
                "Every operator, attribute access, index and bracket is a level: split the \
                 expression with `locals`."
                    .into(),
            );
        }
        placeholder(span)
    }

    /// Rule::expr: a flat list of operands (prefix operators, a primary,
    /// traversal steps) and binary operators, optionally followed by
    /// `? then : else`.
    fn expr_tree(&mut self, pair: Pair<'_, Rule>) -> Expr {
        // The span comes from the operands built below: asking pest for the
        // end of a rule that ends in a repetition means walking its children.
        let start = self.pos(pair.as_span().start());
        if !self.enter(Span::new(start, start + 1)) {
            self.leave();
            return placeholder(self.span_of(&pair));
        }
        let mut operands: Vec<Expr> = Vec::new();
        let mut ops: Vec<BinaryOp> = Vec::new();
        let mut prefix: Vec<(UnaryOp, Span)> = Vec::new();
        let mut primary = None;
        let mut steps = Vec::new();
        let mut tail = Vec::new();
        let mut in_tail = false;
        for p in pair.into_inner() {
            if in_tail {
                if p.as_rule() == Rule::expr {
                    tail.push(p);
                }
                continue;
            }
            match p.as_rule() {
                Rule::op_not => prefix.push((UnaryOp::Not, self.span_of(&p))),
                Rule::op_neg => prefix.push((UnaryOp::Negate, self.span_of(&p))),
                Rule::get_attr
                | Rule::legacy_index
                | Rule::index
                | Rule::splat_attr
                | Rule::splat_full => steps.push(p),
                Rule::bin_op | Rule::qmark => {
                    if let Some(prim) = primary.take() {
                        let e = self.operand(
                            std::mem::take(&mut prefix),
                            prim,
                            std::mem::take(&mut steps),
                        );
                        operands.push(e);
                    }
                    if p.as_rule() == Rule::qmark {
                        in_tail = true;
                    } else if let Some(op) = Self::binary_op(p.as_str().trim_end()) {
                        while ops
                            .last()
                            .is_some_and(|top| top.precedence() >= op.precedence())
                        {
                            Self::reduce(&mut operands, &mut ops);
                        }
                        ops.push(op);
                    }
                }
                _ => primary = Some(p),
            }
        }
        if let Some(prim) = primary.take() {
            let e = self.operand(prefix, prim, steps);
            operands.push(e);
        }
        while !ops.is_empty() {
            Self::reduce(&mut operands, &mut ops);
        }
        let cond = operands
            .pop()
            .unwrap_or_else(|| placeholder(Span::point(start)));
        let mut tail = tail.into_iter();
        let result = match (tail.next(), tail.next()) {
            (Some(t), Some(e)) => {
                let then_expr = self.expr(t);
                let else_expr = self.expr(e);
                let span = Span::new(start, else_expr.span.end);
                Expr {
                    kind: ExprKind::Conditional {
                        condition: Box::new(cond),
                        then_expr: Box::new(then_expr),
                        else_expr: Box::new(else_expr),
                    },
                    span,
                }
            }
            _ => cond,
        };
        self.leave();
        result
    }

    fn reduce(operands: &mut Vec<Expr>, ops: &mut Vec<BinaryOp>) {
        if let (Some(op), Some(rhs), Some(lhs)) = (ops.pop(), operands.pop(), operands.pop()) {
            let span = lhs.span.to(rhs.span);
            operands.push(Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            });
        }
    }

    fn binary_op(text: &str) -> Option<BinaryOp> {
        Some(match text {
            "||" => BinaryOp::Or,
            "&&" => BinaryOp::And,
            "==" => BinaryOp::Equal,
            "!=" => BinaryOp::NotEqual,
            ">=" => BinaryOp::GreaterOrEqual,
            "<=" => BinaryOp::LessOrEqual,
            ">" => BinaryOp::Greater,
            "<" => BinaryOp::Less,
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Subtract,
            "*" => BinaryOp::Multiply,
            "/" => BinaryOp::Divide,
            "%" => BinaryOp::Modulo,
            _ => return None,
        })
    }

    /// One operand: prefix operators applied to a primary and its
    /// traversal steps.
    fn operand(
        &mut self,
        ops: Vec<(UnaryOp, Span)>,
        primary: Pair<'_, Rule>,
        steps: Vec<Pair<'_, Rule>>,
    ) -> Expr {
        if ops.len() > MAX_NESTING {
            let span = ops[0].1;
            if !self.too_deep_reported {
                self.too_deep_reported = true;
                self.error(
                    "syntax::too-deep",
                    format!("more than {MAX_NESTING} unary operators in a row"),
                    span,
                    "nesting limit reached here",
                );
            }
            return placeholder(span);
        }
        let mut expr = self.postfix(primary, steps);
        for (op, span) in ops.into_iter().rev() {
            let span = span.to(expr.span);
            expr = Expr {
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(expr),
                },
                span,
            };
        }
        expr
    }

    /// Applies one traversal step to `base`.
    fn traverse(&mut self, base: Expr, step: Pair<'_, Rule>) -> Expr {
        let step_span = self.span_of(&step);
        let span = base.span.to(step_span);
        let kind = match step.as_rule() {
            Rule::get_attr => {
                let name = step
                    .into_inner()
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or(Ident {
                        name: String::new(),
                        span: step_span,
                    });
                ExprKind::GetAttr {
                    object: Box::new(base),
                    name,
                }
            }
            Rule::legacy_index => {
                let key = step
                    .into_inner()
                    .next()
                    .map(|p| Expr {
                        kind: ExprKind::Number(p.as_str().to_string()),
                        span: self.span_of(&p),
                    })
                    .unwrap_or_else(|| placeholder(step_span));
                ExprKind::Index {
                    collection: Box::new(base),
                    key: Box::new(key),
                    legacy: true,
                }
            }
            Rule::index => {
                let key = step
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p))
                    .unwrap_or_else(|| placeholder(step_span));
                ExprKind::Index {
                    collection: Box::new(base),
                    key: Box::new(key),
                    legacy: false,
                }
            }
            _ => return base,
        };
        Expr { kind, span }
    }

    fn postfix(&mut self, primary: Pair<'_, Rule>, steps: Vec<Pair<'_, Rule>>) -> Expr {
        let mut expr = self.primary(primary);
        // Once a splat is seen, the following steps apply to each element:
        // all of them for `[*]`, only attribute steps for `.*` (HCL's rule).
        let mut splat: Option<(Expr, bool, Expr)> = None; // (source, full, each)
        for step in steps {
            let rule = step.as_rule();
            if matches!(rule, Rule::splat_full | Rule::splat_attr) {
                let full = rule == Rule::splat_full;
                let source = match splat.take() {
                    Some((src, f, each)) => Self::close_splat(src, f, each),
                    None => expr,
                };
                let item = Expr {
                    kind: ExprKind::SplatItem,
                    span: self.span_of(&step),
                };
                splat = Some((source, full, item));
                expr = placeholder(Span::default());
                continue;
            }
            match splat.take() {
                Some((src, full, each)) => {
                    if full || rule == Rule::get_attr {
                        let each = self.traverse(each, step);
                        splat = Some((src, full, each));
                    } else {
                        let closed = Self::close_splat(src, full, each);
                        expr = self.traverse(closed, step);
                    }
                }
                None => expr = self.traverse(expr, step),
            }
        }
        match splat {
            Some((src, full, each)) => Self::close_splat(src, full, each),
            None => expr,
        }
    }

    fn close_splat(source: Expr, full: bool, each: Expr) -> Expr {
        let span = source.span.to(each.span);
        Expr {
            kind: ExprKind::Splat {
                source: Box::new(source),
                each: Box::new(each),
                full,
            },
            span,
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Expr {
        if pair.as_rule() == Rule::name_expr {
            return self.name_expr(pair);
        }
        let span = self.span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::number => ExprKind::Number(pair.as_str().to_string()),
            Rule::paren_expr => {
                if !self.enter(span) {
                    self.leave();
                    return placeholder(span);
                }
                let inner = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p))
                    .unwrap_or_else(|| placeholder(span));
                self.leave();
                ExprKind::Parens(Box::new(inner))
            }
            Rule::tuple => {
                let items = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::expr)
                    .map(|p| self.expr(p))
                    .collect();
                ExprKind::Tuple(items)
            }
            Rule::object => return self.object(pair),
            Rule::for_tuple | Rule::for_object => return self.for_expr(pair),
            Rule::template_string => ExprKind::Template(self.template_string(pair)),
            Rule::heredoc => ExprKind::Template(self.heredoc(pair)),
            _ => ExprKind::Null,
        };
        Expr { kind, span }
    }

    fn object(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span_of(&pair);
        let mut items: Vec<ObjectItem> = Vec::new();
        let mut comma_after_last = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::comma => comma_after_last = true,
                Rule::object_item => {
                    let item_span = Span::point(self.pos(p.as_span().start()));
                    if let Some(prev) = items.last()
                        && !comma_after_last
                        && !self.has_newline(prev.value.span.end, item_span.start)
                    {
                        self.error(
                            "syntax::missing-separator",
                            "missing separator between object items",
                            Span::point(prev.value.span.end),
                            "expected a comma or a newline here",
                        )
                        .help = Some(
                            "Separate object items with a comma or put each on its own line."
                                .into(),
                        );
                    }
                    comma_after_last = false;
                    let mut exprs = p.into_inner().filter(|q| q.as_rule() == Rule::expr);
                    let key = exprs
                        .next()
                        .map(|q| self.expr(q))
                        .unwrap_or_else(|| placeholder(item_span));
                    let value = exprs
                        .next()
                        .map(|q| self.expr(q))
                        .unwrap_or_else(|| placeholder(item_span));
                    items.push(ObjectItem { key, value });
                }
                _ => {}
            }
        }
        Expr {
            kind: ExprKind::Object(items),
            span,
        }
    }

    /// A name, a call, or one of the keywords `true`, `false`, `null`.
    fn name_expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let start = self.pos(pair.as_span().start());
        let mut inner = pair.into_inner();
        let Some(name) = inner.next() else {
            return placeholder(Span::point(start));
        };
        let name_span = self.span_of(&name);
        let text = name.as_str();
        if inner.peek().is_some() {
            return self.call(text, name_span, inner);
        }
        let span = name_span;
        let kind = match text {
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "null" => ExprKind::Null,
            _ if text.contains("::") => {
                self.error(
                    "syntax::unexpected-token",
                    "a namespaced function name must be called",
                    span,
                    "expected `(` after this name",
                )
                .help = Some(
                    "Provider functions are called like `provider::aws::arn_parse(value)`.".into(),
                );
                ExprKind::Null
            }
            _ => ExprKind::Variable(Ident {
                name: text.to_string(),
                span,
            }),
        };
        Expr { kind, span }
    }

    /// A call: `name` (the `func_name` text, e.g. `provider :: aws :: f`),
    /// then the `(`, arguments and `)` pairs.
    fn call(&mut self, name: &str, name_span: Span, rest: Pairs<'_, Rule>) -> Expr {
        let name = Ident {
            name: if name.contains(char::is_whitespace) {
                name.split("::")
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("::")
            } else {
                name.to_string()
            },
            span: name_span,
        };
        let mut end = name_span.end;
        let mut args = Vec::new();
        let mut expand_final = false;
        for p in rest {
            match p.as_rule() {
                Rule::call_args => {
                    for a in p.into_inner() {
                        match a.as_rule() {
                            Rule::expr => args.push(self.expr(a)),
                            Rule::ellipsis => expand_final = true,
                            _ => {}
                        }
                    }
                }
                Rule::rparen => end = self.span_of(&p).end,
                _ => {}
            }
        }
        Expr {
            kind: ExprKind::FunctionCall {
                name,
                args,
                expand_final,
            },
            span: Span::new(name_span.start, end),
        }
    }

    fn for_expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span_of(&pair);
        let is_object = pair.as_rule() == Rule::for_object;
        let mut vars = Vec::new();
        let mut collection = None;
        let mut exprs = Vec::new();
        let mut grouping = false;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::for_intro => {
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::ident => vars.push(self.ident(q)),
                            Rule::expr => collection = Some(self.expr(q)),
                            _ => {}
                        }
                    }
                }
                Rule::expr => exprs.push(self.expr(p)),
                Rule::ellipsis => grouping = true,
                Rule::for_cond => {
                    condition = p
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::expr)
                        .map(|q| Box::new(self.expr(q)));
                }
                _ => {}
            }
        }
        let value_var = vars.pop().unwrap_or(Ident {
            name: String::new(),
            span,
        });
        let key_var = vars.pop();
        let mut exprs = exprs.into_iter();
        let (key_expr, value_expr) = if is_object {
            let k = exprs.next().unwrap_or_else(|| placeholder(span));
            let v = exprs.next().unwrap_or_else(|| placeholder(span));
            (Some(Box::new(k)), v)
        } else {
            (None, exprs.next().unwrap_or_else(|| placeholder(span)))
        };
        Expr {
            kind: ExprKind::For(Box::new(ForExpr {
                key_var,
                value_var,
                collection: Box::new(collection.unwrap_or_else(|| placeholder(span))),
                key_expr,
                value_expr: Box::new(value_expr),
                grouping,
                condition,
            })),
            span,
        }
    }

    // ------------------------------------------------------------ templates

    fn decode_quoted(&mut self, raw: &str, span: Span) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let Some((_, e)) = chars.next() else { break };
                    match e {
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' | 'U' => {
                            let n = if e == 'u' { 4 } else { 8 };
                            let hex: String = (0..n)
                                .filter_map(|_| chars.next().map(|(_, h)| h))
                                .collect();
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(ch) => out.push(ch),
                                None => {
                                    let at = span.start + i;
                                    self.error(
                                        "syntax::invalid-escape",
                                        format!("`\\{e}{hex}` is not a valid Unicode character"),
                                        Span::new(at, at + 2 + n),
                                        "invalid escape",
                                    );
                                }
                            }
                        }
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                '$' | '%' if raw[i + 1..].starts_with(&format!("{c}{{")) => {
                    // `$${` → `${`, `%%{` → `%{`
                    chars.next();
                    chars.next();
                    out.push(c);
                    out.push('{');
                }
                _ => out.push(c),
            }
        }
        out
    }

    fn unescape_heredoc(raw: &str) -> String {
        raw.replace("$${", "${").replace("%%{", "%{")
    }

    fn strip_of(open: &str, close: &str) -> Strip {
        Strip {
            before: open.ends_with('~'),
            after: close.starts_with('~'),
        }
    }

    /// Converts `tpl_interp` / `tpl_directive` pairs; literals are handled by
    /// the callers since quoted strings and heredocs decode differently.
    fn flat_piece(&mut self, pair: Pair<'_, Rule>) -> Option<Flat> {
        let span = self.span_of(&pair);
        if !self.enter(span) {
            self.leave();
            return None;
        }
        let mut open = "";
        let mut close = "";
        let mut expr = None;
        let mut directive = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::interp_open | Rule::ctrl_open => open = p.as_str(),
                Rule::seq_end => close = p.as_str(),
                Rule::expr => expr = Some(self.expr(p)),
                Rule::dir_if
                | Rule::dir_else
                | Rule::dir_endif
                | Rule::dir_for
                | Rule::dir_endfor => directive = Some(p),
                _ => {}
            }
        }
        let strip = Self::strip_of(open, close);
        let result = match directive {
            None => expr.map(|expr| Flat::Part(TemplatePart::Interpolation { expr, strip })),
            Some(d) => match d.as_rule() {
                Rule::dir_if => {
                    let cond = d
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::expr)
                        .map(|p| self.expr(p))
                        .unwrap_or_else(|| placeholder(span));
                    Some(Flat::If(cond, strip, span))
                }
                Rule::dir_else => Some(Flat::Else(strip, span)),
                Rule::dir_endif => Some(Flat::EndIf(strip, span)),
                Rule::dir_endfor => Some(Flat::EndFor(strip, span)),
                _ => {
                    let mut vars = Vec::new();
                    let mut coll = None;
                    for p in d.into_inner() {
                        match p.as_rule() {
                            Rule::ident => vars.push(self.ident(p)),
                            Rule::expr => coll = Some(self.expr(p)),
                            _ => {}
                        }
                    }
                    let value = vars.pop().unwrap_or(Ident {
                        name: String::new(),
                        span,
                    });
                    let key = vars.pop();
                    Some(Flat::For(
                        key,
                        value,
                        coll.unwrap_or_else(|| placeholder(span)),
                        strip,
                        span,
                    ))
                }
            },
        };
        self.leave();
        result
    }

    fn template_string(&mut self, pair: Pair<'_, Rule>) -> Template {
        let mut flat = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::tpl_literal => {
                    let span = self.span_of(&p);
                    let value = self.decode_quoted(p.as_str(), span);
                    flat.push(Flat::Part(TemplatePart::Literal { value, span }));
                }
                _ => flat.extend(self.flat_piece(p)),
            }
        }
        Template {
            kind: TemplateKind::Quoted,
            parts: self.nest(flat),
        }
    }

    /// A whole template file (the `template_only` rule).
    pub(crate) fn template_file(&mut self, pair: Pair<'_, Rule>) -> Template {
        let mut flat = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::tf_literal => {
                    let span = self.span_of(&p);
                    let value = Self::unescape_heredoc(p.as_str());
                    flat.push(Flat::Part(TemplatePart::Literal { value, span }));
                }
                Rule::EOI => {}
                _ => flat.extend(self.flat_piece(p)),
            }
        }
        Template {
            kind: TemplateKind::Heredoc {
                marker: String::new(),
                flush: false,
            },
            parts: self.nest(flat),
        }
    }

    fn heredoc(&mut self, pair: Pair<'_, Rule>) -> Template {
        let mut flush = false;
        let mut marker = String::new();
        // Lines of pieces; literal text keeps its line's newline at the end.
        let mut lines: Vec<Vec<Flat>> = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::heredoc_open => flush = p.as_str().ends_with('-'),
                Rule::ident => marker = p.as_str().to_string(),
                Rule::heredoc_line => {
                    let mut line = Vec::new();
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::hd_literal | Rule::hd_eol => {
                                let span = self.span_of(&q);
                                let value = if q.as_rule() == Rule::hd_eol {
                                    "\n".to_string()
                                } else {
                                    Self::unescape_heredoc(q.as_str())
                                };
                                line.push(Flat::Part(TemplatePart::Literal { value, span }));
                            }
                            _ => line.extend(self.flat_piece(q)),
                        }
                    }
                    lines.push(line);
                }
                _ => {}
            }
        }
        if flush {
            Self::flush_heredoc(&mut lines);
        }
        let flat: Vec<Flat> = lines.into_iter().flatten().collect();
        Template {
            kind: TemplateKind::Heredoc { marker, flush },
            parts: self.nest(flat),
        }
    }

    /// `<<-`: remove the smallest leading-space count of the non-blank lines
    /// from every line.
    fn flush_heredoc(lines: &mut [Vec<Flat>]) {
        let indent_of = |line: &Vec<Flat>| -> Option<usize> {
            match line.first() {
                Some(Flat::Part(TemplatePart::Literal { value, .. })) => {
                    let n = value
                        .chars()
                        .take_while(|c| *c == ' ' || *c == '\t')
                        .count();
                    let blank =
                        value[n..].trim_end_matches(['\n', '\r']).is_empty() && line.len() <= 2;
                    if blank { None } else { Some(n) }
                }
                _ => Some(0),
            }
        };
        let min = lines.iter().filter_map(indent_of).min().unwrap_or(0);
        if min == 0 {
            return;
        }
        for line in lines.iter_mut() {
            if let Some(Flat::Part(TemplatePart::Literal { value, .. })) = line.first_mut() {
                let n = value
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .count()
                    .min(min);
                value.drain(..n);
            }
        }
    }

    /// Matches `%{ if }`/`%{ else }`/`%{ endif }` and `%{ for }`/`%{ endfor }`,
    /// applies strip markers to neighbouring literals, and merges adjacent
    /// literals.
    fn nest(&mut self, flat: Vec<Flat>) -> Vec<TemplatePart> {
        let mut iter = flat.into_iter();
        let (parts, end) = self.nest_until(&mut iter);
        if let Some(end) = end {
            let (span, what) = match end {
                Flat::Else(_, s) => (s, "%{ else }"),
                Flat::EndIf(_, s) => (s, "%{ endif }"),
                Flat::EndFor(_, s) => (s, "%{ endfor }"),
                _ => (Span::default(), "directive"),
            };
            let opener = if what == "%{ endfor }" {
                "%{ for }"
            } else {
                "%{ if }"
            };
            self.error(
                "syntax::unmatched-directive",
                format!("`{what}` without a matching `{opener}`"),
                span,
                "nothing to close here",
            )
            .help = Some(format!("Remove it, or add the `{opener}` it belongs to."));
        }
        parts
    }

    /// Collects parts until an `else`/`endif`/`endfor` (returned) or the end.
    fn nest_until(
        &mut self,
        iter: &mut std::vec::IntoIter<Flat>,
    ) -> (Vec<TemplatePart>, Option<Flat>) {
        let mut parts: Vec<TemplatePart> = Vec::new();
        let mut strip_next = false;
        while let Some(item) = iter.next() {
            match item {
                Flat::Part(part) => {
                    let strip_before =
                        matches!(&part, TemplatePart::Interpolation { strip, .. } if strip.before);
                    let strip_after =
                        matches!(&part, TemplatePart::Interpolation { strip, .. } if strip.after);
                    if strip_before {
                        Self::strip_trailing(&mut parts);
                    }
                    Self::push_part(&mut parts, part, strip_next);
                    strip_next = strip_after;
                }
                Flat::If(cond, strip, span) => {
                    if strip.before {
                        Self::strip_trailing(&mut parts);
                    }
                    let (mut then_parts, mut end) = self.nest_until(iter);
                    Self::strip_leading(&mut then_parts, strip.after);
                    let mut strips = [strip, Strip::default(), Strip::default()];
                    let mut else_parts = Vec::new();
                    if let Some(Flat::Else(es, _)) = end {
                        strips[1] = es;
                        if es.before {
                            Self::strip_trailing(&mut then_parts);
                        }
                        let (ep, e2) = self.nest_until(iter);
                        else_parts = ep;
                        Self::strip_leading(&mut else_parts, es.after);
                        end = e2;
                    }
                    match end {
                        Some(Flat::EndIf(es, _)) => {
                            strips[2] = es;
                            if es.before {
                                let target =
                                    if strips[1] != Strip::default() || !else_parts.is_empty() {
                                        &mut else_parts
                                    } else {
                                        &mut then_parts
                                    };
                                Self::strip_trailing(target);
                            }
                            strip_next = es.after;
                        }
                        other => {
                            self.report_unclosed(span, "%{ if }", "%{ endif }", other);
                        }
                    }
                    parts.push(TemplatePart::If {
                        condition: cond,
                        then_parts,
                        else_parts,
                        strips,
                    });
                }
                Flat::For(key_var, value_var, collection, strip, span) => {
                    if strip.before {
                        Self::strip_trailing(&mut parts);
                    }
                    let (mut body, end) = self.nest_until(iter);
                    Self::strip_leading(&mut body, strip.after);
                    let mut strips = [strip, Strip::default()];
                    match end {
                        Some(Flat::EndFor(es, _)) => {
                            strips[1] = es;
                            if es.before {
                                Self::strip_trailing(&mut body);
                            }
                            strip_next = es.after;
                        }
                        other => self.report_unclosed(span, "%{ for }", "%{ endfor }", other),
                    }
                    parts.push(TemplatePart::For {
                        key_var,
                        value_var,
                        collection,
                        body,
                        strips,
                    });
                }
                end @ (Flat::Else(..) | Flat::EndIf(..) | Flat::EndFor(..)) => {
                    return (parts, Some(end));
                }
            }
        }
        (parts, None)
    }

    fn report_unclosed(&mut self, open: Span, opener: &str, closer: &str, found: Option<Flat>) {
        let d = self.error(
            "syntax::unclosed-directive",
            format!("`{opener}` is never closed"),
            open,
            "opened here",
        );
        d.help = Some(format!(
            "Add `{closer}` where the conditional or loop part ends."
        ));
        if let Some(Flat::Else(_, s) | Flat::EndIf(_, s) | Flat::EndFor(_, s)) = found {
            let d = d.clone();
            if let Some(last) = self.diags.last_mut() {
                *last = d.secondary(s, format!("expected `{closer}`, found this"));
            }
        }
    }

    fn push_part(parts: &mut Vec<TemplatePart>, part: TemplatePart, strip_leading: bool) {
        let part = match part {
            TemplatePart::Literal { value, span } if strip_leading => TemplatePart::Literal {
                value: value.trim_start().to_string(),
                span,
            },
            p => p,
        };
        if let TemplatePart::Literal { value, span } = &part
            && let Some(TemplatePart::Literal {
                value: prev,
                span: prev_span,
            }) = parts.last_mut()
        {
            prev.push_str(value);
            *prev_span = prev_span.to(*span);
            return;
        }
        parts.push(part);
    }

    fn strip_trailing(parts: &mut [TemplatePart]) {
        if let Some(TemplatePart::Literal { value, .. }) = parts.last_mut() {
            let trimmed = value.trim_end().len();
            value.truncate(trimmed);
        }
    }

    fn strip_leading(parts: &mut [TemplatePart], yes: bool) {
        if !yes {
            return;
        }
        if let Some(TemplatePart::Literal { value, .. }) = parts.first_mut() {
            *value = value.trim_start().to_string();
        }
    }
}
