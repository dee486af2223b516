//! The native provider framework (mirrors Terraform's plugin framework):
//! a provider is a [`ProviderSpec`] — its name, configuration and shared
//! context — plus a list of [`ResourceType`]s and [`DataSource`]s, one
//! value per type, each in its own file, and a list of provider
//! [`Function`]s. [`NativeProvider`] implements the
//! engine's [`infra_engine::provider::Provider`] over that list: it builds
//! the schema from it and dispatches every call by type name.
//!
//! A new native resource type is one file (a unit struct implementing
//! [`ResourceType`]) plus one line in its provider's
//! [`ProviderSpec::resources`]. The engine's `Provider` trait stays the
//! seam: out-of-process providers implement it directly.

mod data_source;
mod function;
mod provider;
mod resource;

pub use data_source::DataSource;
pub use function::Function;
pub use provider::{NativeProvider, ProviderSpec};
pub use resource::ResourceType;

#[cfg(test)]
mod tests;
