//! `aws_s3_object`: one object in an S3 bucket, its content given as text
//! (`content`), base64 bytes (`content_base64`) or a local file (`source`),
//! with content type, cache control, encoding, user metadata, tags and
//! storage class.
//!
//! Create and every content or header change is a `PutObject` (an update
//! in place, as in Terraform); a change of tags alone is a
//! `PutObjectTagging`. A `source` file above [`MULTIPART_THRESHOLD`]
//! bytes goes up as a multipart upload in [`PART_SIZE`] parts (aborted
//! when a part fails). Changing `bucket` or `key` replaces the object.
//!
//! Drift: reading the object (`HeadObject`, `GetObjectTagging`) refreshes
//! every header, the tags and `etag`, but never downloads the content.
//! The plan computes the ETag the configured content would get (the
//! quoted hex MD5 of the bytes, or for a multipart upload the MD5 of the
//! parts' MD5s followed by `-<parts>`) and plans a new `PutObject` when the
//! stored `etag` differs, so content changed behind infra's back is put
//! back. Objects whose ETag is not an MD5 (SSE-KMS or SSE-C encryption)
//! therefore always plan an update.

use super::{S3, Session, client, find_by_identity, owned};
use crate::framework::ResourceType;
use crate::object::{
    Attrs, attrs, blocking, check, check_content_args, finish, get, hex, into_attrs, invalid,
    planned, propose, same, set, string,
};
use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, StorageClass, Tag, Tagging};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, Found, PlanRequest, PlannedState, ResourceSchema, error,
};
use infra_lang::{Diagnostic, Type, Value};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};

/// The resource type name.
pub const TYPE: &str = "aws_s3_object";

/// Size in bytes above which a `source` file is uploaded in parts
/// (16 MiB). The environment variable `INFRA_AWS_MULTIPART_THRESHOLD`
/// (a number of bytes) overrides it when set, for tests.
pub const MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;

/// The environment variable that overrides [`MULTIPART_THRESHOLD`]
/// (bytes, a whole number; ignored when not one).
pub const THRESHOLD_ENV: &str = "INFRA_AWS_MULTIPART_THRESHOLD";

/// The size in bytes of each part of a multipart upload (8 MiB; the last
/// part may be smaller).
pub const PART_SIZE: u64 = 8 * 1024 * 1024;

/// The storage class when `storage_class` is not set.
pub const DEFAULT_STORAGE_CLASS: &str = "STANDARD";

/// The content type when the key's extension tells nothing.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The storage classes `storage_class` may name.
pub const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "GLACIER_IR",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "SNOW",
    "EXPRESS_ONEZONE",
];

/// The arguments whose change needs the object written again.
const PUT_ARGS: [&str; 9] = [
    "content",
    "content_base64",
    "source",
    "source_hash",
    "content_type",
    "cache_control",
    "content_encoding",
    "metadata",
    "storage_class",
];

/// The most tags S3 allows on one object.
const MAX_TAGS: usize = 10;

/// The multipart threshold in bytes: [`THRESHOLD_ENV`] when set to a
/// whole number, else [`MULTIPART_THRESHOLD`].
pub fn multipart_threshold() -> u64 {
    std::env::var(THRESHOLD_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(MULTIPART_THRESHOLD)
}

/// The MIME type for `key` from its extension (case-insensitive), or
/// [`DEFAULT_CONTENT_TYPE`] when unknown: `index.html` → `text/html`,
/// `img/logo.PNG` → `image/png`.
pub fn guess_content_type(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let Some((_, ext)) = name.rsplit_once('.') else {
        return DEFAULT_CONTENT_TYPE;
    };
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" | "mjs" | "cjs" => "text/javascript",
        "json" | "map" => "application/json",
        "jsonld" => "application/ld+json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml",
        "txt" | "text" => "text/plain",
        "csv" => "text/csv",
        "md" | "markdown" => "text/markdown",
        "yaml" | "yml" => "application/yaml",
        "ics" => "text/calendar",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "tar" => "application/x-tar",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => DEFAULT_CONTENT_TYPE,
    }
}

/// `s` percent-encoded for a query string: every byte but ASCII letters,
/// digits and `-_.~` as `%XX`.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `tags` as the `x-amz-tagging` header wants them: `k1=v1&k2=v2`, keys
/// and values URL-encoded.
pub fn tagging_header(tags: &BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// True when `s` holds only characters S3 allows in tag keys and values:
/// letters, digits, white space and `_ . : / = + - @`.
pub fn tag_text(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_alphanumeric()
            || c.is_whitespace()
            || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
    })
}

/// What infra knows about content before uploading it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// The ETag S3 will give the object, quotes included.
    pub etag: String,
    /// The hexadecimal SHA256 of the content.
    pub sha256: String,
}

