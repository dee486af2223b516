//! The provider interface: what the engine asks of a provider (schema,
//! configure, validate, plan, apply, read, read a data source, import,
//! upgrade stored state, call a function, stop) and the registry that
//! finds the provider of a resource type. The engine never names a
//! concrete provider; `infra-providers` implements this trait, and so do
//! out-of-process plugins (Terraform's plugin protocol), whose answers the
//! engine checks as Terraform does (`consistency.rs`).

mod configure;
pub mod consistency;
pub mod functions;
pub mod marks;
mod registry;
mod schema;
mod upgrade;
pub mod validate;

pub use configure::{ProviderConfig, configure};
pub use registry::Providers;
pub use schema::{
    Attribute, FunctionParameter, FunctionSignature, NestedAttributes, NestedBlock, Nesting,
    ProviderSchema, ResourceSchema,
};
pub use upgrade::decode_with_schema;

use async_trait::async_trait;
pub use infra_lang::value::PathStep;
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
    /// The provider's private bytes stored with the prior object (empty on
    /// create and for native providers): Terraform's `prior_private`.
    pub prior_private: &'a [u8],
}

/// A provider's answer to [`PlanRequest`].
#[derive(Debug)]
pub struct PlannedState {
    /// The planned new state: unknown where only apply can tell.
    pub planned: Value,
    /// Attribute paths whose change forces replacement, beyond the
    /// schema's force-new attributes (a top-level attribute is a one-step
    /// path). As in Terraform, a path counts only when the prior and
    /// planned values differ there or the planned one is unknown, and the
    /// list is ignored on create; a path found in neither value is an
    /// invalid plan.
    pub requires_replace: Vec<Vec<PathStep>>,
    /// Private bytes to store with the planned object and hand back to
    /// [`Provider::apply`] (`ApplyRequest::planned_private`); empty for
    /// native providers.
    pub private: Vec<u8>,
    /// The provider is built on Terraform's legacy SDK: the engine's
    /// consistency checks of its answers only log (debug) instead of
    /// failing, as Terraform tolerates them.
    pub legacy_type_system: bool,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
}

impl PlannedState {
    /// Accepts `planned` as it is: nothing forces replacement, no private
    /// bytes, no warnings.
    pub fn new(planned: Value) -> PlannedState {
        PlannedState {
            planned,
            requires_replace: Vec::new(),
            private: Vec::new(),
            legacy_type_system: false,
            warnings: Vec::new(),
        }
    }
}

/// One change for a provider to carry out.
#[derive(Debug, Default)]
pub struct ApplyRequest {
    /// The resource type.
    pub type_name: String,
    /// The current state; `None` when creating.
    pub prior: Option<Value>,
    /// The planned state (no unknowns in configured attributes); `None`
    /// when deleting.
    pub planned: Option<Value>,
    /// The configuration (every schema attribute, null where unset, no
    /// unknowns); `None` when deleting (Terraform's
    /// `ApplyResourceChange.config`).
    pub config: Option<Value>,
    /// The private bytes stored with `prior` (empty when creating).
    pub prior_private: Vec<u8>,
    /// The private bytes the provider's plan returned
    /// ([`PlannedState::private`]); empty when deleting.
    pub planned_private: Vec<u8>,
}

/// What [`Provider::apply`] made: the new object and its private bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// The new state; `None` after a delete.
    pub state: Option<Value>,
    /// Private bytes to store with it (empty for native providers).
    pub private: Vec<u8>,
    /// The provider is built on Terraform's legacy SDK (see
    /// [`PlannedState::legacy_type_system`]).
    pub legacy_type_system: bool,
}

impl Applied {
    /// The new state `state` without private bytes.
    pub fn new(state: Option<Value>) -> Applied {
        Applied {
            state,
            private: Vec::new(),
            legacy_type_system: false,
        }
    }
}

/// An object as [`Provider::read`] and [`Provider::import`] return it:
/// its attributes and the provider's private bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// Its attributes (an object).
    pub value: Value,
    /// Private bytes to keep with it (empty for native providers).
    pub private: Vec<u8>,
}

impl Stored {
    /// `value` without private bytes.
    pub fn new(value: Value) -> Stored {
        Stored {
            value,
            private: Vec::new(),
        }
    }
}

/// One object [`Provider::import`] found (Terraform's
/// `ImportResourceState.imported_resources`): a provider may return
/// objects of several types; the engine keeps the one of the imported
/// resource's type.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// Its resource type.
    pub type_name: String,
    /// Its state and private bytes.
    pub object: Stored,
}

/// Why a provider function call failed (Terraform's `FunctionError`).
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionError {
    /// What went wrong, in words.
    pub text: String,
    /// The index of the argument at fault, when one is.
    pub argument: Option<usize>,
}

/// What [`Provider::move_state`] is asked: an object stored by another
/// resource type, possibly of another provider, to become an object of
/// `target_type` (Terraform's `MoveResourceState` request, for a `moved`
/// block that changes the resource type).
#[derive(Clone, Debug, PartialEq)]
pub struct MoveRequest {
    /// The source provider's address, `registry.terraform.io/hashicorp/aws`.
    pub source_provider: String,
    /// The source resource type.
    pub source_type: String,
    /// The source type's schema version the object was stored with.
    pub source_version: u64,
    /// The stored object as JSON, as in the state file.
    pub source_state: Vec<u8>,
    /// The source object's private bytes.
    pub source_private: Vec<u8>,
    /// The resource type to move it to.
    pub target_type: String,
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

