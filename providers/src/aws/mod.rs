//! The `aws` provider: S3 buckets and objects through `aws-sdk-s3`, for
//! AWS itself (standard credential chain) and any S3-compatible endpoint;
//! SSM parameters and Secrets Manager secrets as data sources; and the
//! `aws_kms` key provider of the `encryption` block (`kms_keys.rs`).
//!
//! Configuration (`provider "aws" { ... }`) makes a [`Session`]; each
//! service's SDK client is built on first use, so a configuration that
//! never touches S3 never loads credentials (see `session.rs`). Every
//! operation holds one of `max_concurrency` permits (default 16): a
//! per-provider limit on calls in flight, below the engine's
//! `--parallelism`. Every call is bounded by
//! `connect_timeout` and `read_timeout`; timeouts, throttling and 5xx
//! answers are retried by the SDK's standard retry strategy (exponential
//! backoff with jitter, `max_retries` attempts in all). See `client.rs`.

pub mod bucket_settings;
pub mod client;
pub mod duration;
pub mod kms_keys;
pub mod policy;
pub mod s3_bucket;
pub mod s3_bucket_data;
pub mod s3_object;
pub mod s3_object_data;
pub mod s3_objects_data;
pub mod secretsmanager_secret_version_data;
pub mod session;
pub mod ssm_parameter_data;
pub mod state_store;
pub mod state_workspaces;

use crate::framework::{DataSource, NativeProvider, ProviderSpec, ResourceType};
use crate::object::{Attrs, attrs, boolean, finish, get, integer, string};
use client::Settings;
use infra_engine::provider::{Attribute, Failure, Found, ResourceSchema, error};
use infra_lang::{Diagnostic, Type, Value};
pub use session::{S3, Session};

/// The default of `max_concurrency`: S3 calls in flight per provider
/// configuration.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The `aws` provider (one per `provider "aws"` configuration; aliases get
/// their own instance through `Provider::new_instance`), configured from
/// the environment until `configure` is called.
pub type AwsProvider = NativeProvider<Aws>;

/// The `aws` provider's list: S3 buckets and objects, and their data
/// sources; SSM parameters and Secrets Manager secret versions (data
/// sources); its context is a [`Session`].
pub struct Aws;

impl ProviderSpec for Aws {
    type Context = Session;
    const NAME: &'static str = "aws";

    fn context() -> Session {
        Session::new(Settings::default(), DEFAULT_CONCURRENCY)
    }

    fn provider_schema() -> ResourceSchema {
        provider_schema()
    }

    fn configure(config: &Value) -> Result<Option<Session>, Failure> {
        let (settings, concurrency) = if get_null(config) {
            (Settings::default(), DEFAULT_CONCURRENCY)
        } else {
            settings_from(attrs(config, "provider \"aws\"")?, "`provider \"aws\"`")?
        };
        Ok(Some(Session::new(settings, concurrency)))
    }

    fn resources() -> Vec<Box<dyn ResourceType<Session>>> {
        vec![Box::new(s3_bucket::S3Bucket), Box::new(s3_object::S3Object)]
    }

    fn data_sources() -> Vec<Box<dyn DataSource<Session>>> {
        vec![
            Box::new(s3_bucket_data::S3BucketData),
            Box::new(s3_object_data::S3ObjectData),
            Box::new(s3_objects_data::S3ObjectsData),
            Box::new(ssm_parameter_data::SsmParameterData),
            Box::new(secretsmanager_secret_version_data::SecretVersionData),
        ]
    }
}

/// The arguments of `provider "aws" { ... }`.
pub fn provider_schema() -> ResourceSchema {
    ResourceSchema::new(
        "Amazon Web Services (S3; SSM parameters and Secrets Manager secrets as data sources), or any S3-compatible server through `endpoint`.",
        vec![
            (
                "region",
                Attribute::optional(
                    Type::String,
                    "The AWS region, e.g. \"eu-west-1\"; else AWS_REGION, the profile's region, or us-east-1.",
                ),
            ),
            (
                "endpoint",
                Attribute::optional(
                    Type::String,
                    "The URL of an S3-compatible server, e.g. \"http://127.0.0.1:9000\", used for every AWS service (S3, SSM, Secrets Manager); else AWS_ENDPOINT_URL_S3 (AWS_ENDPOINT_URL_SSM, ...) or AWS.",
                ),
            ),
            (
                "profile",
                Attribute::optional(
                    Type::String,
                    "A named profile of the shared AWS config files.",
                ),
            ),
            (
                "access_key",
                Attribute::optional(
                    Type::String,
                    "A static access key id; set with `secret_key`.",
                )
                .sensitive(),
            ),
            (
                "secret_key",
                Attribute::optional(
                    Type::String,
                    "A static secret access key; set with `access_key`.",
                )
                .sensitive(),
            ),
            (
                "force_path_style",
                Attribute::optional(
                    Type::Bool,
                    "Address buckets as http://host/bucket (needed by most S3-compatible servers); on when `endpoint` is set.",
                ),
            ),
            (
                "max_retries",
                Attribute::optional(
                    Type::Number,
                    "Attempts in all for a timed-out, throttled or 5xx-failed call, with exponential backoff; 3 by default.",
                ),
            ),
            (
                "connect_timeout",
                Attribute::optional(
                    Type::String,
                    "How long connecting to S3 may take, a duration such as \"10s\" (the default).",
                ),
            ),
            (
                "read_timeout",
                Attribute::optional(
                    Type::String,
                    "How long to wait for S3's answer to a request once sent (uploading its content included), a duration such as \"60s\" (the default). A call that times out is retried (`max_retries`); a frozen endpoint fails a call after about max_retries × (connect_timeout + read_timeout).",
                ),
            ),
            (
                "max_concurrency",
                Attribute::optional(
                    Type::Number,
                    "S3 operations this provider configuration runs at once; 16 by default.",
                ),
            ),
        ],
    )
}

