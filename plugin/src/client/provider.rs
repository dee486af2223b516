//! `PluginProvider`: the engine's `Provider` over a running plugin's gRPC
//! channel, for tfplugin5 and tfplugin6 (what Terraform's
//! `internal/plugin/grpc_provider.go` and `internal/plugin6/grpc_provider.go`
//! do). Process management and the handshake are elsewhere
//! (`client::process`, `client::connect`); this gets a connected channel.

pub(crate) mod rpc;

use crate::wire;
use infra_engine::provider::{
    Applied, ApplyRequest, Failure, FunctionError, Imported, MoveRequest, Nesting, PlanRequest,
    PlannedState, Provider, ProviderSchema, Stored,
};
use infra_lang::types::Type;
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Semaphore;
use tonic::transport::Channel;

/// How long one RPC may take before it counts as hung: `apply` for
/// ApplyResourceChange (real systems can be slow: a database takes
/// minutes), `other` for every other call. Defaults: 10 and 2 minutes.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// ApplyResourceChange.
    pub apply: Duration,
    /// Every other RPC.
    pub other: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            apply: Duration::from_secs(600),
            other: Duration::from_secs(120),
        }
    }
}

/// How many RPCs one plugin process has in flight at most, unless the
/// run says otherwise (`--parallelism`): Terraform's default parallelism.
pub const DEFAULT_CONCURRENCY: usize = 10;

/// The generated client of the protocol version the plugin chose.
#[derive(Clone)]
enum Conn {
    V5(rpc::v5::Client),
    V6(rpc::v6::Client),
}

/// Calls the RPC function `$f` of the connection's protocol version with
/// owned arguments; gives a `'static` future (it may be spawned).
///
/// The RPC's own future (tonic's, some 10 KB) is boxed once where it is
/// made, so the futures around it (timeout, permit, the spawned task that
/// tokio moves into its task cell and back) stay small instead of each
/// copying it: that copying was 12% of a plugin plan's instructions.
macro_rules! call {
    ($conn:expr, $f:ident ( $($arg:ident),* )) => {{
        let conn = $conn.clone();
        async move {
            match conn {
                Conn::V5(mut c) => Box::pin(rpc::v5::$f(&mut c, $($arg),*)).await,
                Conn::V6(mut c) => Box::pin(rpc::v6::$f(&mut c, $($arg),*)).await,
            }
        }
    }};
}

/// A Terraform provider plugin as an infra [`Provider`]: one plugin
/// process (one provider configuration), reached over `channel`.
pub struct PluginProvider {
    name: String,
    conn: Conn,
    schema: ProviderSchema,
    /// Top-level nested blocks per resource type / data source, to send
    /// an absent block as Terraform does (`[]`, `{}`, an object of nulls).
    blocks: BTreeMap<String, BTreeMap<String, Nesting>>,
    /// The plugin accepts MoveResourceState (its server capability).
    move_resource_state: bool,
    /// The runtime the channel was made on (its connection task runs
    /// there); the sync methods run their RPC on it.
    handle: Handle,
    timeouts: Timeouts,
    /// The process when [`super::start::start`] launched it: stopped when
    /// this provider is dropped; its last output goes into crash errors.
    process: Option<super::start::ProcessGuard>,
    /// The executable it was started from: a second configuration of the
    /// provider (an alias) starts another process of it, as Terraform does.
    executable: Option<std::path::PathBuf>,
    /// Bounds the RPCs in flight (StopProvider excepted) to the limit of
    /// [`PluginProvider::with_concurrency`].
    limit: Arc<Semaphore>,
    concurrency: usize,
    /// The configuration last sent with ConfigureProvider (msgpack): the
    /// same configuration again (plan, then apply in one run) is not sent
    /// twice to the same process.
    configured: Mutex<Option<Vec<u8>>>,
    /// The protocol version and the GetProviderSchema answer's protobuf
    /// bytes, when asked to keep them (for the schema cache).
    raw_schema: Option<(u32, Vec<u8>)>,
}

