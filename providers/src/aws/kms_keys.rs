//! The `aws_kms` key provider of the `encryption` block, as OpenTofu's
//! `keyprovider/aws_kms`: encrypting asks KMS for a fresh data key
//! (`GenerateDataKey` with `kms_key_id`, `key_spec` and the
//! `encryption_context`) and stores the encrypted copy KMS returns as the
//! key provider's metadata (`{"ciphertext_blob": BASE64,
//! "encryption_context": {...}}`, OpenTofu's `keyMeta`); decrypting sends
//! that blob back (`Decrypt`) for the plain data key. The engine calls it
//! through [`RemoteKeys`] (it links no AWS SDK); the CLI passes [`make`].
//!
//! Each call runs on a thread of its own with a runtime of its own (the
//! engine may call from inside an async store), bounded by the client's
//! `connect_timeout`/`read_timeout`/`max_retries` and by [`CALL_TIMEOUT`]
//! overall. Messages name the call and KMS's error code, never a key.

use super::client::{self, Settings};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use infra_engine::encryption::keys::{KeyAndMeta, RemoteKeys};
use infra_lang::Value;
use infra_lang::value::ValueMap;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The key provider type.
pub const TYPE: &str = "aws_kms";

/// The longest one KMS call may take, retries included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The data key specs KMS's `GenerateDataKey` takes (`DataKeySpec`).
const KEY_SPECS: &[&str] = &["AES_256", "AES_128"];

/// A configured `aws_kms` key provider.
#[derive(Debug)]
pub struct AwsKms {
    /// `key_provider.aws_kms.NAME`, for messages.
    addr: String,
    /// Region, endpoint, credentials, retries.
    settings: Settings,
    /// `kms_key_id`: a key id, key ARN, alias name or alias ARN.
    key_id: String,
    /// `key_spec`: `AES_256` or `AES_128`.
    key_spec: String,
    /// `encryption_context`, sent with every call and stored in the
    /// metadata.
    context: BTreeMap<String, String>,
}

/// Makes the `aws_kms` key provider `addr` from its evaluated arguments
/// (see [`infra_engine::encryption::keys::RemoteKeyProviders`]). No call
/// is made until a key is needed.
///
/// # Errors
/// Another key provider type; `kms_key_id` missing or empty; `key_spec`
/// not `AES_256`/`AES_128`; an argument of the wrong type; no region
/// (neither `region` nor `AWS_REGION`/`AWS_DEFAULT_REGION`, as OpenTofu
/// requires); only one of `access_key` and `secret_key`.
pub fn make(kind: &str, addr: &str, args: &ValueMap) -> Result<Arc<dyn RemoteKeys>, String> {
    if kind != TYPE {
        return Err(format!(
            "key provider type `{kind}` is not served by the aws provider"
        ));
    }
    let text = |name: &str| -> Result<Option<String>, String> {
        match args.get(name) {
            None | Some(Value::Null(_)) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!(
                "`{name}` must be a string, got {}",
                other.describe_as(false)
            )),
        }
    };
    let key_id = text("kms_key_id")?
        .filter(|s| !s.is_empty())
        .ok_or("no kms_key_id provided")?;
    let key_spec = text("key_spec")?.unwrap_or_default();
    if !KEY_SPECS.contains(&key_spec.as_str()) {
        return Err(format!(
            "invalid key_spec {key_spec:?}, expected one of {}",
            KEY_SPECS.join(", ")
        ));
    }
    for flag in ["skip_credentials_validation", "skip_requesting_account_id"] {
        match args.get(flag) {
            None | Some(Value::Null(_) | Value::Bool(_)) => {}
            Some(other) => {
                return Err(format!(
                    "`{flag}` must be true or false, got {}",
                    other.describe_as(false)
                ));
            }
        }
    }
    let max_retries = match args.get("max_retries") {
        None | Some(Value::Null(_)) => None,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) if n.is_integer() && (1..=100).contains(&i) => u32::try_from(i).ok(),
            _ => {
                return Err(format!(
                    "`max_retries` must be a whole number from 1 to 100, got {n}"
                ));
            }
        },
        Some(other) => {
            return Err(format!(
                "`max_retries` must be a number, got {}",
                other.describe_as(false)
            ));
        }
    };
    let context = match args.get("encryption_context") {
        None | Some(Value::Null(_)) => BTreeMap::new(),
        Some(Value::Map(_, m) | Value::Object(m)) => {
            let mut out = BTreeMap::new();
            for (k, v) in m {
                let Value::String(s) = v else {
                    return Err(format!(
                        "`encryption_context` must map names to strings; {k:?} is {}",
                        v.describe_as(false)
                    ));
                };
                out.insert(k.clone(), s.clone());
            }
            out
        }
        Some(other) => {
            return Err(format!(
                "`encryption_context` must be a map of strings, got {}",
                other.describe_as(false)
            ));
        }
    };
    let endpoint = match args.get("endpoints") {
        Some(Value::Object(m)) => match m.get("kms") {
            None | Some(Value::Null(_)) => None,
            Some(Value::String(s)) if !s.is_empty() => Some(with_scheme(s)),
            Some(other) => {
                return Err(format!(
                    "`kms` of `endpoints` must be a URL, got {}",
                    other.describe_as(false)
                ));
            }
        },
        _ => None,
    };
    let region = text("region")?.filter(|s| !s.is_empty());
    let env_region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if region.is_none() && !env_region {
        return Err(
            "the `region` argument or the AWS_REGION or AWS_DEFAULT_REGION environment variable must be set"
                .into(),
        );
    }
    let settings = Settings {
        region,
        endpoint,
        profile: text("profile")?,
        access_key: text("access_key")?,
        secret_key: text("secret_key")?,
        max_retries,
        ..Settings::default()
    };
    if settings.access_key.is_some() != settings.secret_key.is_some() {
        return Err("set both `access_key` and `secret_key`, or neither".into());
    }
    Ok(Arc::new(AwsKms {
        addr: addr.to_string(),
        settings,
        key_id,
        key_spec,
        context,
    }))
}

