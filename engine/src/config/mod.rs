//! Loading a configuration directory (every `*.infra` file of one module)
//! and checking it statically: block structure, declarations, references,
//! function calls, type expressions, meta-arguments, cycles, and the
//! addresses of `moved` and `removed` blocks.

mod blocks;
mod conditions;
mod cycles;
pub mod decl;
pub mod ephemeral;
mod index;
pub mod json;
pub(crate) mod kept;
pub mod meta;
pub mod module_providers;
pub mod moves;
pub mod overlay;
pub mod parse_cache;
mod provider_functions;
mod references;
pub mod schemas;
pub mod settings;
pub mod unsupported;

pub use blocks::{BLOCK_TYPES, BlockSpec};
pub use index::Declarations;

use infra_lang::ast::File;
use infra_lang::diagnostic::{Diagnostic, has_errors};
use infra_lang::{SourceFile, Span, syntax};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One parsed file of a module.
#[derive(Debug)]
pub struct ParsedFile {
    /// The file's text and path.
    pub source: Arc<SourceFile>,
    /// Its syntax tree.
    pub ast: File,
}

/// The `syntax::invalid-utf8` diagnostic for a file whose bytes are not
/// UTF-8; `offset` is the first bad byte.
pub fn invalid_utf8(lossy: &Arc<SourceFile>, offset: usize) -> Diagnostic {
    let end = lossy.text()[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    Diagnostic::error("syntax::invalid-utf8", "the file is not valid UTF-8")
        .in_file(lossy)
        .primary(Span::new(offset, end), "invalid byte sequence here")
        .with_help("Save the file as UTF-8; .infra files cannot hold other encodings.")
}

/// The files of the module in `dir`, sorted by name: its `*.infra`
/// files, or, when it has none, its `*.tf` and `*.tf.json` files (a
/// Terraform project, read as it is). The choice is made for the whole
/// directory, never per file: with any `*.infra` file, Terraform's files
/// are not part of the module (see [`ignored_terraform_files`]).
///
/// # Errors
/// The I/O error from listing the directory.
pub fn module_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let all: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    let of = |ends: &[&str]| -> Vec<PathBuf> {
        all.iter()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| ends.iter().any(|e| n.ends_with(e)))
            })
            .cloned()
            .collect()
    };
    let infra = of(&[".infra"]);
    let mut files = if infra.is_empty() {
        let mut tf = of(&[".tf", ".tf.json"]);
        tf.retain(|p| !is_override(p));
        tf
    } else {
        infra
    };
    files.sort();
    Ok(files)
}

/// Whether `path` names a Terraform override file (not read; named in
/// the `config::unsupported` warning).
fn is_override(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(unsupported::is_override_file)
}

/// The files of a Terraform project in `dir` that infra does not read:
/// override files and `terraform test` files (none beside `*.infra`
/// files, where every Terraform file is named by
/// [`ignored_terraform_files`] instead).
fn skipped_terraform_files(dir: &Path) -> Vec<PathBuf> {
    if !ignored_terraform_files(dir).is_empty() {
        return Vec::new();
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_override(p))
        .collect();
    out.sort();
    out.extend(unsupported::test_files(dir));
    out
}

/// The `*.tf` and `*.tf.json` files of `dir` that are not part of its
/// module: all of them when it has `*.infra` files (`.infra` wins), else
/// none. Sorted by name.
pub fn ignored_terraform_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut tf = Vec::new();
    let mut has_infra = false;
    // Files only: the `.infra/` working directory is not a `*.infra` file.
    for p in rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
    {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".tf.json") || name.ends_with(".tf") {
            tf.push(p.clone());
        } else if name.ends_with(".infra") {
            has_infra = true;
        }
    }
    if !has_infra {
        return Vec::new();
    }
    tf.sort();
    tf
}

/// Parses one file of a module by its name: Terraform's JSON syntax for
/// `*.tf.json` ([`json::parse_config`]), else the HCL text syntax; a tree
/// kept by an earlier load of the same text in this process is taken
/// instead ([`kept`]).
pub fn parse_source(source: &Arc<SourceFile>) -> syntax::Parsed {
    if let Some(file) = kept::take(source) {
        return syntax::Parsed {
            file: Some(file),
            diagnostics: Vec::new(),
        };
    }
    if source.path().ends_with(".tf.json") {
        let (file, diagnostics) = json::parse_config(source);
        return syntax::Parsed { file, diagnostics };
    }
    let cached = parse_cache::entry(source);
    if let Some(file) = cached.as_ref().and_then(parse_cache::Entry::read) {
        return syntax::Parsed {
            file: Some(file),
            diagnostics: Vec::new(),
        };
    }
    let parsed = syntax::parse(source);
    if let (Some(entry), Some(file), true) = (&cached, &parsed.file, parsed.diagnostics.is_empty())
    {
        entry.write(file);
    }
    parsed
}

