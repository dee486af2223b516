//! `moved` and `removed` blocks end to end: renames, `count` added, module
//! renames, chains and moves inside child modules keep their objects (same
//! ids); moves show in the human, JSON and Markdown plans and travel in
//! saved plans (and the journal of a killed apply); `removed` with
//! `destroy = false` forgets an object without touching it; invalid blocks
//! are diagnosed by `infra validate`.

use crate::support::{Workdir, assert_contains};

/// `infra plan --no-color --detailed-exitcode`, which must find changes.
fn plan(w: &Workdir) -> crate::support::Run {
    w.expect(&["plan", "--no-color", "--detailed-exitcode"], 2)
}

/// The plan's JSON document.
fn plan_json(w: &Workdir) -> serde_json::Value {
    let r = w.expect(&["plan", "--json"], 0);
    serde_json::from_str(&r.stdout).expect("plan JSON")
}

/// Asserts that the next plan has nothing to do.
fn no_changes(w: &Workdir) {
    let r = w.expect(&["plan", "--no-color", "--detailed-exitcode"], 0);
    assert_eq!(
        r.stdout.trim(),
        "No changes. Your infrastructure matches the configuration."
    );
}

/// The attributes of the first instance of `type_name.name` in module
/// `module` (`module.old`; empty for the root) in `infra state pull`.
fn attrs_in(w: &Workdir, module: &str, type_name: &str, name: &str) -> serde_json::Value {
    let state = w.state();
    state["resources"]
        .as_array()
        .and_then(|rs| {
            rs.iter().find(|r| {
                r["module"].as_str().unwrap_or("") == module
                    && r["type"] == type_name
                    && r["name"] == name
            })
        })
        .map(|r| r["instances"][0]["attributes"].clone())
        .unwrap_or_else(|| panic!("no {module} {type_name}.{name} in state:\n{state:#}"))
}

const OLD_ID: &str = "resource \"random_id\" \"old\" {\n  byte_length = 4\n}\n";

const RENAMED_ID: &str = r#"resource "random_id" "new" {
  byte_length = 4
}

moved {
  from = random_id.old
  to   = random_id.new
}
"#;

#[test]
fn a_rename_moves_the_object_instead_of_replacing_it() {
    let w = Workdir::new(OLD_ID);
    w.apply();
    let hex = w.attributes("random_id.old")["hex"].clone();
    w.config(RENAMED_ID);
    let p = plan(&w);
    assert_contains(&p.stdout, "# random_id.old has moved to random_id.new");
    assert_contains(&p.stdout, "Plan: 0 to add, 0 to change, 0 to destroy.");
    assert!(!p.stdout.contains("will be created"), "{}", p.stdout);
    assert!(!p.stdout.contains("will be destroyed"), "{}", p.stdout);
    assert_eq!(crate::support::without_elapsed(&p.stderr), "");
    let json = plan_json(&w);
    assert_eq!(json["has_changes"], true);
    let c = &json["resource_changes"][0];
    assert_eq!(c["address"], "random_id.new");
    assert_eq!(c["previous_address"], "random_id.old");
    assert_eq!(c["action"], "no-op");
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.",
    );
    assert_eq!(w.state_list(), ["random_id.new"]);
    assert_eq!(w.attributes("random_id.new")["hex"], hex, "the same object");
    // The `moved` block stays; with nothing at `from`, it does nothing.
    no_changes(&w);
}

