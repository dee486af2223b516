//! The `aws` provider: S3 buckets and objects through `aws-sdk-s3`, for
//! AWS itself (standard credential chain) and any S3-compatible endpoint.
//!
//! Configuration (`provider "aws" { ... }`) is stored by `configure`; the
//! SDK client is built on first use, so a configuration that never touches
//! S3 never loads credentials. Every operation holds one of
//! `max_concurrency` permits (default 16): a per-provider limit on calls in
//! flight, below the engine's `--parallelism`. Every call is bounded by
//! `connect_timeout` and `read_timeout`; timeouts, throttling and 5xx
//! answers are retried by the SDK's standard retry strategy (exponential
//! backoff with jitter, `max_retries` attempts in all). See `client.rs`.

pub mod bucket_settings;
pub mod client;
pub mod duration;
pub mod policy;
pub mod s3_bucket;
pub mod s3_bucket_data;
pub mod s3_object;
pub mod s3_object_data;
pub mod s3_objects_data;
pub mod state_store;

use crate::object::{Attrs, attrs, boolean, get, integer, no_such_type, string};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use client::Settings;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, Found, PlanRequest, PlannedState, Provider, ProviderSchema,
    ResourceSchema, error,
};
use infra_lang::{Diagnostic, Type, Value};
use std::sync::{Arc, RwLock};
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

/// The default of `max_concurrency`: S3 calls in flight per provider
/// configuration.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A configured provider: settings, the lazily built client, the limit.
struct Configured {
    settings: Settings,
    client: OnceCell<Client>,
    limit: Arc<Semaphore>,
}

impl Configured {
    fn new(settings: Settings, concurrency: usize) -> Configured {
        Configured {
            settings,
            client: OnceCell::new(),
            limit: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }
}

/// An S3 client with one of the provider's concurrency permits held
/// (released when this is dropped).
pub struct S3 {
    /// The client.
    pub client: Client,
    _permit: OwnedSemaphorePermit,
}

/// The `aws` provider (one per `provider "aws"` configuration; aliases get
/// their own instance through [`Provider::new_instance`]).
pub struct AwsProvider {
    schema: ProviderSchema,
    configured: RwLock<Arc<Configured>>,
}

impl AwsProvider {
    /// The provider with its schema, configured from the environment until
    /// `configure` is called.
    pub fn new() -> AwsProvider {
        let mut schema = ProviderSchema {
            provider: provider_schema(),
            ..ProviderSchema::default()
        };
        schema
            .resources
            .insert(s3_bucket::TYPE.into(), s3_bucket::schema());
        schema
            .resources
            .insert(s3_object::TYPE.into(), s3_object::schema());
        schema
            .data_sources
            .insert(s3_bucket_data::TYPE.into(), s3_bucket_data::schema());
        schema
            .data_sources
            .insert(s3_object_data::TYPE.into(), s3_object_data::schema());
        schema
            .data_sources
            .insert(s3_objects_data::TYPE.into(), s3_objects_data::schema());
        AwsProvider {
            schema,
            configured: RwLock::new(Arc::new(Configured::new(
                Settings::default(),
                DEFAULT_CONCURRENCY,
            ))),
        }
    }

    /// The schema of managed resource type `type_name`.
    fn resource_schema(&self, type_name: &str) -> Result<&ResourceSchema, Failure> {
        self.schema
            .resources
            .get(type_name)
            .ok_or_else(|| no_such_type("aws", type_name))
    }

