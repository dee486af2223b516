//! The root module's files replaced, for the duration of a closure, by
//! other texts (`infra rollback RUN` plans and applies the configuration
//! an earlier run recorded without writing it to the user's directory).
//! Every load of that directory ([`super::load_dir`], from any thread: the
//! planner loads on one of its own) reads the texts instead of the disk;
//! other directories (child modules, other commands' directories in the
//! in-process test suite) are read as usual.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Overlaid directories and their files (path → text).
type Overlays = BTreeMap<PathBuf, BTreeMap<PathBuf, String>>;

static OVERLAY: Mutex<Overlays> = Mutex::new(BTreeMap::new());

fn overlays() -> std::sync::MutexGuard<'static, Overlays> {
    OVERLAY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `f` with the module in `dir` made of exactly `files` (file name →
/// text), then restores the disk's view (also when `f` panics).
pub fn with_files<T>(dir: &Path, files: &BTreeMap<String, String>, f: impl FnOnce() -> T) -> T {
    struct Restore(PathBuf, Option<BTreeMap<PathBuf, String>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let mut o = overlays();
            match self.1.take() {
                Some(previous) => o.insert(self.0.clone(), previous),
                None => o.remove(&self.0),
            };
        }
    }
    let texts = files
        .iter()
        .map(|(name, text)| (dir.join(name), text.clone()))
        .collect();
    let previous = overlays().insert(dir.to_path_buf(), texts);
    let _restore = Restore(dir.to_path_buf(), previous);
    f()
}

/// The overlaid files of `dir` (path → text), when it is overlaid.
pub fn files(dir: &Path) -> Option<BTreeMap<PathBuf, String>> {
    overlays().get(dir).cloned()
}

/// The root module's files of `dir` as `(file name, text)`: the overlay's
/// when one is active, else the `*.infra` files on disk.
///
/// # Errors
/// The directory or a file cannot be read.
pub fn module_texts(dir: &Path) -> std::io::Result<BTreeMap<String, String>> {
    if let Some(files) = files(dir) {
        return Ok(files
            .into_iter()
            .filter_map(|(p, t)| Some((p.file_name()?.to_string_lossy().into_owned(), t)))
            .collect());
    }
    let mut out = BTreeMap::new();
    for p in super::module_files(dir)? {
        if let Some(name) = p.file_name() {
            out.insert(
                name.to_string_lossy().into_owned(),
                std::fs::read_to_string(&p)?,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlay_replaces_the_directory_only_while_it_lasts() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.infra"), "locals {\n  a = 1\n}\n").expect("write");
        let recorded = BTreeMap::from([(
            "old.infra".to_string(),
            "locals {\n  b = 2\n}\n".to_string(),
        )]);
        let names = |d: &Path| -> Vec<String> {
            super::super::load_dir(d)
                .0
                .iter()
                .map(|f| f.source.path().to_string())
                .collect()
        };
        let inside = with_files(dir.path(), &recorded, || {
            (names(dir.path()), module_texts(dir.path()).expect("texts"))
        });
        assert_eq!(inside.0, ["old.infra"]);
        assert_eq!(inside.1, recorded);
        assert_eq!(names(dir.path()), ["main.infra"]);
        assert!(files(dir.path()).is_none());
    }
}