#[test]
fn a_moved_object_with_changes_says_where_it_came_from() {
    let w = Workdir::new("resource \"infra_data\" \"a\" {\n  input = \"one\"\n}\n");
    w.apply();
    let id = w.attributes("infra_data.a")["id"].clone();
    w.config(
        "resource \"infra_data\" \"b\" {\n  input = \"two\"\n}\n\nmoved {\n  from = infra_data.a\n  to   = infra_data.b\n}\n",
    );
    let p = plan(&w);
    assert_contains(&p.stdout, "# infra_data.b will be updated in-place");
    assert_contains(&p.stdout, "# (moved from infra_data.a)");
    assert_contains(&p.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    w.apply();
    assert_eq!(w.state_list(), ["infra_data.b"]);
    let attrs = w.attributes("infra_data.b");
    assert_eq!(attrs["id"], id);
    assert_eq!(attrs["output"], "two");
    no_changes(&w);
}

#[test]
fn adding_count_moves_the_object_to_index_zero() {
    let w = Workdir::new("resource \"infra_data\" \"a\" {\n  input = \"x\"\n}\n");
    w.apply();
    let id = w.attributes("infra_data.a")["id"].clone();
    w.config(
        r#"resource "infra_data" "a" {
  count = 2
  input = "x"
}

moved {
  from = infra_data.a
  to   = infra_data.a[0]
}
"#,
    );
    let p = plan(&w);
    assert_contains(&p.stdout, "# infra_data.a has moved to infra_data.a[0]");
    assert_contains(&p.stdout, "# infra_data.a[1] will be created");
    assert_contains(&p.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
    w.apply();
    assert_eq!(w.state_list(), ["infra_data.a[0]", "infra_data.a[1]"]);
    let state = w.state();
    let instances = state["resources"][0]["instances"]
        .as_array()
        .cloned()
        .expect("instances");
    let first = instances
        .iter()
        .find(|i| i["index_key"] == 0)
        .expect("instance [0]");
    assert_eq!(first["attributes"]["id"], id, "[0] is the old object");
    no_changes(&w);
}

#[test]
fn an_instance_moves_between_for_each_keys() {
    let config = r#"resource "infra_data" "site" {
  for_each = toset(["KEYS"])
  input    = each.key
}
"#;
    let w = Workdir::new(&config.replace("KEYS", "blog"));
    w.apply();
    let id = w.attributes("infra_data.site")["id"].clone();
    w.config(&format!(
        "{}\nmoved {{\n  from = infra_data.site[\"blog\"]\n  to   = infra_data.site[\"news\"]\n}}\n",
        config.replace("KEYS", "news")
    ));
    let p = plan(&w);
    // `input` follows the key: an update of the moved object.
    assert_contains(
        &p.stdout,
        "# infra_data.site[\"news\"] will be updated in-place",
    );
    assert_contains(&p.stdout, "# (moved from infra_data.site[\"blog\"])");
    assert_contains(&p.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.");
    w.apply();
    assert_eq!(w.state_list(), ["infra_data.site[\"news\"]"]);
    assert_eq!(w.attributes("infra_data.site")["id"], id);
}

#[test]
fn a_module_rename_moves_everything_inside_it() {
    let w = Workdir::new("module \"old\" {\n  source = \"./files\"\n}\n");
    w.write(
        "files/main.infra",
        "resource \"random_id\" \"x\" {\n  byte_length = 4\n}\n\nresource \"local_file\" \"f\" {\n  filename = \"out/${random_id.x.hex}.txt\"\n  content  = \"x\"\n}\n",
    );
    w.apply();
    let hex = attrs_in(&w, "module.old", "random_id", "x")["hex"].clone();
    w.config(
        "module \"new\" {\n  source = \"./files\"\n}\n\nmoved {\n  from = module.old\n  to   = module.new\n}\n",
    );
    let p = plan(&w);
    assert_contains(
        &p.stdout,
        "# module.old.random_id.x has moved to module.new.random_id.x",
    );
    assert_contains(
        &p.stdout,
        "# module.old.local_file.f has moved to module.new.local_file.f",
    );
    assert_contains(&p.stdout, "Plan: 0 to add, 0 to change, 0 to destroy.");
    w.apply();
    assert_eq!(
        w.state_list(),
        ["module.new.local_file.f", "module.new.random_id.x"]
    );
    assert_eq!(attrs_in(&w, "module.new", "random_id", "x")["hex"], hex);
    no_changes(&w);
}

#[test]
fn moved_blocks_in_a_child_module_apply_to_each_of_its_instances() {
    let w = Workdir::new("module \"m\" {\n  source = \"./child\"\n  count  = 2\n}\n");
    w.write(
        "child/main.infra",
        "resource \"infra_data\" \"a\" {\n  input = \"x\"\n}\n",
    );
    w.apply();
    w.write(
        "child/main.infra",
        "resource \"infra_data\" \"b\" {\n  input = \"x\"\n}\n\nmoved {\n  from = infra_data.a\n  to   = infra_data.b\n}\n",
    );
    let p = plan(&w);
    assert_contains(
        &p.stdout,
        "# module.m[0].infra_data.a has moved to module.m[0].infra_data.b",
    );
    assert_contains(
        &p.stdout,
        "# module.m[1].infra_data.a has moved to module.m[1].infra_data.b",
    );
    assert_contains(&p.stdout, "Plan: 0 to add, 0 to change, 0 to destroy.");
    w.apply();
    assert_eq!(
        w.state_list(),
        ["module.m[0].infra_data.b", "module.m[1].infra_data.b"]
    );
}

#[test]
fn chained_moves_are_followed_to_the_end() {
    let w = Workdir::new("resource \"infra_data\" \"a\" {\n  input = \"x\"\n}\n");
    w.apply();
    let id = w.attributes("infra_data.a")["id"].clone();
    // Written in the "wrong" order: the chain decides, not the file.
    w.config(
        r#"resource "infra_data" "c" {
  input = "x"
}

moved {
  from = infra_data.b
  to   = infra_data.c
}

moved {
  from = infra_data.a
  to   = infra_data.b
}
"#,
    );
    let p = plan(&w);
    assert_contains(&p.stdout, "# infra_data.a has moved to infra_data.c");
    let json = plan_json(&w);
    assert_eq!(
        json["resource_changes"][0]["previous_address"],
        "infra_data.a"
    );
    w.apply();
    assert_eq!(w.state_list(), ["infra_data.c"]);
    assert_eq!(w.attributes("infra_data.c")["id"], id);
}