    fn current(&self) -> Arc<Configured> {
        match self.configured.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Default for AwsProvider {
    fn default() -> Self {
        AwsProvider::new()
    }
}

/// A client and a concurrency permit of `c` (waits for a permit).
///
/// # Errors
/// Never in practice: the semaphore is never closed.
async fn s3(c: &Configured) -> Result<S3, Failure> {
    let client = c
        .client
        .get_or_init(|| client::s3_client(&c.settings))
        .await
        .clone();
    let permit = c
        .limit
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| error("the aws provider is shutting down"))?;
    Ok(S3 {
        client,
        _permit: permit,
    })
}

/// The arguments of `provider "aws" { ... }`.
pub fn provider_schema() -> ResourceSchema {
    ResourceSchema::new(
        "Amazon Web Services (S3), or any S3-compatible server through `endpoint`.",
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
                    "The URL of an S3-compatible server, e.g. \"http://127.0.0.1:9000\"; else AWS_ENDPOINT_URL_S3 or AWS.",
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

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &str {
        "aws"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn new_instance(&self) -> Option<Arc<dyn Provider>> {
        Some(Arc::new(AwsProvider::new()))
    }

    async fn configure(&self, config: Value) -> Result<(), Failure> {
        let (settings, concurrency) = if get_null(&config) {
            (Settings::default(), DEFAULT_CONCURRENCY)
        } else {
            settings_from(attrs(&config, "provider \"aws\"")?, "`provider \"aws\"`")?
        };
        let next = Arc::new(Configured::new(settings, concurrency));
        match self.configured.write() {
            Ok(mut c) => *c = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        Ok(())
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        let Ok(m) = attrs(config, type_name) else {
            return Vec::new();
        };
        match type_name {
            s3_bucket::TYPE => s3_bucket::validate(m),
            s3_object::TYPE => s3_object::validate(m),
            _ => Vec::new(),
        }
    }

    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        let schema = self.resource_schema(request.type_name)?;
        match request.type_name {
            s3_bucket::TYPE => s3_bucket::plan(schema, request),
            s3_object::TYPE => s3_object::plan(schema, request),
            other => Err(no_such_type("aws", other)),
        }
    }

    async fn apply(&self, request: ApplyRequest) -> Result<Option<Value>, Failure> {
        let c = self.current();
        let schema = self.resource_schema(&request.type_name)?;
        match request.type_name.as_str() {
            s3_bucket::TYPE => s3_bucket::apply(s3(&c).await?, schema, request).await,
            s3_object::TYPE => s3_object::apply(s3(&c).await?, schema, request).await,
            other => Err(no_such_type("aws", other)),
        }
    }

    async fn read(&self, type_name: &str, state: Value) -> Result<Option<Value>, Failure> {
        let c = self.current();
        let schema = self.resource_schema(type_name)?;
        match type_name {
            s3_bucket::TYPE => s3_bucket::read(s3(&c).await?, schema, state).await,
            s3_object::TYPE => s3_object::read(s3(&c).await?, schema, state).await,
            other => Err(no_such_type("aws", other)),
        }
    }

    async fn read_data(&self, type_name: &str, config: Value) -> Result<Value, Failure> {
        let c = self.current();
        let schema = self
            .schema
            .data_sources
            .get(type_name)
            .ok_or_else(|| no_such_type("aws", type_name))?;
        match type_name {
            s3_bucket_data::TYPE => s3_bucket_data::read(s3(&c).await?, schema, config).await,
            s3_object_data::TYPE => s3_object_data::read(s3(&c).await?, schema, config).await,
            s3_objects_data::TYPE => s3_objects_data::read(s3(&c).await?, schema, config).await,
            other => Err(no_such_type("aws", other)),
        }
    }

    /// Finds a bucket by its configured `bucket` name (a name generated
    /// from `bucket_prefix` at create time cannot be looked up:
    /// unsupported), an object by `bucket` and `key`; read as `import`
    /// reads them.
    async fn find(&self, type_name: &str, planned: Value) -> Result<Found, Failure> {
        let c = self.current();
        let schema = self.resource_schema(type_name)?;
        let m = attrs(&planned, type_name)?;
        let known = |name: &str| string(m, name).filter(|s| !s.is_empty());
        let mut id = Attrs::new();
        let names: &[&str] = match type_name {
            s3_bucket::TYPE => &["bucket"],
            s3_object::TYPE => &["bucket", "key"],
            other => return Err(no_such_type("aws", other)),
        };
        for name in names {
            let Some(v) = known(name) else {
                return Ok(Found::Unsupported);
            };
            id.insert((*name).to_string(), Value::string(v));
        }
        let state = crate::object::finish(schema, id);
        let read = match type_name {
            s3_bucket::TYPE => s3_bucket::read(s3(&c).await?, schema, state).await?,
            _ => s3_object::read(s3(&c).await?, schema, state).await?,
        };
        Ok(read.map_or(Found::Missing, Found::Object))
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, Failure> {
        let c = self.current();
        let schema = self.resource_schema(type_name)?;
        match type_name {
            s3_bucket::TYPE => s3_bucket::import(s3(&c).await?, schema, id).await,
            s3_object::TYPE => s3_object::import(s3(&c).await?, schema, id).await,
            other => Err(no_such_type("aws", other)),
        }
    }
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
