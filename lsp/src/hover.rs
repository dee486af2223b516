//! Hover: built-in functions (signature, summary, an example), schema
//! attributes (type, required/optional/computed, forces replacement,
//! sensitive, description), variables (type, default, description,
//! validations), locals and consts (their expression), user functions,
//! module calls, and resources (address, provider, what is known at plan
//! and what only after apply).

use crate::documents::Module;
use crate::nodes::{attribute_at, block_header_at, innermost_expr, touches};
use crate::occurrences::{Occurrence, Symbol, at, occurrences};
use crate::schema::{attribute_doc, block_schema, function_doc};
use infra_engine::config::BLOCK_TYPES;
use infra_engine::provider::Providers;
use infra_lang::ast::{Block, BodyItem, ExprKind};
use std::fmt::Write as _;

/// Longest expression text shown in a hover, in bytes.
const MAX_SHOWN: usize = 300;

/// Markdown describing what is at `offset` of file `file`.
pub fn hover(module: &Module, providers: &Providers, file: usize, offset: usize) -> Option<String> {
    let f = module.files.get(file)?;
    let all = occurrences(module);
    if let Some(o) = at(&all, file, offset) {
        return symbol_hover(module, providers, &all, o);
    }
    if let Some((blocks, attr)) = attribute_at(&f.ast, offset) {
        if touches(attr.name.span, offset) {
            let schema = block_schema(providers, &blocks)?;
            let a = schema.attributes.get(&attr.name.name)?;
            return Some(attribute_doc(&attr.name.name, a));
        }
        let e = innermost_expr(&attr.expr, offset);
        match &e.kind {
            ExprKind::FunctionCall { name, .. } if touches(name.span, offset) => {
                return function_doc(&name.name);
            }
            ExprKind::GetAttr { object, name } => {
                let (type_name, data) = match &object.kind {
                    ExprKind::GetAttr { object: root, .. } => match &root.kind {
                        ExprKind::Variable(t) => (t.name.as_str(), false),
                        ExprKind::GetAttr { object: d, name: t } if matches!(&d.kind, ExprKind::Variable(v) if v.name == "data") => {
                            (t.name.as_str(), true)
                        }
                        _ => return None,
                    },
                    _ => return None,
                };
                let a = providers
                    .schema(type_name, data)?
                    .attributes
                    .get(&name.name)?;
                return Some(attribute_doc(&name.name, a));
            }
            _ => return None,
        }
    }
    let (outer, block) = block_header_at(&f.ast, offset)?;
    if touches(block.kind.span, offset) && outer.is_empty() {
        let spec = BLOCK_TYPES.iter().find(|s| s.name == block.kind.name)?;
        return Some(format!("**{}**: {}", spec.name, spec.summary));
    }
    let label = block.labels.first()?;
    if touches(label.span, offset) && matches!(block.kind.name.as_str(), "resource" | "data") {
        let schema = providers.schema(&label.value, block.kind.name == "data")?;
        return Some(format!("**{}**\n\n{}", label.value, schema.description));
    }
    None
}

/// The top-level block declaring `o` (a declaration occurrence).
fn declaring_block<'m>(module: &'m Module, o: &Occurrence) -> Option<(&'m str, &'m Block)> {
    let f = module.files.get(o.file)?;
    f.ast.body.items.iter().find_map(|i| match i {
        BodyItem::Block(b) if b.span.start <= o.span.start && o.span.end <= b.span.end => {
            Some((f.source.text(), b))
        }
        _ => None,
    })
}

