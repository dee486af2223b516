//! Data source `aws_s3_objects`: the keys in a bucket (under `prefix`,
//! grouped at `delimiter` into `common_prefixes`), through
//! `ListObjectsV2`, following continuation tokens until `max_keys` keys
//! and prefixes are listed or the listing ends.

use super::{Session, client, owned};
use crate::framework::DataSource;
use crate::object::{Attrs, attrs, finish, int, integer, set};
use async_trait::async_trait;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Type, Value};

/// The data source type name.
pub const TYPE: &str = "aws_s3_objects";

/// The default of `max_keys`.
pub const DEFAULT_MAX_KEYS: i64 = 1000;

/// The most keys S3 returns in one `ListObjectsV2` page.
const PAGE: i64 = 1000;

/// A list of strings.
fn string_list(items: Vec<String>) -> Value {
    Value::List(Type::String, items.into_iter().map(Value::String).collect())
}

/// Data source `aws_s3_objects` of the `aws` provider.
pub struct S3ObjectsData;

#[async_trait]
impl DataSource<Session> for S3ObjectsData {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of data source `aws_s3_objects`.
    fn schema(&self) -> ResourceSchema {
        let list = || Type::List(Box::new(Type::String));
        ResourceSchema::new(
            "Lists the keys of the objects in an S3 bucket.",
            vec![
                (
                    "bucket",
                    Attribute::required(Type::String, "The name of the bucket."),
                ),
                (
                    "prefix",
                    Attribute::optional(Type::String, "List only keys that start with this."),
                ),
                (
                    "delimiter",
                    Attribute::optional(
                        Type::String,
                        "Group keys that contain this after the prefix (e.g. \"/\") into `common_prefixes`.",
                    ),
                ),
                (
                    "max_keys",
                    Attribute::optional_computed(
                        Type::Number,
                        "The most keys and common prefixes to list, together; 1000 by default.",
                    ),
                ),
                (
                    "keys",
                    Attribute::computed(list(), "The keys, in S3's order (UTF-8 binary)."),
                ),
                (
                    "common_prefixes",
                    Attribute::computed(
                        list(),
                        "The prefixes up to and including the first `delimiter` after `prefix`.",
                    ),
                ),
            ],
        )
    }

    /// Lists the bucket.
    ///
    /// # Errors
    /// A negative `max_keys`, or S3 refused: "ListObjectsV2 failed:
    /// NoSuchBucket: The specified bucket does not exist".
    async fn read(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        config: Value,
    ) -> Result<Value, Failure> {
        let s3 = session.s3().await?;
        let m: &Attrs = attrs(&config, TYPE)?;
        let Some(bucket) = owned(m, "bucket") else {
            return Err(error(format!("data `{TYPE}` needs `bucket` to be set")));
        };
        let prefix = owned(m, "prefix");
        let delimiter = owned(m, "delimiter");
        let max_keys = integer(m, "max_keys", TYPE)
            .map_err(|d| vec![d])?
            .unwrap_or(DEFAULT_MAX_KEYS);
        if max_keys < 0 {
            return Err(error(format!(
                "`max_keys` of data `{TYPE}` must not be negative, got {max_keys}"
            )));
        }
        let mut keys = Vec::new();
        let mut prefixes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let listed = i64::try_from(keys.len() + prefixes.len()).unwrap_or(i64::MAX);
            let want = max_keys.saturating_sub(listed);
            if want <= 0 {
                break;
            }
            let page = i32::try_from(want.min(PAGE)).unwrap_or(1000);
            let out = s3
                .client
                .list_objects_v2()
                .bucket(&bucket)
                .set_prefix(prefix.clone())
                .set_delimiter(delimiter.clone())
                .set_continuation_token(token.clone())
                .max_keys(page)
                .send()
                .await
                .map_err(|e| error(client::describe("ListObjectsV2", &e)))?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            prefixes.extend(
                out.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) && !t.is_empty() => {
                    token = Some(t.to_string());
                }
                _ => break,
            }
        }
        // A server may answer with more than asked: keep `max_keys` in all.
        let cap = usize::try_from(max_keys).unwrap_or(usize::MAX);
        keys.truncate(cap);
        prefixes.truncate(cap.saturating_sub(keys.len()));
        let mut out = Attrs::new();
        set(&mut out, "bucket", Value::String(bucket));
        set(
            &mut out,
            "prefix",
            prefix.map_or(Value::Null(Type::String), Value::String),
        );
        set(
            &mut out,
            "delimiter",
            delimiter.map_or(Value::Null(Type::String), Value::String),
        );
        set(&mut out, "max_keys", int(max_keys));
        set(&mut out, "keys", string_list(keys));
        set(&mut out, "common_prefixes", string_list(prefixes));
        Ok(finish(schema, out))
    }
}
