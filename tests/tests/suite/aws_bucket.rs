//! `aws_s3_bucket` end to end against the local S3-compatible server:
//! create with every sub-configuration and read each back with another
//! client, no diff on the next plan, in-place updates of what changed,
//! drift made by someone else, semantic policy comparison, replacement on
//! rename, `force_destroy` with versions and delete markers, S3 errors
//! named by operation and code, and provider aliases.

use crate::s3::{self, Other};
use crate::support::{Workdir, assert_contains};
use aws_sdk_s3::types::{BucketVersioningStatus, Tag, Tagging};

fn full_bucket(name: &str, env: &str, versioning: bool) -> String {
    format!(
        r#"{provider}
resource "aws_s3_bucket" "site" {{
  bucket = "{name}"
  tags   = {{ env = "{env}", team = "web" }}
  versioning {{
    enabled = {versioning}
  }}
  server_side_encryption {{
    sse_algorithm = "AES256"
  }}
  lifecycle_rule {{
    id              = "expire-logs"
    prefix          = "logs/"
    expiration_days = 30
  }}
  lifecycle_rule {{
    id                                 = "old-versions"
    noncurrent_version_expiration_days = 7
  }}
  cors_rule {{
    allowed_methods = ["GET", "HEAD"]
    allowed_origins = ["https://example.com"]
    max_age_seconds = 300
  }}
  website {{
    index_document = "index.html"
    error_document = "404.html"
  }}
  public_access_block {{
    block_public_acls   = true
    block_public_policy = false
  }}
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::{name}/*" }}]
  }})
}}

output "arn" {{
  value = aws_s3_bucket.site.arn
}}
"#,
        provider = s3::provider_block()
    )
}

#[test]
fn every_sub_configuration_is_created_read_back_and_stable() {
    let name = s3::bucket("full");
    let w = Workdir::new(&full_bucket(&name, "dev", true));
    let r = w.expect(&["apply", "--auto-approve"], 0);
    assert_contains(&r.stdout, &format!("arn = \"arn:aws:s3:::{name}\""));

    let o = Other::new();
    let c = &o.client;
    let tags =
        o.rt.block_on(c.get_bucket_tagging().bucket(&name).send())
            .expect("tags");
    let mut pairs: Vec<(String, String)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [("env".into(), "dev".into()), ("team".into(), "web".into())]
    );
    let v =
        o.rt.block_on(c.get_bucket_versioning().bucket(&name).send())
            .expect("versioning");
    assert_eq!(v.status(), Some(&BucketVersioningStatus::Enabled));
    let lc =
        o.rt.block_on(c.get_bucket_lifecycle_configuration().bucket(&name).send())
            .expect("lifecycle");
    assert_eq!(lc.rules().len(), 2);
    let cors =
        o.rt.block_on(c.get_bucket_cors().bucket(&name).send())
            .expect("cors");
    assert_eq!(cors.cors_rules()[0].allowed_methods(), ["GET", "HEAD"]);
    assert_eq!(cors.cors_rules()[0].max_age_seconds(), Some(300));
    let web =
        o.rt.block_on(c.get_bucket_website().bucket(&name).send())
            .expect("website");
    assert_eq!(web.index_document().map(|i| i.suffix()), Some("index.html"));
    let pab =
        o.rt.block_on(c.get_public_access_block().bucket(&name).send())
            .expect("public access block");
    let conf = pab
        .public_access_block_configuration()
        .expect("configuration");
    assert_eq!(conf.block_public_acls(), Some(true));
    assert_eq!(conf.block_public_policy(), Some(false));
    let policy =
        o.rt.block_on(c.get_bucket_policy().bucket(&name).send())
            .expect("policy");
    assert_contains(policy.policy().unwrap_or_default(), "s3:GetObject");
    let enc =
        o.rt.block_on(c.get_bucket_encryption().bucket(&name).send())
            .expect("encryption");
    assert!(enc.server_side_encryption_configuration().is_some());

    // Everything read back matches: no diff, and the state has it all.
    w.expect(&["plan", "--detailed-exitcode"], 0);
    let a = w.attributes("aws_s3_bucket.site");
    assert_eq!(a["region"], "us-east-1");
    assert_eq!(a["bucket_domain_name"], format!("{name}.s3.amazonaws.com"));
    assert_eq!(a["lifecycle_rule"][0]["prefix"], "logs/");
    assert_eq!(
        a["cors_rule"][0]["allowed_origins"][0],
        "https://example.com"
    );
    assert_eq!(a["website"]["error_document"], "404.html");
    assert_eq!(a["force_destroy"], false);
}

#[test]
fn changed_settings_are_updated_in_place() {
    let name = s3::bucket("upd");
    let w = Workdir::new(&full_bucket(&name, "dev", true));
    w.expect(&["apply", "--auto-approve"], 0);
    w.config(&full_bucket(&name, "prod", false));
    let plan = w.expect(&["plan", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "~ resource \"aws_s3_bucket\" \"site\"");
    assert_contains(&plan.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    w.expect(&["apply", "--auto-approve"], 0);
    let o = Other::new();
    let v =
        o.rt.block_on(o.client.get_bucket_versioning().bucket(&name).send())
            .expect("versioning");
    assert_eq!(v.status(), Some(&BucketVersioningStatus::Suspended));
    let tags =
        o.rt.block_on(o.client.get_bucket_tagging().bucket(&name).send())
            .expect("tags");
    assert!(
        tags.tag_set()
            .iter()
            .any(|t| t.key() == "env" && t.value() == "prod")
    );
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn tags_changed_by_someone_else_are_drift_and_put_back() {
    let name = s3::bucket("drift");
    let w = Workdir::new(&format!(
        "{}resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"{name}\"\n  tags = {{ owner = \"infra\" }}\n}}\n",
        s3::provider_block()
    ));
    w.expect(&["apply", "--auto-approve"], 0);
    let o = Other::new();
    let tagging = Tagging::builder()
        .tag_set(
            Tag::builder()
                .key("owner")
                .value("someone")
                .build()
                .expect("tag"),
        )
        .build()
        .expect("tagging");
    o.rt.block_on(
        o.client
            .put_bucket_tagging()
            .bucket(&name)
            .tagging(tagging)
            .send(),
    )
    .expect("retag");
    let plan = w.expect(&["plan", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "changed outside of infra");
    assert_contains(&plan.stdout, "\"someone\" -> \"infra\"");
    w.expect(&["apply", "--auto-approve"], 0);
    w.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn a_reformatted_policy_is_not_a_change() {
    let name = s3::bucket("pol");
    let compact = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{name}/*"}}]}}"#
    );
    let config = |policy: &str| {
        format!(
            "{}resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"{name}\"\n  policy = <<EOT\n{policy}\nEOT\n}}\n",
            s3::provider_block()
        )
    };
    let w = Workdir::new(&config(&compact));
    w.expect(&["apply", "--auto-approve"], 0);
    // Same document: other key order, whitespace, one-element lists.
    let pretty = format!(
        "{{\n  \"Statement\": [\n    {{\n      \"Resource\": [\"arn:aws:s3:::{name}/*\"],\n      \"Action\": [\"s3:GetObject\"],\n      \"Principal\": \"*\",\n      \"Effect\": \"Allow\"\n    }}\n  ],\n  \"Version\": \"2012-10-17\"\n}}"
    );
    w.config(&config(&pretty));
    w.expect(&["plan", "--detailed-exitcode"], 0);
    // A real change is one.
    w.config(&config(&compact.replace("s3:GetObject", "s3:ListBucket")));
    let plan = w.expect(&["plan", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "~ policy");
}

#[test]
fn renaming_a_bucket_replaces_it() {
    let a = s3::bucket("ren-a");
    let b = s3::bucket("ren-b");
    let config = |n: &str| {
        format!(
            "{}resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"{n}\"\n}}\n",
            s3::provider_block()
        )
    };
    let w = Workdir::new(&config(&a));
    w.expect(&["apply", "--auto-approve"], 0);
    w.config(&config(&b));
    let plan = w.expect(&["plan", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "-/+ resource \"aws_s3_bucket\" \"b\"");
    assert_contains(&plan.stdout, "# forces replacement");
    w.expect(&["apply", "--auto-approve"], 0);
    let o = Other::new();
    assert!(
        o.rt.block_on(o.client.head_bucket().bucket(&a).send())
            .is_err()
    );
    o.rt.block_on(o.client.head_bucket().bucket(&b).send())
        .expect("the new bucket exists");
}

#[test]
fn force_destroy_empties_every_version_and_delete_marker() {
    let name = s3::bucket("force");
    let config = |force: bool| {
        format!(
            "{}resource \"aws_s3_bucket\" \"b\" {{\n  bucket        = \"{name}\"\n  force_destroy = {force}\n  versioning {{\n    enabled = true\n  }}\n}}\n",
            s3::provider_block()
        )
    };
    let w = Workdir::new(&config(false));
    w.expect(&["apply", "--auto-approve"], 0);
    let o = Other::new();
    for body in ["one", "two", "three"] {
        o.rt.block_on(
            o.client
                .put_object()
                .bucket(&name)
                .key("file.txt")
                .body(body.as_bytes().to_vec().into())
                .send(),
        )
        .expect("put");
    }
    o.rt.block_on(
        o.client
            .delete_object()
            .bucket(&name)
            .key("file.txt")
            .send(),
    )
    .expect("delete marker");
    // Without force_destroy the bucket is kept, with a hint.
    let r = w.expect(&["destroy", "--auto-approve"], 1);
    assert_contains(&r.stderr, "DeleteBucket failed: BucketNotEmpty");
    assert_contains(&r.stderr, "force_destroy = true");
    assert_eq!(w.state_list(), ["aws_s3_bucket.b"]);
    // With it, every version goes.
    w.config(&config(true));
    w.expect(&["apply", "--auto-approve"], 0);
    w.expect(&["destroy", "--auto-approve"], 0);
    assert!(w.state_list().is_empty());
    assert!(
        o.rt.block_on(o.client.head_bucket().bucket(&name).send())
            .is_err(),
        "the bucket is gone"
    );
}

#[test]
fn s3_errors_name_the_address_operation_and_code() {
    let name = s3::bucket("taken");
    let o = Other::new();
    o.rt.block_on(o.client.create_bucket().bucket(&name).send())
        .expect("create");
    let w = Workdir::new(&format!(
        "{}resource \"aws_s3_bucket\" \"logs\" {{\n  bucket = \"{name}\"\n}}\n",
        s3::provider_block()
    ));
    let r = w.expect(&["apply", "--auto-approve"], 1);
    assert_contains(
        &r.stderr,
        "aws_s3_bucket.logs: CreateBucket failed: BucketAlreadyOwnedByYou",
    );
    assert!(w.state_list().is_empty());
}

#[test]
fn a_bucket_deleted_outside_infra_is_planned_again() {
    let name = s3::bucket("gone");
    let w = Workdir::new(&format!(
        "{}resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"{name}\"\n}}\n",
        s3::provider_block()
    ));
    w.expect(&["apply", "--auto-approve"], 0);
    let o = Other::new();
    o.rt.block_on(o.client.delete_bucket().bucket(&name).send())
        .expect("delete");
    let plan = w.expect(&["plan", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
}

#[test]
fn generated_names_and_provider_aliases() {
    let w = Workdir::new(&format!(
        r#"{p}
provider "aws" {{
  alias    = "second"
  region   = "us-east-1"
  endpoint = "{e}"
}}

resource "aws_s3_bucket" "a" {{
  bucket_prefix = "gen-"
}}

resource "aws_s3_bucket" "b" {{
  provider      = aws.second
  bucket_prefix = "alias-"
}}
"#,
        p = s3::provider_block(),
        e = s3::endpoint()
    ));
    w.expect(&["apply", "--auto-approve"], 0);
    let a = w.attributes("aws_s3_bucket.a");
    let name = a["bucket"].as_str().expect("generated name");
    assert!(name.starts_with("gen-") && name.len() == 24, "{name}");
    let state = w.state();
    let text = state.to_string();
    assert_contains(&text, "aws.second");
    w.expect(&["plan", "--detailed-exitcode"], 0);
    w.expect(&["destroy", "--auto-approve"], 0);
}

#[test]
fn an_undeclared_provider_alias_is_an_error() {
    let w = Workdir::new(&format!(
        "{}resource \"aws_s3_bucket\" \"b\" {{\n  provider = aws.nowhere\n  bucket   = \"x-unused\"\n}}\n",
        s3::provider_block()
    ));
    let r = w.expect(&["plan"], 1);
    assert_contains(
        &r.stderr,
        "provider configuration `aws.nowhere`, which is not declared",
    );
}

#[test]
fn validate_checks_bucket_blocks_without_network() {
    let w = Workdir::new(
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"Bad_Name\"\n  versionin {\n    enabled = true\n  }\n  policy = \"{not json\"\n}\n",
    );
    let r = w.expect(&["validate"], 1);
    assert_contains(&r.stderr, "Did you mean `versioning`?");
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "has no argument `versionin`");
}

#[test]
fn plan_snapshot_of_new_buckets() {
    // Planning a create needs no S3 call: this runs without the server.
    let dir = crate::support::data_dir("engine/plan_aws_bucket");
    let main = std::fs::read_to_string(dir.join("main.infra")).expect("main.infra");
    let w = Workdir::new(&main);
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2);
    assert_eq!(
        crate::support::without_elapsed(&r.stderr),
        "",
        "plan warned or failed"
    );
    insta::assert_snapshot!("plan_aws_bucket", r.stdout);
}

#[test]
fn import_brings_an_existing_bucket_and_object_under_management() {
    let name = s3::bucket("imp");
    let o = Other::new();
    o.rt.block_on(o.client.create_bucket().bucket(&name).send())
        .expect("create");
    o.rt.block_on(
        o.client
            .put_object()
            .bucket(&name)
            .key("index.html")
            .content_type("text/html")
            .body(b"<h1>hi</h1>".to_vec().into())
            .send(),
    )
    .expect("put");
    let w = Workdir::new(&format!(
        "{}resource \"aws_s3_bucket\" \"site\" {{\n  bucket = \"{name}\"\n  tags   = {{ owner = \"web\" }}\n}}\n\nresource \"aws_s3_object\" \"index\" {{\n  bucket  = aws_s3_bucket.site.bucket\n  key     = \"index.html\"\n  content = \"<h1>hi</h1>\"\n}}\n",
        s3::provider_block()
    ));
    // Not declared: refused, nothing written.
    let r = w.expect(&["import", "aws_s3_bucket.other", &name], 1);
    assert_contains(
        &r.stderr,
        "the configuration does not declare `aws_s3_bucket.other`",
    );
    let r = w.expect(&["import", "aws_s3_bucket.site", &name], 0);
    assert_contains(&r.stdout, "Import successful!");
    w.expect(
        &[
            "import",
            "aws_s3_object.index",
            &format!("{name}/index.html"),
        ],
        0,
    );
    assert_eq!(
        w.state_list(),
        ["aws_s3_bucket.site", "aws_s3_object.index"]
    );
    // Importing twice is refused.
    let r = w.expect(&["import", "aws_s3_bucket.site", &name], 1);
    assert_contains(&r.stderr, "already managed by infra");
    // The bucket lacks the tags; the object's content is not read back by
    // import (as in Terraform), so it is written once more. Nothing is
    // created or replaced.
    let plan = w.expect(&["plan", "--detailed-exitcode"], 2);
    assert_contains(&plan.stdout, "Plan: 0 to add, 2 to change, 0 to destroy.");
    w.expect(&["apply", "--auto-approve"], 0);
    w.expect(&["plan", "--detailed-exitcode"], 0);
    // A missing object is a clear error.
    let gone = Workdir::new(&format!(
        "{}resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"nope-{name}\"\n}}\n",
        s3::provider_block()
    ));
    let r = gone.expect(&["import", "aws_s3_bucket.b", &format!("nope-{name}")], 1);
    assert_contains(&r.stderr, "does not exist");
}
