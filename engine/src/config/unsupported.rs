//! The constructs of Terraform's language that infra accepts but does not
//! carry out yet, gathered into one warning (`config::unsupported`) that
//! lists each with its `file:line`, so none is ignored silently: a
//! Terraform project reads as it is, and its user learns at `init`,
//! `validate` and `plan` what has no effect.

use super::{ParsedFile, display_path, meta};
use infra_lang::ast::{Block, BodyItem};
use infra_lang::{Diagnostic, SourceFile, Span};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Whether `name` is a Terraform override file (`override.tf`,
/// `NAME_override.tf`, and their `.tf.json` forms), which Terraform merges
/// into the other files' blocks and infra does not read.
pub fn is_override_file(name: &str) -> bool {
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"));
    stem.is_some_and(|s| s == "override" || s.ends_with("_override"))
}

/// The `terraform test` files of the module in `dir` (`*.tftest.hcl`,
/// `*.tftest.json`, in `dir` or its `tests/`), which infra does not run.
pub fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = [dir.to_path_buf(), dir.join("tests")]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".tftest.hcl") || n.ends_with(".tftest.json"))
        })
        .collect();
    out.sort();
    out
}

/// One construct: where and what.
struct Found {
    source: Arc<SourceFile>,
    span: Span,
    what: String,
}

/// The warning naming every construct of `files` infra does not carry
/// out, plus the `skipped` files of the directory it does not read
/// (override and test files, named relative to `dir`); `None` when there
/// is none.
pub fn warning(dir: &Path, skipped: &[PathBuf], files: &[ParsedFile]) -> Option<Diagnostic> {
    let mut found = Vec::new();
    for f in files {
        for item in &f.ast.body.items {
            if let BodyItem::Block(b) = item {
                top_level(&f.source, b, &mut found);
            }
        }
    }
    let mut entries: Vec<String> = skipped
        .iter()
        .map(|p| {
            let shown = p
                .strip_prefix(dir)
                .map_or_else(|_| display_path(p), |r| r.display().to_string());
            if is_override_file(&shown) {
                format!("override file {shown} (not read)")
            } else {
                format!("test file {shown} (`terraform test` is not run)")
            }
        })
        .collect();
    entries.extend(found.iter().map(|f| {
        let line = f.source.line_col(f.span.start).line;
        format!("{} at {}:{line}", f.what, f.source.path())
    }));
    if entries.is_empty() {
        return None;
    }
    let mut d = Diagnostic::warning(
        "config::unsupported",
        format!(
            "not supported by infra yet, without effect: {}",
            entries.join("; ")
        ),
    )
    .with_help("These parts of the configuration are accepted so the project reads as it is, but infra does not carry them out (docs/migrating-from-terraform.md, \"Differences that remain\").");
    if let Some(first) = found.first() {
        d = d
            .in_file(&first.source)
            .primary(first.span, "the first of them");
    }
    Some(d)
}

/// The constructs in one top-level block.
fn top_level(src: &Arc<SourceFile>, b: &Block, out: &mut Vec<Found>) {
    let mut push = |span: Span, what: String| {
        out.push(Found {
            source: src.clone(),
            span,
            what,
        })
    };
    match b.kind.name.as_str() {
        "resource" | "data" => {
            for nb in b.body.blocks() {
                match nb.kind.name.as_str() {
                    meta::PROVISIONER => {
                        let kind = nb.labels.first().map_or("", |l| l.value.as_str());
                        push(nb.kind.span, format!("`provisioner \"{kind}\"` (not run)"));
                    }
                    meta::CONNECTION => push(nb.kind.span, "`connection`".into()),
                    _ => {}
                }
            }
        }
        "module" => {
            if let Some(a) = b.body.attribute(meta::VERSION) {
                push(
                    a.name.span,
                    "`version` of a module (only local sources are read)".into(),
                );
            }
        }
        "output" => {
            if let Some(a) = b.body.attribute(meta::DEPENDS_ON) {
                push(a.name.span, "`depends_on` of an output".into());
            }
        }
        "provider" => {
            if let Some(a) = b.body.attribute(meta::VERSION) {
                push(
                    a.name.span,
                    "`version` of a provider block (use `required_providers`)".into(),
                );
            }
        }
        "terraform" | "infra" => {
            for item in &b.body.items {
                match item {
                    BodyItem::Attribute(a)
                        if [meta::EXPERIMENTS, meta::LANGUAGE].contains(&a.name.name.as_str()) =>
                    {
                        push(a.name.span, format!("`{}`", a.name.name));
                    }
                    BodyItem::Block(nb) if nb.kind.name == meta::PROVIDER_META => {
                        push(nb.kind.span, "`provider_meta`".into());
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_files_are_recognised_by_name() {
        for yes in [
            "override.tf",
            "a_override.tf",
            "override.tf.json",
            "x_override.tf.json",
        ] {
            assert!(is_override_file(yes), "{yes}");
        }
        for no in ["overrides.tf", "a-override.tf", "override.infra", "main.tf"] {
            assert!(!is_override_file(no), "{no}");
        }
    }

    #[test]
    fn every_construct_is_named_with_its_line_in_one_warning() {
        let text = "resource \"t\" \"a\" {\n  provisioner \"local-exec\" {\n  }\n  connection {\n  }\n}\n\noutput \"o\" {\n  value      = 1\n  depends_on = []\n}\n";
        let source = SourceFile::new("main.tf", text);
        let ast = infra_lang::syntax::parse(&source).file.expect("parses");
        let files = [ParsedFile { source, ast }];
        let dir = Path::new("/p");
        let d = warning(dir, &[dir.join("x_override.tf")], &files).expect("warning");
        assert_eq!(d.code, "config::unsupported");
        for part in [
            "override file x_override.tf (not read)",
            "`provisioner \"local-exec\"` (not run) at main.tf:2",
            "`connection` at main.tf:4",
            "`depends_on` of an output at main.tf:10",
        ] {
            assert!(d.message.contains(part), "{part} in {}", d.message);
        }
        assert!(warning(dir, &[], &[]).is_none());
    }
}
