//! [`ResourceType`]: one managed resource type of a native provider — its
//! name, schema and the calls the engine makes for its instances.

use crate::object::Attrs;
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Failure, Found, MoveRequest, PlanRequest, PlannedState, ResourceSchema, error,
};
use infra_lang::{Diagnostic, Value};

/// A managed resource type (`local_file`) of a provider whose shared
/// context is `C` (the `aws` provider's settings and SDK clients; `()`
/// for providers that share nothing). Mirrors Terraform's
/// `resource.Resource`; the defaults are those of the engine's
/// [`infra_engine::provider::Provider`].
///
/// Every call gets the type's schema (the one [`ResourceType::schema`]
/// returned, built once) and the context of the provider configuration the
/// instance belongs to. `validate` and `plan` must not touch the network.
#[async_trait]
pub trait ResourceType<C: Send + Sync>: Send + Sync {
    /// The type name, e.g. `local_file`; it starts with the provider's
    /// name and `_`.
    fn name(&self) -> &'static str;

    /// The type's attributes.
    fn schema(&self) -> ResourceSchema;

    /// Checks beyond the schema on a configuration's attributes (every
    /// schema attribute, null where unset; may hold unknowns): errors and
    /// warnings. The default finds nothing.
    fn validate(&self, _ctx: &C, _config: &Attrs) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Plans one instance. The default accepts the engine's proposal.
    ///
    /// # Errors
    /// When the configuration cannot be planned.
    fn plan(
        &self,
        _ctx: &C,
        _schema: &ResourceSchema,
        request: PlanRequest<'_>,
    ) -> Result<PlannedState, Failure> {
        Ok(PlannedState::new(request.proposed))
    }

    /// Creates (`prior` is `None`), updates, or deletes (`planned` is
    /// `None`) one object; returns the new state, `None` after a delete.
    ///
    /// # Errors
    /// When the real system refused.
    async fn apply(
        &self,
        ctx: &C,
        schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure>;

    /// Reads the real object behind `state`; `None` when it is gone.
    ///
    /// # Errors
    /// When the object cannot be read.
    async fn read(
        &self,
        ctx: &C,
        schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure>;

    /// Looks for the object a create of `planned` would have made (see
    /// [`infra_engine::provider::Provider::find`]). The default is
    /// [`Found::Unsupported`].
    ///
    /// # Errors
    /// When the real system cannot be asked.
    async fn find(
        &self,
        _ctx: &C,
        _schema: &ResourceSchema,
        _planned: Value,
    ) -> Result<Found, Failure> {
        Ok(Found::Unsupported)
    }

    /// Whether a create of `planned` can leave a real object behind
    /// (`Provider::makes_real_object`): false where [`ResourceType::find`]
    /// answers `Found::NotReal`. The default: true.
    fn makes_real_object(&self, _planned: &Value) -> bool {
        true
    }

    /// Imports an existing object by its id. The default refuses:
    /// "`TYPE` does not support import".
    ///
    /// # Errors
    /// When the object does not exist or the type cannot be imported.
    async fn import(
        &self,
        _ctx: &C,
        _schema: &ResourceSchema,
        _id: &str,
    ) -> Result<Value, Failure> {
        Err(error(format!("`{}` does not support import", self.name())))
    }

    /// True when [`ResourceType::move_state`] accepts objects of other
    /// types (Terraform's plugin framework `ResourceWithMoveState`). The
    /// default: false.
    fn accepts_moves(&self) -> bool {
        false
    }

    /// The new state of this type for an object stored by another type
    /// (a `moved` block changing the type; see
    /// [`infra_engine::provider::Provider::move_state`]). The default
    /// refuses.
    ///
    /// # Errors
    /// When the source type or object cannot be moved here.
    async fn move_state(
        &self,
        _ctx: &C,
        _schema: &ResourceSchema,
        request: &MoveRequest,
    ) -> Result<Value, Failure> {
        Err(error(format!(
            "`{}` cannot take objects of `{}`",
            self.name(),
            request.source_type
        )))
    }
}
