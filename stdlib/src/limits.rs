//! The one limit on what a built-in function may build: at most
//! [`MAX_ELEMENTS`] values and [`MAX_STRING_BYTES`] bytes of text in one
//! result, reported as `function::too-large`.
//!
//! Functions that can multiply their input (`indent`, `format` widths,
//! `setproduct`, `join`, `replace`, YAML aliases, ...) check the size of
//! what they are about to build before allocating it; [`crate::call`]
//! measures every other result after the call, so a chain of doublings
//! (`concat(local.a, local.a)` over many locals) stops at the limit too.
//! Terraform has no such limit (it runs out of memory instead).

use crate::FnError;
use infra_lang::Value;

/// Most values in one function result, counting the result itself and
/// every element, attribute and map entry at any depth (ten million).
pub const MAX_ELEMENTS: u64 = 10_000_000;

/// Most bytes of text in one function result: the UTF-8 length of every
/// string and map key in it, added up (256 MiB).
pub const MAX_STRING_BYTES: u64 = 256 << 20;

/// Deepest nesting of sequences and mappings (arrays and objects) that
/// `yamldecode` and `jsondecode` accept: deeper documents are an error,
/// not a stack overflow. (serde_json's own limit, 127, stays out of
/// reach.)
pub const MAX_DEPTH: usize = 100;

/// The diagnostic code of a result over the limit.
pub const TOO_LARGE: &str = "function::too-large";

/// The size of a value as the limit counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Size {
    /// Values, the value itself included.
    pub elements: u64,
    /// Bytes of strings and map keys.
    pub bytes: u64,
}

impl Size {
    /// The size of `v`; stops counting (with a size over the limit) as
    /// soon as the limit is passed, so measuring is never slower than
    /// building.
    pub(crate) fn of(v: &Value) -> Size {
        let mut size = Size::default();
        let mut todo: Vec<&Value> = vec![v];
        while let Some(v) = todo.pop() {
            size.elements += 1;
            match v {
                Value::String(s) => size.bytes += s.len() as u64,
                Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                    todo.extend(items);
                }
                Value::Map(_, m) | Value::Object(m) => {
                    for (k, item) in m {
                        size.bytes += k.len() as u64;
                        todo.push(item);
                    }
                }
                Value::Sensitive(inner) => {
                    size.elements -= 1;
                    todo.push(inner);
                }
                _ => {}
            }
            if size.over() {
                break;
            }
        }
        size
    }

    /// True when the size passes the limit.
    pub(crate) fn over(self) -> bool {
        self.elements > MAX_ELEMENTS || self.bytes > MAX_STRING_BYTES
    }

    /// `Ok` within the limit, otherwise `function::too-large` saying what
    /// was to be built (`what`, e.g. "a string of 999999999 spaces").
    pub(crate) fn check(self, what: &str) -> Result<(), FnError> {
        if self.over() {
            Err(too_large(what))
        } else {
            Ok(())
        }
    }
}

/// `Ok` when a string of `bytes` bytes (a `u128` so callers can multiply
/// without overflow) fits the limit; `what` describes it for the message.
pub(crate) fn check_string(bytes: u128, what: &str) -> Result<(), FnError> {
    if bytes > u128::from(MAX_STRING_BYTES) {
        Err(too_large(&format!("{what} of {bytes} bytes")))
    } else {
        Ok(())
    }
}

/// `Ok` when a result of `elements` values fits the limit.
pub(crate) fn check_elements(elements: u128, what: &str) -> Result<(), FnError> {
    if elements > u128::from(MAX_ELEMENTS) {
        Err(too_large(&format!("{what} of {elements} values")))
    } else {
        Ok(())
    }
}

/// The `function::too-large` error for a result described by `what`.
pub(crate) fn too_large(what: &str) -> FnError {
    FnError::call(format!(
        "the result would be too large: {what} (a function result holds at most {MAX_ELEMENTS} values and {} MiB of text)",
        MAX_STRING_BYTES >> 20
    ))
    .with_code(TOO_LARGE)
    .with_help("Build smaller values, e.g. split the data, or read it from a file.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_counts_every_value_and_every_byte_of_text() {
        let v = Value::Object(
            [
                ("ab".to_string(), Value::string("xyz")),
                (
                    "c".to_string(),
                    Value::Tuple(vec![
                        Value::int(1),
                        Value::Sensitive(Box::new(Value::string("q"))),
                    ]),
                ),
            ]
            .into(),
        );
        assert_eq!(
            Size::of(&v),
            Size {
                elements: 5,
                bytes: 7
            }
        );
    }

    #[test]
    fn the_error_names_the_code_and_the_limit() {
        let e = check_string(1 << 40, "a string").expect_err("over the limit");
        assert_eq!(e.code, TOO_LARGE);
        assert!(e.message.contains("1099511627776 bytes"), "{}", e.message);
        assert!(e.message.contains("256 MiB"), "{}", e.message);
        assert!(check_elements(u128::from(MAX_ELEMENTS), "a list").is_ok());
        assert!(check_elements(u128::from(MAX_ELEMENTS) + 1, "a list").is_err());
    }
}
