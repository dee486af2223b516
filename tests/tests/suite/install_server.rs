//! A tiny HTTPS server on 127.0.0.1 for the installation tests: a test CA
//! (rcgen) signs a certificate for 127.0.0.1, the CA's PEM goes to infra
//! through `INFRA_CA_CERT_FILE`, and each GET is answered from a route
//! table (path → status and body), one thread per connection, HTTP/1.1
//! with `Connection: close`. Every path asked for is recorded, with the
//! `Authorization` header it came with; a server may demand a bearer token
//! ([`Server::require_token`]).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A route: the path asked for → status and body (`None`: 404).
pub type Routes = dyn Fn(&str) -> Option<(u16, Vec<u8>)> + Send + Sync;

/// Each request's path and `Authorization` header, in order.
pub type AuthLog = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A running server; it stops accepting when dropped (its thread is
/// left to the process end, blocked in `accept`).
pub struct Server {
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// The test CA's certificate, PEM.
    pub ca_pem: String,
    /// The paths asked for, in order.
    pub hits: Arc<Mutex<Vec<String>>>,
    /// Each request's path and `Authorization` header, in order.
    pub auth: AuthLog,
    /// `Some((token, exempt))`: paths not starting with `exempt` need
    /// `Authorization: Bearer TOKEN`, else 401.
    required: Arc<Mutex<Option<(String, String)>>>,
    routes: Arc<Mutex<Arc<Routes>>>,
}

impl Server {
    /// Starts a server answering from `routes`.
    pub fn start(
        routes: impl Fn(&str) -> Option<(u16, Vec<u8>)> + Send + Sync + 'static,
    ) -> Server {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "infra test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().expect("server key");
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("server params");
        let cert = params.signed_by(&key, &issuer).expect("server certificate");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let host = format!("127.0.0.1:{}", listener.local_addr().expect("addr").port());
        let hits = Arc::new(Mutex::new(Vec::new()));
        let auth: AuthLog = Arc::new(Mutex::new(Vec::new()));
        let required: Arc<Mutex<Option<(String, String)>>> = Arc::new(Mutex::new(None));
        let routes: Arc<Mutex<Arc<Routes>>> = Arc::new(Mutex::new(Arc::new(routes)));
        let (h, r, a, q) = (hits.clone(), routes.clone(), auth.clone(), required.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (config, hits, routes) = (config.clone(), h.clone(), r.clone());
                let (auth, required) = (a.clone(), q.clone());
                std::thread::spawn(move || {
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    let mut reader = BufReader::new(&mut tls);
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    let mut authorization = None;
                    loop {
                        let mut line = String::new();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) => {
                                if let Some((name, value)) = line.split_once(':')
                                    && name.eq_ignore_ascii_case("authorization")
                                {
                                    authorization = Some(value.trim().to_string());
                                }
                            }
                        }
                    }
                    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
                    hits.lock().expect("hits").push(path.clone());
                    auth.lock()
                        .expect("auth")
                        .push((path.clone(), authorization.clone()));
                    let refused = required.lock().expect("required").as_ref().is_some_and(
                        |(token, exempt)| {
                            !path.starts_with(exempt.as_str())
                                && authorization.as_deref() != Some(&format!("Bearer {token}"))
                        },
                    );
                    let route = routes.lock().expect("routes").clone();
                    let (status, body) = if refused {
                        (401, b"unauthorized".to_vec())
                    } else {
                        route(&path).unwrap_or((404, b"not found".to_vec()))
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(head.as_bytes());
                    let _ = tls.write_all(&body);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        Server {
            host,
            ca_pem: ca_cert.pem(),
            hits,
            auth,
            required,
            routes,
        }
    }

    /// From now on, paths not starting with `exempt` need
    /// `Authorization: Bearer TOKEN` (else 401).
    pub fn require_token(&self, token: &str, exempt: &str) {
        *self.required.lock().expect("required") = Some((token.to_string(), exempt.to_string()));
    }

    /// Replaces the route table.
    pub fn set_routes(
        &self,
        routes: impl Fn(&str) -> Option<(u16, Vec<u8>)> + Send + Sync + 'static,
    ) {
        *self.routes.lock().expect("routes") = Arc::new(routes);
    }

    /// `https://HOST`.
    pub fn url(&self) -> String {
        format!("https://{}", self.host)
    }
}
