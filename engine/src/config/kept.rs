//! Syntax trees kept for the next load of the same file in this process.
//! `infra plan` and `apply` read the root module's `required_providers`
//! (to start its plugins), and the child modules to learn which provider
//! configurations are used, before the evaluation loads those modules;
//! that load takes the trees parsed for the first read instead of parsing
//! the same text again (a second full parse was 17% of a 1,000-resource plugin
//! plan's instructions). A tree is taken (moved) at most once and only for
//! a file of the same path and exactly the same text, so one copy is held
//! at a time and nothing stale is ever used.

use super::ParsedFile;
use infra_lang::SourceFile;
use infra_lang::ast::File;
use std::sync::Mutex;

/// Trees waiting to be taken, with the file each was parsed from.
static KEPT: Mutex<Vec<ParsedFile>> = Mutex::new(Vec::new());

/// Keeps `files` (clean parses: the caller saw no diagnostic) for the next
/// [`take`] of the same path and text. Files are named by their file name
/// only, so the `main.infra` of several modules can wait at once.
pub(crate) fn keep(files: Vec<ParsedFile>) {
    if let Ok(mut kept) = KEPT.lock() {
        for f in files {
            kept.retain(|k| {
                k.source.path() != f.source.path() || k.source.text() != f.source.text()
            });
            kept.push(f);
        }
    }
}

/// The kept tree of `source`'s path when its text is exactly `source`'s,
/// removed from the kept ones.
pub(crate) fn take(source: &SourceFile) -> Option<File> {
    let mut kept = KEPT.lock().ok()?;
    let at = kept
        .iter()
        .position(|k| k.source.path() == source.path() && k.source.text() == source.text())?;
    Some(kept.swap_remove(at).ast)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parsed(path: &str, text: &str) -> ParsedFile {
        let source: Arc<SourceFile> = SourceFile::new(path, text.to_string());
        let ast = infra_lang::syntax::parse(&source).file.expect("parses");
        ParsedFile { source, ast }
    }

    #[test]
    fn a_kept_tree_is_taken_once_and_only_for_the_same_text() {
        keep(vec![parsed("kept_test_a.infra", "locals {\n  a = 1\n}\n")]);
        let other = SourceFile::new("kept_test_a.infra", "locals {\n  a = 2\n}\n");
        assert!(take(&other).is_none(), "a changed text is parsed again");
        let same = SourceFile::new("kept_test_a.infra", "locals {\n  a = 1\n}\n");
        assert!(take(&same).is_some());
        assert!(take(&same).is_none(), "taken once");
    }
}
