//! The new state as operations complete: each completion updates the
//! state and yields the journal entry that records it; intents are added
//! when creates start and resolved when they finish.

use super::graph::{Op, OpKind};
use super::report::ApplyReport;
use super::values::{Evaluation, carry_marks};
use crate::addr::ResourceAddress;
use crate::plan::{Action, ResourceChange};
use crate::provider::{Applied, Providers};
use crate::state::journal::Entry;
use crate::state::{InstanceState, ObjectMeta, Pending, State, new_deposed_key};
use infra_lang::Value;
use petgraph::graph::NodeIndex;
use std::collections::HashMap;

/// The state an apply builds, starting from the plan's prior state.
pub(super) struct Ledger<'a> {
    /// The plan's prior state, which journal entries are made against.
    base: &'a State,
    /// The state so far.
    pub(super) state: State,
    /// The deposed key given to the old object of each create-then-delete
    /// (by change index) once its new object exists.
    deposed_keys: HashMap<usize, String>,
    /// The intent id of each running create.
    intents: HashMap<NodeIndex, String>,
    /// A rollback's instances: what each address takes once its undo
    /// succeeds (`None`: forgotten; an update keeps the provider's value).
    restore: HashMap<ResourceAddress, Option<InstanceState>>,
}

impl<'a> Ledger<'a> {
    /// Starts from `base` (with `state`, `base` after the moves and
    /// forgotten objects).
    pub(super) fn new(base: &'a State, state: State) -> Self {
        Ledger {
            base,
            state,
            deposed_keys: HashMap::new(),
            intents: HashMap::new(),
            restore: HashMap::new(),
        }
    }

    /// The ledger of a rollback: an address of `restore` takes that
    /// instance (with the provider's new value after an update) once its
    /// undo succeeds.
    #[must_use]
    pub(super) fn restoring(
        mut self,
        restore: HashMap<ResourceAddress, Option<InstanceState>>,
    ) -> Self {
        self.restore = restore;
        self
    }

