//! `local_file`: a file on the local machine with the given content
//! (`content` text, `content_base64` bytes, or a copy of `source`).
//! The file is written atomically (a temporary file in the same directory,
//! then a rename), with `file_permission`; missing parent directories are
//! created with `directory_permission`. Every argument forces replacement.
//! `local_sensitive_file` (see `sensitive_file.rs`) shares this code.
//!
//! Unlike Terraform, the checksums and `id` are known in the plan when the
//! content is, and a file whose content changed outside infra is reported
//! with its new content (so the plan replaces it) rather than as gone.
//!
//! A delete removes only the object it is given: the file at `filename`
//! is removed only while it still holds that object's content (SHA1 =
//! `id`) and was not written by this process since (see [`Written`]), so
//! deleting the old object of a `create_before_destroy` replacement at
//! the same path never removes the new file.

use super::{checksum_attributes, sensitive_if, set_checksums, sha1_hex, unknown_checksums};
use crate::framework::ResourceType;
use crate::object::{
    Attrs, attrs, blocking, check, check_content_args, finish, get, into_attrs, invalid, planned,
    propose, set, string,
};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use infra_engine::provider::{
    ApplyRequest, Attribute, Failure, PlanRequest, PlannedState, ResourceSchema, error,
};
use infra_lang::{Diagnostic, Type, Value};
use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The resource type name.
pub const TYPE: &str = "local_file";

/// What differs between `local_file` and `local_sensitive_file`.
#[derive(Debug)]
pub struct Flavor {
    /// The resource type name.
    pub type_name: &'static str,
    /// `content` and `content_base64` are sensitive.
    pub sensitive: bool,
    /// The default of `file_permission` and `directory_permission`
    /// (octal, as written in configuration).
    pub default_permission: &'static str,
}

/// `local_file`: content shown in plans, permissions `0777` by default.
pub const PLAIN: Flavor = Flavor {
    type_name: TYPE,
    sensitive: false,
    default_permission: "0777",
};

/// Parses a permission such as `"0644"`: 3 or 4 octal digits, at most
/// `0777` (Terraform's rule).
///
/// # Errors
/// A phrase saying what is wrong, for a message naming the attribute.
pub fn parse_mode(s: &str) -> Result<u32, String> {
    if !(3..=4).contains(&s.len()) {
        return Err(format!(
            "must be 3 or 4 octal digits such as \"0644\", got {s:?}"
        ));
    }
    match u32::from_str_radix(s, 8) {
        Ok(m) if m <= 0o777 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(m),
        _ => Err(format!(
            "must be octal digits 0-7 at most \"0777\", such as \"0644\", got {s:?}"
        )),
    }
}

/// Checks a configuration: exactly one of `content`, `content_base64`
/// and `source`; valid base64; valid permissions; a non-empty filename.
pub fn validate(flavor: &Flavor, m: &Attrs) -> Vec<Diagnostic> {
    let what = flavor.type_name;
    let mut out = check_content_args(what, m, "copy a file");
    for name in ["file_permission", "directory_permission"] {
        if let Some(s) = string(m, name)
            && let Err(e) = parse_mode(s)
        {
            out.push(invalid(format!("`{name}` of `{what}` {e}")));
        }
    }
    if string(m, "filename") == Some("") {
        out.push(invalid(format!("`filename` of `{what}` must not be empty")));
    }
    out
}

/// The content bytes known from `m` without reading any file: `content`
/// or decoded `content_base64`; `None` when unknown or from `source`.
fn known_bytes(what: &str, m: &Attrs) -> Result<Option<Vec<u8>>, Failure> {
    if let Some(s) = string(m, "content") {
        return Ok(Some(s.as_bytes().to_vec()));
    }
    if let Some(b) = string(m, "content_base64") {
        return STANDARD.decode(b).map(Some).map_err(|e| {
            error(format!(
                "`content_base64` of `{what}` is not valid base64: {e}"
            ))
        });
    }
    Ok(None)
}

/// The permission `name` of `m`, or the flavor's default when unset.
fn mode(flavor: &Flavor, m: &Attrs, name: &str) -> Result<u32, Failure> {
    let s = string(m, name).unwrap_or(flavor.default_permission);
    parse_mode(s).map_err(|e| error(format!("`{name}` of `{}` {e}", flavor.type_name)))
}