/// The fingerprint of content uploaded in one `PutObject`.
pub fn fingerprint_bytes(bytes: &[u8]) -> Fingerprint {
    Fingerprint {
        etag: format!("\"{}\"", hex(&Md5::digest(bytes))),
        sha256: hex(&Sha256::digest(bytes)),
    }
}

/// The ETag of a multipart upload whose parts have MD5s `parts`: the MD5
/// of the parts' MD5s, then `-<number of parts>`, quoted.
pub fn multipart_etag(parts: &[[u8; 16]]) -> String {
    let mut all = Md5::new();
    for p in parts {
        all.update(p);
    }
    format!("\"{}-{}\"", hex(&all.finalize()), parts.len())
}

/// Reads up to `limit` bytes from `r` into `buf` (cleared first), fewer
/// only at the end of the input.
fn read_chunk(r: &mut impl Read, buf: &mut Vec<u8>, limit: u64) -> io::Result<()> {
    buf.clear();
    r.take(limit).read_to_end(buf)?;
    Ok(())
}

/// The fingerprint of local file `path` as [`upload`] will send it: one
/// `PutObject` up to `threshold` bytes, else parts of [`PART_SIZE`].
///
/// # Errors
/// When the file cannot be read.
pub fn fingerprint_file(path: &str, threshold: u64) -> io::Result<Fingerprint> {
    let mut f = fs::File::open(path)?;
    let size = f.metadata()?.len();
    let mut sha = Sha256::new();
    let mut whole = Md5::new();
    let mut parts: Vec<[u8; 16]> = Vec::new();
    let mut buf = Vec::new();
    loop {
        read_chunk(&mut f, &mut buf, PART_SIZE)?;
        if buf.is_empty() && !parts.is_empty() {
            break;
        }
        sha.update(&buf);
        whole.update(&buf);
        parts.push(Md5::digest(&buf).into());
        if (buf.len() as u64) < PART_SIZE {
            break;
        }
    }
    let etag = if size > threshold {
        multipart_etag(&parts)
    } else {
        format!("\"{}\"", hex(&whole.finalize()))
    };
    Ok(Fingerprint {
        etag,
        sha256: hex(&sha.finalize()),
    })
}

/// The content bytes known from `m` without reading any file: `content`
/// or decoded `content_base64`; `None` when unknown or from `source`.
fn known_bytes(m: &Attrs) -> Result<Option<Vec<u8>>, Failure> {
    if let Some(s) = string(m, "content") {
        return Ok(Some(s.as_bytes().to_vec()));
    }
    if let Some(b) = string(m, "content_base64") {
        return STANDARD.decode(b).map(Some).map_err(|e| {
            error(format!(
                "`content_base64` of `{TYPE}` is not valid base64: {e}"
            ))
        });
    }
    Ok(None)
}

/// A string map attribute (`metadata`, `tags`) of `m`: `None` when null.
///
/// # Errors
/// When it or one of its values is unknown or not a string.
fn string_map(m: &Attrs, name: &str) -> Result<Option<BTreeMap<String, String>>, Failure> {
    let v = get(m, name);
    if v.is_null() {
        return Ok(None);
    }
    let Some(map) = v.as_mapping() else {
        return Err(error(format!(
            "`{name}` of `{TYPE}` must be a map of strings, got {}",
            v.describe()
        )));
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        match crate::object::peel(v) {
            Value::String(s) => {
                out.insert(k.clone(), s.clone());
            }
            Value::Null(_) => {}
            other => {
                return Err(error(format!(
                    "`{name}[{k:?}]` of `{TYPE}` must be a known string, got {}",
                    other.describe()
                )));
            }
        }
    }
    Ok(Some(out))
}

