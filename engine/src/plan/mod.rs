//! Plans: what would change, resource instance by resource instance, and
//! why. `planner.rs` decides the changes (refresh, then evaluation with a
//! hook that plans each instance as it is referenced; `prefetch.rs` sends a
//! plugin's requests ahead of that, concurrently), `moves.rs` carries
//! out `moved` and `removed` blocks on the prior state, `propose.rs` is the
//! schema-driven part of planning one instance, `file.rs` the saved plan
//! format, `json.rs` the machine-readable form, `summary.rs` what renderers
//! get (counts, value diffs).

pub mod file;
mod generate;
mod imports;
pub mod incremental;
pub mod json;
mod moves;
pub mod planner;
mod prefetch;
mod progress;
mod propose;
pub mod reconcile;
mod refresh;
pub(crate) mod replace;
pub mod scope;
mod summary;
pub mod write_only;

pub use planner::{PlanOptions, config_hash, configure_providers, plan};

/// The proposed new state of one instance from its schema (see
/// `propose.rs`): for apply, which plans again once values are known.
pub fn propose_for(
    schema: &crate::provider::ResourceSchema,
    prior: Option<&Value>,
    config: &Value,
) -> Value {
    propose::propose(schema, prior, config)
}

/// Terraform's proposed new state (`objchange.ProposedNew`, see
/// `propose.rs`): what a plugin is sent in PlanResourceChange.
pub use propose::proposed_new;

/// Marks a state object's schema-sensitive values as sensitive, at every
/// depth of nested blocks and nested attributes.
pub fn mark_schema_sensitive(schema: &crate::provider::ResourceSchema, v: Value) -> Value {
    propose::mark_sensitive(schema, v)
}
pub use imports::Import;
pub use incremental::{Budget, ReadReason, RefreshMode, RefreshReport};
pub use progress::RefreshProgress;
pub use refresh::{Refreshed, refresh, refresh_each};
pub use summary::Summary;

use crate::addr::ResourceAddress;
use crate::eval::CheckResult;
use crate::state::State;
use infra_lang::Value;

/// What happens to one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Nothing.
    NoOp,
    /// A new object.
    Create,
    /// The object changes in place.
    Update,
    /// Replaced: the old object is deleted, then the new one created.
    DeleteThenCreate,
    /// Replaced: the new object is created, then the old one deleted
    /// (`lifecycle { create_before_destroy = true }`).
    CreateThenDelete,
    /// The object is deleted.
    Delete,
    /// A data source read during apply (its configuration depends on
    /// values known only then).
    Read,
    /// The object leaves the state without being destroyed (a `removed`
    /// block with `lifecycle { destroy = false }`).
    Forget,
}

impl Action {
    /// The name used in JSON and messages: `create`, `update`,
    /// `delete-then-create`, `create-then-delete`, `delete`, `read`,
    /// `forget`, `no-op`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Update => "update",
            Action::DeleteThenCreate => "delete-then-create",
            Action::CreateThenDelete => "create-then-delete",
            Action::Delete => "delete",
            Action::Read => "read",
            Action::Forget => "forget",
        }
    }

    /// Parses [`Action::as_str`].
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "no-op" => Action::NoOp,
            "create" => Action::Create,
            "update" => Action::Update,
            "delete-then-create" => Action::DeleteThenCreate,
            "create-then-delete" => Action::CreateThenDelete,
            "delete" => Action::Delete,
            "read" => Action::Read,
            "forget" => Action::Forget,
            _ => return None,
        })
    }

    /// True for both kinds of replacement.
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// The planned change of one resource instance.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceChange {
    /// Its address.
    pub address: ResourceAddress,
    /// The provider managing it.
    pub provider: String,
    /// What happens.
    pub action: Action,
    /// Why, in words: "`filename` forces replacement", "no longer in the
    /// configuration".
    pub reasons: Vec<String>,
    /// Attributes whose change forces replacement.
    pub replace_paths: Vec<String>,
    /// The prior state (refreshed); `None` on create.
    pub before: Option<Value>,
    /// The planned state, unknown where only apply can tell; `None` on
    /// delete.
    pub after: Option<Value>,
    /// True when the configuration itself held unknowns: apply evaluates it
    /// again once the values it waits for are known.
    pub config_unknown: bool,
    /// Instances it depends on (configuration references, `depends_on`).
    pub dependencies: Vec<ResourceAddress>,
    /// Dependencies recorded in state (for ordering deletes).
    pub prior_dependencies: Vec<ResourceAddress>,
    /// `lifecycle { create_before_destroy }`.
    pub create_before_destroy: bool,
    /// The deposed key when this change deletes a deposed object of the
    /// instance (left over from a create-then-delete replacement whose
    /// delete failed) rather than its current object; `None` otherwise.
    pub deposed: Option<String>,
    /// The private bytes the provider planned with `after`
    /// (`PlannedState::private`), handed to its apply; empty for native
    /// providers.
    pub planned_private: Vec<u8>,
    /// The configuration `after` was planned from (every schema
    /// attribute, null where unset), sent with the apply as Terraform's
    /// `ApplyResourceChange.config`; `None` for deletes and forgets.
    pub config: Option<Value>,
}