impl std::fmt::Debug for PluginProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginProvider")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl PluginProvider {
    /// Calls GetProviderSchema (v6) / GetSchema (v5) once on `channel`
    /// and converts the answer to infra's schema. `protocol_version` is
    /// the one the handshake line named (5 or 6); `name` is the provider's
    /// local name (`aws`), used in every error. Must be called inside a
    /// multi-threaded tokio runtime, which later calls run on.
    ///
    /// Nested blocks keep their nesting and min/max items, nested
    /// attributes their attributes (`rpc::block`).
    ///
    /// # Errors
    /// An unsupported protocol version, an unreachable plugin, error
    /// diagnostics in the schema answer, or a schema infra cannot read.
    pub async fn connect(
        name: String,
        channel: Channel,
        protocol_version: u32,
    ) -> Result<PluginProvider, Failure> {
        Self::connect_keeping(name, channel, protocol_version, false).await
    }

    /// [`PluginProvider::connect`]; with `keep_raw` the schema answer's
    /// protobuf bytes are kept for [`PluginProvider::raw_schema`].
    ///
    /// # Errors
    /// As [`PluginProvider::connect`].
    pub async fn connect_keeping(
        name: String,
        channel: Channel,
        protocol_version: u32,
        keep_raw: bool,
    ) -> Result<PluginProvider, Failure> {
        let conn = match protocol_version {
            5 => Conn::V5(rpc::v5::client(channel)),
            6 => Conn::V6(rpc::v6::client(channel)),
            v => {
                return Err(infra_engine::provider::error(format!(
                    "provider `{name}` speaks plugin protocol version {v}; infra speaks 5 and 6"
                )));
            }
        };
        let handle = Handle::try_current().map_err(|_| {
            infra_engine::provider::error(format!(
                "provider `{name}`: the plugin client must run inside a tokio runtime"
            ))
        })?;
        let timeouts = Timeouts::default();
        let mut provider = PluginProvider {
            name,
            conn,
            schema: ProviderSchema::default(),
            blocks: BTreeMap::new(),
            move_resource_state: false,
            handle,
            timeouts,
            process: None,
            executable: None,
            limit: Arc::new(Semaphore::new(DEFAULT_CONCURRENCY)),
            concurrency: DEFAULT_CONCURRENCY,
            configured: Mutex::new(None),
            raw_schema: None,
        };
        let fut = call!(provider.conn, get_schema(keep_raw));
        let (schemas, raw) = provider
            .run("GetProviderSchema", timeouts.other, fut)
            .await?;
        let schemas = schemas
            .map_err(|e| provider.fail(format!("returned a schema infra cannot read: {e}")))?;
        provider.accept("GetProviderSchema", schemas.diagnostics, false)?;
        provider.schema = schemas.schema;
        provider.blocks = schemas.blocks;
        provider.raw_schema = raw.map(|r| (protocol_version, r));
        provider.move_resource_state = schemas.move_resource_state;
        Ok(provider)
    }

    /// The protocol version and the protobuf bytes of the GetProviderSchema
    /// answer, when [`PluginProvider::connect_keeping`] kept them.
    pub fn raw_schema(&self) -> Option<(u32, &[u8])> {
        self.raw_schema.as_ref().map(|(v, b)| (*v, &b[..]))
    }

    /// The same provider without the kept schema bytes (they are only
    /// needed to write the schema cache).
    pub fn without_raw_schema(mut self) -> PluginProvider {
        self.raw_schema = None;
        self
    }

    /// GetFunctions: the plugin's provider functions without the rest of
    /// its schema. (Terraform, and [`PluginProvider::connect`], read them
    /// from GetProviderSchema's `functions`; this is for a caller holding
    /// a cached schema.)
    ///
    /// # Errors
    /// The plugin failed the call, answered error diagnostics, or
    /// declared a function infra cannot read.
    pub async fn get_functions(
        &self,
    ) -> Result<BTreeMap<String, infra_engine::provider::FunctionSignature>, Failure> {
        let (functions, diags) = self
            .run(
                "GetFunctions",
                self.timeouts.other,
                call!(self.conn, get_functions()),
            )
            .await?;
        self.accept("GetFunctions", diags, false)?;
        functions.map_err(|e| self.fail(format!("declared a function infra cannot read: {e}")))
    }

    /// The same provider with at most `n` RPCs in flight (at least one);
    /// a second configuration of it (an alias) gets the same limit.
    pub fn with_concurrency(mut self, n: usize) -> PluginProvider {
        let n = n.max(1);
        self.limit = Arc::new(Semaphore::new(n));
        self.concurrency = n;
        self
    }

    /// The same provider, owning the process it talks to, started from
    /// `executable`.
    pub fn with_process(
        mut self,
        process: super::start::ProcessGuard,
        executable: &std::path::Path,
    ) -> PluginProvider {
        self.process = Some(process);
        self.executable = Some(executable.to_path_buf());
        self
    }

    /// The same provider with other RPC timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> PluginProvider {
        self.timeouts = timeouts;
        self
    }

    fn fail(&self, message: String) -> Failure {
        infra_engine::provider::error(format!("provider `{}` {message}", self.name))
    }

    /// The warnings of an answer to `rpc`; `Err` with all diagnostics
    /// when any is an error, and an error when the provider deferred the
    /// change (infra asks for no deferrals, as Terraform does when they
    /// are off).
    fn accept(
        &self,
        rpc: &str,
        diags: Vec<Diagnostic>,
        deferred: bool,
    ) -> Result<Vec<Diagnostic>, Failure> {
        if diags.iter().any(Diagnostic::is_error) {
            Err(diags)
        } else if deferred {
            Err(self.fail(format!(
                "deferred {rpc}, which infra does not support (it asked for no deferrals)"
            )))
        } else {
            Ok(diags)
        }
    }

    /// ReadResource of `state` (msgpack) with its private bytes: the
    /// object now, `None` when it is gone.
    async fn read_object(
        &self,
        type_name: &str,
        ty: &Type,
        state: Vec<u8>,
        private: Vec<u8>,
    ) -> Result<Option<Stored>, Failure> {
        let t = type_name.to_string();
        let r = self
            .run(
                "ReadResource",
                self.timeouts.other,
                call!(self.conn, read(t, state, private)),
            )
            .await?;
        self.accept("ReadResource", r.diagnostics, r.deferred)?;
        let new = self.decode(type_name, ty, &r.state, "state")?;
        Ok((!new.is_null()).then_some(Stored {
            value: new,
            private: r.private,
        }))
    }

    /// Awaits one RPC with a timeout; a transport failure or a hang
    /// becomes an error naming the provider and the RPC.
    async fn run<T>(
        &self,
        rpc: &str,
        timeout: Duration,
        fut: impl Future<Output = Result<T, tonic::Status>>,
    ) -> Result<T, Failure> {
        // A closed semaphore (never closed) would only lift the limit.
        let _permit = if rpc == "StopProvider" {
            None
        } else {
            self.limit.acquire().await.ok()
        };
        tracing::debug!(provider = %self.name, rpc, "calling the plugin");
        match tokio::time::timeout(timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(status)) => Err(self.transport(rpc, &status)),
            Err(_) => Err(self.fail(format!(
                "did not answer {rpc} within {} s; the plugin may be hung",
                timeout.as_secs()
            ))),
        }
    }

    /// The failure for an RPC that ended in a gRPC error status. A
    /// status that says the connection broke (the plugin exited or
    /// crashed) is told apart from the provider refusing the call.
    fn transport(&self, rpc: &str, status: &tonic::Status) -> Failure {
        use tonic::Code;
        let message = status.message();
        let lower = message.to_ascii_lowercase();
        let gone = match status.code() {
            Code::Unavailable => true,
            Code::Unknown | Code::Cancelled | Code::Internal => [
                "transport",
                "connection",
                "h2 protocol",
                "broken pipe",
                "reset",
            ]
            .iter()
            .any(|w| lower.contains(w)),
            _ => false,
        };
        if gone {
            let mut failure = self.fail(format!(
                "stopped answering during {rpc} (the plugin process may have exited or crashed): {message}"
            ));
            if let Some((pid, tail)) = self
                .process
                .as_ref()
                .map(super::start::ProcessGuard::describe)
            {
                let pid = pid.map_or(String::new(), |p| format!(" (pid {p})"));
                for d in &mut failure {
                    d.help = Some(if tail.is_empty() {
                        format!("The plugin process{pid} wrote nothing on stderr.")
                    } else {
                        format!("The plugin process{pid} last wrote on stderr:\n{tail}")
                    });
                }
            }
            failure
        } else if status.code() == Code::Unimplemented {
            self.fail(format!("does not implement {rpc}"))
        } else {
            self.fail(format!("failed {rpc}: {:?}: {message}", status.code()))
        }
    }

    /// Runs an RPC from a synchronous method (`plan`, `validate`).
    ///
    /// The future is spawned on the runtime that owns the channel and the
    /// caller waits on a std channel, so no `block_on` ever runs inside an
    /// async context. On a worker thread of a multi-threaded runtime the
    /// wait is wrapped in `block_in_place`, which hands the worker's other
    /// tasks to another thread first, so blocking cannot starve the
    /// connection task. The planner calls from outside the runtime (it
    /// uses `rt.block_on` for data sources), where a plain wait is fine.
    /// A current-thread runtime cannot run the RPC while its only thread
    /// waits, so the channel's runtime must be multi-threaded (`connect`'s
    /// precondition; the CLI's is).
    fn block<T: Send + 'static>(
        &self,
        rpc: &'static str,
        timeout: Duration,
        fut: impl Future<Output = Result<T, tonic::Status>> + Send + 'static,
    ) -> Result<T, Failure> {
        if self.handle.runtime_flavor() != RuntimeFlavor::MultiThread {
            return Err(self.fail(format!(
                "cannot be called synchronously ({rpc}): its channel runs on a current-thread runtime"
            )));
        }
        tracing::debug!(provider = %self.name, rpc, "calling the plugin");
        // The timer is made inside the runtime (it needs its context);
        // the wait for a permit does not count against the timeout.
        let limit = self.limit.clone();
        let received = wait_for(&self.handle, async move {
            let _permit = limit.acquire_owned().await.ok();
            tokio::time::timeout(timeout, fut).await
        });
        match received {
            Some(Ok(Ok(v))) => Ok(v),
            Some(Ok(Err(status))) => Err(self.transport(rpc, &status)),
            Some(Err(_)) => Err(self.fail(format!(
                "did not answer {rpc} within {} s; the plugin may be hung",
                timeout.as_secs()
            ))),
            None => Err(self.fail(format!("could not run {rpc}: the runtime is shutting down"))),
        }
    }

    /// The state type of a resource type or data source.
    fn type_of(&self, type_name: &str, data: bool) -> Result<Type, Failure> {
        let schemas = if data {
            &self.schema.data_sources
        } else {
            &self.schema.resources
        };
        schemas
            .get(type_name)
            .map(|s| s.object_type())
            .ok_or_else(|| {
                self.fail(format!(
                    "has no {} `{type_name}`",
                    if data { "data source" } else { "resource type" }
                ))
            })
    }

    /// `value` (possibly `None` = null) as msgpack for `type_name`, with
    /// absent top-level blocks as Terraform sends them: `[]` for LIST and
    /// SET, `{}` for MAP, an object of nulls for GROUP.
    fn encode(
        &self,
        type_name: &str,
        ty: &Type,
        value: Option<&Value>,
    ) -> Result<Vec<u8>, Failure> {
        let Some(value) = value else {
            return Ok(vec![0xc0]);
        };
        let normalized;
        let value = match (self.blocks.get(type_name), value) {
            (Some(blocks), Value::Object(m)) if !blocks.is_empty() => {
                normalized = Value::Object(fill_blocks(m, blocks, ty));
                &normalized
            }
            _ => value,
        };
        wire::encode(value, ty)
            .map_err(|e| self.fail(format!("cannot be sent this `{type_name}` value: {e}")))
    }

    fn decode(
        &self,
        type_name: &str,
        ty: &Type,
        dv: &rpc::Dv,
        what: &str,
    ) -> Result<Value, Failure> {
        wire::decode(&dv.msgpack, &dv.json, ty).map_err(|e| {
            self.fail(format!(
                "returned a {what} for `{type_name}` that does not fit its schema: {e}"
            ))
        })
    }
}

