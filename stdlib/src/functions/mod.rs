//! The implementations, one file per group of functions. Each group file
//! exports `FUNCTIONS: &[Builtin]`.

mod collections;
pub(crate) mod datetime;
pub(crate) mod encoding;
mod filesystem;
mod format_verb;
mod hashing;
mod network;
mod numbers;
mod strings;
mod types;
mod unify;
mod value_set;
pub(crate) mod yaml;

use crate::{Builtin, Example, FnContext, FnError, Returns};
use infra_lang::Value;

/// An example for a function's docs: `expr` and what `infra eval` prints.
pub(crate) const fn ex(expr: &'static str, result: &'static str) -> Example {
    Example { expr, result }
}

/// A function of `group` whose arguments are unmarked and known when it
/// runs (see [`Builtin::raw`]).
pub(crate) const fn builtin(
    name: &'static str,
    group: &'static str,
    summary: &'static str,
    examples: &'static [Example],
    returns: Returns,
    run: fn(Vec<Value>, &FnContext<'_>) -> Result<Value, FnError>,
) -> Builtin {
    Builtin {
        name,
        group,
        summary,
        examples,
        returns,
        raw: false,
        run,
    }
}

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
