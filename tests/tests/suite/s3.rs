//! Shared helpers for tests that need the local S3-compatible server
//! (`ci/s3-test-server.sh` starts moto and exports its endpoint): the
//! endpoint, unique bucket names, and a second S3 client ("someone else")
//! to look at or change what infra did.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The endpoint of the local S3-compatible server, e.g.
/// `http://127.0.0.1:43243`.
///
/// Panics (failing the test loudly, never skipping it) when
/// `INFRA_TEST_S3_ENDPOINT` is unset: run the suite through
/// `ci/s3-test-server.sh cargo test --workspace`.
pub fn endpoint() -> String {
    match std::env::var("INFRA_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "INFRA_TEST_S3_ENDPOINT is not set: this test needs the local S3-compatible server. \
             Run the suite as `ci/s3-test-server.sh cargo test --workspace` (see README.md)."
        ),
    }
}

/// A bucket name no other test uses: `<prefix>-<pid>-<n>` (lower case,
/// valid for S3).
pub fn bucket(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// The `provider "aws"` block that points at the test server.
pub fn provider_block() -> String {
    format!(
        "provider \"aws\" {{\n  region   = \"us-east-1\"\n  endpoint = \"{}\"\n}}\n",
        endpoint()
    )
}

/// A runtime and an S3 client of our own against the test server, to check
/// or change objects behind infra's back.
pub struct Other {
    pub rt: tokio::runtime::Runtime,
    pub client: aws_sdk_s3::Client,
}

impl Other {
    pub fn new() -> Other {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let settings = infra_providers::aws::client::Settings {
            region: Some("us-east-1".into()),
            endpoint: Some(endpoint()),
            access_key: Some("testing".into()),
            secret_key: Some("testing".into()),
            ..Default::default()
        };
        let client = rt.block_on(infra_providers::aws::client::s3_client(&settings));
        Other { rt, client }
    }
}

/// Clients of our own for KMS, SSM and Secrets Manager on the test server
/// (moto serves them on the S3 endpoint), to set up keys, parameters and
/// secrets for infra to use.
pub struct Services {
    pub rt: tokio::runtime::Runtime,
    pub kms: aws_sdk_kms::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl Services {
    pub fn new() -> Services {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let settings = infra_providers::aws::client::Settings {
            region: Some("us-east-1".into()),
            endpoint: Some(endpoint()),
            access_key: Some("testing".into()),
            secret_key: Some("testing".into()),
            ..Default::default()
        };
        let shared = rt.block_on(infra_providers::aws::client::sdk_config(&settings));
        Services {
            kms: aws_sdk_kms::Client::new(&shared),
            ssm: aws_sdk_ssm::Client::new(&shared),
            secrets: aws_sdk_secretsmanager::Client::new(&shared),
            rt,
        }
    }

    /// A new symmetric KMS key: its id.
    pub fn kms_key(&self) -> String {
        let out = self
            .rt
            .block_on(self.kms.create_key().send())
            .expect("create a KMS key");
        out.key_metadata.expect("key metadata").key_id
    }
}
