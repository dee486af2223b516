//! The S3 backend's workspaces, as Terraform's S3 backend keeps them:
//! `default` at `KEY`, workspace `NAME` at `PREFIX/NAME/KEY`
//! (`workspace_key_prefix`, `env:` by default). A workspace exists while
//! its state object does: `new` writes an empty state, `delete` removes it
//! (with its backup and journal).

use super::state_store::{S3BackendConfig, S3Store};
use async_trait::async_trait;
use infra_engine::encryption::Target;
use infra_engine::state::workspaces::{Backend, DEFAULT, valid_name};
use infra_engine::state::{State, StateError, StateStore};
use infra_lang::{Diagnostic, Value};
use std::sync::Arc;

/// The workspaces of one `backend "s3"` block.
pub struct S3Backend {
    config: S3BackendConfig,
    encryption: Arc<Target>,
}

impl S3Backend {
    /// The backend of an evaluated `backend "s3"` block.
    ///
    /// # Errors
    /// See [`S3BackendConfig::from_value`].
    pub fn from_backend(config: &Value) -> Result<S3Backend, Vec<Diagnostic>> {
        Ok(S3Backend {
            config: S3BackendConfig::from_value(config)?,
            encryption: Target::plain("state"),
        })
    }

    /// The backend whose stores encrypt with `target` (the `encryption`
    /// block's `state` target).
    #[must_use]
    pub fn with_encryption(mut self, target: Arc<Target>) -> S3Backend {
        self.encryption = target;
        self
    }

    /// The workspace whose state object is `key`, if it is one: mirrors
    /// Terraform's `keyEnv` (`PREFIX/NAME/KEY`, exactly one level).
    pub fn workspace_of(&self, key: &str) -> Option<String> {
        let rest = key.strip_prefix(&format!("{}/", self.config.workspace_key_prefix))?;
        let (name, tail) = rest.split_once('/')?;
        (tail == self.config.key && valid_name(name) && name != DEFAULT).then(|| name.to_string())
    }

    /// The S3 store of `workspace` (nothing is contacted yet).
    pub fn s3(&self, workspace: &str) -> S3Store {
        S3Store::new(self.config.clone(), workspace).with_encryption(self.encryption.clone())
    }
}

#[async_trait]
impl Backend for S3Backend {
    fn store(&self, workspace: &str) -> Arc<dyn StateStore> {
        Arc::new(self.s3(workspace))
    }

    async fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let prefix = format!("{}/", self.config.workspace_key_prefix);
        let mut names: Vec<String> = self
            .s3(DEFAULT)
            .list(&prefix)
            .await?
            .iter()
            .filter_map(|k| self.workspace_of(k))
            .collect();
        names.sort();
        names.dedup();
        names.insert(0, DEFAULT.to_string());
        Ok(names)
    }

    async fn create_workspace(&self, workspace: &str) -> Result<(), StateError> {
        if workspace == DEFAULT {
            return Ok(());
        }
        let store = self.s3(workspace);
        if store.read().await?.is_none() {
            store.write(&State::new()).await?;
        }
        Ok(())
    }

    async fn delete_workspace(&self, workspace: &str) -> Result<(), StateError> {
        if workspace == DEFAULT {
            return Ok(());
        }
        self.s3(workspace).remove().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_keys_name_their_workspace_as_terraform_lists_them() {
        let mut m = crate::object::Attrs::new();
        m.insert("bucket".into(), Value::string("b"));
        m.insert("key".into(), Value::string("app/state"));
        let config = Value::Object(m);
        let b = S3Backend::from_backend(&config).expect("config");
        assert_eq!(b.workspace_of("env:/dev/app/state").as_deref(), Some("dev"));
        assert_eq!(b.workspace_of("env:/dev/other"), None);
        assert_eq!(b.workspace_of("env:/dev/app/state.backup"), None);
        assert_eq!(b.workspace_of("app/state"), None);
        assert_eq!(b.workspace_of("env:/a/b/app/state"), None);
    }
}
