//! The `aws_kms` key provider of the `encryption` block against the local
//! server's KMS (moto): state and saved plans encrypted with KMS data keys
//! (OpenTofu's metadata: the encrypted data key), a wrong key refused with
//! the state untouched, rotation from `pbkdf2` through a `fallback`, and
//! its arguments checked.

use crate::s3::{Services, endpoint};
use crate::support::{Run, Workdir, assert_contains};

const PASS: &str = "a passphrase long enough";

/// A password, a sensitive output and `extra`.
fn resources(extra: &str) -> String {
    format!(
        r#"
resource "random_password" "db" {{
  length  = 24
  special = false
}}
output "password" {{
  value     = random_password.db.result
  sensitive = true
}}
{extra}
"#
    )
}

/// The `aws_kms` key provider `main` for `key_id`.
fn kms_provider(key_id: &str) -> String {
    format!(
        r#"
    key_provider "aws_kms" "main" {{
      kms_key_id = "{key_id}"
      key_spec   = "AES_256"
      region     = "us-east-1"
      endpoints {{
        kms = "{}"
      }}
    }}"#,
        endpoint()
    )
}

/// State and plans encrypted with AES-GCM under a KMS data key of `key_id`.
fn kms_config(key_id: &str, extra: &str) -> String {
    format!(
        r#"
terraform {{
  encryption {{
    {}
    method "aes_gcm" "main" {{
      keys = key_provider.aws_kms.main
    }}
    state {{
      method   = method.aes_gcm.main
      enforced = true
    }}
    plan {{
      method = method.aes_gcm.main
    }}
  }}
}}
{}"#,
        kms_provider(key_id),
        resources(extra)
    )
}

fn text(w: &Workdir, rel: &str) -> String {
    w.read_text(rel).unwrap_or_else(|| panic!("no {rel}"))
}

fn envelope(text: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(text).expect("JSON");
    assert_eq!(doc["encryption_version"], "v0", "{text}");
    doc
}

fn secret(w: &Workdir) -> String {
    let s = w
        .expect(&["output", "password", "--raw", "--show-sensitive"], 0)
        .stdout;
    assert_eq!(s.chars().count(), 24, "{s:?}");
    s
}

fn clean(r: &Run, secret: &str) {
    assert!(
        !r.stdout.contains(secret) && !r.stderr.contains(secret),
        "the secret was printed:\n{}\n{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn aws_kms_encrypts_state_and_plans_with_kms_data_keys() {
    let kms = Services::new();
    let key = kms.kms_key();
    let w = Workdir::new(&kms_config(&key, ""));
    let r = w.apply();
    let pw = secret(&w);
    clean(&r, &pw);
    let state = text(&w, ".infra/state.json");
    assert!(!state.contains(&pw), "the password is in the state file");
    let doc = envelope(&state);
    let meta = doc["meta"]["key_provider.aws_kms.main"]
        .as_str()
        .expect("aws_kms metadata");
    let meta: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, meta).expect("base64"),
    )
    .expect("OpenTofu's keyMeta JSON");
    assert!(
        meta["ciphertext_blob"]
            .as_str()
            .is_some_and(|b| b.len() > 20),
        "{meta}"
    );
    // Every command reads it back.
    let plan = w.expect(&["plan"], 0);
    assert_contains(&plan.stdout, "No changes.");
    clean(&plan, &pw);
    assert_eq!(w.state_list(), ["random_password.db"]);
    // A saved plan is encrypted under a KMS data key too, and applies.
    w.config(&kms_config(
        &key,
        r#"resource "random_id" "x" { byte_length = 4 }"#,
    ));
    w.expect(&["plan", "-out", "tfplan"], 0);
    envelope(&text(&w, "tfplan"));
    clean(&w.expect(&["apply", "tfplan"], 0), &pw);
    assert_eq!(secret(&w), pw);
    let before = w.read(".infra/state.json").expect("state");
    assert!(!String::from_utf8_lossy(&before).contains(&pw));
    // Another key (or a key id that is none) is refused; nothing changes.
    let other = kms.kms_key();
    for wrong in [other.as_str(), "00000000-0000-0000-0000-000000000000"] {
        w.config(&kms_config(
            wrong,
            r#"resource "random_id" "x" { byte_length = 4 }"#,
        ));
        for args in [&["plan"][..], &["apply", "--auto-approve"]] {
            let r = w.expect(args, 1);
            assert_contains(&r.stderr, "state::decrypt-failed");
            assert_contains(&r.stderr, "key_provider.aws_kms.main");
            assert_contains(&r.stderr, "IncorrectKeyException");
            clean(&r, &pw);
        }
        assert_eq!(w.read(".infra/state.json").expect("state"), before);
    }
}