/// A string map as a value of type `map(string)`.
fn map_value(map: impl IntoIterator<Item = (String, String)>) -> Value {
    Value::Map(
        Type::String,
        map.into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// Everything a `PutObject` or `CreateMultipartUpload` sends but the
/// content.
#[derive(Clone, Debug)]
struct Put {
    bucket: String,
    key: String,
    content_type: String,
    cache_control: Option<String>,
    content_encoding: Option<String>,
    metadata: Option<HashMap<String, String>>,
    tagging: Option<String>,
    storage_class: String,
}

/// Applies the headers of a [`Put`] to a `PutObject` or
/// `CreateMultipartUpload` request builder (they share these setters).
macro_rules! with_put {
    ($builder:expr, $put:expr) => {{
        let put: &Put = $put;
        $builder
            .bucket(&put.bucket)
            .key(&put.key)
            .content_type(&put.content_type)
            .set_cache_control(put.cache_control.clone())
            .set_content_encoding(put.content_encoding.clone())
            .set_metadata(put.metadata.clone())
            .set_tagging(put.tagging.clone())
            .storage_class(StorageClass::from(put.storage_class.as_str()))
    }};
}

/// What an upload returned.
struct Uploaded {
    etag: Option<String>,
    version_id: Option<String>,
    /// The SHA256 of a `source` file's content as uploaded.
    sha256: Option<String>,
}

/// Uploads `bytes` in one `PutObject`.
async fn put_bytes(s3: &S3, put: &Put, bytes: Vec<u8>) -> Result<Uploaded, Failure> {
    let out = with_put!(s3.client.put_object(), put)
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| error(client::describe("PutObject", &e)))?;
    Ok(Uploaded {
        etag: out.e_tag().map(str::to_string),
        version_id: out.version_id().map(str::to_string),
        sha256: None,
    })
}

/// Reads the part of `path` that starts at `offset` (at most
/// [`PART_SIZE`] bytes), feeding it to `sha`.
fn read_part(path: &str, offset: u64, mut sha: Sha256) -> Result<(Vec<u8>, Sha256), Failure> {
    let cannot = |e: io::Error| error(format!("`{TYPE}`: cannot read `source` file `{path}`: {e}"));
    let mut f = fs::File::open(path).map_err(cannot)?;
    f.seek(SeekFrom::Start(offset)).map_err(cannot)?;
    let mut buf = Vec::new();
    read_chunk(&mut f, &mut buf, PART_SIZE).map_err(cannot)?;
    sha.update(&buf);
    Ok((buf, sha))
}

/// Uploads the parts of `path` under multipart upload `upload_id`,
/// returning them in order and the SHA256 of everything sent.
async fn upload_parts(
    s3: &S3,
    put: &Put,
    upload_id: &str,
    path: &str,
) -> Result<(Vec<CompletedPart>, String), Failure> {
    let mut parts = Vec::new();
    let mut sha = Sha256::new();
    let mut offset = 0u64;
    loop {
        let number = i32::try_from(parts.len() + 1).map_err(|_| {
            error(format!(
                "`{TYPE}`: `source` file `{path}` has too many parts"
            ))
        })?;
        let p = path.to_string();
        let (bytes, next) = blocking(TYPE, move || read_part(&p, offset, sha)).await?;
        sha = next;
        if bytes.is_empty() && !parts.is_empty() {
            break;
        }
        let len = bytes.len() as u64;
        let out = s3
            .client
            .upload_part()
            .bucket(&put.bucket)
            .key(&put.key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| error(client::describe("UploadPart", &e)))?;
        parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_string))
                .build(),
        );
        offset += len;
        if len < PART_SIZE {
            break;
        }
    }
    Ok((parts, hex(&sha.finalize())))
}

/// Uploads local file `path` as a multipart upload; aborts the upload
/// when a part or the completion fails.
async fn put_multipart(s3: &S3, put: &Put, path: &str) -> Result<Uploaded, Failure> {
    let created = with_put!(s3.client.create_multipart_upload(), put)
        .send()
        .await
        .map_err(|e| error(client::describe("CreateMultipartUpload", &e)))?;
    let Some(upload_id) = created.upload_id().map(str::to_string) else {
        return Err(error(
            "CreateMultipartUpload failed: the answer has no upload id",
        ));
    };
    let done = match upload_parts(s3, put, &upload_id, path).await {
        Ok((parts, sha256)) => s3
            .client
            .complete_multipart_upload()
            .bucket(&put.bucket)
            .key(&put.key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map(|out| Uploaded {
                etag: out.e_tag().map(str::to_string),
                version_id: out.version_id().map(str::to_string),
                sha256: Some(sha256),
            })
            .map_err(|e| error(client::describe("CompleteMultipartUpload", &e))),
        Err(e) => Err(e),
    };
    match done {
        Ok(u) => Ok(u),
        Err(mut diags) => {
            if let Err(e) = s3
                .client
                .abort_multipart_upload()
                .bucket(&put.bucket)
                .key(&put.key)
                .upload_id(&upload_id)
                .send()
                .await
            {
                diags.extend(error(format!(
                    "{}; the incomplete upload {upload_id} is left behind (abort it or let a lifecycle rule expire it)",
                    client::describe("AbortMultipartUpload", &e)
                )));
            }
            Err(diags)
        }
    }
}

/// Writes the object's content and headers: one `PutObject`, or a
/// multipart upload for a `source` file above the threshold.
async fn upload(s3: &S3, put: &Put, m: &Attrs) -> Result<Uploaded, Failure> {
    if let Some(bytes) = known_bytes(m)? {
        return put_bytes(s3, put, bytes).await;
    }
    let Some(path) = string(m, "source").map(str::to_string) else {
        return Err(error(format!(
            "`{TYPE}`: the content of `{}` is not known at apply time",
            put.key
        )));
    };
    let p = path.clone();
    let size = blocking(TYPE, move || {
        fs::metadata(&p)
            .map(|md| md.len())
            .map_err(|e| error(format!("`{TYPE}`: cannot read `source` file `{p}`: {e}")))
    })
    .await?;
    if size > multipart_threshold() {
        return put_multipart(s3, put, &path).await;
    }
    let p = path.clone();
    let bytes = blocking(TYPE, move || {
        fs::read(&p).map_err(|e| error(format!("`{TYPE}`: cannot read `source` file `{p}`: {e}")))
    })
    .await?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let mut done = put_bytes(s3, put, bytes).await?;
    done.sha256 = Some(sha256);
    Ok(done)
}

/// Replaces the object's tags with `tags` (`PutObjectTagging`, or
/// `DeleteObjectTagging` when there are none).
async fn put_tags(
    s3: &S3,
    bucket: &str,
    key: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), Failure> {
    if tags.is_empty() {
        s3.client
            .delete_object_tagging()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| error(client::describe("DeleteObjectTagging", &e)))?;
        return Ok(());
    }
    let mut set = Vec::new();
    for (k, v) in tags {
        set.push(
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| error(format!("PutObjectTagging: tag {k:?}: {e}")))?,
        );
    }
    let tagging = Tagging::builder()
        .set_tag_set(Some(set))
        .build()
        .map_err(|e| error(format!("PutObjectTagging: {e}")))?;
    s3.client
        .put_object_tagging()
        .bucket(bucket)
        .key(key)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| error(client::describe("PutObjectTagging", &e)))?;
    Ok(())
}

