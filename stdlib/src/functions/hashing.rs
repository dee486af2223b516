//! Built-in hashing functions: hex and Base64 digests of strings and
//! files, and name-based (version 5) UUIDs.

use super::encoding::b64;
use super::filesystem::read_file;
use crate::args::string;
use crate::{Builtin, Example, FnContext, FnError, Returns};
use infra_lang::Value;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use uuid::Uuid;

macro_rules! hash_fn {
    ($name:literal, $summary:literal, $expr:literal, $result:literal, $run:ident) => {
        Builtin {
            name: $name,
            group: "hashing",
            summary: $summary,
            examples: &[Example {
                expr: $expr,
                result: $result,
            }],
            returns: Returns::String,
            raw: false,
            run: $run,
        }
    };
}

/// The hashing functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    hash_fn!(
        "md5",
        "The MD5 digest of a string's UTF-8 bytes, as 32 hex digits.",
        r#"md5("hello world")"#,
        r#""5eb63bbbe01eeed093cb22bb8f5acdc3""#,
        md5
    ),
    hash_fn!(
        "sha1",
        "The SHA-1 digest of a string's UTF-8 bytes, as 40 hex digits.",
        r#"sha1("hello world")"#,
        r#""2aae6c35c94fcfb415dbe95f408b9ce91ee846ed""#,
        sha1
    ),
    hash_fn!(
        "sha256",
        "The SHA-256 digest of a string's UTF-8 bytes, as 64 hex digits.",
        r#"sha256("hello world")"#,
        r#""b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#,
        sha256
    ),
    hash_fn!(
        "sha512",
        "The SHA-512 digest of a string's UTF-8 bytes, as 128 hex digits.",
        r#"sha512("")"#,
        r#""cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e""#,
        sha512
    ),
    hash_fn!(
        "base64sha256",
        "The SHA-256 digest of a string's UTF-8 bytes, Base64-encoded.",
        r#"base64sha256("hello world")"#,
        r#""uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=""#,
        base64sha256
    ),
    hash_fn!(
        "base64sha512",
        "The SHA-512 digest of a string's UTF-8 bytes, Base64-encoded.",
        r#"base64sha512("")"#,
        r#""z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==""#,
        base64sha512
    ),
    hash_fn!(
        "filemd5",
        "The MD5 digest of a file's bytes, as hex (a relative path is taken from the root module's directory).",
        r#"filemd5("${path.module}/hello.txt")"#,
        r#""b10a8db164e0754105b7a99be72e3fe5""#,
        filemd5
    ),
    hash_fn!(
        "filesha1",
        "The SHA-1 digest of a file's bytes, as hex.",
        r#"filesha1("${path.module}/hello.txt")"#,
        r#""0a4d55a8d778e5022fab701977c5d840bbc486d0""#,
        filesha1
    ),
    hash_fn!(
        "filesha256",
        "The SHA-256 digest of a file's bytes, as hex.",
        r#"filesha256("${path.module}/hello.txt")"#,
        r#""a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e""#,
        filesha256
    ),
    hash_fn!(
        "filesha512",
        "The SHA-512 digest of a file's bytes, as hex.",
        r#"filesha512("${path.module}/hello.txt")"#,
        r#""2c74fd17edafd80e8447b0d46741ee243b7eb74dd2149a0ab1b9246fb30382f27e853d8585719e0e67cbda0daa8f51671064615d645ae27acb15bfb1447f459b""#,
        filesha512
    ),
    hash_fn!(
        "filebase64sha256",
        "The SHA-256 digest of a file's bytes, Base64-encoded.",
        r#"filebase64sha256("${path.module}/hello.txt")"#,
        r#""pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=""#,
        filebase64sha256
    ),
    hash_fn!(
        "filebase64sha512",
        "The SHA-512 digest of a file's bytes, Base64-encoded.",
        r#"filebase64sha512("${path.module}/hello.txt")"#,
        r#""LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw==""#,
        filebase64sha512
    ),
    Builtin {
        name: "uuidv5",
        group: "hashing",
        summary: "A name-based (version 5, SHA-1) UUID: the namespace is `dns`, `url`, `oid`, `x500` or a UUID.",
        examples: &[Example {
            expr: r#"uuidv5("dns", "www.terraform.io")"#,
            result: r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#,
        }],
        returns: Returns::String,
        raw: false,
        run: uuidv5,
    },
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest<D: Digest>(data: &[u8]) -> Vec<u8> {
    D::digest(data).to_vec()
}

