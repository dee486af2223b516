//! data source `aws_s3_object` (stub while being written).
use super::S3;
use infra_engine::provider::{Failure, ResourceSchema, error};
use infra_lang::Value;
/// The data source type name.
pub const TYPE: &str = "aws_s3_object";
/// Schema.
pub fn schema() -> ResourceSchema {
    ResourceSchema::default()
}
/// Read.
pub async fn read(_s3: S3, _s: &ResourceSchema, _c: Value) -> Result<Value, Failure> {
    Err(error("todo"))
}