    /// True when its synchronous calls ([`Provider::validate`],
    /// [`Provider::validate_data`], [`Provider::plan`]) are round trips to
    /// another process (a plugin): the planner then sends them ahead of
    /// the evaluation that needs them, concurrently from several threads
    /// (`plan/prefetch.rs`). Native providers answer in-process: `false`
    /// (the default), and the planner calls them only when it needs them.
    fn is_remote(&self) -> bool {
        false
    }

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

    /// Checks the `provider "NAME" { ... }` configuration object (may hold
    /// unknowns) beyond its schema, before [`Provider::configure`]; no
    /// network (Terraform's `ValidateProviderConfig`). The default finds
    /// nothing.
    fn validate_config(&self, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Checks beyond the schema (e.g. "set `content` or `content_base64`,
    /// not both") on a managed resource's configuration object; no network.
    /// Returns errors and warnings. Not called for data sources.
    fn validate(&self, _type_name: &str, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Checks beyond the schema on a data source's configuration object
    /// (may hold unknowns); no network (Terraform's
    /// `ValidateDataResourceConfig`). The default finds nothing.
    fn validate_data(&self, _type_name: &str, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Plans one managed resource instance. The default accepts the
    /// engine's proposal unchanged.
    ///
    /// # Errors
    /// When the configuration cannot be planned.
    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        Ok(PlannedState::new(request.proposed))
    }

    /// Creates (`prior` is `None`), updates, or deletes (`planned` is
    /// `None`) one object. Returns the new state (`None` after a delete)
    /// with its private bytes.
    ///
    /// # Errors
    /// When the real system refused; nothing must have changed then, or
    /// the error must say what did.
    async fn apply(&self, request: ApplyRequest) -> Result<Applied, Failure>;

    /// Reads the real object behind `state` (refresh, drift), given the
    /// private bytes stored with it: its current state and private bytes,
    /// or `None` when it no longer exists.
    ///
    /// # Errors
    /// When the object cannot be read (network, permissions).
    async fn read(
        &self,
        type_name: &str,
        state: Value,
        private: &[u8],
    ) -> Result<Option<Stored>, Failure>;

    /// The state of a `type_name` object stored by schema version
    /// `version` (as raw JSON: the state file's `attributes`), upgraded to
    /// the current schema. Called when a stored instance's
    /// `schema_version` differs from its schema's `version` (Terraform's
    /// `UpgradeResourceState`). The default decodes the JSON with the
    /// current schema's type, dropping attributes the schema no longer has
    /// ([`decode_with_schema`], as Terraform's
    /// `stripRemovedStateAttributes`).
    ///
    /// # Errors
    /// Not JSON, an unknown type, or values that do not fit the schema.
    async fn upgrade_state(
        &self,
        type_name: &str,
        _version: u64,
        raw_json: &[u8],
    ) -> Result<Value, Failure> {
        match self.schema().resources.get(type_name) {
            Some(schema) => decode_with_schema(schema, raw_json).map_err(error),
            None => Err(error(format!("`{type_name}` is not a resource type"))),
        }
    }

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

    /// Whether a create of `planned` (a `type_name` object) can leave a
    /// real object behind: false for types whose objects live only in
    /// state (`random_*`, `infra_data`; what [`Provider::find`] answers
    /// [`Found::NotReal`] for). Apply announces a create in the journal
    /// (an intent, fsynced before it starts) only when true: a crash can
    /// lose nothing of the others, whose intent the next run would drop
    /// unread. The default: true.
    fn makes_real_object(&self, _type_name: &str, _planned: &Value) -> bool {
        true
    }

    /// Imports an existing object by its provider-specific id: the
    /// objects found (one, of `type_name`, for native providers).
    ///
    /// # Errors
    /// When the object does not exist or the type cannot be imported.
    async fn import(&self, type_name: &str, _id: &str) -> Result<Vec<Imported>, Failure> {
        Err(error(format!("`{type_name}` does not support import")))
    }

    /// True when [`Provider::move_state`] can move objects of other
    /// resource types to this provider's types (a plugin's
    /// `server_capabilities.move_resource_state`). The default: false.
    fn moves_across_types(&self) -> bool {
        false
    }

    /// MoveResourceState: the object of `request.source_type` as an object
    /// of `request.target_type` of this provider, with its private bytes,
    /// in the target type's current schema.
    ///
    /// # Errors
    /// The provider cannot move that object (the default: no provider can).
    async fn move_state(&self, request: MoveRequest) -> Result<Stored, Failure> {
        Err(error(format!(
            "provider `{}` cannot move `{}` objects to `{}`",
            self.name(),
            request.source_type,
            request.target_type
        )))
    }

    /// Calls provider function `name` (declared in
    /// [`ProviderSchema::functions`]) with `args` (Terraform's
    /// `CallFunction`): one per parameter, then the variadic ones, each
    /// converted to its parameter's type, without sensitive marks, and
    /// wholly known unless the parameter allows unknowns
    /// ([`functions::call`] sees to all that). Synchronous, as expression
    /// evaluation is (a plugin waits on its RPC). The default knows no
    /// function.
    ///
    /// # Errors
    /// The function refused its arguments or failed.
    fn call_function(&self, name: &str, _args: Vec<Value>) -> Result<Value, FunctionError> {
        Err(FunctionError {
            text: format!("provider `{}` has no function `{name}`", self.name()),
            argument: None,
        })
    }

    /// Asks the provider to stop what it is doing as soon as it can (the
    /// user interrupted an apply; Terraform's `StopProvider`). Running
    /// calls still return. The default does nothing.
    async fn stop(&self) {}

    /// A rollback starts (`apply --rollback-on-failure`): the operations
    /// that follow undo this process's earlier ones, so what the provider
    /// kept to protect objects made in this run from deletes no longer
    /// applies. The default does nothing; `local` forgets the files it
    /// wrote (which a delete otherwise never removes).
    fn undo_starts(&self) {}
}
