//! `infra lsp`: a language server for `.infra` and `.infravars` files over
//! stdio (LSP 3.17, on rust-analyzer's `lsp-server` and `lsp-types`). It
//! reuses the parser, `infra validate`'s checks, the formatter, the
//! built-in functions' signatures and the providers' schemas: a module is
//! the directory of an open file, every `.infra` file in it, open or on
//! disk. See docs/editors.md.

mod actions;
mod child_modules;
mod completion;
mod constants;
mod cross_module;
mod definition;
mod diagnostics;
mod documents;
mod enum_values;
mod folding;
mod format;
mod handlers;
mod hover;
mod infravars;
mod inlay;
mod main_loop;
mod nodes;
mod occurrences;
mod position;
mod rename;
mod schema;
mod semantic;
mod signature;
mod symbols;
#[cfg(test)]
mod tests;

pub use main_loop::serve_stdio;
