//! Built-in filesystem functions: reading files (relative paths resolve
//! against the directory infra runs in, as in Terraform), globbing, templates, and lexical path
//! manipulation.

use super::encoding::b64;
use crate::args::{get, string};
use crate::{Builtin, Example, FnContext, FnError, Returns, limits};
use infra_lang::ast::Ident;
use infra_lang::eval::{Evaluator, Scope, Site, Step};
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, SourceFile, Span, Value};
use std::path::{Path, PathBuf};

/// The filesystem functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin {
        name: "file",
        group: "filesystem",
        summary: "The contents of a UTF-8 text file (a relative path is taken from the root module's directory; use `${path.module}/...` in a module).",
        examples: &[Example {
            expr: r#"file("${path.module}/hello.txt")"#,
            result: r#""Hello World""#,
        }],
        returns: Returns::String,
        raw: false,
        run: file,
    },
    Builtin {
        name: "fileexists",
        group: "filesystem",
        summary: "Whether a file exists at the path; fails when the path is a directory.",
        examples: &[Example {
            expr: r#"fileexists("${path.module}/missing.txt")"#,
            result: "false",
        }],
        returns: Returns::Bool,
        raw: false,
        run: fileexists,
    },
    Builtin {
        name: "fileset",
        group: "filesystem",
        summary: "The files under a directory whose relative paths match a glob (`*`, `**`, `?`, `[a-z]`, `{a,b}`), as a set of `/`-separated paths. Symlinked directories are not followed, and a pattern that makes the walk look at more than a million files and directories is an error (Terraform walks on).",
        examples: &[Example {
            expr: r#"fileset("${path.module}/site", "**/*.html")"#,
            result: "toset([\n  \"index.html\",\n  \"sub/about.html\",\n])",
        }],
        returns: Returns::Any,
        raw: false,
        run: fileset,
    },
    Builtin {
        name: "filebase64",
        group: "filesystem",
        summary: "The bytes of a file, Base64-encoded (for binary files).",
        examples: &[Example {
            expr: r#"filebase64("${path.module}/hello.txt")"#,
            result: r#""SGVsbG8gV29ybGQ=""#,
        }],
        returns: Returns::String,
        raw: false,
        run: filebase64,
    },
    Builtin {
        name: "templatefile",
        group: "filesystem",
        summary: "Renders a template file (`${...}` interpolations, `%{if}`/`%{for}` directives) with the variables of a map or object.",
        examples: &[Example {
            expr: r#"templatefile("${path.module}/greeting.tftpl", { name = "World", items = ["a"] })"#,
            result: r#""Hello, World!\n- a\n""#,
        }],
        returns: Returns::Any,
        raw: false,
        run: templatefile,
    },
    Builtin {
        name: "abspath",
        group: "filesystem",
        summary: "The absolute, cleaned form of a path (a relative path is taken from the current directory).",
        examples: &[Example {
            expr: r#"abspath("/a/b/../c/")"#,
            result: r#""/a/c""#,
        }],
        returns: Returns::String,
        raw: false,
        run: abspath,
    },
    Builtin {
        name: "dirname",
        group: "filesystem",
        summary: "All but the last element of a path (`.` when there is none), as Go's `filepath.Dir`.",
        examples: &[Example {
            expr: r#"dirname("foo/bar/baz.txt")"#,
            result: r#""foo/bar""#,
        }],
        returns: Returns::String,
        raw: false,
        run: dirname,
    },
    Builtin {
        name: "basename",
        group: "filesystem",
        summary: "The last element of a path, trailing slashes ignored, as Go's `filepath.Base`.",
        examples: &[Example {
            expr: r#"basename("foo/bar/baz.txt")"#,
            result: r#""baz.txt""#,
        }],
        returns: Returns::String,
        raw: false,
        run: basename,
    },
    Builtin {
        name: "pathexpand",
        group: "filesystem",
        summary: "Replaces a leading `~` with the current user's home directory.",
        examples: &[Example {
            expr: r#"pathexpand("/etc/hosts")"#,
            result: r#""/etc/hosts""#,
        }],
        returns: Returns::String,
        raw: false,
        run: pathexpand,
    },
];

/// `~` or `~/...` expanded to the home directory.
fn expand_home(path: &str) -> String {
    let home = || std::env::var("HOME").unwrap_or_default();
    if path == "~" {
        home()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{}/{rest}", home().trim_end_matches('/'))
    } else {
        path.to_string()
    }
}

/// Argument `i` as a path: `~` expanded, relative paths joined to the
/// base directory (the root module's). Returns the path as given (for messages) and the
/// resolved one.
fn path_arg(args: &[Value], i: usize, ctx: &FnContext<'_>) -> Result<(String, PathBuf), FnError> {
    let given = string(args, i)?;
    let expanded = PathBuf::from(expand_home(&given));
    let full = if expanded.is_absolute() {
        expanded
    } else {
        ctx.base_dir.join(expanded)
    };
    Ok((given, full))
}

