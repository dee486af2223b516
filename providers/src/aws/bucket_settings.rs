//! The sub-configurations of an S3 bucket (`aws_s3_bucket`'s nested
//! blocks and maps): their types in the schema, and how each is written
//! to S3 (Put…), removed (Delete…) and read back (Get…), each as one
//! language value. A sub-configuration S3 does not have reads as null.

use super::client::{describe, error_code};
use crate::object::{Attrs, boolean, get, int, string};
use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, CorsConfiguration, CorsRule,
    ErrorDocument, ExpirationStatus, IndexDocument, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration, WebsiteConfiguration,
};
use infra_lang::types::ObjectType;
use infra_lang::value::ValueMap;
use infra_lang::{Type, Value};

/// What a failed S3 call says: `"PutBucketCors failed: MalformedXML: ..."`.
pub type Error = String;

/// An object type; `optional` lists `(name, default)` of the attributes
/// that may be left out.
fn object_type(attrs: &[(&str, Type)], optional: &[(&str, Option<Value>)]) -> Type {
    Type::Object(Box::new(ObjectType {
        attrs: attrs
            .iter()
            .map(|(n, t)| ((*n).to_string(), t.clone()))
            .collect(),
        optional: optional
            .iter()
            .map(|(n, d)| ((*n).to_string(), d.clone()))
            .collect(),
    }))
}

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

/// `map(string)`: `tags`.
pub fn tags_type() -> Type {
    Type::Map(Box::new(Type::String))
}

/// `versioning { enabled = bool }`.
pub fn versioning_type() -> Type {
    object_type(
        &[("enabled", Type::Bool)],
        &[("enabled", Some(Value::Bool(false)))],
    )
}

/// `server_side_encryption { sse_algorithm = "AES256"|"aws:kms", kms_key_id }`.
pub fn encryption_type() -> Type {
    object_type(
        &[
            ("sse_algorithm", Type::String),
            ("kms_key_id", Type::String),
        ],
        &[("kms_key_id", None)],
    )
}

/// `lifecycle_rule { id, prefix, enabled, expiration_days,
/// noncurrent_version_expiration_days }`, repeatable.
pub fn lifecycle_type() -> Type {
    Type::List(Box::new(object_type(
        &[
            ("id", Type::String),
            ("prefix", Type::String),
            ("enabled", Type::Bool),
            ("expiration_days", Type::Number),
            ("noncurrent_version_expiration_days", Type::Number),
        ],
        &[
            ("prefix", Some(Value::string(""))),
            ("enabled", Some(Value::Bool(true))),
            ("expiration_days", None),
            ("noncurrent_version_expiration_days", None),
        ],
    )))
}

/// `cors_rule { allowed_methods, allowed_origins, allowed_headers,
/// expose_headers, max_age_seconds }`, repeatable.
pub fn cors_type() -> Type {
    Type::List(Box::new(object_type(
        &[
            ("allowed_methods", strings()),
            ("allowed_origins", strings()),
            ("allowed_headers", strings()),
            ("expose_headers", strings()),
            ("max_age_seconds", Type::Number),
        ],
        &[
            (
                "allowed_headers",
                Some(Value::List(Type::String, Vec::new())),
            ),
            (
                "expose_headers",
                Some(Value::List(Type::String, Vec::new())),
            ),
            ("max_age_seconds", None),
        ],
    )))
}

/// `website { index_document, error_document }`.
pub fn website_type() -> Type {
    object_type(
        &[
            ("index_document", Type::String),
            ("error_document", Type::String),
        ],
        &[("error_document", None)],
    )
}

/// `public_access_block { block_public_acls, block_public_policy,
/// ignore_public_acls, restrict_public_buckets }` (each false by default).
pub fn public_access_block_type() -> Type {
    let names = PAB_FIELDS;
    object_type(
        &names.map(|n| (n, Type::Bool)),
        &names.map(|n| (n, Some(Value::Bool(false)))),
    )
}

const PAB_FIELDS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

