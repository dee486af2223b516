//! Pending operations (Pulumi's name): creates that apply announced in the
//! journal before calling the provider, and whose outcome was never
//! recorded because the process died in between. Such an object may exist
//! without state knowing it; the next command that holds the lock asks the
//! provider to find it (`plan/reconcile.rs`). Stored in journal intent
//! entries and in the state file's `pending` list (docs/state.md).

use super::codec::{self, Path};
use crate::addr::ResourceAddress;
use infra_lang::Value;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Which create was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PendingOperation {
    /// A new object at an empty address.
    Create,
    /// The create half of a create-then-delete replacement: the address
    /// still holds the old object, which becomes deposed once the new one
    /// is recorded.
    CreateThenDelete,
    /// The create half of a delete-then-create replacement (the delete is
    /// recorded already).
    DeleteThenCreate,
}

impl PendingOperation {
    /// The word used in messages and files: `create`,
    /// `create-then-delete`, `delete-then-create`.
    pub fn as_str(self) -> &'static str {
        match self {
            PendingOperation::Create => "create",
            PendingOperation::CreateThenDelete => "create-then-delete",
            PendingOperation::DeleteThenCreate => "delete-then-create",
        }
    }
}

/// A create whose provider call started but whose result was never
/// recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    /// A random id (16 hex digits) tying the intent to its completion.
    pub id: String,
    /// The instance being created.
    pub address: ResourceAddress,
    /// The provider (configuration key, e.g. `aws.west`) that was asked.
    pub provider: String,
    /// What was started.
    pub operation: PendingOperation,
    /// The planned state sent to the provider (sensitive parts marked;
    /// computed attributes unknown).
    pub planned: Value,
    /// The dependencies the completed create would have recorded.
    pub dependencies: Vec<ResourceAddress>,
    /// `lifecycle { create_before_destroy }` of the instance.
    pub create_before_destroy: bool,
    /// When the provider call started, RFC 3339 UTC.
    pub started: String,
}

impl Pending {
    /// A fresh intent id: 16 random hex digits.
    pub fn new_id() -> String {
        let mut id = uuid::Uuid::new_v4().simple().to_string();
        id.truncate(16);
        id
    }

    /// The planned identity for messages: the planned attributes that are
    /// known and not sensitive, as `name = "value"` pairs of strings and
    /// numbers (e.g. `bucket = "logs", key = "a.txt"`), at most 200
    /// characters; `None` when there is none.
    pub fn identity(&self) -> Option<String> {
        let Value::Object(m) = &self.planned else {
            return None;
        };
        let mut parts = Vec::new();
        for (k, v) in m {
            let shown = match v {
                Value::String(s) if !s.is_empty() && s.len() <= 80 => format!("{s:?}"),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            parts.push(format!("{k} = {shown}"));
        }
        let mut text = parts.join(", ");
        if text.is_empty() {
            return None;
        }
        if text.len() > 200 {
            let mut cut = 197;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str("...");
        }
        Some(text)
    }
}

/// A [`Pending`] as stored in journal intent entries and in the state
/// file's `pending` list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PendingRecord {
    /// The intent's id.
    pub id: String,
    /// The instance's address.
    pub address: String,
    /// The provider.
    pub provider: String,
    /// `create`, `create-then-delete` or `delete-then-create`.
    pub operation: PendingOperation,
    /// The planned attributes, sensitive values in clear, unknown ones
    /// `null`.
    pub attributes: Json,
    /// Paths of sensitive attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<Path>,
    /// Paths of attributes unknown until the create returned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_attributes: Vec<Path>,
    /// Numbers beyond `f64` with their exact text (docs/state.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exact_numbers: Vec<(Path, String)>,
    /// Addresses it depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// `lifecycle { create_before_destroy = true }`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// When the provider call started, RFC 3339 UTC.
    #[serde(default)]
    pub started: String,
}

impl PendingRecord {
    /// The record of `p`.
    pub fn from_pending(p: &Pending) -> PendingRecord {
        let e = codec::encode(&p.planned);
        PendingRecord {
            id: p.id.clone(),
            address: p.address.to_string(),
            provider: p.provider.clone(),
            operation: p.operation,
            attributes: e.json,
            sensitive_attributes: e.sensitive,
            unknown_attributes: e.unknown,
            exact_numbers: e.exact_numbers,
            dependencies: p.dependencies.iter().map(ToString::to_string).collect(),
            create_before_destroy: p.create_before_destroy,
            started: p.started.clone(),
        }
    }

    /// The domain form.
    ///
    /// # Errors
    /// The address does not parse.
    pub fn to_pending(&self) -> Result<Pending, String> {
        let address = ResourceAddress::parse(&self.address)
            .map_err(|e| format!("pending `{}`: {e}", self.address))?;
        Ok(Pending {
            id: self.id.clone(),
            address,
            provider: self.provider.clone(),
            operation: self.operation,
            planned: codec::restore_numbers(
                codec::decode(
                    &self.attributes,
                    &self.sensitive_attributes,
                    &self.unknown_attributes,
                    None,
                ),
                &self.exact_numbers,
            ),
            dependencies: self
                .dependencies
                .iter()
                .filter_map(|d| ResourceAddress::parse(d).ok())
                .collect(),
            create_before_destroy: self.create_before_destroy,
            started: self.started.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::value::ValueMap;

    #[test]
    fn records_round_trip_with_marks_and_unknowns() {
        let planned = Value::Object(ValueMap::from([
            ("bucket".to_string(), Value::string("logs")),
            ("secret".to_string(), Value::string("S3cr3t").mark_if(true)),
            ("id".to_string(), Value::unknown()),
        ]));
        let p = Pending {
            id: Pending::new_id(),
            address: ResourceAddress::parse("aws_s3_bucket.b").expect("address"),
            provider: "aws".into(),
            operation: PendingOperation::CreateThenDelete,
            planned,
            dependencies: vec![ResourceAddress::parse("random_id.x").expect("address")],
            create_before_destroy: true,
            started: "2026-01-01T00:00:00Z".into(),
        };
        let rec = PendingRecord::from_pending(&p);
        let text = serde_json::to_string(&rec).expect("JSON");
        assert!(
            text.contains("\"operation\":\"create-then-delete\""),
            "{text}"
        );
        let back: PendingRecord = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.to_pending().expect("pending"), p);
        // Secrets never appear in the identity shown in messages.
        let shown = p.identity().expect("identity");
        assert_eq!(shown, "bucket = \"logs\"");
    }
}
