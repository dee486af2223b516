//! The plugin server: serves gRPC routes (a provider service) behind
//! go-plugin's handshake, as `infra provider serve NAME` needs it. Mirrors
//! go-plugin's `server.go` `Serve` (design §2 "Server").
//!
//! [`serve`] reads the environment and prints the handshake line on stdout;
//! [`serve_with`] is the same without touching the process (for tests).

pub mod controller;
pub mod listen;
#[cfg(test)]
pub(crate) mod tests;
pub mod v6;

use std::io::Write as _;
use std::time::Duration;

use tonic::service::Routes;

use crate::handshake::{self, HandshakeLine};
use crate::proto::goplugin::{
    grpc_controller_server::GrpcControllerServer, grpc_stdio_server::GrpcStdioServer,
};
use crate::tls::{self, Identity, TlsError};
pub use listen::ListenOn;

/// How long open connections get to finish after `GRPCController.Shutdown`
/// before the server stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Why the server did not start or stopped with an error. The CLI maps all
/// of them to exit status 1.
#[derive(Debug)]
pub enum ServeError {
    /// The magic cookie is missing or wrong: the binary was run by hand.
    /// [`serve`] has printed go-plugin's "This binary is a plugin" message.
    NotAPlugin,
    /// `PLUGIN_PROTOCOL_VERSIONS` does not offer the version served.
    ProtocolVersion {
        /// The variable's value.
        offered: String,
        /// The version this server speaks.
        served: u32,
    },
    /// Listening failed (socket path, port range).
    Listen(std::io::Error),
    /// The client certificate or our own certificate could not be set up.
    Tls(TlsError),
    /// The gRPC server failed.
    Serve(tonic::transport::Error),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::NotAPlugin => f.write_str(handshake::NOT_A_PLUGIN_MESSAGE.trim_end()),
            ServeError::ProtocolVersion { offered, served } => write!(
                f,
                "the plugin client offers protocol versions {offered:?} ({}), but this plugin serves version {served}",
                handshake::ENV_PROTOCOL_VERSIONS
            ),
            ServeError::Listen(e) => write!(f, "plugin init error: {e}"),
            ServeError::Tls(e) => write!(f, "plugin TLS init error: {e}"),
            ServeError::Serve(e) => write!(f, "plugin server error: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

impl From<TlsError> for ServeError {
    fn from(e: TlsError) -> Self {
        ServeError::Tls(e)
    }
}

/// What a plugin client passed in the environment (go-plugin's variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    /// `TF_PLUGIN_MAGIC_COOKIE`.
    pub magic_cookie: Option<String>,
    /// `PLUGIN_PROTOCOL_VERSIONS` (`5,6`); `None` accepts the version served.
    pub protocol_versions: Option<String>,
    /// Unix socket (default) or TCP (`INFRA_PLUGIN_NETWORK=tcp`).
    pub listen: ListenOn,
    /// `PLUGIN_CLIENT_CERT` (PEM): AutoMTLS when set and non-empty.
    pub client_cert_pem: Option<String>,
}

impl ServeSettings {
    /// Reads the settings from this process's environment. Unparsable port
    /// numbers count as 0, as if unset.
    pub fn from_env() -> ServeSettings {
        let var = |name: &str| std::env::var(name).ok();
        let port = |name: &str| {
            var(name)
                .and_then(|v| v.trim().parse::<u16>().ok())
                .unwrap_or(0)
        };
        let listen =
            if var(handshake::ENV_INFRA_NETWORK).is_some_and(|v| v.eq_ignore_ascii_case("tcp")) {
                ListenOn::Tcp {
                    min_port: port(handshake::ENV_MIN_PORT),
                    max_port: port(handshake::ENV_MAX_PORT),
                }
            } else {
                ListenOn::Unix {
                    dir: var(handshake::ENV_UNIX_SOCKET_DIR)
                        .filter(|d| !d.is_empty())
                        .map(Into::into),
                }
            };
        ServeSettings {
            magic_cookie: var(handshake::MAGIC_COOKIE_KEY),
            protocol_versions: var(handshake::ENV_PROTOCOL_VERSIONS),
            listen,
            client_cert_pem: var(handshake::ENV_CLIENT_CERT),
        }
    }
}

/// Serves `routes` (e.g. the tfplugin6 provider service) as a go-plugin
/// plugin speaking `protocol_version`, configured from the environment:
/// checks the magic cookie (printing go-plugin's message on stderr when it is
/// wrong), listens, prints the handshake line on stdout and flushes, ignores
/// SIGINT (go-plugin "eats" interrupts: the client stops its plugins
/// itself), and returns `Ok` after `GRPCController.Shutdown`. Nothing else
/// may be written to stdout while it runs.
pub async fn serve(routes: Routes, protocol_version: u32) -> Result<(), ServeError> {
    let settings = ServeSettings::from_env();
    if settings.magic_cookie.as_deref() != Some(handshake::MAGIC_COOKIE_VALUE) {
        let _ = std::io::stderr().write_all(handshake::NOT_A_PLUGIN_MESSAGE.as_bytes());
        return Err(ServeError::NotAPlugin);
    }
    ignore_interrupts();
    serve_with(settings, routes, protocol_version, |line| {
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            tracing::error!("plugin server: cannot write the handshake line: {e}");
        }
    })
    .await
}

