//! A plugin's schema kept in the working directory, so `infra validate`
//! checks resources of plugin types offline, without starting the plugin.
//! Written whenever plan, apply (or any command that starts the plugin)
//! finds no entry for the executable it started; read by `validate`.
//!
//! The file is `.infra/providers/schemas/HOST/NAMESPACE/TYPE/KEY.json`:
//! the GetProviderSchema answer's protobuf bytes (base64) with the protocol
//! version, converted exactly as a live answer is. KEY is a digest of the
//! executable's canonical path, size and modification time, so a changed
//! plugin binary (a rebuilt dev override, another version) has no entry
//! until it has been started once (hashing the content instead would cost
//! seconds per run for a provider binary of hundreds of MB).

use super::provider::{PluginProvider, rpc};
use super::start::Unstarted;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use infra_engine::plugins::address::ProviderAddr;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The folder of the cache under a working directory.
pub const DIR: &str = ".infra/providers/schemas";

/// The version of the cache file's layout.
const FORMAT: u64 = 1;

/// The cache file for the plugin `source` run from `executable`, under
/// the working directory `workdir`.
///
/// # Errors
/// The executable cannot be examined (missing, unreadable metadata).
pub fn path(workdir: &Path, source: &ProviderAddr, executable: &Path) -> std::io::Result<PathBuf> {
    Ok(workdir
        .join(DIR)
        .join(&source.hostname)
        .join(&source.namespace)
        .join(&source.type_name)
        .join(format!("{}.json", key(executable)?)))
}

/// The digest naming an executable's entry: SHA-256 (hex, first 128 bits)
/// of its canonical path, size and modification time in nanoseconds.
///
/// # Errors
/// The executable cannot be examined.
pub fn key(executable: &Path) -> std::io::Result<String> {
    let canonical = executable.canonicalize()?;
    let meta = std::fs::metadata(&canonical)?;
    let modified = meta
        .modified()?
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut h = Sha256::new();
    h.update(canonical.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(meta.len().to_le_bytes());
    h.update(modified.to_le_bytes());
    Ok(h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Writes the entry `path` (see [`path`]): the schema answer `raw`
/// (protobuf bytes) of protocol version `protocol`. The file is replaced
/// atomically; entries of other executables of the same provider (older
/// builds) are removed.
///
/// # Errors
/// The folder or the file cannot be written.
pub fn write(path: &Path, protocol: u32, raw: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("the schema cache path has no folder"))?;
    std::fs::create_dir_all(dir)?;
    let text = serde_json::json!({
        "format": FORMAT,
        "protocol": protocol,
        "schema": STANDARD.encode(raw),
    })
    .to_string();
    infra_engine::state::private::replace(path, text.as_bytes())?;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p != path && p.extension().is_some_and(|x| x == "json") {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    Ok(())
}

/// Writes the entry `path` from `provider`'s kept schema answer (see
/// [`PluginProvider::raw_schema`]); nothing when it kept none. A failure
/// is logged (a warning), not an error: the run needs no cache.
pub fn save(path: &Path, provider: &PluginProvider) {
    if let Some((protocol, raw)) = provider.raw_schema()
        && let Err(e) = write(path, protocol, raw)
    {
        tracing::warn!("cannot write the schema cache {}: {e}", path.display());
    }
}

/// The provider `name` as the cache entry `path` describes it: its schema
/// only (every call fails: it is not running). `None` when there is no
/// entry.
///
/// # Errors
/// An entry that cannot be read or is not a schema (the message says
/// which file).
pub fn read(path: &Path, name: &str) -> Result<Option<Unstarted>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let bad = |why: &str| format!("{} is not a schema cache entry: {why}", path.display());
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    if json["format"].as_u64() != Some(FORMAT) {
        return Err(bad("unknown format"));
    }
    let raw = json["schema"]
        .as_str()
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| bad("no schema"))?;
    let schemas = match json["protocol"].as_u64() {
        Some(5) => rpc::v5::schemas_from_bytes(&raw),
        Some(6) => rpc::v6::schemas_from_bytes(&raw),
        _ => return Err(bad("unknown protocol version")),
    }
    .map_err(|e| bad(&e))?;
    Ok(Some(Unstarted {
        name: name.to_string(),
        schema: schemas.schema,
        failure: infra_engine::provider::error(format!(
            "provider `{name}` is not running: only its cached schema is loaded"
        )),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_engine::provider::Provider;

    fn addr() -> ProviderAddr {
        ProviderAddr {
            hostname: "infra.test".into(),
            namespace: "infra".into(),
            type_name: "local".into(),
        }
    }

    /// A tfplugin6 schema answer with one resource type `local_file`.
    fn answer() -> Vec<u8> {
        use crate::proto::tfplugin6 as p;
        let attr = p::schema::Attribute {
            name: "filename".into(),
            r#type: b"\"string\"".to_vec(),
            required: true,
            ..Default::default()
        };
        let r = p::get_provider_schema::Response {
            resource_schemas: [(
                "local_file".to_string(),
                p::Schema {
                    version: 2,
                    block: Some(p::schema::Block {
                        attributes: vec![attr],
                        ..Default::default()
                    }),
                },
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        prost::Message::encode_to_vec(&r)
    }

    #[test]
    fn an_entry_reads_back_as_the_schema_it_was_written_from() {
        let dir = tempfile::tempdir().expect("temp dir");
        let exe = dir.path().join("terraform-provider-local");
        std::fs::write(&exe, "#!/bin/sh\n").expect("write");
        let p = path(dir.path(), &addr(), &exe).expect("path");
        assert!(p.starts_with(dir.path().join(DIR).join("infra.test/infra/local")));
        assert!(read(&p, "local").expect("no error").is_none());
        write(&p, 6, &answer()).expect("write");
        let cached = read(&p, "local").expect("reads").expect("an entry");
        let schema = cached.schema().resources.get("local_file").expect("type");
        assert_eq!(schema.version, 2);
        assert!(schema.attributes["filename"].required);
    }

    #[test]
    fn a_changed_executable_has_another_entry_and_writing_it_drops_the_old_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let exe = dir.path().join("terraform-provider-local");
        std::fs::write(&exe, "#!/bin/sh\n").expect("write");
        let old = path(dir.path(), &addr(), &exe).expect("path");
        write(&old, 6, &answer()).expect("write");
        std::fs::write(&exe, "#!/bin/sh\nexec true\n").expect("rewrite");
        let new = path(dir.path(), &addr(), &exe).expect("path");
        assert_ne!(old, new);
        assert!(read(&new, "local").expect("no error").is_none());
        write(&new, 6, &answer()).expect("write");
        assert!(!old.exists());
    }

    #[test]
    fn a_damaged_entry_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path().join("x.json");
        std::fs::write(&p, "{\"format\":1,\"protocol\":6,\"schema\":\"!!\"}").expect("write");
        let e = read(&p, "local").err().expect("an error");
        assert!(e.contains("x.json"), "{e}");
    }
}