#[test]
fn a_kms_key_that_does_not_exist_fails_the_write_and_keeps_the_state() {
    let kms = Services::new();
    let key = kms.kms_key();
    let w = Workdir::new(&kms_config(&key, ""));
    w.apply();
    let pw = secret(&w);
    let before = w.read(".infra/state.json").expect("state");
    // An alias names no key: reading works (KMS finds the key from the
    // blob), the first write cannot get a data key.
    w.config(&format!(
        "{}\n",
        kms_config(
            "alias/no-such-key",
            r#"resource "random_id" "x" { byte_length = 4 }"#
        )
    ));
    let r = w.run(&["apply", "--auto-approve"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert_contains(&r.stderr, "GenerateDataKey failed: NotFoundException");
    clean(&r, &pw);
    assert_eq!(w.read(".infra/state.json").expect("state"), before);
    for entry in std::fs::read_dir(w.path().join(".infra"))
        .expect("dir")
        .flatten()
    {
        let body = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&body).contains(&pw),
            "{} holds the password",
            entry.path().display()
        );
    }
}

#[test]
fn rotation_from_pbkdf2_to_aws_kms_through_a_fallback() {
    let kms = Services::new();
    let key = kms.kms_key();
    let pbkdf2 = format!(
        r#"
    key_provider "pbkdf2" "old" {{
      passphrase = "{PASS}"
      iterations = 200000
    }}"#
    );
    let w = Workdir::new(&format!(
        r#"
terraform {{
  encryption {{
    {pbkdf2}
    method "aes_gcm" "old" {{ keys = key_provider.pbkdf2.old }}
    state {{ method = method.aes_gcm.old }}
  }}
}}
{}"#,
        resources("")
    ));
    w.apply();
    let pw = secret(&w);
    let meta_keys = |w: &Workdir| -> Vec<String> {
        envelope(&text(w, ".infra/state.json"))["meta"]
            .as_object()
            .expect("meta")
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(meta_keys(&w), ["key_provider.pbkdf2.old"]);
    // KMS first, the passphrase as the fallback: the next write re-encrypts.
    w.config(&format!(
        r#"
terraform {{
  encryption {{
    {pbkdf2}
    {}
    method "aes_gcm" "old" {{ keys = key_provider.pbkdf2.old }}
    method "aes_gcm" "new" {{ keys = key_provider.aws_kms.main }}
    state {{
      method = method.aes_gcm.new
      fallback {{ method = method.aes_gcm.old }}
    }}
  }}
}}
{}"#,
        kms_provider(&key),
        resources(r#"resource "random_id" "x" { byte_length = 4 }"#)
    ));
    w.apply();
    assert_eq!(meta_keys(&w), ["key_provider.aws_kms.main"]);
    assert!(!text(&w, ".infra/state.json").contains(&pw));
    let backup = text(&w, ".infra/state.json.backup");
    assert!(!backup.contains(&pw));
    envelope(&backup);
    // The fallback dropped: KMS alone reads it.
    w.config(&kms_config(
        &key,
        r#"resource "random_id" "x" { byte_length = 4 }"#,
    ));
    assert_contains(&w.expect(&["plan"], 0).stdout, "No changes.");
    assert_eq!(secret(&w), pw);
}

#[test]
fn aws_kms_arguments_are_checked() {
    let w = Workdir::new(
        r#"
terraform {
  encryption {
    key_provider "aws_kms" "k" {
      kms_key_id  = "alias/state"
      assume_role = { role_arn = "arn:aws:iam::1:role/x" }
      endpoints {
        sts = "http://127.0.0.1:1"
      }
    }
    method "aes_gcm" "m" { keys = key_provider.aws_kms.k }
    state { method = method.aes_gcm.m }
  }
}
"#,
    );
    let r = w.expect(&["validate"], 1);
    for needle in [
        "needs `key_spec`",
        "`assume_role` of `key_provider \"aws_kms\"` is not supported",
        "has no argument `sts`",
    ] {
        assert_contains(&r.stderr, needle);
    }
    w.config(
        r#"
terraform {
  encryption {
    key_provider "aws_kms" "k" {
      kms_key_id = "alias/state"
      key_spec   = "RSA_2048"
      region     = "us-east-1"
    }
    method "aes_gcm" "m" { keys = key_provider.aws_kms.k }
    state { method = method.aes_gcm.m }
  }
}
"#,
    );
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "encryption::invalid");
    assert_contains(
        &r.stderr,
        "invalid key_spec \"RSA_2048\", expected one of AES_256, AES_128",
    );
}