/// True when S3's answer `e` means "this bucket has no such
/// configuration" (error code one of `absent`, or a 404).
fn is_absent<E: aws_sdk_s3::error::ProvideErrorMetadata>(
    e: &super::client::S3Error<E>,
    absent: &[&str],
) -> bool {
    error_code(e).is_some_and(|c| absent.contains(&c.as_str()))
        || super::client::status(e) == Some(404)
}

fn items(v: &Value) -> &[Value] {
    crate::object::peel(v).as_sequence().unwrap_or(&[])
}

fn fields(v: &Value) -> Option<&Attrs> {
    crate::object::peel(v).as_mapping()
}

fn string_list(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn list_value(v: &[String]) -> Value {
    Value::List(
        Type::String,
        v.iter().map(|s| Value::string(s.clone())).collect(),
    )
}

fn whole(m: &Attrs, name: &str) -> Option<i32> {
    match get(m, name) {
        Value::Number(n) => n.as_i64().and_then(|i| i32::try_from(i).ok()),
        _ => None,
    }
}

fn build_error(what: &str, e: impl std::fmt::Display) -> Error {
    format!("{what}: {e}")
}

// ---- tags ----

/// Writes `tags` (a map of strings; empty removes every tag).
///
/// # Errors
/// The failed S3 call.
pub async fn put_tags(c: &Client, bucket: &str, tags: &Value) -> Result<(), Error> {
    let pairs: Vec<(String, String)> = fields(tags)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    crate::object::peel(v)
                        .as_str()
                        .map(|v| (k.clone(), v.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    if pairs.is_empty() {
        return c
            .delete_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("DeleteBucketTagging", &e));
    }
    let mut set = Vec::new();
    for (k, v) in pairs {
        set.push(
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_error("tag", e))?,
        );
    }
    let tagging = Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| build_error("tags", e))?;
    c.put_bucket_tagging()
        .bucket(bucket)
        .tagging(tagging)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe("PutBucketTagging", &e))
}

/// The bucket's tags (an empty map when it has none).
///
/// # Errors
/// The failed S3 call.
pub async fn get_tags(c: &Client, bucket: &str) -> Result<Value, Error> {
    match c.get_bucket_tagging().bucket(bucket).send().await {
        Ok(out) => Ok(Value::Map(
            Type::String,
            out.tag_set()
                .iter()
                .map(|t| (t.key().to_string(), Value::string(t.value())))
                .collect(),
        )),
        Err(e) if is_absent(&e, &["NoSuchTagSet", "NoSuchTagSetError"]) => {
            Ok(Value::Map(Type::String, ValueMap::new()))
        }
        Err(e) => Err(describe("GetBucketTagging", &e)),
    }
}

// ---- versioning ----

/// Enables or suspends versioning (`versioning.enabled`).
///
/// # Errors
/// The failed S3 call.
pub async fn put_versioning(c: &Client, bucket: &str, enabled: bool) -> Result<(), Error> {
    let status = if enabled {
        BucketVersioningStatus::Enabled
    } else {
        BucketVersioningStatus::Suspended
    };
    c.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe("PutBucketVersioning", &e))
}

/// `{ enabled = bool }`, or null when versioning was never turned on.
///
/// # Errors
/// The failed S3 call.
pub async fn get_versioning(c: &Client, bucket: &str) -> Result<Value, Error> {
    let out = c
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| describe("GetBucketVersioning", &e))?;
    Ok(match out.status() {
        None => Value::Null(versioning_type()),
        Some(s) => object([(
            "enabled",
            Value::Bool(*s == BucketVersioningStatus::Enabled),
        )]),
    })
}

fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn opt_string(s: Option<&str>) -> Value {
    s.map_or(Value::Null(Type::String), Value::string)
}

fn opt_int(n: Option<i32>) -> Value {
    n.map_or(Value::Null(Type::Number), |n| int(i64::from(n)))
}

// ---- default encryption ----

