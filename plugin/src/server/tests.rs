//! The server and the client against each other in-process: unix socket
//! and TCP, plain and AutoMTLS, Shutdown through the channel, and the
//! certificate pinning in both directions.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::service::Routes;

use super::{ListenOn, ServeError, ServeSettings, serve_with};
use crate::client::{LaunchError, connect};
use crate::handshake::{HandshakeLine, MAGIC_COOKIE_VALUE, Network};
use crate::proto::goplugin::{
    Empty, grpc_controller_client::GrpcControllerClient, grpc_stdio_client::GrpcStdioClient,
};
use crate::tls::Identity;

const WAIT: Duration = Duration::from_secs(20);

/// A server started by [`start`].
pub(crate) struct Running {
    pub(crate) task: JoinHandle<Result<(), ServeError>>,
    pub(crate) line: HandshakeLine,
    pub(crate) raw_line: String,
}

/// Settings as a client would pass them (`client` = AutoMTLS).
pub(crate) fn settings(listen: ListenOn, client: Option<&Identity>) -> ServeSettings {
    ServeSettings {
        magic_cookie: Some(MAGIC_COOKIE_VALUE.to_string()),
        protocol_versions: Some("5,6".to_string()),
        listen,
        client_cert_pem: client.map(|identity| identity.cert_pem.clone()),
    }
}

/// Starts `serve_with` in a task and waits for its handshake line.
pub(crate) async fn start(settings: ServeSettings) -> Running {
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(serve_with(settings, Routes::default(), 6, move |line| {
        let _ = tx.send(line);
    }));
    let raw_line = tokio::time::timeout(WAIT, rx)
        .await
        .expect("handshake line in time")
        .expect("a line");
    let line = HandshakeLine::parse(&raw_line, &[5, 6]).expect("a valid handshake line");
    Running {
        task,
        line,
        raw_line,
    }
}

async fn shutdown_through(channel: tonic::transport::Channel, running: Running) {
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(Empty {})
        .await
        .expect("StreamStdio answers")
        .into_inner();
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown answers");
    let served = tokio::time::timeout(WAIT, running.task)
        .await
        .expect("serve returns after Shutdown");
    assert!(matches!(served, Ok(Ok(()))), "{served:?}");
    // The stdio stream carried nothing and ended with the server.
    let next = tokio::time::timeout(WAIT, stdio.message())
        .await
        .expect("the stdio stream ends");
    assert!(!matches!(next, Ok(Some(_))), "{next:?}");
}

async fn round_trip(listen: ListenOn, mtls: bool) {
    let client = mtls.then(|| Identity::generate().expect("client certificate"));
    let running = start(settings(listen.clone(), client.as_ref())).await;
    assert_eq!(running.line.protocol_version, 6);
    assert_eq!(
        running.line.server_cert.is_some(),
        mtls,
        "{}",
        running.raw_line
    );
    assert!(running.raw_line.starts_with("1|6|"), "{}", running.raw_line);
    if !mtls {
        assert!(running.raw_line.ends_with("|grpc|"), "{}", running.raw_line);
    }
    let socket = match listen {
        ListenOn::Unix { .. } => {
            assert_eq!(running.line.network, Network::Unix);
            let path = std::path::PathBuf::from(&running.line.address);
            assert!(
                path.exists(),
                "the socket {} exists while serving",
                path.display()
            );
            Some(path)
        }
        ListenOn::Tcp { .. } => {
            assert_eq!(running.line.network, Network::Tcp);
            assert!(
                running.line.address.starts_with("127.0.0.1:"),
                "{}",
                running.line.address
            );
            None
        }
    };
    let channel = connect(&running.line, client.as_ref())
        .await
        .expect("the client connects");
    shutdown_through(channel, running).await;
    if let Some(path) = socket {
        assert!(
            !path.exists(),
            "the socket {} is removed on exit",
            path.display()
        );
    }
}