/// Sets `file_permission` and `directory_permission` to the flavor's
/// default where they are null or unknown.
fn default_permissions(flavor: &Flavor, m: &mut Attrs) {
    for name in ["file_permission", "directory_permission"] {
        if get(m, name).is_null() || get(m, name).is_unknown() {
            set(m, name, Value::string(flavor.default_permission));
        }
    }
}

/// Creates `dir` and its missing parents with permissions `mode`.
fn create_dirs(dir: &Path, mode: u32) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, mode);
    #[cfg(not(unix))]
    let _ = mode;
    b.create(dir)
}

/// Writes `bytes` to `path` atomically: into a new temporary file beside
/// it (created with permissions `file_mode`, less the umask), then renamed
/// over `path`. Parent directories are created with `dir_mode`.
///
/// # Errors
/// Any I/O error; the temporary file is removed then.
pub fn write_atomic(path: &Path, bytes: &[u8], file_mode: u32, dir_mode: u32) -> io::Result<()> {
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not end in a file name",
        ));
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_dirs(dir, dir_mode)?;
    remove_stale_temps(path);
    let mut attempts = 0;
    loop {
        let tmp = dir.join(format!(
            ".{}.{}.infra-tmp",
            name.to_string_lossy(),
            uuid::Uuid::new_v4().simple()
        ));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, file_mode);
        #[cfg(not(unix))]
        let _ = file_mode;
        let mut f = match options.open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 10 => {
                attempts += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let written = f.write_all(bytes).and_then(|()| f.flush());
        drop(f);
        let done = written.and_then(|()| fs::rename(&tmp, path));
        if done.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        return done;
    }
}

/// The files this provider wrote during this process (by device and inode
/// on Unix, by path elsewhere). A delete never removes one of them: such a
/// file holds an object created in this run — the new object of a
/// `create_before_destroy` replacement at the same path, or another
/// resource now using the path — not the object being deleted.
#[derive(Debug, Default)]
pub struct Written(Mutex<HashSet<String>>);

impl Written {
    fn insert(&self, path: &Path) {
        if let Some(k) = file_key(path) {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(k);
        }
    }

    /// Forgets every file written so far (a rollback starts: its deletes
    /// remove what this run wrote).
    pub fn clear(&self) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    fn contains(&self, path: &Path) -> bool {
        file_key(path).is_some_and(|k| {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains(&k)
        })
    }
}

/// What identifies the file now at `path`: `DEV:INODE` on Unix (a rewrite
/// through a temporary file gives a new inode), the canonical path
/// elsewhere; `None` when there is no file.
fn file_key(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path)
            .ok()
            .map(|m| format!("{}:{}", m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        fs::canonicalize(path)
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    }
}

/// Removes the file at `filename` if it still holds the object whose
/// `id` (SHA1 of the content) is `id`: a missing file, a file with other
/// content, or one `written` in this run is left alone (the object is
/// gone either way).
///
/// # Errors
/// The file exists but cannot be read or removed.
fn delete_object(
    what: &str,
    filename: &str,
    id: Option<&str>,
    written: &Written,
) -> Result<(), Failure> {
    let path = Path::new(filename);
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(error(format!("`{what}`: cannot read `{filename}`: {e}"))),
    };
    if written.contains(path) || id.is_some_and(|id| id != sha1_hex(&bytes)) {
        return Ok(());
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(error(format!("`{what}`: cannot remove `{filename}`: {e}"))),
    }
}

