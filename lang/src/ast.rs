//! The syntax tree of a `.infra` file: bodies, attributes, blocks and
//! expressions, each carrying the byte [`Span`] it was parsed from.
//!
//! The tree is built by [`crate::syntax::parse`]; nothing outside the
//! `syntax` module sees pest's types. Spans are skipped when the tree is
//! serialized, so two files that differ only in layout serialize equally
//! (the formatter's meaning-preservation test relies on that).

use crate::span::Span;
use serde::Serialize;

/// One parsed file: its top-level body.
#[derive(Clone, Debug, Serialize)]
pub struct File {
    /// The top-level attributes and blocks, in source order.
    pub body: Body,
}

/// A sequence of attributes and blocks, in source order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Body {
    /// The items, in the order they appear in the file.
    pub items: Vec<BodyItem>,
}

impl Body {
    /// The attributes of this body, in source order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.items.iter().filter_map(|i| match i {
            BodyItem::Attribute(a) => Some(a),
            BodyItem::Block(_) => None,
        })
    }

    /// The nested blocks of this body, in source order.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.items.iter().filter_map(|i| match i {
            BodyItem::Block(b) => Some(b),
            BodyItem::Attribute(_) => None,
        })
    }

    /// The first attribute named `name`, if any.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes().find(|a| a.name.name == name)
    }
}

/// An attribute or a block inside a body.
#[derive(Clone, Debug, Serialize)]
pub enum BodyItem {
    /// `name = expr`
    Attribute(Attribute),
    /// `type "label" ... { body }`
    Block(Block),
}

/// An identifier with its span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// The identifier's text, e.g. `aws_s3_bucket` or `provider::aws::arn_parse`.
    pub name: String,
    /// Where it was written.
    #[serde(skip)]
    pub span: Span,
}

/// `name = expr` in a body.
#[derive(Clone, Debug, Serialize)]
pub struct Attribute {
    /// The attribute name.
    pub name: Ident,
    /// The value expression.
    pub expr: Expr,
    /// From the start of the name to the end of the expression.
    #[serde(skip)]
    pub span: Span,
}

/// `type label... { body }`.
#[derive(Clone, Debug, Serialize)]
pub struct Block {
    /// The block type, e.g. `resource`.
    pub kind: Ident,
    /// The labels, e.g. `"aws_s3_bucket"` and `"logs"`.
    pub labels: Vec<Label>,
    /// The block's content.
    pub body: Body,
    /// Span of the `{`.
    #[serde(skip)]
    pub open_brace: Span,
    /// Span of the `}`.
    #[serde(skip)]
    pub close_brace: Span,
    /// From the block type to the closing brace.
    #[serde(skip)]
    pub span: Span,
}

/// A block label: a quoted string without interpolation, or a bare identifier.
#[derive(Clone, Debug, Serialize)]
pub struct Label {
    /// The label's value (escapes decoded).
    pub value: String,
    /// Where it was written, including quotes.
    #[serde(skip)]
    pub span: Span,
}

/// An expression with its span.
#[derive(Clone, Debug, Serialize)]
pub struct Expr {
    /// What kind of expression this is.
    pub kind: ExprKind,
    /// Where it was written.
    #[serde(skip)]
    pub span: Span,
}

/// A unary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    /// `!x`
    Not,
    /// `-x`
    Negate,
}

/// A binary operator, listed from loosest to tightest binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/`
    Divide,
    /// `%`
    Modulo,
}

impl BinaryOp {
    /// HCL's precedence level: higher binds tighter (`||` is 1, `*` is 6).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Equal | BinaryOp::NotEqual => 3,
            BinaryOp::Greater
            | BinaryOp::GreaterOrEqual
            | BinaryOp::Less
            | BinaryOp::LessOrEqual => 4,
            BinaryOp::Add | BinaryOp::Subtract => 5,
            BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo => 6,
        }
    }

    /// The operator as written, e.g. `">="`.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Equal => "==",
            BinaryOp::NotEqual => "!=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterOrEqual => ">=",
            BinaryOp::Less => "<",
            BinaryOp::LessOrEqual => "<=",
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
        }
    }
}

/// One `key = value` (or `key: value`) item of an object constructor.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectItem {
    /// The key. A bare identifier key is a [`ExprKind::Variable`] here; the
    /// evaluator treats a bare identifier as the literal string, as HCL does.
    pub key: Expr,
    /// The value.
    pub value: Expr,
}

/// A `for` expression: `[for k, v in coll : value if cond]` or
/// `{for k, v in coll : key => value... if cond}`.
#[derive(Clone, Debug, Serialize)]
pub struct ForExpr {
    /// The key (or index) variable, when two variables are declared.
    pub key_var: Option<Ident>,
    /// The value variable.
    pub value_var: Ident,
    /// The collection iterated over.
    pub collection: Box<Expr>,
    /// The key expression of an object `for` (`None` for a tuple `for`).
    pub key_expr: Option<Box<Expr>>,
    /// The value expression.
    pub value_expr: Box<Expr>,
    /// `...` after the value: group values with equal keys into lists.
    pub grouping: bool,
    /// The `if` filter.
    pub condition: Option<Box<Expr>>,
}

