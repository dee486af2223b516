//! `infra fmt [--check] [--diff] [--recursive] [PATH...]`: rewrite files in
//! the canonical layout, atomically, keeping their permissions. A linked
//! file is rewritten where it is (the link stays); walking a directory
//! never leaves it (links to directories are not followed, links to files
//! outside it are skipped).

use super::{Failed, OrFail, Outcome};
use crate::args::FmtArgs;
use crate::{Io, exit, render};
use infra_lang::SourceFile;
use infra_lang::diagnostic::Diagnostic;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// File extensions `infra fmt` formats when given a directory.
const EXTENSIONS: &[&str] = &["infra", "infravars"];

/// The files `infra fmt` works on, in order, each once.
#[derive(Default)]
struct Found {
    /// The paths as named (a link keeps its own name).
    files: Vec<PathBuf>,
    /// The real files already listed (two names of one file: once).
    seen: HashSet<PathBuf>,
    /// Links inside a walked directory that lead out of it: left alone.
    outside: Vec<PathBuf>,
}

impl Found {
    fn push(&mut self, path: PathBuf) {
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self.seen.insert(real) {
            self.files.push(path);
        }
    }
}

fn has_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
}

/// Lists the files to format under `path`, a path the user named: a file
/// is taken as is (through a link, wherever it leads); a directory is
/// walked (subdirectories when `recursive`, never hidden ones). The walk
/// never leaves the directory: links to directories are not followed, and
/// a link to a file is taken only when the file is inside it.
fn collect(path: &Path, recursive: bool, found: &mut Found) -> std::io::Result<()> {
    if !path.is_dir() {
        found.push(path.to_path_buf());
        return Ok(());
    }
    let root = std::fs::canonicalize(path)?;
    walk(path, &root, recursive, found)
}

fn walk(dir: &Path, root: &Path, recursive: bool, found: &mut Found) -> std::io::Result<()> {
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().and_then(|e| Some((e.path(), e.file_type().ok()?))))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (entry, kind) in entries {
        let hidden = entry
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if kind.is_dir() {
            if recursive && !hidden {
                walk(&entry, root, recursive, found)?;
            }
        } else if has_extension(&entry) {
            if kind.is_symlink() {
                match std::fs::canonicalize(&entry) {
                    Ok(target) if target.is_file() && target.starts_with(root) => {
                        found.push(entry);
                    }
                    Ok(target) if target.is_file() => found.outside.push(entry),
                    // A link to a directory, or a dangling one.
                    _ => {}
                }
            } else {
                found.push(entry);
            }
        }
    }
    Ok(())
}

fn display(path: &Path) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Writes `text` to `path` through a temporary file in the same directory,
/// fsynced and renamed over the original (which keeps its permissions).
/// A link is written through: its target is replaced, the link stays.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let real = std::fs::canonicalize(path)?;
    let path = real.as_path();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn unified_diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}

/// Runs `infra fmt`; see [`FmtArgs`] for the flags and exit codes.
pub fn run(args: &FmtArgs, base: &Path, io: &mut Io<'_>) -> Outcome {
    if args.paths.len() == 1 && args.paths[0] == Path::new("-") {
        return run_stdin(args, io);
    }
    let roots: Vec<PathBuf> = if args.paths.is_empty() {
        vec![base.to_path_buf()]
    } else {
        args.paths.iter().map(|p| base.join(p)).collect()
    };
    let mut found = Found::default();
    for root in &roots {
        if !root.exists() {
            return Err(Failed::note(format!(
                "Error: no file or directory at {}",
                root.display()
            )));
        }
        collect(root, args.recursive, &mut found)
            .map_err(|e| Failed::note(format!("Error: cannot list {}: {e}", root.display())))?;
    }
    for link in &found.outside {
        let name = display(link.strip_prefix(base).unwrap_or(link));
        let _ = writeln!(
            io.err,
            "Skipping {name}: it links to a file outside the directory being formatted (name that file to format it)."
        );
    }
    let files = found.files;
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut failed = false;
    let mut unformatted = false;
    for file in files {
        let name = display(file.strip_prefix(base).unwrap_or(&file));
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                let _ = writeln!(io.err, "Error: cannot read {name}: {e}");
                failed = true;
                continue;
            }
        };
        match format_bytes(&name, bytes) {
            Err(mut d) => diags.append(&mut d),
            Ok((before, after)) => {
                if before == after {
                    continue;
                }
                unformatted = true;
                if !args.no_list {
                    let _ = writeln!(io.out, "{name}");
                }
                if args.diff {
                    let _ = write!(io.out, "{}", unified_diff(&name, &before, &after));
                }
                if !args.check
                    && let Err(e) = write_atomically(&file, &after)
                {
                    let _ = writeln!(io.err, "Error: cannot write {name}: {e}");
                    failed = true;
                }
            }
        }
    }
    if !diags.is_empty() {
        let _ = write!(io.err, "{}", render::human(&diags, io.color, 100));
        failed = true;
    }
    Ok(if failed {
        exit::ERROR
    } else if args.check && unformatted {
        exit::NEEDS_FORMAT
    } else {
        exit::OK
    })
}

fn format_bytes(name: &str, bytes: Vec<u8>) -> Result<(String, String), Vec<Diagnostic>> {
    let source = match SourceFile::from_bytes(name, bytes) {
        Ok(s) => s,
        Err((lossy, bad)) => {
            return Err(vec![infra_engine::config::invalid_utf8(&lossy, bad.offset)]);
        }
    };
    let after = infra_lang::fmt::format_source(&source)?;
    Ok((source.text().to_string(), after))
}

fn run_stdin(args: &FmtArgs, io: &mut Io<'_>) -> Outcome {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Failed::note(format!("Error: cannot read standard input: {e}")))?;
    let (before, after) = format_bytes("<stdin>", bytes).or_fail(false)?;
    if args.diff {
        let _ = write!(io.out, "{}", unified_diff("<stdin>", &before, &after));
    } else if !args.check {
        let _ = write!(io.out, "{after}");
    }
    Ok(if args.check && before != after {
        exit::NEEDS_FORMAT
    } else {
        exit::OK
    })
}
