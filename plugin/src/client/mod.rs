//! The plugin client: launches a provider binary with go-plugin's handshake,
//! connects to it over gRPC (plain or AutoMTLS) and stops it (design §2
//! "Client"). `process` owns the child process, `connect` the channel,
//! `output` the plugin's stderr/stdout/GRPCStdio logging, `provider` the
//! `Provider` implementation over the connected channel, `schema_cache` a
//! plugin's schema kept in the working directory for offline `validate`.

pub mod connect;
mod output;
pub mod process;
pub mod provider;
pub mod schema_cache;
pub mod start;
#[cfg(test)]
mod tests;

pub use connect::connect;
pub use process::PluginProcess;
pub use provider::PluginProvider;
pub use start::{start, start_keeping};

/// Why a plugin could not be started or connected. Messages name the
/// plugin and, when it died, end with its last stderr lines.
#[derive(Debug)]
pub enum LaunchError {
    /// The executable could not be started.
    Spawn {
        /// The plugin's name (e.g. `registry.terraform.io/hashicorp/aws`).
        name: String,
        /// The path run.
        executable: String,
        /// The OS error.
        error: std::io::Error,
    },
    /// The process exited (or closed stdout) before printing a handshake line.
    ExitedBeforeHandshake {
        /// The plugin's name.
        name: String,
        /// The exit status, as text (`exit status: 1`), if known.
        status: String,
        /// The last lines the plugin wrote on stderr.
        last_output: String,
    },
    /// No handshake line within the start timeout (60 s, go-plugin's).
    Timeout {
        /// The plugin's name.
        name: String,
        /// What was waited for.
        waiting_for: String,
        /// The last lines the plugin wrote on stderr.
        last_output: String,
    },
    /// The handshake line is unusable (bad version, netrpc, bad cert).
    Handshake {
        /// The plugin's name.
        name: String,
        /// What is wrong with it.
        error: crate::handshake::HandshakeError,
    },
    /// Certificates or TLS configuration.
    Tls(crate::tls::TlsError),
    /// Connecting to the address of the handshake line failed.
    Connect {
        /// The address.
        address: String,
        /// The transport error.
        error: String,
    },
}

impl std::fmt::Display for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tail = |f: &mut std::fmt::Formatter<'_>, last_output: &str| {
            if last_output.is_empty() {
                Ok(())
            } else {
                write!(f, "; last output:\n{last_output}")
            }
        };
        match self {
            LaunchError::Spawn {
                name,
                executable,
                error,
            } => {
                write!(f, "cannot start plugin {name} ({executable}): {error}")
            }
            LaunchError::ExitedBeforeHandshake {
                name,
                status,
                last_output,
            } => {
                write!(f, "plugin {name} exited before the handshake ({status})")?;
                tail(f, last_output)
            }
            LaunchError::Timeout {
                name,
                waiting_for,
                last_output,
            } => {
                write!(
                    f,
                    "timeout while waiting for plugin {name} to {waiting_for}"
                )?;
                tail(f, last_output)
            }
            LaunchError::Handshake { name, error } => write!(f, "plugin {name}: {error}"),
            LaunchError::Tls(e) => write!(f, "{e}"),
            LaunchError::Connect { address, error } => {
                write!(f, "cannot connect to the plugin at {address}: {error}")
            }
        }
    }
}

impl std::error::Error for LaunchError {}

impl From<crate::tls::TlsError> for LaunchError {
    fn from(e: crate::tls::TlsError) -> Self {
        LaunchError::Tls(e)
    }
}
