//! What several commands share: their inputs (`inputs.rs`), the
//! providers, the tokio runtime, the state store and its lock, reading
//! state with a clear error.

mod approval;
mod inputs;
pub mod progress;
pub mod workspace;

pub use approval::approve;
pub use inputs::{checked_inputs, const_inputs, gather_inputs};

use crate::args::StateArgs;
use crate::{Io, render};
use infra_engine::encryption::Encryption;
use infra_engine::eval::{EvalOptions, Inputs, backend_config, collect_inputs, encryption_config};
use infra_engine::plugins::{PluginRequirement, cliconfig, plugins_for};
use infra_engine::provider::{Provider, Providers};
use infra_engine::state::local::{DEFAULT_PATH, LocalStore};
use infra_engine::state::workspaces::{Backend, LocalBackend};
use infra_engine::state::{LockGuard, LockInfo, State, StateError, StateStore};
use infra_lang::{Diagnostic, Value};
use infra_providers::aws::state_workspaces::S3Backend;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The providers of this build; with `INFRA_TEST_PROVIDERS=1` also the
/// fault-injecting `test` provider the test suite uses.
pub fn providers() -> Providers {
    if std::env::var("INFRA_TEST_PROVIDERS").is_ok_and(|v| v == "1") {
        infra_providers::with_test()
    } else {
        infra_providers::all()
    }
}

/// Starts the provider plugin a [`PluginRequirement`] names (its
/// executable, found through the CLI configuration's `dev_overrides`) and
/// returns it as a provider, to be registered under its local name.
pub type PluginLauncher<'a> =
    dyn Fn(&PluginRequirement) -> Result<Arc<dyn Provider>, Diagnostic> + 'a;

/// The launcher commands use: starts the plugin's process on `rt` (the
/// go-plugin handshake, AutoMTLS), connects, and reads its schema
/// (crate `infra-plugin`), with at most `concurrency` RPCs in flight
/// (`--parallelism`). When the working directory `base` has no schema
/// cache entry for this executable yet, the schema is written there
/// (`infra_plugin::client::schema_cache`, for offline `validate`; a
/// failure to write it is only logged). The process stops when the
/// provider is dropped at the end of the command.
///
/// # Errors
/// The plugin could not start, finish its handshake or answer its schema.
pub fn launch_plugin(
    rt: &tokio::runtime::Runtime,
    req: &PluginRequirement,
    base: &Path,
    concurrency: usize,
) -> Result<Arc<dyn Provider>, Diagnostic> {
    use infra_plugin::client::schema_cache;
    let cache = schema_cache::path(base, &req.source, &req.executable)
        .ok()
        .filter(|p| !p.exists());
    rt.block_on(infra_plugin::client::start_keeping(
        &req.local_name,
        &req.executable,
        cache.is_some(),
    ))
    .map(|p| {
        if let Some(path) = &cache {
            schema_cache::save(path, &p);
        }
        Arc::new(p.without_raw_schema().with_concurrency(concurrency)) as Arc<dyn Provider>
    })
    .map_err(|failure| {
        let mut d = failure.into_iter().next().unwrap_or_else(|| {
            Diagnostic::error("provider::error", "the plugin failed without a message")
        });
        d.message = format!(
            "cannot start provider `{}` ({}): {}",
            req.source.for_display(),
            req.executable.display(),
            d.message
        );
        d
    })
}

