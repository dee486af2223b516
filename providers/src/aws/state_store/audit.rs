//! The S3 store's audit log: one object per record under
//! `KEY.audit/` (`KEY.audit/000000000001.json`, ...), each created with
//! `If-None-Match: *`, so a record once written is never replaced by
//! infra, and with bucket versioning never lost.

use super::{PutOutcome, S3Store};
use infra_engine::state::StateError;

impl S3Store {
    /// The prefix of the audit log's objects.
    pub fn audit_prefix(&self) -> String {
        format!("{}.audit/", self.state_key)
    }

    /// The audit objects' keys with their numbers, in order.
    async fn audit_keys(&self) -> Result<Vec<(u64, String)>, StateError> {
        self.numbered_keys(&self.audit_prefix()).await
    }

    /// Every record, oldest first (one `GetObject` each).
    pub(super) async fn audit_records_s3(&self) -> Result<Vec<Vec<u8>>, StateError> {
        let mut out = Vec::new();
        for (_, key) in self.audit_keys().await? {
            if let Some((bytes, _)) = self.get(&key).await? {
                out.push(bytes);
            }
        }
        Ok(out)
    }

    /// The last record.
    pub(super) async fn audit_last_s3(&self) -> Result<Option<Vec<u8>>, StateError> {
        match self.audit_keys().await?.pop() {
            Some((_, key)) => Ok(self.get(&key).await?.map(|(bytes, _)| bytes)),
            None => Ok(None),
        }
    }

    /// Creates record `seq`; an existing one is refused (412).
    pub(super) async fn audit_append_s3(&self, seq: u64, bytes: &[u8]) -> Result<(), StateError> {
        let key = format!("{}{seq:012}.json", self.audit_prefix());
        match self.put(&key, bytes.to_vec(), None).await? {
            PutOutcome::Written(_) => Ok(()),
            PutOutcome::PreconditionFailed | PutOutcome::Conflict => {
                Err(StateError::Remote(format!(
                    "audit record {} exists already: the log is append-only and is not overwritten",
                    self.url(&key)
                )))
            }
        }
    }
}
