//! The block types a configuration may contain at top level, with their
//! labels and the arguments and nested blocks each accepts.

use super::meta;

/// What a top-level block type looks like.
#[derive(Debug)]
pub struct BlockSpec {
    /// The block type keyword.
    pub name: &'static str,
    /// The names of its labels, e.g. `["type", "name"]` for `resource`.
    pub labels: &'static [&'static str],
    /// Arguments it accepts; `None` when any argument is accepted (module
    /// inputs, provider and resource arguments checked elsewhere).
    pub attributes: Option<&'static [&'static str]>,
    /// Nested block types it accepts; `None` for any.
    pub blocks: Option<&'static [&'static str]>,
    /// One line shown in "unknown block type" help.
    pub summary: &'static str,
}

/// Every top-level block type, in the order docs list them.
pub const BLOCK_TYPES: &[BlockSpec] = &[
    BlockSpec {
        name: "backend",
        labels: &["type"],
        attributes: None,
        blocks: Some(&[]),
        summary: "where state is stored",
    },
    BlockSpec {
        name: "const",
        labels: &["name"],
        attributes: Some(meta::CONST_ARGS),
        blocks: Some(&[]),
        summary: "a constant known before any provider runs",
    },
    BlockSpec {
        name: "variable",
        labels: &["name"],
        attributes: Some(meta::VARIABLE_ARGS),
        blocks: Some(meta::VARIABLE_BLOCKS),
        summary: "an input variable",
    },
    BlockSpec {
        name: "locals",
        labels: &[],
        attributes: None,
        blocks: Some(&[]),
        summary: "named local values",
    },
    BlockSpec {
        name: "function",
        labels: &["name"],
        attributes: Some(&["params", "result", "description"]),
        blocks: Some(&[]),
        summary: "a user-defined function",
    },
    BlockSpec {
        name: "provider",
        labels: &["type"],
        attributes: None,
        blocks: None,
        summary: "a provider configuration",
    },
    BlockSpec {
        name: "resource",
        labels: &["type", "name"],
        attributes: None,
        blocks: None,
        summary: "a managed resource",
    },
    BlockSpec {
        name: "data",
        labels: &["type", "name"],
        attributes: None,
        blocks: None,
        summary: "a data source",
    },
    BlockSpec {
        name: "module",
        labels: &["name"],
        attributes: None,
        blocks: Some(&[]),
        summary: "a child module",
    },
    BlockSpec {
        name: "output",
        labels: &["name"],
        attributes: Some(meta::OUTPUT_ARGS),
        blocks: Some(meta::OUTPUT_BLOCKS),
        summary: "an output value",
    },
    BlockSpec {
        name: "moved",
        labels: &[],
        attributes: Some(meta::MOVED_ARGS),
        blocks: Some(&[]),
        summary: "a refactoring: an address that moved",
    },
    BlockSpec {
        name: "import",
        labels: &[],
        attributes: Some(meta::IMPORT_ARGS),
        blocks: Some(&[]),
        summary: "adopt an existing object",
    },
    BlockSpec {
        name: "removed",
        labels: &[],
        attributes: Some(meta::REMOVED_ARGS),
        blocks: Some(&[meta::LIFECYCLE]),
        summary: "forget a resource without destroying it",
    },
    BlockSpec {
        name: "check",
        labels: &["name"],
        attributes: Some(&[]),
        blocks: Some(&[meta::ASSERT, "data"]),
        summary: "assertions reported by plan and drift",
    },
    BlockSpec {
        name: "terraform",
        labels: &[],
        attributes: Some(meta::SETTINGS_ARGS),
        blocks: Some(meta::SETTINGS_BLOCKS),
        summary: "settings: `required_providers` (Terraform's spelling)",
    },
    BlockSpec {
        name: "infra",
        labels: &[],
        attributes: Some(meta::SETTINGS_ARGS),
        blocks: Some(meta::SETTINGS_BLOCKS),
        summary: "settings: `required_providers`",
    },
];

/// The spec of block type `name`.
pub fn spec(name: &str) -> Option<&'static BlockSpec> {
    BLOCK_TYPES.iter().find(|b| b.name == name)
}
