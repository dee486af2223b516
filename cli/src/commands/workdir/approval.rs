//! Asking for approval before a command changes things (`apply`,
//! `destroy`, `apply --refresh-only`), as Terraform does: only `yes` on a
//! terminal approves; without a terminal, with `--input=false` (or under
//! `INFRA_IN_AUTOMATION`) the command refuses instead of waiting.

use super::super::Failed;
use crate::Io;
use infra_lang::Diagnostic;
use std::io::{BufRead, IsTerminal};

/// Asks `question` (its lines after the first indented by two spaces)
/// and waits for `yes`; `input` false (`--input=false`, Terraform's
/// `-input=false`) forbids asking.
///
/// # Errors
/// `apply::no-approval` (with `help`, printed as JSON when `json`) when
/// asking is forbidden, standard input is not a terminal or infra runs in
/// automation; a `Apply cancelled.` note for any answer but `yes`.
pub fn approve(
    io: &mut Io<'_>,
    json: bool,
    input: bool,
    question: &str,
    help: &str,
) -> Result<(), Failed> {
    if !input || !std::io::stdin().is_terminal() || crate::in_automation() {
        let why = if input {
            "standard input is not a terminal (or INFRA_IN_AUTOMATION is set)"
        } else {
            "--input=false forbids asking"
        };
        return Err(Failed {
            diagnostics: vec![
                Diagnostic::error(
                    "apply::no-approval",
                    format!("apply needs approval, but {why}"),
                )
                .with_help(help),
            ],
            json,
            note: None,
        });
    }
    let _ = write!(
        io.out,
        "\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = io.out.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if line.trim() == "yes" {
        Ok(())
    } else {
        Err(Failed::note("\nApply cancelled."))
    }
}
