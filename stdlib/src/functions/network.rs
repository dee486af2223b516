//! Built-in network functions.

use crate::Builtin;

/// The network functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[];
