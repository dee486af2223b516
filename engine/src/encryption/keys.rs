//! Key providers: where a method's key comes from. `pbkdf2` derives it
//! from a passphrase (OpenTofu's `keyprovider/pbkdf2`: a fresh random salt
//! for encrypting, the salt, iterations, hash function and key length
//! stored as metadata for decrypting); `external` runs a command speaking
//! OpenTofu's external key provider protocol (`keyprovider/external`);
//! `aws_kms` asks a KMS for data keys, through a [`RemoteKeys`] the CLI
//! makes with the providers crate (the engine links no AWS SDK).
//! The encryption key is made once per process (as OpenTofu's
//! `baseEncryption` does); decryption keys are cached by their metadata,
//! so a journal of many entries derives each key once.

use super::external;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use infra_lang::value::ValueMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// OpenTofu's defaults and minimums for `pbkdf2`
/// (`keyprovider/pbkdf2/descriptor.go`, `config_constants.go`).
pub const DEFAULT_KEY_LENGTH: usize = 32;
/// Default iterations (OWASP's recommendation for PBKDF2-HMAC-SHA512).
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// Fewer iterations are refused.
pub const MINIMUM_ITERATIONS: u32 = 200_000;
/// Default salt length in bytes.
pub const DEFAULT_SALT_LENGTH: usize = 32;
/// Shorter passphrases (in bytes, as OpenTofu measures them) are refused.
pub const MINIMUM_PASSPHRASE_LENGTH: usize = 16;
/// Bounds that keep a hostile metadata block from asking for gigabytes of
/// key or salt, or days of iterations.
const MAX_KEY_LENGTH: usize = 1024;
const MAX_ITERATIONS: u32 = 100_000_000;

/// PBKDF2's hash function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hash {
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512 (the default).
    Sha512,
}

impl Hash {
    /// `sha256` or `sha512`.
    pub fn parse(name: &str) -> Option<Hash> {
        match name {
            "sha256" => Some(Hash::Sha256),
            "sha512" => Some(Hash::Sha512),
            _ => None,
        }
    }
}

/// The settings of a `pbkdf2` key provider.
#[derive(Clone)]
pub struct Pbkdf2 {
    /// The passphrase (never shown).
    pub passphrase: String,
    /// Bytes of key to derive.
    pub key_length: usize,
    /// Iterations.
    pub iterations: u32,
    /// Hash function.
    pub hash: Hash,
    /// Bytes of random salt per encryption.
    pub salt_length: usize,
}

/// The metadata a `pbkdf2` key is stored with: what derives it again.
/// Field names and base64 salt as OpenTofu's `pbkdf2.Metadata`.
#[derive(Serialize, Deserialize)]
struct Pbkdf2Meta {
    #[serde(with = "b64")]
    salt: Vec<u8>,
    iterations: u32,
    hash_function: Hash,
    key_length: usize,
}

/// Go's `[]byte` in JSON: standard base64.
pub(super) mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(in super::super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("not base64: {e}")))
    }
}

/// Derives `len` bytes from `passphrase` and `salt`.
pub fn pbkdf2(passphrase: &[u8], salt: &[u8], iterations: u32, hash: Hash, len: usize) -> Vec<u8> {
    let mut key = vec![0u8; len];
    match hash {
        Hash::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, iterations, &mut key),
        Hash::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(passphrase, salt, iterations, &mut key),
    }
    key
}

/// `n` random bytes from the operating system.
///
/// # Errors
/// The OS has no randomness to give.
pub fn random(n: usize) -> Result<Vec<u8>, String> {
    use rand::TryRngCore as _;
    let mut out = vec![0u8; n];
    rand::rngs::OsRng
        .try_fill_bytes(&mut out)
        .map_err(|e| format!("no random bytes from the operating system: {e}"))?;
    Ok(out)
}

/// What a key provider is.
pub enum Kind {
    /// `pbkdf2`.
    Pbkdf2(Pbkdf2),
    /// `external`: the command and its arguments.
    External(Vec<String>),
    /// A key provider served outside the engine (`aws_kms`).
    Remote(Arc<dyn RemoteKeys>),
}

/// A key provider whose keys come from a service (`aws_kms`: KMS's
/// `GenerateDataKey` and `Decrypt`), implemented outside the engine and
/// made by a [`RemoteKeyProviders`]. Calls are blocking (the
/// implementation runs its own I/O, bounded by timeouts) and may be made
/// from inside an async runtime.
pub trait RemoteKeys: Send + Sync {
    /// A fresh data key and the metadata (JSON) that recovers it, e.g.
    /// OpenTofu's `{"ciphertext_blob": BASE64}` for `aws_kms`.
    ///
    /// # Errors
    /// The service refused or did not answer in time; the message names
    /// the call and the service's error code, never a key.
    fn generate(&self) -> Result<KeyAndMeta, String>;

    /// The data key stored with `meta` (what [`RemoteKeys::generate`]
    /// returned beside it).
    ///
    /// # Errors
    /// Bad metadata; the service refused (wrong key, no access) or did
    /// not answer in time; never a key in the message.
    fn recover(&self, meta: &[u8]) -> Result<Vec<u8>, String>;
}

/// Makes the [`RemoteKeys`] of key provider `addr`
/// (`key_provider.aws_kms.NAME`) of type `kind` from its evaluated
/// arguments (sensitive marks removed; `aws_kms`'s `endpoints` block as an
/// object under `endpoints`). Makes no network call.
///
/// # Errors
/// An argument of the wrong type or value: a message naming it.
pub type RemoteKeyProviders =
    dyn Fn(&str, &str, &ValueMap) -> Result<Arc<dyn RemoteKeys>, String> + Send + Sync;

