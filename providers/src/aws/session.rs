//! [`Session`]: what every call of the `aws` provider's types shares — the
//! configured [`Settings`], one SDK client per AWS service, each made on
//! first use from one shared SDK configuration (so a configuration that
//! never touches a service never builds its client, and one that touches
//! none never loads credentials), and the `max_concurrency` limit on calls
//! in flight. A type of another AWS service adds its client here: one
//! field and one method like [`Session::s3`].

use super::client::{self, Settings};
use aws_config::SdkConfig;
use infra_engine::provider::{Failure, error};
use std::sync::Arc;
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

/// A configured `aws` provider: settings, lazily made clients, the limit.
pub struct Session {
    settings: Settings,
    /// Region, credentials, endpoint, retries and timeouts: loaded once,
    /// on the first client made.
    shared: OnceCell<SdkConfig>,
    s3: OnceCell<aws_sdk_s3::Client>,
    ssm: OnceCell<aws_sdk_ssm::Client>,
    secrets_manager: OnceCell<aws_sdk_secretsmanager::Client>,
    limit: Arc<Semaphore>,
}

/// A client of one AWS service with one of the provider's concurrency
/// permits held (released when this is dropped).
pub struct Connection<T> {
    /// The client.
    pub client: T,
    _permit: OwnedSemaphorePermit,
}

/// An S3 client with a permit.
pub type S3 = Connection<aws_sdk_s3::Client>;

impl Session {
    /// A session for `settings` allowing `concurrency` calls at once (at
    /// least 1).
    pub fn new(settings: Settings, concurrency: usize) -> Session {
        Session {
            settings,
            shared: OnceCell::new(),
            s3: OnceCell::new(),
            ssm: OnceCell::new(),
            secrets_manager: OnceCell::new(),
            limit: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// The S3 client and a permit (waits for one).
    ///
    /// # Errors
    /// Never in practice: the semaphore is never closed.
    pub async fn s3(&self) -> Result<S3, Failure> {
        self.connect(&self.s3, client::s3_client_from).await
    }

    /// The SSM client and a permit (waits for one).
    ///
    /// # Errors
    /// Never in practice: the semaphore is never closed.
    pub async fn ssm(&self) -> Result<Connection<aws_sdk_ssm::Client>, Failure> {
        self.connect(&self.ssm, |shared, _| aws_sdk_ssm::Client::new(shared))
            .await
    }

    /// The Secrets Manager client and a permit (waits for one).
    ///
    /// # Errors
    /// Never in practice: the semaphore is never closed.
    pub async fn secrets_manager(
        &self,
    ) -> Result<Connection<aws_sdk_secretsmanager::Client>, Failure> {
        self.connect(&self.secrets_manager, |shared, _| {
            aws_sdk_secretsmanager::Client::new(shared)
        })
        .await
    }

    /// The client in `cell`, made by `make` from the shared configuration
    /// on first use, and a permit.
    async fn connect<T: Clone>(
        &self,
        cell: &OnceCell<T>,
        make: fn(&SdkConfig, &Settings) -> T,
    ) -> Result<Connection<T>, Failure> {
        let client = cell
            .get_or_init(|| async {
                let shared = self
                    .shared
                    .get_or_init(|| client::sdk_config(&self.settings))
                    .await;
                make(shared, &self.settings)
            })
            .await
            .clone();
        let permit = self
            .limit
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| error("the aws provider is shutting down"))?;
        Ok(Connection {
            client,
            _permit: permit,
        })
    }
}