#[test]
fn a_saved_plan_carries_its_moves() {
    let w = Workdir::new(OLD_ID);
    w.apply();
    w.config(RENAMED_ID);
    w.expect(&["plan", "-out", "move.plan", "--no-color"], 0);
    let out = w.expect(&["apply", "move.plan", "--no-color"], 0).stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.",
    );
    assert_eq!(w.state_list(), ["random_id.new"]);
    no_changes(&w);
}

#[test]
fn a_move_onto_an_existing_object_is_not_made() {
    let w = Workdir::new(
        "resource \"infra_data\" \"a\" {\n  input = \"a\"\n}\n\nresource \"infra_data\" \"b\" {\n  input = \"b\"\n}\n",
    );
    w.apply();
    w.config(
        "resource \"infra_data\" \"b\" {\n  input = \"b\"\n}\n\nmoved {\n  from = infra_data.a\n  to   = infra_data.b\n}\n",
    );
    let p = plan(&w);
    assert_contains(&p.stderr, "moved::blocked");
    assert_contains(
        &p.stderr,
        "`infra_data.a` could not move to `infra_data.b`: an object is already there",
    );
    assert_contains(&p.stdout, "# infra_data.a will be destroyed");
    assert_contains(&p.stdout, "Plan: 0 to add, 0 to change, 1 to destroy.");
}

#[test]
fn a_moved_from_address_still_declared_is_an_error() {
    let w = Workdir::new("resource \"infra_data\" \"a\" {\n  count = 1\n  input = \"a\"\n}\n");
    w.apply();
    w.config(
        "resource \"infra_data\" \"a\" {\n  count = 1\n  input = \"a\"\n}\n\nresource \"infra_data\" \"b\" {\n  input = \"a\"\n}\n\nmoved {\n  from = infra_data.a[0]\n  to   = infra_data.b\n}\n",
    );
    let r = w.expect(&["plan", "--no-color"], 1);
    assert_contains(&r.stderr, "moved::still-declared");
    assert_contains(
        &r.stderr,
        "`infra_data.a[0]` is moved to `infra_data.b`, but the configuration still declares it",
    );
}

/// A `moved` block may change the resource type (Terraform 1.8+): it is
/// valid, and carried out when an object is there only by a provider that
/// moves state across types (MoveResourceState); `random` does not.
#[test]
fn moving_to_another_type_needs_a_provider_that_moves_state() {
    let moved = "resource \"random_id\" \"new\" {\n  byte_length = 4\n}\n\nmoved {\n  from = infra_data.old\n  to   = random_id.new\n}\n";
    let w = Workdir::new(moved);
    w.expect(&["validate", "--no-color"], 0);
    // Nothing in state at `from`: nothing to move.
    w.expect(&["plan", "--no-color"], 0);

    let w = Workdir::new("resource \"infra_data\" \"old\" {\n  input = \"x\"\n}\n");
    w.apply();
    w.config(moved);
    let r = w.expect(&["plan", "--no-color"], 1);
    insta::assert_snapshot!("moved_type_mismatch", r.stderr);
}