/// The kinds of expression.
#[derive(Clone, Debug, Serialize)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number literal, kept as written (e.g. `"1.5e3"`) so the evaluator
    /// can choose an exact representation.
    Number(String),
    /// A quoted string or heredoc, with interpolations and directives.
    Template(Template),
    /// A bare name at the root of a reference: `var`, `local`, `aws_s3_bucket`.
    Variable(Ident),
    /// `[a, b, c]`
    Tuple(Vec<Expr>),
    /// `{ a = 1, b = 2 }`
    Object(Vec<ObjectItem>),
    /// `name(args...)`; `expand_final` is set by a trailing `...`.
    FunctionCall {
        /// Function name, possibly namespaced (`provider::aws::arn_parse`).
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
        /// The last argument is a list to spread into arguments (`f(xs...)`).
        expand_final: bool,
    },
    /// `object.name`
    GetAttr {
        /// The object.
        object: Box<Expr>,
        /// The attribute name.
        name: Ident,
    },
    /// `collection[key]`, or the legacy `collection.0` form.
    Index {
        /// The collection.
        collection: Box<Expr>,
        /// The key or index.
        key: Box<Expr>,
        /// Written as `.0` rather than `[0]`.
        legacy: bool,
    },
    /// `source[*].each...` (full splat) or `source.*.each...` (attribute splat).
    Splat {
        /// The collection being splatted.
        source: Box<Expr>,
        /// What is applied to every element; [`ExprKind::SplatItem`] stands for
        /// the element.
        each: Box<Expr>,
        /// `[*]` rather than `.*`.
        full: bool,
    },
    /// The current element inside a splat's `each`.
    SplatItem,
    /// `!x`, `-x`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a op b`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `cond ? a : b`
    Conditional {
        /// The condition.
        condition: Box<Expr>,
        /// Value when true.
        then_expr: Box<Expr>,
        /// Value when false.
        else_expr: Box<Expr>,
    },
    /// `[for ...]` or `{for ...}`
    For(Box<ForExpr>),
    /// `(expr)`
    Parens(Box<Expr>),
}

/// Where a template came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum TemplateKind {
    /// A `"quoted"` string.
    Quoted,
    /// A `<<MARKER` heredoc; `flush` for `<<-MARKER` (common indentation removed).
    Heredoc {
        /// The delimiter identifier.
        marker: String,
        /// `<<-` form.
        flush: bool,
    },
}

/// A string template: literal text, interpolations and directives.
#[derive(Clone, Debug, Serialize)]
pub struct Template {
    /// Quoted string or heredoc.
    pub kind: TemplateKind,
    /// The parts, in order.
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// The template's text when it is a plain literal (no interpolation or
    /// directive), as block labels and module sources require.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal { value, .. } => out.push_str(value),
                _ => return None,
            }
        }
        Some(out)
    }
}

/// Strip markers (`~`) on either side of an interpolation or directive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Strip {
    /// `~` after the opening `${` / `%{`: strip whitespace before it.
    pub before: bool,
    /// `~` before the closing `}`: strip whitespace after it.
    pub after: bool,
}

/// One piece of a template.
#[derive(Clone, Debug, Serialize)]
pub enum TemplatePart {
    /// Literal text with escapes decoded (`$${` is already `${`).
    Literal {
        /// The text.
        value: String,
        /// Where it was written.
        #[serde(skip)]
        span: Span,
    },
    /// `${ expr }`
    Interpolation {
        /// The interpolated expression.
        expr: Expr,
        /// Strip markers.
        strip: Strip,
    },
    /// `%{ if cond }...%{ else }...%{ endif }`
    If {
        /// The condition.
        condition: Expr,
        /// Parts used when true.
        then_parts: Vec<TemplatePart>,
        /// Parts used when false (empty without `%{ else }`).
        else_parts: Vec<TemplatePart>,
        /// Strip markers of `%{ if }`, `%{ else }` and `%{ endif }`.
        strips: [Strip; 3],
    },
    /// `%{ for k, v in coll }...%{ endfor }`
    For {
        /// Key variable, when two are declared.
        key_var: Option<Ident>,
        /// Value variable.
        value_var: Ident,
        /// The collection.
        collection: Expr,
        /// Parts repeated for each element.
        body: Vec<TemplatePart>,
        /// Strip markers of `%{ for }` and `%{ endfor }`.
        strips: [Strip; 2],
    },
}

