//! Starting a required plugin as an infra provider: launch its process
//! (go-plugin handshake), connect, read its schema — and stop the process
//! gracefully when the provider is dropped at the end of the run.

use super::process::PluginProcess;
use super::provider::PluginProvider;
use infra_engine::provider::Failure;
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
    let (process, channel, version) = PluginProcess::launch(executable, &[], name)
        .await
        .map_err(|e| infra_engine::provider::error(e.to_string()))?;
    match PluginProvider::connect(name.to_string(), channel, version).await {
        Ok(provider) => Ok(provider.with_process(ProcessGuard::new(process))),
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