/// Keeps SIGINT from killing the process, for as long as it runs.
fn ignore_interrupts() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
        Ok(mut interrupts) => {
            tokio::spawn(async move {
                let mut count = 0u64;
                while interrupts.recv().await.is_some() {
                    count += 1;
                    tracing::trace!("plugin received interrupt signal, ignoring (count {count})");
                }
            });
        }
        Err(e) => tracing::warn!("plugin server: cannot ignore interrupts: {e}"),
    }
}

/// [`serve`] with the settings given and the handshake line handed to
/// `line_out` (without the newline) once the server listens. Adds
/// `plugin.GRPCController` and `plugin.GRPCStdio` to `routes`. Removes the
/// unix socket file before returning.
pub async fn serve_with(
    settings: ServeSettings,
    routes: Routes,
    protocol_version: u32,
    line_out: impl FnOnce(String),
) -> Result<(), ServeError> {
    if settings.magic_cookie.as_deref() != Some(handshake::MAGIC_COOKIE_VALUE) {
        return Err(ServeError::NotAPlugin);
    }
    if let Some(offered) = &settings.protocol_versions
        && !handshake::parse_versions(offered).contains(&protocol_version)
    {
        return Err(ServeError::ProtocolVersion {
            offered: offered.clone(),
            served: protocol_version,
        });
    }
    let (acceptor, server_cert) = match settings
        .client_cert_pem
        .as_deref()
        .filter(|pem| !pem.trim().is_empty())
    {
        Some(pem) => {
            let client_certs = tls::certificates_from_pem(pem)?;
            let identity = Identity::generate()?;
            let config = tls::server_config(&identity, client_certs)?;
            (
                Some(listen::acceptor(config)),
                Some(identity.cert_der.to_vec()),
            )
        }
        None => (None, None),
    };
    let mut bound = listen::bind(&settings.listen)
        .await
        .map_err(ServeError::Listen)?;
    let _socket_file = bound.socket_file.take();
    let line = HandshakeLine {
        protocol_version,
        network: bound.network,
        address: bound.address.clone(),
        server_cert,
    };
    tracing::debug!(network = bound.network.as_str(), address = %bound.address, "plugin address");

    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let routes = routes
        .add_service(GrpcControllerServer::new(controller::Controller {
            shutdown: shutdown_tx,
        }))
        .add_service(GrpcStdioServer::new(controller::Stdio {
            shutdown: shutdown_rx.clone(),
        }));
    let (incoming, accept_task) = listen::incoming(bound, acceptor);
    line_out(line.format());

    let server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, controller::shutdown_raised(shutdown_rx.clone()));
    let result = tokio::select! {
        result = server => result.map_err(ServeError::Serve),
        () = async {
            controller::shutdown_raised(shutdown_rx).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            tracing::debug!("plugin server: connections still open {SHUTDOWN_GRACE:?} after shutdown; stopping anyway");
            Ok(())
        }
    };
    accept_task.abort();
    result
}