/// The providers for a run in `base`: this build's (see [`providers`]),
/// plus every plugin its root module's `required_providers` selects,
/// started by `launch` and registered under its local name (replacing a
/// built-in provider of that name). The CLI configuration is located
/// through the environment `env` (`TF_CLI_CONFIG_FILE`, `HOME`, ...), and
/// read only when a plugin is required.
///
/// # Errors
/// A required plugin that is not installed (`provider::not-installed`),
/// a bad CLI configuration, or `launch`'s error.
pub fn providers_with(
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    launch: &PluginLauncher<'_>,
) -> Result<Providers, Vec<Diagnostic>> {
    let mut providers = providers();
    let builtin = |name: &str| providers.get(name).is_some();
    let required = plugins_for(base, &builtin, env)?;
    let mut errors = Vec::new();
    for req in &required {
        match launch(req) {
            Ok(p) => providers.add_as(&req.local_name, p),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(providers)
    } else {
        Err(errors)
    }
}

/// [`providers_with`] the process environment and the [`launch_plugin`]
/// launcher on `rt`, each plugin with its default limit of RPCs in flight
/// (`infra_plugin::client::provider::DEFAULT_CONCURRENCY`).
///
/// # Errors
/// As [`providers_with`].
pub fn providers_for(
    base: &Path,
    rt: &tokio::runtime::Runtime,
) -> Result<Providers, Vec<Diagnostic>> {
    use infra_plugin::client::provider::DEFAULT_CONCURRENCY;
    providers_limited(base, rt, DEFAULT_CONCURRENCY)
}

/// [`providers_for`] with at most `parallelism` RPCs in flight per plugin
/// process (`--parallelism`).
///
/// # Errors
/// As [`providers_with`].
pub fn providers_limited(
    base: &Path,
    rt: &tokio::runtime::Runtime,
    parallelism: usize,
) -> Result<Providers, Vec<Diagnostic>> {
    providers_with(base, &cliconfig::process_env, &|req| {
        launch_plugin(rt, req, base, parallelism)
    })
}

/// The providers `infra validate` checks against, without starting any
/// plugin: this build's, plus every required plugin whose schema the
/// working directory `base` has cached (see [`launch_plugin`]), as a
/// provider that only has its schema. With them, warnings for the
/// required plugins that have no cache entry yet (their types are not
/// checked) or cannot be found (`plan` reports that as an error).
pub fn cached_providers(base: &Path) -> (Providers, Vec<Diagnostic>) {
    use infra_plugin::client::{schema_cache, start::Unstarted};
    let mut providers = providers();
    // A built-in provider a plugin replaces must not check the plugin's
    // types: until a cached schema stands in, it has none.
    for r in infra_engine::plugins::required_in(base) {
        let builtin = providers.get(&r.local_name).is_some();
        if builtin && !infra_engine::plugins::selects_builtin(&r, builtin) {
            let unknown = Unstarted {
                name: r.local_name.clone(),
                schema: Default::default(),
                failure: infra_engine::provider::error("not started by `validate`"),
            };
            providers.add_as(&r.local_name, Arc::new(unknown));
        }
    }
    let builtin = |name: &str| providers.get(name).is_some();
    let required = match plugins_for(base, &builtin, &cliconfig::process_env) {
        Ok(r) => r,
        Err(diags) => {
            let warnings = diags
                .into_iter()
                .map(|d| Diagnostic {
                    severity: infra_lang::Severity::Warning,
                    help: Some(
                        "Resources of plugin types are not checked against their schema until the plugin is found; `infra plan` reports this as an error."
                            .into(),
                    ),
                    ..d
                })
                .collect();
            return (providers, warnings);
        }
    };
    let mut warnings = Vec::new();
    for req in &required {
        let cached = schema_cache::path(base, &req.source, &req.executable)
            .map_err(|e| format!("cannot examine {}: {e}", req.executable.display()))
            .and_then(|p| schema_cache::read(&p, &req.local_name));
        match cached {
            Ok(Some(p)) => providers.add_as(&req.local_name, Arc::new(p)),
            Ok(None) => warnings.push(
                Diagnostic::warning(
                    "provider::schema-not-cached",
                    format!(
                        "resources of provider `{}` ({}) are not checked: its schema is not cached yet",
                        req.local_name,
                        req.source.for_display()
                    ),
                )
                .with_help(
                    "`infra validate` never starts a plugin; it checks against the schema that `infra plan` or `infra apply` caches in .infra/providers/schemas when they start it. Run plan once (again after the plugin changed).",
                ),
            ),
            Err(e) => warnings.push(
                Diagnostic::warning(
                    "provider::schema-not-cached",
                    format!(
                        "resources of provider `{}` are not checked: {e}",
                        req.local_name
                    ),
                )
                .with_help("Run `infra plan` once to cache the plugin's schema again."),
            ),
        }
    }
    (providers, warnings)
}

/// Evaluation without planning (`eval`, `console`, `graph`): references
/// to resources see their configuration, plus the attributes their
/// provider's schema declares (unknown when computed), so splats over
/// instances work.
pub fn unplanned_options() -> EvalOptions {
    EvalOptions {
        schemas: Some(providers()),
        ..EvalOptions::default()
    }
}

/// Evaluation without planning in `workspace` (`eval`, `console`,
/// `graph`): [`unplanned_options`] with `infra.workspace` set.
pub fn unplanned_options_in(workspace: String) -> EvalOptions {
    EvalOptions {
        workspace,
        ..unplanned_options()
    }
}

/// A multi-threaded tokio runtime for provider calls.
///
/// # Errors
/// When the runtime cannot start (no threads).
pub fn runtime() -> Result<tokio::runtime::Runtime, Diagnostic> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::error("cli::runtime", format!("cannot start the runtime: {e}")))
}

