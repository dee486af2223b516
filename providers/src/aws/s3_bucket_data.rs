//! Data source `aws_s3_bucket`: an existing bucket's ARN, region
//! (`GetBucketLocation`) and domain names, after `HeadBucket` checks that
//! it exists.

use super::{Session, client, owned};
use crate::framework::DataSource;
use crate::object::{Attrs, attrs, finish, set};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Type, Value};

/// The data source type name.
pub const TYPE: &str = "aws_s3_bucket";

/// The region of a bucket from its location constraint: none or empty
/// means us-east-1, and the legacy "EU" means eu-west-1.
pub fn region_of(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

/// Data source `aws_s3_bucket` of the `aws` provider.
pub struct S3BucketData;

#[async_trait]
impl DataSource<Session> for S3BucketData {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of data source `aws_s3_bucket`.
    fn schema(&self) -> ResourceSchema {
        let text = |d| Attribute::computed(Type::String, d);
        ResourceSchema::new(
            "Reads an existing S3 bucket: its ARN, region and domain names.",
            vec![
                (
                    "bucket",
                    Attribute::required(Type::String, "The name of the bucket."),
                ),
                ("id", text("The name of the bucket.")),
                ("arn", text("The bucket's ARN, \"arn:aws:s3:::NAME\".")),
                (
                    "region",
                    text("The region the bucket is in, e.g. \"eu-west-1\"."),
                ),
                (
                    "bucket_domain_name",
                    text("The bucket's global domain name, \"NAME.s3.amazonaws.com\"."),
                ),
                (
                    "bucket_regional_domain_name",
                    text(
                        "The bucket's domain name in its region, \"NAME.s3.REGION.amazonaws.com\".",
                    ),
                ),
            ],
        )
    }

    /// Reads bucket `bucket`.
    ///
    /// # Errors
    /// "bucket NAME does not exist", or S3 refused: "HeadBucket failed: HTTP
    /// 403".
    async fn read(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        config: Value,
    ) -> Result<Value, Failure> {
        let s3 = session.s3().await?;
        let m: &Attrs = attrs(&config, TYPE)?;
        let Some(name) = owned(m, "bucket") else {
            return Err(error(format!("data `{TYPE}` needs `bucket` to be set")));
        };
        match s3.client.head_bucket().bucket(&name).send().await {
            Ok(_) => {}
            Err(e) if client::status(&e) == Some(404) => {
                return Err(error(format!("bucket {name} does not exist")));
            }
            Err(e) => return Err(error(client::describe("HeadBucket", &e))),
        }
        let location = s3
            .client
            .get_bucket_location()
            .bucket(&name)
            .send()
            .await
            .map_err(|e| error(client::describe("GetBucketLocation", &e)))?;
        let region = region_of(location.location_constraint().map(|c| c.as_str()));
        let mut out = Attrs::new();
        set(&mut out, "id", Value::string(name.clone()));
        set(
            &mut out,
            "arn",
            Value::String(format!("arn:aws:s3:::{name}")),
        );
        set(
            &mut out,
            "bucket_domain_name",
            Value::String(format!("{name}.s3.amazonaws.com")),
        );
        set(
            &mut out,
            "bucket_regional_domain_name",
            Value::String(format!("{name}.s3.{region}.amazonaws.com")),
        );
        set(&mut out, "region", Value::String(region));
        set(&mut out, "bucket", Value::String(name));
        Ok(finish(schema, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_constraints() {
        assert_eq!(region_of(None), "us-east-1");
        assert_eq!(region_of(Some("")), "us-east-1");
        assert_eq!(region_of(Some("EU")), "eu-west-1");
        assert_eq!(region_of(Some("ap-south-1")), "ap-south-1");
    }
}
