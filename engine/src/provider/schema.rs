//! Provider schemas: the resource types and data sources a provider
//! offers, and each attribute's type and role (required, optional,
//! computed, sensitive, force-new) — what `infra validate` checks
//! configurations against without any network.

use infra_lang::types::Type;
use std::borrow::Cow;
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
    /// One sentence for documentation and the language server (built at
    /// run time for plugin schemas).
    pub description: Cow<'static, str>,
    /// Configuration may set it, but it is never stored: null in planned
    /// and stored values (Terraform's write-only attributes).
    pub write_only: bool,
    /// Why it is deprecated (and what to use instead), when it is.
    pub deprecated: Option<String>,
    /// Its attributes when it is a nested attribute (Terraform's
    /// `NestedType`, protocol 6): `ty` is then the implied type (an object,
    /// or a list, set or map of objects).
    pub nested: Option<NestedAttributes>,
    /// The only values a string argument takes, when it is an enumeration
    /// (native providers; the plugin protocol has no such field): the
    /// language server completes them. Empty: any value.
    pub allowed_values: &'static [&'static str],
}

/// How a nested attribute or block holds its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// One object, or null.
    Single,
    /// One object, never null: absent means every attribute null (blocks
    /// only).
    Group,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects by label or key.
    Map,
}

/// The attributes of a nested attribute (Terraform's
/// `configschema.Object`).
#[derive(Clone, Debug)]
pub struct NestedAttributes {
    /// `Single`, `List`, `Set` or `Map` (never `Group`).
    pub nesting: Nesting,
    /// The object's attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
}

impl NestedAttributes {
    /// The implied type: the object type, in a list, set or map as the
    /// nesting says.
    pub fn implied_type(&self) -> Type {
        let object = Type::object(
            self.attributes
                .iter()
                .map(|(n, a)| (n.clone(), a.ty.clone()))
                .collect(),
        );
        self.nesting.holding(object)
    }
}

impl Nesting {
    /// The type of a nested attribute holding `object`s this way: the
    /// object itself, or a list, set or map of it.
    pub fn holding(self, object: Type) -> Type {
        match self {
            Nesting::Single | Nesting::Group => object,
            Nesting::List => Type::List(Box::new(object)),
            Nesting::Set => Type::Set(Box::new(object)),
            Nesting::Map => Type::Map(Box::new(object)),
        }
    }
}

/// A nested block type (Terraform's `configschema.NestedBlock`): its
/// nesting, how many blocks it allows, and its own schema.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// How its blocks become a value.
    pub nesting: Nesting,
    /// The fewest blocks allowed (0: none needed).
    pub min_items: u64,
    /// The most blocks allowed (0: no limit).
    pub max_items: u64,
    /// The attributes and blocks inside each block.
    pub block: ResourceSchema,
}

impl NestedBlock {
    /// The type of its value in the containing object, as cty implies it
    /// (Terraform's `configschema/decoder_spec.go`): the block's object
    /// type for `Single` and `Group`, a list, set or map of it otherwise —
    /// except that a `List` or `Map` whose contents hold a dynamic (`any`)
    /// type is itself dynamic (a tuple or object of whatever the blocks
    /// are).
    pub fn implied_type(&self) -> Type {
        let object = self.block.object_type();
        let dynamic = has_dynamic(&object);
        match self.nesting {
            Nesting::Single | Nesting::Group => object,
            Nesting::List | Nesting::Map if dynamic => Type::Any,
            Nesting::List => Type::List(Box::new(object)),
            Nesting::Set => Type::Set(Box::new(object)),
            Nesting::Map => Type::Map(Box::new(object)),
        }
    }
}

/// True when `ty` is or contains the dynamic type `any`.
fn has_dynamic(ty: &Type) -> bool {
    match ty {
        Type::Any => true,
        Type::String | Type::Number | Type::Bool => false,
        Type::List(t) | Type::Set(t) | Type::Map(t) => has_dynamic(t),
        Type::Tuple(ts) => ts.iter().any(has_dynamic),
        Type::Object(o) => o.attrs.values().any(has_dynamic),
    }
}

impl Attribute {
    /// A required argument of type `ty`.
    pub fn required(ty: Type, description: impl Into<Cow<'static, str>>) -> Attribute {
        Attribute {
            ty,
            required: true,
            optional: false,
            computed: false,
            sensitive: false,
            force_new: false,
            description: description.into(),
            write_only: false,
            deprecated: None,
            nested: None,
            allowed_values: &[],
        }
    }