/// Sets default encryption (`server_side_encryption`); null removes it.
///
/// # Errors
/// The failed S3 call.
pub async fn put_encryption(c: &Client, bucket: &str, v: &Value) -> Result<(), Error> {
    let Some(m) = fields(v) else {
        return c
            .delete_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("DeleteBucketEncryption", &e));
    };
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::from(
            string(m, "sse_algorithm").unwrap_or("AES256"),
        ))
        .set_kms_master_key_id(string(m, "kms_key_id").map(str::to_string))
        .build()
        .map_err(|e| build_error("server_side_encryption", e))?;
    let conf = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .build(),
        )
        .build()
        .map_err(|e| build_error("server_side_encryption", e))?;
    c.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(conf)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe("PutBucketEncryption", &e))
}

/// `{ sse_algorithm, kms_key_id }`, or null when none is set.
///
/// # Errors
/// The failed S3 call.
pub async fn get_encryption(c: &Client, bucket: &str) -> Result<Value, Error> {
    match c.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => {
            let rule = out
                .server_side_encryption_configuration()
                .and_then(|conf| conf.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default());
            Ok(match rule {
                None => Value::Null(encryption_type()),
                Some(d) => object([
                    ("sse_algorithm", Value::string(d.sse_algorithm().as_str())),
                    ("kms_key_id", opt_string(d.kms_master_key_id())),
                ]),
            })
        }
        Err(e) if is_absent(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => {
            Ok(Value::Null(encryption_type()))
        }
        Err(e) => Err(describe("GetBucketEncryption", &e)),
    }
}

// ---- lifecycle rules ----

/// Writes the lifecycle rules; an empty list or null removes them.
///
/// # Errors
/// The failed S3 call.
pub async fn put_lifecycle(c: &Client, bucket: &str, v: &Value) -> Result<(), Error> {
    let rules = items(v);
    if rules.is_empty() {
        return c
            .delete_bucket_lifecycle()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("DeleteBucketLifecycle", &e));
    }
    let mut out = Vec::new();
    for r in rules {
        let Some(m) = fields(r) else { continue };
        let mut b = LifecycleRule::builder()
            .id(string(m, "id").unwrap_or_default())
            .filter(
                LifecycleRuleFilter::builder()
                    .prefix(string(m, "prefix").unwrap_or_default())
                    .build(),
            )
            .status(if boolean(m, "enabled").unwrap_or(true) {
                ExpirationStatus::Enabled
            } else {
                ExpirationStatus::Disabled
            });
        if let Some(d) = whole(m, "expiration_days") {
            b = b.expiration(LifecycleExpiration::builder().days(d).build());
        }
        if let Some(d) = whole(m, "noncurrent_version_expiration_days") {
            b = b.noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(d)
                    .build(),
            );
        }
        out.push(b.build().map_err(|e| build_error("lifecycle_rule", e))?);
    }
    let conf = BucketLifecycleConfiguration::builder()
        .set_rules(Some(out))
        .build()
        .map_err(|e| build_error("lifecycle_rule", e))?;
    c.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(conf)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe("PutBucketLifecycleConfiguration", &e))
}

/// The lifecycle rules as a list of objects (empty when there are none).
///
/// # Errors
/// The failed S3 call.
pub async fn get_lifecycle(c: &Client, bucket: &str) -> Result<Value, Error> {
    let elem = match lifecycle_type() {
        Type::List(e) => *e,
        t => t,
    };
    match c
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(Value::List(
            elem,
            out.rules()
                .iter()
                .map(|r| {
                    #[allow(deprecated)]
                    let prefix = r
                        .filter()
                        .and_then(LifecycleRuleFilter::prefix)
                        .or(r.prefix())
                        .unwrap_or_default();
                    object([
                        ("id", Value::string(r.id().unwrap_or_default())),
                        ("prefix", Value::string(prefix)),
                        (
                            "enabled",
                            Value::Bool(*r.status() == ExpirationStatus::Enabled),
                        ),
                        (
                            "expiration_days",
                            opt_int(r.expiration().and_then(LifecycleExpiration::days)),
                        ),
                        (
                            "noncurrent_version_expiration_days",
                            opt_int(
                                r.noncurrent_version_expiration()
                                    .and_then(NoncurrentVersionExpiration::noncurrent_days),
                            ),
                        ),
                    ])
                })
                .collect(),
        )),
        Err(e) if is_absent(&e, &["NoSuchLifecycleConfiguration"]) => {
            Ok(Value::List(elem, Vec::new()))
        }
        Err(e) => Err(describe("GetBucketLifecycleConfiguration", &e)),
    }
}

