//! The parse cache: syntax trees of large configuration files kept on disk
//! (`.infra/cache/parse/`), so that a plan of an unchanged configuration
//! reads its tree instead of parsing the text again.
//!
//! Parsing is the longest step of a large plan: a flat 10,000-resource
//! no-change plan took 0.69–0.76 s parsing its 3.6 MB file and 0.43–0.49 s
//! reading the encoded tree (`infra_lang::ast_codec`) instead. Only the
//! `infra` binary turns the cache on ([`enable`]), in a directory that has
//! a `.infra` directory already, and `INFRA_PARSE_CACHE=off` turns it off.
//!
//! Nothing stale is ever used: an entry is named by the SHA-256 of the
//! file's text and records the size and modification time of the `infra`
//! executable that wrote it, so another text or another build misses. Only
//! clean parses of files of at least [`MIN_BYTES`] are kept; an entry is
//! written to a temporary file and renamed into place, and the directory
//! keeps the [`MAX_ENTRIES`] newest. Every failure to read or write an
//! entry only means parsing as usual.

use infra_lang::SourceFile;
use infra_lang::ast::File;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Files smaller than this (bytes) parse faster than their entry reads.
pub const MIN_BYTES: usize = 64 * 1024;

/// Entries kept in the directory; older ones are removed when one is added.
pub const MAX_ENTRIES: usize = 32;

const MAGIC: &[u8; 16] = b"infra-parse-v1\n\0";

/// The directory and the executable's stamp, once enabled.
static CACHE: OnceLock<(PathBuf, [u8; 16])> = OnceLock::new();

/// Turns the cache on for this process, in `data_dir/cache/parse` (the
/// `.infra` directory of the working directory), when `data_dir` exists
/// and `INFRA_PARSE_CACHE` is not `off`. Called once by the binary: the
/// setting is process-wide, so in-process callers (tests) never share it.
pub fn enable(data_dir: &Path) {
    if std::env::var("INFRA_PARSE_CACHE").is_ok_and(|v| v == "off") || !data_dir.is_dir() {
        return;
    }
    let Some(stamp) = executable_stamp() else {
        return;
    };
    let dir = std::path::absolute(data_dir.join("cache").join("parse"))
        .unwrap_or_else(|_| data_dir.join("cache").join("parse"));
    let _ = CACHE.set((dir, stamp));
}

/// Size and modification time (nanoseconds) of the running executable.
fn executable_stamp() -> Option<[u8; 16]> {
    let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let nanos = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as u64;
    let mut stamp = [0u8; 16];
    stamp[..8].copy_from_slice(&meta.len().to_le_bytes());
    stamp[8..].copy_from_slice(&nanos.to_le_bytes());
    Some(stamp)
}

fn entry_path(dir: &Path, text: &str) -> PathBuf {
    let digest = Sha256::digest(text.as_bytes());
    let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{name}.bin"))
}

/// Where the tree of one file's text is kept (see [`entry`]).
pub struct Entry {
    dir: &'static Path,
    path: PathBuf,
    stamp: &'static [u8; 16],
}

/// The entry for `source`'s text, when the cache is on and the file is
/// large enough to be kept.
pub fn entry(source: &SourceFile) -> Option<Entry> {
    let (dir, stamp) = CACHE.get()?;
    if source.text().len() < MIN_BYTES || source.path().ends_with(".json") {
        return None;
    }
    Some(Entry {
        dir,
        path: entry_path(dir, source.text()),
        stamp,
    })
}

impl Entry {
    /// The kept tree, when there is one for exactly this text and build.
    pub fn read(&self) -> Option<File> {
        let bytes = std::fs::read(&self.path).ok()?;
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())?
            .strip_prefix(self.stamp.as_slice())?;
        let file = infra_lang::ast_codec::decode(rest);
        if file.is_none() {
            tracing::debug!(entry = %self.path.display(), "parse cache entry unreadable; parsing");
        }
        file
    }

    /// Keeps `file`, a clean parse of this entry's text. Errors are logged
    /// at debug level and otherwise ignored.
    pub fn write(&self, file: &File) {
        let Some(encoded) = infra_lang::ast_codec::encode(file) else {
            return;
        };
        let written = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(self.dir)?;
            let mut tmp = tempfile::NamedTempFile::new_in(self.dir)?;
            tmp.write_all(MAGIC)?;
            tmp.write_all(self.stamp)?;
            tmp.write_all(&encoded)?;
            tmp.persist(&self.path).map_err(|e| e.error)?;
            Ok(())
        })();
        match written {
            Ok(()) => prune(self.dir),
            Err(e) => {
                tracing::debug!(entry = %self.path.display(), error = %e, "parse cache entry not written");
            }
        }
    }
}

/// Removes all but the [`MAX_ENTRIES`] newest entries of `dir`.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "bin"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if found.len() <= MAX_ENTRIES {
        return;
    }
    found.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, old) in found.drain(MAX_ENTRIES..) {
        let _ = std::fs::remove_file(old);
    }
}