/// The bucket and key of `m`.
///
/// # Errors
/// When either is not a known string.
fn location(m: &Attrs) -> Result<(String, String), Failure> {
    match (owned(m, "bucket"), owned(m, "key")) {
        (Some(b), Some(k)) => Ok((b, k)),
        _ => Err(error(format!(
            "`{TYPE}` needs `bucket` and `key` to be known"
        ))),
    }
}

/// A string, or null.
fn opt_string(s: Option<String>) -> Value {
    s.map_or(Value::Null(Type::String), Value::String)
}

/// A string map attribute as read back: null when empty and `prior` was
/// null (so an unset argument stays unset), else the map.
fn read_map(prior: &Value, map: BTreeMap<String, String>) -> Value {
    if map.is_empty() && prior.is_null() {
        Value::Null(Type::Map(Box::new(Type::String)))
    } else {
        map_value(map)
    }
}

/// `aws_s3_object` as a [`ResourceType`] of the `aws` provider.
pub struct S3Object;

#[async_trait]
impl ResourceType<Session> for S3Object {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of `aws_s3_object`.
    fn schema(&self) -> ResourceSchema {
        let map = || Type::Map(Box::new(Type::String));
        ResourceSchema::new(
            "An object in an S3 bucket with the given content.",
            vec![
                (
                    "bucket",
                    Attribute::required(
                        Type::String,
                        "The name of the bucket to put the object in.",
                    )
                    .force_new(),
                ),
                (
                    "key",
                    Attribute::required(Type::String, "The object's key (its name in the bucket).")
                        .force_new(),
                ),
                (
                    "content",
                    Attribute::optional(
                        Type::String,
                        "The content as UTF-8 text. Set exactly one of `content`, `content_base64` and `source`.",
                    ),
                ),
                (
                    "content_base64",
                    Attribute::optional(
                        Type::String,
                        "The content as base64-encoded bytes, for binary content.",
                    ),
                ),
                (
                    "source",
                    Attribute::optional(
                        Type::String,
                        "The path of a local file to upload; files above 16 MiB go up in 8 MiB parts.",
                    ),
                ),
                (
                    "source_hash",
                    Attribute::computed(
                        Type::String,
                        "The hexadecimal SHA256 of the `source` file's content; a change updates the object.",
                    ),
                ),
                (
                    "content_type",
                    Attribute::optional_computed(
                        Type::String,
                        "The MIME type, e.g. \"text/html\"; guessed from the key's extension when unset, else application/octet-stream.",
                    ),
                ),
                (
                    "cache_control",
                    Attribute::optional(
                        Type::String,
                        "The Cache-Control header, e.g. \"max-age=3600\".",
                    ),
                ),
                (
                    "content_encoding",
                    Attribute::optional(
                        Type::String,
                        "The Content-Encoding header, e.g. \"gzip\" for content already compressed.",
                    ),
                ),
                (
                    "metadata",
                    Attribute::optional(
                        map(),
                        "User metadata (x-amz-meta-* headers); keys must be lower case.",
                    ),
                ),
                (
                    "tags",
                    Attribute::optional(map(), "Tags of the object, at most 10."),
                ),
                (
                    "storage_class",
                    Attribute::optional_computed(
                        Type::String,
                        "The storage class, e.g. \"STANDARD_IA\"; STANDARD by default.",
                    )
                    .one_of(STORAGE_CLASSES),
                ),
                (
                    "etag",
                    Attribute::computed(
                        Type::String,
                        "The object's ETag as S3 reports it, quotes included: the hex MD5 of the content for a single-part upload.",
                    ),
                ),
                (
                    "version_id",
                    Attribute::computed(
                        Type::String,
                        "The version id of the object in a versioned bucket; null otherwise.",
                    ),
                ),
                ("id", Attribute::computed(Type::String, "The object's key.")),
            ],
        )
    }

