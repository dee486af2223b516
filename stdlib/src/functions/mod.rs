//! The implementations, one file per group of functions. Each group file
//! exports `FUNCTIONS: &[Builtin]`.

mod collections;
mod datetime;
mod encoding;
mod filesystem;
mod format_verb;
mod hashing;
mod network;
mod numbers;
mod strings;
mod types;
mod unify;
mod yaml;

use crate::Builtin;

/// Every implemented function, group by group.
pub(crate) fn all() -> impl Iterator<Item = &'static Builtin> {
    [
        collections::FUNCTIONS,
        datetime::FUNCTIONS,
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
