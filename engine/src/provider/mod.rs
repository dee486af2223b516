//! The provider interface: what the engine asks of a provider (schema,
//! configure, validate, plan, apply, read, read a data source, import) and
//! the registry that finds the provider of a resource type. The engine
//! never names a concrete provider; `infra-providers` implements this trait.

mod configure;
mod registry;
mod schema;
pub mod validate;

pub use configure::{ProviderConfig, configure};
pub use registry::Providers;
pub use schema::{Attribute, ProviderSchema, ResourceSchema};

use async_trait::async_trait;
use infra_lang::{Diagnostic, Value};

/// Diagnostics a provider call failed with (at least one error). They carry
/// no source position; the engine adds the resource address.
pub type Failure = Vec<Diagnostic>;

/// An error diagnostic from a provider: code `provider::error`.
pub fn error(message: impl Into<String>) -> Failure {
    vec![Diagnostic::error("provider::error", message)]
}

/// What the engine asks a provider to plan for one resource instance.
#[derive(Debug)]
pub struct PlanRequest<'a> {
    /// The resource type, e.g. `local_file`.
    pub type_name: &'a str,
    /// The prior state (refreshed unless `--refresh=false`); `None` when
    /// the object is to be created (or replaced).
    pub prior: Option<&'a Value>,
    /// The configuration: an object with every schema attribute, converted
    /// to the schema's types, null where not set; may hold unknowns.
    pub config: &'a Value,
    /// The engine's proposal for the new state: configured values, and for
    /// computed attributes the configuration leaves unset, the prior value
    /// (unknown on create).
    pub proposed: Value,
}

/// A provider's answer to [`PlanRequest`].
#[derive(Debug)]
pub struct PlannedState {
    /// The planned new state: unknown where only apply can tell.
    pub planned: Value,
    /// Attributes whose change forces replacement, beyond the schema's
    /// force-new ones (e.g. `keepers` of `random_*`).
    pub requires_replace: Vec<String>,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
}

/// One change for a provider to carry out.
#[derive(Debug)]
pub struct ApplyRequest {
    /// The resource type.
    pub type_name: String,
    /// The current state; `None` when creating.
    pub prior: Option<Value>,
    /// The planned state (no unknowns in configured attributes); `None`
    /// when deleting.
    pub planned: Option<Value>,
}

/// What [`Provider::find`] found for a create whose outcome is unknown.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    /// The object exists: its state, as a completed create would have
    /// returned it (or as `import` reads it).
    Object(Value),
    /// No object has the planned identity: the create never happened.
    Missing,
    /// The type makes no real object (`random_*`, `infra_data`): nothing
    /// can have been left behind.
    NotReal,
    /// The provider cannot look the object up by its configuration (the
    /// default; e.g. its identity is assigned by the remote system).
    Unsupported,
}

/// A provider: the resource types and data sources of one prefix
/// (`random_*`, `local_*`, `aws_*`).
///
/// `plan` is synchronous and must not touch the network: it derives the
/// planned state from prior state and configuration. Everything that talks
/// to real systems is async and runs on the tokio runtime, concurrently
/// for independent resources.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name, the prefix of its type names: `random`.
    fn name(&self) -> &str;

    /// Its resource types and data sources.
    fn schema(&self) -> &ProviderSchema;

    /// A new, unconfigured instance of this provider, for a second
    /// configuration of it (`provider "aws" { alias = "west" ... }`);
    /// `None` (the default) when the provider takes no configuration, so
    /// every alias shares this instance.
    fn new_instance(&self) -> Option<std::sync::Arc<dyn Provider>> {
        None
    }

    /// Configures the provider from its `provider "NAME" { ... }` block
    /// (an object, null attributes where unset) before any other call.
    ///
    /// # Errors
    /// Bad settings or unreachable credentials.
    async fn configure(&self, _config: Value) -> Result<(), Failure> {
        Ok(())
    }

    /// Checks beyond the schema (e.g. "set `content` or `content_base64`,
    /// not both") on a managed resource's configuration object; no network.
    /// Returns errors and warnings. Not called for data sources.
    fn validate(&self, _type_name: &str, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Plans one managed resource instance. The default accepts the
    /// engine's proposal unchanged.
    ///
    /// # Errors
    /// When the configuration cannot be planned.
    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        Ok(PlannedState {
            planned: request.proposed,
            requires_replace: Vec::new(),
            warnings: Vec::new(),
        })
    }

    /// Creates (`prior` is `None`), updates, or deletes (`planned` is
    /// `None`) one object. Returns the new state, `None` after a delete.
    ///
    /// # Errors
    /// When the real system refused; nothing must have changed then, or
    /// the error must say what did.
    async fn apply(&self, request: ApplyRequest) -> Result<Option<Value>, Failure>;

    /// Reads the real object behind `state` (refresh, drift): its current
    /// state, or `None` when it no longer exists.
    ///
    /// # Errors
    /// When the object cannot be read (network, permissions).
    async fn read(&self, type_name: &str, state: Value) -> Result<Option<Value>, Failure>;

    /// Reads a data source with its configuration (every schema attribute,
    /// null where unset, no unknowns).
    ///
    /// # Errors
    /// When the data cannot be read.
    async fn read_data(&self, type_name: &str, _config: Value) -> Result<Value, Failure> {
        Err(error(format!("`{type_name}` is not a data source")))
    }

    /// Looks for the object a create of `planned` (the planned state sent
    /// to [`Provider::apply`]; computed attributes may be unknown) would
    /// have made, by the identity the configuration gives it (a file name,
    /// a bucket and key). Called for creates a crash left unrecorded
    /// (Pulumi's pending operations). The default is
    /// [`Found::Unsupported`].
    ///
    /// # Errors
    /// When the real system cannot be asked (network, permissions).
    async fn find(&self, _type_name: &str, _planned: Value) -> Result<Found, Failure> {
        Ok(Found::Unsupported)
    }

    /// Imports an existing object by its provider-specific id.
    ///
    /// # Errors
    /// When the object does not exist or the type cannot be imported.
    async fn import(&self, type_name: &str, _id: &str) -> Result<Value, Failure> {
        Err(error(format!("`{type_name}` does not support import")))
    }
}