// ---- CORS ----

/// Writes the CORS rules; an empty list or null removes them.
///
/// # Errors
/// The failed S3 call.
pub async fn put_cors(c: &Client, bucket: &str, v: &Value) -> Result<(), Error> {
    let rules = items(v);
    if rules.is_empty() {
        return c
            .delete_bucket_cors()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("DeleteBucketCors", &e));
    }
    let mut out = Vec::new();
    for r in rules {
        let Some(m) = fields(r) else { continue };
        let headers = string_list(get(m, "allowed_headers"));
        let expose = string_list(get(m, "expose_headers"));
        out.push(
            CorsRule::builder()
                .set_allowed_methods(Some(string_list(get(m, "allowed_methods"))))
                .set_allowed_origins(Some(string_list(get(m, "allowed_origins"))))
                .set_allowed_headers((!headers.is_empty()).then_some(headers))
                .set_expose_headers((!expose.is_empty()).then_some(expose))
                .set_max_age_seconds(whole(m, "max_age_seconds"))
                .build()
                .map_err(|e| build_error("cors_rule", e))?,
        );
    }
    let conf = CorsConfiguration::builder()
        .set_cors_rules(Some(out))
        .build()
        .map_err(|e| build_error("cors_rule", e))?;
    c.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(conf)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe("PutBucketCors", &e))
}

/// The CORS rules as a list of objects (empty when there are none).
///
/// # Errors
/// The failed S3 call.
pub async fn get_cors(c: &Client, bucket: &str) -> Result<Value, Error> {
    let elem = match cors_type() {
        Type::List(e) => *e,
        t => t,
    };
    match c.get_bucket_cors().bucket(bucket).send().await {
        Ok(out) => Ok(Value::List(
            elem,
            out.cors_rules()
                .iter()
                .map(|r| {
                    object([
                        ("allowed_methods", list_value(r.allowed_methods())),
                        ("allowed_origins", list_value(r.allowed_origins())),
                        ("allowed_headers", list_value(r.allowed_headers())),
                        ("expose_headers", list_value(r.expose_headers())),
                        ("max_age_seconds", opt_int(r.max_age_seconds())),
                    ])
                })
                .collect(),
        )),
        Err(e) if is_absent(&e, &["NoSuchCORSConfiguration"]) => Ok(Value::List(elem, Vec::new())),
        Err(e) => Err(describe("GetBucketCors", &e)),
    }
}

// ---- website ----

/// Configures static website hosting; null removes it.
///
/// # Errors
/// The failed S3 call.
pub async fn put_website(c: &Client, bucket: &str, v: &Value) -> Result<(), Error> {
    let Some(m) = fields(v) else {
        return c
            .delete_bucket_website()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("DeleteBucketWebsite", &e));
    };
    let index = IndexDocument::builder()
        .suffix(string(m, "index_document").unwrap_or("index.html"))
        .build()
        .map_err(|e| build_error("website", e))?;
    let error = match string(m, "error_document") {
        Some(k) => Some(
            ErrorDocument::builder()
                .key(k)
                .build()
                .map_err(|e| build_error("website", e))?,
        ),
        None => None,
    };
    c.put_bucket_website()
        .bucket(bucket)
        .website_configuration(
            WebsiteConfiguration::builder()
                .index_document(index)
                .set_error_document(error)
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe("PutBucketWebsite", &e))
}

