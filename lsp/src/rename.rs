//! Rename of variables, locals, consts, functions, outputs, module calls
//! and resources across the files of a module. Renaming a managed
//! resource or a module call also appends the `moved { from = OLD
//! to = NEW }` block that keeps its real objects (Terraform's editors
//! leave that to the user, who otherwise destroys and recreates them).

use crate::documents::Module;
use crate::occurrences::{Symbol, at, occurrences};
use lsp_types::{Position, Range, TextEdit, Url, WorkspaceEdit};
use std::collections::HashMap;

/// The range of the name a rename at `offset` would change.
pub fn prepare(module: &Module, file: usize, offset: usize) -> Option<Range> {
    let all = occurrences(module);
    let here = at(&all, file, offset)?;
    module.range(here.file, here.span)
}

/// The edits renaming the symbol at `offset` of file `file` to `new_name`.
///
/// # Errors
/// A message for the user: nothing to rename there, or `new_name` is not
/// an identifier.
pub fn rename(
    module: &Module,
    file: usize,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    check_name(new_name)?;
    let all = occurrences(module);
    let here = at(&all, file, offset).ok_or("nothing to rename here")?;
    let symbol = here.symbol.clone();
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    let mut decl_file = None;
    for o in all.iter().filter(|o| o.symbol == symbol) {
        if o.in_moved {
            continue;
        }
        if o.decl {
            decl_file.get_or_insert(o.file);
        }
        let (Some(uri), Some(range)) = (module.uri_of(o.file), module.range(o.file, o.span)) else {
            continue;
        };
        changes
            .entry(uri)
            .or_default()
            .push(TextEdit::new(range, new_name.to_string()));
    }
    if let Some((from, to)) = moved_addresses(&symbol, new_name)
        && let Some(fi) = decl_file
        && let Some(f) = module.files.get(fi)
        && let Some(uri) = module.uri_of(fi)
    {
        let text = f.source.text();
        let end = module.lines.get(fi).map(|l| l.position(text, text.len()));
        let end = end.unwrap_or(Position::new(0, 0));
        let sep = if text.ends_with('\n') || text.is_empty() {
            "\n"
        } else {
            "\n\n"
        };
        let block = format!("{sep}moved {{\n  from = {from}\n  to   = {to}\n}}\n");
        changes
            .entry(uri)
            .or_default()
            .push(TextEdit::new(Range::new(end, end), block));
    }
    Ok(WorkspaceEdit::new(changes))
}

/// Refuses a new name that is not an identifier.
///
/// # Errors
/// A message for the user saying which names are valid.
pub(crate) fn check_name(new_name: &str) -> Result<(), String> {
    if is_identifier(new_name) {
        Ok(())
    } else {
        Err(format!(
            "{new_name:?} is not a valid name: use letters, digits, underscores and dashes, starting with a letter or underscore"
        ))
    }
}

/// The old and new addresses of a renamed object that has real objects
/// behind it: a managed resource or a module call.
fn moved_addresses(symbol: &Symbol, new_name: &str) -> Option<(String, String)> {
    match symbol {
        Symbol::Resource(t, n) => Some((format!("{t}.{n}"), format!("{t}.{new_name}"))),
        Symbol::Module(n) => Some((format!("module.{n}"), format!("module.{new_name}"))),
        _ => None,
    }
}

/// A name the language accepts for a block label or attribute.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
