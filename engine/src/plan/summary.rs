//! What renderers get from a finished plan besides its changes: the
//! counts per action and the summary line ([`Summary`]), and the value
//! diff of each change, drifted object and output (computed by
//! [`crate::diff`], so that no renderer compares values itself).

use super::{Action, Drift, OutputChange, Plan, ResourceChange};
use crate::diff::{AttributeChange, ObjectDiff};
use infra_lang::Value;

/// The counts of a plan's actions. `add`, `change` and `destroy` are
/// Terraform's: a replacement counts as one add and one destroy; moves,
/// reads and forgotten objects are not counted there. The others count
/// each kind of action once (a replacement in `replace` only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects to create (replacements included).
    pub add: usize,
    /// Objects to update in place.
    pub change: usize,
    /// Objects to destroy (replacements included).
    pub destroy: usize,
    /// Create actions.
    pub create: usize,
    /// Update actions.
    pub update: usize,
    /// Replacements of either kind.
    pub replace: usize,
    /// Delete actions.
    pub delete: usize,
    /// Data sources read during apply.
    pub read: usize,
    /// Objects forgotten (`removed` blocks with `destroy = false`).
    pub forget: usize,
    /// Objects moved by `moved` blocks.
    pub moved: usize,
    /// Objects adopted by `import` blocks.
    pub import: usize,
}

impl Summary {
    /// The summary line: `Plan: 2 to add, 1 to change, 0 to destroy.`,
    /// starting `Plan: 1 to import, ` when something is imported (as
    /// Terraform writes it).
    pub fn line(&self) -> String {
        if self.import > 0 {
            return format!(
                "Plan: {} to import, {} to add, {} to change, {} to destroy.",
                self.import, self.add, self.change, self.destroy
            );
        }
        format!(
            "Plan: {} to add, {} to change, {} to destroy.",
            self.add, self.change, self.destroy
        )
    }
}

impl Plan {
    /// The counts of this plan's actions (see [`Summary`]).
    pub fn summary(&self) -> Summary {
        let mut n = Summary {
            moved: self.moves.len(),
            import: self.imports.len(),
            ..Summary::default()
        };
        for c in &self.changes {
            match c.action {
                Action::Create => n.create += 1,
                Action::Update => n.update += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => n.replace += 1,
                Action::Delete => n.delete += 1,
                Action::Read => n.read += 1,
                Action::Forget => n.forget += 1,
                Action::NoOp => {}
            }
        }
        n.add = n.create + n.replace;
        n.change = n.update;
        n.destroy = n.delete + n.replace;
        n
    }
}

impl ResourceChange {
    /// The attribute diff of an update or replacement (`before` against
    /// `after`, the attributes of [`ResourceChange::replace_paths`] marked
    /// as forcing replacement); `None` when either side is missing.
    pub fn diff(&self) -> Option<ObjectDiff> {
        let (b, a) = (self.before.as_ref()?, self.after.as_ref()?);
        Some(ObjectDiff::new(b, a, &self.replace_paths))
    }
}

impl Drift {
    /// The attribute diff of an object changed outside infra; `None` when
    /// it was deleted.
    pub fn diff(&self) -> Option<ObjectDiff> {
        Some(ObjectDiff::new(&self.before, self.after.as_ref()?, &[]))
    }
}

impl OutputChange {
    /// The output's change as an attribute change (a missing side null,
    /// both sides marked sensitive when the output is); `None` when it
    /// does not change or is null on both sides.
    pub fn diff(&self) -> Option<AttributeChange> {
        if self.before == self.after {
            return None;
        }
        let side = |v: &Option<Value>| match v {
            None => Value::NULL,
            Some(v) if self.sensitive => Value::Sensitive(Box::new(v.clone())),
            Some(v) => v.clone(),
        };
        let (b, a) = (side(&self.before), side(&self.after));
        if b.is_null() && a.is_null() {
            return None;
        }
        Some(AttributeChange::new(&self.name, &b, &a, false))
    }
}
