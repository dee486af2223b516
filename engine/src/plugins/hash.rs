//! Package hashes as Terraform records them in the lock file
//! (`internal/getproviders/hash.go`): `h1:` is Go's module directory hash
//! (`golang.org/x/mod/sumdb/dirhash` `Hash1`) over the unpacked package,
//! `zh:` the hexadecimal SHA-256 of the `.zip` archive.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// `h1:BASE64`: for every file under `dir` (following a symlinked
/// `dir`, not descending into symlinked subdirectories), sorted by its
/// `/`-separated relative path, the line `HEX(sha256(content))  PATH\n`;
/// the hash is the SHA-256 of those lines, in standard base64.
///
/// # Errors
/// A file or directory that cannot be read, or a path with a newline or
/// that is not UTF-8 (which `dirhash` refuses too).
pub fn h1_dir(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect(dir, "", &mut files)?;
    files.sort();
    let mut summary = Sha256::new();
    for rel in &files {
        if rel.contains('\n') {
            return Err(std::io::Error::other(format!(
                "the file name {rel:?} holds a newline"
            )));
        }
        let digest = sha256_file(&dir.join(rel))?;
        summary.update(format!("{}  {rel}\n", hex::encode(digest)));
    }
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    ))
}

/// `zh:HEX`: the SHA-256 of the archive at `zip`.
///
/// # Errors
/// The file cannot be read.
pub fn zh_file(zip: &Path) -> std::io::Result<String> {
    Ok(format!("zh:{}", hex::encode(sha256_file(zip)?)))
}

/// The SHA-256 of a file's content, read in 64 KiB pieces.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|n| std::io::Error::other(format!("the file name {n:?} is not UTF-8")))?;
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            collect(&entry.path(), &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h1_matches_what_terraform_records() {
        // The package Terraform 1.15.5 installed from a filesystem mirror
        // and locked as below (see docs/providers.md).
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("terraform-provider-demo_v1.0.0"),
            "#!/bin/sh\necho demo provider\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("README.md"), "demo\n").expect("write");
        assert_eq!(
            h1_dir(dir.path()).expect("hash"),
            "h1:YaN3tAM79BWXIcKThur4285yNZhFh6MceUzMCojS64E="
        );
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub").join("x"), "x").expect("write");
        assert_ne!(
            h1_dir(dir.path()).expect("hash"),
            "h1:YaN3tAM79BWXIcKThur4285yNZhFh6MceUzMCojS64E="
        );
    }

    #[test]
    fn zh_is_the_archive_sha256() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = dir.path().join("a.zip");
        std::fs::write(&f, "abc").expect("write");
        assert_eq!(
            zh_file(&f).expect("hash"),
            "zh:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