/// `https://` before an endpoint written without a scheme (OpenTofu's
/// `includeProtoIfNecessary`).
fn with_scheme(endpoint: &str) -> String {
    if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("https://{endpoint}")
    }
}

impl AwsKms {
    /// Runs the KMS call `call` on a thread and runtime of its own, at
    /// most [`CALL_TIMEOUT`].
    fn run<T, F, Fut>(&self, operation: &str, call: F) -> Result<T, String>
    where
        T: Send,
        F: FnOnce(aws_sdk_kms::Client) -> Fut + Send,
        Fut: Future<Output = Result<T, String>>,
    {
        let settings = &self.settings;
        let addr = &self.addr;
        std::thread::scope(|s| {
            s.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("{addr}: no runtime for KMS: {e}"))?;
                rt.block_on(async move {
                    let shared = client::sdk_config(settings).await;
                    let kms = aws_sdk_kms::Client::new(&shared);
                    match tokio::time::timeout(CALL_TIMEOUT, call(kms)).await {
                        Ok(r) => r.map_err(|e| format!("{addr}: {e}")),
                        Err(_) => Err(format!(
                            "{addr}: {operation} got no answer from KMS within {} s",
                            CALL_TIMEOUT.as_secs()
                        )),
                    }
                })
            })
            .join()
            .unwrap_or_else(|_| Err(format!("{addr}: the {operation} call failed unexpectedly")))
        })
    }

    /// `encryption_context` for the SDK (`None` when empty).
    fn context(
        &self,
        context: &BTreeMap<String, String>,
    ) -> Option<std::collections::HashMap<String, String>> {
        (!context.is_empty()).then(|| context.clone().into_iter().collect())
    }
}

impl RemoteKeys for AwsKms {
    fn generate(&self) -> Result<KeyAndMeta, String> {
        let spec = aws_sdk_kms::types::DataKeySpec::from(self.key_spec.as_str());
        let context = self.context(&self.context);
        let key_id = self.key_id.clone();
        let (key, blob) = self.run("GenerateDataKey", move |kms| async move {
            let out = kms
                .generate_data_key()
                .key_id(key_id)
                .key_spec(spec)
                .set_encryption_context(context)
                .send()
                .await
                .map_err(|e| client::describe("GenerateDataKey", &e))?;
            match (out.plaintext, out.ciphertext_blob) {
                (Some(k), Some(b)) => Ok((k.into_inner(), b.into_inner())),
                _ => Err("GenerateDataKey answered without a key".to_string()),
            }
        })?;
        let mut meta = serde_json::Map::new();
        meta.insert("ciphertext_blob".into(), STANDARD.encode(blob).into());
        if !self.context.is_empty() {
            let context: serde_json::Map<String, serde_json::Value> = self
                .context
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            meta.insert("encryption_context".into(), context.into());
        }
        let meta = serde_json::to_vec(&meta).map_err(|e| e.to_string())?;
        Ok((key, meta))
    }

