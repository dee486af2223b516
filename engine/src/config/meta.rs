//! The meta-arguments: every argument and nested block the language
//! itself gives meaning to inside `resource`, `data`, `module` and
//! `provider` blocks (as opposed to the arguments a provider or a child
//! module declares), with what each means; and the arguments of the
//! language's own blocks (`variable`, `output`, `moved`, `removed`,
//! `import`, `check`, `const`). This is the one place their names are
//! written; everything else reads them from here or, better, reads the
//! fields of a lowered declaration (`config::decl`).
//! Mirrors Terraform's meta-arguments (`count`, `for_each`, `provider`,
//! `depends_on`, `lifecycle`).

/// `count = N`: N instances keyed `[0]`..`[N-1]`, with `count.index`
/// bound in the block (resource, data, module).
pub const COUNT: &str = "count";
/// `for_each = map or set of strings`: one instance per key, with
/// `each.key` / `each.value` bound (resource, data, module, import).
pub const FOR_EACH: &str = "for_each";
/// `depends_on = [refs]`: dependencies not visible in expressions
/// (resource, data, module, output).
pub const DEPENDS_ON: &str = "depends_on";
/// `provider = NAME.ALIAS`: the provider configuration an instance uses
/// (resource, data, import).
pub const PROVIDER: &str = "provider";
/// `providers = { ... }`: provider configurations passed to a child
/// module; checked against the child's `configuration_aliases`
/// (`module_providers.rs`), not yet used otherwise.
pub const PROVIDERS: &str = "providers";
/// A module call's `source`: a relative path or `std/NAME`, known before
/// anything runs (a literal or a const).
pub const SOURCE: &str = "source";
/// A module call's or provider block's `version` (accepted, ignored: no
/// registry).
pub const VERSION: &str = "version";
/// A provider block's `alias = "west"`: a second configuration, named
/// `NAME.west`.
pub const ALIAS: &str = "alias";

/// `lifecycle { ... }`: how a resource is replaced and destroyed.
pub const LIFECYCLE: &str = "lifecycle";
/// `create_before_destroy = true`: a replacement creates the new object
/// before deleting the old one.
pub const CREATE_BEFORE_DESTROY: &str = "create_before_destroy";
/// `prevent_destroy = true`: a plan that deletes or replaces the object
/// is refused.
pub const PREVENT_DESTROY: &str = "prevent_destroy";
/// `ignore_changes = [attrs] | all`: configured changes of these
/// attributes are ignored (the prior value stands).
pub const IGNORE_CHANGES: &str = "ignore_changes";
/// `replace_triggered_by = [refs]`: a change of what they name replaces
/// the object.
pub const REPLACE_TRIGGERED_BY: &str = "replace_triggered_by";
/// A `removed` block's `lifecycle { destroy = false }`: forget the object
/// instead of deleting it.
pub const DESTROY: &str = "destroy";
/// `provisioner` blocks (accepted, not run).
pub const PROVISIONER: &str = "provisioner";
/// `connection` blocks (accepted, not used).
pub const CONNECTION: &str = "connection";
/// `dynamic "NAME" { for_each, iterator, content }`: not a meta-argument
/// but a language construct that generates nested blocks.
pub const DYNAMIC: &str = "dynamic";

/// Arguments of `resource`/`data` blocks that are not part of the
/// object's configuration.
pub const RESOURCE_ARGS: &[&str] = &[COUNT, FOR_EACH, DEPENDS_ON, PROVIDER];

/// Nested blocks of `resource`/`data` blocks that are not part of the
/// object's configuration.
pub const RESOURCE_BLOCKS: &[&str] = &[LIFECYCLE, PROVISIONER, CONNECTION];

/// Arguments of `module` blocks that are not inputs of the child: those
/// of resources plus `source`, `version` and `providers` (a resource's
/// `source`, e.g. of `local_file`, is its own argument).
pub const MODULE_ARGS: &[&str] = &[
    COUNT, FOR_EACH, DEPENDS_ON, PROVIDER, PROVIDERS, SOURCE, VERSION,
];

/// Arguments of a resource's `lifecycle` block.
pub const LIFECYCLE_ARGS: &[&str] = &[
    CREATE_BEFORE_DESTROY,
    PREVENT_DESTROY,
    IGNORE_CHANGES,
    REPLACE_TRIGGERED_BY,
];

/// Nested blocks of a resource's or data source's `lifecycle` block.
pub const LIFECYCLE_BLOCKS: &[&str] = &[PRECONDITION, POSTCONDITION];

/// Arguments of a `provider` block that are not the provider's own.
pub const PROVIDER_BLOCK_ARGS: &[&str] = &[ALIAS, VERSION];

