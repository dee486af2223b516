//! `aws_s3_bucket` (stub while being written).
use super::S3;
use crate::object::Attrs;
use infra_engine::provider::{
    ApplyRequest, Failure, PlanRequest, PlannedState, ResourceSchema, error,
};
use infra_lang::{Diagnostic, Value};
/// The resource type name.
pub const TYPE: &str = "aws_s3_bucket";
/// Schema.
pub fn schema() -> ResourceSchema {
    ResourceSchema::default()
}
/// Validate.
pub fn validate(_m: &Attrs) -> Vec<Diagnostic> {
    Vec::new()
}
/// Plan.
pub fn plan(_s: &ResourceSchema, r: PlanRequest<'_>) -> Result<PlannedState, Failure> {
    Ok(PlannedState {
        planned: r.proposed,
        requires_replace: vec![],
        warnings: vec![],
    })
}
/// Apply.
pub async fn apply(
    _s3: S3,
    _s: &ResourceSchema,
    _r: ApplyRequest,
) -> Result<Option<Value>, Failure> {
    Err(error("todo"))
}
/// Read.
pub async fn read(_s3: S3, _s: &ResourceSchema, _v: Value) -> Result<Option<Value>, Failure> {
    Err(error("todo"))
}
/// Import.
pub async fn import(_s3: S3, _s: &ResourceSchema, _id: &str) -> Result<Value, Failure> {
    Err(error("todo"))
}
