//! Client-side encryption of state and saved plans, in OpenTofu's model
//! (`internal/encryption`): the settings block's `encryption` block names
//! key providers (`pbkdf2`, `external`, and `aws_kms` through
//! [`keys::RemoteKeys`]), methods (`aes_gcm`, `unencrypted`)
//! and, per target (`state`, `plan`), the method to write with and
//! `fallback` methods to read with. A [`Target`] is the one seam every
//! store, the journal and saved plans go through: [`Target::encrypt`]
//! before bytes are written, [`Target::decrypt`] after they are read.
//!
//! Encrypted bytes are OpenTofu's JSON envelope (`base.go`):
//! `{"serial", "lineage", "meta": {KEY: base64(JSON)}, "encrypted_data":
//! base64(nonce ‖ AES-GCM ciphertext ‖ tag), "encryption_version": "v0"}`
//! (`serial`/`lineage` only for state, copied in clear as OpenTofu does
//! and checked against the decrypted state). No message ever holds a
//! passphrase or key. See docs/encryption.md.

pub mod config;
mod external;
pub mod keys;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use config::Spec;
use infra_lang::ast::{Attribute, Expr};
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, Value};
use keys::{Hash, KeyProvider, Kind, Pbkdf2, RemoteKeyProviders, b64};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The envelope's version (OpenTofu's `encryptionVersion`).
pub const ENCRYPTION_VERSION: &str = "v0";

/// AES-GCM's nonce: 12 random bytes before the ciphertext.
const NONCE_LENGTH: usize = 12;

/// A method of a target.
enum Method {
    /// `aes_gcm`: AES-GCM with a 16, 24 or 32 byte key from `keys`.
    AesGcm {
        addr: String,
        keys: Arc<KeyProvider>,
    },
    /// `unencrypted`: plain bytes (for migrating to or from encryption).
    Unencrypted,
}

/// The encrypted form (OpenTofu's `basedata`, with `statedata` for state).
#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    serial: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lineage: Option<String>,
    #[serde(default)]
    meta: BTreeMap<String, String>,
    #[serde(default, with = "b64")]
    encrypted_data: Vec<u8>,
    #[serde(default)]
    encryption_version: String,
}

/// What a state's header says, copied into the envelope in clear.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    serial: Option<u64>,
    #[serde(default)]
    lineage: Option<String>,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    encryption_version: Option<serde_json::Value>,
}

/// True when `bytes` are an encrypted envelope (they have a non-empty
/// `encryption_version`, OpenTofu's `IsEncryptionPayload`).
pub fn is_encrypted(bytes: &[u8]) -> bool {
    // A plain state is not parsed twice: only text naming the field can be
    // an envelope.
    const FIELD: &[u8] = b"\"encryption_version\"";
    if memchr::memmem::find(bytes, FIELD).is_none() {
        return false;
    }
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|p| {
        p.encryption_version
            .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
    })
}

/// How one kind of data (state or plans) is written and read.
pub struct Target {
    /// `state` or `plan`, for messages.
    what: &'static str,
    /// The method to write with, then the fallbacks; empty when the
    /// configuration does not encrypt this target.
    methods: Vec<Method>,
}

impl Target {
    /// A target the configuration does not encrypt: bytes pass through,
    /// and encrypted bytes are refused with a clear message.
    pub fn plain(what: &'static str) -> Arc<Target> {
        Arc::new(Target {
            what,
            methods: Vec::new(),
        })
    }

    /// True when writing encrypts.
    pub fn encrypts(&self) -> bool {
        matches!(self.methods.first(), Some(Method::AesGcm { .. }))
    }

    /// `plain` in the form to store: encrypted with the first method, or
    /// unchanged when that is `unencrypted` (or there is none).
    ///
    /// # Errors
    /// The key could not be made (no randomness, the external command
    /// failed) or is not an AES key. The message holds no key.
    pub fn encrypt(&self, plain: Vec<u8>) -> Result<Vec<u8>, String> {
        let Some(Method::AesGcm { addr, keys }) = self.methods.first() else {
            return Ok(plain);
        };
        let (key, meta) = keys.encryption_key()?;
        let nonce = keys::random(NONCE_LENGTH)?;
        let sealed =
            aead(&key, &nonce, &plain, true).map_err(|e| format!("{addr} cannot encrypt: {e}"))?;
        let header = if self.what == "state" {
            serde_json::from_slice::<Header>(&plain).unwrap_or(Header {
                serial: None,
                lineage: None,
            })
        } else {
            Header {
                serial: None,
                lineage: None,
            }
        };
        let mut encrypted_data = nonce;
        encrypted_data.extend_from_slice(&sealed);
        let envelope = Envelope {
            serial: header.serial,
            lineage: header.lineage,
            meta: BTreeMap::from([(keys.meta_key.clone(), keys::encode_b64(&meta))]),
            encrypted_data,
            encryption_version: ENCRYPTION_VERSION.into(),
        };
        serde_json::to_vec(&envelope).map_err(|e| e.to_string())
    }

