//! Built-in encoding functions.

use crate::Builtin;

/// The encoding functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[];
