//! The fuzz targets' committed corpus (`fuzz/corpus/<target>/`), replayed
//! through the same functions cargo-fuzz drives (`infra-fuzz-targets`):
//! every input a fuzzing run kept, and every input that once crashed a
//! target, stays a regression test of the suite.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[test]
fn every_corpus_input_of_every_fuzz_target_passes() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut failures = Vec::new();
    for (name, target) in infra_fuzz_targets::TARGETS {
        let dir = corpus.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        assert!(
            files.len() >= 10,
            "{} holds {} inputs",
            dir.display(),
            files.len()
        );
        for file in files {
            let data = std::fs::read(&file).unwrap_or_default();
            if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz corpus inputs failing: {failures:#?}"
    );
}
