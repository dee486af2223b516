//! `.infravars` files checked against the module's variables, as `plan`
//! would take them: a name no `variable` block declares is a warning (with
//! a did-you-mean; Terraform warns too), a value that does not convert to
//! the declared type an error — a sensitive variable's value never quoted.

use crate::documents::Module;
use infra_lang::ast::{Block, BodyItem};
use infra_lang::{Diagnostic, SourceFile, syntax};
use std::sync::Arc;

/// The diagnostics of the var file `text` (named `name`) for `module`:
/// its syntax errors, then its names and values.
pub fn check(name: &str, text: &str, module: &Module) -> Vec<Diagnostic> {
    let source = Arc::new(SourceFile::new(name, text));
    let parsed = syntax::parse(&source);
    let mut out = parsed.diagnostics;
    let Some(file) = parsed.file else {
        return out;
    };
    let variables: Vec<(&Arc<SourceFile>, &Block)> = module
        .files
        .iter()
        .flat_map(|f| {
            f.ast.body.items.iter().filter_map(move |i| match i {
                BodyItem::Block(b) if b.kind.name == "variable" && !b.labels.is_empty() => {
                    Some((&f.source, b))
                }
                _ => None,
            })
        })
        .collect();
    for a in file.body.attributes() {
        let declared = variables
            .iter()
            .find(|(_, b)| b.labels.first().is_some_and(|l| l.value == a.name.name));
        let Some((var_src, var)) = declared else {
            let names = variables
                .iter()
                .filter_map(|(_, b)| b.labels.first().map(|l| l.value.as_str()));
            let help = match infra_lang::diagnostic::did_you_mean(&a.name.name, names) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => format!(
                    "No `variable \"{}\"` in this module: the value is not used.",
                    a.name.name
                ),
            };
            out.push(
                Diagnostic::warning(
                    "input::undeclared",
                    format!("`{}` is not a variable of this module", a.name.name),
                )
                .in_file(&source)
                .primary(a.name.span, "not declared")
                .with_help(help),
            );
            continue;
        };
        let Some(type_attr) = var.body.attribute("type") else {
            continue;
        };
        let Ok(ty) = infra_lang::types::parse_type(var_src, &type_attr.expr) else {
            continue;
        };
        let value = match infra_lang::eval::eval_constant(&source, &a.expr) {
            Ok(v) => v,
            Err(d) => {
                out.push(d);
                continue;
            }
        };
        let sensitive = var.body.attribute("sensitive").is_some_and(|s| {
            var_src.text().get(s.expr.span.start..s.expr.span.end) == Some("true")
        });
        if let Err(e) = infra_lang::value::convert(value, &ty) {
            let detail = if sensitive {
                format!("not a valid {ty} (the variable is sensitive: its value is not shown)")
            } else {
                format!("{}{}", e.path_string(), e.message)
            };
            out.push(
                Diagnostic::error(
                    "input::type-mismatch",
                    format!("var.{}: {detail}", a.name.name),
                )
                .in_file(&source)
                .primary(a.expr.span, format!("not a valid {ty}"))
                .with_help(format!("`var.{}` is declared as {ty}.", a.name.name)),
            );
        }
    }
    out
}
