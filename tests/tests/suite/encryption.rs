//! Client-side encryption of state, journal, backups and saved plans: the
//! `encryption` block of OpenTofu (`key_provider "pbkdf2"`/`"external"`,
//! `method "aes_gcm"`/`"unencrypted"`, `state`/`plan` targets with
//! `fallback` and `enforced`). Each test greps the files on disk for the
//! secret and checks that the commands still read what they wrote.

use crate::support::{Workdir, assert_contains};
use std::time::{Duration, Instant};

const PASS_A: &str = "first passphrase, long enough";
const PASS_B: &str = "second passphrase, also long";

/// A password and a sensitive output, plus `extra` resources.
fn resources(extra: &str) -> String {
    format!(
        r#"
variable "passphrase" {{
  type      = string
  sensitive = true
}}
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

/// A configuration whose state and plans are encrypted with AES-GCM from
/// the passphrase variable; `more` goes inside the `encryption` block's
/// `state` block (e.g. a `fallback`).
fn encrypted(extra: &str, more: &str) -> String {
    format!(
        r#"
terraform {{
  encryption {{
    key_provider "pbkdf2" "main" {{
      passphrase = var.passphrase
      iterations = 200000
    }}
    method "aes_gcm" "main" {{
      keys = key_provider.pbkdf2.main
    }}
    method "unencrypted" "migrate" {{}}
    state {{
      method = method.aes_gcm.main
      {more}
    }}
    plan {{
      method = method.aes_gcm.main
    }}
  }}
}}
{}"#,
        resources(extra)
    )
}

fn passphrase(w: &Workdir, p: &str) {
    w.write("infra.infravars", &format!("passphrase = \"{p}\"\n"));
}

fn bytes(w: &Workdir, rel: &str) -> Vec<u8> {
    w.read(rel).unwrap_or_else(|| panic!("no {rel}"))
}

fn text(w: &Workdir, rel: &str) -> String {
    String::from_utf8_lossy(&bytes(w, rel)).into_owned()
}

fn is_envelope(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|d| d["encryption_version"] == "v0" && d["encrypted_data"].is_string())
}

fn secret(w: &Workdir) -> String {
    let s = w
        .expect(&["output", "password", "--raw", "--show-sensitive"], 0)
        .stdout;
    assert_eq!(s.chars().count(), 24, "{s:?}");
    s
}

#[test]
fn encrypted_state_holds_no_secret_and_every_command_still_reads_it() {
    let w = Workdir::new(&encrypted("", ""));
    passphrase(&w, PASS_A);
    w.apply();
    let pw = secret(&w);
    let state = text(&w, ".infra/state.json");
    assert!(is_envelope(&state), "{state}");
    assert!(!state.contains(&pw), "the password is in the state file");
    let doc: serde_json::Value = serde_json::from_str(&state).expect("JSON");
    let meta = doc["meta"]["key_provider.pbkdf2.main"]
        .as_str()
        .expect("pbkdf2 metadata");
    let meta = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, meta).expect("base64"),
    )
    .expect("JSON text");
    assert_contains(&meta, "\"iterations\":200000");
    assert_contains(&meta, "\"hash_function\":\"sha512\"");
    assert_eq!(w.state_list(), ["random_password.db"]);
    assert_contains(&w.expect(&["plan"], 0).stdout, "No changes.");
    assert_eq!(w.attributes("random_password.db")["result"], pw.as_str());
    // A second write keeps the previous version as the backup, encrypted.
    w.config(&encrypted(
        r#"resource "random_id" "x" { byte_length = 4 }"#,
        "",
    ));
    w.apply();
    let backup = text(&w, ".infra/state.json.backup");
    assert!(is_envelope(&backup), "{backup}");
    assert!(!backup.contains(&pw));
    assert_eq!(secret(&w), pw);
}

