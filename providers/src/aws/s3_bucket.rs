//! `aws_s3_bucket`: an S3 bucket and its sub-configurations — tags,
//! versioning, default encryption, lifecycle rules, CORS rules, static
//! website hosting, public access block and policy.
//!
//! Create applies every sub-configuration (and deletes the new bucket
//! again if one fails, so nothing is left behind unrecorded); update
//! changes only the sub-configurations that changed; read fills every
//! attribute from S3, so drift in any of them is seen. A sub-configuration
//! the configuration leaves unset is not managed: S3's defaults read back
//! as unset. `policy` is compared as JSON (whitespace, key order and
//! one-element lists never cause a diff). Delete refuses a non-empty
//! bucket unless `force_destroy`, which first deletes every object
//! version and delete marker.

use super::bucket_settings as bs;
use super::client::{describe, error_code, status};
use super::policy;
use super::{Session, find_by_identity};
use crate::framework::ResourceType;
use crate::object::{
    Attrs, attrs, boolean, finish, get, into_attrs, invalid, planned, propose, same, set, string,
    unknown_string,
};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
};
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, Found, PlanRequest, PlannedState, ResourceSchema, error,
};
use infra_lang::{Diagnostic, Type, Value};

/// The resource type name.
pub const TYPE: &str = "aws_s3_bucket";

/// The prefix of generated bucket names when neither `bucket` nor
/// `bucket_prefix` is set.
pub const DEFAULT_PREFIX: &str = "infra-";

/// Why `name` is not a valid bucket name, if it is not (S3's rules for
/// new buckets: 3-63 characters of lowercase letters, digits, dots and
/// hyphens, starting and ending with a letter or digit).
pub fn name_problem(name: &str) -> Option<String> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&name.len()) {
        Some(format!(
            "must be 3 to 63 characters long, got {}",
            name.len()
        ))
    } else if !name.chars().all(ok_char) {
        Some("may contain only lowercase letters, digits, dots and hyphens".into())
    } else if !edge(name.chars().next()) || !edge(name.chars().last()) {
        Some("must start and end with a letter or digit".into())
    } else {
        None
    }
}

/// `arn`, `id` and `bucket_domain_name` of bucket `name`.
fn set_names(m: &mut Attrs, name: &str) {
    set(m, "id", Value::string(name));
    set(m, "arn", Value::string(format!("arn:aws:s3:::{name}")));
    set(
        m,
        "bucket_domain_name",
        Value::string(format!("{name}.s3.amazonaws.com")),
    );
}

fn set_region(m: &mut Attrs, name: &str, region: &str) {
    set(m, "region", Value::string(region));
    set(
        m,
        "bucket_regional_domain_name",
        Value::string(format!("{name}.s3.{region}.amazonaws.com")),
    );
}

/// A unique bucket name: `prefix` and 20 random lowercase hex digits.
fn generated_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}", &id[..20])
}

/// The sub-configurations in the order they are written, with the call
/// that writes each (a null or empty value removes it).
const SETTINGS: [&str; 8] = [
    "tags",
    "versioning",
    "server_side_encryption",
    "lifecycle_rule",
    "cors_rule",
    "website",
    "public_access_block",
    "policy",
];

/// Writes sub-configuration `name` of bucket `b` to `v`.
async fn put_setting(c: &Client, b: &str, name: &str, v: &Value) -> Result<(), String> {
    match name {
        "tags" => bs::put_tags(c, b, v).await,
        "versioning" => {
            let enabled = v
                .as_mapping()
                .and_then(|m| boolean(m, "enabled"))
                .unwrap_or(false);
            bs::put_versioning(c, b, enabled).await
        }
        "server_side_encryption" => bs::put_encryption(c, b, v).await,
        "lifecycle_rule" => bs::put_lifecycle(c, b, v).await,
        "cors_rule" => bs::put_cors(c, b, v).await,
        "website" => bs::put_website(c, b, v).await,
        "public_access_block" => bs::put_public_access_block(c, b, v).await,
        "policy" => bs::put_policy(c, b, v).await,
        _ => Ok(()),
    }
}

