//! [`DataSource`]: one data source of a native provider — its name,
//! schema and read.

use async_trait::async_trait;
use infra_engine::provider::{Failure, ResourceSchema};
use infra_lang::Value;

/// A data source (`data "local_file"`) of a provider whose shared context
/// is `C`. Mirrors Terraform's `datasource.DataSource`.
#[async_trait]
pub trait DataSource<C: Send + Sync>: Send + Sync {
    /// The type name, e.g. `local_file` (it may equal a resource type's).
    fn name(&self) -> &'static str;

    /// The data source's attributes.
    fn schema(&self) -> ResourceSchema;

    /// Reads the data for `config` (every schema attribute, null where
    /// unset, no unknowns): the new state, every schema attribute set.
    ///
    /// # Errors
    /// When the data cannot be read.
    async fn read(&self, ctx: &C, schema: &ResourceSchema, config: Value)
    -> Result<Value, Failure>;
}
