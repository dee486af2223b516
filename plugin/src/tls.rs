//! AutoMTLS as go-plugin does it: a fresh self-signed certificate per
//! process, and TLS configurations that trust exactly the peer certificate
//! exchanged in the handshake (client side: the sixth field of the handshake
//! line; server side: the `PLUGIN_CLIENT_CERT` PEM).
//!
//! Two facts rule out the usual rustls/webpki path (design §0.1, §0.2):
//! go-plugin certificates are self-signed CA certificates, which webpki
//! refuses as end entities, and they carry ECDSA P-521 keys, which ring cannot
//! verify. So the verifiers here pin the peer certificate by its exact DER
//! bytes and check handshake signatures with ring's algorithms plus
//! [`ECDSA_P521_SHA512`], written with the pure-Rust `p521` crate.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer, PrivatePkcs8KeyDer,
    ServerName, SignatureVerificationAlgorithm, UnixTime, alg_id,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// The host name go-plugin puts in its certificates and expects as the TLS
/// server name (GP `mtls.go`, `client.go` `ServerName: "localhost"`).
pub const SERVER_NAME: &str = "localhost";

/// A certificate and its private key, as one side of AutoMTLS presents them.
///
/// The certificate follows go-plugin's template (GP `mtls.go`
/// `generateCert`): CN and DNS SAN `localhost`, O `HashiCorp`, a CA
/// (go-plugin peers verify it as its own root), key usages digitalSignature,
/// keyEncipherment, keyAgreement and keyCertSign, extended key usages
/// clientAuth and serverAuth, valid from 30 s ago for 262980 hours. The key is
/// ECDSA P-256 (go-plugin uses P-521, which ring cannot sign with; Go accepts
/// any curve).
#[derive(Clone)]
pub struct Identity {
    /// The certificate, DER.
    pub cert_der: CertificateDer<'static>,
    /// The certificate, PEM (what goes into `PLUGIN_CLIENT_CERT`).
    pub cert_pem: String,
    /// The private key, PKCS#8 DER.
    key_pkcs8: Vec<u8>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("Identity")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

/// The identity a client presents to a plugin server (the same template).
pub type ClientIdentity = Identity;

/// An error building certificates or TLS configurations.
#[derive(Debug)]
pub struct TlsError(pub String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

impl Identity {
    /// Generates a fresh key pair and self-signed certificate (see the type
    /// docs for the template). Errors only if the system random source fails.
    pub fn generate() -> Result<Identity, TlsError> {
        let key =
            rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(cert_error)?;
        let cert = go_plugin_params()?.self_signed(&key).map_err(cert_error)?;
        Ok(Identity {
            cert_der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_pkcs8: key.serialize_der(),
        })
    }

    fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()))
    }
}

fn cert_error(e: rcgen::Error) -> TlsError {
    TlsError(format!("cannot generate the TLS certificate: {e}"))
}

/// go-plugin's certificate template (GP `mtls.go` `generateCert`; see
/// [`Identity`]).
fn go_plugin_params() -> Result<rcgen::CertificateParams, TlsError> {
    let mut params =
        rcgen::CertificateParams::new(vec![SERVER_NAME.to_string()]).map_err(cert_error)?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, SERVER_NAME);
    name.push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.distinguished_name = name;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - Duration::from_secs(30);
    params.not_after = now + Duration::from_secs(262_980 * 3600);
    Ok(params)
}

/// Decodes the certificates of a PEM text such as `PLUGIN_CLIENT_CERT`
/// (Go's `AppendCertsFromPEM` takes every CERTIFICATE block). Errors when no
/// certificate can be read.
pub fn certificates_from_pem(pem: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError(
            "the client certificate (PLUGIN_CLIENT_CERT) holds no PEM CERTIFICATE".to_string(),
        ));
    }
    Ok(certs)
}