/// True when `v` is null or an empty collection: nothing to write on
/// create.
fn is_empty(v: &Value) -> bool {
    let v = crate::object::peel(v);
    v.is_null()
        || v.as_sequence().is_some_and(<[Value]>::is_empty)
        || v.as_mapping()
            .is_some_and(|m| m.is_empty() && matches!(v, Value::Map(..)))
}

async fn create(c: &Client, schema: &ResourceSchema, mut m: Attrs) -> Result<Value, Failure> {
    let name = match string(&m, "bucket") {
        Some(n) => n.to_string(),
        None => generated_name(string(&m, "bucket_prefix").unwrap_or(DEFAULT_PREFIX)),
    };
    let region = c.config().region().map_or_else(
        || super::client::DEFAULT_REGION.to_string(),
        |r| r.to_string(),
    );
    // us-east-1 answers CreateBucket of a bucket this account owns with
    // success; taking over an existing bucket silently would put it under
    // infra's management (and `destroy`) unnoticed, so ask first.
    if c.head_bucket().bucket(&name).send().await.is_ok() {
        return Err(vec![
            Diagnostic::error(
                "provider::error",
                format!("CreateBucket failed: BucketAlreadyOwnedByYou: bucket {name} already exists in this account"),
            )
            .with_help("Pick another `bucket`, or bring the existing bucket under infra with `infra import aws_s3_bucket.NAME BUCKET`."),
        ]);
    }
    let mut req = c.create_bucket().bucket(&name);
    if region != "us-east-1" {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region.as_str()))
                .build(),
        );
    }
    req.send().await.map_err(|e| {
        let mut d = Diagnostic::error("provider::error", describe("CreateBucket", &e));
        if error_code(&e).as_deref() == Some("BucketAlreadyExists") {
            d = d.with_help("Bucket names are global across all AWS accounts: pick another `bucket`, or use `bucket_prefix` for a generated unique name.");
        }
        vec![d]
    })?;
    for setting in SETTINGS {
        let v = get(&m, setting).clone();
        if is_empty(&v) || (setting == "versioning" && !versioning_enabled(&v)) {
            continue;
        }
        if let Err(e) = put_setting(c, &name, setting, &v).await {
            // Leave nothing behind that state would not know of.
            let rollback = match c.delete_bucket().bucket(&name).send().await {
                Ok(_) => "the new bucket was deleted again".to_string(),
                Err(d) => format!(
                    "deleting the new bucket again failed too ({}); delete bucket {name} by hand or import it",
                    describe("DeleteBucket", &d)
                ),
            };
            return Err(error(format!("{e} ({rollback})")));
        }
    }
    set(&mut m, "bucket", Value::string(name.clone()));
    set_names(&mut m, &name);
    set_region(&mut m, &name, &region);
    Ok(finish(schema, m))
}

fn versioning_enabled(v: &Value) -> bool {
    v.as_mapping()
        .and_then(|m| boolean(m, "enabled"))
        .unwrap_or(false)
}

/// True when sub-configuration `name` differs between `a` and `b`
/// (policies compared as JSON).
fn differs(name: &str, a: &Attrs, b: &Attrs) -> bool {
    if name == "policy"
        && let (Some(x), Some(y)) = (string(a, name), string(b, name))
    {
        return !policy::equivalent(x, y);
    }
    !same(get(a, name), get(b, name))
}

async fn update(
    c: &Client,
    schema: &ResourceSchema,
    prior: &Attrs,
    mut m: Attrs,
) -> Result<Value, Failure> {
    let name = string(prior, "bucket")
        .ok_or_else(|| error("the prior state has no `bucket`"))?
        .to_string();
    for setting in SETTINGS {
        if differs(setting, prior, &m) {
            let v = get(&m, setting).clone();
            put_setting(c, &name, setting, &v)
                .await
                .map_err(|e| error(format!("{e} (settings before `{setting}` were updated)")))?;
        }
    }
    for computed in [
        "id",
        "arn",
        "region",
        "bucket_domain_name",
        "bucket_regional_domain_name",
    ] {
        if get(&m, computed).is_unknown() {
            set(&mut m, computed, get(prior, computed).clone());
        }
    }
    Ok(finish(schema, m))
}