    /// `stored` in plain form: decrypted by the first method that can, or
    /// unchanged when it is not encrypted and a method is `unencrypted`.
    /// Mirrors OpenTofu's `baseEncryption.decrypt`.
    ///
    /// # Errors
    /// Encrypted data without a configuration to read it; plain data the
    /// configuration does not accept (no `unencrypted` method); every
    /// method failed (wrong passphrase, tampered data, other key
    /// provider): each one's reason, never a key.
    pub fn decrypt<'a>(&self, stored: &'a [u8]) -> Result<Cow<'a, [u8]>, String> {
        let what = self.what;
        if !is_encrypted(stored) {
            if self.methods.is_empty()
                || self
                    .methods
                    .iter()
                    .any(|m| matches!(m, Method::Unencrypted))
            {
                return Ok(Cow::Borrowed(stored));
            }
            return Err(format!(
                "it is not encrypted, and the {what} target of the `encryption` block has no `unencrypted` method to read it with"
            ));
        }
        if self.methods.is_empty() {
            return Err(format!(
                "it is encrypted, and the configuration has no `encryption` block with a `{what}` target to decrypt it"
            ));
        }
        let envelope: Envelope = serde_json::from_slice(stored)
            .map_err(|e| format!("its encryption envelope is not valid: {e}"))?;
        if envelope.encryption_version != ENCRYPTION_VERSION {
            return Err(format!(
                "its encryption version is {:?}; this infra reads {ENCRYPTION_VERSION:?}",
                envelope.encryption_version
            ));
        }
        let mut reasons = Vec::new();
        for m in &self.methods {
            let Method::AesGcm { addr, keys } = m else {
                continue;
            };
            let meta = match envelope.meta.get(&keys.meta_key).map(|b| {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.decode(b)
            }) {
                Some(Ok(m)) => Some(m),
                Some(Err(_)) => {
                    reasons.push(format!(
                        "{addr}: the metadata of {} is not base64",
                        keys.meta_key
                    ));
                    continue;
                }
                None => None,
            };
            let key = match keys.decryption_key(meta.as_deref()) {
                Ok(k) => k,
                Err(e) => {
                    reasons.push(format!("{addr}: {e}"));
                    continue;
                }
            };
            let data = &envelope.encrypted_data;
            if data.len() < NONCE_LENGTH {
                reasons.push(format!(
                    "{addr}: the encrypted data is too short (corrupted)"
                ));
                continue;
            }
            let (nonce, sealed) = data.split_at(NONCE_LENGTH);
            match aead(&key, nonce, sealed, false) {
                Ok(plain) => return self.check_header(&envelope, plain).map(Cow::Owned),
                Err(e) => reasons.push(format!("{addr}: {e}")),
            }
        }
        Err(format!(
            "decryption failed for every method of the {what} target: {}",
            reasons.join("; ")
        ))
    }

    /// The decrypted state's serial and lineage must be those in clear
    /// (OpenTofu's `DecryptState` check).
    fn check_header(&self, envelope: &Envelope, plain: Vec<u8>) -> Result<Vec<u8>, String> {
        if self.what != "state" {
            return Ok(plain);
        }
        let inner = serde_json::from_slice::<Header>(&plain).unwrap_or(Header {
            serial: None,
            lineage: None,
        });
        if let (Some(a), Some(b)) = (envelope.serial, inner.serial)
            && a != b
        {
            return Err(format!(
                "the serial in clear ({a}) is not the encrypted state's ({b}): the file was tampered with"
            ));
        }
        if let (Some(a), Some(b)) = (&envelope.lineage, &inner.lineage)
            && a != b
        {
            return Err(
                "the lineage in clear is not the encrypted state's: the file was tampered with"
                    .into(),
            );
        }
        Ok(plain)
    }
}

type Aes192Gcm = aes_gcm::AesGcm<aes_gcm::aes::Aes192, U12>;