/// Runs `fut` on `handle`'s runtime and waits for its output from
/// synchronous code (see [`PluginProvider::block`] for why this cannot
/// deadlock on a multi-threaded runtime). `None` when the runtime shut
/// down first.
fn wait_for<T: Send + 'static>(
    handle: &Handle,
    fut: impl Future<Output = T> + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = tx.send(fut.await);
    });
    let wait = || rx.recv().ok();
    let on_worker =
        Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
    if on_worker {
        tokio::task::block_in_place(wait)
    } else {
        wait()
    }
}

/// `m` with every absent (null) block in `blocks` replaced by its empty
/// form (Terraform's `plan_valid.go`: "a list of nested blocks must be
/// empty to indicate no blocks, not null").
fn fill_blocks(m: &ValueMap, blocks: &BTreeMap<String, Nesting>, ty: &Type) -> ValueMap {
    let mut out = m.clone();
    let Type::Object(o) = ty else { return out };
    for (name, nesting) in blocks {
        let Some(attr_ty) = o.attrs.get(name) else {
            continue;
        };
        if !out.get(name).is_none_or(|v| matches!(v, Value::Null(_))) {
            continue;
        }
        let empty = match (nesting, attr_ty) {
            (Nesting::List, Type::List(t)) => Value::List((**t).clone(), Vec::new()),
            (Nesting::Set, Type::Set(t)) => Value::Set((**t).clone(), Vec::new()),
            (Nesting::Map, Type::Map(t)) => Value::Map((**t).clone(), ValueMap::new()),
            (Nesting::List | Nesting::Map, Type::Any) => Value::Tuple(Vec::new()),
            (Nesting::Group, Type::Object(inner)) => Value::Object(
                inner
                    .attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), Value::Null(t.clone())))
                    .collect(),
            ),
            _ => continue,
        };
        out.insert(name.clone(), empty);
    }
    out
}