#[test]
fn a_wrong_or_missing_passphrase_is_refused_and_leaves_the_state_untouched() {
    let w = Workdir::new(&encrypted("", ""));
    passphrase(&w, PASS_A);
    w.apply();
    let before = bytes(&w, ".infra/state.json");
    passphrase(&w, PASS_B);
    for args in [
        &["plan"][..],
        &["apply", "--auto-approve"],
        &["state", "list"],
    ] {
        let r = w.expect(args, 1);
        assert_contains(&r.stderr, "state::decrypt-failed");
        assert_contains(&r.stderr, "authentication failed");
        for p in [PASS_A, PASS_B] {
            assert!(
                !r.stderr.contains(p) && !r.stdout.contains(p),
                "{}",
                r.stderr
            );
        }
    }
    assert_eq!(bytes(&w, ".infra/state.json"), before);
    std::fs::remove_file(w.path().join("infra.infravars")).expect("remove the var file");
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "passphrase");
    assert_eq!(bytes(&w, ".infra/state.json"), before);
    // A tampered file: one byte of the ciphertext changed.
    passphrase(&w, PASS_A);
    let mut doc: serde_json::Value = serde_json::from_slice(&before).expect("JSON");
    let data = doc["encrypted_data"].as_str().expect("data").to_string();
    let flipped = if data.starts_with('A') { "B" } else { "A" };
    doc["encrypted_data"] = format!("{flipped}{}", &data[1..]).into();
    let tampered = doc.to_string();
    w.write(".infra/state.json", &tampered);
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "state::decrypt-failed");
    assert_eq!(text(&w, ".infra/state.json"), tampered);
}

#[test]
fn migration_to_encryption_and_back_never_leaves_a_plain_copy() {
    let w = Workdir::new(&resources(""));
    passphrase(&w, PASS_A);
    w.apply();
    let pw = secret(&w);
    assert!(text(&w, ".infra/state.json").contains(&pw));
    // Encrypted without a fallback: the plain state is refused, untouched.
    w.config(&encrypted("", ""));
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "state::decrypt-failed");
    assert_contains(&r.stderr, "`unencrypted`");
    // With `unencrypted` as the fallback, the next write encrypts, and
    // the backup of the plain version is encrypted too.
    let to_encrypted = "fallback {\n method = method.unencrypted.migrate\n }";
    w.config(&encrypted(
        r#"resource "random_id" "x" { byte_length = 4 }"#,
        to_encrypted,
    ));
    w.apply();
    for f in [".infra/state.json", ".infra/state.json.backup"] {
        let t = text(&w, f);
        assert!(is_envelope(&t), "{f}: {t}");
        assert!(!t.contains(&pw), "{f} holds the password");
    }
    assert_eq!(secret(&w), pw);
    // And back: `unencrypted` to write, the encrypted state read through
    // the `aes_gcm` fallback.
    let back = encrypted(r#"resource "random_id" "x" { byte_length = 4 }"#, "")
        .replace(
            "method = method.aes_gcm.main\n      \n",
            "method = method.unencrypted.migrate\n      fallback {\n method = method.aes_gcm.main\n }\n",
        );
    assert!(back.contains("fallback"), "{back}");
    w.config(&back.replace("resource \"random_id\" \"x\" { byte_length = 4 }", ""));
    w.apply();
    let plain = text(&w, ".infra/state.json");
    assert!(!is_envelope(&plain) && plain.contains(&pw), "{plain}");
    assert_eq!(secret(&w), pw);
}

