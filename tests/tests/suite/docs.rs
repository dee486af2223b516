//! Generated documentation is up to date: docs/functions.md is produced
//! from the stdlib's own signatures, summaries and (tested) examples;
//! docs/providers.md from the provider schemas.

use std::path::Path;

#[test]
fn docs_functions_md_is_generated_from_the_stdlib() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/functions.md");
    let want = infra_stdlib::markdown_reference();
    if std::env::var_os("INFRA_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/functions.md is out of date; regenerate it with INFRA_UPDATE_DOCS=1 cargo test -p infra-tests --test suite docs"
    );
}

#[test]
fn docs_providers_md_is_generated_from_the_schemas() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/providers.md");
    let want = infra_providers::docs::markdown_reference();
    if std::env::var_os("INFRA_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/providers.md is out of date; regenerate it with INFRA_UPDATE_DOCS=1 cargo test -p infra-tests --test suite docs"
    );
}
