//! The implementations, one file per group of functions. Each group file
//! exports `FUNCTIONS: &[Builtin]`.

mod collections;
mod encoding;
mod filesystem;
mod hashing;
mod network;
mod numbers;
mod strings;
mod types;

use crate::Builtin;

/// Every implemented function, group by group.
pub(crate) fn all() -> impl Iterator<Item = &'static Builtin> {
    [
        collections::FUNCTIONS,
        encoding::FUNCTIONS,
        filesystem::FUNCTIONS,
        hashing::FUNCTIONS,
        network::FUNCTIONS,
        numbers::FUNCTIONS,
        strings::FUNCTIONS,
        types::FUNCTIONS,
    ]
    .into_iter()
    .flatten()
}