/// The crypto provider every configuration here is built with: ring,
/// whatever features other crates unify into rustls.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// TLS 1.3 and 1.2: go-plugin sets `MinVersion: tls.VersionTLS12`.
static VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// ALPN `h2`: grpc-go ≥ 1.67 refuses TLS connections without it.
fn alpn() -> Vec<Vec<u8>> {
    vec![b"h2".to_vec()]
}

/// The client configuration: trusts only `server_cert` (the DER from the
/// handshake line), presents `identity` when given (AutoMTLS), speaks h2.
pub fn client_config(
    server_cert: CertificateDer<'static>,
    identity: Option<&Identity>,
) -> Result<rustls::ClientConfig, TlsError> {
    let err = |e: rustls::Error| TlsError(format!("cannot set up TLS for the plugin client: {e}"));
    let provider = provider();
    let verifier = PinnedVerifier::new(vec![server_cert], &provider);
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)
        .map_err(err)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(vec![identity.cert_der.clone()], identity.key_der())
            .map_err(err)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn();
    Ok(config)
}

/// The server configuration: presents `identity`, requires a client
/// certificate equal to one of `client_certs` (go-plugin's
/// `RequireAndVerifyClientCert` with the client certificate as the only CA),
/// speaks h2.
pub fn server_config(
    identity: &Identity,
    client_certs: Vec<CertificateDer<'static>>,
) -> Result<rustls::ServerConfig, TlsError> {
    let err = |e: rustls::Error| TlsError(format!("cannot set up TLS for the plugin server: {e}"));
    let provider = provider();
    let verifier = PinnedVerifier::new(client_certs, &provider);
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)
        .map_err(err)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.cert_der.clone()], identity.key_der())
        .map_err(err)?;
    config.alpn_protocols = alpn();
    Ok(config)
}

/// The server name a client checks; the verifier pins the certificate, so
/// this only has to be a valid name (go-plugin uses `localhost`).
pub fn server_name() -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(SERVER_NAME).map_err(|e| TlsError(format!("bad TLS server name: {e}")))
}

/// A verifier for either side that accepts exactly the pinned certificates
/// and checks handshake signatures with ring plus ECDSA P-521/SHA-512.
#[derive(Debug)]
struct PinnedVerifier {
    pinned: Vec<CertificateDer<'static>>,
    ring: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    fn new(pinned: Vec<CertificateDer<'static>>, provider: &CryptoProvider) -> PinnedVerifier {
        PinnedVerifier {
            pinned,
            ring: provider.signature_verification_algorithms,
        }
    }

    fn check(&self, presented: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|pinned| pinned.as_ref() == presented.as_ref())
        {
            Ok(())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    /// The algorithms for one signature scheme: P-521 is ours, the rest ring's.
    fn algorithms(&self, scheme: SignatureScheme) -> &WebPkiSupportedAlgorithms {
        if scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            &P521_ALGORITHMS
        } else {
            &self.ring
        }
    }

    fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, self.algorithms(dss.scheme))
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, self.algorithms(dss.scheme))
    }

    fn schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self.ring.supported_schemes();
        schemes.push(SignatureScheme::ECDSA_NISTP521_SHA512);
        schemes
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

impl ClientCertVerifier for PinnedVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

/// ECDSA on P-521 with SHA-512, the signature of go-plugin's (and so
/// Terraform's) AutoMTLS keys; ring has no P-521, so this uses `p521`.
#[derive(Debug)]
pub struct EcdsaP521Sha512;

/// The P-521 algorithm as rustls/webpki take it.
pub static ECDSA_P521_SHA512: &dyn SignatureVerificationAlgorithm = &EcdsaP521Sha512;

static P521_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[&EcdsaP521Sha512],
    mapping: &[(SignatureScheme::ECDSA_NISTP521_SHA512, &[&EcdsaP521Sha512])],
};

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    /// `public_key` is the SEC1 point of the certificate's key, `signature`
    /// the DER `ECDSA-Sig-Value` (as TLS carries it).
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p521::ecdsa::signature::Verifier;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

#[cfg(test)]
mod tests;