async fn delete(c: &Client, prior: &Attrs) -> Result<(), Failure> {
    let name = string(prior, "bucket").ok_or_else(|| error("the prior state has no `bucket`"))?;
    if boolean(prior, "force_destroy") == Some(true) {
        empty_bucket(c, name).await?;
    }
    match c.delete_bucket().bucket(name).send().await {
        Ok(_) => Ok(()),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchBucket") => Ok(()),
        Err(e) if error_code(&e).as_deref() == Some("BucketNotEmpty") => Err(vec![
            Diagnostic::error("provider::error", describe("DeleteBucket", &e)).with_help(
                "The bucket still holds objects. Set `force_destroy = true` and apply it before destroying, or empty the bucket first.",
            ),
        ]),
        Err(e) => Err(error(describe("DeleteBucket", &e))),
    }
}

/// Deletes every object version and delete marker of bucket `name`, 1,000
/// per DeleteObjects call.
async fn empty_bucket(c: &Client, name: &str) -> Result<(), Failure> {
    let mut key_marker = None;
    let mut version_marker = None;
    loop {
        let page = c
            .list_object_versions()
            .bucket(name)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| error(describe("ListObjectVersions", &e)))?;
        let mut ids = Vec::new();
        for v in page.versions() {
            if let Some(k) = v.key() {
                ids.push((k.to_string(), v.version_id().map(str::to_string)));
            }
        }
        for d in page.delete_markers() {
            if let Some(k) = d.key() {
                ids.push((k.to_string(), d.version_id().map(str::to_string)));
            }
        }
        for chunk in ids.chunks(1000) {
            let objects: Vec<ObjectIdentifier> = chunk
                .iter()
                .filter_map(|(k, v)| {
                    ObjectIdentifier::builder()
                        .key(k)
                        .set_version_id(v.clone())
                        .build()
                        .ok()
                })
                .collect();
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| error(format!("DeleteObjects: {e}")))?;
            let out = c
                .delete_objects()
                .bucket(name)
                .delete(delete)
                .send()
                .await
                .map_err(|e| error(describe("DeleteObjects", &e)))?;
            if let Some(first) = out.errors().first() {
                return Err(error(format!(
                    "DeleteObjects failed for {} of {} objects, e.g. {:?}: {}",
                    out.errors().len(),
                    chunk.len(),
                    first.key().unwrap_or_default(),
                    first.code().unwrap_or("error")
                )));
            }
        }
        if page.is_truncated() == Some(true) {
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
        } else {
            return Ok(());
        }
    }
}

/// What S3 reports for `setting`, in the form the state had: a default or
/// empty answer stays unset when the state had it unset (and the state's
/// explicit "off" stays when S3 reports nothing); an equivalent policy
/// keeps the state's text.
fn as_configured(setting: &str, prior: &Value, real: Value) -> Value {
    let off = |v: &Value| match setting {
        "versioning" => !versioning_enabled(v),
        "server_side_encryption" => {
            v.is_null()
                || v.as_mapping().is_some_and(|m| {
                    string(m, "sse_algorithm") == Some("AES256") && get(m, "kms_key_id").is_null()
                })
        }
        "public_access_block" => {
            v.is_null()
                || v.as_mapping()
                    .is_some_and(|m| m.values().all(|f| matches!(f, Value::Bool(false))))
        }
        "policy" => v.is_null(),
        _ => is_empty(v),
    };
    if setting == "policy"
        && let (Some(p), Some(r)) = (prior.as_str(), real.as_str())
        && policy::equivalent(p, r)
    {
        return prior.clone();
    }
    if off(&real) && (prior.is_null() || off(prior)) {
        // S3's default (or nothing): report it as the state had it, unless
        // the state held a real setting (then the change is drift).
        return prior.clone();
    }
    real
}

/// `aws_s3_bucket` as a [`ResourceType`] of the `aws` provider.
pub struct S3Bucket;

