//! `infra fmt [--check] [--diff] [--recursive] [PATH...]`: rewrite files in
//! the canonical layout, atomically, keeping their permissions.

use crate::args::FmtArgs;
use crate::{Io, exit, render};
use infra_lang::SourceFile;
use infra_lang::diagnostic::Diagnostic;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// File extensions `infra fmt` formats when given a directory.
const EXTENSIONS: &[&str] = &["infra", "infravars"];

fn collect(path: &Path, recursive: bool, top: bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            let hidden = entry
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if entry.is_dir() {
                if recursive && !hidden {
                    collect(&entry, recursive, false, out)?;
                }
            } else if entry
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e))
            {
                out.push(entry);
            }
        }
    } else if top || path.exists() {
        out.push(path.to_path_buf());
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
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
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
pub fn run(args: &FmtArgs, base: &Path, io: &mut Io<'_>) -> i32 {
    if args.paths.len() == 1 && args.paths[0] == Path::new("-") {
        return run_stdin(args, io);
    }
    let roots: Vec<PathBuf> = if args.paths.is_empty() {
        vec![base.to_path_buf()]
    } else {
        args.paths.iter().map(|p| base.join(p)).collect()
    };
    let mut files = Vec::new();
    for root in &roots {
        if !root.exists() {
            let _ = writeln!(io.err, "Error: no file or directory at {}", root.display());
            return exit::ERROR;
        }
        if let Err(e) = collect(root, args.recursive, true, &mut files) {
            let _ = writeln!(io.err, "Error: cannot list {}: {e}", root.display());
            return exit::ERROR;
        }
    }
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
    if failed {
        exit::ERROR
    } else if args.check && unformatted {
        exit::NEEDS_FORMAT
    } else {
        exit::OK
    }
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

fn run_stdin(args: &FmtArgs, io: &mut Io<'_>) -> i32 {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        let _ = writeln!(io.err, "Error: cannot read standard input: {e}");
        return exit::ERROR;
    }
    match format_bytes("<stdin>", bytes) {
        Err(d) => {
            let _ = write!(io.err, "{}", render::human(&d, io.color, 100));
            exit::ERROR
        }
        Ok((before, after)) => {
            if args.diff {
                let _ = write!(io.out, "{}", unified_diff("<stdin>", &before, &after));
            } else if !args.check {
                let _ = write!(io.out, "{after}");
            }
            if args.check && before != after {
                exit::NEEDS_FORMAT
            } else {
                exit::OK
            }
        }
    }
}