/// A key and the metadata (JSON) stored beside what it encrypts.
pub type KeyAndMeta = (Vec<u8>, Vec<u8>);

/// A key provider, with its keys cached.
pub struct KeyProvider {
    /// Where its metadata is stored: `key_provider.TYPE.NAME`, or its
    /// `encrypted_metadata_alias`.
    pub meta_key: String,
    /// What it is.
    pub kind: Kind,
    encryption: OnceLock<Result<KeyAndMeta, String>>,
    decryption: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
}

impl KeyProvider {
    /// A key provider storing its metadata under `meta_key`.
    pub fn new(meta_key: String, kind: Kind) -> KeyProvider {
        KeyProvider {
            meta_key,
            kind,
            encryption: OnceLock::new(),
            decryption: Mutex::new(HashMap::new()),
        }
    }

    /// The key to encrypt with and the metadata (JSON) to store beside the
    /// data; made on first use and kept.
    ///
    /// # Errors
    /// No randomness; the external command failed.
    pub fn encryption_key(&self) -> Result<KeyAndMeta, String> {
        self.encryption
            .get_or_init(|| match &self.kind {
                Kind::Pbkdf2(p) => {
                    let salt = random(p.salt_length)?;
                    let key = pbkdf2(
                        p.passphrase.as_bytes(),
                        &salt,
                        p.iterations,
                        p.hash,
                        p.key_length,
                    );
                    let meta = Pbkdf2Meta {
                        salt,
                        iterations: p.iterations,
                        hash_function: p.hash,
                        key_length: p.key_length,
                    };
                    let meta = serde_json::to_vec(&meta).map_err(|e| e.to_string())?;
                    Ok((key, meta))
                }
                Kind::External(command) => {
                    let out = external::provide(command, None)?;
                    Ok((out.encryption_key, out.meta))
                }
                Kind::Remote(remote) => remote.generate(),
            })
            .clone()
    }

    /// The key to decrypt data stored with `meta` (this provider's
    /// metadata from the file; `None` when the file has none for it).
    ///
    /// # Errors
    /// No or bad metadata; the external command failed or gave no key.
    pub fn decryption_key(&self, meta: Option<&[u8]>) -> Result<Vec<u8>, String> {
        let Some(meta) = meta else {
            return Err(format!(
                "the data holds no metadata of {} (was it encrypted with another key provider, or renamed? keep the old one in a `fallback`, or set `encrypted_metadata_alias`)",
                self.meta_key
            ));
        };
        let cache = |m: &Mutex<HashMap<Vec<u8>, Vec<u8>>>| {
            m.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(meta)
                .cloned()
        };
        if let Some(k) = cache(&self.decryption) {
            return Ok(k);
        }
        let key = match &self.kind {
            Kind::Pbkdf2(p) => {
                let m: Pbkdf2Meta = serde_json::from_slice(meta)
                    .map_err(|e| format!("the metadata of {} is not valid: {e}", self.meta_key))?;
                if m.salt.is_empty() || m.iterations == 0 || m.key_length == 0 {
                    return Err(format!("the metadata of {} is incomplete", self.meta_key));
                }
                if m.key_length > MAX_KEY_LENGTH || m.iterations > MAX_ITERATIONS {
                    return Err(format!(
                        "the metadata of {} asks for an implausible key ({} bytes, {} iterations)",
                        self.meta_key, m.key_length, m.iterations
                    ));
                }
                pbkdf2(
                    p.passphrase.as_bytes(),
                    &m.salt,
                    m.iterations,
                    m.hash_function,
                    m.key_length,
                )
            }
            Kind::External(command) => {
                let out = external::provide(command, Some(meta))?;
                out.decryption_key.ok_or_else(|| {
                    format!(
                        "{} gave no decryption key for data it encrypted",
                        self.meta_key
                    )
                })?
            }
            Kind::Remote(remote) => remote.recover(meta)?,
        };
        self.decryption
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(meta.to_vec(), key.clone());
        Ok(key)
    }
}

/// `bytes` as standard base64 (Go's `[]byte` in JSON).
pub fn encode_b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7914 §11 (PBKDF2-HMAC-SHA256 test vector), the function
    /// OpenTofu calls (`golang.org/x/crypto/pbkdf2.Key`).
    #[test]
    fn pbkdf2_matches_the_published_test_vector() {
        let key = pbkdf2(b"passwd", b"salt", 1, Hash::Sha256, 64);
        assert_eq!(hex::encode(&key[..16]), "55ac046e56e3089fec1691c22544b605");
    }

    #[test]
    fn a_decryption_key_needs_its_metadata() {
        let kp = KeyProvider::new(
            "key_provider.pbkdf2.main".into(),
            Kind::Pbkdf2(Pbkdf2 {
                passphrase: "a passphrase of some length".into(),
                key_length: 32,
                iterations: 1000,
                hash: Hash::Sha512,
                salt_length: 8,
            }),
        );
        let (key, meta) = kp.encryption_key().expect("key");
        assert_eq!(kp.decryption_key(Some(&meta)).expect("again"), key);
        let e = kp.decryption_key(None).expect_err("no metadata");
        assert!(e.contains("key_provider.pbkdf2.main"), "{e}");
        assert!(!e.contains("passphrase of some"), "{e}");
    }
}
