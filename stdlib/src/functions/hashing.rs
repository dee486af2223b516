//! Built-in hashing functions.

use crate::Builtin;

/// The hashing functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[];