/// Markdown for symbol occurrence `o` of `module` (`all`: the module's
/// occurrences), from the block declaring it.
pub(crate) fn symbol_hover(
    module: &Module,
    providers: &Providers,
    all: &[Occurrence],
    o: &Occurrence,
) -> Option<String> {
    let decl = all.iter().find(|d| d.decl && d.symbol == o.symbol)?;
    let (text, block) = declaring_block(module, decl)?;
    let slice = |span: infra_lang::Span| {
        let s = text.get(span.start..span.end).unwrap_or("");
        if s.len() > MAX_SHOWN {
            let mut end = MAX_SHOWN;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            format!("{} …", &s[..end])
        } else {
            s.to_string()
        }
    };
    let arg = |name: &str| block.body.attribute(name).map(|a| slice(a.expr.span));
    let mut out = format!("```infra\n{}\n```", o.symbol.reference());
    match &o.symbol {
        Symbol::Local(name) => {
            let a = block.body.attribute(name)?;
            out = format!("```infra\nlocal.{name} = {}\n```", slice(a.expr.span));
            if let Some(v) = constant_value(module, decl.file, &a.expr, &slice(a.expr.span)) {
                let _ = write!(out, "\n\nvalue: `{v}`");
            }
        }
        Symbol::Variable(_)
        | Symbol::Const(_)
        | Symbol::Output(_)
        | Symbol::Module(_)
        | Symbol::Function(_) => {
            // A sensitive variable's default is not repeated (anything
            // but a literal `false` counts as sensitive).
            let sensitive = block
                .body
                .attribute("sensitive")
                .is_some_and(|s| !matches!(s.expr.kind, infra_lang::ast::ExprKind::Bool(false)));
            for key in [
                "type",
                "default",
                "value",
                "source",
                "params",
                "result",
                "sensitive",
            ] {
                if key == "default" && sensitive && matches!(o.symbol, Symbol::Variable(_)) {
                    let _ = write!(out, "\n\n`default` = (sensitive)");
                    continue;
                }
                if let Some(v) = arg(key) {
                    let _ = write!(out, "\n\n`{key}` = `{v}`");
                }
            }
            if let (Symbol::Const(_), Some(d)) = (&o.symbol, block.body.attribute("default"))
                && let Some(v) = constant_value(module, decl.file, &d.expr, &slice(d.expr.span))
            {
                let _ = write!(out, "\n\nvalue: `{v}`");
            }
            let validations = block
                .body
                .blocks()
                .filter(|b| b.kind.name == "validation")
                .count();
            if validations > 0 {
                let _ = write!(out, "\n\n{validations} validation rule(s)");
            }
        }
        Symbol::Resource(t, _) | Symbol::Data(t, _) => {
            let data = matches!(o.symbol, Symbol::Data(..));
            let _ = write!(out, "\n\nprovider `{}`", Providers::provider_name(t));
            if let Some(schema) = providers.schema(t, data) {
                if !schema.description.is_empty() {
                    let _ = write!(out, " — {}", schema.description);
                }
                let set: Vec<&str> = block
                    .body
                    .attributes()
                    .map(|a| a.name.name.as_str())
                    .filter(|n| schema.attributes.contains_key(*n))
                    .collect();
                let after: Vec<&str> = schema
                    .attributes
                    .iter()
                    .filter(|(n, a)| a.computed && !set.contains(&n.as_str()))
                    .map(|(n, _)| n.as_str())
                    .collect();
                let _ = write!(out, "\n\nknown at plan: {}", list(&set));
                let _ = write!(out, "\n\nknown after apply: {}", list(&after));
            }
        }
    }
    if let Some(d) = arg("description") {
        let _ = write!(out, "\n\n{}", d.trim_matches('"'));
    }
    Some(out)
}

/// The value of `expr` (in file `file` of `module`) rendered, when it is
/// a constant (`constants.rs`: literals, built-in functions, other
/// constants) whose value reads differently from its text `shown`.
fn constant_value(
    module: &Module,
    file: usize,
    expr: &infra_lang::ast::Expr,
    shown: &str,
) -> Option<String> {
    let v = crate::constants::Constants::new(module).eval(file, expr)?;
    let rendered = infra_lang::value::render(&v);
    (rendered != shown && rendered.len() <= MAX_SHOWN).then_some(rendered)
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "—".into()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
