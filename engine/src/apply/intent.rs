//! Intents: a create (or the create half of a replacement) that can
//! leave a real object behind (`Provider::makes_real_object`) is announced
//! in the journal before it starts (`state::Pending`), so if the process
//! dies before its result is recorded, the next run looks for the object
//! instead of forgetting it (`plan/reconcile.rs`).

use super::graph::OpKind;
use crate::plan::{Action, ResourceChange};
use crate::state::{Pending, PendingOperation};
use infra_lang::Value;

/// The intent to journal before operation `kind` of change `c` starts
/// with planned value `planned`; `None` for everything but creates.
pub(super) fn intent_for(c: &ResourceChange, kind: OpKind, planned: &Value) -> Option<Pending> {
    let operation = match (kind, c.action) {
        (OpKind::Apply, Action::Create) => PendingOperation::Create,
        (OpKind::Apply, Action::CreateThenDelete) => PendingOperation::CreateThenDelete,
        (OpKind::Apply, Action::DeleteThenCreate) => PendingOperation::DeleteThenCreate,
        _ => return None,
    };
    Some(Pending {
        id: Pending::new_id(),
        address: c.address.clone(),
        provider: c.provider.clone(),
        operation,
        planned: planned.clone(),
        dependencies: c.dependencies.clone(),
        create_before_destroy: c.create_before_destroy,
        started: now(),
    })
}

/// Now, RFC 3339 UTC.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    infra_stdlib::rfc3339_utc(secs)
}