/// `type = TYPE` of a `variable` or `const`: the declared type (`any`
/// when absent).
pub const TYPE: &str = "type";
/// `default = ...` of a `variable` or `const`: the value when none is
/// given.
pub const DEFAULT: &str = "default";
/// `description = "..."` of a `variable`, `const`, `output` or
/// `function`.
pub const DESCRIPTION: &str = "description";
/// `sensitive = BOOL` of a `variable` or `output`: its value is redacted.
pub const SENSITIVE: &str = "sensitive";
/// `nullable = BOOL` of a `variable` (default true): whether `null` is a
/// value, or stands for the default.
pub const NULLABLE: &str = "nullable";
/// `ephemeral = BOOL` of a `variable` or a child module's `output`: its
/// value is used during the run and never saved (`config/ephemeral.rs`).
pub const EPHEMERAL: &str = "ephemeral";
/// `validation { condition, error_message }` blocks of a `variable`.
pub const VALIDATION: &str = "validation";
/// `condition = BOOL` of a `validation`, `assert` or `precondition`.
pub const CONDITION: &str = "condition";
/// `error_message = "..."` of a `validation`, `assert` or `precondition`:
/// shown when the condition is false.
pub const ERROR_MESSAGE: &str = "error_message";
/// `value = ...` of an `output`.
pub const VALUE: &str = "value";
/// `precondition { condition, error_message }` blocks of an `output`, or
/// of a resource's or data source's `lifecycle`: checked before the
/// instance is planned (the output evaluated); false fails the run.
pub const PRECONDITION: &str = "precondition";
/// `postcondition { condition, error_message }` blocks of a resource's or
/// data source's `lifecycle`: checked against the planned (else the
/// applied, or read) object, which `self` names.
pub const POSTCONDITION: &str = "postcondition";
/// `from = ADDRESS` of a `moved` or `removed` block.
pub const FROM: &str = "from";
/// `to = ADDRESS` of a `moved` or `import` block.
pub const TO: &str = "to";
/// `id = "..."` of an `import` block: the object's id at the provider.
pub const ID: &str = "id";
/// `assert { condition, error_message }` blocks of a `check`.
pub const ASSERT: &str = "assert";

/// Arguments of a `variable` block.
pub const VARIABLE_ARGS: &[&str] = &[TYPE, DEFAULT, DESCRIPTION, SENSITIVE, NULLABLE, EPHEMERAL];
/// Nested blocks of a `variable` block.
pub const VARIABLE_BLOCKS: &[&str] = &[VALIDATION];
/// Arguments of a `const` block.
pub const CONST_ARGS: &[&str] = &[DEFAULT, DESCRIPTION, TYPE];
/// Arguments of an `output` block.
pub const OUTPUT_ARGS: &[&str] = &[VALUE, DESCRIPTION, SENSITIVE, EPHEMERAL, DEPENDS_ON];
/// Nested blocks of an `output` block.
pub const OUTPUT_BLOCKS: &[&str] = &[PRECONDITION];
/// Arguments of a `moved` block.
pub const MOVED_ARGS: &[&str] = &[FROM, TO];
/// Arguments of an `import` block.
pub const IMPORT_ARGS: &[&str] = &[TO, ID, PROVIDER, FOR_EACH];
/// Arguments of a `removed` block (its nested block is `lifecycle`, whose
/// one argument is `destroy`).
pub const REMOVED_ARGS: &[&str] = &[FROM];

/// The settings block's keywords: Terraform's `terraform { ... }` and its
/// infra spelling `infra { ... }`, which mean the same.
pub const SETTINGS_KEYWORDS: &[&str] = &["terraform", "infra"];
/// `required_providers { NAME = { source, version, configuration_aliases } }`
/// in a settings block: the providers a module uses, by local name.
pub const REQUIRED_PROVIDERS: &str = "required_providers";
/// `configuration_aliases = [aws.west]` of a required provider: the
/// aliased configurations a module expects from its caller.
pub const CONFIGURATION_ALIASES: &str = "configuration_aliases";
/// `required_version = "..."`: the Terraform versions a module works with
/// (checked syntactically, otherwise ignored: it is not infra's version).
pub const REQUIRED_VERSION: &str = "required_version";
/// `experiments = [...]`: Terraform language experiments (ignored).
pub const EXPERIMENTS: &str = "experiments";
/// `language = ...`: Terraform's language edition (ignored).
pub const LANGUAGE: &str = "language";
/// `backend "TYPE" { ... }` inside a settings block: refused, infra reads
/// its state location from a top-level `backend` block.
pub const BACKEND: &str = "backend";
/// `cloud { ... }`: HCP Terraform (refused, not supported).
pub const CLOUD: &str = "cloud";
/// `state_store "TYPE" { ... }`: Terraform's pluggable state storage
/// (refused, not supported).
pub const STATE_STORE: &str = "state_store";
/// `provider_meta "NAME" { ... }`: module metadata for a provider
/// (ignored).
pub const PROVIDER_META: &str = "provider_meta";
/// `encryption { ... }`: client-side encryption of state and saved plans
/// (OpenTofu's block; `crate::encryption`).
pub const ENCRYPTION: &str = "encryption";
/// Arguments of a settings block.
pub const SETTINGS_ARGS: &[&str] = &[REQUIRED_VERSION, EXPERIMENTS, LANGUAGE];
/// Nested blocks of a settings block.
pub const SETTINGS_BLOCKS: &[&str] = &[
    REQUIRED_PROVIDERS,
    BACKEND,
    CLOUD,
    STATE_STORE,
    PROVIDER_META,
    ENCRYPTION,
];
/// Keys of a `required_providers` entry object.
pub const REQUIREMENT_ARGS: &[&str] = &[SOURCE, VERSION, CONFIGURATION_ALIASES];
