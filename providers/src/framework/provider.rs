//! [`ProviderSpec`] (what is particular to one native provider: its name,
//! configuration, shared context, list of types and functions) and
//! [`NativeProvider`], the one implementation of the engine's
//! [`Provider`] over such a list.

use super::{DataSource, Function, ResourceType};
use crate::object::{attrs, no_such_type};
use async_trait::async_trait;
use infra_engine::provider::{
    Applied, ApplyRequest, Failure, Found, FunctionError, Imported, MoveRequest, PlanRequest,
    PlannedState, Provider, ProviderSchema, ResourceSchema, Stored,
};
use infra_lang::{Diagnostic, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// One native provider: its name, configuration, the context its types
/// share, and the list of its resource types and data sources.
pub trait ProviderSpec: Send + Sync + 'static {
    /// What every call of the provider's types gets: configured settings
    /// and clients (`aws`), files written so far (`local`), or `()`.
    type Context: Send + Sync + 'static;

    /// The provider's name, the prefix of its type names: `random`.
    const NAME: &'static str;

    /// The context before (or without) configuration.
    fn context() -> Self::Context;

    /// Attributes of the `provider "NAME" { ... }` block; none (the
    /// default) for a provider that takes no configuration, whose aliases
    /// then share one instance.
    fn provider_schema() -> ResourceSchema {
        ResourceSchema::default()
    }

    /// The context for a `provider "NAME" { ... }` block (an object, null
    /// attributes where unset; null when there is no block); `None` (the
    /// default) keeps the current one.
    ///
    /// # Errors
    /// Bad settings.
    fn configure(_config: &Value) -> Result<Option<Self::Context>, Failure> {
        Ok(None)
    }

    /// A rollback starts (`Provider::undo_starts`): forget in `ctx` what
    /// protects this run's objects from deletes. Nothing by default.
    fn undo_starts(_ctx: &Self::Context) {}

    /// The provider's managed resource types, one line each.
    fn resources() -> Vec<Box<dyn ResourceType<Self::Context>>>;

    /// The provider's data sources, one line each; none by default.
    fn data_sources() -> Vec<Box<dyn DataSource<Self::Context>>> {
        Vec::new()
    }

    /// The provider's functions (`provider::NAME::FUNC(...)`), one line
    /// each; none by default.
    fn functions() -> Vec<Box<dyn Function>> {
        Vec::new()
    }
}

/// The engine's [`Provider`] over the lists of a [`ProviderSpec`]: the
/// schema is built from them once, each call goes to the type of its name
/// ("provider `NAME` has no resource type `TYPE`" for another), with the
/// context of the latest `configure`.
pub struct NativeProvider<S: ProviderSpec> {
    schema: ProviderSchema,
    resources: BTreeMap<&'static str, Box<dyn ResourceType<S::Context>>>,
    data_sources: BTreeMap<&'static str, Box<dyn DataSource<S::Context>>>,
    functions: BTreeMap<&'static str, Box<dyn Function>>,
    context: RwLock<Arc<S::Context>>,
}

impl<S: ProviderSpec> NativeProvider<S> {
    /// The provider, unconfigured (with [`ProviderSpec::context`]).
    pub fn new() -> NativeProvider<S> {
        let mut schema = ProviderSchema {
            provider: S::provider_schema(),
            ..ProviderSchema::default()
        };
        let mut resources = BTreeMap::new();
        for r in S::resources() {
            schema.resources.insert(r.name().to_string(), r.schema());
            resources.insert(r.name(), r);
        }
        let mut data_sources = BTreeMap::new();
        for d in S::data_sources() {
            schema.data_sources.insert(d.name().to_string(), d.schema());
            data_sources.insert(d.name(), d);
        }
        let mut functions = BTreeMap::new();
        for f in S::functions() {
            schema.functions.insert(f.name().to_string(), f.signature());
            functions.insert(f.name(), f);
        }
        NativeProvider {
            schema,
            resources,
            data_sources,
            functions,
            context: RwLock::new(Arc::new(S::context())),
        }
    }