/// `{ index_document, error_document }`, or null.
///
/// # Errors
/// The failed S3 call.
pub async fn get_website(c: &Client, bucket: &str) -> Result<Value, Error> {
    match c.get_bucket_website().bucket(bucket).send().await {
        Ok(out) => Ok(match out.index_document() {
            None => Value::Null(website_type()),
            Some(i) => object([
                ("index_document", Value::string(i.suffix())),
                (
                    "error_document",
                    opt_string(out.error_document().map(ErrorDocument::key)),
                ),
            ]),
        }),
        Err(e) if is_absent(&e, &["NoSuchWebsiteConfiguration"]) => Ok(Value::Null(website_type())),
        Err(e) => Err(describe("GetBucketWebsite", &e)),
    }
}

// ---- public access block ----

/// Sets the public access block; null removes it.
///
/// # Errors
/// The failed S3 call.
pub async fn put_public_access_block(c: &Client, bucket: &str, v: &Value) -> Result<(), Error> {
    let Some(m) = fields(v) else {
        return c
            .delete_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("DeletePublicAccessBlock", &e));
    };
    let flag = |n: &str| boolean(m, n).unwrap_or(false);
    let conf = PublicAccessBlockConfiguration::builder()
        .block_public_acls(flag("block_public_acls"))
        .block_public_policy(flag("block_public_policy"))
        .ignore_public_acls(flag("ignore_public_acls"))
        .restrict_public_buckets(flag("restrict_public_buckets"))
        .build();
    c.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(conf)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe("PutPublicAccessBlock", &e))
}

/// The four public-access flags as an object, or null.
///
/// # Errors
/// The failed S3 call.
pub async fn get_public_access_block(c: &Client, bucket: &str) -> Result<Value, Error> {
    match c.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => Ok(match out.public_access_block_configuration() {
            None => Value::Null(public_access_block_type()),
            Some(p) => object([
                (
                    "block_public_acls",
                    Value::Bool(p.block_public_acls().unwrap_or(false)),
                ),
                (
                    "block_public_policy",
                    Value::Bool(p.block_public_policy().unwrap_or(false)),
                ),
                (
                    "ignore_public_acls",
                    Value::Bool(p.ignore_public_acls().unwrap_or(false)),
                ),
                (
                    "restrict_public_buckets",
                    Value::Bool(p.restrict_public_buckets().unwrap_or(false)),
                ),
            ]),
        }),
        Err(e) if is_absent(&e, &["NoSuchPublicAccessBlockConfiguration"]) => {
            Ok(Value::Null(public_access_block_type()))
        }
        Err(e) => Err(describe("GetPublicAccessBlock", &e)),
    }
}

// ---- policy ----

/// Sets the bucket policy (a JSON document); null removes it.
///
/// # Errors
/// The failed S3 call.
pub async fn put_policy(c: &Client, bucket: &str, v: &Value) -> Result<(), Error> {
    match crate::object::peel(v).as_str() {
        Some(p) => c
            .put_bucket_policy()
            .bucket(bucket)
            .policy(p)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("PutBucketPolicy", &e)),
        None => c
            .delete_bucket_policy()
            .bucket(bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe("DeleteBucketPolicy", &e)),
    }
}

/// The policy document as S3 returns it, or null.
///
/// # Errors
/// The failed S3 call.
pub async fn get_policy(c: &Client, bucket: &str) -> Result<Value, Error> {
    match c.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => Ok(opt_string(out.policy())),
        Err(e) if is_absent(&e, &["NoSuchBucketPolicy"]) => Ok(Value::Null(Type::String)),
        Err(e) => Err(describe("GetBucketPolicy", &e)),
    }
}

/// The bucket's region from GetBucketLocation (an empty constraint means
/// `us-east-1`, and `EU` means `eu-west-1`, as S3 documents).
///
/// # Errors
/// The failed S3 call.
pub async fn get_region(c: &Client, bucket: &str) -> Result<String, Error> {
    let out = c
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| describe("GetBucketLocation", &e))?;
    Ok(match out.location_constraint().map(|l| l.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    })
}
