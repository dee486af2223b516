//! `infra state push`, `state replace-provider` and `state show --json`:
//! the state edits Terraform users script, with Terraform's refusals and
//! never a sensitive value on the screen.

use crate::support::{Workdir, assert_contains};

const CONFIG: &str = r#"provider "random" {
  alias = "two"
}

resource "random_id" "a" {
  byte_length = 2
}

resource "random_password" "p" {
  length = 12
}
"#;

/// Terraform's `state push` rules: over an existing state, an older
/// serial, another lineage or a different state at the same serial is
/// refused (the state untouched) unless `--force`; a newer one, or any
/// into an empty store, is written; a file that is not a state is refused.
#[test]
fn state_push_refuses_older_and_unrelated_states_unless_forced() {
    let w = Workdir::new(CONFIG);
    w.apply();
    let backup = w.expect(&["state", "pull"], 0).stdout;
    w.write("backup.json", &backup);
    let serial = w.state()["serial"].as_u64().expect("serial");

    // A newer serial over the old one: the pushed state is newer.
    w.config(&format!(
        "{CONFIG}\nresource \"random_id\" \"b\" {{\n  byte_length = 2\n}}\n"
    ));
    w.apply();
    let newer = w.expect(&["state", "pull"], 0).stdout;
    assert!(w.state()["serial"].as_u64() > Some(serial));

    let refused = w.run(&["state", "push", "backup.json", "--no-color"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_contains(&refused.stderr, "state::older-serial");
    assert_eq!(
        w.expect(&["state", "pull"], 0).stdout,
        newer,
        "state untouched"
    );

    // Another configuration's state: another lineage.
    let other = Workdir::new(CONFIG);
    other.apply();
    w.write("other.json", &other.expect(&["state", "pull"], 0).stdout);
    let refused = w.run(&["state", "push", "other.json", "--no-color"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_contains(&refused.stderr, "state::lineage-mismatch");
    assert_eq!(
        w.expect(&["state", "pull"], 0).stdout,
        newer,
        "state untouched"
    );

    // Not a state at all.
    w.write("junk.json", "{\"resources\": 7}");
    let refused = w.run(&["state", "push", "junk.json", "--no-color"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_contains(&refused.stderr, "state::corrupt");
    assert_eq!(
        w.expect(&["state", "pull"], 0).stdout,
        newer,
        "state untouched"
    );

    // Forced: the old state comes back with a serial after both.
    let forced = w.expect(&["state", "push", "backup.json", "--force"], 0);
    assert_contains(&forced.stdout, "Pushed backup.json");
    let now = w.state();
    assert!(now["serial"].as_u64() > serial_of(&newer), "{now:#}");
    assert_eq!(w.state_list(), ["random_id.a", "random_password.p"]);

    // The same state again: nothing to do.
    w.write("now.json", &w.expect(&["state", "pull"], 0).stdout);
    let same = w.expect(&["state", "push", "now.json"], 0);
    assert_contains(&same.stdout, "nothing to push");

    // Into an empty store anything goes, and the next plan sees it.
    let empty = Workdir::new(CONFIG);
    empty.write("pushed.json", &newer);
    empty.expect(&["state", "push", "pushed.json"], 0);
    assert_eq!(
        empty.state_list(),
        ["random_id.a", "random_id.b", "random_password.p"]
    );
}

fn serial_of(state_text: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(state_text)
        .ok()
        .and_then(|s| s["serial"].as_u64())
}

/// `state replace-provider FROM TO` moves instances between provider
/// configurations; source addresses and unused configurations are
/// refused with what to do instead.
#[test]
fn state_replace_provider_rewrites_the_configuration_instances_use() {
    let w = Workdir::new(CONFIG);
    w.apply();
    let done = w.expect(
        &[
            "state",
            "replace-provider",
            "random",
            "random.two",
            "-auto-approve",
        ],
        0,
    );
    assert_contains(
        &done.stdout,
        "Replaced provider of random_id.a: random -> random.two",
    );
    assert_contains(&done.stdout, "for 2 resource instance(s)");
    let providers: Vec<String> = w.state()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["provider"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(providers, ["random.two", "random.two"]);

    let source = w.run(&[
        "state",
        "replace-provider",
        "registry.terraform.io/hashicorp/random",
        "example.com/acme/random",
        "--no-color",
    ]);
    assert_eq!(source.code, 1, "{}", source.stderr);
    assert_contains(&source.stderr, "cli::bad-provider");
    assert_contains(&source.stderr, "required_providers");

    let unused = w.run(&["state", "replace-provider", "aws", "aws.west", "--no-color"]);
    assert_eq!(unused.code, 1, "{}", unused.stderr);
    assert_contains(&unused.stderr, "state::no-instance");
    assert_contains(&unused.stderr, "random.two");
}

/// `state show --json` prints an instance as JSON, its sensitive
/// attributes `null` and listed, the secret nowhere in the output.
#[test]
fn state_show_json_names_sensitive_attributes_without_their_values() {
    let w = Workdir::new(CONFIG);
    w.apply();
    let secret = w.attributes("random_password.p")["result"]
        .as_str()
        .expect("a password in state")
        .to_string();
    let shown = w.expect(&["state", "show", "random_password.p", "--json"], 0);
    assert!(!shown.stdout.contains(&secret), "{}", shown.stdout);
    let j: serde_json::Value = serde_json::from_str(&shown.stdout).expect("JSON");
    assert_eq!(j["address"], "random_password.p");
    assert_eq!(j["mode"], "managed");
    assert_eq!(j["type"], "random_password");
    assert_eq!(j["provider"], "random");
    assert_eq!(j["values"]["length"], 12);
    assert_eq!(j["values"]["result"], serde_json::Value::Null);
    assert!(
        j["sensitive_values"]
            .as_array()
            .expect("paths")
            .contains(&serde_json::json!(["result"])),
        "{j:#}"
    );
}
