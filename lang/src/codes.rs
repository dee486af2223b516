//! The registry of every diagnostic code, with what each means in one line.
//!
//! Codes are stable (they are in `--json` output and in
//! docs/diagnostics.md). The emission sites still write their codes as
//! string literals (`Diagnostic::error("eval::failed", ..)`): rather than
//! rewriting every site to use constants, the suite's
//! `diagnostic_codes` test keeps this list honest in both directions. It
//! fails when a code literal anywhere in the workspace's sources is missing
//! here, and when docs/diagnostics.md lists other codes than this registry.
//! A new code is therefore one line here plus one row in the docs.

/// One diagnostic code and its meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    /// The code, `area::what` (`reference::undeclared`).
    pub code: &'static str,
    /// What it means, in one line (the docs may say more).
    pub meaning: &'static str,
}

const fn code(code: &'static str, meaning: &'static str) -> Code {
    Code { code, meaning }
}

/// Every code infra reports, in the order of docs/diagnostics.md.
pub const CODES: &[Code] = &[
    // Parsing and static checks
    code(
        "syntax::unexpected-token",
        "the parser found something it did not expect; the message says what was expected",
    ),
    code(
        "syntax::unclosed-delimiter",
        "a `{`, `[`, `(`, string or comment is never closed",
    ),
    code(
        "syntax::unterminated-heredoc",
        "a heredoc has no closing marker line",
    ),
    code(
        "syntax::missing-newline",
        "two items on one line, or a block's `}` on the line of its last item",
    ),
    code(
        "syntax::missing-separator",
        "object items without a comma or newline between them",
    ),
    code(
        "syntax::newline-in-expression",
        "a value continues past a newline outside brackets (wrap it in parentheses)",
    ),
    code(
        "syntax::invalid-single-line-block",
        "a one-line block with a nested block or a closing brace on another line",
    ),
    code(
        "syntax::invalid-block-header",
        "block labels or `{` not on the block type's line",
    ),
    code("syntax::invalid-label", "a block label with interpolation"),
    code(
        "syntax::invalid-escape",
        "a `\\u`/`\\U` escape that is not a Unicode character",
    ),
    code(
        "syntax::unmatched-directive",
        "a template `%{ else }`/`%{ endif }`/`%{ endfor }` without its opening directive",
    ),
    code(
        "syntax::unclosed-directive",
        "a template `%{ if }`/`%{ for }` without its end",
    ),
    code(
        "syntax::too-deep",
        "expressions or blocks nested beyond the parser's limit (200 levels of brackets, templates and conditionals), or an expression tree more than 1,000 levels deep (every operator and attribute access counts: a 1,001-term sum, a 1,000-step traversal)",
    ),
    code(
        "syntax::too-large",
        "one top-level block or argument holding hundreds of thousands of brackets (split it, or read the data from a file)",
    ),
    code("syntax::invalid-utf8", "the file is not UTF-8"),
    code(
        "syntax::json",
        "a `.tf.json` or `.tfvars.json` file is not valid JSON; the message says where",
    ),
    code(
        "syntax::json-structure",
        "a `.tf.json` value has the wrong shape for its place (e.g. a block given as a string)",
    ),
    code(
        "fmt::lex-failed",
        "`infra fmt` could not split a file that parses into tokens: a bug in infra (the file is left untouched; please report it with the file)",
    ),
    code(
        "config::empty",
        "the directory holds no `.infra` files (nor `.tf` files)",
    ),
    code(
        "config::terraform-files-ignored",
        "warning: `.tf` and `.tf.json` files beside `.infra` files (`.infra` wins) are not part of the module; named in one warning",
    ),
    code(
        "config::unsupported",
        "warning: constructs infra accepts but does not carry out yet (provisioners, override files, ...), each named with its file:line in one warning",
    ),
    code(
        "config::unreadable",
        "a configuration file or directory that cannot be read",
    ),
    code(
        "block::unknown-type",
        "a top-level block type infra does not know",
    ),
    code(
        "block::label-count",
        "wrong number of labels for the block type",
    ),
    code(
        "block::unknown-argument",
        "an argument the block does not accept",
    ),
    code(
        "block::unknown-block",
        "a nested block the block does not accept",
    ),
    code("block::unexpected-argument", "an argument at top level"),
    code(
        "block::missing-argument",
        "a required argument is missing (module `source`, function `result`)",
    ),
    code(
        "block::ignored",
        "a `required_version` infra cannot check (not a literal string), accepted for migration and ignored",
    ),
    code(
        "settings::invalid-source",
        "a `required_providers` source that is not `[HOSTNAME/]NAMESPACE/TYPE`",
    ),
    code(
        "settings::invalid-version",
        "a version constraint (`version`, `required_version`) that does not parse",
    ),
    code(
        "settings::invalid-requirement",
        "a malformed `required_providers` entry (not an object, unknown key, bad local name or `configuration_aliases`)",
    ),
    code(
        "settings::required-version",
        "`required_version` does not allow the Terraform version whose language and state infra matches (1.15.5)",
    ),
    code(
        "settings::unsupported",
        "`backend`, `cloud` or `state_store` inside the settings block (infra reads a top-level `backend` block)",
    ),
    code(
        "encryption::invalid",
        "a malformed `encryption` block: a missing or unknown argument or block, a bad value (passphrase under 16 characters, fewer than 200000 iterations, an AES key not 16, 24 or 32 bytes), a block declared twice",
    ),
    code(
        "encryption::unsupported",
        "a key provider or method type, `chain`, `aad` or `remote_state_data_sources` in the `encryption` block that infra does not implement, or the `TF_ENCRYPTION` environment variable",
    ),
    code(
        "encryption::undeclared",
        "a `method.TYPE.NAME` or `key_provider.TYPE.NAME` reference to no block of the `encryption` block",
    ),
    code(
        "encryption::unencrypted-forbidden",
        "an `enforced` target without an encrypting method, or with an `unencrypted` one",
    ),
    code("duplicate::declaration", "a name declared twice"),
    code("duplicate::parameter", "a function parameter named twice"),
    code(
        "reference::undeclared",
        "`var.`, `local.`, `const.`, `data.`, `module.` or resource reference to nothing declared",
    ),
    code(
        "reference::unknown-name",
        "a bare name that is not a reference",
    ),
    code(
        "reference::invalid",
        "a malformed reference (`each.foo`, `path.nope`, `var` alone)",
    ),
    code(
        "function::unknown",
        "a call of a function that does not exist",
    ),
    code(
        "function::arity",
        "a built-in or provider function called with the wrong number of arguments",
    ),
    code(
        "function::unknown-provider",
        "`provider::NAME::FUNC(...)` where `NAME` is neither a built-in provider nor a `required_providers` local name",
    ),
    code(
        "function::shadows-builtin",
        "a user function named like a built-in function",
    ),
    code(
        "function::invalid-params",
        "a user function's `params` that is not an object of parameter types with plain names",
    ),
    code(
        "function::impure",
        "a user function whose result depends on something other than its parameters, consts and other functions",
    ),
    code("function::recursion", "user functions that call themselves"),
    code(
        "cycle::locals",
        "local values (and functions) that depend on themselves",
    ),
    code(
        "cycle::resources",
        "resources and data sources whose arguments, `depends_on` or `replace_triggered_by` refer to each other in a ring (through locals too); the message gives the path through the addresses and every referencing expression is labelled (found by `infra validate`, without any provider)",
    ),
    code("type::invalid", "an invalid type expression"),
    code(
        "meta::count-and-for-each",
        "a block with both `count` and `for_each`",
    ),
    code(
        "meta::each-outside-for-each",
        "`each` used in a block without `for_each`",
    ),
    code(
        "meta::count-outside-count",
        "`count.index` used in a block without `count`",
    ),
    code(
        "meta::misplaced",
        "a meta-argument where it is not allowed (e.g. a `lifecycle` setting of a data source)",
    ),
    code(
        "const::not-constant",
        "a const, backend, module source or variable default that depends on something known only later",
    ),
    code(
        "module::dynamic-source",
        "a module source that is not a string or const",
    ),
    code(
        "moved::invalid-address",
        "a `moved` block's `from` or `to` is not a resource, resource instance or module call address with literal keys",
    ),
    code(
        "moved::data-source",
        "a `moved` block's `from` or `to` names a data source",
    ),
    code(
        "moved::type-mismatch",
        "at `plan`, an object moved to another resource type whose provider cannot move state across types (MoveResourceState)",
    ),
    code(
        "moved::kind-mismatch",
        "one of `from` and `to` of a `moved` block is a resource and the other a module",
    ),
    code(
        "moved::redundant",
        "a `moved` block whose `from` and `to` are the same address",
    ),
    code(
        "moved::ambiguous",
        "two `moved` blocks move one address to two places, or two addresses to one",
    ),
    code(
        "moved::cycle",
        "chained `moved` blocks lead back to where they started",
    ),
    code(
        "moved::still-declared",
        "a `moved` block's `from` is still declared (found by `validate` for whole resources and module calls, by `plan` for instances)",
    ),
    code(
        "removed::invalid-address",
        "a `removed` block's `from` is not a resource or module call without keys",
    ),
    code(
        "removed::invalid-destroy",
        "a `removed` block's `destroy` is not `true` or `false`",
    ),
    code(
        "removed::still-declared",
        "a `removed` block's `from` is still declared",
    ),
    // Evaluation (`infra eval`, and every command that evaluates)
    code(
        "input::missing-variable",
        "a required variable has no value (all are reported in one run)",
    ),
    code(
        "input::type-mismatch",
        "a value does not fit the declared type; the message names the path (`var.cfg.ports[2]`)",
    ),
    code(
        "input::validation-failed",
        "a `validation` condition is false; the message is its `error_message`",
    ),
    code(
        "condition::precondition-failed",
        "a resource's or data source's `precondition` is false (at plan, or at apply when it was unknown at plan); the message is its `error_message`",
    ),
    code(
        "condition::postcondition-failed",
        "a `postcondition` is false for the planned, applied or read object (`self`); after apply the object is in state all the same",
    ),
    code(
        "condition::output-precondition-failed",
        "an output's `precondition` is false",
    ),
    code(
        "condition::unknown",
        "a condition still not known during apply",
    ),
    code(
        "check::assert-failed",
        "a `check` block's assertion is false (a warning in plan and apply)",
    ),
    code(
        "check::unknown",
        "a `check` block's assertion depends on values known only after apply (a warning in plan)",
    ),
    code(
        "condition::missing-argument",
        "a `precondition`, `postcondition` or `assert` block without `condition` or `error_message`",
    ),
    code(
        "condition::no-reference",
        "a condition that refers to nothing in the configuration (it would check nothing)",
    ),
    code(
        "condition::not-bool",
        "a condition written as a literal that is not a bool",
    ),
    code(
        "condition::self-not-allowed",
        "`self` outside a `postcondition`",
    ),
    code(
        "condition::self-reference",
        "a resource's condition naming the resource itself (use `self` in a postcondition)",
    ),
    code(
        "input::null-variable",
        "null given to a `nullable = false` variable without a default",
    ),
    code(
        "input::undeclared",
        "`-var`/`--const` names nothing declared",
    ),
    code("input::unreadable", "a var file cannot be read"),
    code(
        "input::block-in-var-file",
        "a var file holding a block instead of `name = value` lines",
    ),
    code(
        "input::malformed",
        "a `-var` or `--const` that is not `NAME=VALUE`",
    ),
    code("const::missing-value", "a const without a value"),
    code("eval::division-by-zero", "`x / 0` or `x % 0`"),
    code(
        "eval::index-out-of-range",
        "an index past the end of a list or tuple",
    ),
    code("eval::missing-key", "a map or object key that is not there"),
    code("eval::no-attribute", "an attribute an object does not have"),
    code("eval::index-set", "indexing a set, which has no order"),
    code(
        "eval::not-indexable",
        "indexing a value that is not a collection",
    ),
    code(
        "eval::invalid-index",
        "a list index that is not a whole number, or a map key that is not a string",
    ),
    code(
        "eval::attribute-of-collection",
        "an attribute taken of a list, set or tuple (use a splat or index)",
    ),
    code("eval::null-value", "an attribute read of null"),
    code("eval::null-operand", "null as an operand"),
    code("eval::null-condition", "null as a condition"),
    code(
        "eval::null-interpolation",
        "null interpolated into a template",
    ),
    code("eval::null-collection", "`for` over null"),
    code("eval::null-key", "null as an object key or an index"),
    code(
        "eval::operand-type",
        "an operand of the wrong type for its operator",
    ),
    code("eval::not-bool", "a condition that is not a bool"),
    code(
        "eval::interpolation-type",
        "a value a template cannot show (not a string, number or bool)",
    ),
    code(
        "eval::not-iterable",
        "`for` over something that is not a collection",
    ),
    code("eval::invalid-key", "an object key that is not a string"),
    code(
        "eval::invalid-expansion",
        "`...` on something that is not a list, set or tuple",
    ),
    code(
        "eval::duplicate-key",
        "a `for` expression produced a key twice without `...` grouping",
    ),
    code(
        "eval::invalid-number",
        "a number literal beyond what a 64-bit float holds",
    ),
    code(
        "eval::undeclared",
        "a reference to a resource, data source or value that is not declared",
    ),
    code(
        "eval::unavailable",
        "a reference root not available here (`each`, `count` or `self` outside the blocks that define them)",
    ),
    code(
        "eval::bare-root",
        "`var` or `const` alone, without a name after it",
    ),
    code(
        "eval::unknown-path",
        "`path.` with something other than `module`, `root` or `cwd`",
    ),
    code(
        "eval::unknown-attribute",
        "an attribute `terraform` does not have (it has only `workspace`)",
    ),
    code("eval::cycle", "a value that depends on itself"),
    code(
        "eval::too-deep",
        "more than 5,000 values (locals, outputs, resources, module calls) computed one from the next, as in `a0 = local.a1 + 1`, `a1 = local.a2 + 1`, …",
    ),
    code(
        "eval::try-failed",
        "no argument of `try` could be evaluated",
    ),
    code(
        "eval::wrong-arity",
        "`can` called with other than exactly one argument",
    ),
    code(
        "eval::failed",
        "evaluation failed without recording a more specific diagnostic (a fallback: normally the specific error is shown instead)",
    ),
    code(
        "eval::upstream",
        "never shown: what a value returns when something it depends on failed, whose own diagnostic was reported once",
    ),
    code(
        "eval::loader-crashed",
        "the thread that loads the configuration while the state is refreshed crashed: a bug in infra",
    ),
    code(
        "eval::not-constant",
        "a reference or call in a constant expression (type defaults)",
    ),
    code(
        "expand::unknown",
        "`count`/`for_each` depends on a value known only after apply; names it",
    ),
    code("expand::invalid-count", "`count` not a whole number ≥ 0"),
    code(
        "expand::invalid-for-each",
        "`for_each` not a map or set of strings",
    ),
    code(
        "expand::sensitive-for-each",
        "`for_each` holds a sensitive value",
    ),
    code(
        "function::failed",
        "a built-in function rejected its arguments (the label points at the argument); also data nested deeper than 100 levels given to `jsondecode`/`yamldecode`, and a `fileset` pattern whose walk passes a million files and directories",
    ),
    code(
        "function::too-large",
        "a built-in function's result would hold more than 10,000,000 values or 256 MiB of text (checked before building it where the function can multiply its input: `indent`, `format`, `setproduct`, `join`, `replace`, YAML aliases)",
    ),
    code(
        "function::wrong-arity",
        "a user function called with the wrong number of arguments",
    ),
    code(
        "function::argument-type",
        "a user function argument that does not fit its parameter type",
    ),
    code("function::no-result", "a user function without a `result`"),
    code(
        "function::too-deep",
        "user functions calling each other in a chain more than 1,000 deep (recursion is `function::recursion`)",
    ),
    code(
        "function::template-variable",
        "a template read by `templatefile` refers to a name that is not in its `vars` map",
    ),
    code(
        "function::template-recursion",
        "a template read by `templatefile` calls `templatefile`",
    ),
    code(
        "function::provider-argument",
        "a provider function argument that is null where the function does not allow it, or does not convert to its parameter's type",
    ),
    code(
        "function::provider-error",
        "a provider function failed (the label points at the argument it names)",
    ),
    code(
        "module::not-found",
        "a module source directory that does not exist",
    ),
    code(
        "module::unsupported-source",
        "a module source that is neither a relative path nor a `std/` module",
    ),
    code("module::unknown-std", "a `std/` module that does not exist"),
    code(
        "module::missing-source",
        "a `module` block without `source`",
    ),
    code(
        "module::invalid-source",
        "a module `source` that is not a string",
    ),
    code(
        "module::invalid-providers",
        "a module call's `providers` that is not an object of provider configuration references",
    ),
    code(
        "module::unknown-argument",
        "a `module` block argument that is no variable of the module",
    ),
    code(
        "output::sensitive",
        "an output shows a sensitive value without `sensitive = true`; also `infra output --raw` of a sensitive output without `--show-sensitive`",
    ),
    code("output::missing-value", "an output without `value`"),
    // Plan, apply and state
    code(
        "schema::unknown-attribute",
        "an argument or nested block the resource type does not have (with did-you-mean)",
    ),
    code("schema::missing-required", "a required argument is not set"),
    code(
        "schema::read-only",
        "an attribute the provider computes is set in configuration",
    ),
    code(
        "schema::type-mismatch",
        "a value does not fit the attribute's type; the message names the path",
    ),
    code(
        "schema::unknown-type",
        "the provider has no such resource type or data source",
    ),
    code(
        "provider::missing",
        "no provider for a resource type (in configuration or in state)",
    ),
    code(
        "provider::invalid-argument",
        "a provider's own check of an argument failed (e.g. `length` below 1)",
    ),
    code(
        "provider::error",
        "a provider operation failed; the message says what the real system said",
    ),
    code(
        "provider::panic",
        "a provider crashed during an operation; infra kept going and recorded what completed",
    ),
    code(
        "provider::warning",
        "a warning a plugin provider (a Terraform provider binary) reported",
    ),
    code(
        "schema::block-count",
        "fewer or more nested blocks of a type than its schema allows (`min_items`/`max_items`), or a map block without its label",
    ),
    code(
        "schema::block-labels",
        "a nested block with the wrong labels: a map block needs exactly one (its key, unique among its blocks), other blocks take none",
    ),
    code(
        "provider::invalid-plan",
        "a provider's plan breaks Terraform's rules (a configured value changed, a path that does not exist forces replacement, a wrong type)",
    ),
    code(
        "provider::inconsistent-result",
        "a provider's apply returned other values than it planned; the object is recorded as returned",
    ),
    code(
        "provider::invalid-result",
        "a provider returned an object of the wrong type, with unknown or write-only values, or no object after a create",
    ),
    code(
        "lifecycle::invalid",
        "a `lifecycle` setting of the wrong shape",
    ),
    code(
        "plan::prevent-destroy",
        "the plan would delete or replace a resource with `prevent_destroy = true`",
    ),
    code(
        "plan::targeting",
        "`--target` or `--exclude` is in effect; the plan may be incomplete",
    ),
    code(
        "moved::excluded-by-target",
        "`--target` leaves out an object a `moved` block moves (both its old and new address must be targeted, as in Terraform), or `--exclude` names one",
    ),
    code(
        "moved::blocked",
        "a `moved` block was not carried out: the state holds objects at both `from` and `to`",
    ),
    code(
        "removed::forget",
        "applying the plan forgets objects (`removed` with `destroy = false`) without destroying them",
    ),
    code(
        "plan::stale",
        "a saved plan was made against another state serial or lineage",
    ),
    code(
        "plan::wrong-workspace",
        "a saved plan was made in another workspace than the one selected",
    ),
    code(
        "workspace::invalid-name",
        "a workspace name (argument, INFRA_WORKSPACE/TF_WORKSPACE or .infra/environment) that is empty or not URL-safe",
    ),
    code(
        "workspace::not-found",
        "`infra workspace select`/`delete`: the workspace does not exist",
    ),
    code(
        "workspace::exists",
        "`infra workspace new`: the workspace exists already",
    ),
    code(
        "workspace::overridden",
        "INFRA_WORKSPACE or TF_WORKSPACE chooses the workspace, so it cannot be selected or created under another name (a warning in `list`)",
    ),
    code(
        "workspace::active",
        "`infra workspace delete` of the selected workspace",
    ),
    code(
        "workspace::default",
        "`infra workspace delete default`: the default workspace cannot be deleted",
    ),
    code(
        "workspace::not-empty",
        "`infra workspace delete` of a workspace whose state tracks objects, without --force",
    ),
    code(
        "plan::config-changed",
        "the configuration changed since the saved plan was made",
    ),
    code(
        "ephemeral::persisted",
        "a value derived from an ephemeral variable is used where it would be saved: a resource or data source argument that is not write-only, `count`/`for_each`, an output that is not ephemeral",
    ),
    code(
        "ephemeral::root-output",
        "a root module output is declared `ephemeral = true` (only a child module's outputs may be)",
    ),
    code(
        "ephemeral::missing-at-apply",
        "applying a saved plan without an ephemeral variable that was set when it was made",
    ),
    code(
        "plan::bad-file",
        "a saved plan file cannot be read (or is from a newer infra)",
    ),
    code(
        "plan::decrypt-failed",
        "a saved plan cannot be decrypted: wrong passphrase or key, tampered, or encrypted without a `plan` target",
    ),
    code(
        "plan::encrypt-failed",
        "a plan cannot be saved encrypted: the `plan` target's key could not be made",
    ),
    code(
        "apply::no-approval",
        "apply would need `yes`, but standard input is not a terminal; pass `--auto-approve`",
    ),
    code(
        "apply::cycle",
        "replacements and their dependents cannot be ordered (mixed `create_before_destroy`)",
    ),
    code(
        "apply::unknown-config",
        "a configuration is still not known during apply",
    ),
    code(
        "apply::instance-gone",
        "the configuration no longer has an instance the plan changes",
    ),
    code(
        "apply::interrupted",
        "the previous run was killed after N of its M operations; what it completed is in the state, and the plan holds what remains (warning)",
    ),
    code(
        "apply::rollback-pending",
        "a rollback (`apply --rollback-on-failure`) was interrupted: `apply` and `destroy` refuse until `infra rollback --resume` finishes it (a warning in `plan`)",
    ),
    code(
        "apply::rollback-record",
        "`--rollback-on-failure`: the record of the rollback could not be written beside the state, so nothing was rolled back",
    ),
    code(
        "rollback::what",
        "`infra rollback` without RUN or `--resume`",
    ),
    code(
        "rollback::nothing-to-resume",
        "`infra rollback --resume` with no unfinished rollback recorded",
    ),
    code(
        "rollback::no-snapshot",
        "`infra rollback RUN`: the run kept no configuration snapshot (not a successful apply, or made before snapshots existed)",
    ),
    code(
        "rollback::missing-variable",
        "`infra rollback RUN`: a sensitive variable of the run was not kept (state not encrypted) and was not given again with `--var`",
    ),
    code(
        "drift::ignore-file",
        "`.infradriftignore` cannot be read, or a line is not `ENTRY  # REASON  [until=YYYY-MM-DD]`; the message names the line",
    ),
    code(
        "drift::state-locked",
        "a command that changes things (an apply, not a plan) holds the state lock: drift refuses to compare objects it may be changing; `--lock-timeout` waits",
    ),
    code(
        "drift::state-changed",
        "the state changed (or its lock was taken) while drift read the objects: the comparison is discarded; run drift again",
    ),
    code(
        "drift::ledger-not-saved",
        "`infra drift --budget` could not save its read ledger beside the state (a warning): the next run starts from the state's read times",
    ),
    code(
        "state::locked",
        "another process holds the state lock; the message names it and since when",
    ),
    code(
        "state::corrupt",
        "the state (or its journal) does not parse, has format version 0, or records an instance twice; the file is left untouched",
    ),
    code(
        "state::migrate",
        "`infra init -migrate-state`: the backend to copy the state into could not be opened",
    ),
    code(
        "state::terraform",
        "the state file or S3 object is Terraform's: it is left untouched, no lock is made beside it; `infra init -migrate-state` takes it over",
    ),
    code(
        "state::too-new",
        "the state was written by a newer format version; it is not touched",
    ),
    code("state::io", "reading or writing the state failed"),
    code(
        "state::write",
        "writing the state at the end of an apply failed; completed operations stay in the journal",
    ),
    code(
        "state::journal",
        "the journal could not be written; the apply stops (nothing new starts)",
    ),
    code("state::empty", "`infra state`: the state holds nothing"),
    code(
        "state::no-instance",
        "`infra state`: nothing matches the address",
    ),
    code(
        "state::exists",
        "`infra state mv`: the target address is taken",
    ),
    code(
        "state::lineage-mismatch",
        "`infra state push`: the pushed state has another lineage (unrelated); refused without `--force`",
    ),
    code(
        "state::older-serial",
        "`infra state push`: the pushed state's serial is older than the current one; refused without `--force`",
    ),
    code(
        "state::same-serial",
        "`infra state push`: the pushed state differs from the current one with the same serial; refused without `--force`",
    ),
    code(
        "state::type-mismatch",
        "`infra state mv`: the source and target are of different types",
    ),
    code(
        "state::conflict",
        "the stored state was replaced by another run (newer serial or another lineage): nothing was overwritten",
    ),
    code(
        "state::remote",
        "an S3 call of the state store failed (e.g. the bucket does not exist)",
    ),
    code(
        "state::not-locked",
        "`infra force-unlock ID`: there is no lock",
    ),
    code(
        "state::wrong-lock",
        "`infra force-unlock ID`: the lock has another id",
    ),
    code(
        "state::unlock",
        "the lock could not be released; `infra force-unlock ID` removes it",
    ),
    code(
        "state::decrypt-failed",
        "the state or its journal cannot be decrypted: wrong passphrase or key, tampered, encrypted without an `encryption` block, or plain without an `unencrypted` method; nothing is changed",
    ),
    code(
        "state::encrypt-failed",
        "the state cannot be encrypted (its key could not be made); nothing is written",
    ),
    code(
        "state::journal-mismatch",
        "the journal was recorded against a newer serial (a backup was restored) or another lineage than the state: nothing is applied; the help says how to keep or drop its entries",
    ),
    code(
        "state::serial-overflow",
        "the state's serial is 2^64−1 and cannot grow: nothing is written or applied",
    ),
    code(
        "state::errored",
        "apply could not write the state: it was saved to `errored.infra-state.json` (or printed on standard output); the help says how to put it in place",
    ),
    code(
        "state::pending",
        "an apply was killed after starting a create and before recording its result, and the provider cannot tell whether the object exists (its identity is assigned by the remote system, or the lookup failed): check the real system, then `infra import` it or delete it, and `infra state rm --pending ADDRESS`; the record stays in state (and the warning on every plan) until then",
    ),
    code(
        "state::adopted",
        "the object of such an interrupted create was found by its configured identity and recorded in state, as the apply would have",
    ),
    code(
        "state::migrate-conflict",
        "`infra init -migrate-state`: the backend holds state of another lineage",
    ),
    code("backend::unknown", "a `backend` block of an unknown type"),
    code(
        "backend::invalid-argument",
        "a bad or unknown `backend` argument",
    ),
    code(
        "backend::state-flag",
        "`--state` given with a remote backend",
    ),
    code("backend::duplicate", "two `backend` blocks"),
    code(
        "backend::no-type",
        "a `backend` block without its type label",
    ),
    code(
        "backend::invalid",
        "a `backend` block that cannot be evaluated",
    ),
    code(
        "backend::config",
        "`init -backend-config`: a bad value, no `backend` block to complete, or kept settings for another backend type",
    ),
    code(
        "provider::unknown",
        "a `provider` block for a provider this build does not have",
    ),
    code(
        "provider::bad-alias",
        "a provider `alias` that is not a name",
    ),
    code(
        "provider::undeclared-configuration",
        "a resource's `provider = aws.west` names a configuration no `provider` block declares",
    ),
    code(
        "provider::not-passed",
        "a child module's resource uses an aliased configuration its module call does not pass",
    ),
    code(
        "provider::in-child-module",
        "a `provider` block with arguments in a child module",
    ),
    code(
        "provider::missing-alias",
        "a module call does not pass, in `providers`, a configuration the module declares in `configuration_aliases`",
    ),
    code(
        "provider::undeclared-passed",
        "a module call's `providers` passes a configuration the module does not declare (warning)",
    ),
    code(
        "provider::not-required",
        "a resource type or data source whose provider is neither built in nor in `required_providers`",
    ),
    code(
        "provider::not-installed",
        "a required plugin provider neither in `dev_overrides` nor installed by `infra init` as the lock file selects",
    ),
    code(
        "provider::checksum-mismatch",
        "a provider package whose hash is not one the lock file `.infra.lock.hcl` accepts",
    ),
    code(
        "provider::install-failed",
        "`infra init` could not install a provider (no source, no matching version, unreachable, bad signature or checksum)",
    ),
    code(
        "lockfile::invalid",
        "the lock file `.infra.lock.hcl` cannot be read, parsed or written",
    ),
    code(
        "provider::schema-not-cached",
        "`validate` cannot check resources of a plugin type: the plugin's schema is not cached in the working directory yet (run plan once)",
    ),
    code(
        "cliconfig::unreadable",
        "the CLI configuration file named by `INFRA_CLI_CONFIG_FILE`/`TF_CLI_CONFIG_FILE` is missing or unreadable",
    ),
    code(
        "cliconfig::invalid",
        "a CLI configuration file that Terraform would refuse too (bad `provider_installation`)",
    ),
    code(
        "cliconfig::not-used",
        "CLI configuration settings infra does not use when installing providers (`credentials_helper`, services of a `host` block other than `providers.v1`)",
    ),
    code(
        "import::not-in-configuration",
        "`infra import`, `import` blocks: no `resource` block (or instance of it) for the address",
    ),
    code(
        "import::invalid-to",
        "`to` of an `import` block is not a managed resource instance address",
    ),
    code(
        "import::missing-argument",
        "an `import` block without `to` or `id`",
    ),
    code(
        "import::unknown-id",
        "`id` of an `import` block is not known at plan",
    ),
    code(
        "import::invalid-id",
        "`id` of an `import` block is not a non-empty string",
    ),
    code(
        "import::not-in-root-module",
        "an `import` block in a child module",
    ),
    code(
        "import::duplicate",
        "two `import` blocks import into one address",
    ),
    code(
        "import::generate-exists",
        "`plan --generate-config-out=FILE`: FILE exists",
    ),
    code(
        "import::generate-write",
        "`plan --generate-config-out=FILE`: FILE cannot be written",
    ),
    code(
        "import::exists",
        "`infra import`: the address is already in state",
    ),
    code(
        "import::data-source",
        "`infra import`: the address names a data source",
    ),
    code(
        "cli::bad-address",
        "a malformed resource address on the command line",
    ),
    code(
        "audit::append-failed",
        "a state-changing run could not be recorded in the audit log (warning; the change itself is done)",
    ),
    code(
        "audit::snapshot-failed",
        "the configuration snapshot of a successful apply could not be kept beside its audit record (warning): `infra rollback` cannot return to that run",
    ),
    code(
        "audit::broken",
        "`infra history verify`: a record of the audit log was changed, removed or reordered",
    ),
    code(
        "audit::unrecorded",
        "`infra history verify`: the state is newer than the last recorded run (warning)",
    ),
    code(
        "audit::no-run",
        "`infra history show`: no recorded run has that number or id",
    ),
    code(
        "cli::bad-provider",
        "`infra state replace-provider`: an argument that is not a provider configuration (`NAME` or `NAME.ALIAS`)",
    ),
    code(
        "cli::bad-duration",
        "a malformed duration (`--lock-timeout`, `--stop-timeout`)",
    ),
    code(
        "cli::bad-flags",
        "flags that cannot be combined (`destroy --refresh-only`)",
    ),
    code(
        "cli::target-file",
        "a `--target-file`/`--exclude-file` cannot be read",
    ),
    code(
        "cli::runtime",
        "the runtime that runs providers concurrently could not be started (e.g. no thread can be created)",
    ),
    code(
        "cli::unknown-provider",
        "`infra provider serve NAME`: infra has no built-in provider of that name (with did-you-mean)",
    ),
    code(
        "cli::write",
        "`infra plan --out FILE`: the saved plan cannot be written",
    ),
    code(
        "output::not-found",
        "`infra output NAME`: the state has no output of that name (with did-you-mean)",
    ),
    code(
        "output::not-raw",
        "`infra output --raw NAME`: the output is not a string, number or bool",
    ),
];

/// The registry entry of `code`, if it is registered.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_is_registered_once_with_a_meaning() {
        let mut seen = BTreeSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "{} is registered twice", c.code);
            assert!(!c.meaning.is_empty(), "{} has no meaning", c.code);
            let (area, what) = c.code.split_once("::").unwrap_or_default();
            assert!(
                !area.is_empty() && !what.is_empty(),
                "{} is not area::what",
                c.code
            );
        }
        assert_eq!(lookup("eval::failed").map(|c| c.code), Some("eval::failed"));
        assert_eq!(lookup("no such code"), None);
    }
}
