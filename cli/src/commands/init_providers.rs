//! `infra init`'s provider step: installs every plugin the root module
//! requires that is neither built in nor a `dev_overrides` entry
//! (`infra_engine::plugins::install`), printing the installer's progress
//! on standard error and a summary line on standard output.

use super::workdir;
use crate::Io;
use crate::render;
use infra_engine::plugins::install::{self, Request};
use infra_engine::plugins::platform::Platform;
use infra_engine::plugins::{address::ProviderAddr, cliconfig, required_in, selects_builtin};
use infra_lang::Diagnostic;
use std::cell::RefCell;
use std::path::Path;

/// Installs the plugins the configuration in `base` requires
/// (`upgrade`: ignore the lock file's selections) and prints what
/// happened.
///
/// # Errors
/// The CLI configuration's, the lock file's and the installer's errors.
pub fn install_plugins(
    rt: &tokio::runtime::Runtime,
    base: &Path,
    upgrade: bool,
    io: &mut Io<'_>,
) -> Result<(), Vec<Diagnostic>> {
    let providers = workdir::providers();
    let plugins: Vec<_> = required_in(base)
        .into_iter()
        .filter(|r| !selects_builtin(r, providers.get(&r.local_name).is_some()))
        .collect();
    if plugins.is_empty() {
        return Ok(());
    }
    let env = cliconfig::process_env;
    let cli = cliconfig::load(&env)?;
    let unsupported = cli.unsupported_settings();
    if !unsupported.is_empty() {
        let d = Diagnostic::warning(
            "cliconfig::not-used",
            format!(
                "infra does not use {} of the CLI configuration",
                unsupported
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_help("infra runs no credentials helper and uses only the `providers.v1` service of a `host` block: give tokens in `credentials \"HOST\" { token = ... }` blocks or TF_TOKEN_HOST variables (docs/providers.md).");
        let _ = write!(io.err, "{}", render::human(&[d], io.color, 100));
    }
    let mut requests = Vec::new();
    for r in &plugins {
        let addr = r
            .source
            .clone()
            .unwrap_or_else(|| ProviderAddr::implied(&r.local_name));
        if cli.dev_override(&addr).is_some() {
            let _ = writeln!(
                io.err,
                "- Skipping {}: the CLI configuration's dev_overrides provide it",
                addr.for_display()
            );
            continue;
        }
        if !requests.iter().any(|q: &Request| q.addr == addr) {
            requests.push(Request {
                addr,
                constraints: r.version.clone(),
            });
        }
    }
    let _ = writeln!(io.err, "Initializing provider plugins...");
    let err = RefCell::new(&mut *io.err);
    let progress = |line: &str| {
        let _ = writeln!(err.borrow_mut(), "{line}");
    };
    let opts = install::Options {
        base,
        cli: &cli,
        env: &env,
        upgrade,
        platform: Platform::current(),
        progress: &progress,
    };
    let done = rt.block_on(install::install(&opts, &requests))?;
    for d in &done {
        let _ = writeln!(
            io.out,
            "Plugin: {} v{} ({}).",
            d.addr.for_display(),
            d.version,
            if d.reused {
                "already installed"
            } else {
                "installed"
            }
        );
    }
    Ok(())
}
