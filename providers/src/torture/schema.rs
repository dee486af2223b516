//! The schema of `torture_all` (version 1): every way a Terraform
//! provider's schema can nest — block types of each nesting mode with
//! min/max items, nested attributes of each nesting mode — plus a dynamic,
//! a sensitive, a write-only, a deprecated and an optional+computed
//! attribute, and computed and sensitive attributes inside blocks and
//! nested attributes.

use infra_engine::provider::{Attribute, NestedAttributes, NestedBlock, Nesting, ResourceSchema};
use infra_lang::Type;

/// The schema version; version 0 named `name` `title`.
pub const VERSION: i64 = 1;

/// A nested attribute of `nesting` with `attributes`, optional.
fn nested(
    nesting: Nesting,
    description: &'static str,
    attributes: Vec<(&str, Attribute)>,
) -> Attribute {
    let n = NestedAttributes {
        nesting,
        attributes: attributes
            .into_iter()
            .map(|(k, a)| (k.to_string(), a))
            .collect(),
    };
    Attribute {
        nested: Some(n.clone()),
        ..Attribute::optional(n.implied_type(), description)
    }
}

/// A block type of `nesting` holding `attributes`.
fn block(
    nesting: Nesting,
    (min_items, max_items): (u64, u64),
    description: &'static str,
    attributes: Vec<(&str, Attribute)>,
) -> NestedBlock {
    NestedBlock {
        nesting,
        min_items,
        max_items,
        block: ResourceSchema::new(description, attributes),
    }
}

/// The schema of `torture_all`.
pub fn schema() -> ResourceSchema {
    let s = Type::String;
    let mut schema = ResourceSchema::new(
        "An object whose schema has every nesting mode, for testing the plugin protocol.",
        vec![
            (
                "name",
                Attribute::required(s.clone(), "The object's name (`title` in version 0)."),
            ),
            (
                "id",
                Attribute::computed(s.clone(), "`torture-` and the name."),
            ),
            (
                "secret",
                Attribute::optional(s.clone(), "A sensitive value.").sensitive(),
            ),
            (
                "password_wo",
                Attribute {
                    write_only: true,
                    ..Attribute::optional(s.clone(), "A write-only value: never stored.")
                },
            ),
            (
                "old_name",
                Attribute {
                    deprecated: Some("Use `name` instead.".into()),
                    ..Attribute::optional(s.clone(), "Deprecated.")
                },
            ),
            (
                "anything",
                Attribute::optional(Type::Any, "A value of any type."),
            ),
            (
                "note",
                Attribute::optional_computed(s.clone(), "`auto` unless configured."),
            ),
            (
                "endpoint",
                nested(
                    Nesting::Single,
                    "A single nested attribute.",
                    vec![
                        ("host", Attribute::required(s.clone(), "Host.")),
                        ("port", Attribute::optional(Type::Number, "Port.")),
                        (
                            "token",
                            Attribute::optional(s.clone(), "Token.").sensitive(),
                        ),
                    ],
                ),
            ),
            (
                "ports",
                nested(
                    Nesting::List,
                    "A list nested attribute.",
                    vec![("number", Attribute::required(Type::Number, "Port number."))],
                ),
            ),
            (
                "members",
                nested(
                    Nesting::Set,
                    "A set nested attribute.",
                    vec![
                        ("user", Attribute::required(s.clone(), "User.")),
                        ("admin", Attribute::optional(Type::Bool, "Admin.")),
                    ],
                ),
            ),
            (
                "env",
                nested(
                    Nesting::Map,
                    "A map nested attribute.",
                    vec![("value", Attribute::required(s.clone(), "Value."))],
                ),
            ),
        ],
    );
    let blocks = [
        (
            "single",
            block(
                Nesting::Single,
                (0, 0),
                "A single block.",
                vec![
                    ("mode", Attribute::optional(s.clone(), "Mode.")),
                    (
                        "token",
                        Attribute::optional(s.clone(), "Token.").sensitive(),
                    ),
                ],
            ),
        ),
        (
            "group",
            block(
                Nesting::Group,
                (0, 0),
                "A group block.",
                vec![("flag", Attribute::optional(Type::Bool, "Flag."))],
            ),
        ),
        (
            "rule",
            block(
                Nesting::List,
                (1, 3),
                "A list block: one to three.",
                vec![
                    ("port", Attribute::required(Type::Number, "Port.")),
                    ("note", Attribute::optional(s.clone(), "Note.")),
                    (
                        "rid",
                        Attribute::computed(s.clone(), "`rid-` and the port."),
                    ),
                ],
            ),
        ),
        (
            "tag",
            block(
                Nesting::Set,
                (0, 4),
                "A set block: at most four.",
                vec![
                    ("key", Attribute::required(s.clone(), "Key.")),
                    ("value", Attribute::optional(s.clone(), "Value.")),
                ],
            ),
        ),
        (
            "setting",
            block(
                Nesting::Map,
                (0, 0),
                "A map block, by label.",
                vec![("value", Attribute::required(s, "Value."))],
            ),
        ),
    ];
    for (name, b) in blocks {
        schema.blocks.insert(name.to_string(), b);
    }
    schema.version = VERSION;
    schema
}
