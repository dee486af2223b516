//! The `infra` provider: built-in resources that manage no real object and
//! live only in state — `infra_data` (Terraform's `terraform_data`).

pub mod data;

use crate::object::no_such_type;
use async_trait::async_trait;
use infra_engine::provider::{
    ApplyRequest, Failure, PlanRequest, PlannedState, Provider, ProviderSchema, ResourceSchema,
};
use infra_lang::Value;

/// The `infra` provider. Its resources never touch the network or disk,
/// so every call answers at once.
pub struct InfraProvider {
    schema: ProviderSchema,
}

impl InfraProvider {
    /// The provider with its schema (`infra_data`).
    pub fn new() -> InfraProvider {
        let mut schema = ProviderSchema::default();
        schema
            .resources
            .insert(data::TYPE.to_string(), data::schema());
        InfraProvider { schema }
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceSchema, Failure> {
        self.schema
            .resources
            .get(type_name)
            .ok_or_else(|| no_such_type("infra", type_name))
    }
}

impl Default for InfraProvider {
    fn default() -> Self {
        InfraProvider::new()
    }
}

#[async_trait]
impl Provider for InfraProvider {
    fn name(&self) -> &str {
        "infra"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        let schema = self.resource(request.type_name)?;
        data::plan(schema, request)
    }

    async fn apply(&self, request: ApplyRequest) -> Result<Option<Value>, Failure> {
        let schema = self.resource(&request.type_name)?;
        data::apply(schema, request)
    }

    async fn read(&self, type_name: &str, state: Value) -> Result<Option<Value>, Failure> {
        self.resource(type_name)?;
        Ok(data::read(state))
    }

    /// `infra_data` lives only in state: a create that was never recorded
    /// left nothing behind.
    async fn find(
        &self,
        type_name: &str,
        _planned: Value,
    ) -> Result<infra_engine::provider::Found, Failure> {
        self.resource(type_name)?;
        Ok(infra_engine::provider::Found::NotReal)
    }
}
