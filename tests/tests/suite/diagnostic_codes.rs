//! The diagnostic code registry (`infra_lang::codes`) is complete and
//! docs/diagnostics.md agrees with it: every code literal in the
//! workspace's sources is registered, and the docs list exactly the
//! registered codes.

use infra_lang::codes::{CODES, lookup};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The crates whose sources emit diagnostics.
const CRATES: &[&str] = &[
    "lang",
    "stdlib",
    "engine",
    "providers",
    "cli",
    "fuzz-targets",
    "bench",
];

/// Codes used only by test code, never shown to a user: the scope of the
/// stdlib's documented-example harness (`stdlib/src/harness.rs`,
/// `#[cfg(test)]`).
const TEST_ONLY: &[&str] = &["test::reference"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `area::what` with a lowercase area and a lowercase, dashed name.
fn is_code(s: &str) -> bool {
    let Some((area, what)) = s.split_once("::") else {
        return false;
    };
    let starts_lower = |x: &str| x.starts_with(|c: char| c.is_ascii_lowercase());
    starts_lower(area)
        && starts_lower(what)
        && area
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && what
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Every string literal of the form `"area::what"` in `text`.
fn code_literals(text: &str) -> Vec<String> {
    text.split('"')
        .filter(|s| is_code(s))
        .map(str::to_string)
        .collect()
}

/// The codes in the first column of docs/diagnostics.md's tables.
fn documented() -> BTreeSet<String> {
    let path = workspace().join("docs/diagnostics.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = BTreeSet::new();
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let first = line.split('|').nth(1).unwrap_or("");
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 1 && is_code(part) {
                out.insert(part.to_string());
            }
        }
    }
    out
}

#[test]
fn every_code_literal_in_the_sources_is_registered() {
    let mut files = Vec::new();
    for c in CRATES {
        rust_files(&workspace().join(c).join("src"), &mut files);
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    let mut missing = BTreeSet::new();
    let mut used = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for code in code_literals(&text) {
            if TEST_ONLY.contains(&code.as_str()) {
                continue;
            }
            if lookup(&code).is_none() {
                missing.insert(format!("{code} ({})", f.display()));
            }
            used.insert(code);
        }
    }
    assert!(
        missing.is_empty(),
        "codes used in the sources but not in lang/src/codes.rs (add them there and to docs/diagnostics.md):\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
    assert!(used.len() > 100, "found only {} codes", used.len());
}

#[test]
fn docs_diagnostics_md_lists_exactly_the_registered_codes() {
    let docs = documented();
    let registry: BTreeSet<String> = CODES.iter().map(|c| c.code.to_string()).collect();
    let undocumented: Vec<&String> = registry.difference(&docs).collect();
    let unregistered: Vec<&String> = docs.difference(&registry).collect();
    assert!(
        undocumented.is_empty() && unregistered.is_empty(),
        "docs/diagnostics.md and lang/src/codes.rs disagree.\nRegistered but not documented: {undocumented:?}\nDocumented but not registered: {unregistered:?}"
    );
}

#[test]
fn the_scanner_finds_codes_in_every_constructor_shape() {
    let text = r#"Diagnostic::error("eval::failed", "x"); self.error(
        "eval::try-failed", span); const C: &str = "eval::upstream"; "std::fmt is not code" "#;
    assert_eq!(
        code_literals(text),
        ["eval::failed", "eval::try-failed", "eval::upstream"]
    );
}
