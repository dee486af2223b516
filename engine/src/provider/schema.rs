//! Provider schemas: the resource types and data sources a provider
//! offers, and each attribute's type and role (required, optional,
//! computed, sensitive, force-new) — what `infra validate` checks
//! configurations against without any network.

use infra_lang::types::Type;
use std::collections::BTreeMap;

/// One attribute of a resource type or data source.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// Its type; values in configuration are converted to it.
    pub ty: Type,
    /// The configuration must set it.
    pub required: bool,
    /// The configuration may set it.
    pub optional: bool,
    /// The provider decides its value (when the configuration does not set
    /// it); "known after apply" on create.
    pub computed: bool,
    /// Never shown: redacted as `(sensitive)` in plans and output.
    pub sensitive: bool,
    /// Changing it replaces the object (Terraform's `ForceNew` /
    /// "requires replace").
    pub force_new: bool,
    /// One sentence for documentation and the language server.
    pub description: &'static str,
}

impl Attribute {
    /// A required argument of type `ty`.
    pub fn required(ty: Type, description: &'static str) -> Attribute {
        Attribute {
            ty,
            required: true,
            optional: false,
            computed: false,
            sensitive: false,
            force_new: false,
            description,
        }
    }

    /// An optional argument of type `ty`.
    pub fn optional(ty: Type, description: &'static str) -> Attribute {
        Attribute {
            required: false,
            optional: true,
            ..Attribute::required(ty, description)
        }
    }

    /// A read-only attribute the provider computes.
    pub fn computed(ty: Type, description: &'static str) -> Attribute {
        Attribute {
            required: false,
            computed: true,
            ..Attribute::required(ty, description)
        }
    }

    /// An optional argument whose value the provider picks when unset.
    pub fn optional_computed(ty: Type, description: &'static str) -> Attribute {
        Attribute {
            required: false,
            optional: true,
            computed: true,
            ..Attribute::required(ty, description)
        }
    }

    /// The same attribute, forcing replacement when it changes.
    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }

    /// The same attribute, sensitive.
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    /// True when configuration may not set it (computed only).
    pub fn read_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }
}

/// The schema of one resource type or data source.
#[derive(Clone, Debug, Default)]
pub struct ResourceSchema {
    /// What it manages or reads, one sentence.
    pub description: &'static str,
    /// Attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
}

impl ResourceSchema {
    /// A schema from `(name, attribute)` pairs.
    pub fn new(description: &'static str, attributes: Vec<(&str, Attribute)>) -> ResourceSchema {
        ResourceSchema {
            description,
            attributes: attributes
                .into_iter()
                .map(|(n, a)| (n.to_string(), a))
                .collect(),
        }
    }

    /// The object type of a state value: every attribute.
    pub fn object_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|(n, a)| (n.clone(), a.ty.clone()))
                .collect(),
        )
    }
}

/// Everything a provider offers.
#[derive(Clone, Debug, Default)]
pub struct ProviderSchema {
    /// Attributes of the `provider "NAME" { ... }` configuration block.
    pub provider: ResourceSchema,
    /// Managed resource types by name (`local_file`).
    pub resources: BTreeMap<String, ResourceSchema>,
    /// Data sources by type name (`local_file` in `data "local_file" ...`).
    pub data_sources: BTreeMap<String, ResourceSchema>,
}
