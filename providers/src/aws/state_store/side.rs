//! The S3 store's side objects (`StateStore::side_read` …): objects
//! beside the state named by suffix, `KEY.rollback`,
//! `KEY.snapshots/RUN_ID.json`. Written without condition under the
//! state lock; with bucket versioning earlier versions stay.

use super::S3Store;
use super::client::{describe, status};
use infra_engine::state::StateError;

impl S3Store {
    /// The key of side object `name`: `KEY.NAME`.
    pub fn side_key(&self, name: &str) -> String {
        format!("{}.{name}", self.state_key)
    }

    pub(super) async fn side_read_s3(&self, name: &str) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.get(&self.side_key(name)).await?.map(|(b, _)| b))
    }

    pub(super) async fn side_write_s3(&self, name: &str, bytes: &[u8]) -> Result<(), StateError> {
        self.put_plain(&self.side_key(name), bytes.to_vec()).await
    }

    pub(super) async fn side_delete_s3(&self, name: &str) -> Result<(), StateError> {
        let key = self.side_key(name);
        match self
            .client()
            .await
            .delete_object()
            .bucket(&self.config.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if status(&e) == Some(404) => Ok(()),
            Err(e) => Err(StateError::Remote(format!(
                "removing {}: {}",
                self.url(&key),
                describe("DeleteObject", &e)
            ))),
        }
    }
}
