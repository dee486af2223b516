//! Built-in collections functions.

use crate::Builtin;

/// The collections functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[];
