//! Go to definition and find references, across the files of a module
//! (and into a child module's `output` blocks, `child_modules.rs`).

use crate::documents::Module;
use crate::occurrences::{Occurrence, at, occurrences};
use lsp_types::Location;

/// Where the symbol at `offset` of file `file` is declared.
pub fn definition(module: &Module, file: usize, offset: usize) -> Vec<Location> {
    if let Some(l) = crate::child_modules::output_definition(module, file, offset)
        .or_else(|| crate::child_modules::variable_definition(module, file, offset))
    {
        return vec![l];
    }
    let all = occurrences(module);
    let Some(here) = at(&all, file, offset) else {
        return Vec::new();
    };
    all.iter()
        .filter(|o| o.decl && o.symbol == here.symbol)
        .filter_map(|o| location(module, o))
        .collect()
}

/// Every place the symbol at `offset` of file `file` is written
/// (`include_decl`: its declaration too).
pub fn references(
    module: &Module,
    file: usize,
    offset: usize,
    include_decl: bool,
) -> Vec<Location> {
    let all = occurrences(module);
    let Some(here) = at(&all, file, offset) else {
        return Vec::new();
    };
    all.iter()
        .filter(|o| o.symbol == here.symbol && (include_decl || !o.decl))
        .filter_map(|o| location(module, o))
        .collect()
}

/// The location of an occurrence.
pub fn location(module: &Module, o: &Occurrence) -> Option<Location> {
    Some(Location::new(
        module.uri_of(o.file)?,
        module.range(o.file, o.span)?,
    ))
}
