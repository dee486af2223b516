//! Partial backend configuration, as Terraform's `init -backend-config`:
//! `KEY=VALUE` pairs and files of `key = value` lines given to `infra
//! init` complete the configuration's `backend` block. They are kept in
//! `.infra/backend-config.json` (readable by the owner only, as they may
//! hold credentials) and merged into the block by every later command,
//! until `init -reconfigure` drops them.

use infra_engine::eval::{BackendConfig, InputValue};
use infra_lang::{Diagnostic, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the kept settings live, relative to the configuration.
pub const FILE: &str = ".infra/backend-config.json";

/// Settings kept by `init -backend-config`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Saved {
    /// The backend type they were given for (`s3`).
    pub kind: String,
    /// The settings; strings, and booleans for `true`/`false`.
    pub config: BTreeMap<String, serde_json::Value>,
}

fn path(base: &Path) -> PathBuf {
    base.join(FILE)
}

/// Parses `-backend-config` values (`KEY=VALUE`, or a file of `key =
/// value` lines relative to `base`), later ones winning.
///
/// # Errors
/// `backend::config` for an unreadable file, a file value that is not a
/// string, number or bool, or an empty key.
pub fn parse(
    values: &[String],
    base: &Path,
) -> Result<BTreeMap<String, serde_json::Value>, Vec<Diagnostic>> {
    let mut out = BTreeMap::new();
    for v in values {
        let file = base.join(v);
        match v.split_once('=') {
            Some((k, val)) if !file.is_file() => {
                let k = k.trim();
                if k.is_empty() {
                    // The value may be a credential: not repeated.
                    return Err(vec![bad(
                        "a `-backend-config=KEY=VALUE` has no key before `=`".to_string(),
                    )]);
                }
                let json = match val {
                    "true" => serde_json::Value::Bool(true),
                    "false" => serde_json::Value::Bool(false),
                    s => serde_json::Value::String(s.to_string()),
                };
                out.insert(k.to_string(), json);
            }
            _ => {
                for (k, input) in infra_engine::eval::parse_var_file(&file, v)? {
                    let value = match input {
                        InputValue::Raw { text, .. } => Value::String(text),
                        InputValue::Value { value, .. } => value,
                    };
                    let json = match value {
                        Value::String(s) => serde_json::Value::String(s),
                        Value::Bool(b) => serde_json::Value::Bool(b),
                        Value::Number(n) => {
                            serde_json::Value::String(infra_lang::value::render(&Value::Number(n)))
                        }
                        other => {
                            return Err(vec![bad(format!(
                                "`{k}` in {v} must be a string or a bool, got {}",
                                other.describe()
                            ))]);
                        }
                    };
                    out.insert(k, json);
                }
            }
        }
    }
    Ok(out)
}

fn bad(message: String) -> Diagnostic {
    Diagnostic::error("backend::config", message).with_help(
        "Give `-backend-config=KEY=VALUE`, or a file of `key = \"value\"` lines: `-backend-config=backend.hcl`.",
    )
}

/// The kept settings, if any.
///
/// # Errors
/// `backend::config` when the file exists but cannot be read.
pub fn load(base: &Path) -> Result<Option<Saved>, Diagnostic> {
    match std::fs::read(path(base)) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Diagnostic::error("backend::config", format!("{FILE} is not valid: {e}"))
                .with_help("Run `infra init -reconfigure` with the `-backend-config` values again.")
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Diagnostic::error(
            "backend::config",
            format!("cannot read {FILE}: {e}"),
        )),
    }
}

/// Keeps `saved`, replacing what was kept (written beside and renamed,
/// owner-only on Unix).
///
/// # Errors
/// `backend::config` when it cannot be written.
pub fn save(base: &Path, saved: &Saved) -> Result<(), Diagnostic> {
    let fail = |e: std::io::Error| {
        Diagnostic::error("backend::config", format!("cannot write {FILE}: {e}"))
    };
    let target = path(base);
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let tmp = target.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(saved).map_err(|e| fail(std::io::Error::other(e)))?;
    {
        use std::io::Write as _;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).map_err(fail)?;
        f.write_all(&text).map_err(fail)?;
        f.sync_all().map_err(fail)?;
    }
    std::fs::rename(&tmp, &target).map_err(fail)
}

/// Forgets the kept settings (`init -reconfigure`).
///
/// # Errors
/// `backend::config` when the file exists and cannot be removed.
pub fn remove(base: &Path) -> Result<(), Diagnostic> {
    match std::fs::remove_file(path(base)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Diagnostic::error(
            "backend::config",
            format!("cannot remove {FILE}: {e}"),
        )),
        _ => Ok(()),
    }
}

/// `block` with the kept settings of `base` merged in (they win over the
/// block's own arguments).
///
/// # Errors
/// `backend::config` when settings were kept for another backend type, or
/// when settings are kept and the configuration has no `backend` block.
pub fn merged(
    base: &Path,
    block: Option<BackendConfig>,
) -> Result<Option<BackendConfig>, Diagnostic> {
    let Some(saved) = load(base)? else {
        return Ok(block);
    };
    let Some(mut b) = block else {
        return Err(Diagnostic::error(
            "backend::config",
            format!("{FILE} completes a `backend \"{}\"` block, but the configuration has none", saved.kind),
        )
        .with_help("Add the `backend` block back, or run `infra init -reconfigure` to drop the kept `-backend-config` settings."));
    };
    if b.kind != saved.kind {
        return Err(b.error(
            "backend::config",
            format!("the `-backend-config` settings kept in {FILE} are for a `{}` backend, not `{}`", saved.kind, b.kind),
        )
        .with_help("Run `infra init -reconfigure` (with new `-backend-config` values if the block needs them)."));
    }
    if let Value::Object(m) = &mut b.config {
        for (k, v) in saved.config {
            m.insert(k, infra_lang::value::from_json(&v));
        }
    }
    Ok(Some(b))
}