    /// Checks a configuration: exactly one of `content`, `content_base64` and
    /// `source`; valid base64; non-empty `bucket` and `key`; lower-case
    /// metadata keys; at most 10 tags with keys of 1-128 and values of at
    /// most 256 characters, of the characters S3 allows; a known storage
    /// class.
    fn validate(&self, _session: &Session, m: &Attrs) -> Vec<Diagnostic> {
        let mut out = check_content_args(TYPE, m, "upload a file");
        for name in ["bucket", "key", "source"] {
            if string(m, name) == Some("") {
                out.push(invalid(format!("`{name}` of `{TYPE}` must not be empty")));
            }
        }
        if let Some(meta) = get(m, "metadata").as_mapping() {
            for k in meta.keys() {
                if k.chars().any(|c| c.is_uppercase()) {
                    out.push(
                        invalid(format!(
                            "metadata key {k:?} of `{TYPE}` must be lower case"
                        ))
                        .with_help("S3 stores metadata keys in lower case; write them so to avoid a change in every plan."),
                    );
                }
            }
        }
        if let Some(tags) = get(m, "tags").as_mapping() {
            if tags.len() > MAX_TAGS {
                out.push(invalid(format!(
                    "`{TYPE}` has {} tags; S3 allows at most {MAX_TAGS} on an object",
                    tags.len()
                )));
            }
            for (k, v) in tags {
                let len = k.chars().count();
                if len == 0 || len > 128 {
                    out.push(invalid(format!(
                        "tag key {k:?} of `{TYPE}` must be 1 to 128 characters long"
                    )));
                }
                let value = crate::object::peel(v).as_str();
                if let Some(v) = value
                    && v.chars().count() > 256
                {
                    out.push(invalid(format!(
                        "the value of tag {k:?} of `{TYPE}` is longer than 256 characters"
                    )));
                }
                if !tag_text(k) || value.is_some_and(|v| !tag_text(v)) {
                    out.push(
                        invalid(format!(
                            "tag {k:?} of `{TYPE}` has a character S3 does not allow in tags"
                        ))
                        .with_help("Tags may hold letters, digits, spaces and `_ . : / = + - @`."),
                    );
                }
            }
        }
        if let Some(class) = string(m, "storage_class")
            && !STORAGE_CLASSES.contains(&class)
        {
            out.push(
                invalid(format!(
                    "`storage_class` of `{TYPE}` is {class:?}, not a storage class"
                ))
                .with_help(format!("Use one of {}.", STORAGE_CLASSES.join(", "))),
            );
        }
        out
    }

    /// Plans: `id` is the key; `content_type` is guessed from the key when
    /// unset; `storage_class` defaults to STANDARD; `source_hash` is the
    /// SHA256 of the `source` file when it can be read now (unknown
    /// otherwise). When the object has to be written again — it is new, an
    /// argument other than `tags` changed, or its stored `etag` is not the
    /// one the configured content gets (changed outside infra) — `etag` and
    /// `version_id` are unknown; otherwise they are kept.
    ///
    /// # Errors
    /// When `content_base64` is not base64.
    fn plan(
        &self,
        _session: &Session,
        schema: &ResourceSchema,
        request: PlanRequest<'_>,
    ) -> Result<PlannedState, Failure> {
        let guess_type = get(attrs(request.config, TYPE)?, "content_type").is_null();
        let prior = match request.prior {
            Some(p) => Some(attrs(p, TYPE)?.clone()),
            None => None,
        };
        let p = propose(
            schema,
            TYPE,
            request,
            &[("storage_class", Value::string(DEFAULT_STORAGE_CLASS))],
        )?;
        let mut m = p.attrs;
        let key = get(&m, "key").clone();
        set(&mut m, "id", key.clone());
        if guess_type {
            let guessed = match key.as_str() {
                Some(k) => Value::string(guess_content_type(k)),
                None => Value::Unknown(Type::String),
            };
            set(&mut m, "content_type", guessed);
        }
        let fingerprint = match known_bytes(&m)? {
            Some(bytes) => Some(fingerprint_bytes(&bytes)),
            None => match string(&m, "source") {
                Some(path) => fingerprint_file(path, multipart_threshold()).ok(),
                None => None,
            },
        };
        let source_hash = if get(&m, "source").is_null() {
            Value::Null(Type::String)
        } else {
            match &fingerprint {
                Some(f) => Value::string(f.sha256.clone()),
                None => Value::Unknown(Type::String),
            }
        };
        set(&mut m, "source_hash", source_hash);
        let rewrite = match (&prior, p.fresh) {
            (Some(prior), false) => {
                PUT_ARGS.iter().any(|n| !same(get(prior, n), get(&m, n)))
                    || fingerprint
                        .as_ref()
                        .is_some_and(|f| string(prior, "etag") != Some(f.etag.as_str()))
            }
            _ => true,
        };
        if rewrite {
            set(&mut m, "etag", Value::Unknown(Type::String));
            set(&mut m, "version_id", Value::Unknown(Type::String));
        }
        Ok(planned(schema, m))
    }

