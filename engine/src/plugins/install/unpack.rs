//! Unpacking a provider's `.zip` archive into a directory: only regular
//! files and directories, each path checked to stay inside it (no `..`,
//! no absolute paths, no symlinks), Unix permissions kept (so the
//! executable stays executable), and at most [`MAX_UNPACKED`] bytes
//! written, so a hostile archive can neither escape nor fill the disk.

use std::io::{Read, Write};
use std::path::Path;

/// The most an archive may unpack to: 4 GiB (the largest providers
/// unpack to under 1 GiB).
pub const MAX_UNPACKED: u64 = 4 << 30;

/// Unpacks `zip` into the existing directory `into`.
///
/// # Errors
/// A message: the file is not a zip archive, holds an unsafe path or a
/// symlink, is larger than [`MAX_UNPACKED`], or cannot be written.
pub fn unzip(zip: &Path, into: &Path) -> Result<(), String> {
    let file =
        std::fs::File::open(zip).map_err(|e| format!("cannot open {}: {e}", zip.display()))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("{} is not a zip archive: {e}", zip.display()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("cannot read {}: {e}", zip.display()))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let Some(rel) = entry.enclosed_name() else {
            return Err(format!("{} holds the unsafe path {name:?}", zip.display()));
        };
        if entry.is_symlink() {
            return Err(format!(
                "{} holds the symbolic link {name:?}",
                zip.display()
            ));
        }
        let dest = into.join(&rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&dest)
                .map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
            continue;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let mut out = std::fs::File::create(&dest)
            .map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| format!("cannot unpack {name:?} from {}: {e}", zip.display()))?;
            if n == 0 {
                break;
            }
            total = total.saturating_add(n as u64);
            if total > MAX_UNPACKED {
                return Err(format!(
                    "{} unpacks to more than {} GiB",
                    zip.display(),
                    MAX_UNPACKED >> 30
                ));
            }
            out.write_all(&buf[..n])
                .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
        }
        out.sync_all()
            .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
        #[cfg(unix)]
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode & 0o777))
                .map_err(|e| format!("cannot set the permissions of {}: {e}", dest.display()))?;
        }
    }
    Ok(())
}

/// Copies the directory `from` into the new directory `to` (files and
/// subdirectories, permissions kept; symlinks are followed).
///
/// # Errors
/// A message naming what could not be read or written.
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let (src, dest) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dest)?;
        } else {
            std::fs::copy(&src, &dest)
                .map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8], u32)]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().expect("temp file");
        let mut w = zip::ZipWriter::new(f.reopen().expect("reopen"));
        for (name, data, mode) in entries {
            let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish");
        f
    }

    #[test]
    fn files_and_modes_are_unpacked() {
        let z = archive(&[
            ("terraform-provider-x_v1", b"#!/bin/sh\n", 0o755),
            ("docs/README", b"hi", 0o644),
        ]);
        let d = tempfile::tempdir().expect("temp dir");
        unzip(z.path(), d.path()).expect("unzips");
        assert_eq!(
            std::fs::read(d.path().join("docs/README")).expect("read"),
            b"hi"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let m = std::fs::metadata(d.path().join("terraform-provider-x_v1")).expect("meta");
            assert_eq!(m.permissions().mode() & 0o777, 0o755);
        }
    }

    #[test]
    fn escaping_paths_and_non_zips_are_refused() {
        let z = archive(&[("../evil", b"x", 0o644)]);
        let d = tempfile::tempdir().expect("temp dir");
        let e = unzip(z.path(), &d.path().join("in")).expect_err("refused");
        assert!(e.contains("unsafe path"), "{e}");
        assert!(!d.path().join("evil").exists());
        let not = tempfile::NamedTempFile::new().expect("temp");
        std::fs::write(not.path(), "not a zip").expect("write");
        assert!(unzip(not.path(), d.path()).is_err_and(|e| e.contains("not a zip archive")));
    }
}
