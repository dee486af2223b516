//! Unit tests of the envelope, AES-GCM and the fallback rules.

use super::keys::{Hash, KeyProvider, Kind, Pbkdf2};
use super::{Method, Target, is_encrypted};
use std::sync::Arc;

fn provider(name: &str, passphrase: &str) -> Arc<KeyProvider> {
    Arc::new(KeyProvider::new(
        format!("key_provider.pbkdf2.{name}"),
        Kind::Pbkdf2(Pbkdf2 {
            passphrase: passphrase.into(),
            key_length: 32,
            iterations: 1000,
            hash: Hash::Sha512,
            salt_length: 32,
        }),
    ))
}

fn aes(name: &str, keys: Arc<KeyProvider>) -> Method {
    Method::AesGcm {
        addr: format!("method.aes_gcm.{name}"),
        keys,
    }
}

fn target(methods: Vec<Method>) -> Target {
    Target {
        what: "state",
        methods,
    }
}

const STATE: &[u8] =
    br#"{"format_version":1,"serial":3,"lineage":"l-1","outputs":{"pw":{"value":"hunter2-secret"}}}"#;

#[test]
fn the_envelope_round_trips_and_holds_no_plaintext() {
    let t = target(vec![aes(
        "main",
        provider("main", "a long passphrase here"),
    )]);
    let sealed = t.encrypt(STATE.to_vec()).expect("encrypts");
    assert!(is_encrypted(&sealed));
    let text = String::from_utf8(sealed.clone()).expect("JSON text");
    assert!(!text.contains("hunter2"), "{text}");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["encryption_version"], "v0");
    assert_eq!(doc["serial"], 3);
    assert_eq!(doc["lineage"], "l-1");
    assert!(doc["meta"]["key_provider.pbkdf2.main"].is_string());
    assert_eq!(&*t.decrypt(&sealed).expect("decrypts"), STATE);
}

#[test]
fn a_wrong_passphrase_or_tampering_fails_without_showing_keys() {
    let right = target(vec![aes("main", provider("main", "the right passphrase"))]);
    let sealed = right.encrypt(STATE.to_vec()).expect("encrypts");
    let wrong = target(vec![aes("main", provider("main", "the wrong passphrase!"))]);
    let e = wrong.decrypt(&sealed).expect_err("wrong key");
    assert!(e.contains("authentication failed"), "{e}");
    assert!(!e.contains("passphrase!"), "{e}");
    // A flipped bit in the ciphertext.
    let mut doc: serde_json::Value = serde_json::from_slice(&sealed).expect("JSON");
    let data = doc["encrypted_data"].as_str().expect("data").to_string();
    let mut bytes = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("b64")
    };
    bytes[20] ^= 1;
    doc["encrypted_data"] = super::keys::encode_b64(&bytes).into();
    let e = right
        .decrypt(doc.to_string().as_bytes())
        .expect_err("tampered");
    assert!(e.contains("authentication failed"), "{e}");
    // The serial in clear changed.
    let mut doc: serde_json::Value = serde_json::from_slice(&sealed).expect("JSON");
    doc["serial"] = 4.into();
    let e = right
        .decrypt(doc.to_string().as_bytes())
        .expect_err("serial");
    assert!(e.contains("tampered"), "{e}");
}

#[test]
fn fallbacks_read_old_data_and_plain_data_needs_unencrypted() {
    let old = provider("old", "the old passphrase!!");
    let sealed_old = target(vec![aes("old", old.clone())])
        .encrypt(STATE.to_vec())
        .expect("old");
    let rotated = target(vec![
        aes("new", provider("new", "the new passphrase!!")),
        aes("old", old),
    ]);
    assert_eq!(&*rotated.decrypt(&sealed_old).expect("fallback"), STATE);
    let e = rotated.decrypt(STATE).expect_err("plain refused");
    assert!(e.contains("`unencrypted`"), "{e}");
    let migrating = target(vec![
        aes("new", provider("new", "the new passphrase!!")),
        Method::Unencrypted,
    ]);
    assert_eq!(&*migrating.decrypt(STATE).expect("plain read"), STATE);
    let back = target(vec![Method::Unencrypted]);
    assert_eq!(back.encrypt(STATE.to_vec()).expect("plain"), STATE);
    let e = Target::plain("state")
        .decrypt(&sealed_old)
        .expect_err("no config");
    assert!(e.contains("no `encryption` block"), "{e}");
}

/// An envelope made outside infra with OpenTofu's algorithm (Python's
/// `hashlib.pbkdf2_hmac` and `cryptography`'s AESGCM, the metadata and
/// envelope as Go's `encoding/json` writes OpenTofu's `basedata`):
/// PBKDF2-HMAC-SHA512, 200,000 iterations, the salt 0x00..0x1f, the nonce
/// 0x64..0x6f.
const OPENTOFU_STATE: &str = r#"{"serial":7,"lineage":"kat-lineage","meta":{"key_provider.pbkdf2.main":"eyJzYWx0IjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOD0iLCJpdGVyYXRpb25zIjoyMDAwMDAsImhhc2hfZnVuY3Rpb24iOiJzaGE1MTIiLCJrZXlfbGVuZ3RoIjozMn0="},"encrypted_data":"ZGVmZ2hpamtsbW5vkBTwDw/rsNpmXfvQfhig4Z1DhspKQlW2BQu0H4j114yyeKnE6myrrOkxtRWBbmxxSOBX7FkXD5ruGWhPJJ6ZXqOpQH2tTm307qg5t3M7UOuCFnRWxm0ApkOztFZpyN1zHFVqjXLewCqKT5v4PyKVE5bABOyjdt++","encryption_version":"v0"}"#;

#[test]
fn a_state_encrypted_by_opentofus_algorithm_decrypts() {
    let t = target(vec![aes(
        "main",
        provider("main", "correct horse battery staple"),
    )]);
    let plain = t.decrypt(OPENTOFU_STATE.as_bytes()).expect("decrypts");
    assert_eq!(
        &*plain,
        &br#"{"version":4,"terraform_version":"1.9.0","serial":7,"lineage":"kat-lineage","outputs":{},"resources":[]}"#[..]
    );
}