/// The bytes of the file named by argument `i`, with Terraform's errors.
pub(crate) fn read_file(args: &[Value], i: usize, ctx: &FnContext<'_>) -> Result<Vec<u8>, FnError> {
    let (given, path) = path_arg(args, i, ctx)?;
    std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FnError::arg(i, format!("no file exists at {given:?}"))
            .with_help(
                "This function works only with files that are part of the configuration; \
                 for a file a resource creates, use that resource's attributes instead.",
            ),
        _ if path.is_dir() => {
            FnError::arg(i, format!("failed to read file: {given:?} is a directory"))
        }
        _ => FnError::arg(i, format!("failed to read file {given:?}: {e}")),
    })
}

/// The UTF-8 text of the file named by argument `i`.
fn read_text(args: &[Value], i: usize, ctx: &FnContext<'_>) -> Result<String, FnError> {
    let bytes = read_file(args, i, ctx)?;
    String::from_utf8(bytes).map_err(|_| {
        let given = string(args, i).unwrap_or_default();
        FnError::arg(i, format!("contents of {given:?} are not valid UTF-8"))
            .with_help("Use `filebase64` for the Base64-encoded contents, or `filemd5`, `filesha256`... for a hash.")
    })
}

fn file(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    read_text(&args, 0, ctx).map(Value::String)
}

fn filebase64(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::String(b64(&read_file(&args, 0, ctx)?)))
}

fn fileexists(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    let (given, path) = path_arg(&args, 0, ctx)?;
    match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => Err(FnError::arg(
            0,
            format!("{given:?} is a directory, not a file"),
        )),
        Ok(m) if m.is_file() => Ok(Value::Bool(true)),
        Ok(_) => Err(FnError::arg(0, format!("{given:?} is not a regular file"))),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(Value::Bool(false))
        }
        Err(e) => Err(FnError::arg(0, format!("failed to stat {given:?}: {e}"))),
    }
}

/// Go's `filepath.Clean` on a `/`-separated path.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn fileset(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    let (_, base) = path_arg(&args, 0, ctx)?;
    let pattern = string(&args, 1)?;
    let base = clean(&base.to_string_lossy());
    let full = clean(&format!("{base}/{pattern}")).replace("[^", "[!");
    let glob = globset::GlobBuilder::new(&full)
        .literal_separator(true)
        .backslash_escape(true)
        .empty_alternates(true)
        .build()
        .map_err(|e| {
            FnError::arg(
                1,
                format!("failed to glob pattern {pattern:?}: {}", e.kind()),
            )
        })?
        .compile_matcher();
    // Walk from the deepest directory of the pattern without wildcards.
    let mut root = String::new();
    for part in full.split('/') {
        if part.contains(['*', '?', '[', '{', '\\']) {
            break;
        }
        root.push_str(part);
        root.push('/');
    }
    let mut found = Vec::new();
    let mut bytes: u128 = 0;
    let mut err = None;
    walk(
        Path::new(if root.is_empty() { "." } else { &root }),
        &mut |p| {
            let s = p.to_string_lossy();
            let s = clean(&s);
            if glob.is_match(&s) {
                let rel = s
                    .strip_prefix(&base)
                    .map(|r| r.trim_start_matches('/'))
                    .unwrap_or(&s);
                bytes += rel.len() as u128;
                if let Err(e) = limits::check_elements(found.len() as u128 + 2, "a set of file names")
                    .and_then(|()| limits::check_string(bytes, "file names"))
                {
                    err = Some(e);
                    return false;
                }
                found.push(Value::string(rel));
            }
            true
        },
    )
    .map_err(|visited| {
        FnError::arg(
            1,
            format!(
                "the pattern {pattern:?} makes fileset look at more than {visited} files and directories"
            ),
        )
        .with_help("Start the pattern with the directory that holds the files, e.g. `fileset(path.module, \"site/**\")`.")
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    Ok(Value::set(Type::String, found))
}

/// Most directory entries one `fileset` call looks at (a million): the
/// walk of `fileset("/", "**")` stops there with an error instead of
/// running on.
pub(crate) const MAX_FILESET_ENTRIES: usize = 1_000_000;

/// Calls `f` with every regular file under `dir`, depth first without
/// recursion; symlinked directories are not followed, so a link back up
/// the tree cannot make the walk loop. Stops when `f` returns false.
///
/// # Errors
/// [`MAX_FILESET_ENTRIES`] when the walk would look at more entries than
/// that.
fn walk(dir: &Path, f: &mut dyn FnMut(&Path) -> bool) -> Result<(), usize> {
    walk_at_most(dir, MAX_FILESET_ENTRIES, f)
}

fn walk_at_most(dir: &Path, max: usize, f: &mut dyn FnMut(&Path) -> bool) -> Result<(), usize> {
    let mut visited = 0usize;
    let mut todo = vec![dir.to_path_buf()];
    let mut top = true;
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            if top && dir.is_file() {
                f(&dir);
            }
            top = false;
            continue;
        };
        top = false;
        let mut subdirs = Vec::new();
        for entry in entries.flatten() {
            visited += 1;
            if visited > max {
                return Err(max);
            }
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => subdirs.push(path),
                Ok(_) if path.is_file() && !f(&path) => return Ok(()),
                _ => {}
            }
        }
        // Depth first, in the order read_dir gave.
        todo.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