/// Removes the temporary files an earlier write of `path` left behind when
/// its process was killed (`.NAME.<32 hex digits>.infra-tmp` beside it).
/// Best effort: a file that cannot be removed stays.
pub fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name() else {
        return;
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let stale = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".infra-tmp"))
            .is_some_and(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        if stale && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Where the content of a file to write comes from.
enum Content {
    /// The bytes themselves.
    Bytes(Vec<u8>),
    /// A file to copy.
    CopyOf(String),
}

/// The permission bits of a file (`0o644`); `None` where the platform has
/// no Unix modes.
fn file_mode(meta: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        Some(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// The process's umask from `/proc/self/status` (Linux 4.7+), read
/// without changing it; `None` elsewhere.
fn process_umask() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(line.trim(), 8).ok()
}

/// The file's permission as it should be recorded when it differs from
/// `recorded` (the configured `file_permission`, e.g. `"0777"`): `None`
/// when `actual` is the recorded mode itself or that mode less the umask
/// infra created it with (`umask`; without one, any mode the recorded one
/// could have become under some umask, i.e. a subset of its bits, is
/// accepted). Otherwise the actual mode as 4 octal digits (`"0600"`), so a
/// `chmod` outside infra shows as drift of `file_permission`.
fn permission_drift(recorded: &str, actual: u32, umask: Option<u32>) -> Option<String> {
    let want = parse_mode(recorded).ok()?;
    let expected = match umask {
        Some(u) => actual == want || actual == want & !u,
        None => actual & !want == 0,
    };
    (!expected).then(|| format!("{actual:04o}"))
}

#[async_trait]
impl ResourceType<Arc<Written>> for Flavor {
    fn name(&self) -> &'static str {
        self.type_name
    }

    /// The schema of a `local_*` file type: `filename`, `content`,
    /// `content_base64`, `source`, `file_permission`, `directory_permission`
    /// (all force-new), and the computed checksums.
    fn schema(&self) -> ResourceSchema {
        let content = Attribute::optional(
            Type::String,
            "The content of the file, as UTF-8 text. Set exactly one of `content`, `content_base64` and `source`.",
        )
        .force_new();
        let content_base64 = Attribute::optional(
            Type::String,
            "The content of the file as base64-encoded bytes, for binary content.",
        )
        .force_new();
        let mut attributes = vec![
            (
                "filename",
                Attribute::required(
                    Type::String,
                    "The path of the file to write; missing parent directories are created.",
                )
                .force_new(),
            ),
            ("content", sensitive_if(self.sensitive, content)),
            (
                "content_base64",
                sensitive_if(self.sensitive, content_base64),
            ),
            (
                "source",
                Attribute::optional(Type::String, "The path of a file to copy the content from.")
                    .force_new(),
            ),
            (
                "file_permission",
                Attribute::optional_computed(
                    Type::String,
                    "The file's permissions, 3 or 4 octal digits such as \"0644\" (the umask applies).",
                )
                .force_new(),
            ),
            (
                "directory_permission",
                Attribute::optional_computed(
                    Type::String,
                    "The permissions of parent directories it creates, octal such as \"0755\".",
                )
                .force_new(),
            ),
        ];
        attributes.extend(checksum_attributes());
        let description = if self.sensitive {
            "A file on the local machine whose content is never shown. A delete removes the file only while it still holds this object's content (so replacing it with `create_before_destroy` at the same path keeps the new file)."
        } else {
            "A file on the local machine with the given content. A delete removes the file only while it still holds this object's content (so replacing it with `create_before_destroy` at the same path keeps the new file)."
        };
        ResourceSchema::new(description, attributes)
    }

    fn validate(&self, _written: &Arc<Written>, m: &Attrs) -> Vec<Diagnostic> {
        // A data source of the same name has no `file_permission` (the
        // engine passes every schema attribute, null where unset): its
        // configuration is not checked here.
        if m.contains_key("file_permission") {
            validate(self, m)
        } else {
            Vec::new()
        }
    }

    /// Plans: fills the permission defaults, and computes `id` and the
    /// checksums when the content is known (unknown otherwise, or kept from
    /// the prior state for an unchanged `source`).
    ///
    /// # Errors
    /// When `content_base64` is not base64.
    fn plan(
        &self,
        _written: &Arc<Written>,
        schema: &ResourceSchema,
        request: PlanRequest<'_>,
    ) -> Result<PlannedState, Failure> {
        let default = Value::string(self.default_permission);
        let mut p = propose(
            schema,
            self.type_name,
            request,
            &[
                ("file_permission", default.clone()),
                ("directory_permission", default),
            ],
        )?;
        match known_bytes(self.type_name, &p.attrs)? {
            Some(bytes) => set_checksums(&mut p.attrs, &bytes),
            None if p.fresh => unknown_checksums(&mut p.attrs),
            None => {}
        }
        Ok(planned(schema, p.attrs))
    }

    /// Creates or updates (writes the file, noting it in `written`) or
    /// deletes one object (removes the file if it still holds that object:
    /// see [`Written`]; a missing file is fine), returning the new state with
    /// checksums.
    ///
    /// # Errors
    /// Invalid arguments, or the file cannot be read (`source`), written or
    /// removed: "`local_file`: cannot write `out/a.txt`: Permission denied".
    async fn apply(
        &self,
        written: &Arc<Written>,
        schema: &ResourceSchema,
        request: ApplyRequest,
    ) -> Result<Option<Value>, Failure> {
        let what = self.type_name;
        let Some(planned) = request.planned else {
            let Some(prior) = request.prior else {
                return Ok(None);
            };
            let m = attrs(&prior, what)?;
            let Some(filename) = string(m, "filename").map(str::to_string) else {
                return Ok(None);
            };
            let id = string(m, "id").map(str::to_string);
            let written = written.clone();
            blocking(what, move || {
                delete_object(what, &filename, id.as_deref(), &written)
            })
            .await?;
            return Ok(None);
        };
        let written = written.clone();
        let mut m = into_attrs(planned, what)?;
        check(validate(self, &m))?;
        let Some(filename) = string(&m, "filename").map(str::to_string) else {
            return Err(error(format!("`filename` of `{what}` must be set")));
        };
        let file_mode = mode(self, &m, "file_permission")?;
        let dir_mode = mode(self, &m, "directory_permission")?;
        let content = match known_bytes(what, &m)? {
            Some(bytes) => Content::Bytes(bytes),
            None => match string(&m, "source") {
                Some(source) => Content::CopyOf(source.to_string()),
                None => {
                    return Err(error(format!(
                        "`{what}`: the content of `{filename}` is not known at apply time"
                    )));
                }
            },
        };
        let bytes = blocking(what, move || {
            let bytes = match content {
                Content::Bytes(b) => b,
                Content::CopyOf(source) => fs::read(&source).map_err(|e| {
                    error(format!(
                        "`{what}`: cannot read `source` file `{source}`: {e}"
                    ))
                })?,
            };
            write_atomic(Path::new(&filename), &bytes, file_mode, dir_mode)
                .map_err(|e| error(format!("`{what}`: cannot write `{filename}`: {e}")))?;
            written.insert(Path::new(&filename));
            Ok(bytes)
        })
        .await?;
        default_permissions(self, &mut m);
        set_checksums(&mut m, &bytes);
        Ok(Some(finish(schema, m)))
    }

    /// Reads the file behind `state`: `None` when it is gone; `state` itself
    /// when its content is unchanged (same SHA1 as `id`); otherwise `state`
    /// with the file's current `content` (or `content_base64`, whichever the
    /// state uses) and checksums, so the plan replaces it. For a file made
    /// from `source`, changed content reports the object as gone (Terraform's
    /// behaviour), which also re-creates it.
    ///
    /// # Errors
    /// When the file exists but cannot be read.
    async fn read(
        &self,
        _written: &Arc<Written>,
        schema: &ResourceSchema,
        state: Value,
    ) -> Result<Option<Value>, Failure> {
        let what = self.type_name;
        let Some(filename) = string(attrs(&state, what)?, "filename").map(str::to_string) else {
            return Ok(Some(state));
        };
        let found = blocking(what, move || match fs::read(&filename) {
            Ok(b) => {
                let mode = fs::metadata(&filename).ok().and_then(|m| file_mode(&m));
                Ok(Some((b, mode)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(error(format!("`{what}`: cannot read `{filename}`: {e}"))),
        })
        .await?;
        let Some((bytes, mode)) = found else {
            return Ok(None);
        };
        let m = attrs(&state, what)?;
        let permission = mode.and_then(|actual| {
            let recorded = string(m, "file_permission").unwrap_or(self.default_permission);
            permission_drift(recorded, actual, process_umask())
        });
        let same_content = string(m, "id") == Some(sha1_hex(&bytes).as_str());
        if same_content && permission.is_none() {
            return Ok(Some(state));
        }
        let mut m = into_attrs(state, what)?;
        if let Some(p) = permission {
            set(&mut m, "file_permission", Value::String(p));
        }
        if !same_content {
            let (name, value) = if !get(&m, "content_base64").is_null() {
                ("content_base64", Value::String(STANDARD.encode(&bytes)))
            } else if !get(&m, "content").is_null() {
                (
                    "content",
                    Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                )
            } else {
                return Ok(None);
            };
            let marked = matches!(m.get(name), Some(Value::Sensitive(_)));
            set(&mut m, name, value.mark_if(marked));
            set_checksums(&mut m, &bytes);
        }
        Ok(Some(finish(schema, m)))
    }

    /// Looks for the file a create of `planned` would have written (a create
    /// a killed apply left unrecorded), by `filename`: its state as a
    /// completed create would have returned it, with the content actually
    /// there (so a plan replaces a file whose write never finished). Removes
    /// the temporary files an interrupted write left beside it.
    ///
    /// # Errors
    /// The file exists but cannot be read.
    async fn find(
        &self,
        written: &Arc<Written>,
        schema: &ResourceSchema,
        planned: Value,
    ) -> Result<infra_engine::provider::Found, Failure> {
        use infra_engine::provider::Found;
        let what = self.type_name;
        let mut m = into_attrs(planned, what)?;
        let Some(filename) = string(&m, "filename").map(str::to_string) else {
            return Ok(Found::Unsupported);
        };
        let found = blocking(what, move || {
            remove_stale_temps(Path::new(&filename));
            match fs::read(&filename) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(error(format!("`{what}`: cannot read `{filename}`: {e}"))),
            }
        })
        .await?;
        let Some(bytes) = found else {
            return Ok(Found::Missing);
        };
        default_permissions(self, &mut m);
        // The checksums of what was to be written; the read below reports the
        // content actually there when it differs.
        match known_bytes(what, &m)? {
            Some(planned) => set_checksums(&mut m, &planned),
            None => set_checksums(&mut m, &bytes),
        }
        let state = finish(schema, m);
        Ok(Found::Object(
            self.read(written, schema, state.clone())
                .await?
                .unwrap_or(state),
        ))
    }

    /// Imports the file at path `id`: its content as `content` (UTF-8
    /// text) or `content_base64` (other bytes), its permission as 4 octal
    /// digits (`"0644"`), the default `directory_permission`, and the
    /// checksums. A configuration with the same content, path and
    /// `file_permission` then plans no change.
    ///
    /// # Errors
    /// The file cannot be read: "`local_file`: cannot import `a.txt`: No
    /// such file or directory".
    async fn import(
        &self,
        _written: &Arc<Written>,
        schema: &ResourceSchema,
        id: &str,
    ) -> Result<Value, Failure> {
        let what = self.type_name;
        let filename = id.to_string();
        let path = filename.clone();
        let (bytes, mode) = blocking(what, move || {
            let bytes = fs::read(&path)
                .map_err(|e| error(format!("`{what}`: cannot import `{path}`: {e}")))?;
            let mode = fs::metadata(&path).ok().and_then(|m| file_mode(&m));
            Ok((bytes, mode))
        })
        .await?;
        let mut m = Attrs::new();
        set(&mut m, "filename", Value::String(filename));
        match String::from_utf8(bytes.clone()) {
            Ok(text) => set(&mut m, "content", Value::String(text)),
            Err(_) => set(
                &mut m,
                "content_base64",
                Value::String(STANDARD.encode(&bytes)),
            ),
        }
        if let Some(mode) = mode {
            set(
                &mut m,
                "file_permission",
                Value::String(format!("{mode:04o}")),
            );
        }
        default_permissions(self, &mut m);
        set_checksums(&mut m, &bytes);
        Ok(finish(schema, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    pub(crate) fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object_of(pairs)
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    fn plan_create(config: &Value) -> Attrs {
        let s = PLAIN.schema();
        let p = PLAIN
            .plan(
                &Arc::default(),
                &s,
                PlanRequest {
                    type_name: TYPE,
                    prior: None,
                    config,
                    proposed: config.clone(),
                    prior_private: &[],
                },
            )
            .expect("plan");
        attrs(&p.planned, TYPE).expect("object").clone()
    }

    #[test]
    fn import_reads_the_file_so_the_same_configuration_plans_no_change() {
        #[cfg(unix)]
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f.txt");
        fs::write(&path, b"hi\n").expect("file");
        #[cfg(unix)]
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        let name = path.display().to_string();
        let s = PLAIN.schema();
        let v = rt()
            .block_on(PLAIN.import(&Arc::default(), &s, &name))
            .expect("import");
        let m = attrs(&v, TYPE).expect("object");
        assert_eq!(m["content"], Value::string("hi\n"));
        assert_eq!(m["id"], Value::string(sha1_hex(b"hi\n")));
        #[cfg(unix)]
        assert_eq!(m["file_permission"], Value::string("0640"));
        let config = obj(&[
            ("filename", Value::string(name.clone())),
            ("content", Value::string("hi\n")),
            ("file_permission", m["file_permission"].clone()),
        ]);
        assert_eq!(plan_create(&config), *m);
        // A missing file is an error naming it.
        let e = rt()
            .block_on(PLAIN.import(&Arc::default(), &s, "no/such/file"))
            .expect_err("missing");
        assert!(
            e[0].message.contains("cannot import `no/such/file`"),
            "{e:?}"
        );
    }

    #[test]
    fn find_looks_the_file_up_by_name_and_removes_stale_temporaries() {
        use infra_engine::provider::Found;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f.txt");
        let name = path.display().to_string();
        let config = obj(&[
            ("filename", Value::string(name.clone())),
            ("content", Value::string("new")),
        ]);
        let planned = Value::Object(plan_create(&config));
        let s = PLAIN.schema();
        let found = rt()
            .block_on(PLAIN.find(&Arc::default(), &s, planned.clone()))
            .expect("find");
        assert_eq!(found, Found::Missing);
        // The create wrote the file, then the process was killed: found.
        let stale = dir
            .path()
            .join(".f.txt.0123456789abcdef0123456789abcdef.infra-tmp");
        fs::write(&stale, b"").expect("temp");
        fs::write(&path, b"new").expect("file");
        let Found::Object(v) = rt()
            .block_on(PLAIN.find(&Arc::default(), &s, planned.clone()))
            .expect("find")
        else {
            panic!("not found");
        };
        let m = attrs(&v, TYPE).expect("object");
        assert_eq!(m["content"], Value::string("new"));
        assert_eq!(m["id"], Value::string(sha1_hex(b"new")));
        assert!(!stale.exists(), "the stale temporary file survived");
        // Killed before the rename: another content is there, and the
        // found state says so (the next plan replaces it).
        fs::write(&path, b"old").expect("file");
        let Found::Object(v) = rt()
            .block_on(PLAIN.find(&Arc::default(), &s, planned))
            .expect("find")
        else {
            panic!("not found");
        };
        let m = attrs(&v, TYPE).expect("object");
        assert_eq!(m["content"], Value::string("old"));
    }

    #[test]
    fn plan_fills_defaults_and_checksums() {
        let config = obj(&[
            ("filename", Value::string("x.txt")),
            ("content", Value::string("hello")),
        ]);
        let m = plan_create(&config);
        assert_eq!(m["file_permission"], Value::string("0777"));
        assert_eq!(m["directory_permission"], Value::string("0777"));
        assert_eq!(
            m["id"],
            Value::string("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        assert_eq!(
            m["content_md5"],
            Value::string("5d41402abc4b2a76b9719d911017c592")
        );
        assert!(m["source"].is_null());
    }

    #[test]
    fn plan_with_unknown_content_has_unknown_checksums() {
        let config = obj(&[
            ("filename", Value::string("x.txt")),
            ("content", Value::Unknown(Type::String)),
            ("file_permission", Value::string("0600")),
        ]);
        let m = plan_create(&config);
        assert!(m["id"].is_unknown());
        assert!(m["content_sha512"].is_unknown());
        assert_eq!(m["file_permission"], Value::string("0600"));
    }

    #[test]
    fn plan_decodes_base64() {
        let config = obj(&[
            ("filename", Value::string("x.bin")),
            ("content_base64", Value::string("aGVsbG8=")),
        ]);
        let m = plan_create(&config);
        assert_eq!(
            m["id"],
            Value::string("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
    }

    #[test]
    fn validate_checks_content_args_and_modes() {
        let m = |pairs: &[(&str, Value)]| attrs(&obj(pairs), TYPE).expect("object").clone();
        let d = validate(&PLAIN, &m(&[("filename", Value::string("a"))]));
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("needs one of"), "{}", d[0].message);
        let d = validate(
            &PLAIN,
            &m(&[
                ("filename", Value::string("a")),
                ("content", Value::string("x")),
                ("content_base64", Value::string("eA==")),
            ]),
        );
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("only one of"), "{}", d[0].message);
        let d = validate(
            &PLAIN,
            &m(&[
                ("filename", Value::string("a")),
                ("content_base64", Value::string("not base64!")),
                ("file_permission", Value::string("0888")),
                ("directory_permission", Value::string("7")),
            ]),
        );
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.iter().any(|d| d.message.contains("`file_permission`")));
        assert!(
            d.iter()
                .any(|d| d.message.contains("`directory_permission`"))
        );
        assert!(
            validate(
                &PLAIN,
                &m(&[
                    ("filename", Value::string("a")),
                    ("content", Value::Unknown(Type::String)),
                    ("file_permission", Value::string("644")),
                ])
            )
            .is_empty()
        );
        assert_eq!(parse_mode("0644"), Ok(0o644));
        assert!(parse_mode("1777").is_err());
    }

    #[test]
    fn force_new_everywhere() {
        let s = PLAIN.schema();
        for name in [
            "filename",
            "content",
            "content_base64",
            "source",
            "file_permission",
            "directory_permission",
        ] {
            assert!(s.attributes[name].force_new, "{name}");
        }
        assert!(!s.attributes["content"].sensitive);
    }

    #[test]
    fn apply_writes_reads_and_deletes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/dir/out.txt");
        let filename = path.to_string_lossy().into_owned();
        let config = obj(&[
            ("filename", Value::string(filename.clone())),
            ("content", Value::string("hello")),
            ("file_permission", Value::string("0640")),
            ("directory_permission", Value::string("0750")),
        ]);
        let planned = Value::Object(plan_create(&config));
        let s = PLAIN.schema();
        let rt = rt();
        let written = Arc::new(Written::default());
        let state = rt
            .block_on(PLAIN.apply(
                &written,
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: None,
                    planned: Some(planned.clone()),
                    ..ApplyRequest::default()
                },
            ))
            .expect("apply")
            .expect("state");
        assert_eq!(state, planned);
        assert_eq!(fs::read_to_string(&path).expect("file"), "hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode & !0o640, 0, "mode {mode:o}");
            let dmode = fs::metadata(path.parent().expect("dir"))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(dmode & !0o750, 0, "dir mode {dmode:o}");
        }
        let leftovers: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("dir")
            .collect();
        assert_eq!(leftovers.len(), 1, "temporary file left behind");

        let same = rt
            .block_on(PLAIN.read(&Arc::default(), &s, state.clone()))
            .expect("read");
        assert_eq!(same.as_ref(), Some(&state));

        fs::write(&path, "changed").expect("write");
        let drifted = rt
            .block_on(PLAIN.read(&Arc::default(), &s, state.clone()))
            .expect("read")
            .expect("exists");
        let m = attrs(&drifted, TYPE).expect("object");
        assert_eq!(m["content"], Value::string("changed"));
        assert_eq!(m["id"], Value::string(sha1_hex(b"changed")));

        // A later run: deleting the object as recorded leaves a file that
        // holds other content; the object as read (refreshed) is removed.
        let later = Arc::new(Written::default());
        let kept = rt
            .block_on(PLAIN.apply(
                &later,
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: Some(state.clone()),
                    planned: None,
                    ..ApplyRequest::default()
                },
            ))
            .expect("delete");
        assert!(kept.is_none());
        assert_eq!(fs::read_to_string(&path).expect("file"), "changed");
        let gone = rt
            .block_on(PLAIN.apply(
                &later,
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: Some(drifted),
                    planned: None,
                    ..ApplyRequest::default()
                },
            ))
            .expect("delete");
        assert!(gone.is_none());
        assert!(!path.exists());
        let read_gone = rt
            .block_on(PLAIN.read(&Arc::default(), &s, state.clone()))
            .expect("read");
        assert!(read_gone.is_none());
        let again = rt.block_on(PLAIN.apply(
            &later,
            &s,
            ApplyRequest {
                type_name: TYPE.into(),
                prior: Some(state),
                planned: None,
                ..ApplyRequest::default()
            },
        ));
        assert!(matches!(again, Ok(None)), "deleting a missing file is fine");
    }

    #[test]
    fn delete_leaves_a_file_this_run_wrote_even_with_the_same_content() {
        // create_before_destroy with only `file_permission` changed: the
        // new object has the old one's content and path.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.txt");
        let filename = path.to_string_lossy().into_owned();
        let old = obj(&[
            ("filename", Value::string(filename.clone())),
            ("content", Value::string("same")),
            ("file_permission", Value::string("0644")),
        ]);
        let new = obj(&[
            ("filename", Value::string(filename)),
            ("content", Value::string("same")),
            ("file_permission", Value::string("0600")),
        ]);
        let s = PLAIN.schema();
        let rt = rt();
        let create = |planned: Value, written: &Arc<Written>| {
            rt.block_on(PLAIN.apply(
                written,
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: None,
                    planned: Some(Value::Object(plan_create(&planned))),
                    ..ApplyRequest::default()
                },
            ))
            .expect("create")
            .expect("state")
        };
        let old_state = create(old, &Arc::default());
        let written = Arc::new(Written::default());
        create(new, &written);
        rt.block_on(PLAIN.apply(
            &written,
            &s,
            ApplyRequest {
                type_name: TYPE.into(),
                prior: Some(old_state),
                planned: None,
                ..ApplyRequest::default()
            },
        ))
        .expect("delete");
        assert_eq!(fs::read_to_string(&path).expect("kept"), "same");
    }

    #[test]
    fn apply_copies_source_and_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("src.bin");
        fs::write(&src, [0u8, 159, 146, 150]).expect("write");
        let dst = dir.path().join("dst.bin");
        fs::write(&dst, "old").expect("write");
        let config = obj(&[
            ("filename", Value::string(dst.to_string_lossy())),
            ("source", Value::string(src.to_string_lossy())),
        ]);
        let planned = plan_create(&config);
        assert!(planned["id"].is_unknown());
        let s = PLAIN.schema();
        let state = rt()
            .block_on(PLAIN.apply(
                &Arc::default(),
                &s,
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: None,
                    planned: Some(Value::Object(planned)),
                    ..ApplyRequest::default()
                },
            ))
            .expect("apply")
            .expect("state");
        assert_eq!(fs::read(&dst).expect("file"), vec![0u8, 159, 146, 150]);
        let m = attrs(&state, TYPE).expect("object");
        assert_eq!(m["id"], Value::string(sha1_hex(&[0u8, 159, 146, 150])));
        assert_eq!(m["file_permission"], Value::string("0777"));
    }

    #[test]
    fn apply_reports_unwritable_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        fs::write(&blocker, "x").expect("write");
        let config = obj(&[
            (
                "filename",
                Value::string(blocker.join("below.txt").to_string_lossy()),
            ),
            ("content", Value::string("x")),
        ]);
        let planned = plan_create(&config);
        let err = rt()
            .block_on(PLAIN.apply(
                &Arc::default(),
                &PLAIN.schema(),
                ApplyRequest {
                    type_name: TYPE.into(),
                    prior: None,
                    planned: Some(Value::Object(planned)),
                    ..ApplyRequest::default()
                },
            ))
            .expect_err("fails");
        assert!(
            err[0].message.contains("cannot write"),
            "{}",
            err[0].message
        );
    }

    #[test]
    fn permission_drift_allows_the_umask_and_reports_a_chmod() {
        // Created as 0777 under umask 022: 0755 is what infra made.
        assert_eq!(permission_drift("0777", 0o755, Some(0o022)), None);
        assert_eq!(permission_drift("0777", 0o777, Some(0o022)), None);
        assert_eq!(permission_drift("0644", 0o644, Some(0o022)), None);
        // chmod 600 outside infra.
        assert_eq!(
            permission_drift("0777", 0o600, Some(0o022)),
            Some("0600".to_string())
        );
        assert_eq!(
            permission_drift("0644", 0o755, Some(0o022)),
            Some("0755".to_string())
        );
        // Unknown umask: only modes no umask could give are drift.
        assert_eq!(permission_drift("0644", 0o600, None), None);
        assert_eq!(
            permission_drift("0644", 0o666, None),
            Some("0666".to_string())
        );
    }
}