#[async_trait]
impl ResourceType<Session> for S3Bucket {
    fn name(&self) -> &'static str {
        TYPE
    }

    /// The schema of `aws_s3_bucket`.
    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An S3 bucket with its tags, versioning, encryption, lifecycle, CORS, website, public access block and policy.",
            vec![
                (
                    "bucket",
                    Attribute::optional_computed(
                        Type::String,
                        "The bucket's name (3-63 lowercase letters, digits, dots and hyphens); generated from `bucket_prefix` when unset.",
                    )
                    .force_new(),
                ),
                (
                    "bucket_prefix",
                    Attribute::optional(
                        Type::String,
                        "A prefix for a generated unique name, used when `bucket` is unset.",
                    )
                    .force_new(),
                ),
                (
                    "force_destroy",
                    Attribute::optional_computed(
                        Type::Bool,
                        "Delete every object and object version when the bucket is destroyed (false: refuse to destroy a non-empty bucket).",
                    ),
                ),
                ("tags", Attribute::optional(bs::tags_type(), "Tags of the bucket, a map of strings.")),
                (
                    "versioning",
                    Attribute::optional(bs::versioning_type(), "`versioning { enabled = true }` keeps every version of every object."),
                ),
                (
                    "server_side_encryption",
                    Attribute::optional(
                        bs::encryption_type(),
                        "Default encryption: `sse_algorithm` \"AES256\" or \"aws:kms\" (with `kms_key_id`).",
                    ),
                ),
                (
                    "lifecycle_rule",
                    Attribute::optional(
                        bs::lifecycle_type(),
                        "Lifecycle rules (repeatable block): `id`, `prefix`, `enabled`, `expiration_days`, `noncurrent_version_expiration_days`.",
                    ),
                ),
                (
                    "cors_rule",
                    Attribute::optional(
                        bs::cors_type(),
                        "CORS rules (repeatable block): `allowed_methods`, `allowed_origins`, `allowed_headers`, `expose_headers`, `max_age_seconds`.",
                    ),
                ),
                (
                    "website",
                    Attribute::optional(bs::website_type(), "Static website hosting: `index_document`, `error_document`."),
                ),
                (
                    "public_access_block",
                    Attribute::optional(
                        bs::public_access_block_type(),
                        "Public access block flags: `block_public_acls`, `block_public_policy`, `ignore_public_acls`, `restrict_public_buckets`.",
                    ),
                ),
                (
                    "policy",
                    Attribute::optional(Type::String, "The bucket policy, a JSON document (compared as JSON, not as text)."),
                ),
                ("id", Attribute::computed(Type::String, "The bucket's name.")),
                ("arn", Attribute::computed(Type::String, "The bucket's ARN, `arn:aws:s3:::NAME`.")),
                ("region", Attribute::computed(Type::String, "The region the bucket lives in.")),
                (
                    "bucket_domain_name",
                    Attribute::computed(Type::String, "`NAME.s3.amazonaws.com`."),
                ),
                (
                    "bucket_regional_domain_name",
                    Attribute::computed(Type::String, "`NAME.s3.REGION.amazonaws.com`."),
                ),
            ],
        )
    }

    /// Checks a configuration: a valid name, not both `bucket` and
    /// `bucket_prefix`, a policy that is a JSON object, a known encryption
    /// algorithm, CORS methods S3 accepts.
    fn validate(&self, _session: &Session, m: &Attrs) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(b) = string(m, "bucket")
            && let Some(p) = name_problem(b)
        {
            out.push(
                invalid(format!("bucket name {b:?} {p}")).with_help("Use e.g. \"acme-site-logs\"."),
            );
        }
        if !get(m, "bucket").is_null() && !get(m, "bucket_prefix").is_null() {
            out.push(invalid(
                "`aws_s3_bucket` takes `bucket` or `bucket_prefix`, not both",
            ));
        }
        if let Some(p) = string(m, "bucket_prefix")
            && (p.len() > 37
                || !p
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'))
        {
            out.push(invalid(format!(
                "`bucket_prefix` {p:?} must be at most 37 lowercase letters, digits, dots and hyphens"
            )));
        }
        if let Some(p) = string(m, "policy")
            && let Some(problem) = policy::problem(p)
        {
            out.push(
                invalid(format!("`policy` of `aws_s3_bucket` is {problem}")).with_help(
                    "Build it with `jsonencode({ Version = \"2012-10-17\", Statement = [...] })`.",
                ),
            );
        }
        if let Some(e) = get(m, "server_side_encryption").as_mapping()
            && let Some(a) = string(e, "sse_algorithm")
            && !["AES256", "aws:kms", "aws:kms:dsse"].contains(&a)
        {
            out.push(invalid(format!(
                "`server_side_encryption.sse_algorithm` must be \"AES256\", \"aws:kms\" or \"aws:kms:dsse\", got {a:?}"
            )));
        }
        for rule in get(m, "cors_rule").as_sequence().unwrap_or(&[]) {
            let methods = rule
                .as_mapping()
                .map(|r| get(r, "allowed_methods"))
                .and_then(Value::as_sequence)
                .unwrap_or(&[]);
            for method in methods.iter().filter_map(Value::as_str) {
                if !["GET", "PUT", "POST", "DELETE", "HEAD"].contains(&method) {
                    out.push(invalid(format!(
                        "`cors_rule.allowed_methods` may hold GET, PUT, POST, DELETE and HEAD, got {method:?}"
                    )));
                }
            }
        }
        out
    }

    /// Plans: `force_destroy` false by default; the name, ARN and domain name
    /// known in the plan when `bucket` is set; a policy equivalent to the
    /// prior one keeps the prior text (so it never shows as a change).
    ///
    /// # Errors
    /// When the configuration is not an object.
    fn plan(
        &self,
        _session: &Session,
        schema: &ResourceSchema,
        request: PlanRequest<'_>,
    ) -> Result<PlannedState, Failure> {
        let prior_policy = request
            .prior
            .and_then(|p| attrs(p, TYPE).ok())
            .and_then(|p| string(p, "policy").map(str::to_string));
        let p = propose(
            schema,
            TYPE,
            request,
            &[("force_destroy", Value::Bool(false))],
        )?;
        let mut m = p.attrs;
        if let (Some(prior), Some(now)) = (&prior_policy, string(&m, "policy"))
            && policy::equivalent(prior, now)
        {
            set(&mut m, "policy", Value::string(prior.clone()));
        }
        if p.fresh {
            for name in [
                "id",
                "arn",
                "region",
                "bucket_domain_name",
                "bucket_regional_domain_name",
            ] {
                set(&mut m, name, unknown_string());
            }
            match string(&m, "bucket").map(str::to_string) {
                Some(name) => set_names(&mut m, &name),
                None if !get(&m, "bucket").is_unknown() => set(&mut m, "bucket", unknown_string()),
                None => {}
            }
        }
        Ok(planned(schema, m))
    }

    /// Creates, updates or deletes a bucket.
    ///
    /// # Errors
    /// The S3 call that failed, e.g. `CreateBucket failed:
    /// BucketAlreadyExists: ...`; `BucketNotEmpty` with a hint at
    /// `force_destroy`.
    async fn apply(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
        let s3 = session.s3().await?;
        let c = &s3.client;
        match (request.prior, request.planned) {
            (None, Some(planned)) => create(c, schema, into_attrs(planned, TYPE)?)
                .await
                .map(Some),
            (Some(prior), Some(planned)) => update(
                c,
                schema,
                &into_attrs(prior, TYPE)?,
                into_attrs(planned, TYPE)?,
            )
            .await
            .map(Some),
            (Some(prior), None) => delete(c, &into_attrs(prior, TYPE)?).await.map(|()| None),
            (None, None) => Ok(None),
        }
    }

    /// Reads bucket `state.bucket` from S3: every sub-configuration, the
    /// region; `None` when the bucket is gone. Values S3 reports for a
    /// sub-configuration the state leaves unset (no tags, suspended
    /// versioning, S3's default AES256 encryption) read as unset; a policy
    /// equivalent to the state's keeps the state's text.
    ///
    /// # Errors
    /// An S3 call that failed (other than "no such bucket").
    async fn read(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        let s3 = session.s3().await?;
        let prior = into_attrs(state, TYPE)?;
        let c = &s3.client;
        let name = string(&prior, "bucket")
            .ok_or_else(|| error("the state has no `bucket`"))?
            .to_string();
        match c.head_bucket().bucket(&name).send().await {
            Ok(_) => {}
            Err(e) if status(&e) == Some(404) || error_code(&e).as_deref() == Some("NotFound") => {
                return Ok(None);
            }
            Err(e) => return Err(error(describe("HeadBucket", &e))),
        }
        let (tags, versioning, encryption, lifecycle, cors, website, pab, pol, region) = tokio::join!(
            bs::get_tags(c, &name),
            bs::get_versioning(c, &name),
            bs::get_encryption(c, &name),
            bs::get_lifecycle(c, &name),
            bs::get_cors(c, &name),
            bs::get_website(c, &name),
            bs::get_public_access_block(c, &name),
            bs::get_policy(c, &name),
            bs::get_region(c, &name),
        );
        let mut m = prior.clone();
        let real = [
            ("tags", tags),
            ("versioning", versioning),
            ("server_side_encryption", encryption),
            ("lifecycle_rule", lifecycle),
            ("cors_rule", cors),
            ("website", website),
            ("public_access_block", pab),
            ("policy", pol),
        ];
        for (setting, value) in real {
            let value = value.map_err(error)?;
            set(
                &mut m,
                setting,
                as_configured(setting, get(&prior, setting), value),
            );
        }
        let region = region.map_err(error)?;
        set_names(&mut m, &name);
        set_region(&mut m, &name, &region);
        if get(&m, "force_destroy").is_null() {
            set(&mut m, "force_destroy", Value::Bool(false));
        }
        Ok(Some(finish(schema, m)))
    }

    /// Finds the bucket by its configured `bucket` name (a name generated
    /// from `bucket_prefix` at create time cannot be looked up:
    /// unsupported), read as `import` reads it.
    async fn find(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        planned: Value,
    ) -> Result<Found, Failure> {
        find_by_identity(self, session, schema, &planned, &["bucket"]).await
    }

    /// Imports bucket `id` (its name): reads everything from S3;
    /// `force_destroy` false.
    ///
    /// # Errors
    /// When the bucket does not exist or cannot be read.
    async fn import(
        &self,
        session: &Session,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<Value, Failure> {
        let mut m = Attrs::new();
        set(&mut m, "bucket", Value::string(id));
        self.read(session, schema, finish(schema, m))
            .await?
            .ok_or_else(|| error(format!("bucket {id:?} does not exist")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3_rules() {
        assert!(name_problem("acme-logs.1").is_none());
        assert!(name_problem("ab").is_some());
        assert!(name_problem("Acme").is_some());
        assert!(name_problem("-acme").is_some());
        assert!(name_problem(&"a".repeat(64)).is_some());
    }

    #[test]
    fn generated_names_are_valid_and_unique() {
        let a = generated_name("site-");
        assert!(a.starts_with("site-") && a.len() == 25, "{a}");
        assert!(name_problem(&a).is_none());
        assert_ne!(a, generated_name("site-"));
    }

    #[test]
    fn defaults_read_back_as_configured() {
        let aes = Value::Object(
            [
                ("sse_algorithm".to_string(), Value::string("AES256")),
                ("kms_key_id".to_string(), Value::Null(Type::String)),
            ]
            .into(),
        );
        let unset = Value::Null(Type::Any);
        assert_eq!(
            as_configured("server_side_encryption", &unset, aes.clone()),
            unset
        );
        let off = Value::Object([("enabled".to_string(), Value::Bool(false))].into());
        assert_eq!(
            as_configured("versioning", &off, Value::Null(Type::Any)),
            off
        );
        let on = Value::Object([("enabled".to_string(), Value::Bool(true))].into());
        assert_eq!(as_configured("versioning", &unset, on.clone()), on);
        let tags = Value::Map(Type::String, infra_lang::value::ValueMap::new());
        assert_eq!(as_configured("tags", &unset, tags), unset);
        let p1 = Value::string(r#"{"a":1,"b":[2]}"#);
        let p2 = Value::string("{ \"b\": 2, \"a\": 1 }");
        assert_eq!(as_configured("policy", &p1, p2), p1);
    }
}
