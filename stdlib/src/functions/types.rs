//! Built-in types functions.

use crate::Builtin;

/// The types functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[];