/// The settings in a `provider "aws"` (or `backend "s3"`) object: the
/// attributes of [`Settings`], null where unset.
///
/// # Errors
/// `max_retries` or `max_concurrency` not a positive whole number;
/// `connect_timeout` or `read_timeout` not a positive duration; only one
/// of `access_key` and `secret_key`.
pub fn settings_from(m: &Attrs, what: &str) -> Result<(Settings, usize), Failure> {
    let timeout = |name: &str| -> Result<Option<std::time::Duration>, Failure> {
        match string(m, name) {
            None if get(m, name).is_null() => Ok(None),
            None => Err(error(format!(
                "`{name}` of {what} must be a duration string such as \"30s\""
            ))),
            Some(text) => duration::parse(text).map(Some).map_err(|e| {
                vec![
                    Diagnostic::error(
                        "provider::invalid-argument",
                        format!("`{name}` of {what}: {e}"),
                    )
                    .with_help("Write a duration such as \"30s\", \"2m\" or \"1m30s\"."),
                ]
            }),
        }
    };
    let positive = |name: &str| -> Result<Option<u32>, Failure> {
        match integer(m, name, what).map_err(|d| vec![d])? {
            None => Ok(None),
            Some(n) if n >= 1 => u32::try_from(n)
                .map(Some)
                .map_err(|_| error(format!("`{name}` of {what} is too large"))),
            Some(n) => Err(error(format!(
                "`{name}` of {what} must be at least 1, got {n}"
            ))),
        }
    };
    let settings = Settings {
        region: string(m, "region").map(str::to_string),
        endpoint: string(m, "endpoint").map(str::to_string),
        profile: string(m, "profile").map(str::to_string),
        access_key: string(m, "access_key").map(str::to_string),
        secret_key: string(m, "secret_key").map(str::to_string),
        force_path_style: boolean(m, "force_path_style"),
        max_retries: positive("max_retries")?,
        connect_timeout: timeout("connect_timeout")?,
        read_timeout: timeout("read_timeout")?,
    };
    if settings.access_key.is_some() != settings.secret_key.is_some() {
        return Err(vec![
            Diagnostic::error(
                "provider::invalid-argument",
                format!("{what} sets only one of `access_key` and `secret_key`"),
            )
            .with_help("Set both, or neither to use the standard AWS credential chain."),
        ]);
    }
    let concurrency = positive("max_concurrency")?.map_or(DEFAULT_CONCURRENCY, |n| n as usize);
    Ok((settings, concurrency))
}

/// Looks for the object a create of `planned` (of type `r`) would have
/// made by its identity attributes `names` (`bucket`, `key`), read as
/// `import` reads it: [`Found::Unsupported`] when one is unknown or empty
/// (e.g. a bucket name generated from `bucket_prefix` at create time), so
/// the object cannot be looked up; [`Found::Missing`] when it is not there.
///
/// # Errors
/// When `planned` is not an object, or the read fails.
pub async fn find_by_identity<R: ResourceType<Session> + ?Sized>(
    r: &R,
    session: &Session,
    schema: &ResourceSchema,
    planned: &Value,
    names: &[&str],
) -> Result<Found, Failure> {
    let m = attrs(planned, r.name())?;
    let mut id = Attrs::new();
    for name in names {
        let Some(v) = string(m, name).filter(|s| !s.is_empty()) else {
            return Ok(Found::Unsupported);
        };
        id.insert((*name).to_string(), Value::string(v));
    }
    let read = r.read(session, schema, finish(schema, id)).await?;
    Ok(read.map_or(Found::Missing, Found::Object))
}

fn get_null(v: &Value) -> bool {
    matches!(crate::object::peel(v), Value::Null(_))
}

/// Attribute `name` of `m` as an owned string, for SDK calls.
pub fn owned(m: &Attrs, name: &str) -> Option<String> {
    string(m, name).map(str::to_string)
}

/// True when attribute `name` of `m` is null.
pub fn unset(m: &Attrs, name: &str) -> bool {
    get(m, name).is_null()
}
