//! The P-521 algorithm and TLS handshakes against peers whose keys are
//! P-521, as Terraform's client certificate and go-plugin servers'
//! certificates are (design §0.1). rustls/ring cannot sign with P-521 and
//! rcgen (without aws-lc) cannot make P-521 certificates, so the peer here
//! signs with the `p521` crate through rustls' signing traits and its
//! certificate is encoded by hand (a minimal self-signed X.509 v3).

use std::sync::Arc;

use p521::ecdsa::signature::Signer as _;
use p521::elliptic_curve::rand_core::OsRng;
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

#[test]
fn p521_accepts_a_valid_signature_and_rejects_a_tampered_one() {
    let key = p521::ecdsa::SigningKey::random(&mut OsRng);
    let public = p521::ecdsa::VerifyingKey::from(&key).to_encoded_point(false);
    let signature: p521::ecdsa::Signature = key.sign(b"the handshake transcript");
    let der = signature.to_der();
    let verify = |public: &[u8], message: &[u8], signature: &[u8]| {
        ECDSA_P521_SHA512.verify_signature(public, message, signature)
    };
    assert!(
        verify(
            public.as_bytes(),
            b"the handshake transcript",
            der.as_bytes()
        )
        .is_ok()
    );
    assert!(
        verify(
            public.as_bytes(),
            b"the handshake transcripT",
            der.as_bytes()
        )
        .is_err()
    );
    let mut flipped = der.as_bytes().to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert!(verify(public.as_bytes(), b"the handshake transcript", &flipped).is_err());
    let other = p521::ecdsa::SigningKey::random(&mut OsRng);
    let other_public = p521::ecdsa::VerifyingKey::from(&other).to_encoded_point(false);
    assert!(
        verify(
            other_public.as_bytes(),
            b"the handshake transcript",
            der.as_bytes()
        )
        .is_err()
    );
    assert!(verify(b"not a point", b"the handshake transcript", der.as_bytes()).is_err());
}

/// A P-521 key signing through both rcgen (its certificate) and rustls
/// (TLS CertificateVerify), like a Go peer's.
#[derive(Clone)]
struct P521Key {
    key: p521::ecdsa::SigningKey,
    public: Vec<u8>,
}

impl std::fmt::Debug for P521Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Key")
    }
}

impl P521Key {
    fn generate() -> P521Key {
        let key = p521::ecdsa::SigningKey::random(&mut OsRng);
        let public = p521::ecdsa::VerifyingKey::from(&key)
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        P521Key { key, public }
    }

    fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let signature: p521::ecdsa::Signature = self.key.sign(message);
        signature.to_der().as_bytes().to_vec()
    }

    /// A self-signed certificate for the key (CN localhost, ECDSA with
    /// SHA-512) and the key, as rustls takes them.
    fn certified(&self) -> (CertificateDer<'static>, Arc<CertifiedKey>) {
        let der = CertificateDer::from(self.certificate());
        (
            der.clone(),
            Arc::new(CertifiedKey::new(vec![der], Arc::new(self.clone()))),
        )
    }

    fn certificate(&self) -> Vec<u8> {
        const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
        const SECP521R1: &[u8] = &[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23];
        const ECDSA_SHA512: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04];
        const COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
        let name = der(
            0x30,
            &der(
                0x31,
                &der(0x30, &[COMMON_NAME, &der(0x0C, b"localhost")].concat()),
            ),
        );
        let signature_algorithm = der(0x30, ECDSA_SHA512);
        let spki = der(
            0x30,
            &[
                der(0x30, &[EC_PUBLIC_KEY, SECP521R1].concat()),
                der(0x03, &[&[0u8][..], &self.public].concat()),
            ]
            .concat(),
        );
        let tbs = der(
            0x30,
            &[
                der(0xA0, &der(0x02, &[2])),
                der(0x02, &[0x01, 0x23]),
                signature_algorithm.clone(),
                name.clone(),
                der(
                    0x30,
                    &[der(0x17, b"200101000000Z"), der(0x18, b"99991231235959Z")].concat(),
                ),
                name,
                spki,
            ]
            .concat(),
        );
        let signature = der(0x03, &[&[0u8][..], &self.sign_der(&tbs)].concat());
        der(0x30, &[tbs, signature_algorithm, signature].concat())
    }
}

/// One DER TLV.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

impl rustls::sign::SigningKey for P521Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
            .then(|| Box::new(self.clone()) as Box<dyn rustls::sign::Signer>)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ECDSA
    }
}

impl rustls::sign::Signer for P521Key {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        Ok(self.sign_der(message))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP521_SHA512
    }
}

