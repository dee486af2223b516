//! Built-in filesystem functions.

use crate::Builtin;

/// The filesystem functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[];