#[test]
fn a_new_passphrase_with_the_old_one_as_fallback_rotates_the_key() {
    let w = Workdir::new(&encrypted("", ""));
    passphrase(&w, PASS_A);
    w.apply();
    let pw = secret(&w);
    let rotated = format!(
        r#"
terraform {{
  encryption {{
    key_provider "pbkdf2" "new" {{
      passphrase = var.new_passphrase
      iterations = 200000
    }}
    key_provider "pbkdf2" "main" {{
      passphrase = var.passphrase
      iterations = 200000
    }}
    method "aes_gcm" "new" {{ keys = key_provider.pbkdf2.new }}
    method "aes_gcm" "main" {{ keys = key_provider.pbkdf2.main }}
    state {{
      method = method.aes_gcm.new
      fallback {{ method = method.aes_gcm.main }}
    }}
  }}
}}
variable "new_passphrase" {{
  type      = string
  sensitive = true
}}
{}"#,
        resources(r#"resource "random_id" "x" { byte_length = 4 }"#)
    );
    w.config(&rotated);
    w.write(
        "infra.infravars",
        &format!("passphrase = \"{PASS_A}\"\nnew_passphrase = \"{PASS_B}\"\n"),
    );
    w.apply();
    let doc: serde_json::Value =
        serde_json::from_str(&text(&w, ".infra/state.json")).expect("JSON");
    let keys: Vec<&String> = doc["meta"].as_object().expect("meta").keys().collect();
    assert_eq!(keys, ["key_provider.pbkdf2.new"]);
    // The old passphrase alone no longer reads it; the new one does.
    w.config(&encrypted(
        r#"resource "random_id" "x" { byte_length = 4 }"#,
        "",
    ));
    passphrase(&w, PASS_A);
    w.expect(&["plan"], 1);
    passphrase(&w, PASS_B);
    let d = w.expect(&["plan"], 1);
    assert_contains(&d.stderr, "key_provider.pbkdf2.main");
    w.config(&encrypted(r#"resource "random_id" "x" { byte_length = 4 }"#, "").replace(
        "key_provider \"pbkdf2\" \"main\" {",
        "key_provider \"pbkdf2\" \"main\" {\n      encrypted_metadata_alias = \"key_provider.pbkdf2.new\"",
    ));
    assert_contains(&w.expect(&["plan"], 0).stdout, "No changes.");
    assert_eq!(secret(&w), pw);
}

#[test]
fn enforced_refuses_any_unencrypted_method() {
    let w = Workdir::new(&encrypted(
        "",
        "enforced = true\n fallback {\n method = method.unencrypted.migrate\n }",
    ));
    passphrase(&w, PASS_A);
    let r = w.expect(&["apply", "--auto-approve"], 1);
    assert_contains(&r.stderr, "encryption::unencrypted-forbidden");
    assert!(w.read(".infra/state.json").is_none());
    w.config(&encrypted("", "enforced = true"));
    w.apply();
    assert!(is_envelope(&text(&w, ".infra/state.json")));
}

#[test]
fn a_saved_plan_is_encrypted_and_applies() {
    let w = Workdir::new(&encrypted("", ""));
    passphrase(&w, PASS_A);
    w.expect(&["plan", "-out", "tfplan"], 0);
    let plan = text(&w, "tfplan");
    assert!(is_envelope(&plan), "{plan}");
    assert!(!plan.contains(PASS_A), "the plan file holds the passphrase");
    passphrase(&w, PASS_B);
    let r = w.expect(&["apply", "tfplan"], 1);
    assert_contains(&r.stderr, "plan::decrypt-failed");
    assert!(w.read(".infra/state.json").is_none());
    passphrase(&w, PASS_A);
    w.expect(&["apply", "tfplan"], 0);
    secret(&w);
}

#[test]
fn the_journal_of_a_killed_apply_is_encrypted_and_replays() {
    let w = Workdir::new(&encrypted(
        r#"
resource "test_fault" "slow" {
  input    = random_password.db.length
  sleep_ms = 60000
}
"#,
        "",
    ));
    passphrase(&w, PASS_A);
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    // The slow create starts once the password's completion is durable
    // in the journal, and then holds for a minute (`sleep_ms`: `after_ms`
    // holds only objects with a registry, so the apply could finish, and
    // remove its journal, before the kill).
    let start = Instant::now();
    while !apply.wait_for(Duration::from_millis(50), |l| {
        l.iter().any(|l| l.contains("test_fault.slow: Creating"))
    }) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            apply.seen.join("\n")
        );
    }
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
    let journal = text(&w, ".infra/state.json.journal");
    assert!(!journal.is_empty());
    for line in journal.lines() {
        assert!(is_envelope(line), "a plain journal line: {line}");
    }
    // The next command replays it: the password was recorded.
    let state = w.state();
    let pw = state["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["type"] == "random_password"))
        .map(|r| r["instances"][0]["attributes"]["result"].clone())
        .expect("the password was replayed from the journal");
    let pw = pw.as_str().expect("a string");
    assert!(!journal.contains(pw));
}