/// AES-GCM with a 16, 24 or 32 byte `key` (AES-128/192/256, as Go's
/// `aes.NewCipher` picks by length): seals or opens `data`.
fn aead(key: &[u8], nonce: &[u8], data: &[u8], seal: bool) -> Result<Vec<u8>, String> {
    fn run<C: KeyInit + Aead<NonceSize = U12>>(
        key: &[u8],
        nonce: &[u8],
        data: &[u8],
        seal: bool,
    ) -> Result<Vec<u8>, String> {
        let c = C::new_from_slice(key).map_err(|_| "the key has the wrong length".to_string())?;
        let n = aes_gcm::aead::Nonce::<C>::from_slice(nonce);
        if seal {
            c.encrypt(n, data)
                .map_err(|_| "encryption failed".to_string())
        } else {
            c.decrypt(n, data).map_err(|_| {
                "authentication failed: the key is wrong or the data was changed".to_string()
            })
        }
    }
    if nonce.len() != NONCE_LENGTH {
        return Err("the nonce has the wrong length".into());
    }
    match key.len() {
        16 => run::<aes_gcm::Aes128Gcm>(key, nonce, data, seal),
        24 => run::<Aes192Gcm>(key, nonce, data, seal),
        32 => run::<aes_gcm::Aes256Gcm>(key, nonce, data, seal),
        n => Err(format!(
            "AES-GCM needs a key of 16, 24 or 32 bytes, and the key provider gave {n}"
        )),
    }
}

/// The targets of a configuration.
pub struct Encryption {
    /// State, its journal and backups.
    pub state: Arc<Target>,
    /// Saved plans.
    pub plan: Arc<Target>,
}

impl Encryption {
    /// No `encryption` block: nothing is encrypted.
    pub fn none() -> Encryption {
        Encryption {
            state: Target::plain("state"),
            plan: Target::plain("plan"),
        }
    }
}

/// Evaluates an argument's expression.
pub type Eval<'a> = dyn FnMut(&Expr) -> Result<Value, Diagnostic> + 'a;

struct Builder<'a, 'b> {
    spec: &'a Spec,
    eval: &'a mut Eval<'b>,
    diags: Vec<Diagnostic>,
    providers: BTreeMap<usize, Option<Arc<KeyProvider>>>,
    remote: Option<&'a RemoteKeyProviders>,
}

impl Builder<'_, '_> {
    fn err(&mut self, span: infra_lang::Span, message: String, help: &str) {
        self.diags.push(
            Diagnostic::error("encryption::invalid", message)
                .in_file(&self.spec.source)
                .primary(span, "here")
                .with_help(help.to_string()),
        );
    }

