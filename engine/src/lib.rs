//! The engine: configuration loading and static checks over whole modules
//! (this is where block types, resources and references get their meaning),
//! evaluation, the provider interface, state and state stores, plan and
//! apply.

pub mod addr;
pub mod apply;
pub mod audit;
pub mod config;
pub mod diff;
pub mod drift;
pub mod encryption;
pub mod eval;
pub mod import;
pub mod plan;
pub mod plugins;
pub mod provider;
pub mod state;
pub mod tfjson;
pub mod timing;