impl Expr {
    /// Calls `f` on each direct sub-expression, in source order (template
    /// interpolations and directive expressions included).
    pub fn for_each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::Variable(_)
            | ExprKind::SplatItem => {}
            ExprKind::Template(t) => t.for_each_expr(f),
            ExprKind::Tuple(items) => items.iter().for_each(f),
            ExprKind::Object(items) => {
                for item in items {
                    f(&item.key);
                    f(&item.value);
                }
            }
            ExprKind::FunctionCall { args, .. } => args.iter().for_each(f),
            ExprKind::GetAttr { object, .. } => f(object),
            ExprKind::Index {
                collection, key, ..
            } => {
                f(collection);
                f(key);
            }
            ExprKind::Splat { source, each, .. } => {
                f(source);
                f(each);
            }
            ExprKind::Unary { operand, .. } => f(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            ExprKind::Conditional {
                condition,
                then_expr,
                else_expr,
            } => {
                f(condition);
                f(then_expr);
                f(else_expr);
            }
            ExprKind::For(fe) => {
                f(&fe.collection);
                if let Some(k) = &fe.key_expr {
                    f(k);
                }
                f(&fe.value_expr);
                if let Some(c) = &fe.condition {
                    f(c);
                }
            }
            ExprKind::Parens(inner) => f(inner),
        }
    }
}

impl Expr {
    /// Calls `f` on each direct sub-expression, mutably, in the order of
    /// [`Expr::for_each_child`].
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::Variable(_)
            | ExprKind::SplatItem => {}
            ExprKind::Template(t) => t.for_each_expr_mut(f),
            ExprKind::Tuple(items) => items.iter_mut().for_each(f),
            ExprKind::Object(items) => {
                for item in items {
                    f(&mut item.key);
                    f(&mut item.value);
                }
            }
            ExprKind::FunctionCall { args, .. } => args.iter_mut().for_each(f),
            ExprKind::GetAttr { object, .. } => f(object),
            ExprKind::Index {
                collection, key, ..
            } => {
                f(collection);
                f(key);
            }
            ExprKind::Splat { source, each, .. } => {
                f(source);
                f(each);
            }
            ExprKind::Unary { operand, .. } => f(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            ExprKind::Conditional {
                condition,
                then_expr,
                else_expr,
            } => {
                f(condition);
                f(then_expr);
                f(else_expr);
            }
            ExprKind::For(fe) => {
                f(&mut fe.collection);
                if let Some(k) = &mut fe.key_expr {
                    f(k);
                }
                f(&mut fe.value_expr);
                if let Some(c) = &mut fe.condition {
                    f(c);
                }
            }
            ExprKind::Parens(inner) => f(inner),
        }
    }

    /// The number of levels of the expression tree (1 for a leaf), counted
    /// without recursion, so any tree can be measured.
    pub fn height(&self) -> usize {
        let mut max = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((e, level)) = stack.pop() {
            max = max.max(level);
            e.for_each_child(&mut |c| stack.push((c, level + 1)));
        }
        max
    }

    /// Drops the expression without recursion: a tree deeper than the
    /// stack allows (a 20,000-term sum) would overflow it when dropped the
    /// ordinary way, one nested call per level.
    pub fn drop_flat(self) {
        let mut stack = vec![self];
        while let Some(mut e) = stack.pop() {
            e.for_each_child_mut(&mut |c| {
                let leaf = Expr {
                    kind: ExprKind::Null,
                    span: c.span,
                };
                stack.push(std::mem::replace(c, leaf));
            });
        }
    }
}

impl Template {
    /// Calls `f` on every expression inside the template's interpolations
    /// and directives.
    pub fn for_each_expr<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        fn parts<'a>(ps: &'a [TemplatePart], f: &mut dyn FnMut(&'a Expr)) {
            for p in ps {
                match p {
                    TemplatePart::Literal { .. } => {}
                    TemplatePart::Interpolation { expr, .. } => f(expr),
                    TemplatePart::If {
                        condition,
                        then_parts,
                        else_parts,
                        ..
                    } => {
                        f(condition);
                        parts(then_parts, f);
                        parts(else_parts, f);
                    }
                    TemplatePart::For {
                        collection, body, ..
                    } => {
                        f(collection);
                        parts(body, f);
                    }
                }
            }
        }
        parts(&self.parts, f);
    }

    /// Calls `f` on every expression of the template, mutably, in the
    /// order of [`Template::for_each_expr`].
    pub fn for_each_expr_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        fn parts(ps: &mut [TemplatePart], f: &mut dyn FnMut(&mut Expr)) {
            for p in ps {
                match p {
                    TemplatePart::Literal { .. } => {}
                    TemplatePart::Interpolation { expr, .. } => f(expr),
                    TemplatePart::If {
                        condition,
                        then_parts,
                        else_parts,
                        ..
                    } => {
                        f(condition);
                        parts(then_parts, f);
                        parts(else_parts, f);
                    }
                    TemplatePart::For {
                        collection, body, ..
                    } => {
                        f(collection);
                        parts(body, f);
                    }
                }
            }
        }
        parts(&mut self.parts, f);
    }
}