/// Runs a handshake over an in-memory pipe and sends one message from the
/// client; Ok only if the server accepted the client and read it.
async fn exchange(
    client: rustls::ClientConfig,
    server: rustls::ServerConfig,
) -> Result<(), String> {
    let (client_io, server_io) = tokio::io::duplex(1 << 16);
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let server_side = tokio::spawn(async move {
        let mut stream = acceptor
            .accept(server_io)
            .await
            .map_err(|e| format!("server: {e}"))?;
        let mut buf = [0u8; 4];
        stream
            .read_exact(&mut buf)
            .await
            .map_err(|e| format!("server read: {e}"))?;
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        Ok::<_, String>(buf)
    });
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let client_side = async {
        let mut stream = connector
            .connect(server_name().map_err(|e| e.to_string())?, client_io)
            .await
            .map_err(|e| format!("client: {e}"))?;
        stream
            .write_all(b"ping")
            .await
            .map_err(|e| format!("client write: {e}"))?;
        stream
            .flush()
            .await
            .map_err(|e| format!("client flush: {e}"))?;
        Ok::<_, String>(stream)
    };
    let timeout = std::time::Duration::from_secs(20);
    let _client = tokio::time::timeout(timeout, client_side)
        .await
        .map_err(|_| "client timeout")??;
    let read = tokio::time::timeout(timeout, server_side)
        .await
        .map_err(|_| "server timeout")?
        .map_err(|e| e.to_string())??;
    if &read == b"ping" {
        Ok(())
    } else {
        Err(format!("read {read:?}"))
    }
}

static TLS13_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
static TLS12_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

fn versions(tls13: bool) -> &'static [&'static rustls::SupportedProtocolVersion] {
    if tls13 { TLS13_ONLY } else { TLS12_ONLY }
}

/// A client like Terraform's: presents `key` (P-521), trusts `server`.
fn p521_client(server: &Identity, key: Arc<CertifiedKey>, tls13: bool) -> rustls::ClientConfig {
    let p = provider();
    let mut client = rustls::ClientConfig::builder_with_provider(p.clone())
        .with_protocol_versions(versions(tls13))
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(
            vec![server.cert_der.clone()],
            &p,
        )))
        .with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key)));
    client.alpn_protocols = alpn();
    client
}

/// Terraform (go-plugin's client) presents a P-521 certificate to infra's
/// server; infra's server must accept it, over TLS 1.3 and 1.2.
#[tokio::test]
async fn the_server_accepts_a_p521_client_like_terraform() {
    for tls13 in [true, false] {
        let ours = Identity::generate().expect("server certificate");
        let terraform = P521Key::generate();
        let (terraform_cert, terraform_key) = terraform.certified();
        let server = server_config(&ours, vec![terraform_cert]).expect("server config");
        let client = p521_client(&ours, terraform_key, tls13);
        assert_eq!(exchange(client, server).await, Ok(()), "TLS 1.3: {tls13}");
    }
}

/// A go-plugin provider presents a P-521 server certificate; infra's
/// client must accept it (pinned from the handshake line) and be accepted.
#[tokio::test]
async fn the_client_accepts_a_p521_server_like_a_go_provider() {
    for tls13 in [true, false] {
        let ours = Identity::generate().expect("client certificate");
        let provider_key = P521Key::generate();
        let (provider_cert, provider_certified) = provider_key.certified();
        let client = client_config(provider_cert, Some(&ours)).expect("client config");
        let p = provider();
        let mut server = rustls::ServerConfig::builder_with_provider(p.clone())
            .with_protocol_versions(versions(tls13))
            .expect("versions")
            .with_client_cert_verifier(Arc::new(PinnedVerifier::new(
                vec![ours.cert_der.clone()],
                &p,
            )))
            .with_cert_resolver(Arc::new(SingleCertAndKey::from(provider_certified)));
        server.alpn_protocols = alpn();
        assert_eq!(exchange(client, server).await, Ok(()), "TLS 1.3: {tls13}");
    }
}

/// A P-521 client whose certificate is not the pinned one is refused.
#[tokio::test]
async fn the_server_refuses_a_p521_client_it_was_not_given() {
    let ours = Identity::generate().expect("server certificate");
    let (expected_cert, _) = P521Key::generate().certified();
    let (_, stranger_key) = P521Key::generate().certified();
    let server = server_config(&ours, vec![expected_cert]).expect("server config");
    let client = p521_client(&ours, stranger_key, true);
    assert!(exchange(client, server).await.is_err());
}

#[test]
fn the_certificate_follows_go_plugins_template() {
    let identity = Identity::generate().expect("certificate");
    assert!(identity.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        certificates_from_pem(&identity.cert_pem)
            .expect("PEM")
            .first()
            .map(|c| c.to_vec()),
        Some(identity.cert_der.to_vec())
    );
    assert!(
        format!("{identity:?}").contains("cert_pem"),
        "Debug leaves the key out"
    );
    assert!(certificates_from_pem("garbage").is_err());
}
