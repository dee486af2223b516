//! `infra provider serve NAME`: one of infra's built-in providers served
//! over the Terraform plugin protocol 6 (`infra_plugin::server`), for
//! Terraform and OpenTofu. Standard output carries only the go-plugin
//! handshake line; everything else goes to standard error.

use super::{Failed, OrFail, Outcome, workdir};
use crate::args::{ProviderCommand, ServeArgs};
use crate::{Io, exit};
use infra_lang::Diagnostic;
use infra_lang::diagnostic::did_you_mean;
use infra_plugin::server::ServeError;

/// Runs `infra provider ...`.
pub fn run(command: &ProviderCommand, io: &mut Io<'_>) -> Outcome {
    match command {
        ProviderCommand::Serve(a) => serve(a, io),
    }
}

/// Serves provider `args.name` until Terraform shuts the process down.
fn serve(args: &ServeArgs, io: &mut Io<'_>) -> Outcome {
    let providers = workdir::providers();
    let Some(provider) = providers.get(&args.name).cloned() else {
        let names: Vec<&str> = providers.iter().map(|(n, _)| n.as_str()).collect();
        let mut d = Diagnostic::error(
            "cli::unknown-provider",
            format!("infra has no built-in provider `{}`", args.name),
        );
        d = match did_you_mean(&args.name, names.iter().copied()) {
            Some(s) => d.with_help(format!("Did you mean `{s}`?")),
            None => d.with_help(format!(
                "The built-in providers are `{}`.",
                names.join("`, `")
            )),
        };
        return Err(vec![d]).or_fail(false);
    };
    let rt = workdir::runtime().or_fail(false)?;
    // Nothing but the handshake line may reach standard output: flush
    // what the caller buffered (nothing, normally) before serving.
    let _ = io.out.flush();
    match rt.block_on(infra_plugin::server::serve(
        infra_plugin::server::v6::routes(provider),
        6,
    )) {
        Ok(()) => Ok(exit::OK),
        // go-plugin's "This binary is a plugin" message is printed already.
        Err(ServeError::NotAPlugin) => Err(Failed::default()),
        Err(e) => Err(Failed::note(format!("Error: {e}"))),
    }
}
