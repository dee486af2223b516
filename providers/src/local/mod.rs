//! The `local` provider: files on the machine running infra — the
//! `local_file` and `local_sensitive_file` resources and data sources,
//! the content checksums they all report, and the function
//! `provider::local::direxists`.

pub mod direxists;
pub mod file;
pub mod file_data;
pub mod sensitive_file;
pub mod sensitive_file_data;

use crate::framework::{DataSource, Function, NativeProvider, ProviderSpec, ResourceType};
use crate::object::{Attrs, hex, set};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use infra_engine::provider::Attribute;
use infra_lang::{Type, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use std::sync::Arc;

/// The `local` provider.
pub type LocalProvider = NativeProvider<Local>;

/// The `local` provider's list: resources `local_file`,
/// `local_sensitive_file`; data sources of the same names; function
/// `direxists`. Its context
/// is the files written so far, which deletes leave alone.
pub struct Local;

impl ProviderSpec for Local {
    type Context = Arc<file::Written>;
    const NAME: &'static str = "local";

    fn context() -> Arc<file::Written> {
        Arc::default()
    }

    /// A rollback deletes the files this run wrote: forget them.
    fn undo_starts(ctx: &Arc<file::Written>) {
        ctx.clear();
    }

    fn resources() -> Vec<Box<dyn ResourceType<Arc<file::Written>>>> {
        vec![Box::new(file::PLAIN), Box::new(sensitive_file::FLAVOR)]
    }

    fn data_sources() -> Vec<Box<dyn DataSource<Arc<file::Written>>>> {
        vec![
            Box::new(file_data::DATA),
            Box::new(sensitive_file_data::DATA),
        ]
    }

    fn functions() -> Vec<Box<dyn Function>> {
        vec![Box::new(direxists::DirExists)]
    }
}

/// The checksum attributes every `local_*` type computes, with `id`.
pub const CHECKSUMS: &[&str] = &[
    "id",
    "content_md5",
    "content_sha1",
    "content_sha256",
    "content_sha512",
    "content_base64sha256",
    "content_base64sha512",
];

/// The computed checksum attributes (see [`CHECKSUMS`]) for a schema.
pub fn checksum_attributes() -> Vec<(&'static str, Attribute)> {
    let c = |d| Attribute::computed(Type::String, d);
    vec![
        ("id", c("The hexadecimal SHA1 checksum of the content.")),
        (
            "content_md5",
            c("The hexadecimal MD5 checksum of the content."),
        ),
        (
            "content_sha1",
            c("The hexadecimal SHA1 checksum of the content."),
        ),
        (
            "content_sha256",
            c("The hexadecimal SHA256 checksum of the content."),
        ),
        (
            "content_sha512",
            c("The hexadecimal SHA512 checksum of the content."),
        ),
        (
            "content_base64sha256",
            c("The base64-encoded SHA256 checksum of the content."),
        ),
        (
            "content_base64sha512",
            c("The base64-encoded SHA512 checksum of the content."),
        ),
    ]
}

/// `a`, marked sensitive when `sensitive` (`content` and `content_base64`
/// of the `local_sensitive_file` types).
pub fn sensitive_if(sensitive: bool, a: Attribute) -> Attribute {
    if sensitive { a.sensitive() } else { a }
}

/// The hexadecimal SHA1 of `bytes`: the `id` of a `local_*` object.
pub fn sha1_hex(bytes: &[u8]) -> String {
    hex(&Sha1::digest(bytes))
}

/// Sets `id` and every `content_*` checksum of `bytes` in `m`.
pub fn set_checksums(m: &mut Attrs, bytes: &[u8]) {
    let sha1 = sha1_hex(bytes);
    let sha256 = Sha256::digest(bytes);
    let sha512 = Sha512::digest(bytes);
    set(m, "id", Value::String(sha1.clone()));
    set(m, "content_sha1", Value::String(sha1));
    set(m, "content_md5", Value::String(hex(&Md5::digest(bytes))));
    set(m, "content_sha256", Value::String(hex(&sha256)));
    set(m, "content_sha512", Value::String(hex(&sha512)));
    set(
        m,
        "content_base64sha256",
        Value::String(STANDARD.encode(sha256)),
    );
    set(
        m,
        "content_base64sha512",
        Value::String(STANDARD.encode(sha512)),
    );
}

/// Sets `id` and every checksum in `m` to unknown.
pub fn unknown_checksums(m: &mut Attrs) {
    for name in CHECKSUMS {
        set(m, name, Value::Unknown(Type::String));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_engine::provider::Provider;

    #[test]
    fn checksums_of_hello() {
        let mut m = Attrs::new();
        set_checksums(&mut m, b"hello");
        let s = |n: &str| m[n].as_str().expect("string").to_string();
        assert_eq!(s("id"), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
        assert_eq!(s("content_sha1"), s("id"));
        assert_eq!(s("content_md5"), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(
            s("content_sha256"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            s("content_base64sha256"),
            "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
        assert_eq!(s("content_sha512").len(), 128);
        assert_eq!(m.len(), CHECKSUMS.len());
    }

    #[test]
    fn validate_skips_data_source_configs() {
        let p = LocalProvider::new();
        let mut m = Attrs::new();
        for name in p.schema().data_sources[file_data::TYPE].attributes.keys() {
            m.insert(name.clone(), Value::NULL);
        }
        m.insert("filename".into(), Value::string("/etc/motd"));
        assert!(p.validate(file_data::TYPE, &Value::Object(m)).is_empty());
        let mut m = Attrs::new();
        for name in p.schema().resources[file::TYPE].attributes.keys() {
            m.insert(name.clone(), Value::NULL);
        }
        m.insert("filename".into(), Value::string("a"));
        assert_eq!(p.validate(file::TYPE, &Value::Object(m)).len(), 1);
    }
}
