//! Starting a required plugin as an infra provider: launch its process
//! (go-plugin handshake), connect, read its schema — and stop the process
//! gracefully when the provider is dropped at the end of the run.

use super::process::PluginProcess;
use super::provider::PluginProvider;
use infra_engine::provider::{Applied, ApplyRequest, Failure, Provider, ProviderSchema, Stored};
use infra_lang::Value;
use std::path::Path;
use std::sync::Mutex;
use tokio::runtime::Handle;

/// Starts the plugin `executable` for the provider `name` (its local name,
/// used in messages) and connects to it: a provider of every resource type
/// and data source the plugin's schema lists. Must run inside a
/// multi-threaded tokio runtime, which later calls use. The process stops
/// when the returned provider is dropped (`GRPCController.Shutdown`, then
/// SIGKILL after 2 s; see [`PluginProcess::shutdown`]).
///
/// # Errors
/// The plugin could not start, finish the handshake within 60 s, or
/// answer its schema.
pub async fn start(name: &str, executable: &Path) -> Result<PluginProvider, Failure> {
    start_keeping(name, executable, false).await
}

/// [`start`]; with `keep_raw` the provider keeps its schema answer's
/// protobuf bytes ([`PluginProvider::raw_schema`]) for the schema cache.
///
/// # Errors
/// As [`start`].
pub async fn start_keeping(
    name: &str,
    executable: &Path,
    keep_raw: bool,
) -> Result<PluginProvider, Failure> {
    let (process, channel, version) = PluginProcess::launch(executable, &[], name)
        .await
        .map_err(|e| infra_engine::provider::error(e.to_string()))?;
    match PluginProvider::connect_keeping(name.to_string(), channel, version, keep_raw).await {
        Ok(provider) => Ok(provider.with_process(ProcessGuard::new(process), executable)),
        Err(mut failure) => {
            let tail = process.last_output();
            process.shutdown().await;
            if !tail.is_empty() {
                for d in &mut failure {
                    d.help = Some(match d.help.take() {
                        Some(h) => format!("{h}\nThe plugin's last output:\n{tail}"),
                        None => format!("The plugin's last output:\n{tail}"),
                    });
                }
            }
            Err(failure)
        }
    }
}

/// The plugin process behind a [`PluginProvider`]: its last output for
/// crash reports, and a graceful stop on drop.
#[derive(Debug)]
pub struct ProcessGuard {
    process: Mutex<Option<PluginProcess>>,
    handle: Handle,
}

impl ProcessGuard {
    /// Owns `process`; must be made inside the runtime its I/O runs on.
    pub fn new(process: PluginProcess) -> ProcessGuard {
        ProcessGuard {
            process: Mutex::new(Some(process)),
            handle: Handle::current(),
        }
    }

    /// The process id and the last lines it wrote on stderr, for an error
    /// saying the plugin stopped answering.
    pub fn describe(&self) -> (Option<u32>, String) {
        match self.process.lock() {
            Ok(g) => g
                .as_ref()
                .map_or((None, String::new()), |p| (p.pid(), p.last_output())),
            Err(_) => (None, String::new()),
        }
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        let process = match self.process.get_mut() {
            Ok(p) => p.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let Some(process) = process else { return };
        // Outside the runtime (the CLI's commands are synchronous) wait for
        // the graceful stop; inside it, let the runtime finish it.
        if Handle::try_current().is_err() {
            self.handle.block_on(process.shutdown());
        } else {
            self.handle.spawn(process.shutdown());
        }
    }
}

/// A second configuration of a plugin whose process could not be started:
/// `configure` (called right after the engine makes the instance) and
/// every other call fail with the reason, so nothing silently falls back
/// to the first configuration's process.
pub struct Unstarted {
    /// The provider's local name.
    pub name: String,
    /// The schema of the process that did start.
    pub schema: ProviderSchema,
    /// Why this one did not.
    pub failure: Failure,
}

#[async_trait::async_trait]
impl Provider for Unstarted {
    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _config: Value) -> Result<(), Failure> {
        Err(self.failure.clone())
    }

    async fn apply(&self, _request: ApplyRequest) -> Result<Applied, Failure> {
        Err(self.failure.clone())
    }

    async fn read(
        &self,
        _type_name: &str,
        _state: Value,
        _private: &[u8],
    ) -> Result<Option<Stored>, Failure> {
        Err(self.failure.clone())
    }
}