    /// Creates or updates (`PutObject` or a multipart upload when the plan
    /// says the object is written again; else `PutObjectTagging` when only the
    /// tags changed) or deletes (`DeleteObject`: the current version only; a
    /// missing object or bucket is fine) one object.
    ///
    /// # Errors
    /// Invalid arguments, an unreadable `source` file, or S3 refused:
    /// "PutObject failed: NoSuchBucket: The specified bucket does not exist".
    async fn apply(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
        let s3 = session.s3().await?;
        let Some(planned) = request.planned else {
            let Some(prior) = request.prior else {
                return Ok(None);
            };
            let (bucket, key) = location(attrs(&prior, TYPE)?)?;
            match s3
                .client
                .delete_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
            {
                Ok(_) => return Ok(None),
                Err(e) if client::status(&e) == Some(404) => return Ok(None),
                Err(e) => return Err(error(client::describe("DeleteObject", &e))),
            }
        };
        let mut m = into_attrs(planned, TYPE)?;
        check(self.validate(session, &m))?;
        let (bucket, key) = location(&m)?;
        let prior = match &request.prior {
            Some(p) => Some(attrs(p, TYPE)?),
            None => None,
        };
        let content_type =
            owned(&m, "content_type").unwrap_or_else(|| guess_content_type(&key).to_string());
        let storage_class =
            owned(&m, "storage_class").unwrap_or_else(|| DEFAULT_STORAGE_CLASS.to_string());
        let tags = string_map(&m, "tags")?.unwrap_or_default();
        let rewrite = match prior {
            None => true,
            Some(prior) => {
                get(&m, "etag").is_unknown()
                    || PUT_ARGS
                        .iter()
                        .filter(|n| **n != "source_hash")
                        .any(|n| !same(get(prior, n), get(&m, n)))
            }
        };
        if rewrite {
            let put = Put {
                bucket: bucket.clone(),
                key: key.clone(),
                content_type: content_type.clone(),
                cache_control: owned(&m, "cache_control"),
                content_encoding: owned(&m, "content_encoding"),
                metadata: string_map(&m, "metadata")?.map(|x| x.into_iter().collect()),
                tagging: (!tags.is_empty()).then(|| tagging_header(&tags)),
                storage_class: storage_class.clone(),
            };
            let done = upload(&s3, &put, &m).await?;
            set(&mut m, "etag", opt_string(done.etag));
            set(&mut m, "version_id", opt_string(done.version_id));
            if let Some(sha) = done.sha256 {
                set(&mut m, "source_hash", Value::String(sha));
            }
        } else if let Some(prior) = prior
            && !same(get(prior, "tags"), get(&m, "tags"))
        {
            put_tags(&s3, &bucket, &key, &tags).await?;
        }
        if get(&m, "source").is_null() {
            set(&mut m, "source_hash", Value::Null(Type::String));
        }
        set(&mut m, "id", Value::String(key));
        set(&mut m, "content_type", Value::String(content_type));
        set(&mut m, "storage_class", Value::String(storage_class));
        for name in ["etag", "version_id", "source_hash"] {
            if get(&m, name).is_unknown() {
                set(&mut m, name, Value::Null(Type::String));
            }
        }
        Ok(Some(finish(schema, m)))
    }

