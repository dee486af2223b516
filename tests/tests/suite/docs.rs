//! Generated documentation is up to date: docs/functions.md is produced
//! from the stdlib's own signatures, summaries and (tested) examples;
//! docs/providers.md from the provider schemas; docs/cli.md from the
//! command-line definition. Shell completions come from the same
//! definition.

use super::support::{assert_contains, infra};
use std::path::Path;

/// Asserts `docs/<name>` is `want`; with `INFRA_UPDATE_DOCS` set, writes it
/// first.
fn assert_generated(name: &str, want: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(name);
    if std::env::var_os("INFRA_UPDATE_DOCS").is_some() {
        std::fs::write(&path, want)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/{name} is out of date; regenerate it with INFRA_UPDATE_DOCS=1 cargo test -p infra-tests --test suite docs"
    );
}

#[test]
fn docs_functions_md_is_generated_from_the_stdlib() {
    assert_generated("functions.md", &infra_stdlib::markdown_reference());
}

#[test]
fn docs_providers_md_is_generated_from_the_schemas() {
    assert_generated("providers.md", &infra_providers::docs::markdown_reference());
}

#[test]
fn docs_cli_md_is_generated_from_the_argument_definitions() {
    let reference = infra_cli::docs::cli_reference();
    // Every command is there, with its example.
    for command in [
        "validate",
        "fmt",
        "eval",
        "console",
        "init",
        "plan",
        "drift",
        "apply",
        "destroy",
        "output",
        "state",
        "force-unlock",
        "import",
        "graph",
        "completions",
    ] {
        assert_contains(&reference, &format!("\n### infra {command}\n"));
    }
    assert_contains(&reference, "#### infra state mv");
    assert_contains(&reference, "| `--detailed-exitcode` |");
    assert_generated("cli.md", &reference);
}

#[test]
fn completions_cover_every_command_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = infra(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in [
            "plan",
            "apply",
            "drift",
            "force-unlock",
            "detailed-exitcode",
        ] {
            assert!(
                r.stdout.contains(word),
                "the {shell} completion script does not mention {word}"
            );
        }
    }
    let bad = infra(&["completions", "tcsh"]);
    assert_eq!(bad.code, 1);
    assert_contains(&bad.stderr, "invalid value 'tcsh'");
}