    fn recover(&self, meta: &[u8]) -> Result<Vec<u8>, String> {
        let (blob, context) = parse_meta(meta).map_err(|e| format!("{}: {e}", self.addr))?;
        let context = self.context(&context);
        let key_id = self.key_id.clone();
        self.run("Decrypt", move |kms| async move {
            let out = kms
                .decrypt()
                .key_id(&key_id)
                .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(blob))
                .set_encryption_context(context)
                .send()
                .await
                .map_err(|e| client::describe("Decrypt", &e))?;
            if let Some(arn) = out.key_id.as_deref()
                && !same_key(&key_id, arn)
            {
                return Err(format!(
                    "Decrypt failed: IncorrectKeyException: the data key was encrypted under {arn}, not under kms_key_id {key_id}"
                ));
            }
            out.plaintext
                .map(aws_sdk_kms::primitives::Blob::into_inner)
                .ok_or_else(|| "Decrypt answered without a key".to_string())
        })
    }
}

/// False when `configured` (a key id or key ARN) is not the key `arn`
/// that KMS decrypted with: AWS refuses such a `Decrypt`
/// (`IncorrectKeyException`), and this check keeps that true on servers
/// that ignore `KeyId`. An alias cannot be compared and passes.
fn same_key(configured: &str, arn: &str) -> bool {
    if configured.starts_with("alias/") || configured.contains(":alias/") {
        return true;
    }
    if configured.starts_with("arn:") {
        return configured == arn;
    }
    arn == configured || arn.ends_with(&format!(":key/{configured}"))
}

/// The encrypted data key and encryption context of OpenTofu's `keyMeta`.
///
/// # Errors
/// Not JSON; no `ciphertext_blob` or not base64.
fn parse_meta(meta: &[u8]) -> Result<(Vec<u8>, BTreeMap<String, String>), String> {
    let doc: serde_json::Value =
        serde_json::from_slice(meta).map_err(|e| format!("its metadata is not JSON: {e}"))?;
    let blob = doc
        .get("ciphertext_blob")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("its metadata has no ciphertext_blob")?;
    let blob = STANDARD
        .decode(blob)
        .map_err(|_| "the ciphertext_blob of its metadata is not base64".to_string())?;
    let mut context = BTreeMap::new();
    if let Some(m) = doc
        .get("encryption_context")
        .and_then(serde_json::Value::as_object)
    {
        for (k, v) in m {
            if let Some(s) = v.as_str() {
                context.insert(k.clone(), s.to_string());
            }
        }
    }
    Ok((blob, context))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> ValueMap {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn arguments_are_checked_as_opentofu_does() {
        let ok = args(&[
            ("kms_key_id", Value::string("alias/state")),
            ("key_spec", Value::string("AES_256")),
            ("region", Value::string("eu-west-1")),
        ]);
        assert!(make(TYPE, "key_provider.aws_kms.k", &ok).is_ok());
        let mut bad = ok.clone();
        bad.insert("key_spec".into(), Value::string("RSA"));
        let e = make(TYPE, "k", &bad).err().expect("bad spec");
        assert!(e.contains("AES_256"), "{e}");
        let mut bad = ok.clone();
        bad.insert("kms_key_id".into(), Value::string(""));
        assert!(
            make(TYPE, "k", &bad)
                .err()
                .expect("no id")
                .contains("kms_key_id")
        );
        let mut bad = ok;
        bad.insert("access_key".into(), Value::string("AKIA"));
        assert!(
            make(TYPE, "k", &bad)
                .err()
                .expect("half")
                .contains("secret_key")
        );
    }

    #[test]
    fn metadata_is_opentofus_key_meta() {
        let (blob, context) =
            parse_meta(br#"{"ciphertext_blob":"AQID","encryption_context":{"a":"b"}}"#)
                .expect("meta");
        assert_eq!(blob, [1, 2, 3]);
        assert_eq!(context["a"], "b");
        assert!(parse_meta(b"{}").is_err());
        assert!(parse_meta(br#"{"ciphertext_blob":"!!"}"#).is_err());
        assert_eq!(with_scheme("kms.local:4566"), "https://kms.local:4566");
        assert_eq!(with_scheme("http://127.0.0.1:1"), "http://127.0.0.1:1");
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";
        assert!(same_key("1234abcd", arn));
        assert!(same_key(arn, arn));
        assert!(same_key("alias/state", arn));
        assert!(!same_key("99999999", arn));
        assert!(!same_key("arn:aws:kms:us-east-1:123456789012:key/9", arn));
    }
}
