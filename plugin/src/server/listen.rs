//! Where a plugin server listens (go-plugin's `serverListener_unix` /
//! `serverListener_tcp`) and its stream of accepted connections, with the
//! TLS handshake done here when AutoMTLS is on.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;

use crate::handshake::Network;
use crate::io::BoxedIo;

/// How long one client may take over its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenOn {
    /// A fresh unix socket `plugin<random>` in `dir` (go-plugin:
    /// `PLUGIN_UNIX_SOCKET_DIR`, else the temp dir).
    Unix {
        /// The directory; `None` means `std::env::temp_dir()`.
        dir: Option<PathBuf>,
    },
    /// The first free port of `min..=max` on 127.0.0.1 (`PLUGIN_MIN_PORT`,
    /// `PLUGIN_MAX_PORT`; both 0 lets the system choose).
    Tcp {
        /// The lowest port tried.
        min_port: u16,
        /// The highest port tried.
        max_port: u16,
    },
}

/// Removes the socket file when dropped (go-plugin's `rmListener`).
#[derive(Debug)]
pub(crate) struct SocketFile(pub(crate) PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A bound listener and the address to put in the handshake line.
pub(crate) struct Bound {
    listener: Listener,
    pub(crate) network: Network,
    pub(crate) address: String,
    /// Set for unix sockets; removes the file on drop.
    pub(crate) socket_file: Option<SocketFile>,
}

enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// Binds the listener. Errors name the socket path or the port range.
pub(crate) async fn bind(on: &ListenOn) -> io::Result<Bound> {
    match on {
        ListenOn::Unix { dir } => {
            let dir = dir.clone().unwrap_or_else(std::env::temp_dir);
            let (listener, path) = bind_unix(&dir)?;
            Ok(Bound {
                listener: Listener::Unix(listener),
                network: Network::Unix,
                address: path.to_string_lossy().into_owned(),
                socket_file: Some(SocketFile(path)),
            })
        }
        ListenOn::Tcp { min_port, max_port } => {
            if min_port > max_port {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "PLUGIN_MIN_PORT value of {min_port} is greater than PLUGIN_MAX_PORT value of {max_port}"
                    ),
                ));
            }
            for port in *min_port..=*max_port {
                if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
                    let address = listener.local_addr()?.to_string();
                    return Ok(Bound {
                        listener: Listener::Tcp(listener),
                        network: Network::Tcp,
                        address,
                        socket_file: None,
                    });
                }
            }
            Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!(
                    "couldn't bind plugin TCP listener on 127.0.0.1 ports {min_port}..={max_port}"
                ),
            ))
        }
    }
}

/// Binds `dir/plugin<N>` for a fresh N (process id, clock and a counter).
fn bind_unix(dir: &Path) -> io::Result<(UnixListener, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last_error = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("plugin{}{nanos:09}{n}", std::process::id()));
        match UnixListener::bind(&path) {
            Ok(listener) => return Ok((listener, path)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last_error = Some(e),
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot listen on {}: {e}", path.display()),
                ));
            }
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no free socket name")))
}

/// Accepts connections in a task and hands them over as a stream for
/// tonic's `serve_with_incoming_shutdown`; with `tls`, each connection is
/// handed over after its TLS handshake succeeds (a failed handshake, such as
/// a client presenting the wrong certificate, is logged and dropped). Abort
/// the returned task to stop accepting.
pub(crate) fn incoming(
    listener: Bound,
    tls: Option<TlsAcceptor>,
) -> (ReceiverStream<io::Result<BoxedIo>>, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(16);
    let task = tokio::spawn(async move {
        loop {
            let accepted = match &listener.listener {
                Listener::Unix(l) => l.accept().await.map(|(s, _)| Accepted::Unix(s)),
                Listener::Tcp(l) => l.accept().await.map(|(s, _)| {
                    let _ = s.set_nodelay(true);
                    Accepted::Tcp(s)
                }),
            };
            let stream = match accepted {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!("plugin server: accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let tx = tx.clone();
            match &tls {
                None => {
                    if tx.send(Ok(stream.boxed())).await.is_err() {
                        return;
                    }
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        if let Some(io) = tls_accept(&acceptor, stream).await {
                            let _ = tx.send(Ok(io)).await;
                        }
                    });
                }
            }
        }
    });
    (ReceiverStream::new(rx), task)
}

enum Accepted {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

impl Accepted {
    fn boxed(self) -> BoxedIo {
        match self {
            Accepted::Unix(s) => BoxedIo::new(s),
            Accepted::Tcp(s) => BoxedIo::new(s),
        }
    }
}

async fn tls_accept(acceptor: &TlsAcceptor, stream: Accepted) -> Option<BoxedIo> {
    let result = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, async {
        match stream {
            Accepted::Unix(s) => acceptor.accept(s).await.map(BoxedIo::new),
            Accepted::Tcp(s) => acceptor.accept(s).await.map(BoxedIo::new),
        }
    })
    .await;
    match result {
        Ok(Ok(io)) => Some(io),
        Ok(Err(e)) => {
            tracing::warn!("plugin server: TLS handshake with a client failed: {e}");
            None
        }
        Err(_) => {
            tracing::warn!("plugin server: TLS handshake with a client timed out");
            None
        }
    }
}

/// A TLS acceptor for a server configuration.
pub(crate) fn acceptor(config: rustls::ServerConfig) -> TlsAcceptor {
    TlsAcceptor::from(Arc::new(config))
}
