//! `aws_s3_object` and the data sources `aws_s3_object`, `aws_s3_objects`
//! and `aws_s3_bucket` end to end against the local S3-compatible server
//! (`ci/s3-test-server.sh`): the real binary applies configurations, and a
//! second client ([`s3::Other`]) makes the buckets, checks what infra put
//! there and changes objects behind its back.

use crate::s3::{self, Other};
use crate::support::{Run, Workdir, assert_contains};
use infra_lang::Value;
use infra_lang::value::ValueMap;
use std::collections::BTreeMap;

/// A new bucket made by the other client.
fn new_bucket(o: &Other, prefix: &str) -> String {
    let b = s3::bucket(prefix);
    o.rt.block_on(o.client.create_bucket().bucket(&b).send())
        .unwrap_or_else(|e| panic!("create bucket {b}: {e:?}"));
    b
}

/// The content of `bucket/key`, or `None` when there is no such object.
fn body(o: &Other, bucket: &str, key: &str) -> Option<Vec<u8>> {
    o.rt.block_on(async {
        let got = o.client.get_object().bucket(bucket).key(key).send().await;
        match got {
            Ok(out) => Some(
                out.body
                    .collect()
                    .await
                    .expect("read the body")
                    .into_bytes()
                    .to_vec(),
            ),
            Err(e) => {
                let text = format!("{e:?}");
                assert!(text.contains("NoSuchKey"), "GetObject {key}: {text}");
                None
            }
        }
    })
}

/// The content of `bucket/key` as text (panics when missing).
fn text(o: &Other, bucket: &str, key: &str) -> String {
    let b = body(o, bucket, key).unwrap_or_else(|| panic!("no object {bucket}/{key}"));
    String::from_utf8(b).expect("UTF-8")
}

/// `HeadObject` of `bucket/key`.
fn head(
    o: &Other,
    bucket: &str,
    key: &str,
) -> aws_sdk_s3::operation::head_object::HeadObjectOutput {
    o.rt.block_on(o.client.head_object().bucket(bucket).key(key).send())
        .unwrap_or_else(|e| panic!("HeadObject {bucket}/{key}: {e:?}"))
}

/// The tags of `bucket/key`.
fn tags(o: &Other, bucket: &str, key: &str) -> BTreeMap<String, String> {
    o.rt.block_on(o.client.get_object_tagging().bucket(bucket).key(key).send())
        .unwrap_or_else(|e| panic!("GetObjectTagging {bucket}/{key}: {e:?}"))
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// Puts `content` at `bucket/key` with the other client.
fn put(o: &Other, bucket: &str, key: &str, content: &str, content_type: &str) {
    o.rt.block_on(
        o.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .body(content.as_bytes().to_vec().into())
            .send(),
    )
    .unwrap_or_else(|e| panic!("PutObject {bucket}/{key}: {e:?}"));
}

/// The provider block and `body` as one configuration.
fn config(body: &str) -> String {
    format!("{}\n{body}", s3::provider_block())
}

/// `plan --detailed-exitcode`, which must exit `code`.
fn plan(w: &Workdir, code: i32) -> Run {
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], code)
}

/// An object with text content, metadata and tags.
fn site_object(bucket: &str, key: &str, content: &str, tags: &str) -> String {
    config(&format!(
        r#"
resource "aws_s3_object" "page" {{
  bucket        = "{bucket}"
  key           = "{key}"
  content       = "{content}"
  cache_control = "max-age=60"
  metadata = {{
    author = "infra"
  }}
  tags = {{
    {tags}
  }}
}}
"#
    ))
}