/// A root module output's planned change.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputChange {
    /// The output's name.
    pub name: String,
    /// The value in state; `None` when new.
    pub before: Option<Value>,
    /// The planned value (may be unknown); `None` when removed.
    pub after: Option<Value>,
    /// Declared sensitive.
    pub sensitive: bool,
}

/// One object changed outside infra, found by refresh.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    /// Its address.
    pub address: ResourceAddress,
    /// The state infra recorded.
    pub before: Value,
    /// What the provider reads now; `None` when the object is gone.
    pub after: Option<Value>,
}

/// An instance whose address changed (`moved` blocks, chains followed):
/// its object is the same, only the state records it at `to` now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// Its address in the stored state.
    pub from: ResourceAddress,
    /// Its address from now on.
    pub to: ResourceAddress,
}

/// A plan: every instance's change, output changes, what refresh found,
/// and the state it was made against.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Changes in address order; instances without changes are not listed
    /// (their values are in `prior`).
    pub changes: Vec<ResourceChange>,
    /// Output changes.
    pub outputs: Vec<OutputChange>,
    /// Objects changed outside infra since the last run (at their new
    /// addresses when moved).
    pub drift: Vec<Drift>,
    /// Managed instances moved by `moved` blocks, in address order of
    /// `to`. Apply records them in state even when nothing else changes.
    pub moves: Vec<Move>,
    /// Objects `import` blocks adopt, in address order. Each is in
    /// [`Plan::prior`] already (imported and read while planning); apply
    /// records them in state before any other operation, so an imported
    /// object's update runs after its import.
    pub imports: Vec<Import>,
    /// Results of `check` blocks.
    pub checks: Vec<CheckResult>,
    /// Apply must evaluate the configuration for conditions: some
    /// resource has `precondition`/`postcondition` blocks, or there are
    /// `check` blocks (always true for a saved plan, which does not keep
    /// it). Without, apply loads the configuration only when a change
    /// waits for unknown values or outputs change.
    pub conditions: bool,
    /// The state the plan was made against, after refresh, with
    /// [`Plan::moves`] carried out and [`Plan::imports`] added. Its lineage and serial identify the
    /// stored state: apply refuses a plan whose state has moved on.
    pub prior: State,
    /// The serial of the stored state (before refresh).
    pub prior_serial: u64,
    /// A plan to destroy everything.
    pub destroy: bool,
    /// `--target` addresses in effect.
    pub targets: Vec<String>,
    /// `--exclude` addresses in effect (never with `targets`).
    pub excludes: Vec<String>,
    /// The workspace whose state the plan was made against (`default`
    /// unless another is selected); apply refuses it in another.
    pub workspace: String,
    /// SHA-256 of the configuration files, hex.
    pub config_hash: String,
    /// Warnings met while planning.
    pub warnings: Vec<infra_lang::Diagnostic>,
    /// The stored state with the pending operations of a killed apply
    /// reconciled (`reconcile.rs`: objects adopted, intents resolved),
    /// when that changed it; a command holding the lock writes it and then
    /// calls [`Plan::recovered_written`]. Never in a saved plan.
    pub recovered: Option<State>,
    /// What a plan that read selectively (`--refresh=auto`, `--target`)
    /// read and did not read; `None` when it read everything in scope or
    /// nothing, or the state has no managed object (`incremental.rs`).
    pub refresh: Option<RefreshReport>,
}

impl Plan {
    /// True when applying would change something: a resource action other
    /// than no-op (forgetting included), a move, an import, or an output
    /// changing.
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| !matches!(c.action, Action::NoOp))
            || !self.moves.is_empty()
            || !self.imports.is_empty()
            || self.outputs.iter().any(|o| o.before != o.after)
    }

    /// Takes note that [`Plan::recovered`] was written as the next serial:
    /// the plan is now made against that state.
    pub fn recovered_written(&mut self) {
        if self.recovered.take().is_some() {
            self.prior_serial += 1;
            self.prior.serial = self.prior_serial;
        }
    }

    /// The import that adopts `addr`, when an `import` block does.
    pub fn import_of(&self, addr: &ResourceAddress) -> Option<&Import> {
        self.imports.iter().find(|i| i.address == *addr)
    }

    /// The address `addr` had in the stored state when a `moved` block
    /// moved it.
    pub fn previous_address(&self, addr: &ResourceAddress) -> Option<&ResourceAddress> {
        self.moves.iter().find(|m| m.to == *addr).map(|m| &m.from)
    }
}