/// The backend types.
const BACKENDS: &[&str] = &["local", "s3"];

/// The local state file of the default workspace: `--state FILE`, else
/// the `backend "local"` block's `path`, else `.infra/state.json`,
/// relative to `base`.
fn local_path(base: &Path, args: &StateArgs, configured: Option<&Path>) -> PathBuf {
    let path = match (&args.state, configured) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p.to_path_buf(),
        (None, None) => PathBuf::from(DEFAULT_PATH),
    };
    if path.is_absolute() {
        path
    } else {
        base.join(path)
    }
}

/// The local state file of the default workspace (see `local_path`).
pub fn local_store(base: &Path, args: &StateArgs, configured: Option<&Path>) -> LocalStore {
    LocalStore::new(local_path(base, args, configured))
}

/// The local backend: workspaces next to the default state file, or all
/// in the one `--state FILE`.
pub fn local_backend(base: &Path, args: &StateArgs, configured: Option<&Path>) -> LocalBackend {
    LocalBackend::new(local_path(base, args, configured), args.state.is_some())
}

/// The state store of the selected workspace (see [`workspace::selected`])
/// in the backend the configuration in `base` names (see [`backend`]).
///
/// # Errors
/// As [`backend`]; an invalid workspace name.
pub fn store(
    base: &Path,
    args: &StateArgs,
    consts: Inputs,
) -> Result<Arc<dyn StateStore>, Vec<Diagnostic>> {
    let given = consts.clone();
    store_with(base, args, consts, &given)
}

/// [`store`], with the `encryption` block evaluated with `inputs` (a
/// command's `-var`s too: a passphrase may come from one).
///
/// # Errors
/// As [`store`]; the `encryption` block's errors.
pub fn store_with(
    base: &Path,
    args: &StateArgs,
    consts: Inputs,
    inputs: &Inputs,
) -> Result<Arc<dyn StateStore>, Vec<Diagnostic>> {
    let ws = workspace::current(base).map_err(|d| vec![d])?;
    let state = encryption(base, inputs)?.state;
    Ok(backend_with(base, args, consts, Some(state))?.store(&ws))
}

/// A command's inputs for evaluating the `encryption` block: its `-var`s,
/// var files and `--const`s, or only the consts when they do not parse
/// (the command reports that itself).
pub fn encryption_inputs(args: &crate::args::InputArgs, base: &Path) -> Inputs {
    checked_inputs(args, base).unwrap_or_else(|_| const_inputs(&args.consts))
}

/// The backend the configuration in `base` names in its `backend` block
/// (`consts` for `const.` references in it): local files by default.
///
/// # Errors
/// The backend block does not evaluate, has an unknown type or bad
/// arguments; `--state` with a backend other than `local`.
pub fn backend(
    base: &Path,
    args: &StateArgs,
    consts: Inputs,
) -> Result<Arc<dyn Backend>, Vec<Diagnostic>> {
    let state = encryption(base, &consts)?.state;
    backend_with(base, args, consts, Some(state))
}

/// The encryption of the configuration in `base` (its `encryption`
/// block), evaluated with `given` over the variables of the environment
/// (`INFRA_VAR_NAME`) and var files (`infra.infravars`, `*.auto.infravars`).
///
/// # Errors
/// The block's errors; a passphrase variable without a value.
pub fn encryption(base: &Path, given: &Inputs) -> Result<Encryption, Vec<Diagnostic>> {
    // OpenTofu merges an `encryption` block from this variable; infra does
    // not, and says so rather than write in clear what the user meant to
    // encrypt.
    if std::env::var_os("TF_ENCRYPTION").is_some_and(|v| !v.is_empty()) {
        return Err(vec![
            Diagnostic::error(
                "encryption::unsupported",
                "the TF_ENCRYPTION environment variable is not read by infra",
            )
            .with_help("Write the `encryption` block in the configuration's `terraform` block (its values may come from variables, e.g. INFRA_VAR_passphrase), and unset TF_ENCRYPTION (docs/encryption.md)."),
        ]);
    }
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("INFRA_VAR_"))
        .collect();
    let mut inputs = collect_inputs(base, &[], &env).unwrap_or_default();
    inputs.vars.extend(given.vars.clone());
    inputs.consts.extend(given.consts.clone());
    encryption_config(base, inputs, Some(&infra_providers::aws::kms_keys::make))
}

