//! `infra plan --format markdown` end to end: the pull-request comment for
//! a create-only plan, for an update, a replacement and a deletion after
//! an apply, and for no changes; sensitive values never appear; a huge
//! plan stays under the size cap and says what it left out; `--json` is
//! `--format json`, and the two cannot be combined.

use crate::support::{Workdir, assert_contains};
use infra_cli::render::plan_markdown::{LIST_ITEMS, MAX_BYTES};

const CONFIG: &str = r#"
resource "local_file" "page" {
  filename = "out/page.txt"
  content  = "hello\nworld\nthree\n"
}

resource "local_file" "motd" {
  filename = "out/motd.txt"
  content  = "Welcome"
}

resource "local_file" "old" {
  filename = "out/old.txt"
  content  = "old"
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "infra_data" "settings" {
  input = { name = "site", tier = "web" }
}

output "name" {
  value = infra_data.settings.output.name
}
"#;

/// `CONFIG` with the page's content edited (a replacement), the motd's
/// file renamed (a replacement), `old` removed (a deletion) and the
/// settings' name changed (an update, and an output change).
fn changed_config() -> String {
    let start = CONFIG.find("resource \"local_file\" \"old\"").expect("old");
    let end = CONFIG.find("resource \"random_id\"").expect("random_id");
    let mut text = format!("{}{}", &CONFIG[..start], &CONFIG[end..]);
    for (from, to) in [
        (
            "hello\\nworld\\nthree\\n",
            "hello\\nearth\\nthree\\nfour\\n",
        ),
        ("out/motd.txt", "out/motd2.txt"),
        ("name = \"site\"", "name = \"shop\""),
    ] {
        assert!(text.contains(from), "{from} not in the configuration");
        text = text.replace(from, to);
    }
    text
}

/// `infra plan --format markdown ARGS...`, which must exit `code`, with
/// nothing on standard error.
fn markdown(w: &Workdir, args: &[&str], code: i32) -> String {
    let mut all = vec!["plan", "--format", "markdown"];
    all.extend_from_slice(args);
    let r = w.expect(&all, code);
    assert_eq!(r.stderr, "", "unexpected standard error");
    r.stdout
}

#[test]
fn create_only_plan() {
    let w = Workdir::new(CONFIG);
    let md = markdown(&w, &["--detailed-exitcode"], 2);
    insta::assert_snapshot!("plan_markdown_create", md);
    assert!(!md.contains("[!WARNING]"), "nothing is destroyed:\n{md}");
}

#[test]
fn update_replace_and_delete_after_apply() {
    let w = Workdir::new(CONFIG);
    w.apply();
    w.config(&changed_config());
    let md = markdown(&w, &["-out", "plan.bin", "--detailed-exitcode"], 2);
    insta::assert_snapshot!("plan_markdown_changes", md);
    // Standard output is Markdown only: the human trailer is not there,
    // the saved plan is named in the last line instead, and it applies.
    assert!(!md.contains("Saved the plan to"), "{md}");
    assert!(
        md.ends_with("Saved plan: `plan.bin` — apply it with `infra apply plan.bin`\n"),
        "{md}"
    );
    w.expect(&["apply", "plan.bin"], 0);
    assert_eq!(
        w.read_text("out/page.txt").as_deref(),
        Some("hello\nearth\nthree\nfour\n")
    );
    assert_eq!(w.read("out/old.txt"), None);
}

#[test]
fn no_changes() {
    let w = Workdir::new(CONFIG);
    w.apply();
    let md = markdown(&w, &["--detailed-exitcode"], 0);
    insta::assert_snapshot!("plan_markdown_no_changes", md);
}

const SECRETS: &str = r#"
variable "token" {
  type      = string
  sensitive = true
  default   = "tok-FIRST-secret"
}

resource "local_sensitive_file" "key" {
  filename = "out/key.pem"
  content  = "-----BEGIN KEY-----\npem-FIRST-secret\n-----END KEY-----\n"
}

resource "local_file" "config" {
  filename = "out/config.txt"
  content  = "token=${var.token}"
}

resource "infra_data" "holder" {
  input = { user = "app", token = var.token }
}

output "token" {
  value     = var.token
  sensitive = true
}
"#;

#[test]
fn sensitive_values_never_appear() {
    let w = Workdir::new(SECRETS);
    let md = markdown(&w, &[], 0);
    insta::assert_snapshot!("plan_markdown_sensitive", md);
    for secret in ["FIRST-secret", "tok-", "pem-"] {
        assert!(!md.contains(secret), "{secret} shown:\n{md}");
    }
    assert_contains(&md, "content              = (sensitive)");
    // Changed secrets: neither the old nor the new value shows.
    w.apply();
    w.config(&SECRETS.replace("FIRST", "SECOND"));
    let md = markdown(&w, &[], 0);
    for secret in ["FIRST-secret", "SECOND-secret", "tok-", "pem-"] {
        assert!(!md.contains(secret), "{secret} shown:\n{md}");
    }
    assert_contains(
        &md,
        "!     content              = (sensitive) # forces replacement",
    );
    assert_contains(&md, "! token = (sensitive)");
}

#[test]
fn html_in_addresses_and_fences_in_values_are_harmless() {
    let w = Workdir::new(
        r#"
resource "local_file" "doc" {
  for_each = toset(["<b>x</b>"])
  filename = "out/doc.md"
  content  = "```\ncode\n```\n"
}
"#,
    );
    let md = markdown(&w, &[], 0);
    assert_contains(
        &md,
        r#"<summary><code>+</code> <code>local_file.doc[&quot;&lt;b&gt;x&lt;/b&gt;&quot;]</code> will be created</summary>"#,
    );
    // The fence is longer than any backtick run inside.
    assert_contains(&md, "````diff\n+ resource \"local_file\" \"doc\" {");
    assert_contains(&md, "+         ```\n+         code\n+         ```\n");
}

#[test]
fn a_huge_plan_stays_under_the_cap() {
    let w = Workdir::new(
        r#"
resource "infra_data" "item" {
  count = 3000
  input = { n = count.index, label = "item number ${count.index}" }
}
"#,
    );
    let md = markdown(&w, &[], 0);
    assert!(md.len() <= MAX_BYTES, "{} bytes", md.len());
    assert_contains(
        &md,
        "| Create | Update | Replace | Delete | Read |\n|---:|---:|---:|---:|---:|\n| 3000 | 0 | 0 | 0 | 0 |\n",
    );
    let shown = md.matches("<details>").count();
    assert!(shown > 10, "only {shown} resources shown");
    let note = format!(
        "\n---\n\n**{} of 3000 resource changes are not shown** to keep this comment under {MAX_BYTES} bytes. Run `infra plan` locally to see every change.\n",
        3000 - shown
    );
    assert!(md.ends_with(&note), "the note is not last:\n{}", tail(&md));
    // Every section that was started is complete.
    assert_eq!(md.matches("</details>").count(), shown);

    // Destroying them all: the call-out lists the first ones and counts
    // the rest.
    w.apply();
    let saved_note = "(the saved plan `all.bin` holds them all).\n";
    let md = markdown(&w, &["--destroy", "-out", "all.bin"], 0);
    assert!(md.len() <= MAX_BYTES, "{} bytes", md.len());
    assert_contains(
        &md,
        "> [!WARNING]\n> **3000 resources will be deleted.**\n>\n",
    );
    assert_eq!(
        md.matches("` **deleted**: `infra destroy`\n").count(),
        LIST_ITEMS
    );
    assert_contains(
        &md,
        &format!(
            "> - … and {} more (run `infra plan` to see them all)\n",
            3000 - LIST_ITEMS
        ),
    );
    assert!(md.ends_with(saved_note), "{}", tail(&md));
}

/// The last lines of `text`, for failure messages.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

#[test]
fn json_is_format_json_and_they_do_not_combine() {
    let w = Workdir::new(CONFIG);
    w.apply();
    w.config(&changed_config());
    let json = w.expect(&["plan", "--json"], 0).stdout;
    assert_eq!(w.expect(&["plan", "--format", "json"], 0).stdout, json);
    assert_eq!(
        w.expect(&["plan", "--format", "human"], 0).stdout,
        w.expect(&["plan"], 0).stdout
    );
    let r = w.expect(&["plan", "--json", "--format", "markdown"], 1);
    assert_contains(&r.stderr, "cannot be used with");
    assert_eq!(r.stdout, "");
}

#[test]
fn drift_and_warnings_are_listed() {
    let w = Workdir::new(CONFIG);
    w.apply();
    w.write("out/motd.txt", "Hacked");
    std::fs::remove_file(w.path().join("out/old.txt")).expect("delete old.txt");
    let r = w.expect(
        &[
            "plan",
            "--format",
            "markdown",
            "--target",
            "local_file.motd",
            "--target",
            "local_file.old",
        ],
        0,
    );
    // The warning goes to standard error as always, and into the comment.
    assert_contains(&r.stderr, "plan::targeting");
    // The refresh line's age depends on the clock.
    let shown = match (r.stdout.find("last read "), r.stdout.find(" ago.")) {
        (Some(a), Some(b)) if a < b => {
            format!("{}last read [age]{}", &r.stdout[..a], &r.stdout[b..])
        }
        _ => r.stdout.clone(),
    };
    insta::assert_snapshot!("plan_markdown_drift_and_warnings", shown);
}