/// What a template sees: the variables, and every function but
/// `templatefile`.
struct TemplateScope<'a> {
    vars: ValueMap,
    ctx: &'a FnContext<'a>,
    display: String,
}

impl Scope for TemplateScope<'_> {
    fn resolve(
        &self,
        root: &Ident,
        _: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        match self.vars.get(&root.name) {
            Some(v) => Ok((v.clone(), 0)),
            None => Err(site
                .error(
                    "function::template-variable",
                    format!(
                        "vars map does not contain key {:?}, referenced in {}",
                        root.name, self.display
                    ),
                    "not in the vars map",
                )
                .with_help(format!(
                    "Add `{} = ...` to the variables passed to templatefile.",
                    root.name
                ))),
        }
    }

    fn call(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        if name.name == "templatefile" {
            return Err(site.error(
                "function::template-recursion",
                "cannot call templatefile from inside a template",
                "recursive call",
            ));
        }
        crate::call_at(&name.name, args, self.ctx, arg_spans, site)
    }
}

/// A valid template variable name: a letter, then letters, digits, `_`
/// or `-`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(char::is_alphabetic)
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn templatefile(args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    let text = read_text(&args, 0, ctx)?;
    let given = string(&args, 0)?;
    let vars = match get(&args, 1) {
        Value::Map(_, m) | Value::Object(m) => m,
        other => {
            return Err(FnError::arg(
                1,
                format!(
                    "invalid vars value: must be a map, got {}",
                    other.describe()
                ),
            ));
        }
    };
    if let Some(bad) = vars.keys().find(|k| !valid_name(k)) {
        return Err(FnError::arg(
            1,
            format!(
                "invalid template variable name {bad:?}: must start with a letter, followed by zero or more letters, digits, and underscores"
            ),
        ));
    }
    let source = SourceFile::new(given.clone(), text);
    let template = infra_lang::syntax::parse_template(&source).map_err(|d| {
        let at = d
            .first()
            .and_then(|d| d.range())
            .map(|(a, _)| format!(" (line {}, column {})", a.line, a.column))
            .unwrap_or_default();
        FnError::arg(
            0,
            format!(
                "invalid template {given:?}{at}: {}",
                d.first().map_or("syntax error", |d| d.message.as_str())
            ),
        )
    })?;
    let scope = TemplateScope {
        vars,
        ctx,
        display: format!("{given:?}"),
    };
    Evaluator::new(&scope, &source)
        .eval_template(&template, infra_lang::Span::new(0, 0))
        .map_err(|d| {
            let at = d
                .range()
                .map(|(a, _)| format!(" (line {})", a.line))
                .unwrap_or_default();
            FnError::arg(0, format!("{}{at}", d.message))
        })
}

fn abspath(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let p = string(&args, 0)?;
    let full = if p.starts_with('/') {
        p
    } else {
        let cwd = std::env::current_dir()
            .map_err(|e| FnError::arg(0, format!("cannot get the current directory: {e}")))?;
        format!("{}/{p}", cwd.to_string_lossy())
    };
    Ok(Value::String(clean(&full)))
}

/// Go's `filepath.Dir`.
fn dirname(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let p = string(&args, 0)?;
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    Ok(Value::String(clean(dir)))
}

/// Go's `filepath.Base`.
fn basename(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    let p = string(&args, 0)?;
    if p.is_empty() {
        return Ok(Value::string("."));
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::string("/"));
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    Ok(Value::string(base))
}

fn pathexpand(args: Vec<Value>, _: &FnContext<'_>) -> Result<Value, FnError> {
    Ok(Value::String(expand_home(&string(&args, 0)?)))
}

#[cfg(test)]
mod tests {
    use super::walk_at_most;

    #[test]
    fn the_walk_stops_with_an_error_after_its_budget_of_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..10 {
            std::fs::write(dir.path().join(format!("f{i}")), "x").expect("write");
        }
        let mut seen = 0;
        assert_eq!(
            walk_at_most(dir.path(), 5, &mut |_| {
                seen += 1;
                true
            }),
            Err(5)
        );
        assert!(seen <= 5);
        let mut all = 0;
        assert_eq!(
            walk_at_most(dir.path(), 10, &mut |_| {
                all += 1;
                true
            }),
            Ok(())
        );
        assert_eq!(all, 10);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_directory_is_not_followed_so_a_loop_ends() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/a"), "x").expect("write");
        std::os::unix::fs::symlink("..", dir.path().join("sub/up")).expect("symlink");
        let mut files = Vec::new();
        assert_eq!(
            walk_at_most(dir.path(), 100, &mut |p| {
                files.push(p.to_path_buf());
                true
            }),
            Ok(())
        );
        assert_eq!(files, vec![dir.path().join("sub/a")]);
    }
}