    /// The plan's prior state, which the run started from.
    pub(super) fn base(&self) -> &'a State {
        self.base
    }

    /// Operation `n` starts, with its (journalled) intent when a create.
    pub(super) fn started(&mut self, n: NodeIndex, intent: Option<Pending>) {
        if let Some(p) = intent {
            self.intents.insert(n, p.id.clone());
            self.state.pending.push(p);
        }
    }

    /// Operation `n` failed. A failed create changed nothing (the provider
    /// contract): its intent is resolved, and the entry saying so is
    /// returned. After a panic (`crashed`) nothing is known, and the
    /// intent stays for the next run to look into.
    pub(super) fn failed(&mut self, n: NodeIndex, crashed: bool) -> Option<Entry> {
        let id = self.intents.remove(&n)?;
        if crashed {
            return None;
        }
        let i = self.state.pending.iter().position(|p| p.id == id)?;
        let p = self.state.pending.remove(i);
        Some(Entry::abandoned(self.base, &p))
    }

    /// Operation `n` (`op` of change `c`) completed with the provider's
    /// `new` value (and private bytes): the state takes it, with the
    /// schema's version, the entry recording it is pushed
    /// to `entries`, references see it from now on, the report counts it.
    /// Returns the new object's `id` attribute, when it has one.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn succeeded(
        &mut self,
        n: NodeIndex,
        op: Op,
        c: &ResourceChange,
        new: Applied,
        providers: &Providers,
        eval: &Evaluation<'_>,
        entries: &mut Vec<Entry>,
        report: &mut ApplyReport,
    ) -> Option<String> {
        let intent = self.intents.remove(&n);
        match op.kind {
            OpKind::Delete => {
                self.deleted(op, c, entries);
                report.destroyed += 1;
                None
            }
            OpKind::Apply => {
                let planned = c.after.clone().unwrap_or(Value::NULL);
                let value = carry_marks(
                    providers,
                    &c.address.type_name,
                    &planned,
                    new.state.unwrap_or(Value::NULL),
                );
                let meta = ObjectMeta {
                    schema_version: providers
                        .schema(&c.address.type_name, c.action == Action::Read)
                        .map_or(0, |s| s.stored_version()),
                    private: new.private,
                    // Written just now, from this configuration.
                    read_at: Some(crate::state::now_secs()),
                    config_digest: c.config.as_ref().map(crate::state::config_digest),
                };
                let id = match &value {
                    Value::Object(m) => m.get("id").and_then(|v| v.as_str().map(str::to_string)),
                    _ => None,
                };
                // Deposed objects stay; after a create-then-delete the
                // old object joins them (journalled with the new one)
                // until its delete succeeds.
                let current = self.state.resources.get(&c.address);
                let mut deposed = current.map(|i| i.deposed.clone()).unwrap_or_default();
                let mut deposed_meta = current.map(|i| i.deposed_meta.clone()).unwrap_or_default();
                if c.action == Action::CreateThenDelete
                    && let Some(old) = &c.before
                {
                    let mut key = new_deposed_key();
                    while deposed.contains_key(&key) {
                        key = new_deposed_key();
                    }
                    deposed.insert(key.clone(), old.clone());
                    if let Some(m) = current.map(|i| &i.meta)
                        && !m.is_empty()
                    {
                        deposed_meta.insert(key.clone(), m.clone());
                    }
                    self.deposed_keys.insert(op.change, key);
                }
                let inst = match self.restore.get(&c.address) {
                    // The old value with its sensitive marks, when the
                    // provider put back exactly that.
                    Some(Some(old)) => InstanceState {
                        value: if value.same_data(&old.value) {
                            old.value.clone()
                        } else {
                            value.clone()
                        },
                        meta,
                        ..old.clone()
                    },
                    _ => InstanceState {
                        value: value.clone(),
                        provider: c.provider.clone(),
                        dependencies: c.dependencies.clone(),
                        create_before_destroy: c.create_before_destroy,
                        deposed,
                        meta,
                        deposed_meta,
                    },
                };
                let mut entry = Entry::new(self.base, &c.address, &c.provider, Some(&inst));
                if let Some(id) = &intent {
                    entry = entry.resolving(id);
                    self.state.pending.retain(|p| p.id != *id);
                }
                entries.push(entry);
                self.state.resources.insert(c.address.clone(), inst);
                eval.applied(&c.address, value);
                match c.action {
                    Action::Update => report.changed += 1,
                    Action::Read => {}
                    _ => report.added += 1,
                }
                id
            }
        }
    }

    /// A delete completed. A deposed object (left over from an earlier
    /// replacement, or the old object of this run's create-then-delete,
    /// whose new object is in state already) leaves the instance's deposed
    /// objects; a plain or delete-first removal forgets the address.
    fn deleted(&mut self, op: Op, c: &ResourceChange, entries: &mut Vec<Entry>) {
        if c.deposed.is_none()
            && let Some(Some(old)) = self.restore.get(&c.address)
        {
            // A rollback's deleted new object: the old one is current again.
            entries.push(Entry::new(self.base, &c.address, &old.provider, Some(old)));
            self.state.resources.insert(c.address.clone(), old.clone());
            return;
        }
        let key = match &c.deposed {
            Some(k) => Some(k.clone()),
            None if c.action == Action::CreateThenDelete => self.deposed_keys.remove(&op.change),
            None => None,
        };
        if let Some(key) = key {
            if let Some(inst) = self.state.resources.get_mut(&c.address)
                && inst.deposed.remove(&key).is_some()
            {
                inst.deposed_meta.remove(&key);
                let provider = inst.provider.clone();
                entries.push(Entry::new(self.base, &c.address, &provider, Some(inst)));
            }
        } else if c.action != Action::CreateThenDelete {
            self.state.resources.remove(&c.address);
            entries.push(Entry::new(self.base, &c.address, &c.provider, None));
        }
    }
}