    /// The context of the current configuration.
    fn current(&self) -> Arc<S::Context> {
        match self.context.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Managed resource type `type_name` with its schema.
    ///
    /// # Errors
    /// "provider `NAME` has no resource type `TYPE`".
    fn resource(
        &self,
        type_name: &str,
    ) -> Result<(&dyn ResourceType<S::Context>, &ResourceSchema), Failure> {
        match (
            self.resources.get(type_name),
            self.schema.resources.get(type_name),
        ) {
            (Some(r), Some(s)) => Ok((r.as_ref(), s)),
            _ => Err(no_such_type(S::NAME, type_name)),
        }
    }
}

impl<S: ProviderSpec> Default for NativeProvider<S> {
    fn default() -> Self {
        NativeProvider::new()
    }
}

#[async_trait]
impl<S: ProviderSpec> Provider for NativeProvider<S> {
    fn name(&self) -> &str {
        S::NAME
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn new_instance(&self) -> Option<Arc<dyn Provider>> {
        if self.schema.provider.attributes.is_empty() {
            None
        } else {
            Some(Arc::new(NativeProvider::<S>::new()))
        }
    }

    fn undo_starts(&self) {
        S::undo_starts(&self.current());
    }

    async fn configure(&self, config: Value) -> Result<(), Failure> {
        let Some(next) = S::configure(&config)? else {
            return Ok(());
        };
        let next = Arc::new(next);
        match self.context.write() {
            Ok(mut c) => *c = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        Ok(())
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        let Ok((r, _)) = self.resource(type_name) else {
            return Vec::new();
        };
        match attrs(config, type_name) {
            Ok(m) => r.validate(&self.current(), m),
            Err(_) => Vec::new(),
        }
    }

    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        let (r, schema) = self.resource(request.type_name)?;
        r.plan(&self.current(), schema, request)
    }

    async fn apply(&self, request: ApplyRequest) -> Result<Applied, Failure> {
        let ctx = self.current();
        let (r, schema) = self.resource(&request.type_name)?;
        r.apply(&ctx, schema, request).await.map(Applied::new)
    }

    async fn read(
        &self,
        type_name: &str,
        state: Value,
        _private: &[u8],
    ) -> Result<Option<Stored>, Failure> {
        let ctx = self.current();
        let (r, schema) = self.resource(type_name)?;
        Ok(r.read(&ctx, schema, state).await?.map(Stored::new))
    }

    async fn read_data(&self, type_name: &str, config: Value) -> Result<Value, Failure> {
        let ctx = self.current();
        match (
            self.data_sources.get(type_name),
            self.schema.data_sources.get(type_name),
        ) {
            (Some(d), Some(schema)) => d.read(&ctx, schema, config).await,
            _ => Err(no_such_type(S::NAME, type_name)),
        }
    }

    async fn find(&self, type_name: &str, planned: Value) -> Result<Found, Failure> {
        let ctx = self.current();
        let (r, schema) = self.resource(type_name)?;
        r.find(&ctx, schema, planned).await
    }

    fn makes_real_object(&self, type_name: &str, planned: &Value) -> bool {
        self.resources
            .get(type_name)
            .is_none_or(|r| r.makes_real_object(planned))
    }

    fn moves_across_types(&self) -> bool {
        self.resources.values().any(|r| r.accepts_moves())
    }

    async fn move_state(&self, request: MoveRequest) -> Result<Stored, Failure> {
        let ctx = self.current();
        let (r, schema) = self.resource(&request.target_type)?;
        r.move_state(&ctx, schema, &request).await.map(Stored::new)
    }

    fn call_function(&self, name: &str, args: Vec<Value>) -> Result<Value, FunctionError> {
        match self.functions.get(name) {
            Some(f) => f.call(args),
            None => Err(FunctionError {
                text: format!("provider `{}` has no function `{name}`", S::NAME),
                argument: None,
            }),
        }
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Vec<Imported>, Failure> {
        let ctx = self.current();
        let (r, schema) = self.resource(type_name)?;
        let value = r.import(&ctx, schema, id).await?;
        Ok(vec![Imported {
            type_name: type_name.to_string(),
            object: Stored::new(value),
        }])
    }
}
