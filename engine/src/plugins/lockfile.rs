//! The dependency lock file `.infra.lock.hcl`, in the format of
//! Terraform's `.terraform.lock.hcl` (`internal/depsfile/locks_file.go`):
//! one `provider "HOST/NS/TYPE"` block per provider with the selected
//! `version`, the `constraints` it was chosen under (canonical text) and
//! the `hashes` (`h1:`, `zh:`) a package must match. `infra init` writes
//! it; every run checks installed plugins against it.

use super::address::ProviderAddr;
use infra_lang::ast::{BodyItem, Expr, ExprKind};
use infra_lang::{Diagnostic, SourceFile, Span, syntax};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The lock file's name in the configuration directory.
pub const FILE_NAME: &str = ".infra.lock.hcl";

/// One provider's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedProvider {
    /// The selected version, e.g. `3.2.1`.
    pub version: semver::Version,
    /// The canonical constraint text it was selected under (may be empty).
    pub constraints: String,
    /// The acceptable package hashes, sorted and without duplicates.
    pub hashes: Vec<String>,
}

impl LockedProvider {
    /// Whether `hash` (`h1:...` or `zh:...`) is one of the locked ones.
    pub fn accepts(&self, hash: &str) -> bool {
        self.hashes.iter().any(|h| h == hash)
    }
}

/// The whole lock file: entries by provider address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockFile {
    /// The entries, in address order.
    pub providers: BTreeMap<ProviderAddr, LockedProvider>,
}

/// The lock file's path for the configuration directory `dir`.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

impl LockFile {
    /// Reads the lock file of `dir`; empty when there is none.
    ///
    /// # Errors
    /// `lockfile::invalid` for a file that cannot be read, does not parse,
    /// or holds something other than `provider` blocks with a valid
    /// address, a `version` and string `constraints`/`hashes`.
    pub fn read(dir: &Path) -> Result<LockFile, Vec<Diagnostic>> {
        let path = path_in(dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => LockFile::parse(&path.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LockFile::default()),
            Err(e) => Err(vec![Diagnostic::error(
                "lockfile::invalid",
                format!("cannot read the lock file {}: {e}", path.display()),
            )]),
        }
    }

    /// Parses lock file `text` shown as `path`.
    ///
    /// # Errors
    /// As [`LockFile::read`].
    pub fn parse(path: &str, text: &str) -> Result<LockFile, Vec<Diagnostic>> {
        let src = SourceFile::new(path, text.to_string());
        let parsed = syntax::parse(&src);
        let Some(file) = parsed
            .file
            .filter(|_| !infra_lang::diagnostic::has_errors(&parsed.diagnostics))
        else {
            return Err(parsed.diagnostics);
        };
        let mut out = LockFile::default();
        let mut diags = Vec::new();
        let bad = |span: Span, msg: String| {
            Diagnostic::error("lockfile::invalid", msg)
                .in_file(&src)
                .primary(span, "here")
                .with_help(
                    "The lock file is written by `infra init`; remove it and run `infra init` again to recreate it.",
                )
        };
        for item in &file.body.items {
            let BodyItem::Block(b) = item else {
                if let BodyItem::Attribute(a) = item {
                    diags.push(bad(
                        a.name.span,
                        "the lock file holds only `provider` blocks".into(),
                    ));
                }
                continue;
            };
            if b.kind.name != "provider" || b.labels.len() != 1 {
                diags.push(bad(
                    b.kind.span,
                    "the lock file holds only `provider \"ADDRESS\"` blocks".into(),
                ));
                continue;
            }
            let addr = match ProviderAddr::parse(&b.labels[0].value) {
                Ok(a) => a,
                Err(e) => {
                    diags.push(bad(b.labels[0].span, e));
                    continue;
                }
            };
            let mut version = None;
            let mut constraints = String::new();
            let mut hashes = Vec::new();
            for a in b.body.attributes() {
                match a.name.name.as_str() {
                    "version" => match literal(&src, &a.expr).map(|s| semver::Version::parse(&s)) {
                        Some(Ok(v)) => version = Some(v),
                        _ => diags.push(bad(
                            a.expr.span,
                            "`version` must be a version string like \"1.2.3\"".into(),
                        )),
                    },
                    "constraints" => match literal(&src, &a.expr) {
                        Some(s) => constraints = s,
                        None => {
                            diags.push(bad(a.expr.span, "`constraints` must be a string".into()))
                        }
                    },
                    "hashes" => match &a.expr.kind {
                        ExprKind::Tuple(items) => {
                            for e in items {
                                match literal(&src, e) {
                                    Some(h) => hashes.push(h),
                                    None => {
                                        diags.push(bad(e.span, "a hash must be a string".into()))
                                    }
                                }
                            }
                        }
                        _ => diags.push(bad(
                            a.expr.span,
                            "`hashes` must be a list of strings".into(),
                        )),
                    },
                    other => diags.push(bad(a.name.span, format!("unknown argument `{other}`"))),
                }
            }
            let Some(version) = version else {
                diags.push(bad(
                    b.kind.span,
                    format!("the entry for \"{addr}\" has no `version`"),
                ));
                continue;
            };
            hashes.sort();
            hashes.dedup();
            if out
                .providers
                .insert(
                    addr.clone(),
                    LockedProvider {
                        version,
                        constraints,
                        hashes,
                    },
                )
                .is_some()
            {
                diags.push(bad(
                    b.labels[0].span,
                    format!("a second entry for \"{addr}\""),
                ));
            }
        }
        if diags.is_empty() {
            Ok(out)
        } else {
            Err(diags)
        }
    }

