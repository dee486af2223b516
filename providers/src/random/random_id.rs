//! `random_id`: `byte_length` random bytes, generated once at create, in
//! several encodings: `id` (unpadded URL-safe base64, no prefix) and
//! `b64_url`, `b64_std` (padded standard base64), `hex`, `dec` (the bytes
//! as a big-endian unsigned integer), each after `prefix` — as in
//! Terraform. Unlike Terraform, `byte_length` is at most 1024.

use super::Generator;
use super::{keepers, os_rng};
use crate::object::{Attrs, finish, hex, integer, invalid, set, string};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use infra_engine::provider::{Attribute, Failure, ResourceSchema, error};
use infra_lang::{Diagnostic, Type, Value};
use rand::RngCore;

/// The resource type name.
pub const TYPE: &str = "random_id";

/// The largest `byte_length` accepted.
pub const MAX_BYTES: i64 = 1024;

/// `bytes` as a big-endian unsigned integer in decimal (`"0"` for none or
/// all zeros).
pub fn decimal(bytes: &[u8]) -> String {
    const BASE: u64 = 1_000_000_000;
    let mut limbs: Vec<u64> = vec![0];
    for &b in bytes {
        let mut carry = u64::from(b);
        for limb in &mut limbs {
            let v = *limb * 256 + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
    }
    let mut iter = limbs.iter().rev();
    let mut s = iter.next().map_or_else(String::new, u64::to_string);
    for limb in iter {
        s.push_str(&format!("{limb:09}"));
    }
    s
}

/// Sets every encoding of `bytes` in `m`: `id` (unpadded URL-safe
/// base64) and, after `prefix`, `b64_url`, `b64_std`, `hex` and `dec`.
fn encode(m: &mut Attrs, prefix: &str, bytes: &[u8]) {
    let id = URL_SAFE_NO_PAD.encode(bytes);
    set(m, "b64_url", Value::String(format!("{prefix}{id}")));
    set(
        m,
        "b64_std",
        Value::String(format!("{prefix}{}", STANDARD.encode(bytes))),
    );
    set(m, "hex", Value::String(format!("{prefix}{}", hex(bytes))));
    set(
        m,
        "dec",
        Value::String(format!("{prefix}{}", decimal(bytes))),
    );
    set(m, "id", Value::String(id));
}

/// `random_id`: a [`Generator`].
pub struct RandomId;

#[async_trait]
impl Generator for RandomId {
    const NAME: &'static str = TYPE;

    /// The schema: `byte_length` (required), `prefix`, `keepers` (all
    /// force-new); computed `id`, `b64_url`, `b64_std`, `hex`, `dec`.
    fn schema(&self) -> ResourceSchema {
        let c = |d| Attribute::computed(Type::String, d);
        ResourceSchema::new(
            "Random bytes, generated once and kept until replaced, in several encodings.",
            vec![
                (
                    "byte_length",
                    Attribute::required(Type::Number, "The number of random bytes, 1 to 1024.")
                        .force_new(),
                ),
                (
                    "prefix",
                    Attribute::optional(
                        Type::String,
                        "Text put before `b64_url`, `b64_std`, `hex` and `dec` (not `id`).",
                    )
                    .force_new(),
                ),
                keepers(),
                (
                    "id",
                    c("The bytes in URL-safe base64 without padding, no prefix."),
                ),
                (
                    "b64_url",
                    c("The prefix, then the bytes in URL-safe base64 without padding."),
                ),
                (
                    "b64_std",
                    c("The prefix, then the bytes in standard, padded base64."),
                ),
                (
                    "hex",
                    c("The prefix, then the bytes in lower-case hexadecimal."),
                ),
                (
                    "dec",
                    c("The prefix, then the bytes as a big-endian unsigned decimal number."),
                ),
            ],
        )
    }

    /// Checks `byte_length` is 1 to [`MAX_BYTES`] (when known).
    fn validate(&self, m: &Attrs) -> Vec<Diagnostic> {
        match integer(m, "byte_length", TYPE) {
            Ok(Some(n)) if !(1..=MAX_BYTES).contains(&n) => vec![invalid(format!(
                "`byte_length` of `{TYPE}` must be between 1 and {MAX_BYTES}, got {n}"
            ))],
            Ok(_) => Vec::new(),
            Err(d) => vec![d],
        }
    }

    /// Creates: draws the bytes and fills every encoding.
    ///
    /// # Errors
    /// A missing or invalid `byte_length`, or no randomness.
    async fn create(&self, schema: &ResourceSchema, mut m: Attrs) -> Result<Value, Failure> {
        let n = integer(&m, "byte_length", TYPE)
            .map_err(|d| vec![d])?
            .ok_or_else(|| error(format!("`{TYPE}` needs `byte_length`")))?;
        let n = usize::try_from(n).map_err(|_| {
            error(format!(
                "`byte_length` of `{TYPE}` must be at least 1, got {n}"
            ))
        })?;
        let mut bytes = vec![0u8; n];
        os_rng()?.fill_bytes(&mut bytes);
        let prefix = string(&m, "prefix").unwrap_or_default().to_string();
        encode(&mut m, &prefix, &bytes);
        Ok(finish(schema, m))
    }

    /// Imports `B64_URL` or `PREFIX,B64_URL` (Terraform's format: the
    /// bytes in unpadded URL-safe base64, after an optional prefix and a
    /// comma): `byte_length` is the number of bytes, every encoding
    /// follows from them.
    ///
    /// # Errors
    /// Not base64url, or more than [`MAX_BYTES`] bytes.
    async fn import(&self, schema: &ResourceSchema, id: &str) -> Result<Value, Failure> {
        let (prefix, b64) = match id.rsplit_once(',') {
            Some((p, b)) => (p, b),
            None => ("", id),
        };
        let bytes = URL_SAFE_NO_PAD.decode(b64).map_err(|e| {
            error(format!(
                "`{TYPE}` imports the id in URL-safe base64 without padding (optionally PREFIX,ID), got {id:?}: {e}"
            ))
        })?;
        let n = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        if !(1..=MAX_BYTES).contains(&n) {
            return Err(error(format!(
                "`{TYPE}`: the id holds {n} bytes; `byte_length` must be between 1 and {MAX_BYTES}"
            )));
        }
        let mut m = Attrs::new();
        set(&mut m, "byte_length", Value::int(n));
        if !prefix.is_empty() {
            set(&mut m, "prefix", Value::string(prefix));
        }
        encode(&mut m, prefix, &bytes);
        Ok(finish(schema, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::int;
    use crate::random::tests::create as make;

    #[test]
    fn decimal_of_bytes() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0, 0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 8]), u64::MAX.to_string());
        assert_eq!(decimal(&[0xff; 16]), u128::MAX.to_string());
        assert_eq!(decimal(&[0x3b, 0x9a, 0xca, 0x00]), "1000000000");
    }

    #[test]
    fn encodings_agree() {
        let m = make(
            TYPE,
            &[("byte_length", int(8)), ("prefix", Value::string("p-"))],
        )
        .expect("create");
        let s = |n: &str| m[n].as_str().expect("string").to_string();
        let bytes = URL_SAFE_NO_PAD.decode(s("id")).expect("base64");
        assert_eq!(bytes.len(), 8);
        assert_eq!(s("b64_url"), format!("p-{}", s("id")));
        assert_eq!(s("b64_std"), format!("p-{}", STANDARD.encode(&bytes)));
        assert_eq!(s("hex"), format!("p-{}", hex(&bytes)));
        let mut be = [0u8; 8];
        be.copy_from_slice(&bytes);
        assert_eq!(s("dec"), format!("p-{}", u64::from_be_bytes(be)));
    }

    #[test]
    fn byte_length_is_checked() {
        let err = make(TYPE, &[("byte_length", int(0))]).expect_err("invalid");
        assert!(
            err[0].message.contains("`byte_length`"),
            "{}",
            err[0].message
        );
        assert!(make(TYPE, &[("byte_length", int(2000))]).is_err());
        assert!(Generator::schema(&RandomId).attributes["keepers"].force_new);
    }
}
