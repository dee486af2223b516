//! Files that hold secrets in clear (the state, its backup and journal,
//! errored states, saved plans): created mode 0600, replaced atomically,
//! and written through symlinks so a linked file never goes stale.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Owner read and write only.
pub const MODE: u32 = 0o600;

/// Symlinks followed before giving up (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// The file `path` names once its symlinks are followed (dangling ones
/// too): the file a write must replace so the links keep pointing to the
/// current version. `path` itself when it is not a symlink.
pub fn resolve(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Ok(target) = std::fs::read_link(&p) else {
            return p;
        };
        p = match p.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    p
}

/// The directory holding `path` (`.` for a bare file name).
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Replaces the file `path` resolves to with `bytes`, atomically: a
/// temporary file (mode 0600) beside it, fsynced, renamed over it, the
/// directory fsynced. A reader sees the old or the new content, never
/// half; a symlink at `path` stays and shows the new content.
///
/// # Errors
/// I/O, with the file as it was.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = resolve(path);
    let dir = dir_of(&target);
    // tempfile creates the file 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(".infra-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    sync_dir(&dir);
    Ok(())
}

/// Creates `path`, which must not exist yet, mode 0600, with `bytes`,
/// fsynced.
///
/// # Errors
/// I/O; `AlreadyExists` when something is at `path`.
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, MODE);
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    sync_dir(&dir_of(path));
    Ok(())
}

/// Opens `path` for appending, creating it mode 0600; an existing file
/// written by an older infra is made 0600 too.
///
/// # Errors
/// I/O.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, MODE);
    let f = options.open(path)?;
    make_private(&f)?;
    Ok(f)
}

/// Makes an open file 0600 when it is more open than that.
///
/// # Errors
/// I/O.
pub fn make_private(f: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = f.metadata()?.permissions();
        if perms.mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(perms.mode() & !0o077))?;
        }
    }
    #[cfg(not(unix))]
    let _ = f;
    Ok(())
}

/// Fsyncs a directory so a rename or creation in it is durable (best
/// effort: some file systems refuse).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn replaces_through_symlinks_and_keeps_files_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("sub/real.json");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(&real, "old").expect("write");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("sub/real.json", &link).expect("symlink");
        replace(&link, b"new").expect("replace");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
        assert_eq!(mode(&real), 0o600);
        // Nothing left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn created_and_appended_files_are_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("errored.json");
        create_new(&p, b"x").expect("create");
        assert_eq!(mode(&p), 0o600);
        let e = create_new(&p, b"y").expect_err("exists");
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        let j = dir.path().join("journal");
        std::fs::write(&j, "").expect("write");
        std::fs::set_permissions(&j, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        open_append(&j).expect("open");
        assert_eq!(mode(&j), 0o600);
        let fresh = dir.path().join("fresh");
        open_append(&fresh).expect("open");
        assert_eq!(mode(&fresh), 0o600);
    }
}