#[test]
fn object_create_update_replace_and_delete() {
    let o = Other::new();
    let b = new_bucket(&o, "obj-life");
    let w = Workdir::new(&site_object(
        &b,
        "site/index.html",
        "<h1>hi</h1>",
        "env = \"test\"\n    \"team name\" = \"a+b=c/d\"",
    ));
    let created = w.apply().stdout;
    assert_contains(&created, "aws_s3_object.page: Creation complete after ");
    assert_eq!(text(&o, &b, "site/index.html"), "<h1>hi</h1>");
    let h = head(&o, &b, "site/index.html");
    assert_eq!(h.content_type(), Some("text/html"));
    assert_eq!(h.cache_control(), Some("max-age=60"));
    assert_eq!(
        h.metadata()
            .and_then(|m| m.get("author"))
            .map(String::as_str),
        Some("infra")
    );
    assert_eq!(
        tags(&o, &b, "site/index.html"),
        BTreeMap::from([
            ("env".to_string(), "test".to_string()),
            ("team name".to_string(), "a+b=c/d".to_string()),
        ])
    );
    let a = w.attributes("aws_s3_object.page");
    assert_eq!(a["id"], "site/index.html");
    assert_eq!(a["content_type"], "text/html");
    assert_eq!(a["storage_class"], "STANDARD");
    assert_eq!(a["etag"], h.e_tag().expect("etag"));
    let again = plan(&w, 0);
    assert_contains(&again.stdout, "No changes.");

    // New content: an update in place, the same key written again.
    w.config(&site_object(
        &b,
        "site/index.html",
        "<h1>bye</h1>",
        "env = \"test\"",
    ));
    let p = plan(&w, 2);
    assert_contains(&p.stdout, "# aws_s3_object.page will be updated in-place");
    assert_contains(&p.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    w.apply();
    assert_eq!(text(&o, &b, "site/index.html"), "<h1>bye</h1>");
    assert_eq!(
        tags(&o, &b, "site/index.html"),
        BTreeMap::from([("env".to_string(), "test".to_string())])
    );
    plan(&w, 0);

    // Tags only.
    w.config(&site_object(
        &b,
        "site/index.html",
        "<h1>bye</h1>",
        "env = \"prod\"\n    \"team name\" = \"a_b@c:d\"",
    ));
    let etag = w.attributes("aws_s3_object.page")["etag"].clone();
    let p = plan(&w, 2);
    assert_contains(&p.stdout, "will be updated in-place");
    w.apply();
    assert_eq!(
        tags(&o, &b, "site/index.html"),
        BTreeMap::from([
            ("env".to_string(), "prod".to_string()),
            ("team name".to_string(), "a_b@c:d".to_string()),
        ])
    );
    assert_eq!(w.attributes("aws_s3_object.page")["etag"], etag);
    plan(&w, 0);

    // A new key replaces the object.
    w.config(&site_object(
        &b,
        "site/home.html",
        "<h1>bye</h1>",
        "env = \"prod\"",
    ));
    let p = plan(&w, 2);
    assert_contains(&p.stdout, "must be replaced");
    assert_contains(&p.stdout, "Plan: 1 to add, 0 to change, 1 to destroy.");
    w.apply();
    assert_eq!(body(&o, &b, "site/index.html"), None);
    assert_eq!(text(&o, &b, "site/home.html"), "<h1>bye</h1>");

    // Removed from the configuration: deleted.
    w.config(&s3::provider_block());
    let out = w.apply().stdout;
    assert_contains(&out, "Resources: 0 added, 0 changed, 1 destroyed.");
    assert_eq!(body(&o, &b, "site/home.html"), None);
    assert!(w.state_list().is_empty());
}

#[test]
fn object_changed_behind_our_back_is_put_back() {
    let o = Other::new();
    let b = new_bucket(&o, "obj-drift");
    let w = Workdir::new(&config(&format!(
        r#"
resource "aws_s3_object" "x" {{
  bucket  = "{b}"
  key     = "config.json"
  content = jsonencode({{ debug = false }})
}}
"#
    )));
    w.apply();
    assert_eq!(text(&o, &b, "config.json"), r#"{"debug":false}"#);
    assert_eq!(
        head(&o, &b, "config.json").content_type(),
        Some("application/json")
    );
    plan(&w, 0);
    put(
        &o,
        &b,
        "config.json",
        r#"{"debug":true}"#,
        "application/json",
    );
    let p = plan(&w, 2);
    assert_contains(&p.stdout, "# aws_s3_object.x will be updated in-place");
    assert_contains(&p.stdout, "etag");
    w.apply();
    assert_eq!(text(&o, &b, "config.json"), r#"{"debug":false}"#);
    plan(&w, 0);

    // Deleted behind our back: created again.
    o.rt.block_on(
        o.client
            .delete_object()
            .bucket(&b)
            .key("config.json")
            .send(),
    )
    .expect("delete");
    let p = plan(&w, 2);
    assert_contains(&p.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
    w.apply();
    assert_eq!(text(&o, &b, "config.json"), r#"{"debug":false}"#);
}

#[test]
fn source_file_change_is_an_update() {
    let o = Other::new();
    let b = new_bucket(&o, "obj-source");
    let w = Workdir::new(&config(&format!(
        r#"
resource "aws_s3_object" "css" {{
  bucket = "{b}"
  key    = "assets/site.css"
  source = "files/site.css"
}}

resource "aws_s3_object" "logo" {{
  bucket         = "{b}"
  key            = "logo.png"
  content_base64 = "iVBORw0KGgo="
  content_type   = "image/x-custom"
  storage_class  = "STANDARD_IA"
}}
"#
    )));
    w.write("files/site.css", "body { color: red }\n");
    w.apply();
    assert_eq!(text(&o, &b, "assets/site.css"), "body { color: red }\n");
    assert_eq!(
        head(&o, &b, "assets/site.css").content_type(),
        Some("text/css")
    );
    let logo = head(&o, &b, "logo.png");
    assert_eq!(logo.content_type(), Some("image/x-custom"));
    assert_eq!(
        logo.storage_class().map(|c| c.as_str()),
        Some("STANDARD_IA")
    );
    assert_eq!(
        body(&o, &b, "logo.png").expect("logo"),
        b"\x89PNG\r\n\x1a\n".to_vec()
    );
    let hash = w.attributes("aws_s3_object.css")["source_hash"].clone();
    assert_eq!(hash.as_str().map(str::len), Some(64), "{hash}");
    plan(&w, 0);

    w.write("files/site.css", "body { color: blue }\n");
    let p = plan(&w, 2);
    assert_contains(&p.stdout, "# aws_s3_object.css will be updated in-place");
    assert_contains(&p.stdout, "source_hash");
    assert_contains(&p.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    w.apply();
    assert_eq!(text(&o, &b, "assets/site.css"), "body { color: blue }\n");
    assert_ne!(w.attributes("aws_s3_object.css")["source_hash"], hash);
    plan(&w, 0);
}

/// Runs `infra ARGS...` in `w` with the multipart threshold lowered to
/// 1 MiB, expecting exit status `code`.
fn with_low_threshold(w: &Workdir, args: &[&str], code: i32) -> Run {
    let out = w
        .command(args)
        .env("INFRA_AWS_MULTIPART_THRESHOLD", "1048576")
        .output()
        .expect("run infra");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(
        r.code, code,
        "infra {args:?} exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    r
}

#[test]
fn large_source_goes_up_in_parts() {
    let o = Other::new();
    let b = new_bucket(&o, "obj-multipart");
    let w = Workdir::new(&config(&format!(
        r#"
resource "aws_s3_object" "big" {{
  bucket = "{b}"
  key    = "big.bin"
  source = "big.bin"
  tags = {{
    size = "large"
  }}
}}
"#
    )));
    // Two parts of the 8 MiB part size: 8 MiB and 1 MiB + 3 bytes.
    let data: Vec<u8> = (0..(9 * 1024 * 1024 + 3))
        .map(|i: u32| (i % 251) as u8)
        .collect();
    std::fs::write(w.path().join("big.bin"), &data).expect("write big.bin");
    with_low_threshold(&w, &["apply", "--auto-approve", "--no-color"], 0);
    let h = head(&o, &b, "big.bin");
    assert_eq!(h.content_length(), Some(data.len() as i64));
    let etag = h.e_tag().expect("etag");
    assert!(etag.ends_with("-2\""), "not a two-part upload: {etag}");
    assert_eq!(w.attributes("aws_s3_object.big")["etag"], etag);
    assert_eq!(
        tags(&o, &b, "big.bin"),
        BTreeMap::from([("size".to_string(), "large".to_string())])
    );
    assert!(
        body(&o, &b, "big.bin").expect("object") == data,
        "content differs"
    );
    // The plan computes the same multipart ETag: nothing to do.
    let p = with_low_threshold(&w, &["plan", "--no-color", "--detailed-exitcode"], 0);
    assert_contains(&p.stdout, "No changes.");
    let uploads =
        o.rt.block_on(o.client.list_multipart_uploads().bucket(&b).send())
            .expect("list uploads");
    assert!(uploads.uploads().is_empty(), "uploads left behind");
}

#[test]
fn invalid_configurations_are_rejected() {
    let w = Workdir::new(&config(
        r#"
resource "aws_s3_object" "x" {
  bucket         = "b"
  key            = "k"
  content        = "a"
  content_base64 = "not base64!"
  metadata = {
    Author = "me"
  }
  tags = {
    "a&b" = "c"
  }
}
"#,
    ));
    let r = w.expect(&["plan", "--no-color"], 1);
    let all = crate::support::unwrapped(&format!("{}{}", r.stdout, r.stderr));
    assert_contains(
        &all,
        "takes only one of `content`, `content_base64` and `source`",
    );
    assert_contains(&all, "is not valid base64");
    assert_contains(&all, "metadata key \"Author\"");
    assert_contains(&all, "has a character S3 does not allow in tags");
}

#[test]
fn data_sources_read_objects_listings_and_buckets() {
    let o = Other::new();
    let b = new_bucket(&o, "obj-data");
    put(&o, &b, "a/1.txt", "one", "text/plain");
    put(&o, &b, "a/2.txt", "two", "text/plain");
    put(&o, &b, "b/x.png", "\u{1}PNG", "image/png");
    put(&o, &b, "top.json", "{}", "application/json");
    o.rt.block_on(
        o.client
            .put_object_tagging()
            .bucket(&b)
            .key("a/1.txt")
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .tag_set(
                        aws_sdk_s3::types::Tag::builder()
                            .key("k")
                            .value("v")
                            .build()
                            .expect("tag"),
                    )
                    .build()
                    .expect("tagging"),
            )
            .send(),
    )
    .expect("tag a/1.txt");
    let w = Workdir::new(&config(&format!(
        r#"
data "aws_s3_object" "text" {{
  bucket = "{b}"
  key    = "a/1.txt"
}}

data "aws_s3_object" "image" {{
  bucket = "{b}"
  key    = "b/x.png"
}}

data "aws_s3_objects" "top" {{
  bucket    = "{b}"
  delimiter = "/"
}}

data "aws_s3_objects" "under_a" {{
  bucket   = "{b}"
  prefix   = "a/"
  max_keys = 1
}}

data "aws_s3_objects" "all" {{
  bucket = "{b}"
}}

data "aws_s3_bucket" "b" {{
  bucket = "{b}"
}}

output "text" {{
  value = data.aws_s3_object.text
}}
output "image" {{
  value = data.aws_s3_object.image
}}
output "top" {{
  value = data.aws_s3_objects.top
}}
output "under_a" {{
  value = data.aws_s3_objects.under_a.keys
}}
output "all" {{
  value = data.aws_s3_objects.all.keys
}}
output "bucket" {{
  value = data.aws_s3_bucket.b
}}
"#
    )));
    w.apply();
    let out: serde_json::Value =
        serde_json::from_str(&w.expect(&["output", "--json"], 0).stdout).expect("JSON");
    let t = &out["text"]["value"];
    assert_eq!(t["body"], "one");
    assert_eq!(t["content_type"], "text/plain");
    assert_eq!(t["content_length"], 3);
    assert_eq!(t["tags"]["k"], "v");
    assert_eq!(t["etag"], head(&o, &b, "a/1.txt").e_tag().expect("etag"));
    let modified = t["last_modified"].as_str().expect("last_modified");
    assert!(
        modified.len() >= 20 && modified.ends_with('Z') && modified.contains('T'),
        "{modified}"
    );
    let i = &out["image"]["value"];
    assert_eq!(i["body"], serde_json::Value::Null);
    assert_eq!(i["content_type"], "image/png");
    assert_eq!(i["content_length"], 4);
    let top = &out["top"]["value"];
    assert_eq!(top["keys"], serde_json::json!(["top.json"]));
    assert_eq!(top["common_prefixes"], serde_json::json!(["a/", "b/"]));
    assert_eq!(out["under_a"]["value"], serde_json::json!(["a/1.txt"]));
    assert_eq!(
        out["all"]["value"],
        serde_json::json!(["a/1.txt", "a/2.txt", "b/x.png", "top.json"])
    );
    let bk = &out["bucket"]["value"];
    assert_eq!(bk["id"], b.as_str());
    assert_eq!(bk["arn"], format!("arn:aws:s3:::{b}"));
    assert_eq!(bk["region"], "us-east-1");
    assert_eq!(bk["bucket_domain_name"], format!("{b}.s3.amazonaws.com"));
    assert_eq!(
        bk["bucket_regional_domain_name"],
        format!("{b}.s3.us-east-1.amazonaws.com")
    );
}

#[test]
fn listing_follows_continuation_tokens() {
    let o = Other::new();
    let b = new_bucket(&o, "obj-pages");
    for i in 0..1005 {
        put(&o, &b, &format!("k{i:04}"), "x", "text/plain");
    }
    let w = Workdir::new(&config(&format!(
        r#"
data "aws_s3_objects" "all" {{
  bucket   = "{b}"
  max_keys = 1003
}}
output "n" {{
  value = length(data.aws_s3_objects.all.keys)
}}
output "last" {{
  value = data.aws_s3_objects.all.keys[1002]
}}
"#
    )));
    w.apply();
    let out: serde_json::Value =
        serde_json::from_str(&w.expect(&["output", "--json"], 0).stdout).expect("JSON");
    assert_eq!(out["n"]["value"], 1003);
    assert_eq!(out["last"]["value"], "k1002");
}

#[test]
fn missing_bucket_is_reported() {
    let b = s3::bucket("obj-missing");
    let w = Workdir::new(&config(&format!(
        "data \"aws_s3_bucket\" \"b\" {{\n  bucket = \"{b}\"\n}}\n"
    )));
    let r = w.expect(&["plan", "--no-color"], 1);
    let all = crate::support::unwrapped(&format!("{}{}", r.stdout, r.stderr));
    assert_contains(&all, &format!("bucket {b} does not exist"));
}

/// The `aws` provider itself, configured for the test server.
fn provider(o: &Other) -> infra_providers::aws::AwsProvider {
    use infra_engine::provider::Provider;
    let p = infra_providers::aws::AwsProvider::new();
    let settings = [
        ("region", "us-east-1".to_string()),
        ("endpoint", s3::endpoint()),
        ("access_key", "testing".to_string()),
        ("secret_key", "testing".to_string()),
    ];
    let config = Value::Object(
        settings
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect(),
    );
    o.rt.block_on(p.configure(config)).expect("configure");
    p
}

/// Attribute `name` of state object `v`.
fn attr<'a>(v: &'a Value, name: &str) -> &'a Value {
    match v {
        Value::Object(m) => m
            .get(name)
            .unwrap_or_else(|| panic!("no `{name}` in {v:?}")),
        Value::Sensitive(inner) => attr(inner, name),
        other => panic!("not an object: {other:?}"),
    }
}

/// Plans `config` of `aws_s3_object` over `prior` as the engine does.
fn plan_object(
    p: &infra_providers::aws::AwsProvider,
    prior: Option<&Value>,
    config: &Value,
) -> Value {
    use infra_engine::provider::{PlanRequest, Provider};
    let schema = &p.schema().resources["aws_s3_object"];
    let proposed = infra_engine::plan::propose_for(schema, prior, config);
    p.plan(PlanRequest {
        type_name: "aws_s3_object",
        prior,
        config,
        proposed,
        prior_private: &[],
    })
    .expect("plan")
    .planned
}

/// A `source` file above the real threshold (16 MiB), through the
/// provider directly: three parts of 8, 8 and 1 MiB, an ETag the plan
/// predicts, nothing left to do after a refresh; import; then a delete.
#[test]
fn provider_uploads_a_large_source_in_parts() {
    use infra_engine::provider::{ApplyRequest, Provider};
    use infra_providers::aws::s3_object::{MULTIPART_THRESHOLD, PART_SIZE};
    let o = Other::new();
    let b = new_bucket(&o, "obj-parts");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    let len = usize::try_from(MULTIPART_THRESHOLD + PART_SIZE / 8).expect("size");
    let data: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &data).expect("write");
    let p = provider(&o);
    let schema = p.schema().resources["aws_s3_object"].clone();
    let mut config: ValueMap = schema
        .attributes
        .iter()
        .map(|(n, a)| (n.clone(), Value::Null(a.ty.clone())))
        .collect();
    config.insert("bucket".into(), Value::string(b.clone()));
    config.insert("key".into(), Value::string("data/big.bin"));
    config.insert("source".into(), Value::string(path.to_string_lossy()));
    let config = Value::Object(config);
    assert!(p.validate("aws_s3_object", &config).is_empty());
    let planned = plan_object(&p, None, &config);
    assert!(attr(&planned, "etag").is_unknown());
    let state =
        o.rt.block_on(p.apply(ApplyRequest {
            type_name: "aws_s3_object".into(),
            prior: None,
            planned: Some(planned),
            ..ApplyRequest::default()
        }))
        .expect("apply")
        .state
        .expect("state");
    let h = head(&o, &b, "data/big.bin");
    assert_eq!(h.content_length(), Some(data.len() as i64));
    assert_eq!(h.content_type(), Some("application/octet-stream"));
    let etag = h.e_tag().expect("etag");
    assert!(etag.ends_with("-3\""), "not a three-part upload: {etag}");
    assert_eq!(attr(&state, "etag"), &Value::string(etag));
    assert!(
        body(&o, &b, "data/big.bin").expect("object") == data,
        "content differs"
    );
    let refreshed =
        o.rt.block_on(p.read("aws_s3_object", state.clone(), &[]))
            .expect("read")
            .expect("exists")
            .value;
    let again = plan_object(&p, Some(&refreshed), &config);
    assert_eq!(
        attr(&again, "etag"),
        &Value::string(etag),
        "plans an upload again"
    );
    let uploads =
        o.rt.block_on(o.client.list_multipart_uploads().bucket(&b).send())
            .expect("list uploads");
    assert!(uploads.uploads().is_empty(), "uploads left behind");
    // Import by BUCKET/KEY: everything but the content arguments.
    let imported =
        o.rt.block_on(p.import("aws_s3_object", &format!("{b}/data/big.bin")))
            .expect("import")
            .remove(0)
            .object
            .value;
    for name in [
        "bucket",
        "key",
        "id",
        "etag",
        "content_type",
        "storage_class",
    ] {
        assert_eq!(attr(&imported, name), attr(&refreshed, name), "{name}");
    }
    assert!(attr(&imported, "source").is_null());
    let missing =
        o.rt.block_on(p.import("aws_s3_object", &format!("{b}/nope")))
            .expect_err("no such object");
    assert!(
        missing[0].message.contains("does not exist"),
        "{}",
        missing[0].message
    );
    let bad =
        o.rt.block_on(p.import("aws_s3_object", "no-slash"))
            .expect_err("bad id");
    assert!(bad[0].message.contains("BUCKET/KEY"), "{}", bad[0].message);
    let gone =
        o.rt.block_on(p.apply(ApplyRequest {
            type_name: "aws_s3_object".into(),
            prior: Some(state),
            planned: None,
            ..ApplyRequest::default()
        }))
        .expect("delete");
    assert!(gone.state.is_none());
    assert_eq!(body(&o, &b, "data/big.bin"), None);
    let read_gone =
        o.rt.block_on(p.read("aws_s3_object", refreshed, &[]))
            .expect("read");
    assert!(read_gone.is_none());
}