    /// The value of `a`, sensitive marks removed (OpenTofu unmarks the
    /// key provider's inputs too); `None` after reporting a failure.
    fn value(&mut self, a: &Attribute) -> Option<Value> {
        match (self.eval)(&a.expr) {
            Ok(v) => Some(v.unmark_deep().0),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn string(&mut self, a: &Attribute) -> Option<String> {
        match self.value(a)? {
            Value::String(s) => Some(s.to_string()),
            other => {
                let shown = other.describe_as(false);
                self.err(
                    a.expr.span,
                    format!("`{}` must be a string, got {shown}", a.name.name),
                    "Give a string.",
                );
                None
            }
        }
    }

    fn integer(&mut self, a: &Attribute, min: i64, max: i64, help: &str) -> Option<i64> {
        match self.value(a)? {
            Value::Number(n) => match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => Some(i),
                _ => {
                    self.err(
                        a.expr.span,
                        format!(
                            "`{}` must be a whole number from {min} to {max}",
                            a.name.name
                        ),
                        help,
                    );
                    None
                }
            },
            other => {
                let shown = other.describe_as(false);
                self.err(
                    a.expr.span,
                    format!("`{}` must be a number, got {shown}", a.name.name),
                    help,
                );
                None
            }
        }
    }

    fn key_provider(&mut self, i: usize) -> Option<Arc<KeyProvider>> {
        if let Some(done) = self.providers.get(&i) {
            return done.clone();
        }
        let spec = self.spec;
        let kp = &spec.key_providers[i];
        let mut ok = true;
        let mut meta_key = kp.addr();
        if let Some(a) = kp.arg("encrypted_metadata_alias") {
            match self.string(a) {
                Some(s) if !s.is_empty() => meta_key = s,
                _ => ok = false,
            }
        }
        let kind = if kp.kind == "pbkdf2" {
            let mut p = Pbkdf2 {
                passphrase: String::new(),
                key_length: keys::DEFAULT_KEY_LENGTH,
                iterations: keys::DEFAULT_ITERATIONS,
                hash: Hash::Sha512,
                salt_length: keys::DEFAULT_SALT_LENGTH,
            };
            for a in &kp.args {
                match a.name.name.as_str() {
                    "passphrase" => match self.value(a) {
                        Some(Value::String(s)) if s.len() >= keys::MINIMUM_PASSPHRASE_LENGTH => {
                            p.passphrase = s.to_string();
                        }
                        Some(Value::String(_)) => {
                            self.err(a.expr.span, format!("the passphrase is too short (at least {} characters)", keys::MINIMUM_PASSPHRASE_LENGTH), "Use a long passphrase, as OpenTofu requires.");
                            ok = false;
                        }
                        Some(Value::Null(_)) => {
                            self.err(a.expr.span, "the passphrase is null".into(), "Give the variable a value, e.g. `INFRA_VAR_passphrase=...` or `-var`.");
                            ok = false;
                        }
                        Some(other) => {
                            let shown = other.describe_as(true);
                            self.err(a.expr.span, format!("the passphrase must be a string, got {shown}"), "Give a string of at least 16 characters.");
                            ok = false;
                        }
                        None => ok = false,
                    },
                    "key_length" => match self.integer(a, 1, 1024, "AES-GCM takes 16, 24 or 32 bytes; the default is 32.") {
                        Some(n) => p.key_length = usize::try_from(n).unwrap_or(32),
                        None => ok = false,
                    },
                    "iterations" => match self.integer(a, i64::from(keys::MINIMUM_ITERATIONS), 100_000_000, "OpenTofu refuses fewer than 200000 iterations (dangerously low); the default is 600000.") {
                        Some(n) => p.iterations = u32::try_from(n).unwrap_or(keys::DEFAULT_ITERATIONS),
                        None => ok = false,
                    },
                    "salt_length" => match self.integer(a, 1, 1024, "The default is 32 bytes.") {
                        Some(n) => p.salt_length = usize::try_from(n).unwrap_or(32),
                        None => ok = false,
                    },
                    "hash_function" => match self.string(a).map(|s| (Hash::parse(&s), s)) {
                        Some((Some(h), _)) => p.hash = h,
                        Some((None, s)) => {
                            self.err(a.expr.span, format!("hash function `{s}` is not supported"), "Use `sha256` or `sha512` (the default).");
                            ok = false;
                        }
                        None => ok = false,
                    },
                    _ => {}
                }
            }
            Kind::Pbkdf2(p)
        } else if kp.kind == "aws_kms" {
            match self.remote_key_provider(i) {
                Some(r) => Kind::Remote(r),
                None => return self.failed(i),
            }
        } else {
            let mut command = Vec::new();
            if let Some(a) = kp.arg("command") {
                match self.value(a) {
                    Some(Value::List(_, items) | Value::Tuple(items))
                        if !items.is_empty()
                            && items.iter().all(|v| matches!(v, Value::String(_))) =>
                    {
                        command = items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect();
                    }
                    Some(_) => {
                        self.err(
                            a.expr.span,
                            "`command` must be a non-empty list of strings".into(),
                            "Write `command = [\"./key-program\", \"arg\"]`.",
                        );
                        ok = false;
                    }
                    None => ok = false,
                }
            }
            Kind::External(command)
        };
        let built = ok.then(|| Arc::new(KeyProvider::new(meta_key, kind)));
        self.providers.insert(i, built.clone());
        built
    }

    /// Remembers that key provider `i` failed.
    fn failed(&mut self, i: usize) -> Option<Arc<KeyProvider>> {
        self.providers.insert(i, None);
        None
    }

    /// Key provider `i` of a type served outside the engine (`aws_kms`):
    /// its arguments evaluated, made by the CLI's [`RemoteKeyProviders`].
    fn remote_key_provider(&mut self, i: usize) -> Option<Arc<dyn keys::RemoteKeys>> {
        let spec = self.spec;
        let kp = &spec.key_providers[i];
        let mut args = ValueMap::new();
        let mut ok = true;
        for a in &kp.args {
            match self.value(a) {
                Some(v) => {
                    args.insert(a.name.name.clone(), v);
                }
                None => ok = false,
            }
        }
        if !kp.endpoints.is_empty() {
            let mut endpoints = ValueMap::new();
            for a in &kp.endpoints {
                match self.value(a) {
                    Some(v) => {
                        endpoints.insert(a.name.name.clone(), v);
                    }
                    None => ok = false,
                }
            }
            args.insert("endpoints".to_string(), Value::Object(endpoints));
        }
        if !ok {
            return None;
        }
        let addr = kp.addr();
        let Some(make) = self.remote else {
            self.err(
                kp.span,
                format!("{addr} cannot be used here: this command has no AWS client"),
                "Use it from the infra command line (plan, apply, state ...).",
            );
            return None;
        };
        match make(&kp.kind, &addr, &args) {
            Ok(r) => Some(r),
            Err(e) => {
                self.err(
                    kp.span,
                    format!("{addr}: {e}"),
                    "See docs/encryption.md, `aws_kms`.",
                );
                None
            }
        }
    }

    fn target(
        &mut self,
        spec: Option<&config::TargetSpec>,
        what: &'static str,
    ) -> Option<Arc<Target>> {
        let Some(t) = spec else {
            return Some(Target::plain(what));
        };
        let mut ok = true;
        let enforced = match &t.enforced {
            None => false,
            Some(e) => match (self.eval)(e).map(|v| v.unmark_deep().0) {
                Ok(Value::Bool(b)) => b,
                Ok(other) => {
                    let shown = other.describe_as(false);
                    self.err(
                        e.span,
                        format!("`enforced` must be true or false, got {shown}"),
                        "Write `enforced = true`.",
                    );
                    return None;
                }
                Err(d) => {
                    self.diags.push(d);
                    return None;
                }
            },
        };
        let mut methods = Vec::new();
        for &m in &t.methods {
            let ms = &self.spec.methods[m];
            match ms.keys {
                None => methods.push(Method::Unencrypted),
                Some(k) => match self.key_provider(k) {
                    Some(keys) => {
                        if let Kind::Pbkdf2(p) = &keys.kind
                            && ![16, 24, 32].contains(&p.key_length)
                        {
                            let span = ms.span;
                            self.err(span, format!("AES-GCM needs a key of 16, 24 or 32 bytes, and key_provider.pbkdf2.{} makes {}", self.spec.key_providers[k].name, p.key_length), "Set `key_length` to 32 (the default), 24 or 16.");
                            ok = false;
                        }
                        methods.push(Method::AesGcm {
                            addr: format!("method.{}.{}", ms.kind, ms.name),
                            keys,
                        });
                    }
                    None => ok = false,
                },
            }
        }
        if enforced
            && (methods.is_empty() || methods.iter().any(|m| matches!(m, Method::Unencrypted)))
        {
            self.diags.push(
                Diagnostic::error(
                    "encryption::unencrypted-forbidden",
                    format!("the {what} target is `enforced`, and would read or write it unencrypted"),
                )
                .in_file(&self.spec.source)
                .primary(t.span, "enforced here")
                .with_help("Give it an encrypting `method` and no `unencrypted` one (also not as a `fallback`), or drop `enforced` while migrating."),
            );
            return None;
        }
        ok.then(|| Arc::new(Target { what, methods }))
    }
}

/// The targets of the `encryption` block `spec`, its arguments evaluated
/// with `eval`. Mirrors OpenTofu's checks: a passphrase of at least 16
/// characters, at least 200,000 iterations, `sha256` or `sha512`, an AES
/// key of 16, 24 or 32 bytes, `enforced` without any `unencrypted` method.
/// Keys are derived (or asked of KMS) only when first used; `remote` makes
/// the key providers the engine does not implement (`aws_kms`), and
/// without it they are refused.
///
/// # Errors
/// Evaluation errors and the checks above (`encryption::invalid`,
/// `encryption::unencrypted-forbidden`); no message holds a passphrase.
pub fn build(
    spec: &Spec,
    eval: &mut Eval<'_>,
    remote: Option<&RemoteKeyProviders>,
) -> Result<Encryption, Vec<Diagnostic>> {
    let mut b = Builder {
        spec,
        eval,
        diags: Vec::new(),
        providers: BTreeMap::new(),
        remote,
    };
    let state = b.target(spec.state.as_ref(), "state");
    let plan = b.target(spec.plan.as_ref(), "plan");
    match (state, plan) {
        (Some(state), Some(plan)) if b.diags.is_empty() => Ok(Encryption { state, plan }),
        _ => Err(b.diags),
    }
}

#[cfg(test)]
mod tests;