/// The `test` provider's `test_fault` takes objects of any type
/// (MoveResourceState in-process): the moved object keeps its id and
/// input, and is planned as the new type.
#[test]
fn a_provider_that_moves_state_takes_an_object_of_another_type() {
    let w = Workdir::new("resource \"infra_data\" \"old\" {\n  input = \"kept\"\n}\n");
    w.apply();
    let id = w.attributes("infra_data.old")["id"].clone();
    w.config(
        "resource \"test_fault\" \"new\" {\n  input = \"kept\"\n}\n\nmoved {\n  from = infra_data.old\n  to   = test_fault.new\n}\n",
    );
    let p = w.expect(&["plan", "--no-color"], 0);
    assert_contains(&p.stdout, "# infra_data.old has moved to test_fault.new");
    assert_contains(&p.stdout, "Plan: 0 to add, 0 to change, 0 to destroy.");
    w.apply();
    assert_eq!(w.state_list(), ["test_fault.new"]);
    let a = w.attributes("test_fault.new");
    assert_eq!(a["id"], id, "{a:#}");
    assert!(a["output"].to_string().contains("kept"), "{a:#}");
    w.expect(&["plan", "--detailed-exitcode", "--no-color"], 0);
}

#[test]
fn contradictory_and_cyclic_moves_are_errors() {
    let w = Workdir::new(
        r#"moved {
  from = infra_data.a
  to   = infra_data.b
}

moved {
  from = infra_data.a
  to   = infra_data.c
}
"#,
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    assert_contains(&r.stderr, "moved::ambiguous");
    assert_contains(
        &r.stderr,
        "`infra_data.a` is moved to both `infra_data.b` and `infra_data.c`",
    );
    w.config(
        r#"moved {
  from = infra_data.a
  to   = infra_data.b
}

moved {
  from = infra_data.b
  to   = infra_data.a
}
"#,
    );
    let r = w.expect(&["validate", "--no-color"], 1);
    assert_contains(&r.stderr, "moved::cycle");
    w.config("moved {\n  from = infra_data.a\n  to   = infra_data.a\n}\n");
    let r = w.expect(&["validate", "--no-color"], 1);
    assert_contains(&r.stderr, "moved::redundant");
    w.config("moved {\n  from = data.infra_data.a\n  to   = data.infra_data.b\n}\n");
    let r = w.expect(&["validate", "--no-color"], 1);
    assert_contains(&r.stderr, "moved::data-source");
}

const FILE: &str = r#"resource "local_file" "f" {
  filename = "out/keep.txt"
  content  = "kept\n"
}
"#;

#[test]
fn removed_with_destroy_false_forgets_the_object_and_keeps_it() {
    let w = Workdir::new(FILE);
    w.apply();
    w.config("removed {\n  from = local_file.f\n\n  lifecycle {\n    destroy = false\n  }\n}\n");
    let p = plan(&w);
    assert_contains(
        &p.stdout,
        "# local_file.f will no longer be managed by infra, but will not be destroyed",
    );
    assert_contains(
        &p.stdout,
        "# (because `destroy = false` is set in its `removed` block)",
    );
    assert_contains(&p.stdout, "Plan: 0 to add, 0 to change, 0 to destroy.");
    assert_contains(&p.stderr, "removed::forget");
    let json = plan_json(&w);
    assert_eq!(json["resource_changes"][0]["action"], "forget");
    let md = w.expect(&["plan", "--format", "markdown"], 0).stdout;
    assert_contains(&md, "will no longer be managed by infra");
    let out = w.apply().stdout;
    assert_contains(
        &out,
        "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.",
    );
    assert_eq!(w.read_text("out/keep.txt").as_deref(), Some("kept\n"));
    assert!(w.state_list().is_empty(), "forgotten");
    no_changes(&w);
}

#[test]
fn removed_without_destroy_false_destroys() {
    let w = Workdir::new(FILE);
    w.apply();
    w.config("removed {\n  from = local_file.f\n\n  lifecycle {\n    destroy = true\n  }\n}\n");
    let p = plan(&w);
    assert_contains(&p.stdout, "# local_file.f will be destroyed");
    assert_contains(&p.stdout, "Plan: 0 to add, 0 to change, 1 to destroy.");
    w.apply();
    assert_eq!(w.read("out/keep.txt"), None);
}

