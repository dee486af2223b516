//! Enum-like value completion: the values an argument or a variable
//! takes when only a fixed set is allowed — a provider schema attribute's
//! `allowed_values` (e.g. `aws_s3_object`'s `storage_class`), or a
//! variable whose `validation` condition is `contains([...], var.NAME)`.
//! Offered after `NAME = ` in a `resource`/`data` block, in a `module`
//! block (the child's variable), in a variable's own `default`, in an
//! `.infravars` file, and after `var.NAME ==` / `!=`.

use crate::completion::word_start;
use crate::documents::Module;
use crate::schema::block_schema;
use infra_engine::provider::Providers;
use infra_lang::ast::{Block, Expr, ExprKind, File};
use lsp_types::{CompletionItem, CompletionItemKind};

/// What the text before the cursor asks a value for.
#[derive(Debug, PartialEq, Eq)]
enum Slot<'t> {
    /// `NAME = ` (an argument's value).
    Argument(&'t str),
    /// `var.NAME == ` or `!=`.
    Compared(&'t str),
}

/// The completion items for a value at the cursor, `None` when the text
/// before it (`before`, the line up to the cursor) is not a value's start
/// or the set of values is not known. `blocks` are the blocks around the
/// cursor (outermost first); `current` is the file being edited as last
/// parsed; `file_name` tells `.infravars` files.
pub fn value_items(
    module: Option<&Module>,
    current: Option<&File>,
    providers: &Providers,
    blocks: &[&Block],
    file_name: &str,
    before: &str,
) -> Option<Vec<CompletionItem>> {
    let (slot, quoted) = slot(before)?;
    let values: Vec<String> = match (slot, blocks) {
        (Slot::Compared(var), _) => variable_values(module, current, var),
        (Slot::Argument(name), []) if file_name.ends_with(".infravars") => {
            variable_values(module, current, name)
        }
        (Slot::Argument("default"), [b]) if b.kind.name == "variable" => {
            validation_values(b, &b.labels.first()?.value)
        }
        (Slot::Argument(name), [call]) if call.kind.name == "module" => {
            let dir = infra_engine::config::local_source_dir(&module?.dir, call)?;
            let (files, _) = infra_engine::config::load_dir(&dir);
            files
                .iter()
                .find_map(|f| variable_block(&f.ast, name))
                .map(|b| validation_values(b, name))
                .unwrap_or_default()
        }
        (Slot::Argument(name), _) => block_schema(providers, blocks)?
            .attributes
            .get(name)?
            .allowed_values
            .iter()
            .map(|v| v.to_string())
            .collect(),
    };
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .enumerate()
            .map(|(i, v)| CompletionItem {
                label: v.clone(),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                detail: Some("allowed value".into()),
                insert_text: Some(if quoted {
                    v.clone()
                } else {
                    infra_lang::value::quote(v)
                }),
                sort_text: Some(format!("{i:04}")),
                ..CompletionItem::default()
            })
            .collect(),
    )
}

/// The slot the line `before` the cursor ends in, and whether a string's
/// opening quote is typed already.
fn slot(before: &str) -> Option<(Slot<'_>, bool)> {
    let partial_start = word_start(before, &['_', '-', '.', ':', '/']);
    let mut head = before[..partial_start].trim_end();
    let quoted = head.ends_with('"');
    if !quoted && before[partial_start..].contains('.') {
        // A reference being typed (`var.`), not a value.
        return None;
    }
    if quoted {
        head = head[..head.len() - 1].trim_end();
    }
    if let Some(lhs) = head.strip_suffix("==").or_else(|| head.strip_suffix("!=")) {
        let lhs = lhs.trim_end();
        let name = lhs[word_start(lhs, &['_', '-', '.'])..].strip_prefix("var.")?;
        return is_name(name).then_some((Slot::Compared(name), quoted));
    }
    let name = head.strip_suffix('=')?.trim();
    (is_name(name) && !head.ends_with("==")).then_some((Slot::Argument(name), quoted))
}

fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// The values variable `name` of the module (its other files, or the
/// file being edited) allows, from its `validation` blocks.
fn variable_values(module: Option<&Module>, current: Option<&File>, name: &str) -> Vec<String> {
    let files = current.into_iter().chain(
        module
            .into_iter()
            .flat_map(|m| m.files.iter().map(|f| &f.ast)),
    );
    files
        .into_iter()
        .find_map(|f| variable_block(f, name))
        .map(|b| validation_values(b, name))
        .unwrap_or_default()
}

fn variable_block<'f>(file: &'f File, name: &str) -> Option<&'f Block> {
    file.body
        .blocks()
        .find(|b| b.kind.name == "variable" && b.labels.first().is_some_and(|l| l.value == name))
}

/// The strings of `contains(["a", "b"], var.NAME)` in the `condition` of
/// `variable` block `b`'s `validation` blocks (anywhere in the condition,
/// e.g. beside `&&`), in order, without repeats.
pub fn validation_values(b: &Block, name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in b.body.blocks().filter(|v| v.kind.name == "validation") {
        let Some(cond) = v.body.attribute("condition") else {
            continue;
        };
        let mut stack: Vec<&Expr> = vec![&cond.expr];
        while let Some(e) = stack.pop() {
            if let ExprKind::FunctionCall { name: f, args, .. } = &e.kind
                && f.name == "contains"
                && let [list, value] = args.as_slice()
                && let ExprKind::Tuple(items) = &list.kind
                && is_var(value, name)
            {
                for item in items {
                    if let ExprKind::Template(t) = &item.kind
                        && let Some(s) = t.as_literal()
                        && !out.contains(&s)
                    {
                        out.push(s);
                    }
                }
            }
            e.for_each_child(&mut |c| stack.push(c));
        }
    }
    out
}

/// True when `e` is `var.NAME`.
fn is_var(e: &Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::GetAttr { object, name: n }
        if n.name == name && matches!(&object.kind, ExprKind::Variable(v) if v.name == "var"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_argument_values_and_comparisons() {
        assert_eq!(slot("  acl = "), Some((Slot::Argument("acl"), false)));
        assert_eq!(slot("  acl = \"pri"), Some((Slot::Argument("acl"), true)));
        assert_eq!(slot("env=\""), Some((Slot::Argument("env"), true)));
        assert_eq!(
            slot("  x = var.env == \"p"),
            Some((Slot::Compared("env"), true))
        );
        assert_eq!(
            slot("  x = var.env != "),
            Some((Slot::Compared("env"), false))
        );
        assert_eq!(slot("  acl = var."), None);
        assert_eq!(slot("  x = a == "), None);
        assert_eq!(slot("  acl"), None);
        assert_eq!(slot("\0\u{feff}é😀 = = = {"), None);
        assert_eq!(slot("x = \"é"), Some((Slot::Argument("x"), true)));
    }

    #[test]
    fn validation_values_come_from_contains_of_the_variable() {
        let text = "variable \"env\" {\n  validation {\n    condition     = length(var.env) > 0 && contains([\"dev\", \"prod\", \"dev\"], var.env)\n    error_message = \"x\"\n  }\n  validation {\n    condition     = contains([\"other\"], var.other)\n    error_message = \"y\"\n  }\n}\n";
        let source = infra_lang::SourceFile::new("v.infra", text);
        let file = infra_lang::syntax::parse(&source).file.expect("parses");
        let b = variable_block(&file, "env").expect("variable");
        assert_eq!(validation_values(b, "env"), ["dev", "prod"]);
    }
}