/// The warning `config::terraform-files-ignored` naming `files` (from
/// [`ignored_terraform_files`]), or `None` when there are none.
fn ignored_warning(files: &[PathBuf]) -> Option<Diagnostic> {
    if files.is_empty() {
        return None;
    }
    let names: Vec<String> = files.iter().map(|f| display_path(f)).collect();
    Some(
        Diagnostic::warning(
            "config::terraform-files-ignored",
            format!("not read: {}", names.join(", ")),
        )
        .with_help("A module is its *.infra files, or, when it has none, its *.tf and *.tf.json files (a Terraform project). Rename or convert the files to make them part of the module (docs/migrating-from-terraform.md)."),
    )
}

/// The directory of the module a `module` block calls, when its `source`
/// is a literal local path (`./x`, `../x`) relative to `dir`; `None` for
/// registry, `std/` and computed sources.
pub fn local_source_dir(dir: &Path, call: &infra_lang::ast::Block) -> Option<PathBuf> {
    let infra_lang::ast::ExprKind::Template(t) = &call.body.attribute(meta::SOURCE)?.expr.kind
    else {
        return None;
    };
    let source = t.as_literal()?;
    (source.starts_with("./") || source.starts_with("../")).then(|| dir.join(source))
}

/// Whether any `*.infra` file of `dir` holds the bytes `word`: a cheap
/// test before parsing a module for one block (`backend`, `encryption`),
/// so commands that only read state keep working on a configuration with
/// errors elsewhere.
pub fn module_mentions(dir: &Path, word: &[u8]) -> bool {
    !word.is_empty()
        && module_files(dir)
            .map(|files| {
                files.iter().any(|f| {
                    std::fs::read(f).is_ok_and(|b| memchr::memmem::find(&b, word).is_some())
                })
            })
            .unwrap_or(false)
}

/// Files are shown relative to the module directory, as Terraform does
/// relative to `-chdir`.
fn display_path(file: &Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads and parses every file of the module in `dir` ([`module_files`]).
///
/// Returns the files that parsed and the diagnostics of those that did
/// not (unreadable, not UTF-8, syntax errors).
pub fn load_dir(dir: &Path) -> (Vec<ParsedFile>, Vec<Diagnostic>) {
    load_dir_with(dir, &BTreeMap::new())
}

/// [`load_dir`] with `open` texts (an editor's unsaved buffers, keyed by
/// path) read instead of the files of the same path on disk; an open
/// `*.infra` path directly inside `dir` that is not on disk (yet) is part
/// of the module too. `infra lsp` checks what the user sees this way.
pub fn load_dir_with(
    dir: &Path,
    open: &BTreeMap<PathBuf, String>,
) -> (Vec<ParsedFile>, Vec<Diagnostic>) {
    load_dir_parsing(dir, open, &mut parse_source)
}

/// [`load_dir_with`], each file parsed by `parse` ([`parse_source`]
/// unless a caller keeps trees: `infra lsp` reuses
/// the trees of the files whose text did not change since it last
/// loaded the module).
pub fn load_dir_parsing(
    dir: &Path,
    open: &BTreeMap<PathBuf, String>,
    parse: &mut dyn FnMut(&Arc<SourceFile>) -> syntax::Parsed,
) -> (Vec<ParsedFile>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // `infra rollback RUN`: the module is exactly the recorded files.
    let overlaid = if open.is_empty() {
        overlay::files(dir)
    } else {
        None
    };
    let open = overlaid.as_ref().unwrap_or(open);
    let in_module = |p: &Path| {
        p.parent() == Some(dir) && p.extension().and_then(|e| e.to_str()) == Some("infra")
    };
    diags.extend(ignored_warning(&ignored_terraform_files(dir)));
    let listed = match module_files(dir) {
        _ if overlaid.is_some() => Ok(Vec::new()),
        Err(_) if open.keys().any(|p| in_module(p)) => Ok(Vec::new()),
        listed => listed,
    };
    let files = match listed.map(|mut f| {
        f.extend(open.keys().filter(|p| in_module(p)).cloned());
        f.sort();
        f.dedup();
        f
    }) {
        Ok(f) => f,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "config::unreadable",
                    format!("cannot read directory {}: {e}", dir.display()),
                )
                .with_help("Run infra in a directory of .infra files, or pass --chdir DIR."),
            );
            return (Vec::new(), diags);
        }
    };
    if files.is_empty() {
        diags.push(
            Diagnostic::error("config::empty", format!("no .infra files in {}", dir.display()))
                .with_help("A configuration is the set of *.infra files of one directory (or, when it has none, its *.tf files); run infra there or pass --chdir DIR."),
        );
    }
    let mut parsed = Vec::new();
    for path in files {
        let name = display_path(&path);
        let bytes = match open
            .get(&path)
            .map_or_else(|| std::fs::read(&path), |t| Ok(t.clone().into_bytes()))
        {
            Ok(b) => b,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "config::unreadable",
                    format!("cannot read {name}: {e}"),
                ));
                continue;
            }
        };
        let source = match SourceFile::from_bytes(name, bytes) {
            Ok(s) => s,
            Err((lossy, bad)) => {
                diags.push(invalid_utf8(&lossy, bad.offset));
                continue;
            }
        };
        let result = parse(&source);
        diags.extend(result.diagnostics);
        if let Some(ast) = result.file {
            parsed.push(ParsedFile { source, ast });
        }
    }
    let skipped = if overlaid.is_some() {
        Vec::new()
    } else {
        skipped_terraform_files(dir)
    };
    diags.extend(unsupported::warning(dir, &skipped, &parsed));
    (parsed, diags)
}

