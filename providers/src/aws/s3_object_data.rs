//! Data source `aws_s3_object`: reads one object's headers, metadata and
//! tags (`HeadObject`, `GetObjectTagging`), and its content as `body` when
//! it is text (`text/*`, JSON, XML and similar; see [`is_text`]) — binary
//! content is never downloaded.

use super::{Session, client, owned};
use crate::framework::DataSource;
use crate::object::{Attrs, attrs, finish, int, set};
use async_trait::async_trait;
use aws_sdk_s3::types::StorageClass;
use aws_smithy_types::date_time::Format;
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Type, Value};
use std::collections::BTreeMap;

/// The data source type name.
pub const TYPE: &str = "aws_s3_object";

/// Media types outside `text/*` whose content is text.
const TEXT_TYPES: &[&str] = &[
    "application/json",
    "application/ld+json",
    "application/xml",
    "application/xhtml+xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/yaml",
    "application/x-yaml",
    "application/toml",
    "application/x-sh",
    "application/x-csh",
    "application/x-sql",
    "application/x-httpd-php",
    "application/x-www-form-urlencoded",
];

/// True when content of MIME type `content_type` is text: `text/*`, the
/// types in a fixed list (JSON, XML, JavaScript, YAML, shell, ...) and any
/// `+json` or `+xml` type. Parameters (`; charset=utf-8`) are ignored.
pub fn is_text(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/")
        || TEXT_TYPES.contains(&media.as_str())
        || media.ends_with("+json")
        || media.ends_with("+xml")
}

/// A string, or null.
fn opt_string(s: Option<&str>) -> Value {
    s.map_or(Value::Null(Type::String), Value::string)
}

/// A map of strings as a `map(string)` value.
fn map_value(m: BTreeMap<String, String>) -> Value {
    Value::Map(
        Type::String,
        m.into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
    )
}

/// Data source `aws_s3_object` of the `aws` provider.
pub struct S3ObjectData;

#[async_trait]
impl DataSource<Session> for S3ObjectData {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of data source `aws_s3_object`.
    fn schema(&self) -> ResourceSchema {
        let map = || Type::Map(Box::new(Type::String));
        let text = |d| Attribute::computed(Type::String, d);
        ResourceSchema::new(
            "Reads an object in an S3 bucket: its headers, metadata, tags, and its content when it is text.",
            vec![
                (
                    "bucket",
                    Attribute::required(Type::String, "The name of the bucket."),
                ),
                (
                    "key",
                    Attribute::required(Type::String, "The object's key."),
                ),
                (
                    "version_id",
                    Attribute::optional_computed(
                        Type::String,
                        "The version to read (the current one when unset); the version read.",
                    ),
                ),
                (
                    "body",
                    text(
                        "The content when the content type is text (text/*, JSON, XML, ...); null otherwise.",
                    ),
                ),
                ("content_type", text("The MIME type.")),
                (
                    "content_length",
                    Attribute::computed(Type::Number, "The size of the content in bytes."),
                ),
                ("etag", text("The ETag, quotes included.")),
                ("cache_control", text("The Cache-Control header, or null.")),
                (
                    "content_encoding",
                    text("The Content-Encoding header, or null."),
                ),
                ("storage_class", text("The storage class, e.g. STANDARD.")),
                (
                    "metadata",
                    Attribute::computed(
                        map(),
                        "User metadata (x-amz-meta-* headers), lower-case keys.",
                    ),
                ),
                ("tags", Attribute::computed(map(), "The object's tags.")),
                (
                    "last_modified",
                    text("When the object was last written, RFC 3339 (\"2024-05-01T12:00:00Z\")."),
                ),
            ],
        )
    }

    /// Reads the object `bucket`/`key` (at `version_id` when set).
    ///
    /// # Errors
    /// No such object ("object `b/k` does not exist"), or S3 refused:
    /// "HeadObject failed: HTTP 403".
    async fn read(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        config: Value,
    ) -> Result<Value, Failure> {
        let s3 = session.s3().await?;
        let m: &Attrs = attrs(&config, TYPE)?;
        let (Some(bucket), Some(key)) = (owned(m, "bucket"), owned(m, "key")) else {
            return Err(error(format!(
                "data `{TYPE}` needs `bucket` and `key` to be set"
            )));
        };
        let version = owned(m, "version_id");
        let head = match s3
            .client
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .set_version_id(version.clone())
            .send()
            .await
        {
            Ok(h) => h,
            Err(e) if client::status(&e) == Some(404) => {
                return Err(error(format!("object `{bucket}/{key}` does not exist")));
            }
            Err(e) => return Err(error(client::describe("HeadObject", &e))),
        };
        let content_type = head
            .content_type()
            .unwrap_or(super::s3_object::DEFAULT_CONTENT_TYPE)
            .to_string();
        let version_read = head.version_id().map(str::to_string).or(version);
        let body = if is_text(&content_type) {
            let got = s3
                .client
                .get_object()
                .bucket(&bucket)
                .key(&key)
                .set_version_id(version_read.clone())
                .send()
                .await
                .map_err(|e| error(client::describe("GetObject", &e)))?;
            let bytes = got
                .body
                .collect()
                .await
                .map_err(|e| error(format!("GetObject failed while reading the content: {e}")))?
                .into_bytes();
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            Value::Null(Type::String)
        };
        let tags = s3
            .client
            .get_object_tagging()
            .bucket(&bucket)
            .key(&key)
            .set_version_id(version_read.clone())
            .send()
            .await
            .map_err(|e| error(client::describe("GetObjectTagging", &e)))?
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        let metadata: BTreeMap<String, String> = head
            .metadata()
            .map(|x| x.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let last_modified = match head.last_modified() {
            Some(t) => t
                .fmt(Format::DateTime)
                .map(Value::String)
                .unwrap_or(Value::Null(Type::String)),
            None => Value::Null(Type::String),
        };
        let mut out = Attrs::new();
        set(&mut out, "bucket", Value::String(bucket));
        set(&mut out, "key", Value::String(key));
        set(&mut out, "version_id", opt_string(version_read.as_deref()));
        set(&mut out, "body", body);
        set(&mut out, "content_type", Value::String(content_type));
        set(
            &mut out,
            "content_length",
            head.content_length().map_or(Value::Null(Type::Number), int),
        );
        set(&mut out, "etag", opt_string(head.e_tag()));
        set(&mut out, "cache_control", opt_string(head.cache_control()));
        set(
            &mut out,
            "content_encoding",
            opt_string(head.content_encoding()),
        );
        set(
            &mut out,
            "storage_class",
            Value::string(head.storage_class().map_or(
                super::s3_object::DEFAULT_STORAGE_CLASS,
                StorageClass::as_str,
            )),
        );
        set(&mut out, "metadata", map_value(metadata));
        set(&mut out, "tags", map_value(tags));
        set(&mut out, "last_modified", last_modified);
        Ok(finish(schema, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types() {
        for t in [
            "text/plain",
            "text/html; charset=utf-8",
            "application/json",
            "Application/XML",
            "application/vnd.api+json",
            "image/svg+xml",
        ] {
            assert!(is_text(t), "{t}");
        }
        for t in [
            "image/png",
            "application/octet-stream",
            "application/pdf",
            "",
        ] {
            assert!(!is_text(t), "{t}");
        }
    }
}
