//! Checking a registry's `SHA256SUMS` against its detached OpenPGP
//! signature with the keys the registry names for the provider, as
//! Terraform's `signatureAuthentication` does
//! (`internal/getproviders/package_authentication.go`), with the pure-Rust
//! `pgp` crate: the signature must verify with the primary key or a
//! subkey of one of the keys, whose own bindings verify.

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};

/// A public key the registry supplies: its id and ASCII-armored text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryKey {
    /// `key_id`, as the registry gives it (for messages).
    pub key_id: String,
    /// `ascii_armor`: `-----BEGIN PGP PUBLIC KEY BLOCK-----...`.
    pub armor: String,
}

/// The id of the key whose signature `signature` (binary or armored) over
/// `data` verifies.
///
/// # Errors
/// A message: no key given, a key or the signature does not parse, or no
/// key verifies the signature.
pub fn verify(data: &[u8], signature: &[u8], keys: &[RegistryKey]) -> Result<String, String> {
    if keys.is_empty() {
        return Err("the registry names no signing key for the provider".into());
    }
    let sig = if signature.starts_with(b"-----BEGIN") {
        DetachedSignature::from_armor_single(signature).map(|(s, _)| s)
    } else {
        DetachedSignature::from_bytes(signature)
    }
    .map_err(|e| format!("the checksum signature cannot be read: {e}"))?;
    for k in keys {
        let key = SignedPublicKey::from_armor_single(k.armor.as_bytes())
            .map(|(k, _)| k)
            .map_err(|e| {
                format!(
                    "the registry's signing key {} cannot be read: {e}",
                    k.key_id
                )
            })?;
        if key.verify_bindings().is_err() {
            continue;
        }
        if sig.verify(&key, data).is_ok()
            || key
                .public_subkeys
                .iter()
                .any(|s| sig.verify(s, data).is_ok())
        {
            return Ok(k.key_id.clone());
        }
    }
    Err(format!(
        "the checksums' signature does not verify with the registry's signing key{} {}",
        if keys.len() == 1 { "" } else { "s" },
        keys.iter()
            .map(|k| k.key_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/install/");

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(format!("{DATA}{name}")).expect("fixture")
    }

    fn key(name: &str) -> RegistryKey {
        RegistryKey {
            key_id: name.into(),
            armor: String::from_utf8(read(name)).expect("utf-8"),
        }
    }

    #[test]
    fn the_registry_signature_verifies_only_with_its_key_and_content() {
        let sums = read("SHA256SUMS");
        let sig = read("SHA256SUMS.sig");
        assert_eq!(
            verify(&sums, &sig, &[key("other-key.asc"), key("signing-key.asc")]),
            Ok("signing-key.asc".to_string())
        );
        let e = verify(&sums, &sig, &[key("other-key.asc")]).expect_err("wrong key");
        assert!(e.contains("does not verify"), "{e}");
        let mut tampered = sums.clone();
        tampered[0] ^= 1;
        assert!(verify(&tampered, &sig, &[key("signing-key.asc")]).is_err());
        assert!(
            verify(&sums, b"junk", &[key("signing-key.asc")])
                .is_err_and(|e| e.contains("cannot be read"))
        );
        assert!(verify(&sums, &sig, &[]).is_err_and(|e| e.contains("no signing key")));
    }
}
