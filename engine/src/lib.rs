//! The engine: configuration loading and static checks over whole modules
//! (this is where block types, resources and references get their meaning),
//! and, as the product grows, the resource graph, state, plan and apply.

pub mod addr;
pub mod config;
pub mod eval;