#[test]
fn an_external_key_provider_gives_the_key() {
    let w = Workdir::new(&format!(
        r#"
terraform {{
  encryption {{
    key_provider "external" "cmd" {{
      command = ["sh", "key.sh"]
    }}
    method "aes_gcm" "main" {{
      keys = key_provider.external.cmd
    }}
    state {{
      method = method.aes_gcm.main
    }}
  }}
}}
{}"#,
        resources("").replace("variable \"passphrase\"", "variable \"unused\"")
    ));
    // OpenTofu's test provider (keyprovider/external/testprovider).
    w.write(
        "key.sh",
        r#"echo '{"magic":"OpenTofu-External-Key-Provider","version":1}'
INPUT=$(cat)
if [ "$INPUT" = "null" ]; then
  echo '{"keys":{"encryption_key":"AQIDBAUGBwgJCgsMDQ4PEA=="},"meta":{"external_data":{}}}'
else
  echo '{"keys":{"encryption_key":"AQIDBAUGBwgJCgsMDQ4PEA==","decryption_key":"AQIDBAUGBwgJCgsMDQ4PEA=="},"meta":{"external_data":{}}}'
fi
"#,
    );
    w.write("infra.infravars", "unused = \"x\"\n");
    w.apply();
    let pw = secret(&w);
    let state = text(&w, ".infra/state.json");
    assert!(is_envelope(&state) && !state.contains(&pw), "{state}");
    assert_contains(&w.expect(&["plan"], 0).stdout, "No changes.");
    w.write("key.sh", "echo 'not the protocol'\n");
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "state::decrypt-failed");
    assert_contains(&r.stderr, "external key provider");
}

#[test]
fn unsupported_encryption_settings_are_diagnostics() {
    let w = Workdir::new(
        r#"
terraform {
  encryption {
    key_provider "gcp_kms" "k" {
      kms_encryption_key = "abc"
    }
    key_provider "pbkdf2" "p" {
      passphrase = "a passphrase of some length"
      chain      = key_provider.gcp_kms.k
    }
    method "external" "m" {}
    method "aes_gcm" "a" {
      keys = key_provider.pbkdf2.nope
    }
    remote_state_data_sources {}
    state {
      method = method.aes_gcm.missing
    }
    bogus {}
  }
}
"#,
    );
    let r = w.expect(&["validate"], 1);
    for needle in [
        "key provider type `gcp_kms` is not supported",
        "`chain`",
        "method type `external` is not supported",
        "`remote_state_data_sources` is not supported",
        "encryption::undeclared",
        "has no block `bogus`",
    ] {
        assert_contains(&r.stderr, needle);
    }
    let r = w.expect(&["plan"], 1);
    assert_contains(&r.stderr, "encryption::unsupported");
    // OpenTofu's environment variable is refused, not ignored.
    w.config("resource \"random_id\" \"x\" { byte_length = 4 }\n");
    let out = w
        .command(&["plan"])
        .env("TF_ENCRYPTION", "encryption {}")
        .output()
        .expect("run infra");
    let r = crate::support::Run::of(&out);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_contains(&r.stderr, "TF_ENCRYPTION");
}

#[test]
fn s3_state_and_its_backup_are_encrypted() {
    let other = crate::s3::Other::new();
    let bucket = crate::s3::bucket("state-enc");
    other
        .rt
        .block_on(other.client.create_bucket().bucket(&bucket).send())
        .expect("create the bucket");
    let backend = format!(
        "backend \"s3\" {{\n  bucket   = \"{bucket}\"\n  key      = \"app/state.json\"\n  region   = \"us-east-1\"\n  endpoint = \"{}\"\n}}\n",
        crate::s3::endpoint()
    );
    let get = |key: &str| -> String {
        let out = other
            .rt
            .block_on(other.client.get_object().bucket(&bucket).key(key).send())
            .unwrap_or_else(|e| panic!("no s3://{bucket}/{key}: {e:?}"));
        let body = other.rt.block_on(out.body.collect()).expect("body");
        String::from_utf8_lossy(&body.into_bytes()).into_owned()
    };
    let w = Workdir::new(&format!("{backend}{}", encrypted("", "")));
    passphrase(&w, PASS_A);
    w.apply();
    let pw = secret(&w);
    w.config(&format!(
        "{backend}{}",
        encrypted(r#"resource "random_id" "x" { byte_length = 4 }"#, "")
    ));
    w.apply();
    for key in ["app/state.json", "app/state.json.backup"] {
        let body = get(key);
        assert!(is_envelope(&body), "{key}: {body}");
        assert!(!body.contains(&pw), "{key} holds the password");
    }
    assert_eq!(secret(&w), pw);
    passphrase(&w, PASS_B);
    assert_contains(&w.expect(&["plan"], 1).stderr, "state::decrypt-failed");
}
