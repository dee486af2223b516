//! `--target`, `--exclude`, `--target-file` and `--exclude-file` read into
//! the addresses a plan is limited to (OpenTofu 1.10's targeting files:
//! one address a line, `#` comments and blank lines ignored).

use crate::args::PlanningArgs;
use infra_engine::addr::Target;
use infra_lang::Diagnostic;
use std::path::Path;

const HELP: &str =
    "Addresses look like `local_file.page`, `random_id.x[0]`, `module.web[\"a\"].local_file.page`.";

/// Parses each of `list` (command-line `--target`/`--replace` values).
///
/// # Errors
/// `cli::bad-address` for the first that is not an address.
pub fn parse_all(list: &[String]) -> Result<Vec<Target>, Vec<Diagnostic>> {
    list.iter()
        .map(|t| {
            Target::parse(t).map_err(|e| {
                vec![Diagnostic::error("cli::bad-address", e.to_string()).with_help(HELP)]
            })
        })
        .collect()
}

/// The addresses of the targeting file `path` (relative to `base`): one a
/// line; blank lines and lines starting with `#` (after spaces) skipped.
///
/// # Errors
/// `cli::target-file` when the file cannot be read; `cli::bad-address`
/// for every line that is not an address, as `FILE:LINE: message`.
fn read_file(base: &Path, path: &Path) -> Result<Vec<Target>, Vec<Diagnostic>> {
    let full = base.join(path);
    let text = std::fs::read_to_string(&full).map_err(|e| {
        vec![Diagnostic::error(
            "cli::target-file",
            format!("cannot read {}: {e}", path.display()),
        )]
    })?;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match Target::parse(line) {
            Ok(t) => found.push(t),
            Err(e) => errors.push(
                Diagnostic::error(
                    "cli::bad-address",
                    format!("{}:{}: {e}", path.display(), n + 1),
                )
                .with_help(HELP),
            ),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// The targets and excludes of `args` (files relative to `base`), the
/// command-line addresses first, then each file's in order.
///
/// # Errors
/// `cli::bad-flags` when targets and excludes are both given (as in
/// OpenTofu, they cannot be combined); bad addresses; unreadable files.
pub fn targets_and_excludes(
    args: &PlanningArgs,
    base: &Path,
) -> Result<(Vec<Target>, Vec<Target>), Vec<Diagnostic>> {
    read_lists(
        Lists {
            target: &args.target,
            target_file: &args.target_file,
            exclude: &args.exclude,
            exclude_file: &args.exclude_file,
        },
        base,
    )
}

/// The four targeting flags of a command, as given.
pub struct Lists<'a> {
    /// `--target` values.
    pub target: &'a [String],
    /// `--target-file` paths.
    pub target_file: &'a [std::path::PathBuf],
    /// `--exclude` values.
    pub exclude: &'a [String],
    /// `--exclude-file` paths.
    pub exclude_file: &'a [std::path::PathBuf],
}

/// [`targets_and_excludes`] of flags given as [`Lists`] (files relative
/// to `base`).
///
/// # Errors
/// As [`targets_and_excludes`].
pub fn read_lists(
    args: Lists<'_>,
    base: &Path,
) -> Result<(Vec<Target>, Vec<Target>), Vec<Diagnostic>> {
    let targeting = !(args.target.is_empty() && args.target_file.is_empty());
    let excluding = !(args.exclude.is_empty() && args.exclude_file.is_empty());
    if targeting && excluding {
        return Err(vec![
            Diagnostic::error(
                "cli::bad-flags",
                "--target and --exclude cannot be used together",
            )
            .with_help("A plan either works on the targets and what they depend on (--target, --target-file) or on everything but the excluded and what depends on them (--exclude, --exclude-file); choose one."),
        ]);
    }
    let gather = |direct: &[String], files: &[std::path::PathBuf]| {
        let mut all = parse_all(direct)?;
        let mut errors = Vec::new();
        for f in files {
            match read_file(base, f) {
                Ok(ts) => all.extend(ts),
                Err(d) => errors.extend(d),
            }
        }
        if errors.is_empty() {
            Ok(all)
        } else {
            Err(errors)
        }
    };
    Ok((
        gather(args.target, args.target_file)?,
        gather(args.exclude, args.exclude_file)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_skip_comments_and_report_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("t.txt"),
            "# the web tier\n\n  local_file.a\nmodule.web # no\n",
        )
        .expect("write");
        let errs = read_file(dir.path(), Path::new("t.txt")).expect_err("bad line");
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].message.starts_with("t.txt:4: "),
            "{}",
            errs[0].message
        );
        std::fs::write(
            dir.path().join("t.txt"),
            "# c\n\nlocal_file.a\nmodule.web\n",
        )
        .expect("write");
        let ok = read_file(dir.path(), Path::new("t.txt")).expect("good file");
        assert_eq!(
            ok.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["local_file.a", "module.web"]
        );
    }
}