fn string_hash(
    args: &[Value],
    hash: fn(&[u8]) -> Vec<u8>,
    enc: fn(&[u8]) -> String,
) -> Result<Value, FnError> {
    Ok(Value::String(enc(&hash(string(args, 0)?.as_bytes()))))
}

fn file_hash(
    args: &[Value],
    ctx: &FnContext<'_>,
    hash: fn(&[u8]) -> Vec<u8>,
    enc: fn(&[u8]) -> String,
) -> Result<Value, FnError> {
    Ok(Value::String(enc(&hash(&read_file(args, 0, ctx)?))))
}

fn md5(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    string_hash(&args, digest::<Md5>, hex)
}

fn sha1(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    string_hash(&args, digest::<Sha1>, hex)
}

fn sha256(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    string_hash(&args, digest::<Sha256>, hex)
}

fn sha512(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    string_hash(&args, digest::<Sha512>, hex)
}

fn base64sha256(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    string_hash(&args, digest::<Sha256>, b64)
}

fn base64sha512(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    string_hash(&args, digest::<Sha512>, b64)
}

fn filemd5(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    file_hash(&args, ctx, digest::<Md5>, hex)
}

fn filesha1(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    file_hash(&args, ctx, digest::<Sha1>, hex)
}

fn filesha256(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    file_hash(&args, ctx, digest::<Sha256>, hex)
}

fn filesha512(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    file_hash(&args, ctx, digest::<Sha512>, hex)
}

fn filebase64sha256(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    file_hash(&args, ctx, digest::<Sha256>, b64)
}

fn filebase64sha512(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    file_hash(&args, ctx, digest::<Sha512>, b64)
}

/// Parses a UUID as Go's `uuid.Parse` does, which Terraform's `uuidv5`
/// calls: `xxxxxxxx-xxxx-...`, with `urn:uuid:` (any case) or braces
/// around it, or 32 bare hex digits. Hand-written rather than
/// `uuid::Uuid::parse_str` for Terraform's error messages ("invalid UUID
/// length: 5") and its case-insensitive `urn:uuid:` prefix.
fn parse_uuid(s: &str) -> Result<Uuid, String> {
    let body = match s.len() {
        36 => s,
        38 if s.starts_with('{') && s.ends_with('}') => &s[1..37],
        45 if s
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:uuid:")) =>
        {
            &s[9..]
        }
        32 => s,
        n => return Err(format!("invalid UUID length: {n}")),
    };
    let hex: String = if body.len() == 36 {
        let b = body.as_bytes();
        if [8, 13, 18, 23].iter().any(|i| b[*i] != b'-') {
            return Err("invalid UUID format".into());
        }
        body.chars().filter(|c| *c != '-').collect()
    } else {
        body.to_string()
    };
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = hex
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or("invalid UUID format")?;
    }
    Ok(Uuid::from_bytes(out))
}

fn uuidv5(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let ns = string(&args, 0)?;
    let name = string(&args, 1)?;
    let namespace = match ns.as_str() {
        "dns" => Uuid::NAMESPACE_DNS,
        "url" => Uuid::NAMESPACE_URL,
        "oid" => Uuid::NAMESPACE_OID,
        "x500" => Uuid::NAMESPACE_X500,
        other => parse_uuid(other).map_err(|e| {
            FnError::arg(0, format!("uuidv5() doesn't support namespace {ns} ({e})"))
                .with_help("Use \"dns\", \"url\", \"oid\", \"x500\" or a UUID.")
        })?,
    };
    Ok(Value::String(
        Uuid::new_v5(&namespace, name.as_bytes())
            .hyphenated()
            .to_string(),
    ))
}