    /// An optional argument of type `ty`.
    pub fn optional(ty: Type, description: impl Into<Cow<'static, str>>) -> Attribute {
        Attribute {
            required: false,
            optional: true,
            ..Attribute::required(ty, description)
        }
    }

    /// A read-only attribute the provider computes.
    pub fn computed(ty: Type, description: impl Into<Cow<'static, str>>) -> Attribute {
        Attribute {
            required: false,
            computed: true,
            ..Attribute::required(ty, description)
        }
    }

    /// An optional argument whose value the provider picks when unset.
    pub fn optional_computed(ty: Type, description: impl Into<Cow<'static, str>>) -> Attribute {
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

    /// The same attribute, taking only `values` (for completion; the
    /// provider's own check still rejects the others).
    pub fn one_of(mut self, values: &'static [&'static str]) -> Attribute {
        self.allowed_values = values;
        self
    }

    /// The same attribute, sensitive.
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    /// The type a configured value is converted to: `ty`, except that in
    /// a nested attribute every attribute inside that is not required may
    /// be left out (it is then null), as Terraform decodes nested
    /// attribute types (`configschema.Object.specType`).
    pub fn config_type(&self) -> Type {
        let Some(n) = &self.nested else {
            return self.ty.clone();
        };
        let object = Type::Object(Box::new(infra_lang::types::ObjectType {
            attrs: n
                .attributes
                .iter()
                .map(|(k, a)| (k.clone(), a.config_type()))
                .collect(),
            optional: n
                .attributes
                .iter()
                .filter(|(_, a)| !a.required)
                .map(|(k, _)| (k.clone(), None))
                .collect(),
        }));
        n.nesting.holding(object)
    }

    /// True when configuration may not set it (computed only).
    pub fn read_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }
}

/// The schema of one resource type or data source (or of the inside of a
/// nested block).
#[derive(Clone, Debug, Default)]
pub struct ResourceSchema {
    /// What it manages or reads, one sentence.
    pub description: Cow<'static, str>,
    /// Attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
    /// Nested block types by name (none for native providers).
    pub blocks: BTreeMap<String, NestedBlock>,
    /// The schema version: stored with every instance; state stored by
    /// another version is upgraded (`Provider::upgrade_state`). 0 for
    /// native providers.
    pub version: i64,
    /// Why the type is deprecated, when it is.
    pub deprecated: Option<String>,
}

impl ResourceSchema {
    /// A schema from `(name, attribute)` pairs.
    pub fn new(
        description: impl Into<Cow<'static, str>>,
        attributes: Vec<(&str, Attribute)>,
    ) -> ResourceSchema {
        ResourceSchema {
            description: description.into(),
            attributes: attributes
                .into_iter()
                .map(|(n, a)| (n.to_string(), a))
                .collect(),
            ..ResourceSchema::default()
        }
    }

    /// The object type of a state value: every attribute and every nested
    /// block type (see [`NestedBlock::implied_type`]).
    pub fn object_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|(n, a)| (n.clone(), a.ty.clone()))
                .chain(
                    self.blocks
                        .iter()
                        .map(|(n, b)| (n.clone(), b.implied_type())),
                )
                .collect(),
        )
    }

    /// The schema version as stored with instances (a negative version,
    /// which no provider should declare, counts as 0).
    pub fn stored_version(&self) -> u64 {
        u64::try_from(self.version).unwrap_or(0)
    }
}

/// One parameter of a provider function.
#[derive(Clone, Debug)]
pub struct FunctionParameter {
    /// Its name, for messages and documentation.
    pub name: String,
    /// Its type (`any` accepts every value).
    pub ty: Type,
    /// The function accepts null for it.
    pub allow_null: bool,
    /// The function accepts unknown values for it (else the result is
    /// unknown without a call).
    pub allow_unknown: bool,
    /// One sentence for documentation.
    pub description: Cow<'static, str>,
}

/// A provider function's signature (Terraform's `Function`, called as
/// `provider::NAME::FUNC(...)`).
#[derive(Clone, Debug)]
pub struct FunctionSignature {
    /// Its positional parameters.
    pub parameters: Vec<FunctionParameter>,
    /// The parameter taking any further arguments, when it has one.
    pub variadic: Option<FunctionParameter>,
    /// The result type.
    pub result: Type,
    /// One sentence for documentation.
    pub description: Cow<'static, str>,
    /// Why it is deprecated, when it is.
    pub deprecated: Option<String>,
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
    /// Provider functions by name (none for native providers).
    pub functions: BTreeMap<String, FunctionSignature>,
}