/// Modules with at least this many top-level blocks are checked on two
/// threads (below it, starting a thread costs more than it saves).
const PARALLEL_CHECK_BLOCKS: usize = 500;

/// Runs every static check on already-parsed files of one module.
pub fn check_module(files: &[ParsedFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let decls = index::index(files, &mut diags);
    diags.extend(settings::requirements(files).1);
    let blocks: usize = files.iter().map(|f| f.ast.body.items.len()).sum();
    if blocks >= PARALLEL_CHECK_BLOCKS {
        // The cycle search and the reference checks read the same tree
        // independently: on a large module, run them side by side.
        let cycle_diags = std::thread::scope(|scope| {
            let cycles = scope.spawn(|| {
                let mut d = Vec::new();
                cycles::check(files, &decls, &mut d);
                d
            });
            references::check(files, &decls, &mut diags);
            moves::check(files, &decls, &mut diags);
            cycles
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        diags.extend(cycle_diags);
    } else {
        references::check(files, &decls, &mut diags);
        moves::check(files, &decls, &mut diags);
        cycles::check(files, &decls, &mut diags);
    }
    // Report in reading order: by file, then position.
    diags.sort_by(|a, b| {
        (a.path(), a.primary_span().map(|s| s.start))
            .cmp(&(b.path(), b.primary_span().map(|s| s.start)))
    });
    diags
}

/// [`validate_dir`] plus the checks of `resource`/`data` blocks against
/// the schemas of `providers` (no network).
pub fn validate_dir_with(dir: &Path, providers: &crate::provider::Providers) -> Vec<Diagnostic> {
    let (files, diags) = load_dir(dir);
    validate_loaded(dir, &files, diags, providers)
}

/// The checks of [`validate_dir_with`] on files already loaded (by
/// [`load_dir`] or [`load_dir_with`]) with the diagnostics of loading
/// them: `infra validate`'s result, which `infra lsp` publishes. `dir`
/// is the module's directory (its child modules are read from disk).
pub fn validate_loaded(
    dir: &Path,
    files: &[ParsedFile],
    mut diags: Vec<Diagnostic>,
    providers: &crate::provider::Providers,
) -> Vec<Diagnostic> {
    if has_errors(&diags) {
        return diags;
    }
    diags.extend(check_module(files));
    if !has_errors(&diags) {
        diags.extend(schemas::check(files, providers));
        diags.extend(provider_functions::check(files, providers));
        diags.extend(ephemeral::check(files, dir, providers));
        diags.extend(module_providers::check(dir, files));
    }
    diags
}

/// `infra validate`: loads `dir` and runs every static check. Semantic
/// checks run only when every file parsed, so a syntax error is not
/// followed by a cascade of "undeclared" reports.
pub fn validate_dir(dir: &Path) -> Vec<Diagnostic> {
    let (files, mut diags) = load_dir(dir);
    if has_errors(&diags) {
        return diags;
    }
    diags.extend(check_module(&files));
    diags
}

#[cfg(test)]
mod open_tests {
    use super::*;

    #[test]
    fn open_texts_replace_and_add_to_the_files_on_disk() {
        let dir = tempfile::tempdir().expect("test setup");
        std::fs::write(dir.path().join("a.infra"), "locals {\n  a = 1\n}\n").expect("test setup");
        std::fs::write(dir.path().join("b.infra"), "locals {\n  b = 2\n}\n").expect("test setup");
        let mut open = BTreeMap::new();
        open.insert(
            dir.path().join("b.infra"),
            "locals {\n  b = local.c\n}\n".to_string(),
        );
        open.insert(
            dir.path().join("c.infra"),
            "locals {\n  c = 3\n}\n".to_string(),
        );
        open.insert(dir.path().join("sub").join("d.infra"), "x".to_string());
        let (files, diags) = load_dir_with(dir.path(), &open);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<&str> = files.iter().map(|f| f.source.path()).collect();
        assert_eq!(names, ["a.infra", "b.infra", "c.infra"]);
        assert!(files[1].source.text().contains("local.c"));
        assert!(
            validate_loaded(
                dir.path(),
                &files,
                diags,
                &crate::provider::Providers::new()
            )
            .is_empty()
        );
    }

    #[test]
    fn an_open_file_makes_a_module_of_a_directory_not_on_disk() {
        let dir = std::path::Path::new("/nonexistent-infra-dir");
        let mut open = BTreeMap::new();
        open.insert(
            dir.join("main.infra"),
            "locals {\n  a = local.nope\n}\n".to_string(),
        );
        let (files, diags) = load_dir_with(dir, &open);
        assert_eq!(files.len(), 1);
        let diags = validate_loaded(dir, &files, diags, &crate::provider::Providers::new());
        assert_eq!(diags.len(), 1, "{diags:?}");
    }
}
