//! Reparsing with reuse gives exactly a full parse's tree (spans included)
//! and diagnostics, and parses again only what an edit touched.

use super::*;
use proptest::prelude::*;

/// A file of `n` resource blocks with nested blocks, templates, heredocs,
/// comments and `for` expressions, well over [`SMALL_FILE`].
fn config(n: usize) -> String {
    let mut s = String::from("# a configuration\nvariable \"env\" {\n  default = \"dev\"\n}\n\n");
    for i in 0..n {
        s.push_str(&format!(
            "resource \"infra_data\" \"r{i}\" {{\n  input = {{\n    name = \"svc-${{var.env}}-{i}\"\n    tags = {{ for k in [\"a\", \"b\"] : k => upper(k) if k != \"c\" }}\n    n    = {i} + 1 * 2\n  }}\n  lifecycle {{\n    ignore_changes = [input.n]\n  }}\n}}\n// after r{i}\n\n"
        ));
        if i % 50 == 0 {
            s.push_str(&format!("locals {{\n  doc{i} = <<-EOT\n    line ${{var.env}}\n    %{{ if true }}yes%{{ endif }}\n  EOT\n}}\n\n"));
        }
    }
    s
}

fn source(text: &str) -> Arc<SourceFile> {
    SourceFile::new("main.infra", text.to_string())
}

/// The tree and diagnostics as text, spans included.
fn shown(p: &Parsed) -> String {
    let diags: Vec<String> = p
        .diagnostics
        .iter()
        .map(|d| format!("{} {} {:?}", d.code, d.message, d.labels))
        .collect();
    format!("{:?}\n{diags:?}", p.file)
}

/// Parses `text` with `cache` and checks the result against a full parse.
fn check(text: &str, cache: &mut ItemCache) -> usize {
    let src = source(text);
    let (reused, parsed) = parse_reusing(&src, cache);
    assert_eq!(shown(&reused), shown(&parse(&src)), "for text:\n{text}");
    parsed
}

#[test]
fn an_edit_parses_only_the_item_it_changed() {
    let text = config(200);
    let mut cache = ItemCache::default();
    let first = check(&text, &mut cache);
    assert!(first > 200, "first parse parsed {first} ranges");
    assert_eq!(check(&text, &mut cache), 0);
    // A change of length in the middle moves every span after it.
    let edited = text.replacen("n    = 100 + 1", "n    = 100000 + 1", 1);
    assert_eq!(check(&edited, &mut cache), 1);
    let shorter = edited.replacen("\"svc-${var.env}-7\"", "\"s\"", 1);
    assert_eq!(check(&shorter, &mut cache), 1);
}

#[test]
fn a_syntax_error_is_reported_as_by_a_full_parse_and_its_fix_reuses_the_rest() {
    let text = config(200);
    let mut cache = ItemCache::default();
    check(&text, &mut cache);
    let broken = text.replacen("n    = 120 + 1 * 2", "n    = 120 +", 1);
    check(&broken, &mut cache);
    assert!(parse(&source(&broken)).file.is_none());
    assert!(!cache.is_empty(), "the error kept the cache");
    // The item as it was before the error is still there.
    assert_eq!(check(&text, &mut cache), 0);
}

#[test]
fn a_cut_the_scan_misplaces_inside_a_heredoc_is_never_reused() {
    // The scan takes the `EOT` inside `${ }` for the heredoc's end and cuts
    // at `b` and at the real `EOT`: those ranges begin inside `a`.
    let filler = format!("#{}\n", "x".repeat(SMALL_FILE));
    let text = format!("a = <<EOT\n${{\nEOT\n}}\nb = 1\nEOT\n{filler}");
    let mut cache = ItemCache::default();
    check(&text, &mut cache);
    check(&format!("a = 2\nb = 1\nc = 3\n{filler}"), &mut cache);
    check(&format!("a = 2\nb = 1\nEOT\n{filler}"), &mut cache);
}

#[test]
fn small_files_are_parsed_whole() {
    let mut cache = ItemCache::default();
    assert_eq!(check("locals {\n  a = 1\n}\n", &mut cache), 1);
    assert!(cache.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random edits, one after another with one cache: each parse agrees
    /// with a full parse of the same text.
    #[test]
    fn random_edits_agree_with_full_parses(
        edits in proptest::collection::vec(
            (0.0f64..1.0, 0usize..40, "[a-z{}\\[\\]\"=#\\n ${}().,:?0-9~%<-]{0,12}"),
            1..6,
        )
    ) {
        let mut text = config(120);
        let mut cache = ItemCache::default();
        check(&text, &mut cache);
        for (at, remove, insert) in edits {
            let mut start = ((text.len() as f64) * at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + remove).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(start..end, &insert);
            check(&text, &mut cache);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Edits that keep the file valid (a digit replaced by a number, a
    /// block inserted at a line start): the reused parse agrees with a full
    /// one and parses few items again.
    #[test]
    fn valid_edits_agree_with_full_parses_and_reuse_the_rest(
        edits in proptest::collection::vec((0.0f64..1.0, 0u32..100_000, proptest::bool::ANY), 1..8)
    ) {
        let mut text = config(120);
        let mut cache = ItemCache::default();
        check(&text, &mut cache);
        for (at, n, insert_block) in edits {
            let anchors: Vec<usize> = if insert_block {
                text.match_indices("\nresource").map(|(i, _)| i + 1).collect()
            } else {
                text.match_indices(|c: char| c.is_ascii_digit()).map(|(i, _)| i).collect()
            };
            let i = anchors[((anchors.len() as f64) * at) as usize % anchors.len()];
            if insert_block {
                text.insert_str(i, &format!("locals {{\n  added{n} = {n}\n}}\n"));
            } else {
                text.replace_range(i..i + 1, &n.to_string());
            }
            let parsed = check(&text, &mut cache);
            prop_assert!(parsed <= 2, "an edit parsed {} ranges again", parsed);
        }
    }
}
