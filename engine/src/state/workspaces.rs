//! Workspaces (Terraform's): named states of one configuration, each a
//! [`StateStore`] of its own in the same backend; `default` always exists.
//! The [`Backend`] trait lists, creates and deletes them; [`LocalBackend`]
//! keeps workspace `NAME` in `state.d/NAME/` next to the default state file
//! (`.infra/state.d/NAME/state.json`, Terraform's
//! `terraform.tfstate.d/NAME/terraform.tfstate`).

use super::local::LocalStore;
use super::{StateError, StateStore};
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The workspace every backend has, and the one used unless another is
/// selected.
pub const DEFAULT: &str = "default";

/// The directory, next to the default state file, holding one directory per
/// other workspace.
pub const LOCAL_DIR: &str = "state.d";

/// Whether `name` may name a workspace. Mirrors Terraform's
/// `ValidWorkspaceName`: not empty, and unchanged by Go's
/// `url.PathEscape` — ASCII letters, digits and `-._~$&+:=@` only — plus,
/// since a name becomes a directory, neither `.` nor `..`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~$&+:=@".contains(&b))
}

/// Where the workspaces of one configuration live (Terraform's backend
/// with multiple workspaces): the local disk or an S3 bucket.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The state store of `workspace` (nothing is contacted yet).
    fn store(&self, workspace: &str) -> Arc<dyn StateStore>;

    /// Every workspace that exists: `default` first, the others in name
    /// order.
    ///
    /// # Errors
    /// The backend could not be listed (I/O, S3).
    async fn workspaces(&self) -> Result<Vec<String>, StateError>;

    /// Makes `workspace` exist, so [`Backend::workspaces`] lists it
    /// (locally a directory; in S3 an empty state, as Terraform writes).
    ///
    /// # Errors
    /// I/O or S3 errors.
    async fn create_workspace(&self, workspace: &str) -> Result<(), StateError>;

    /// Removes everything the store of `workspace` keeps (state, backup,
    /// journal); the caller holds its lock and has checked it is not
    /// `default`.
    ///
    /// # Errors
    /// I/O or S3 errors.
    async fn delete_workspace(&self, workspace: &str) -> Result<(), StateError>;
}

/// The local backend: the default workspace's state at `default_path`,
/// workspace `NAME`'s at `DIR/state.d/NAME/FILE` where `DIR/FILE` is
/// `default_path`. With `pinned` (`--state FILE`) every workspace uses
/// that one file, as Terraform's `-state` does.
pub struct LocalBackend {
    default_path: PathBuf,
    pinned: bool,
    encryption: Arc<crate::encryption::Target>,
}

impl LocalBackend {
    /// The backend whose default workspace's state is `default_path`;
    /// `pinned` when the file was named with `--state`.
    pub fn new(default_path: impl Into<PathBuf>, pinned: bool) -> LocalBackend {
        LocalBackend {
            default_path: default_path.into(),
            pinned,
            encryption: crate::encryption::Target::plain("state"),
        }
    }

    /// The backend whose stores encrypt with `target` (the `encryption`
    /// block's `state` target).
    #[must_use]
    pub fn with_encryption(mut self, target: Arc<crate::encryption::Target>) -> LocalBackend {
        self.encryption = target;
        self
    }

    /// The directory holding the other workspaces (`.infra/state.d`).
    pub fn workspace_dir(&self) -> PathBuf {
        match self.default_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.join(LOCAL_DIR),
            _ => PathBuf::from(LOCAL_DIR),
        }
    }

    /// The state file of `workspace`.
    pub fn path(&self, workspace: &str) -> PathBuf {
        if workspace == DEFAULT || self.pinned {
            return self.default_path.clone();
        }
        let file = self
            .default_path
            .file_name()
            .map_or_else(|| Path::new("state.json").into(), PathBuf::from);
        self.workspace_dir().join(workspace).join(file)
    }
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> StateError {
    move |source| StateError::Io { what, source }
}

#[async_trait]
impl Backend for LocalBackend {
    fn store(&self, workspace: &str) -> Arc<dyn StateStore> {
        Arc::new(
            LocalStore::new(self.path(workspace))
                .with_workspace(workspace)
                .with_encryption(self.encryption.clone()),
        )
    }

    async fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let dir = self.workspace_dir();
        let mut names = Vec::new();
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                for e in entries {
                    let e = e.map_err(io(format!("listing {}", dir.display())))?;
                    if e.file_type().is_ok_and(|t| t.is_dir())
                        && let Some(n) = e.file_name().to_str()
                        && n != DEFAULT
                    {
                        names.push(n.to_string());
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(format!("listing {}", dir.display()))(e)),
        }
        names.sort();
        names.insert(0, DEFAULT.to_string());
        Ok(names)
    }

    async fn create_workspace(&self, workspace: &str) -> Result<(), StateError> {
        if workspace == DEFAULT {
            return Ok(());
        }
        let dir = self.workspace_dir().join(workspace);
        std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))
    }

    async fn delete_workspace(&self, workspace: &str) -> Result<(), StateError> {
        if workspace == DEFAULT || !valid_name(workspace) {
            return Ok(());
        }
        let dir = self.workspace_dir().join(workspace);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(io(format!("removing {}", dir.display()))(e))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_terraform_does() {
        for ok in ["dev", "prod-eu", "a.b", "x_y~z", "a@b", "a:b", "1"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "a/b", "a b", "a;b", "a,b", "a?b", "é", ".", "..", "a%b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn local_workspaces_live_next_to_the_default_state() {
        let b = LocalBackend::new(".infra/state.json", false);
        assert_eq!(b.path(DEFAULT), PathBuf::from(".infra/state.json"));
        assert_eq!(
            b.path("dev"),
            PathBuf::from(".infra/state.d/dev/state.json")
        );
        let pinned = LocalBackend::new("s.json", true);
        assert_eq!(pinned.path("dev"), PathBuf::from("s.json"));
        let bare = LocalBackend::new("s.json", false);
        assert_eq!(bare.path("dev"), PathBuf::from("state.d/dev/s.json"));
    }

    #[test]
    fn local_workspaces_are_listed_created_and_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = LocalBackend::new(dir.path().join("state.json"), false);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            assert_eq!(b.workspaces().await.expect("list"), vec!["default"]);
            b.create_workspace("prod").await.expect("create");
            b.create_workspace("dev").await.expect("create");
            assert_eq!(
                b.workspaces().await.expect("list"),
                vec!["default", "dev", "prod"]
            );
            b.delete_workspace("dev").await.expect("delete");
            assert_eq!(b.workspaces().await.expect("list"), vec!["default", "prod"]);
        });
    }
}
