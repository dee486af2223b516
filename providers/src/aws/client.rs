//! Building an S3 client from provider or backend settings (region,
//! endpoint, profile, static keys, path-style addressing, retries,
//! timeouts), and turning SDK errors into messages that name the S3
//! operation and the error code: `CreateBucket failed:
//! BucketAlreadyOwnedByYou`.
//!
//! Every call is bounded: connecting gives up after `connect_timeout`
//! (10 s by default), waiting for an answer after `read_timeout` (60 s),
//! and a call that timed out, was throttled or failed with a 5xx is tried
//! again with exponential backoff and jitter, `max_retries` attempts in all
//! (3). A frozen endpoint therefore fails a call after about
//! `max_retries × (connect_timeout + read_timeout)` plus the backoff
//! instead of hanging. (Stalled downloads are cut off by the SDK's stalled
//! stream protection.)
//!
//! One HTTP stack is compiled in: hyper 1 with rustls on `ring`, so TLS to
//! real AWS works without a C toolchain for aws-lc.

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::Duration;

/// How to reach S3: the `provider "aws"` block's arguments, or the
/// `backend "s3"` block's. Unset fields fall back to the standard AWS
/// chain (environment, shared config/credentials files).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// The region, e.g. `eu-west-1`; else `AWS_REGION` / the profile's.
    pub region: Option<String>,
    /// An S3-compatible endpoint URL, e.g. `http://127.0.0.1:9000`; else
    /// `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` / AWS itself.
    pub endpoint: Option<String>,
    /// A named profile of `~/.aws/config`.
    pub profile: Option<String>,
    /// A static access key id (with `secret_key`).
    pub access_key: Option<String>,
    /// A static secret access key (with `access_key`).
    pub secret_key: Option<String>,
    /// Path-style addressing (`http://host/bucket/key`), which most
    /// S3-compatible servers need; on by default when `endpoint` is set.
    pub force_path_style: Option<bool>,
    /// How many attempts a timed-out, throttled or 5xx-failed call gets in
    /// all (exponential backoff with jitter between them); 3 by default.
    pub max_retries: Option<u32>,
    /// How long connecting to the endpoint may take;
    /// [`DEFAULT_CONNECT_TIMEOUT`] by default.
    pub connect_timeout: Option<Duration>,
    /// How long to wait for the answer to a request once it is sent
    /// (uploading the body included); [`DEFAULT_READ_TIMEOUT`] by default.
    pub read_timeout: Option<Duration>,
}

/// The default `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default `read_timeout`: generous enough for a 16 MiB part over a
/// slow uplink (about 300 KB/s).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The timeouts of `settings` (defaults where unset).
pub fn timeouts(settings: &Settings) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
        .read_timeout(settings.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT))
        .build()
}

/// The region used when neither the settings, the environment nor the
/// profile name one (as the AWS CLI does for S3).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Builds an S3 client for `settings`: [`sdk_config`] then
/// [`s3_client_from`].
pub async fn s3_client(settings: &Settings) -> Client {
    s3_client_from(&sdk_config(settings).await, settings)
}

/// The configuration every AWS service client of `settings` shares:
/// region, credentials, endpoint, retries and timeouts. Loads the shared
/// config files but never contacts the instance metadata service for the
/// region.
pub async fn sdk_config(settings: &Settings) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut region_chain = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
        .or_else(aws_config::environment::EnvironmentVariableRegionProvider::new());
    let mut profile_region = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(p) = &settings.profile {
        profile_region = profile_region.profile_name(p);
    }
    region_chain = region_chain
        .or_else(profile_region.build())
        .or_else(Region::new(DEFAULT_REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(region_chain)
        .retry_config(
            RetryConfig::standard().with_max_attempts(settings.max_retries.unwrap_or(3).max(1)),
        )
        .timeout_config(timeouts(settings));
    if let Some(p) = &settings.profile {
        loader = loader.profile_name(p);
    }
    if let (Some(a), Some(s)) = (&settings.access_key, &settings.secret_key) {
        loader = loader.credentials_provider(Credentials::new(a, s, None, None, "infra-config"));
    }
    if let Some(e) = &settings.endpoint {
        loader = loader.endpoint_url(e);
    }
    loader.load().await
}

/// The S3 client of `shared` (see [`sdk_config`]): path-style addressing
/// as `settings` ask, else whenever an endpoint is set.
pub fn s3_client_from(shared: &SdkConfig, settings: &Settings) -> Client {
    let path_style = settings.force_path_style.unwrap_or(
        settings.endpoint.is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some(),
    );
    let conf = aws_sdk_s3::config::Builder::from(shared)
        .force_path_style(path_style)
        .build();
    Client::from_conf(conf)
}

/// An SDK error of an S3 operation.
pub type S3Error<E> = SdkError<E, HttpResponse>;

/// The error code of an SDK error (`NoSuchBucket`), or `HTTP <status>`
/// when the service sent no code; `None` for transport errors.
pub fn error_code<E: ProvideErrorMetadata>(e: &S3Error<E>) -> Option<String> {
    match e {
        SdkError::ServiceError(s) => Some(s.err().code().map_or_else(
            || format!("HTTP {}", s.raw().status().as_u16()),
            str::to_string,
        )),
        _ => None,
    }
}

/// The HTTP status of a service error response (412 for a failed
/// conditional write, 404 for a missing object); `None` for transport
/// errors.
pub fn status<E>(e: &S3Error<E>) -> Option<u16> {
    match e {
        SdkError::ServiceError(s) => Some(s.raw().status().as_u16()),
        _ => None,
    }
}

/// `"<Operation> failed: <Code>: <message>"` for an SDK error; for
/// transport errors (connection refused, timeout) the cause chain.
pub fn describe<E>(operation: &str, e: &S3Error<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let Some(code) = error_code(e) {
        let message = match e {
            SdkError::ServiceError(s) => s.err().message().filter(|m| !m.is_empty()),
            _ => None,
        };
        return match message {
            Some(m) => format!("{operation} failed: {code}: {m}"),
            None => format!("{operation} failed: {code}"),
        };
    }
    let timed_out = match e {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(d) => d.is_timeout(),
        _ => false,
    };
    let mut msg = if timed_out {
        format!(
            "{operation} failed: timed out: no answer within `connect_timeout` / `read_timeout`, on every attempt (`max_retries`): {e}"
        )
    } else {
        format!("{operation} failed: {e}")
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}
