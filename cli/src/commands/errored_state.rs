//! The state an apply could not write to its store, kept where it cannot
//! be lost — mirrors Terraform's `errored.tfstate`: a file of its own in
//! the working directory (mode 0600, never overwriting an earlier one), or,
//! when even that fails, the state printed on standard output.

use infra_engine::encryption::Target;
use infra_engine::state::{State, private, sealed};
use infra_lang::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The first name tried; then `errored.infra-state.2.json` … `.9.json`.
pub const NAME: &str = "errored.infra-state.json";

/// The names tried in `dir`, in order.
fn candidates(dir: &Path) -> Vec<PathBuf> {
    let mut names = vec![NAME.to_string()];
    names.extend((2..=9).map(|n| format!("errored.infra-state.{n}.json")));
    names
        .into_iter()
        .map(|n| {
            if dir == Path::new(".") {
                PathBuf::from(n)
            } else {
                dir.join(n)
            }
        })
        .collect()
}

/// How to put `saved` in place of the state in `store` (a path, or an
/// `s3://` URL).
fn how_to_restore(saved: &str, store: &str) -> String {
    let copy = if store.contains("://") {
        format!("`aws s3 cp {saved} {store}`")
    } else {
        format!("`cp {saved} {store}`")
    };
    format!(
        "It holds every object this run created, changed or deleted. Once the cause above is fixed, put it in place of the state ({copy}), then run `infra plan`. Keep it until then (see \"Recovering from a failed apply\" in docs/state.md)."
    )
}

/// Saves `state`, which could not be written to `store` (as
/// [`infra_engine::state::StateStore::describe`] names it), to a new file
/// in `dir`; when no file can be created, prints it on `out` (as one JSON
/// line `{"type": "errored_state", "state": ...}` when `json`). Returns
/// the `state::errored` diagnostic saying where it is and how to recover.
///
/// It is written (or printed) encrypted when the state store's `target`
/// encrypts, like the state it stands in for.
pub fn save(
    dir: &Path,
    state: &State,
    store: &str,
    target: &Target,
    out: &mut dyn Write,
    json: bool,
) -> Diagnostic {
    let text = match sealed::state_bytes(state, NAME, target) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            return Diagnostic::error(
                "state::errored",
                format!("the state this run produced could not be saved: {e}"),
            );
        }
    };
    let mut last = None;
    for path in candidates(dir) {
        match private::create_new(&path, text.as_bytes()) {
            Ok(()) => {
                let shown = path.display().to_string();
                return Diagnostic::error(
                    "state::errored",
                    format!("the state this run produced was saved to {shown}"),
                )
                .with_help(how_to_restore(&shown, store));
            }
            Err(e) => last = Some(e),
        }
    }
    let why = last.map_or_else(String::new, |e| format!(" ({e})"));
    if json {
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let line = serde_json::json!({"type": "errored_state", "state": doc});
        let _ = writeln!(out, "{line}");
    } else {
        let _ = write!(out, "\n{text}");
    }
    let _ = out.flush();
    Diagnostic::error(
        "state::errored",
        format!(
            "the state this run produced could not be saved to {NAME} either{why}: it is printed on standard output"
        ),
    )
    .with_help(how_to_restore("FILE", store).replace(
        "It holds",
        "Save it (from its first `{` to its last `}`) to a FILE: it holds",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_and_prints_when_nothing_can_be_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = State::new();
        let mut out = Vec::new();
        let d = save(
            dir.path(),
            &state,
            ".infra/state.json",
            &Target::plain("state"),
            &mut out,
            false,
        );
        assert!(
            d.message.ends_with("errored.infra-state.json"),
            "{}",
            d.message
        );
        let d = save(
            dir.path(),
            &state,
            ".infra/state.json",
            &Target::plain("state"),
            &mut out,
            false,
        );
        assert!(
            d.message.ends_with("errored.infra-state.2.json"),
            "{}",
            d.message
        );
        assert!(out.is_empty());
        // A directory that does not exist: printed.
        let gone = dir.path().join("gone");
        let d = save(
            &gone,
            &state,
            "s3://b/k",
            &Target::plain("state"),
            &mut out,
            false,
        );
        assert!(
            d.message.contains("printed on standard output"),
            "{}",
            d.message
        );
        assert!(
            d.help
                .unwrap_or_default()
                .contains("aws s3 cp FILE s3://b/k")
        );
        let printed = String::from_utf8(out).expect("UTF-8");
        assert!(printed.contains(&state.lineage), "{printed}");
    }
}