/// [`backend`], its stores encrypting with `state` (`None`: plain, for
/// `validate`, which checks the backend block without a passphrase).
///
/// # Errors
/// As [`backend`].
pub fn backend_with(
    base: &Path,
    args: &StateArgs,
    consts: Inputs,
    state: Option<Arc<infra_engine::encryption::Target>>,
) -> Result<Arc<dyn Backend>, Vec<Diagnostic>> {
    let state = state.unwrap_or_else(|| infra_engine::encryption::Target::plain("state"));
    let local = |base: &Path, args: &StateArgs, configured: Option<&Path>| {
        local_backend(base, args, configured).with_encryption(state.clone())
    };
    // `init -backend-config` settings complete the block.
    let block =
        super::backend_config::merged(base, backend_config(base, consts)?).map_err(|d| vec![d])?;
    let Some(b) = block else {
        return Ok(Arc::new(local(base, args, None)));
    };
    let here = |d: Diagnostic| -> Diagnostic {
        if d.source.is_some() {
            d
        } else {
            d.in_file(&b.source).primary(b.span, "in this backend")
        }
    };
    match b.kind.as_str() {
        "local" => {
            let Value::Object(m) = &b.config else {
                return Ok(Arc::new(local(base, args, None)));
            };
            let mut diags = Vec::new();
            for name in m.keys().filter(|k| k.as_str() != "path") {
                diags.push(
                    b.error(
                        "backend::invalid-argument",
                        format!("`backend \"local\"` has no argument `{name}`"),
                    )
                    .with_help(
                        "It takes only `path`, the state file (default `.infra/state.json`).",
                    ),
                );
            }
            let path = match m.get("path").map(|v| v.clone().unmark_deep()) {
                None | Some((Value::Null(_), _)) => None,
                Some((Value::String(s), _)) if !s.is_empty() => Some(PathBuf::from(s.to_string())),
                Some((other, marked)) => {
                    diags.push(b.error(
                        "backend::invalid-argument",
                        format!(
                            "`path` of `backend \"local\"` must be a file name, got {}",
                            other.describe_as(marked)
                        ),
                    ));
                    None
                }
            };
            if diags.is_empty() {
                Ok(Arc::new(local(base, args, path.as_deref())))
            } else {
                Err(diags)
            }
        }
        "s3" => {
            if let Some(p) = &args.state {
                return Err(vec![
                    b.error(
                        "backend::state-flag",
                        format!(
                            "--state {} names a local state file, but the state lives in the `s3` backend",
                            p.display()
                        ),
                    )
                    .with_help("Drop --state; the backend block says where the state is."),
                ]);
            }
            let backend = S3Backend::from_backend(&b.config)
                .map_err(|ds| ds.into_iter().map(here).collect::<Vec<_>>())?
                .with_encryption(state);
            Ok(Arc::new(backend))
        }
        other => {
            let help = match infra_lang::diagnostic::did_you_mean(other, BACKENDS.iter().copied()) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => "The backends are `local` (a file) and `s3`.".into(),
            };
            Err(vec![
                b.error("backend::unknown", format!("there is no backend `{other}`"))
                    .with_help(help),
            ])
        }
    }
}

/// Parses `--lock-timeout` and `--stop-timeout`: a duration as Terraform
/// writes it (Go's syntax: `0s`, `30s`, `1m30s`, `500ms`, `1h`), or a bare
/// number of seconds as earlier infra versions took.
///
/// # Errors
/// Anything else, or a negative duration.
pub fn parse_duration(text: &str) -> Result<Duration, Diagnostic> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|_| bad_duration(text));
    }
    infra_stdlib::duration::parse_non_negative(t).map_err(|_| bad_duration(text))
}

fn bad_duration(text: &str) -> Diagnostic {
    Diagnostic::error("cli::bad-duration", format!("{text:?} is not a duration"))
        .with_help("Write e.g. `30s`, `1m30s` or `500ms`, as Terraform does.")
}

