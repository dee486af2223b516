//! The flat form of a value diff: every path whose value differs, with
//! both values (drift detection records these, and the drift report's
//! JSON lists them), and the top-level attributes a plan changes.

use infra_lang::Value;
use infra_lang::value::ValueMap;
use std::collections::BTreeSet;

/// One path whose value differs.
#[derive(Clone, Debug, PartialEq)]
pub struct PathChange {
    /// The steps from the top level: `["tags", "owner"]`; empty when the
    /// values as a whole differ (they are not both objects).
    pub path: Vec<String>,
    /// The value before (null when it was not there).
    pub before: Value,
    /// The value after (null when it is gone).
    pub after: Value,
}

fn entries(v: &Value) -> Option<&ValueMap> {
    match v {
        Value::Object(m) | Value::Map(_, m) => Some(m),
        _ => None,
    }
}

fn walk(before: &Value, after: &Value, path: &mut Vec<String>, out: &mut Vec<PathChange>) {
    if before.same_data(after) {
        return;
    }
    if let (Some(b), Some(a)) = (entries(before), entries(after)) {
        let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        for k in keys {
            path.push(k.clone());
            walk(
                b.get(k).unwrap_or(&Value::NULL),
                a.get(k).unwrap_or(&Value::NULL),
                path,
                out,
            );
            path.pop();
        }
        return;
    }
    out.push(PathChange {
        path: path.clone(),
        before: before.clone(),
        after: after.clone(),
    });
}

/// The paths where `before` and `after` hold different data (sensitive
/// marks ignored), in path order: maps and objects (not sensitive as a
/// whole) are descended into; anything else that differs is one entry.
pub fn paths(before: &Value, after: &Value) -> Vec<PathChange> {
    let mut out = Vec::new();
    walk(before, after, &mut Vec::new(), &mut out);
    out
}

/// The attributes of a resource object (a sensitive mark on the whole
/// object looked through); `None` when it is not an object.
pub(crate) fn attrs(v: &Value) -> Option<&ValueMap> {
    match v {
        Value::Object(m) => Some(m),
        Value::Sensitive(inner) => attrs(inner),
        _ => None,
    }
}

/// Top-level attributes whose planned value differs from prior (an
/// unknown planned value counts as a change); `[""]` when either is not
/// an object.
pub fn changed_attributes(prior: &Value, planned: &Value) -> Vec<String> {
    let (Some(b), Some(a)) = (attrs(prior), attrs(planned)) else {
        return vec![String::new()];
    };
    a.iter()
        .filter(|(name, after)| !b.get(*name).unwrap_or(&Value::NULL).same_data(after))
        .map(|(name, _)| name.clone())
        .collect()
}