fn unix(dir: &tempfile::TempDir) -> ListenOn {
    ListenOn::Unix {
        dir: Some(dir.path().to_path_buf()),
    }
}

const TCP: ListenOn = ListenOn::Tcp {
    min_port: 0,
    max_port: 0,
};

#[tokio::test]
async fn plain_over_a_unix_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    round_trip(unix(&dir), false).await;
}

#[tokio::test]
async fn automtls_over_a_unix_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    round_trip(unix(&dir), true).await;
}

#[tokio::test]
async fn plain_over_tcp() {
    round_trip(TCP, false).await;
}

#[tokio::test]
async fn automtls_over_tcp() {
    round_trip(TCP, true).await;
}

/// A client whose certificate is not the one in `PLUGIN_CLIENT_CERT` (or
/// that presents none) gets no answer; the server keeps serving the right
/// client.
#[tokio::test]
async fn the_server_refuses_a_wrong_client_certificate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let expected = Identity::generate().expect("client certificate");
    let stranger = Identity::generate().expect("another certificate");
    let running = start(settings(unix(&dir), Some(&expected))).await;
    for identity in [Some(&stranger), None] {
        let refused = async {
            let channel = connect(&running.line, identity)
                .await
                .map_err(|e| e.to_string())?;
            GrpcControllerClient::new(channel)
                .shutdown(Empty {})
                .await
                .map_err(|e| e.to_string())
        };
        let result = tokio::time::timeout(WAIT, refused)
            .await
            .expect("refused in time");
        assert!(
            result.is_err(),
            "a wrong client certificate was accepted: {result:?}"
        );
    }
    assert!(
        !running.task.is_finished(),
        "the server stopped after refusing a client"
    );
    let channel = connect(&running.line, Some(&expected))
        .await
        .expect("the right client connects");
    shutdown_through(channel, running).await;
}

/// The client trusts only the certificate of the handshake line.
#[tokio::test]
async fn the_client_refuses_a_server_certificate_other_than_the_handshakes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = Identity::generate().expect("client certificate");
    let running = start(settings(unix(&dir), Some(&client))).await;
    let other = Identity::generate().expect("another certificate");
    let forged = HandshakeLine {
        server_cert: Some(other.cert_der.to_vec()),
        ..running.line.clone()
    };
    let result = connect(&forged, Some(&client)).await;
    assert!(
        matches!(result, Err(LaunchError::Connect { .. })),
        "{result:?}"
    );
    let channel = connect(&running.line, Some(&client))
        .await
        .expect("the real line connects");
    shutdown_through(channel, running).await;
}

#[tokio::test]
async fn a_wrong_cookie_or_version_is_refused_before_listening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut wrong_cookie = settings(unix(&dir), None);
    wrong_cookie.magic_cookie = Some("nope".to_string());
    let result = serve_with(wrong_cookie, Routes::default(), 6, |_| panic!("no line")).await;
    assert!(matches!(result, Err(ServeError::NotAPlugin)), "{result:?}");
    assert!(
        result
            .err()
            .is_some_and(|e| e.to_string().starts_with("This binary is a plugin.")),
        "go-plugin's message"
    );

    let mut only_five = settings(unix(&dir), None);
    only_five.protocol_versions = Some("5".to_string());
    let result = serve_with(only_five, Routes::default(), 6, |_| panic!("no line")).await;
    assert!(
        matches!(result, Err(ServeError::ProtocolVersion { served: 6, .. })),
        "{result:?}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).map(Iterator::count).ok(),
        Some(0),
        "no socket left"
    );
}

#[tokio::test]
async fn a_bad_client_certificate_is_an_error() {
    let mut bad = settings(TCP, None);
    bad.client_cert_pem = Some("not a certificate".to_string());
    let result = serve_with(bad, Routes::default(), 6, |_| panic!("no line")).await;
    assert!(matches!(result, Err(ServeError::Tls(_))), "{result:?}");
}