/// A state error as a diagnostic with its help line.
pub fn state_error(e: &StateError) -> Diagnostic {
    let code = match e {
        StateError::Locked(_) | StateError::LockedUnknown(_) | StateError::LockInUse(_) => {
            "state::locked"
        }
        StateError::Corrupt { .. } => "state::corrupt",
        StateError::Terraform { .. } => "state::terraform",
        StateError::TooNew { .. } => "state::too-new",
        StateError::Conflict { .. } => "state::conflict",
        StateError::NotLocked(_) => "state::not-locked",
        StateError::WrongLock { .. } => "state::wrong-lock",
        StateError::Remote(_) => "state::remote",
        StateError::SerialOverflow(_) => "state::serial-overflow",
        StateError::JournalMismatch(_) => "state::journal-mismatch",
        StateError::Decrypt { .. } => "state::decrypt-failed",
        StateError::Encrypt { .. } => "state::encrypt-failed",
        _ => "state::io",
    };
    let mut d = Diagnostic::error(code, e.to_string());
    d.help = e.help();
    d
}

/// A held state lock. [`Held::release`] releases it and says whether
/// that worked; dropping it releases it too (errors ignored), so every
/// early return of a command lets go of the lock.
pub struct Held {
    guard: Option<Box<dyn LockGuard>>,
    handle: tokio::runtime::Handle,
}

impl Held {
    /// Releases the lock now.
    ///
    /// # Errors
    /// A `state::unlock` warning when it could not be released (it then
    /// stays until `infra force-unlock`).
    pub fn release(mut self) -> Result<(), Diagnostic> {
        let Some(g) = self.guard.take() else {
            return Ok(());
        };
        self.handle.block_on(g.release()).map_err(|e| {
            Diagnostic::warning(
                "state::unlock",
                format!("could not release the state lock: {e}"),
            )
            .with_help("The command itself finished. If the lock is still there, the next command reports it with its id: remove it with `infra force-unlock ID`.")
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(g) = self.guard.take() {
            if tokio::runtime::Handle::try_current().is_err() {
                let _ = self.handle.block_on(g.release());
            } else {
                drop(g);
            }
        }
    }
}

/// Takes the state lock for `operation`.
///
/// # Errors
/// The holder, when another process has it.
pub fn lock(
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
    args: &StateArgs,
    operation: &str,
) -> Result<Held, Diagnostic> {
    let timeout = parse_duration(&args.lock_timeout)?;
    if !args.lock {
        // `--lock=false`: the user vouches that nothing else runs.
        return Ok(Held {
            guard: None,
            handle: rt.handle().clone(),
        });
    }
    let guard = rt
        .block_on(store.lock(LockInfo::new(operation), timeout))
        .map_err(|e| state_error(&e))?;
    Ok(Held {
        guard: Some(guard),
        handle: rt.handle().clone(),
    })
}

/// Releases `lock`, printing a warning when that failed.
pub fn unlock(io: &mut Io<'_>, lock: Held) {
    if let Err(d) = lock.release() {
        report(io, &[d], false);
    }
}

/// Reads the state (journal of an interrupted run replayed).
///
/// # Errors
/// Corrupt or too-new state.
pub fn read(
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
) -> Result<Option<State>, Diagnostic> {
    rt.block_on(store.read()).map_err(|e| state_error(&e))
}

/// Writes the state.
///
/// # Errors
/// The write failed or was refused (the stored state is newer).
pub fn write(
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
    state: &State,
) -> Result<(), Diagnostic> {
    rt.block_on(store.write(state)).map_err(|e| state_error(&e))
}

/// Prints `diags` to standard error (or as JSON to standard output when
/// `json`).
pub fn report(io: &mut Io<'_>, diags: &[Diagnostic], json: bool) {
    if diags.is_empty() {
        return;
    }
    if json {
        let _ = writeln!(io.out, "{}", render::json(diags));
    } else {
        let _ = write!(io.err, "{}", render::human(diags, io.color, 100));
    }
}

/// Every record of `store`'s audit log, as stored.
///
/// # Errors
/// The store's error, as a diagnostic.
pub fn read_audit(
    rt: &tokio::runtime::Runtime,
    store: &dyn StateStore,
) -> Result<Vec<Vec<u8>>, Diagnostic> {
    rt.block_on(store.audit_records())
        .map_err(|e| state_error(&e))
}
