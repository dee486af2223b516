//! `infra drift` end to end: files edited, deleted or made unreadable
//! behind infra's back are reported attribute by attribute (human,
//! Markdown and JSON), failing checks and code changes are told apart
//! from drift, sensitive values never show, the exit code follows the
//! rule (0 clean, 2 drift, 1 error without drift), `.infradriftignore` is
//! honoured until its entries expire, and the run is read-only: the state
//! file is byte-for-byte unchanged, nothing is put back, and the `test`
//! provider's apply (which would fail or panic) is never reached.

use crate::s3::{self, Other};
use crate::support::{Workdir, assert_contains};
use aws_sdk_s3::types::{Tag, Tagging};

const STATE: &str = ".infra/state.json";

const CONFIG: &str = r#"
resource "local_file" "page" {
  filename = "out/page.txt"
  content  = "hello\nworld\nthree\n"
}

resource "local_file" "gone" {
  filename = "out/gone.txt"
  content  = "bye"
}

resource "local_sensitive_file" "secret" {
  filename = "out/secret.txt"
  content  = "s3cret-value"
}

resource "local_file" "broken" {
  filename = "out/broken.txt"
  content  = "fine"
}

resource "local_file" "code" {
  filename = "out/code.txt"
  content  = "v1"
}

resource "infra_data" "steady" {
  input = { a = 1 }
}

check "page_has_world" {
  assert {
    condition     = strcontains(local_file.page.content, "world")
    error_message = "the page lost its world"
  }
}
"#;

/// `CONFIG` applied, then: `page` edited, `gone` deleted, `secret`
/// rewritten, `broken` replaced by a directory (its read fails), and the
/// configuration of `code` changed (a pending change, not drift).
fn drifted() -> Workdir {
    let w = Workdir::new(CONFIG);
    w.apply();
    w.write("out/page.txt", "hello\nearth\nthree\n");
    std::fs::remove_file(w.path().join("out/gone.txt")).expect("delete gone.txt");
    w.write("out/secret.txt", "leaked-value");
    std::fs::remove_file(w.path().join("out/broken.txt")).expect("delete broken.txt");
    std::fs::create_dir(w.path().join("out/broken.txt")).expect("make a directory");
    w.config(&CONFIG.replace("\"v1\"", "\"v2\""));
    w
}

/// The Markdown report with the state's random lineage and the run's
/// time replaced.
fn stable_markdown(text: &str) -> String {
    let mut out = text.to_string();
    for (marker, end, with) in [("(lineage `", '`', "LINEAGE"), (" at 2", ' ', "TIME")] {
        if let Some(i) = out.find(marker) {
            let start = i + marker.len() - usize::from(marker.ends_with('2'));
            if let Some(j) = out[start..].find(end) {
                out.replace_range(start..start + j, with);
            }
        }
    }
    out
}

/// Every file under `.infra/` (state, backup, lock file) with its bytes
/// and modification time.
fn infra_dir(w: &Workdir) -> Vec<(String, Vec<u8>, Option<std::time::SystemTime>)> {
    let mut out: Vec<_> = std::fs::read_dir(w.path().join(".infra"))
        .expect("list .infra")
        .filter_map(Result::ok)
        .map(|e| {
            let meta = e.metadata().ok();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
                meta.and_then(|m| m.modified().ok()),
            )
        })
        .collect();
    out.sort();
    out
}

fn json(w: &Workdir, args: &[&str], code: i32) -> serde_json::Value {
    let r = w.expect(args, code);
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", r.stdout, r.stderr))
}

