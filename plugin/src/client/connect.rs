//! Connecting to a plugin from its handshake line: a tonic channel whose
//! connector dials the unix socket or TCP address and, when the line carries
//! a certificate, does the TLS handshake itself (pinned server certificate,
//! our client certificate, ALPN h2; design §0.2, §2 "Client" 4).

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::pki_types::CertificateDer;
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tonic::transport::{Channel, Endpoint, Uri};

use super::LaunchError;
use crate::handshake::{HandshakeLine, Network};
use crate::io::BoxedIo;
use crate::tls::{self, ClientIdentity};

/// How long dialing plus the TLS handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a gRPC channel to the plugin that printed `line`. With a server
/// certificate in the line the connection is TLS, trusting exactly that
/// certificate and presenting `client_identity` (the one whose PEM was
/// passed in `PLUGIN_CLIENT_CERT`); without one it is plain HTTP/2.
/// The channel reconnects the same way if the connection drops. Errors:
/// [`LaunchError::Connect`] (refused, timed out, TLS refused),
/// [`LaunchError::Tls`].
pub async fn connect(
    line: &HandshakeLine,
    client_identity: Option<&ClientIdentity>,
) -> Result<Channel, LaunchError> {
    let tls = match &line.server_cert {
        Some(der) => {
            let config = tls::client_config(CertificateDer::from(der.clone()), client_identity)?;
            Some((TlsConnector::from(Arc::new(config)), tls::server_name()?))
        }
        None => None,
    };
    let network = line.network;
    let address = line.address.clone();
    let connector = tower::service_fn(move |_: Uri| {
        let tls = tls.clone();
        let address = address.clone();
        async move { dial(network, &address, tls).await.map(TokioIo::new) }
    });
    let endpoint = Endpoint::from_static("http://localhost").connect_timeout(CONNECT_TIMEOUT);
    let connect = endpoint.connect_with_connector(connector);
    let failed = |error: String| LaunchError::Connect {
        address: line.address.clone(),
        error,
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(channel)) => Ok(channel),
        Ok(Err(e)) => Err(failed(error_chain(&e))),
        Err(_) => Err(failed(format!("timed out after {CONNECT_TIMEOUT:?}"))),
    }
}

/// Dials the address and does the TLS handshake when asked.
async fn dial(
    network: Network,
    address: &str,
    tls: Option<(TlsConnector, rustls::pki_types::ServerName<'static>)>,
) -> std::io::Result<BoxedIo> {
    match (network, tls) {
        (Network::Unix, None) => UnixStream::connect(address).await.map(BoxedIo::new),
        (Network::Tcp, None) => tcp(address).await.map(BoxedIo::new),
        (Network::Unix, Some((connector, name))) => {
            let stream = UnixStream::connect(address).await?;
            connector.connect(name, stream).await.map(BoxedIo::new)
        }
        (Network::Tcp, Some((connector, name))) => {
            let stream = tcp(address).await?;
            connector.connect(name, stream).await.map(BoxedIo::new)
        }
    }
}

async fn tcp(address: &str) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// An error with its sources (tonic's transport error says only
/// "transport error" at the top).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}