    /// The file's text, byte for byte as Terraform formats it (with
    /// `infra init` named in the header).
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# This file is maintained automatically by \"infra init\".\n# Manual edits may be lost in future updates.\n",
        );
        for (addr, p) in &self.providers {
            out.push_str(&format!("\nprovider \"{addr}\" {{\n"));
            if p.constraints.is_empty() {
                out.push_str(&format!("  version = \"{}\"\n", p.version));
            } else {
                out.push_str(&format!("  version     = \"{}\"\n", p.version));
                out.push_str(&format!("  constraints = \"{}\"\n", p.constraints));
            }
            if !p.hashes.is_empty() {
                out.push_str("  hashes = [\n");
                for h in &p.hashes {
                    out.push_str(&format!("    \"{h}\",\n"));
                }
                out.push_str("  ]\n");
            }
            out.push_str("}\n");
        }
        out
    }

    /// Writes the file into `dir` atomically (temporary file, fsync,
    /// rename), so a failed write leaves the old file whole.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(self.render().as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path_in(dir)).map_err(|e| e.error)?;
        Ok(())
    }
}

/// A quoted string without interpolation or escapes, as the lock file
/// writes them.
fn literal(src: &Arc<SourceFile>, e: &Expr) -> Option<String> {
    if !matches!(e.kind, ExprKind::Template(_)) {
        return None;
    }
    let inner = src.slice(e.span).strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains(['\\', '"']) && !inner.contains("${")).then(|| inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Terraform 1.15.5 wrote for a provider installed from a
    /// filesystem mirror (header aside).
    const TERRAFORM: &str = r#"# This file is maintained automatically by "infra init".
# Manual edits may be lost in future updates.

provider "example.com/test/demo" {
  version     = "1.1.0"
  constraints = "~> 1.0, != 1.0.5"
  hashes = [
    "h1:YaN3tAM79BWXIcKThur4285yNZhFh6MceUzMCojS64E=",
  ]
}
"#;

    #[test]
    fn terraforms_format_reads_and_writes_back_the_same() {
        let l = LockFile::parse("l", TERRAFORM).expect("parses");
        let p = &l.providers[&ProviderAddr::parse("example.com/test/demo").expect("addr")];
        assert_eq!(p.version.to_string(), "1.1.0");
        assert!(p.accepts("h1:YaN3tAM79BWXIcKThur4285yNZhFh6MceUzMCojS64E="));
        assert_eq!(l.render(), TERRAFORM);
        let mut two = l.clone();
        two.providers.insert(
            ProviderAddr::implied("null"),
            LockedProvider {
                version: semver::Version::new(3, 2, 1),
                constraints: String::new(),
                hashes: vec!["zh:aa".into()],
            },
        );
        let text = two.render();
        assert!(text.contains("\nprovider \"registry.terraform.io/hashicorp/null\" {\n  version = \"3.2.1\"\n  hashes = [\n    \"zh:aa\",\n  ]\n}\n"), "{text}");
        assert_eq!(LockFile::parse("l", &text).expect("parses"), two);
    }

    #[test]
    fn malformed_files_are_refused_with_the_place() {
        for (text, says) in [
            (
                "provider \"a//b\" {\n  version = \"1.0.0\"\n}\n",
                "not a provider source",
            ),
            (
                "provider \"a/b\" {\n  version = \"one\"\n}\n",
                "`version` must be",
            ),
            ("provider \"a/b\" {\n}\n", "has no `version`"),
            ("x = 1\n", "only `provider` blocks"),
            (
                "provider \"a/b\" {\n  version = \"1.0.0\"\n  hashes = \"h1:x\"\n}\n",
                "list of strings",
            ),
            ("provider \"a/b\" {\n", ""),
        ] {
            let e = LockFile::parse("lock.hcl", text).expect_err(text);
            assert!(e.iter().any(|d| d.message.contains(says)), "{text}: {e:?}");
        }
    }

    #[test]
    fn written_atomically_and_missing_is_empty() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            LockFile::read(dir.path()).expect("none"),
            LockFile::default()
        );
        let l = LockFile::parse("l", TERRAFORM).expect("parses");
        l.write(dir.path()).expect("write");
        assert_eq!(LockFile::read(dir.path()).expect("reads"), l);
    }
}