#[test]
fn removed_while_still_declared_is_an_error() {
    let w = Workdir::new(&format!(
        "{FILE}\nremoved {{\n  from = local_file.f\n\n  lifecycle {{\n    destroy = false\n  }}\n}}\n"
    ));
    let r = w.expect(&["validate", "--no-color"], 1);
    assert_contains(&r.stderr, "removed::still-declared");
    assert_contains(
        &r.stderr,
        "`local_file.f` is removed, but the configuration still declares it",
    );
}

#[test]
fn the_markdown_plan_lists_moves() {
    let w = Workdir::new(OLD_ID);
    w.apply();
    w.config(RENAMED_ID);
    let md = w.expect(&["plan", "--format", "markdown"], 0).stdout;
    assert_contains(
        &md,
        "| Create | Update | Replace | Delete | Read | Move | Forget |",
    );
    assert_contains(&md, "### Moved");
    assert_contains(&md, "- `random_id.old` → `random_id.new`");
}

#[test]
fn plan_with_moves_snapshot() {
    let w = Workdir::new(
        r#"resource "infra_data" "a" {
  input = "one"
}

resource "infra_data" "b" {
  input = "two"
}

resource "infra_data" "gone" {
  input = "three"
}
"#,
    );
    w.apply();
    w.config(
        r#"resource "infra_data" "renamed" {
  input = "one"
}

resource "infra_data" "b2" {
  input = "changed"
}

moved {
  from = infra_data.a
  to   = infra_data.renamed
}

moved {
  from = infra_data.b
  to   = infra_data.b2
}

removed {
  from = infra_data.gone

  lifecycle {
    destroy = false
  }
}
"#,
    );
    let p = plan(&w);
    // Object ids are random: keep the layout, not the values.
    let ids: Vec<String> = ["a", "b", "gone"]
        .iter()
        .map(|n| {
            attrs_in(&w, "", "infra_data", n)["id"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let mut text = p.stdout;
    for id in ids.iter().filter(|i| !i.is_empty()) {
        text = text.replace(id.as_str(), "<id>");
    }
    insta::assert_snapshot!("plan_with_moves", text);
}

#[test]
fn targeting_must_cover_both_ends_of_a_move() {
    let w = Workdir::new(OLD_ID);
    w.apply();
    w.config(&format!(
        "{RENAMED_ID}\nresource \"infra_data\" \"x\" {{\n  input = \"x\"\n}}\n"
    ));
    let r = w.expect(&["plan", "--no-color", "--target", "infra_data.x"], 1);
    assert_contains(&r.stderr, "moved::excluded-by-target");
    assert_contains(&r.stderr, "'random_id.old'");
    assert_contains(&r.stderr, "'random_id.new'");
    let r = w.expect(
        &[
            "plan",
            "--no-color",
            "--target",
            "random_id.old",
            "--target",
            "random_id.new",
        ],
        0,
    );
    assert_contains(&r.stdout, "# random_id.old has moved to random_id.new");
    let r = w.expect(&["plan", "--no-color", "--exclude", "random_id.new"], 1);
    assert_contains(&r.stderr, "moved::excluded-by-target");
    assert_contains(&r.stderr, "--exclude");
    w.expect(&["plan", "--no-color", "--exclude", "infra_data.x"], 0);
}

#[test]
fn a_move_survives_an_apply_killed_midway() {
    let w = Workdir::new(OLD_ID);
    w.apply();
    let hex = w.attributes("random_id.old")["hex"].clone();
    w.config(&format!(
        "{RENAMED_ID}\nresource \"test_fault\" \"slow\" {{\n  input    = \"x\"\n  sleep_ms = 5000\n}}\n"
    ));
    let mut apply = w.spawn(&["apply", "--auto-approve", "--no-color"]);
    assert!(
        apply.wait_for(std::time::Duration::from_secs(30), |l| l
            .iter()
            .any(|x| x == "test_fault.slow: Creating...")),
        "the apply never reached the slow resource:\n{}",
        apply.seen.join("\n")
    );
    apply.child.kill().expect("kill -9 the apply");
    let _ = apply.child.wait();
    // The move was journalled before the slow operation started: the
    // state read back (journal replayed) has the object at its new address.
    assert_eq!(w.state_list(), ["random_id.new"]);
    assert_eq!(w.attributes("random_id.new")["hex"], hex);
    let p = plan(&w);
    assert!(!p.stdout.contains("has moved"), "{}", p.stdout);
    assert_contains(&p.stdout, "Plan: 1 to add, 0 to change, 0 to destroy.");
}