    /// Reads the object behind `state` (`HeadObject`, `GetObjectTagging`):
    /// `None` when it or its bucket is gone; otherwise `state` with the
    /// headers, metadata, tags, storage class, `etag` and `version_id` S3 has
    /// now. The content arguments are kept: a changed `etag` is what shows the
    /// content changed (see `plan`).
    ///
    /// # Errors
    /// When S3 cannot be asked (network, permissions).
    async fn read(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        let s3 = session.s3().await?;
        let mut m = into_attrs(state, TYPE)?;
        let (bucket, key) = location(&m)?;
        let head = match s3
            .client
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(h) => h,
            Err(e) if client::status(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(error(client::describe("HeadObject", &e))),
        };
        let tags = match s3
            .client
            .get_object_tagging()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(t) => t
                .tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect::<BTreeMap<_, _>>(),
            Err(e) if client::status(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(error(client::describe("GetObjectTagging", &e))),
        };
        set(&mut m, "etag", opt_string(head.e_tag().map(str::to_string)));
        set(
            &mut m,
            "version_id",
            opt_string(head.version_id().map(str::to_string)),
        );
        set(
            &mut m,
            "content_type",
            Value::string(head.content_type().unwrap_or(DEFAULT_CONTENT_TYPE)),
        );
        set(
            &mut m,
            "cache_control",
            opt_string(head.cache_control().map(str::to_string)),
        );
        set(
            &mut m,
            "content_encoding",
            opt_string(head.content_encoding().map(str::to_string)),
        );
        set(
            &mut m,
            "storage_class",
            Value::string(
                head.storage_class()
                    .map_or(DEFAULT_STORAGE_CLASS, StorageClass::as_str),
            ),
        );
        let metadata: BTreeMap<String, String> = head
            .metadata()
            .map(|x| x.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let v = read_map(get(&m, "metadata"), metadata);
        set(&mut m, "metadata", v);
        let v = read_map(get(&m, "tags"), tags);
        set(&mut m, "tags", v);
        set(&mut m, "id", Value::String(key));
        Ok(Some(finish(schema, m)))
    }

    /// Finds the object by its `bucket` and `key`, read as `import` reads
    /// it.
    async fn find(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        planned: Value,
    ) -> Result<Found, Failure> {
        find_by_identity(self, session, schema, &planned, &["bucket", "key"]).await
    }

    /// Imports the object named by `id`, `"BUCKET/KEY"` (the key may contain
    /// slashes): its state as `read` fills it, the content arguments null.
    ///
    /// # Errors
    /// A malformed id, or no such object: "object `b/k` does not exist".
    async fn import(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<Value, Failure> {
        let Some((bucket, key)) = id
            .split_once('/')
            .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        else {
            return Err(vec![
                Diagnostic::error(
                    "provider::error",
                    format!("`{TYPE}` import id {id:?} is not BUCKET/KEY"),
                )
                .with_help("Write the bucket name, a slash, then the object's key: \"my-bucket/path/to/file.txt\"."),
            ]);
        };
        let mut m = Attrs::new();
        m.insert("bucket".into(), Value::string(bucket));
        m.insert("key".into(), Value::string(key));
        match self.read(session, schema, finish(schema, m)).await? {
            Some(v) => Ok(v),
            None => Err(error(format!("object `{bucket}/{key}` does not exist"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Aws;
    use crate::framework::ProviderSpec;

    /// The `aws` provider's unconfigured context.
    fn session() -> Session {
        Aws::context()
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    fn plan_with(prior: Option<&Value>, config: &Value) -> Attrs {
        let s = S3Object.schema();
        let proposed = infra_engine::plan::propose_for(&s, prior, config);
        let p = S3Object
            .plan(
                &session(),
                &s,
                PlanRequest {
                    type_name: TYPE,
                    prior,
                    config,
                    proposed,
                    prior_private: &[],
                },
            )
            .expect("plan");
        attrs(&p.planned, TYPE).expect("object").clone()
    }

    #[test]
    fn guesses_content_types() {
        for (key, want) in [
            ("index.html", "text/html"),
            ("a/b/page.HTM", "text/html"),
            ("site.css", "text/css"),
            ("app.js", "text/javascript"),
            ("data.json", "application/json"),
            ("logo.png", "image/png"),
            ("photo.JPG", "image/jpeg"),
            ("photo.jpeg", "image/jpeg"),
            ("anim.gif", "image/gif"),
            ("icon.svg", "image/svg+xml"),
            ("notes.txt", "text/plain"),
            ("feed.xml", "application/xml"),
            ("doc.pdf", "application/pdf"),
            ("favicon.ico", "image/x-icon"),
            ("pic.webp", "image/webp"),
            ("font.woff2", "font/woff2"),
            ("font.woff", "font/woff"),
            ("archive.tar.gz", "application/gzip"),
            ("README", DEFAULT_CONTENT_TYPE),
            ("dir.d/noext", DEFAULT_CONTENT_TYPE),
            ("blob.bin", DEFAULT_CONTENT_TYPE),
        ] {
            assert_eq!(guess_content_type(key), want, "{key}");
        }
    }

    #[test]
    fn encodes_tags() {
        let mut tags = BTreeMap::new();
        tags.insert("env".to_string(), "prod".to_string());
        tags.insert("team name".to_string(), "a&b=c/d".to_string());
        assert_eq!(tagging_header(&tags), "env=prod&team%20name=a%26b%3Dc%2Fd");
        assert_eq!(url_encode("é~"), "%C3%A9~");
    }

    #[test]
    fn tag_characters() {
        assert!(tag_text("team name/x=1+2@y:z_.-é"));
        assert!(!tag_text("a&b"));
        assert!(!tag_text("50%"));
    }

    #[test]
    fn validate_checks_arguments() {
        let m = |pairs: &[(&str, Value)]| attrs(&obj(pairs), TYPE).expect("object").clone();
        let base = [("bucket", Value::string("b")), ("key", Value::string("k"))];
        let d = S3Object.validate(&session(), &m(&base));
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("needs one of"), "{}", d[0].message);
        let mut two = base.to_vec();
        two.push(("content", Value::string("x")));
        two.push(("source", Value::string("f")));
        let d = S3Object.validate(&session(), &m(&two));
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("only one of"), "{}", d[0].message);
        let mut bad = base.to_vec();
        bad.push(("content_base64", Value::string("not base64!")));
        bad.push((
            "metadata",
            map_value([("Author".to_string(), "me".to_string())]),
        ));
        bad.push(("storage_class", Value::string("CHEAP")));
        bad.push((
            "tags",
            map_value((0..11).map(|i| (format!("k{i}"), "v".to_string()))),
        ));
        let d = S3Object.validate(&session(), &m(&bad));
        assert_eq!(d.len(), 4, "{d:?}");
        let mut ok = base.to_vec();
        ok.push(("content", Value::Unknown(Type::String)));
        ok.push(("metadata", map_value([("a".to_string(), "b".to_string())])));
        assert!(S3Object.validate(&session(), &m(&ok)).is_empty());
    }

    #[test]
    fn plan_create_fills_defaults() {
        let config = obj(&[
            ("bucket", Value::string("b")),
            ("key", Value::string("site/index.html")),
            ("content", Value::string("hello")),
        ]);
        let m = plan_with(None, &config);
        assert_eq!(m["id"], Value::string("site/index.html"));
        assert_eq!(m["content_type"], Value::string("text/html"));
        assert_eq!(m["storage_class"], Value::string("STANDARD"));
        assert!(m["etag"].is_unknown());
        assert!(m["version_id"].is_unknown());
        assert!(m["source_hash"].is_null());
    }

    #[test]
    fn plan_keeps_etag_unless_content_or_etag_differs() {
        let config = obj(&[
            ("bucket", Value::string("b")),
            ("key", Value::string("k.txt")),
            ("content", Value::string("hello")),
        ]);
        let etag = fingerprint_bytes(b"hello").etag;
        assert_eq!(etag, "\"5d41402abc4b2a76b9719d911017c592\"");
        let mut prior = plan_with(None, &config);
        set(&mut prior, "etag", Value::string(etag.clone()));
        set(&mut prior, "version_id", Value::Null(Type::String));
        let prior = Value::Object(prior);
        let same_plan = plan_with(Some(&prior), &config);
        assert_eq!(same_plan["etag"], Value::string(etag));
        // Changed behind infra's back: the stored etag is another one.
        let mut drifted = attrs(&prior, TYPE).expect("object").clone();
        set(&mut drifted, "etag", Value::string("\"0000\""));
        let m = plan_with(Some(&Value::Object(drifted)), &config);
        assert!(m["etag"].is_unknown());
        // Changed content.
        let config2 = obj(&[
            ("bucket", Value::string("b")),
            ("key", Value::string("k.txt")),
            ("content", Value::string("bye")),
        ]);
        let m = plan_with(Some(&prior), &config2);
        assert!(m["etag"].is_unknown());
        // Tags only: the object is not written again.
        let config3 = obj(&[
            ("bucket", Value::string("b")),
            ("key", Value::string("k.txt")),
            ("content", Value::string("hello")),
            ("tags", map_value([("a".to_string(), "b".to_string())])),
        ]);
        let m = plan_with(Some(&prior), &config3);
        assert!(!m["etag"].is_unknown());
    }

    #[test]
    fn fingerprints_files_single_and_multipart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.bin");
        let data: Vec<u8> = (0..(PART_SIZE + 10)).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &data).expect("write");
        let p = path.to_string_lossy();
        let single = fingerprint_file(&p, u64::MAX).expect("read");
        assert_eq!(single, fingerprint_bytes(&data));
        let multi = fingerprint_file(&p, 1).expect("read");
        let split = usize::try_from(PART_SIZE).expect("usize");
        let parts: Vec<[u8; 16]> = vec![
            Md5::digest(&data[..split]).into(),
            Md5::digest(&data[split..]).into(),
        ];
        assert_eq!(multi.etag, multipart_etag(&parts));
        assert!(multi.etag.ends_with("-2\""), "{}", multi.etag);
        assert_eq!(multi.sha256, single.sha256);
    }

    #[test]
    fn plan_hashes_readable_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("page.css");
        fs::write(&path, "body{}").expect("write");
        let config = obj(&[
            ("bucket", Value::string("b")),
            ("key", Value::string("k")),
            ("source", Value::string(path.to_string_lossy())),
        ]);
        let m = plan_with(None, &config);
        assert_eq!(
            m["source_hash"],
            Value::string(hex(&Sha256::digest(b"body{}")))
        );
        let missing = obj(&[
            ("bucket", Value::string("b")),
            ("key", Value::string("k")),
            (
                "source",
                Value::string(dir.path().join("nope").to_string_lossy()),
            ),
        ]);
        assert!(plan_with(None, &missing)["source_hash"].is_unknown());
    }
}