#[async_trait::async_trait]
impl Provider for PluginProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// Every call is a gRPC round trip to the plugin process.
    fn is_remote(&self) -> bool {
        true
    }

    /// Another process of the same plugin, for a second configuration
    /// (`provider "NAME" { alias = ... }`): one process per provider
    /// configuration, as Terraform runs them. A plugin that cannot start
    /// again becomes a provider whose `configure` reports why.
    fn new_instance(&self) -> Option<std::sync::Arc<dyn Provider>> {
        let executable = self.executable.clone()?;
        let name = self.name.clone();
        let started = wait_for(&self.handle, async move {
            super::start::start(&name, &executable).await
        });
        let failure = match started {
            Some(Ok(p)) => return Some(Arc::new(p.with_concurrency(self.concurrency))),
            Some(Err(failure)) => failure,
            None => self.fail("could not be started again: the runtime is shutting down".into()),
        };
        Some(std::sync::Arc::new(super::start::Unstarted {
            name: self.name.clone(),
            schema: self.schema.clone(),
            failure,
        }))
    }

    /// ValidateProviderConfig (v5: PrepareProviderConfig, whose prepared
    /// config Terraform ignores too), then ConfigureProvider. Skipped
    /// while the configuration holds unknowns, as Terraform's providers
    /// are during a plan that depends on other resources. Warnings are
    /// dropped (the trait has no place for them yet). The configuration
    /// this process was last configured with is not sent again (one run
    /// configures before planning and again before applying, as
    /// Terraform does in its two walks, but with one process).
    async fn configure(&self, config: Value) -> Result<(), Failure> {
        if config.has_unknown() {
            return Ok(());
        }
        let ty = self.schema.provider.object_type();
        let bytes = wire::encode(&config, &ty)
            .map_err(|e| self.fail(format!("cannot be sent its configuration: {e}")))?;
        let same = self
            .configured
            .lock()
            .is_ok_and(|c| c.as_deref() == Some(&bytes[..]));
        if same {
            return Ok(());
        }
        let b = bytes.clone();
        let diags = self
            .run(
                "ValidateProviderConfig",
                self.timeouts.other,
                call!(self.conn, validate_provider(b)),
            )
            .await?;
        self.accept("ValidateProviderConfig", diags, false)?;
        let b = bytes.clone();
        let diags = self
            .run(
                "ConfigureProvider",
                self.timeouts.other,
                call!(self.conn, configure(b)),
            )
            .await?;
        self.accept("ConfigureProvider", diags, false)?;
        if let Ok(mut c) = self.configured.lock() {
            *c = Some(bytes);
        }
        Ok(())
    }

    /// ValidateResourceConfig (v5: ValidateResourceTypeConfig); a failed
    /// call is an error diagnostic.
    fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        let result = self.type_of(type_name, false).and_then(|ty| {
            let config = self.encode(type_name, &ty, Some(config))?;
            let type_name = type_name.to_string();
            self.block(
                "ValidateResourceConfig",
                self.timeouts.other,
                call!(self.conn, validate_resource(type_name, config)),
            )
        });
        result.unwrap_or_else(|failure| failure)
    }

    /// ValidateDataResourceConfig (v5: ValidateDataSourceConfig); a failed
    /// call is an error diagnostic.
    fn validate_data(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        let result = self.type_of(type_name, true).and_then(|ty| {
            let config = self.encode(type_name, &ty, Some(config))?;
            let type_name = type_name.to_string();
            self.block(
                "ValidateDataResourceConfig",
                self.timeouts.other,
                call!(self.conn, validate_data(type_name, config)),
            )
        });
        result.unwrap_or_else(|failure| failure)
    }

    /// CallFunction: each argument sent as msgpack of its parameter's
    /// type (the variadic parameter's beyond the positional ones), the
    /// result decoded with the return type, as Terraform's
    /// `GRPCProvider.CallFunction`. The function's error keeps the
    /// argument it names; a failed RPC is an error of the whole call.
    fn call_function(&self, name: &str, args: Vec<Value>) -> Result<Value, FunctionError> {
        let whole = |text: String| FunctionError {
            text,
            argument: None,
        };
        let sig =
            self.schema.functions.get(name).ok_or_else(|| {
                whole(format!("provider `{}` has no function `{name}`", self.name))
            })?;
        let mut encoded = Vec::with_capacity(args.len());
        for (i, arg) in args.iter().enumerate() {
            let param = sig
                .parameters
                .get(i)
                .or(sig.variadic.as_ref())
                .ok_or_else(|| whole(format!("too many arguments for function `{name}`")))?;
            encoded.push(wire::encode(arg, &param.ty).map_err(|e| FunctionError {
                text: format!("cannot be sent to the provider: {e}"),
                argument: Some(i),
            })?);
        }
        let n = name.to_string();
        let called = self
            .block(
                "CallFunction",
                self.timeouts.other,
                call!(self.conn, call_function(n, encoded)),
            )
            .map_err(|failure| {
                whole(
                    failure
                        .into_iter()
                        .map(|d| d.message)
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })?;
        match called {
            rpc::Called::Result(dv) => {
                wire::decode(&dv.msgpack, &dv.json, &sig.result).map_err(|e| {
                    whole(format!(
                        "provider `{}` returned a result that does not fit the function's return type: {e}",
                        self.name
                    ))
                })
            }
            rpc::Called::Error(text, argument) => Err(FunctionError {
                text,
                argument: argument.and_then(|i| usize::try_from(i).ok()),
            }),
        }
    }

    /// StopProvider (v5: Stop) on Ctrl-C: the plugin asks its running
    /// calls to return early. Its answer is only logged; a plugin that
    /// does not answer within the RPC timeout is left to the shutdown.
    async fn stop(&self) {
        match self
            .run(
                "StopProvider",
                self.timeouts.other,
                call!(self.conn, stop()),
            )
            .await
        {
            Ok(e) if e.is_empty() => tracing::debug!(provider = %self.name, "stopped"),
            Ok(e) => tracing::warn!(provider = %self.name, "StopProvider: {e}"),
            Err(f) => {
                for d in f {
                    tracing::warn!(provider = %self.name, "StopProvider: {}", d.message);
                }
            }
        }
    }

    /// PlanResourceChange with prior (null on create), Terraform's
    /// proposed new state (computed from prior and config as Terraform
    /// does; the engine's `request.proposed` is infra's own), config and
    /// the prior private bytes. The engine filters `requires_replace`
    /// to paths that changed and checks the plan as Terraform does,
    /// tolerating a legacy-SDK provider's inconsistencies.
    fn plan(&self, request: PlanRequest<'_>) -> Result<PlannedState, Failure> {
        let type_name = request.type_name.to_string();
        let ty = self.type_of(&type_name, false)?;
        let prior = self.encode(&type_name, &ty, request.prior)?;
        // Terraform's proposal (`objchange.ProposedNew`), not infra's:
        // computed attributes the configuration leaves unset are null on
        // create, and nested blocks and attributes keep their prior
        // computed values as Terraform matches them.
        let proposed = match self.schema.resources.get(&type_name) {
            Some(s) => infra_engine::plan::proposed_new(s, request.prior, request.config),
            None => request.proposed,
        };
        let proposed = self.encode(&type_name, &ty, Some(&proposed))?;
        let config = self.encode(&type_name, &ty, Some(request.config))?;
        let t = type_name.clone();
        let prior_private = request.prior_private.to_vec();
        let r = self.block(
            "PlanResourceChange",
            self.timeouts.other,
            call!(self.conn, plan(t, prior, proposed, config, prior_private)),
        )?;
        let warnings = self.accept("PlanResourceChange", r.diagnostics, r.deferred)?;
        let planned = self.decode(&type_name, &ty, &r.planned, "planned state")?;
        let requires_replace = r
            .requires_replace
            .iter()
            .map(|path| crate::diag::to_path_steps(path))
            .collect();
        Ok(PlannedState {
            planned,
            requires_replace,
            private: r.private,
            legacy_type_system: r.legacy_type_system,
            warnings,
        })
    }

    /// ApplyResourceChange with the configuration and the planned private
    /// bytes; prior/planned/config null as the change needs (delete:
    /// planned and config null).
    async fn apply(&self, request: ApplyRequest) -> Result<Applied, Failure> {
        let type_name = request.type_name;
        let ty = self.type_of(&type_name, false)?;
        let prior = self.encode(&type_name, &ty, request.prior.as_ref())?;
        let planned = self.encode(&type_name, &ty, request.planned.as_ref())?;
        let config = self.encode(&type_name, &ty, request.config.as_ref())?;
        let t = type_name.clone();
        let private = request.planned_private;
        let r = self
            .run(
                "ApplyResourceChange",
                self.timeouts.apply,
                call!(self.conn, apply(t, prior, planned, config, private)),
            )
            .await?;
        self.accept("ApplyResourceChange", r.diagnostics, false)?;
        let new = self.decode(&type_name, &ty, &r.new_state, "new state")?;
        Ok(Applied {
            state: (!new.is_null()).then_some(new),
            private: r.private,
            legacy_type_system: r.legacy_type_system,
        })
    }

    /// ReadResource with the stored private bytes; a null new state means
    /// the object is gone.
    async fn read(
        &self,
        type_name: &str,
        state: Value,
        private: &[u8],
    ) -> Result<Option<Stored>, Failure> {
        let ty = self.type_of(type_name, false)?;
        let state = self.encode(type_name, &ty, Some(&state))?;
        self.read_object(type_name, &ty, state, private.to_vec())
            .await
    }

    /// UpgradeResourceState: the plugin turns state stored by schema
    /// version `version` (raw JSON, as in the state file) into its current
    /// schema, as Terraform asks it to.
    async fn upgrade_state(
        &self,
        type_name: &str,
        version: u64,
        raw_json: &[u8],
    ) -> Result<Value, Failure> {
        let ty = self.type_of(type_name, false)?;
        let version = i64::try_from(version).map_err(|_| {
            self.fail(format!(
                "cannot upgrade `{type_name}` state of version {version}"
            ))
        })?;
        let t = type_name.to_string();
        let raw = raw_json.to_vec();
        let (dv, diags) = self
            .run(
                "UpgradeResourceState",
                self.timeouts.other,
                call!(self.conn, upgrade(t, version, raw)),
            )
            .await?;
        self.accept("UpgradeResourceState", diags, false)?;
        self.decode(type_name, &ty, &dv, "upgraded state")
    }

    /// The plugin's `server_capabilities.move_resource_state`.
    fn moves_across_types(&self) -> bool {
        self.move_resource_state
    }

    /// MoveResourceState: the plugin turns the stored object of another
    /// type (raw JSON, as in the state file) into one of `target_type`.
    async fn move_state(&self, request: MoveRequest) -> Result<Stored, Failure> {
        let target = request.target_type;
        let ty = self.type_of(&target, false)?;
        let version = i64::try_from(request.source_version).map_err(|_| {
            self.fail(format!(
                "cannot move state of schema version {}",
                request.source_version
            ))
        })?;
        let (address, source, raw, private, t) = (
            request.source_provider,
            request.source_type,
            request.source_state,
            request.source_private,
            target.clone(),
        );
        let r = self
            .run(
                "MoveResourceState",
                self.timeouts.other,
                call!(
                    self.conn,
                    move_state(address, source, version, raw, t, private)
                ),
            )
            .await?;
        self.accept("MoveResourceState", r.diagnostics, false)?;
        let value = self.decode(&target, &ty, &r.state, "moved state")?;
        if value.is_null() {
            return Err(self.fail(format!("returned no `{target}` object for a move")));
        }
        Ok(Stored {
            value,
            private: r.private,
        })
    }

    /// ReadDataSource.
    async fn read_data(&self, type_name: &str, config: Value) -> Result<Value, Failure> {
        let ty = self.type_of(type_name, true)?;
        let config = self.encode(type_name, &ty, Some(&config))?;
        let t = type_name.to_string();
        let r = self
            .run(
                "ReadDataSource",
                self.timeouts.other,
                call!(self.conn, read_data(t, config)),
            )
            .await?;
        self.accept("ReadDataSource", r.diagnostics, r.deferred)?;
        self.decode(type_name, &ty, &r.state, "data source result")
    }

    /// ImportResourceState, then ReadResource of every imported object,
    /// as Terraform does (an object that reads back as gone is an error).
    async fn import(&self, type_name: &str, id: &str) -> Result<Vec<Imported>, Failure> {
        let t = type_name.to_string();
        let i = id.to_string();
        let r = self
            .run(
                "ImportResourceState",
                self.timeouts.other,
                call!(self.conn, import(t, i)),
            )
            .await?;
        self.accept("ImportResourceState", r.diagnostics, r.deferred)?;
        if r.objects.is_empty() {
            return Err(self.fail(format!("imported no `{type_name}` object for this id")));
        }
        let mut out = Vec::new();
        for (imported_type, dv, private) in r.objects {
            let imported_type = if imported_type.is_empty() {
                type_name.to_string()
            } else {
                imported_type
            };
            let ty = self.type_of(&imported_type, false)?;
            let state = self.decode(&imported_type, &ty, &dv, "imported state")?;
            let state = self.encode(&imported_type, &ty, Some(&state))?;
            let object = self
                .read_object(&imported_type, &ty, state, private)
                .await?
                .ok_or_else(|| {
                    self.fail(format!(
                        "found no `{imported_type}` object with this id (it read back as gone)"
                    ))
                })?;
            out.push(Imported {
                type_name: imported_type,
                object,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