#[test]
fn a_clean_run_exits_0_and_writes_nothing() {
    let w = Workdir::new(CONFIG);
    w.apply();
    let state = w.read(STATE).expect("state");
    let before = infra_dir(&w);
    let r = w.expect(&["drift"], 0);
    assert_contains(
        &r.stdout,
        "Drift: 0 resources changed outside infra, 0 missing, 0 checks failing.",
    );
    assert_eq!(crate::support::without_elapsed(&r.stderr), "");
    let doc = json(&w, &["drift", "--json"], 0);
    assert_eq!(doc["format_version"], "1");
    assert_eq!(doc["summary"]["drift_found"], false);
    assert_eq!(doc["summary"]["resources_checked"], 6);
    assert_eq!(doc["pending_changes"], serde_json::json!([]));
    assert_eq!(doc["state"]["serial"], 1);
    assert!(
        doc["checked_at"]
            .as_str()
            .is_some_and(|t| t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T'),
        "{doc}"
    );
    assert_eq!(w.read(STATE), Some(state), "the state file changed");
    assert_eq!(infra_dir(&w), before, "drift changed .infra/");
}

#[test]
fn no_state_is_no_drift() {
    let w = Workdir::new(CONFIG);
    let r = w.expect(&["drift"], 0);
    assert_contains(&r.stdout, "read 0 objects in state (no state yet)");
    assert_contains(&r.stdout, "+ local_file.page (create)");
    assert!(w.read(STATE).is_none(), "drift created a state file");
}

#[test]
fn drift_is_reported_per_attribute_and_nothing_is_written() {
    let w = drifted();
    let state = w.read(STATE).expect("state");
    let r = w.expect(&["drift"], 2);
    insta::assert_snapshot!("drift_human", r.stdout);
    // The unreadable file is an error on standard error too; the others
    // were still checked.
    assert_contains(&r.stderr, "refreshing `local_file.broken`");
    let md = w.expect(&["drift", "--format", "markdown"], 2);
    insta::assert_snapshot!("drift_markdown", stable_markdown(&md.stdout));
    let doc = json(&w, &["drift", "--json"], 2);
    let again = json(&w, &["drift", "--format", "json"], 2);
    assert_eq!(doc["drift"], again["drift"]);

    // Read-only: the state is byte for byte what it was, and nothing
    // was put back.
    assert_eq!(w.read(STATE), Some(state), "the state file changed");
    assert_eq!(
        w.read_text("out/page.txt").as_deref(),
        Some("hello\nearth\nthree\n")
    );
    assert!(w.read("out/gone.txt").is_none(), "gone.txt came back");
    assert_eq!(w.read_text("out/code.txt").as_deref(), Some("v1"));

    // Sensitive values never show, in any format.
    for text in [&r.stdout, &r.stderr, &md.stdout, &doc.to_string()] {
        assert!(!text.contains("s3cret-value"), "{text}");
        assert!(!text.contains("leaked-value"), "{text}");
    }

    // The JSON document.
    assert_eq!(doc["format_version"], "1");
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["state"]["serial"], 1);
    let summary = &doc["summary"];
    assert_eq!(summary["changed"], 2);
    assert_eq!(summary["missing"], 1);
    assert_eq!(summary["checks_failing"], 1);
    assert_eq!(summary["errors"], 1);
    assert_eq!(
        summary["text"],
        "Drift: 2 resources changed outside infra, 1 missing, 1 check failing."
    );
    let drift = doc["drift"].as_array().expect("drift");
    let kinds: Vec<(String, String)> = drift
        .iter()
        .map(|d| {
            (
                d["address"].as_str().unwrap_or("").to_string(),
                d["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("local_file.gone".to_string(), "missing".to_string()),
            ("local_file.page".to_string(), "changed".to_string()),
            (
                "local_sensitive_file.secret".to_string(),
                "changed".to_string()
            ),
        ]
    );
    let page = &drift[1]["attributes"];
    let paths: Vec<&str> = page
        .as_array()
        .expect("attributes")
        .iter()
        .filter_map(|a| a["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "content",
            "content_base64sha256",
            "content_base64sha512",
            "content_md5",
            "content_sha1",
            "content_sha256",
            "content_sha512",
            "id"
        ]
    );
    assert_eq!(page[0]["before"], "hello\nworld\nthree\n");
    assert_eq!(page[0]["after"], "hello\nearth\nthree\n");
    assert_eq!(page[0]["sensitive"], false);
    let secret = &drift[2]["attributes"][0];
    assert_eq!(secret["path"], "content");
    assert_eq!(secret["sensitive"], true);
    assert_eq!(secret["before"], serde_json::Value::Null);
    assert_eq!(secret["after"], serde_json::Value::Null);
    assert_eq!(
        doc["checks"],
        serde_json::json!([{
            "address": "check.page_has_world",
            "status": "fail",
            "message": "the page lost its world",
            "ignored": false,
            "ignore": null,
        }])
    );
    let pending: Vec<(String, String)> = doc["pending_changes"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| {
            (
                p["address"].as_str().unwrap_or("").to_string(),
                p["cause"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        pending,
        [
            ("local_file.code".to_string(), "configuration".to_string()),
            ("local_file.gone".to_string(), "drift".to_string()),
            ("local_file.page".to_string(), "drift".to_string()),
            (
                "local_sensitive_file.secret".to_string(),
                "drift".to_string()
            ),
        ]
    );
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["address"], "local_file.broken");
    assert_eq!(errors[0]["code"], "provider::error");
}

#[test]
fn a_read_error_alone_exits_1_and_drift_still_wins() {
    let w = Workdir::new(
        r#"
resource "test_fault" "unreadable" {
  input   = "x"
  fail_on = "read"
}

resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "f"
}
"#,
    );
    w.apply();
    let r = w.expect(&["drift"], 1);
    assert_contains(&r.stderr, "test_fault: injected failure on read");
    assert_contains(&r.stdout, "1 error (details on standard error):");
    assert_contains(
        &r.stdout,
        "Drift: 0 resources changed outside infra, 0 missing, 0 checks failing.",
    );
    std::fs::remove_file(w.path().join("out/f.txt")).expect("delete f.txt");
    let doc = json(&w, &["drift", "--json"], 2);
    assert_eq!(doc["summary"]["missing"], 1);
    assert_eq!(doc["errors"][0]["address"], "test_fault.unreadable");
    assert_contains(
        doc["errors"][0]["message"].as_str().unwrap_or(""),
        "injected failure on read",
    );
}

#[test]
fn drift_never_applies_anything() {
    // The configuration now asks for changes whose apply would fail
    // (`fail_on = "update"`) or panic (`panic_on = "delete"` on the
    // replacement); drift only reports them as pending.
    let w = Workdir::new(
        r#"
resource "test_fault" "t" {
  input = "a"
}

resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "recorded"
}
"#,
    );
    w.apply();
    let state = w.read(STATE).expect("state");
    w.config(
        r#"
resource "test_fault" "t" {
  input    = "b"
  fail_on  = "update"
  panic_on = "delete"
}

resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "configured"
}
"#,
    );
    w.write("out/f.txt", "edited");
    let doc = json(&w, &["drift", "--json"], 2);
    assert_eq!(doc["errors"], serde_json::json!([]));
    let pending: Vec<(&str, &str, &str)> = doc["pending_changes"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| {
            (
                p["address"].as_str().unwrap_or(""),
                p["action"].as_str().unwrap_or(""),
                p["cause"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        pending,
        [
            ("local_file.f", "delete-then-create", "both"),
            ("test_fault.t", "update", "configuration"),
        ]
    );
    let r = w.expect(&["drift"], 2);
    assert!(!r.stdout.contains("injected"), "{}", r.stdout);
    assert!(!r.stderr.contains("injected"), "{}", r.stderr);
    assert_eq!(w.read(STATE), Some(state), "the state file changed");
    assert_eq!(w.read_text("out/f.txt").as_deref(), Some("edited"));
}

#[test]
fn ignore_entries_are_honoured_until_they_expire() {
    let w = Workdir::new(
        r#"
resource "local_file" "a" {
  filename = "out/a.txt"
  content  = "a"
}

resource "local_file" "b" {
  filename = "out/b.txt"
  content  = "b"
}
"#,
    );
    w.apply();
    w.write("out/a.txt", "A");
    std::fs::remove_file(w.path().join("out/b.txt")).expect("delete b.txt");

    // An attribute path covers only that attribute: a's checksums still
    // count.
    w.write(
        ".infradriftignore",
        "# accepted drift\nlocal_file.a.content  # edited by the docs team\nlocal_file.b  # moved by hand  until=2999-12-31\n",
    );
    let doc = json(&w, &["drift", "--json"], 2);
    assert_eq!(doc["summary"]["changed"], 1);
    assert_eq!(doc["summary"]["missing"], 0);
    let a = &doc["drift"][0];
    assert_eq!(a["address"], "local_file.a");
    assert_eq!(a["attributes"][0]["path"], "content");
    assert_eq!(a["attributes"][0]["ignored"], true);
    assert_eq!(
        a["attributes"][0]["ignore"]["reason"],
        "edited by the docs team"
    );
    assert_eq!(a["attributes"][1]["ignored"], false);
    assert_eq!(doc["drift"][1]["ignored"], true);
    assert_eq!(doc["drift"][1]["ignore"]["until"], "2999-12-31");

    // The whole instance: nothing counts any more.
    w.write(
        ".infradriftignore",
        "local_file.a  # edited by the docs team\nlocal_file.b  # moved by hand  until=2999-12-31\n",
    );
    let r = w.expect(&["drift"], 0);
    assert_contains(
        &r.stdout,
        "Drift: 0 resources changed outside infra, 0 missing, 0 checks failing.",
    );
    assert_contains(
        &r.stdout,
        "local_file.b (missing)  (.infradriftignore line 2: moved by hand; until 2999-12-31)",
    );

    // Expired: reported again, and named as such.
    w.write(
        ".infradriftignore",
        "local_file.a  # edited by the docs team\nlocal_file.b  # moved by hand  until=2000-01-01\n",
    );
    let r = w.expect(&["drift"], 2);
    insta::assert_snapshot!("drift_expired_ignore", r.stdout);
    let doc = json(&w, &["drift", "--json"], 2);
    assert_eq!(doc["summary"]["missing"], 1);
    assert_eq!(doc["drift"][1]["ignore"]["expired"], true);
    assert_eq!(
        doc["ignores"][1],
        serde_json::json!({"line": 2, "entry": "local_file.b", "reason": "moved by hand", "until": "2000-01-01", "expired": true, "matched": true})
    );

    // A malformed file is an error, not silently ignored.
    w.write(".infradriftignore", "local_file.a\n");
    let r = w.expect(&["drift"], 1);
    assert_contains(&r.stderr, "drift::ignore-file");
    assert_contains(&r.stderr, ".infradriftignore line 1");
}

#[test]
fn target_limits_what_is_read() {
    let w = Workdir::new(
        r#"
resource "local_file" "a" {
  filename = "out/a.txt"
  content  = "a"
}

resource "local_file" "b" {
  filename = "out/b.txt"
  content  = "b"
}
"#,
    );
    w.apply();
    std::fs::remove_file(w.path().join("out/b.txt")).expect("delete b.txt");
    let doc = json(&w, &["drift", "--json", "--target", "local_file.a"], 0);
    assert_eq!(doc["summary"]["resources_checked"], 1);
    let doc = json(&w, &["drift", "--json", "--target", "local_file.b"], 2);
    assert_eq!(doc["drift"][0]["address"], "local_file.b");
    let r = w.expect(&["drift", "--json", "--format", "markdown"], 1);
    assert_contains(&r.stderr, "cannot be used with");
}

#[test]
fn s3_bucket_tags_changed_by_someone_else() {
    let name = s3::bucket("drift-tags");
    let w = Workdir::new(&format!(
        "{}resource \"aws_s3_bucket\" \"site\" {{\n  bucket = \"{name}\"\n  tags   = {{ env = \"prod\", team = \"web\" }}\n}}\n",
        s3::provider_block()
    ));
    w.apply();
    w.expect(&["drift"], 0);
    let o = Other::new();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().expect("tag");
    let tagging = Tagging::builder()
        .tag_set(tag("env", "staging"))
        .tag_set(tag("team", "web"))
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
    let r = w.expect(&["drift"], 2);
    assert_contains(&r.stdout, "# aws_s3_bucket.site has changed");
    // Map keys quoted, as Terraform prints them.
    assert_contains(&r.stdout, "~ \"env\"  = \"prod\" -> \"staging\"");
    // `tags` is shown whole, its unchanged entries too, as Terraform's
    // renderer shows the value of an attribute named `id`, `name` or
    // `tags` (`importantAttributes`, `ShowUnchangedChildren`).
    assert_contains(&r.stdout, "    \"team\" = \"web\"\n");
    assert!(!r.stdout.contains("unchanged element"), "{}", r.stdout);
    let doc = json(&w, &["drift", "--json"], 2);
    let attrs = &doc["drift"][0]["attributes"];
    assert_eq!(attrs.as_array().map(Vec::len), Some(1), "{attrs}");
    assert_eq!(attrs[0]["path"], "tags.env");
    assert_eq!(attrs[0]["before"], "prod");
    assert_eq!(attrs[0]["after"], "staging");
    assert_eq!(doc["pending_changes"][0]["cause"], "drift");
    w.write(
        ".infradriftignore",
        "aws_s3_bucket.site.tags.env  # staging test, see OPS-12  until=2999-01-01\n",
    );
    w.expect(&["drift"], 0);
}

#[test]
fn apply_refresh_only_records_drift_after_approval() {
    let w = Workdir::new(
        r#"
resource "local_file" "a" {
  filename = "out/a.txt"
  content  = "a"
}

resource "local_file" "b" {
  filename = "out/b.txt"
  content  = "b"
}

output "a_content" {
  value = local_file.a.content
}
"#,
    );
    w.apply();
    w.write("out/a.txt", "edited");
    std::fs::remove_file(w.path().join("out/b.txt")).expect("delete b.txt");
    let state = w.read(STATE).expect("state");

    // Standard input is not a terminal: refused, nothing written.
    let r = w.expect(&["apply", "--refresh-only"], 1);
    assert_contains(&r.stdout, "# local_file.a has changed");
    assert_contains(&r.stdout, "# local_file.b has been deleted");
    assert_contains(&r.stderr, "apply::no-approval");
    assert_eq!(w.read(STATE), Some(state.clone()), "the state changed");

    let r = w.expect(&["apply", "--refresh-only", "--auto-approve"], 0);
    assert_contains(
        &r.stdout,
        "Apply complete! The state now records 1 object changed outside infra; 1 object deleted outside infra left the state.",
    );
    assert_eq!(w.state()["serial"], 2);
    assert_eq!(w.state_list(), ["local_file.a"]);
    assert_eq!(w.attributes("local_file.a")["content"], "edited");
    // Outputs are evaluated again over what was read.
    let out = w.expect(&["output", "--raw", "a_content"], 0);
    assert_eq!(out.stdout.trim_end(), "edited");
    // No real object changed.
    assert_eq!(w.read_text("out/a.txt").as_deref(), Some("edited"));
    assert!(w.read("out/b.txt").is_none());
    // The drift is accepted: what is left is the configuration's doing.
    let doc = json(&w, &["drift", "--json"], 0);
    assert_eq!(doc["drift"], serde_json::json!([]));
    let causes: Vec<(&str, &str)> = doc["pending_changes"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| {
            (
                p["address"].as_str().unwrap_or(""),
                p["cause"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        causes,
        [
            ("local_file.a", "configuration"),
            ("local_file.b", "configuration")
        ]
    );
    // Nothing left to record.
    let r = w.expect(&["apply", "--refresh-only", "--auto-approve"], 0);
    assert_contains(&r.stdout, "No changes.");
    assert_eq!(w.state()["serial"], 2);
}

#[test]
fn apply_refresh_only_writes_nothing_when_a_read_fails() {
    let w = Workdir::new(
        r#"
resource "test_fault" "unreadable" {
  input   = "x"
  fail_on = "read"
}

resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "f"
}
"#,
    );
    w.apply();
    w.write("out/f.txt", "edited");
    let state = w.read(STATE).expect("state");
    let r = w.expect(&["apply", "--refresh-only", "--auto-approve"], 1);
    assert_contains(&r.stderr, "injected failure on read");
    assert_contains(&r.stderr, "Nothing was written");
    assert_eq!(w.read(STATE), Some(state), "the state changed");
}

#[cfg(unix)]
#[test]
fn chmod_outside_infra_is_drift_of_file_permission() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new(
        r#"
resource "local_file" "key" {
  filename        = "out/key.txt"
  content         = "k"
  file_permission = "0640"
}
"#,
    );
    w.apply();
    let state = w.read(STATE).expect("state");
    w.expect(&["drift"], 0);
    let path = w.path().join("out/key.txt");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let r = w.expect(&["drift", "--no-color"], 2);
    assert_contains(&r.stdout, "# local_file.key has changed");
    // `=` aligned over every attribute, as Terraform's renderer does; the
    // `id` shown though unchanged.
    assert_contains(&r.stdout, r#"~ file_permission      = "0640" -> "0666""#);
    assert_contains(&r.stdout, "\n        id                   = \"");
    let doc = json(&w, &["drift", "--json"], 2);
    assert_eq!(doc["drift"][0]["address"], "local_file.key");
    assert_eq!(doc["drift"][0]["attributes"][0]["path"], "file_permission");
    assert_eq!(w.read(STATE), Some(state), "drift wrote the state");
    // The configuration still says 0640: apply replaces the file with it.
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&plan.stdout, "# local_file.key must be replaced");
    w.apply();
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode & !0o640, 0, "mode {mode:o} after apply");
    w.expect(&["drift"], 0);
}

#[test]
fn drift_beside_a_running_apply_waits_for_it_or_says_why_not() {
    // The apply replaces the file (delete, then create after the slow
    // update): a drift reading objects meanwhile would call it missing.
    let config = r#"
resource "test_fault" "slow" {
  input    = "V"
  sleep_ms = SLEEP
}
resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "${test_fault.slow.output}"
}
"#;
    let w = Workdir::new(&config.replace('V', "v1").replace("SLEEP", "0"));
    w.apply();
    w.config(&config.replace('V', "v2").replace("SLEEP", "3000"));
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(std::time::Duration::from_secs(30), |l| {
            l.iter().any(|l| l == "test_fault.slow: Modifying...")
        }),
        "{}",
        apply.seen.join("\n")
    );
    let r = w.expect(&["drift", "--no-color"], 1);
    assert_contains(&r.stderr, "drift::state-locked");
    assert_contains(&r.stderr, "infra apply");
    assert!(!r.stdout.contains("missing"), "{}", r.stdout);
    let waited = w.expect(&["drift", "--lock-timeout", "30s", "--no-color"], 0);
    assert_contains(
        &waited.stdout,
        "Drift: 0 resources changed outside infra, 0 missing",
    );
    let done = apply.finish(std::time::Duration::from_secs(30));
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
}

#[test]
fn plan_refresh_only_shows_outside_changes_and_writes_nothing() {
    let w = Workdir::new(
        r#"
resource "local_file" "a" {
  filename = "out/a.txt"
  content  = "a"
}
"#,
    );
    // No state yet.
    let r = w.expect(&["plan", "-refresh-only", "-detailed-exitcode"], 0);
    assert_contains(&r.stdout, "nothing to refresh");
    w.apply();
    let r = w.expect(&["plan", "-refresh-only", "-detailed-exitcode"], 0);
    assert_contains(&r.stdout, "No changes.");
    w.write("out/a.txt", "edited");
    let state = w.read(STATE).expect("state");
    // The Terraform idiom for "did anything change outside?": exit 2.
    let r = w.expect(
        &["plan", "-refresh-only", "-detailed-exitcode", "-no-color"],
        2,
    );
    assert_contains(&r.stdout, "# local_file.a has changed");
    assert_contains(&r.stdout, "This is a refresh-only plan");
    assert!(!r.stdout.contains("will be"), "{}", r.stdout);
    let r = w.expect(&["plan", "--refresh-only"], 0);
    assert_contains(&r.stdout, "# local_file.a has changed");
    let doc = json(&w, &["plan", "--refresh-only", "--json"], 0);
    assert_eq!(doc["changed"], serde_json::json!(["local_file.a"]));
    assert_eq!(w.read(STATE), Some(state), "the state changed");
    // Flags that would plan something are refused, not ignored.
    let r = w.expect(&["plan", "--refresh-only", "--refresh=false"], 1);
    assert_contains(&r.stderr, "cli::bad-flags");
    let r = w.expect(&["plan", "--refresh-only", "--destroy"], 1);
    assert_contains(&r.stderr, "cannot be used with");
}
