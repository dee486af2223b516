//! Which workspace a command works in: `INFRA_WORKSPACE`, else
//! `TF_WORKSPACE`, else the one `infra workspace select` recorded in
//! `.infra/environment` (Terraform's `.terraform/environment`), else
//! `default`.

use infra_engine::state::workspaces::{DEFAULT, valid_name};
use infra_lang::Diagnostic;
use std::path::{Path, PathBuf};

/// The file, relative to the configuration directory, naming the selected
/// workspace.
pub const ENVIRONMENT_FILE: &str = ".infra/environment";

/// The environment variables that override the selection, in order of
/// precedence: infra's own first, then Terraform's.
pub const OVERRIDES: &[&str] = &["INFRA_WORKSPACE", "TF_WORKSPACE"];

/// The workspace in use and where that came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// Its name.
    pub name: String,
    /// The environment variable that chose it, if one did.
    pub overridden_by: Option<&'static str>,
}

/// The selected workspace for the configuration in `base`, looking up
/// environment variables with `env` (mirrors Terraform's
/// `WorkspaceOverridden`; an empty variable counts as unset).
///
/// # Errors
/// `workspace::invalid-name` when the variable or the file names a
/// workspace that cannot exist.
pub fn selected_with(
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Selected, Diagnostic> {
    for var in OVERRIDES {
        if let Some(name) = env(var).filter(|v| !v.is_empty()) {
            if !valid_name(&name) {
                return Err(invalid_name(&name).with_help(format!(
                    "The name comes from the {var} environment variable: set it to a valid name, or unset it."
                )));
            }
            return Ok(Selected {
                name,
                overridden_by: Some(var),
            });
        }
    }
    let text = std::fs::read_to_string(environment_file(base)).unwrap_or_default();
    let name = text.trim();
    if name.is_empty() {
        return Ok(Selected {
            name: DEFAULT.into(),
            overridden_by: None,
        });
    }
    if !valid_name(name) {
        return Err(invalid_name(name).with_help(format!(
            "{ENVIRONMENT_FILE} names it; it was edited by something other than infra. Select a valid workspace with `infra workspace select NAME`."
        )));
    }
    Ok(Selected {
        name: name.into(),
        overridden_by: None,
    })
}

/// [`selected_with`] the process environment.
///
/// # Errors
/// As [`selected_with`].
pub fn selected(base: &Path) -> Result<Selected, Diagnostic> {
    selected_with(base, &|k| std::env::var(k).ok())
}

/// The name of the selected workspace (see [`selected`]).
///
/// # Errors
/// As [`selected_with`].
pub fn current(base: &Path) -> Result<String, Diagnostic> {
    selected(base).map(|s| s.name)
}

/// `.infra/environment` in `base`.
pub fn environment_file(base: &Path) -> PathBuf {
    base.join(ENVIRONMENT_FILE)
}

/// Records `name` as the selected workspace (`.infra/environment`,
/// replaced atomically).
///
/// # Errors
/// `cli::write` when the file cannot be written.
pub fn select(base: &Path, name: &str) -> Result<(), Diagnostic> {
    let path = environment_file(base);
    let write = || -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(base);
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, name.as_bytes())?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| {
        Diagnostic::error(
            "cli::write",
            format!("cannot record the workspace in {}: {e}", path.display()),
        )
    })
}

/// `workspace::invalid-name` for `name` (Terraform's message).
pub fn invalid_name(name: &str) -> Diagnostic {
    Diagnostic::error(
        "workspace::invalid-name",
        format!(
            "the workspace name {name:?} is not allowed: it must be made of letters, digits and `-._~$&+:=@` only (no path separators, no spaces), and not be empty"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_string())
        }
    }

    #[test]
    fn infra_workspace_wins_over_tf_workspace_over_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = dir.path();
        let none = env(&[]);
        assert_eq!(selected_with(base, &none).expect("ok").name, "default");
        select(base, "dev").expect("select");
        assert_eq!(selected_with(base, &none).expect("ok").name, "dev");
        let tf = env(&[("TF_WORKSPACE", "stage")]);
        let got = selected_with(base, &tf).expect("ok");
        assert_eq!(
            (got.name.as_str(), got.overridden_by),
            ("stage", Some("TF_WORKSPACE"))
        );
        let both = env(&[("TF_WORKSPACE", "stage"), ("INFRA_WORKSPACE", "prod")]);
        assert_eq!(selected_with(base, &both).expect("ok").name, "prod");
        let empty = env(&[("INFRA_WORKSPACE", "")]);
        assert_eq!(selected_with(base, &empty).expect("ok").name, "dev");
        let bad = env(&[("TF_WORKSPACE", "a/b")]);
        assert_eq!(
            selected_with(base, &bad).map_err(|d| d.code),
            Err("workspace::invalid-name")
        );
    }
}
