//! The parse cache (`.infra/cache/parse`): a large configuration's tree is
//! read back instead of parsed, and what a plan shows never depends on it —
//! an edited file, a damaged entry or a file with errors plans exactly as
//! with the cache off.

use crate::support::Workdir;

/// `n` resources of about 250 bytes each; `changed` gives resource 7 a
/// different `revision`.
fn config(n: usize, changed: bool) -> String {
    let mut out = String::new();
    for i in 0..n {
        let revision = if changed && i == 7 { 2 } else { 1 };
        out.push_str(&format!(
            "resource \"infra_data\" \"r{i}\" {{\n  input = {{\n    name     = \"svc-{i:05}\"\n    revision = {revision}\n    tags     = {{ team = \"t{t}\", env = \"prod\" }}\n    note     = \"${{upper(\"x\")}}-%{{ if {i} > 3 }}big%{{ endif }}\"\n  }}\n}}\n",
            t = i % 7
        ));
    }
    out
}

fn entries(w: &Workdir) -> Vec<std::path::PathBuf> {
    let Ok(dir) = std::fs::read_dir(w.path().join(".infra/cache/parse")) else {
        return Vec::new();
    };
    let mut found: Vec<_> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    found.sort();
    found
}

/// `plan` with the cache on and off: same exit code and output.
fn plan_both_ways(w: &Workdir) -> crate::support::Run {
    let on = w.run(&["plan", "--detailed-exitcode"]);
    let off = w
        .command(&["plan", "--detailed-exitcode"])
        .env("INFRA_PARSE_CACHE", "off")
        .output()
        .expect("run infra");
    let off = crate::support::Run::of(&off);
    assert_eq!(
        (on.code, &on.stdout),
        (off.code, &off.stdout),
        "{}",
        on.stderr
    );
    assert_eq!(
        crate::support::without_elapsed(&on.stderr),
        crate::support::without_elapsed(&off.stderr)
    );
    on
}

#[test]
fn a_large_configuration_plans_the_same_from_its_cached_tree() {
    let w = Workdir::new(&config(400, false));
    assert!(config(400, false).len() >= 64 * 1024);
    w.apply();
    // The apply found no `.infra` directory to keep the tree in (it made
    // one); the plans after it do keep it, and read it.
    assert_eq!(entries(&w).len(), 0);
    let plan = plan_both_ways(&w);
    assert_eq!(plan.code, 0, "{}", plan.stdout);
    assert_eq!(entries(&w).len(), 1, "the plan keeps the tree");
    let plan = plan_both_ways(&w);
    assert_eq!(plan.code, 0, "{}", plan.stdout);

    // An edit is planned from the new text, never from the kept tree.
    w.config(&config(400, true));
    let plan = plan_both_ways(&w);
    assert_eq!(plan.code, 2);
    crate::support::assert_contains(&plan.stdout, "infra_data.r7");
    crate::support::assert_contains(&plan.stdout, "0 to add, 1 to change, 0 to destroy");
    assert_eq!(entries(&w).len(), 2);

    // Damaged entries are parsed around.
    for (i, e) in entries(&w).iter().enumerate() {
        let bytes = std::fs::read(e).expect("read the entry");
        let damaged = if i == 0 {
            bytes[..bytes.len() / 2].to_vec()
        } else {
            bytes.iter().map(|b| b ^ 0x5a).collect()
        };
        std::fs::write(e, damaged).expect("damage the entry");
    }
    let plan = plan_both_ways(&w);
    assert_eq!(plan.code, 2);
}

#[test]
fn a_configuration_with_errors_is_never_kept() {
    let w = Workdir::new(&config(400, false));
    w.apply();
    // A tree kept for the good text must not stand in for the broken one.
    assert_eq!(plan_both_ways(&w).code, 0);
    assert_eq!(entries(&w).len(), 1);
    let broken = format!(
        "{}resource \"infra_data\" \"bad\" {{\n  input = [1,\n}}\n",
        config(400, false)
    );
    w.config(&broken);
    let before = entries(&w);
    let first = plan_both_ways(&w);
    assert_eq!(first.code, 1);
    crate::support::assert_contains(&first.stderr, "main.infra");
    assert_eq!(entries(&w), before, "no entry for a file with errors");
}
