//! The stored form of state, journal entries and backups: the one seam
//! between the state's serde structs and the bytes a store writes, where
//! the configuration's `encryption` block (its `state` target,
//! [`crate::encryption::Target`]) encrypts and decrypts. Every store goes
//! through here, so no copy of the state reaches a disk or a bucket in
//! clear when the target encrypts.

use super::journal::{self, Entry};
use super::{State, StateError, file};
use crate::encryption::{Target, is_encrypted};

fn decrypt_failed(path: &str, message: String) -> StateError {
    StateError::Decrypt {
        path: path.to_string(),
        message,
    }
}

fn encrypt_failed(path: &str, message: String) -> StateError {
    StateError::Encrypt {
        path: path.to_string(),
        message,
    }
}

/// The bytes to store for `state` at `path` (for messages).
///
/// # Errors
/// [`StateError::Encrypt`]: the key could not be made.
pub fn state_bytes(state: &State, path: &str, target: &Target) -> Result<Vec<u8>, StateError> {
    let _phase = crate::timing::Phase::start("state encode");
    target
        .encrypt(file::to_text(state).into_bytes())
        .map_err(|m| encrypt_failed(path, m))
}

/// The state stored as `bytes` at `path`.
///
/// # Errors
/// [`StateError::Decrypt`]: wrong key, tampered or unexpected (plain or
/// encrypted) data; [`StateError::Corrupt`]/[`StateError::TooNew`] as
/// [`file::from_text`].
pub fn read_state(bytes: &[u8], path: &str, target: &Target) -> Result<State, StateError> {
    let _phase = crate::timing::Phase::start("state decode");
    let plain = target.decrypt(bytes).map_err(|m| decrypt_failed(path, m))?;
    let text = std::str::from_utf8(&plain).map_err(|e| StateError::Corrupt {
        path: path.to_string(),
        message: format!("it is not UTF-8 text: {e}"),
    })?;
    file::from_text(text, path)
}

/// One journal entry as stored: a JSON line (without its newline),
/// encrypted when the target encrypts.
///
/// # Errors
/// [`StateError::Encrypt`].
pub fn entry_bytes(entry: &Entry, target: &Target) -> Result<Vec<u8>, StateError> {
    let plain = serde_json::to_vec(entry).unwrap_or_default();
    target
        .encrypt(plain)
        .map_err(|m| encrypt_failed("the journal", m))
}

enum LineError {
    Corrupt(String),
    Decrypt(String),
}

fn entry_of(bytes: &[u8], target: &Target) -> Result<Entry, LineError> {
    let plain = target.decrypt(bytes).map_err(LineError::Decrypt)?;
    serde_json::from_slice(&plain).map_err(|e| LineError::Corrupt(e.to_string()))
}

/// One journal entry stored as `bytes` at `path`.
///
/// # Errors
/// [`StateError::Decrypt`] or [`StateError::Corrupt`].
pub fn read_entry(bytes: &[u8], path: &str, target: &Target) -> Result<Entry, StateError> {
    entry_of(bytes, target).map_err(|e| match e {
        LineError::Corrupt(message) => StateError::Corrupt {
            path: path.to_string(),
            message,
        },
        LineError::Decrypt(m) => decrypt_failed(path, m),
    })
}

/// A journal file's entries (see [`journal::parse`]: a torn last line is
/// ignored).
///
/// # Errors
/// [`StateError::Decrypt`] or [`StateError::Corrupt`] naming the line.
pub fn read_journal(bytes: &[u8], path: &str, target: &Target) -> Result<Vec<Entry>, StateError> {
    journal::parse_lines(bytes, |line| entry_of(line, target)).map_err(|(n, e)| match e {
        LineError::Corrupt(m) => StateError::Corrupt {
            path: path.to_string(),
            message: format!("journal line {n}: {m}"),
        },
        LineError::Decrypt(m) => decrypt_failed(path, format!("journal line {n}: {m}")),
    })
}

/// What to keep as the backup of the stored `previous` version: `None`
/// to keep the bytes as they are, or, when the target encrypts and they
/// are in clear (the write migrating to encryption), those bytes
/// encrypted, so that no plain copy survives the migration.
///
/// # Errors
/// [`StateError::Encrypt`].
pub fn backup_bytes(
    previous: &[u8],
    path: &str,
    target: &Target,
) -> Result<Option<Vec<u8>>, StateError> {
    if !target.encrypts() || is_encrypted(previous) {
        return Ok(None);
    }
    target
        .encrypt(previous.to_vec())
        .map(Some)
        .map_err(|m| encrypt_failed(path, m))
}

/// A side object's bytes (`StateStore::side_write`): `plain`, encrypted
/// when the target encrypts, so what holds values is never in clear where
/// the state is not. `what` names it for messages.
///
/// # Errors
/// [`StateError::Encrypt`].
pub fn seal(plain: Vec<u8>, what: &str, target: &Target) -> Result<Vec<u8>, StateError> {
    target.encrypt(plain).map_err(|m| encrypt_failed(what, m))
}

/// The plain bytes of a side object stored as `bytes` (see [`seal`]).
///
/// # Errors
/// [`StateError::Decrypt`]: wrong key, tampered or unexpected data.
pub fn unseal(bytes: &[u8], what: &str, target: &Target) -> Result<Vec<u8>, StateError> {
    target
        .decrypt(bytes)
        .map(std::borrow::Cow::into_owned)
        .map_err(|m| decrypt_failed(what, m))
}
