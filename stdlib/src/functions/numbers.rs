//! Built-in numbers functions.

use crate::Builtin;

/// The numbers functions.
pub(crate) const FUNCTIONS: &[Builtin] = &[];
