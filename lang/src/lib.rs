//! The `.infra` language front end: grammar and parser (pest), the AST with
//! spans, the formatter, diagnostics, and the generic pieces static checks
//! are built from. It knows nothing of resources, state or providers.

// pest_derive without its "std" feature names `alloc::` paths.
extern crate alloc;

pub mod ast;
pub mod ast_codec;
pub mod codes;
pub mod diagnostic;
pub mod eval;
pub mod fmt;
pub mod source;
pub mod span;
pub mod syntax;
pub mod types;
pub mod value;

pub use diagnostic::{Diagnostic, Severity};
pub use source::SourceFile;
pub use span::Span;
pub use types::Type;
pub use value::Value;
