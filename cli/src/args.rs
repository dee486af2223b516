//! Command-line arguments (clap derive), with Terraform's single-dash long
//! flags (`-chdir=DIR`, `-check`) accepted as well as `--chdir`.

use clap::{Args, Parser, Subcommand};
use infra_engine::plan::{Budget, RefreshMode};
use std::ffi::OsString;
use std::path::PathBuf;

/// infra — infrastructure as code: plan, apply and detect drift.
#[derive(Debug, Parser)]
#[command(name = "infra", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Switch to DIR before doing anything else (like `terraform -chdir`).
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Never colour output (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration for errors without contacting any provider.
    ///
    /// Reports every problem at once, each with a stable code.
    /// Exit code: 0 when valid, 1 when any error was found.
    ///
    /// Example: infra validate --json
    Validate(ValidateArgs),
    /// Rewrite .infra files in the canonical layout (identical to `terraform fmt`).
    ///
    /// Exit code: 0 when every file is (now) formatted, 1 on a syntax error,
    /// 3 with --check when a file needs formatting.
    ///
    /// Example: infra fmt --check --diff
    Fmt(FmtArgs),
    /// Evaluate an expression in the context of the configuration.
    ///
    /// Variables, locals, consts, functions, modules and resources can be
    /// referenced as in a .infra file; nothing is planned or applied, and
    /// values that only a provider can tell are `(known after apply)`.
    /// Exit code: 0 with the value printed, 1 on an error.
    ///
    /// Example: infra eval 'upper(local.prefix)' -var team=web
    Eval(EvalArgs),
    /// Read expressions from standard input, one per line, and print each
    /// value (an interactive session in a terminal). `exit` or end of input
    /// stops it.
    ///
    /// Example: echo 'cidrsubnet("10.0.0.0/16", 8, 2)' | infra console
    Console(ConsoleArgs),
    /// Prepare the working directory: check the configuration, open the
    /// state store its `backend` block names (creating the local state
    /// directory) and read the state. Safe to run again.
    ///
    /// With --migrate-state, first copy each local workspace's state into
    /// the same workspace of the configured backend (e.g. S3) when that has
    /// no state yet.
    ///
    /// Example: infra init --migrate-state
    Init(InitArgs),
    /// Show what apply would change: refresh every object, compare with the
    /// configuration, and print the changes.
    ///
    /// Exit code: 0 on success (with --detailed-exitcode: 0 no changes,
    /// 2 changes), 1 on an error.
    ///
    /// Example: infra plan -out plan.bin --detailed-exitcode
    Plan(PlanArgs),
    /// Detect drift: read every object in state and compare it with what
    /// infra recorded, changing nothing.
    ///
    /// Reports attributes changed outside infra, objects deleted outside
    /// infra, failing `check` blocks and, separately, configuration changes
    /// not yet applied. Read-only: never writes state, takes no lock, never
    /// creates, updates or deletes anything; waits for (`--lock-timeout`)
    /// or refuses to run beside a command changing the state. Accepted
    /// drift is listed in `.infradriftignore` (see docs/drift.md).
    /// Exit code: 0 no drift, 2 drift found (even when some objects could
    /// not be read), 1 an error and no drift.
    ///
    /// Example: infra drift --format markdown > drift.md
    Drift(DriftArgs),
    /// Make the changes: carry out a saved plan, or plan and ask first.
    ///
    /// Without --auto-approve it asks for `yes`, and refuses to run when
    /// standard input is not a terminal. Exit code: 0 when every change was
    /// made, 1 otherwise (the summary says what succeeded, failed and was
    /// skipped).
    ///
    /// Example: infra apply --auto-approve
    Apply(ApplyArgs),
    /// Delete every object in state (dependents first).
    ///
    /// Example: infra destroy --auto-approve
    Destroy(ApplyArgs),
    /// Return to an earlier run, or finish an interrupted rollback.
    ///
    /// `infra rollback RUN` plans the return to the configuration and
    /// variables recorded by that successful apply (RUN as `infra history
    /// show` takes it) and applies it like `apply`. `infra rollback
    /// --resume` finishes the rollback of `apply --rollback-on-failure`
    /// that a crash interrupted. Exit code: 0 when everything was done,
    /// 1 otherwise. See docs/rollback.md.
    ///
    /// Example: infra rollback 3 --auto-approve
    Rollback(RollbackArgs),
    /// Print the root module's outputs from state.
    ///
    /// Example: infra output --json
    Output(OutputArgs),
    /// Show the state, or a plan saved by `plan -out FILE`, for people or
    /// (with --json) in Terraform's JSON format (`terraform show -json`:
    /// format_version, values / planned_values, resource_changes), so
    /// tools that read Terraform's can read infra's. As in Terraform, the
    /// JSON holds sensitive values in clear, marked in `sensitive_values`;
    /// the human form redacts them.
    ///
    /// Example: infra show -json tfplan | opa eval ...
    Show(ShowArgs),
    /// Inspect and change the state: list, show, rm, mv, pull.
    ///
    /// Example: infra state list
    #[command(subcommand)]
    State(StateCommand),
    /// Manage workspaces: named states of one configuration (dev, staging,
    /// prod), each with its own state in the same backend.
    ///
    /// The selected workspace is recorded in `.infra/environment`; the
    /// INFRA_WORKSPACE environment variable (else Terraform's TF_WORKSPACE)
    /// overrides it. `infra.workspace` / `terraform.workspace` is its name
    /// in the configuration. Local state of workspace NAME is in
    /// `.infra/state.d/NAME/state.json`; in S3, at
    /// `workspace_key_prefix/NAME/KEY` (`env:/NAME/KEY`). See
    /// docs/environments.md.
    ///
    /// Example: infra workspace new prod
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// The audit log: one record per state-changing run (apply, destroy,
    /// import, state edits, workspace delete, force-unlock) with who, when,
    /// the command, the configuration's digest and commit, and each
    /// change's result, hash-chained in the state store. See
    /// docs/audit.md.
    ///
    /// Example: infra history --json
    History(HistoryArgs),
    /// Remove the state lock left by a command that crashed.
    ///
    /// Only the lock with this id is removed (the id is in the
    /// `state::locked` error). A lock in S3 outlives a crashed holder; a
    /// local lock is released by the operating system when its process
    /// exits, so there is nothing to force.
    ///
    /// Example: infra force-unlock 0b045d90-8efa-4b24-a2b8-9d0c5f64c7bb
    ForceUnlock(ForceUnlockArgs),
    /// Bring an existing object under infra's management.
    ///
    /// The configuration must already declare ADDRESS (a `resource`
    /// block); the provider reads the object by ID — a bucket's name for
    /// `aws_s3_bucket`, `BUCKET/KEY` for `aws_s3_object` — and records it in
    /// state. Run `infra plan` afterwards to see how the configuration
    /// differs from the real object. Exit code: 0 imported, 1 on an error.
    ///
    /// Example: infra import aws_s3_bucket.logs acme-logs
    Import(ImportArgs),
    /// Print the resource dependency graph in DOT (Graphviz).
    ///
    /// Example: infra graph | dot -Tsvg > graph.svg
    Graph(GraphArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or
    /// PowerShell.
    ///
    /// Load it in the shell's start-up file, e.g. for bash:
    /// `source <(infra completions bash)` in ~/.bashrc; for zsh, write it
    /// to a file named `_infra` in a directory of `$fpath`; for fish, to
    /// ~/.config/fish/completions/infra.fish.
    ///
    /// Example: infra completions bash > /etc/bash_completion.d/infra
    Completions(CompletionsArgs),
    /// Serve infra's built-in providers to Terraform and OpenTofu.
    ///
    /// Example: infra provider serve local
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// The providers the configuration and the state need, by source
    /// address (Terraform's `providers`); `providers schema --json` prints
    /// their schemas in Terraform's `providers schema -json` format.
    ///
    /// Example: infra providers schema -json > schemas.json
    Providers(ProvidersArgs),
    /// Run the language server for editors (LSP over standard input and
    /// output): diagnostics as `infra validate` reports them, completion,
    /// hover, go to definition, references, rename (a resource's rename
    /// adds its `moved` block), formatting as `infra fmt`, symbols and
    /// folding. Editors start it; see docs/editors.md.
    ///
    /// Exit code: 0 after the client's shutdown and exit, 1 when the
    /// connection broke.
    ///
    /// Example: infra lsp
    Lsp(LspArgs),
}

/// `infra lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Talk over standard input and output (the only transport; accepted
    /// because editors' LSP clients pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// `infra workspace ...`.
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces, `*` marking the selected one.
    ///
    /// Example: infra workspace list
    List(WorkspaceBackendArgs),
    /// Print the selected workspace's name.
    ///
    /// Example: infra workspace show
    Show,
    /// Create a workspace and select it. Its state starts empty.
    ///
    /// Example: infra workspace new staging
    New {
        /// The name: letters, digits and `-._~$&+:=@`.
        name: String,
        /// The backend's consts.
        #[command(flatten)]
        backend: WorkspaceBackendArgs,
    },
    /// Select a workspace: later commands use its state.
    ///
    /// Example: infra workspace select prod
    Select {
        /// The workspace.
        name: String,
        /// Create the workspace when it does not exist.
        #[arg(long)]
        or_create: bool,
        /// The backend's consts.
        #[command(flatten)]
        backend: WorkspaceBackendArgs,
    },
    /// Delete a workspace and its state. Refused for `default`, for the
    /// selected workspace, and (without --force) for a workspace whose
    /// state still tracks objects.
    ///
    /// Example: infra workspace delete staging
    Delete {
        /// The workspace.
        name: String,
        /// Delete even when its state tracks objects: they stay in the
        /// real world, no longer managed by infra.
        #[arg(long)]
        force: bool,
        /// The backend's consts.
        #[command(flatten)]
        backend: WorkspaceBackendArgs,
    },
}

/// What workspace commands need of the backend.
#[derive(Debug, Args, Clone)]
pub struct WorkspaceBackendArgs {
    /// Override a const's default for the backend block: `--const NAME=VALUE`.
    #[arg(long = "const", value_name = "NAME=VALUE")]
    pub consts: Vec<String>,
    /// How long to wait for the state lock (delete), as Terraform writes
    /// durations: `0s` (default), `30s`.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
}

/// `infra provider ...`.
#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Serve a built-in provider (`local`, `random`, `infra`, `aws`) over
    /// the Terraform plugin protocol 6, so Terraform and OpenTofu can use
    /// it.
    ///
    /// Terraform runs this, not a person: point a `dev_overrides` entry of
    /// its CLI configuration at a directory holding an executable
    /// `terraform-provider-NAME` that runs `exec infra provider serve NAME`
    /// (docs/providers.md, "Serving infra's providers to
    /// Terraform/OpenTofu"). It checks the magic cookie Terraform sets,
    /// prints go-plugin's one handshake line on standard output (nothing
    /// else goes there), serves over a unix socket (TCP with
    /// `INFRA_PLUGIN_NETWORK=tcp`) with mutual TLS when Terraform asks for
    /// it, and exits when Terraform shuts it down. Exit code: 0 after a
    /// shutdown, 1 when started by hand or the provider is unknown.
    ///
    /// Example: infra provider serve local
    Serve(ServeArgs),
}

/// `infra providers`.
#[derive(Debug, Args)]
pub struct ProvidersArgs {
    /// `schema`: the providers' schemas (needs `--json`).
    #[command(subcommand)]
    pub command: Option<ProvidersCommand>,
    /// Where the state lives (its providers are listed too).
    #[command(flatten)]
    pub state: StateArgs,
    /// Const values for the backend block.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `infra providers ...`.
#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// Print the schemas of the providers the configuration needs, in
    /// Terraform's `providers schema -json` format (format version 1.0).
    ///
    /// Example: infra providers schema -json
    Schema {
        /// Print JSON (required, as in Terraform).
        #[arg(long)]
        json: bool,
    },
}

/// `infra provider serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The built-in provider: `local`, `random`, `infra` or `aws`.
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// `infra completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Where the state lives and how to wait for its lock.
#[derive(Debug, Args, Clone)]
pub struct StateArgs {
    /// The state file (default: .infra/state.json in the configuration
    /// directory).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// How long to wait for the state lock, as Terraform writes durations: `0s` (default), `30s`, `1m30s`.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
    /// `--lock=false` runs without taking the state lock (Terraform's
    /// `-lock=false`): only when you know no other command can run at the
    /// same time, e.g. to read a state whose lock is stuck.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub lock: bool,
}

impl Default for StateArgs {
    /// The flags' defaults: the configured store, no waiting, locking.
    fn default() -> StateArgs {
        StateArgs {
            state: None,
            lock_timeout: "0s".into(),
            lock: true,
        }
    }
}

/// `infra init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where the state lives (with --migrate-state: the local file to copy
    /// from).
    #[command(flatten)]
    pub state: StateArgs,
    /// Copy each local workspace's state file (.infra/state.json and
    /// .infra/state.d/NAME/state.json; or only --state FILE, into the
    /// selected workspace) into the same workspace of the backend the
    /// configuration names, when that has no state yet. Without local
    /// infra state, takes over Terraform's (terraform.tfstate and
    /// terraform.tfstate.d/NAME/terraform.tfstate, or --state FILE),
    /// leaving Terraform's files untouched.
    #[arg(long)]
    pub migrate_state: bool,
    /// Complete the `backend` block: `KEY=VALUE`, or a file of `key =
    /// "value"` lines (repeatable; Terraform's `-backend-config`). Kept in
    /// .infra/backend-config.json for later commands (replacing what an
    /// earlier init kept).
    #[arg(long, value_name = "KEY=VALUE|FILE")]
    pub backend_config: Vec<String>,
    /// Forget the `-backend-config` settings an earlier init kept
    /// (Terraform's `-reconfigure`); the state is not copied anywhere.
    #[arg(long, conflicts_with = "migrate_state")]
    pub reconfigure: bool,
    /// Accepted for Terraform's scripts: `infra init` never asks anything.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub input: bool,
    /// Print each message as a JSON object on its own line, and errors as
    /// JSON diagnostics (Terraform's `init -json`).
    #[arg(long)]
    pub json: bool,
    /// Select the newest provider versions the constraints allow, ignoring
    /// the versions the lock file (.infra.lock.hcl) selected.
    #[arg(long)]
    pub upgrade: bool,
    /// Override a const's default for the backend block: `--const NAME=VALUE`.
    #[arg(long = "const", value_name = "NAME=VALUE")]
    pub consts: Vec<String>,
}

/// `infra import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The resource address to import into, e.g. `aws_s3_bucket.logs` or
    /// `aws_s3_object.page["index.html"]`.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The provider's id of the existing object.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Variables and consts.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Where the state lives.
    #[command(flatten)]
    pub state: StateArgs,
}

/// `infra force-unlock`.
#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The id of the lock, as the `state::locked` error shows it.
    #[arg(value_name = "LOCK_ID")]
    pub lock_id: String,
    /// Accepted for Terraform's `-force`; infra never asks for
    /// confirmation (the id is the confirmation).
    #[arg(long)]
    pub force: bool,
    /// The state file, for the local backend (default:
    /// .infra/state.json in the configuration directory).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Override a const's default for the backend block: `--const NAME=VALUE`.
    #[arg(long = "const", value_name = "NAME=VALUE")]
    pub consts: Vec<String>,
}

/// Options of `plan`, and of `apply`/`destroy` when they plan.
#[derive(Debug, Args, Clone)]
pub struct PlanningArgs {
    /// Variable and const values.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// `--input=false` never asks anything (Terraform's `-input=false`):
    /// an apply that would ask for approval fails instead. infra never
    /// asks for variable values: a missing one is an error.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub input: bool,
    /// Where the state lives.
    #[command(flatten)]
    pub state: StateArgs,
    /// Plan only this resource, instance or module and what it depends on
    /// (repeatable): `--target local_file.page`.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Read `--target` addresses from FILE: one a line, `#` comments and
    /// blank lines ignored (repeatable; mirrors OpenTofu's `-target-file`).
    #[arg(long, value_name = "FILE")]
    pub target_file: Vec<PathBuf>,
    /// Plan everything but this resource, instance or module and what
    /// depends on it (repeatable; mirrors OpenTofu's `-exclude`; not with
    /// `--target`): `--exclude module.legacy`.
    #[arg(long, value_name = "ADDRESS")]
    pub exclude: Vec<String>,
    /// Read `--exclude` addresses from FILE, as `--target-file`.
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Vec<PathBuf>,
    /// Replace this instance even if unchanged (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Which objects to read before planning: `all` (or `true`, the
    /// default) every one; `auto` what the plan changes and what that
    /// depends on, objects last read longer than `--refresh-max-age` ago,
    /// and the stalest others up to `--refresh-budget` (the plan says what
    /// it did not read; docs/performance.md); `false` none.
    #[arg(long, default_value = "all", value_name = "MODE", value_parser = parse_refresh_mode)]
    pub refresh: RefreshMode,
    /// With `--refresh=auto`: also read every object last read (or
    /// written) longer ago than this (`6h`, `90m`; Terraform's duration
    /// syntax), or never recorded.
    #[arg(long, default_value = "24h", value_name = "DURATION", value_parser = parse_max_age)]
    pub refresh_max_age: std::time::Duration,
    /// With `--refresh=auto`: also read this many of the other objects,
    /// stalest first: a count (`50`) or a percentage of the objects in
    /// state (`10%`).
    #[arg(long, default_value = "1%", value_name = "BUDGET", value_parser = parse_budget)]
    pub refresh_budget: Budget,
    /// Provider operations run at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
}

/// `--refresh`'s value ([`RefreshMode::parse`]).
fn parse_refresh_mode(text: &str) -> Result<RefreshMode, String> {
    RefreshMode::parse(text)
}

/// `--refresh-budget`'s and `drift --budget`'s value ([`Budget::parse`]).
pub fn parse_budget(text: &str) -> Result<Budget, String> {
    Budget::parse(text)
}

/// `--refresh-max-age`'s value: Go's duration syntax.
fn parse_max_age(text: &str) -> Result<std::time::Duration, String> {
    infra_stdlib::duration::parse_non_negative(text.trim())
        .map_err(|_| format!("`{text}` is not a duration: write e.g. `6h` or `90m`"))
}

/// `infra plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Planning options.
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Save the plan to FILE for `infra apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON (see docs/plan-json.md) instead of text
    /// (same as `--format json`).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format: `markdown` is a pull-request comment (see
    /// docs/ci.md).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<PlanFormat>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on an error
    /// (mirrors Terraform's `-detailed-exitcode`).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan to destroy every object.
    #[arg(long)]
    pub destroy: bool,
    /// Only read every object and show what changed outside infra, as
    /// Terraform's `plan -refresh-only`: nothing is planned, nothing is
    /// written (`infra apply --refresh-only` records it in state). With
    /// `--detailed-exitcode`, exit 2 when anything changed.
    #[arg(long, conflicts_with_all = ["destroy", "out", "replace"])]
    pub refresh_only: bool,
    /// Write a `resource` block for each object an `import` block imports
    /// into an address that has none, to the new file FILE (refused when
    /// it exists); mirrors Terraform's `-generate-config-out`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["destroy", "refresh_only"])]
    pub generate_config_out: Option<PathBuf>,
}

impl PlanArgs {
    /// The output format asked for: `--json` is `--format json`; human
    /// by default.
    pub fn output_format(&self) -> PlanFormat {
        if self.json {
            PlanFormat::Json
        } else {
            self.format.unwrap_or(PlanFormat::Human)
        }
    }
}

/// Output formats of `infra plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// For people: Terraform's layout (default).
    Human,
    /// The JSON document of docs/plan-json.md.
    Json,
    /// A pull-request comment: summary, destroys called out, one
    /// collapsed diff per resource, capped in size (docs/ci.md).
    Markdown,
}

/// Formats of `infra state pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StateFormat {
    /// infra's state file (docs/state.md).
    Infra,
    /// Terraform's `terraform.tfstate`, format version 4.
    Terraform,
}

/// Output formats of `infra drift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftFormat {
    /// For people: attribute-level diffs (default).
    Human,
    /// The versioned JSON document of docs/drift.md.
    Json,
    /// A report ready to post to an issue.
    Markdown,
}

/// `infra drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Variable and const values (the configuration is planned to tell
    /// code changes from drift).
    #[command(flatten)]
    pub inputs: InputArgs,
    /// The state file (default: .infra/state.json in the configuration
    /// directory, or what the `backend` block says).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Check only this resource, instance or module (repeatable):
    /// `--target aws_s3_bucket.logs`.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Read `--target` addresses from FILE: one a line, `#` comments and
    /// blank lines ignored (repeatable; mirrors OpenTofu's `-target-file`).
    #[arg(long, value_name = "FILE")]
    pub target_file: Vec<PathBuf>,
    /// Check everything but this resource, instance or module and what
    /// depends on it (repeatable; mirrors OpenTofu's `-exclude`; not with
    /// `--target`): `--exclude module.legacy`.
    #[arg(long, value_name = "ADDRESS")]
    pub exclude: Vec<String>,
    /// Read `--exclude` addresses from FILE, as `--target-file`.
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Vec<PathBuf>,
    /// Provider reads run at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// Read only a slice of the objects, the stalest first by when any
    /// command last read them (a count `50` or a percentage of the objects
    /// `10%`), so scheduled runs cover the estate in turn: every object
    /// within ceil(100/P) runs. Drift records what it read in a ledger
    /// beside the state (it still never writes the state); the report
    /// says the coverage.
    #[arg(long, value_name = "BUDGET", value_parser = parse_budget)]
    pub budget: Option<Budget>,
    /// Print the JSON document (same as `--format json`).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<DriftFormat>,
    /// How long to wait while another command (e.g. an apply) holds the
    /// state lock: `0s` (default: refuse at once), `30s`, `10m`. Drift
    /// never takes the lock itself.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
}

/// `infra apply` and `infra destroy`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved by `infra plan -out FILE`; without it, plan first.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<PathBuf>,
    /// Planning options (ignored with a plan file, except state and
    /// parallelism).
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Don't ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Accept drift into state instead of changing anything: read every
    /// object, show what changed outside infra, and (after confirmation)
    /// record it in state; objects deleted outside infra leave the state.
    #[arg(long, conflicts_with = "plan_file")]
    pub refresh_only: bool,
    /// Print progress and the result as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// After an interrupt (Ctrl-C, SIGTERM), how long to wait for running
    /// operations before abandoning them: `30s` (default), `2m`. A second
    /// interrupt abandons them at once. Either way the state is saved with
    /// everything completed so far.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub stop_timeout: String,
    /// When an operation fails, start nothing new, let running operations
    /// finish, then undo this run's completed operations (delete what it
    /// created, restore what it updated where the provider can) and exit 1
    /// with a summary of what was and was not rolled back (docs/rollback.md).
    #[arg(long, conflicts_with = "refresh_only")]
    pub rollback_on_failure: bool,
}

/// `infra rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The run to return to: its number, run id or an id prefix of at
    /// least 4 characters (as `infra history` shows).
    #[arg(value_name = "RUN")]
    pub run: Option<String>,
    /// Finish the rollback a crash interrupted instead.
    #[arg(long, conflicts_with = "run")]
    pub resume: bool,
    /// Planning options: state, parallelism, and the variables a snapshot
    /// cannot hold (sensitive ones, without state encryption).
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Don't ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Print progress and the result as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// After an interrupt, how long to wait for running operations before
    /// abandoning them (as `apply`'s).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub stop_timeout: String,
}

/// `infra output`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Only this output.
    pub name: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the value as a raw string (strings, numbers, bools only).
    #[arg(long)]
    pub raw: bool,
    /// Show sensitive values instead of redacting them.
    #[arg(long)]
    pub show_sensitive: bool,
    /// Where the state lives.
    #[command(flatten)]
    pub state: StateArgs,
    /// Const values for the backend block (variables are accepted and
    /// checked, as by plan).
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `infra show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved by `infra plan -out FILE`; without it, the state.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<PathBuf>,
    /// Print Terraform's JSON representation (state: format version 1.0;
    /// plan: 1.2; see docs/terraform-json.md).
    #[arg(long)]
    pub json: bool,
    /// Where the state lives.
    #[command(flatten)]
    pub state: StateArgs,
    /// Const values for the backend block, and variables for the
    /// `encryption` block.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `infra graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Variable and const values.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `infra state ...`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List resource instances in state (optionally only those matching
    /// the addresses given).
    ///
    /// Example: infra state list module.web
    List {
        /// Addresses or prefixes: `module.web`, `local_file.page`.
        addresses: Vec<String>,
        /// Where the state lives.
        #[command(flatten)]
        state: StateArgs,
        /// Const values for the backend block (and variables, checked).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Show one instance's attributes (sensitive ones redacted).
    ///
    /// Example: infra state show 'aws_s3_object.site["index.html"]'
    Show {
        /// The instance address.
        address: String,
        /// Print the instance as JSON (`address`, `module`, `mode`, `type`,
        /// `name`, `index`, `provider`, `values` with sensitive parts
        /// `null`, `sensitive_values` their paths); see docs/cli.md.
        #[arg(long)]
        json: bool,
        /// Where the state lives.
        #[command(flatten)]
        state: StateArgs,
        /// Const values for the backend block (and variables, checked).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Forget instances: remove them from state without deleting the
    /// real objects.
    ///
    /// Example: infra state rm aws_s3_bucket.legacy
    Rm {
        /// Instance, resource or module addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
        /// Clear only the records of creates a killed apply left unconfirmed
        /// (`state::pending`) at these addresses, once the real system was
        /// checked; their instances stay.
        #[arg(long)]
        pending: bool,
        /// Where the state lives.
        #[command(flatten)]
        state: StateArgs,
        /// Const values for the backend block (and variables, checked).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Move an instance (or every instance of a resource) to a new address.
    ///
    /// Example: infra state mv aws_s3_bucket.log aws_s3_bucket.logs
    Mv {
        /// The current address.
        source: String,
        /// The new address.
        destination: String,
        /// Where the state lives.
        #[command(flatten)]
        state: StateArgs,
        /// Const values for the backend block (and variables, checked).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Replace the state with a state file (`-` reads standard input),
    /// refusing one of another lineage, an older serial, or a different
    /// state with the same serial, unless `--force`. Mirrors Terraform's
    /// `state push`.
    ///
    /// Example: infra state push backup.json
    Push {
        /// The state file to write, or `-` for standard input.
        file: PathBuf,
        /// Write it even if its lineage or serial says it is unrelated or
        /// older (the replaced state stays in the backup).
        #[arg(long)]
        force: bool,
        /// Where the state lives.
        #[command(flatten)]
        state: StateArgs,
        /// Const values for the backend block (and variables, checked).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Make instances recorded with one provider configuration use
    /// another (`aws.old` to `aws.new`, `aws` to `aws.west`). Mirrors
    /// Terraform's `state replace-provider`, which renames provider
    /// source addresses; infra's state records configurations, and a
    /// provider's source is set in `required_providers`.
    ///
    /// Example: infra state replace-provider aws.legacy aws
    ReplaceProvider {
        /// The configuration instances use now (`NAME` or `NAME.ALIAS`).
        from: String,
        /// The configuration they are to use.
        to: String,
        /// Accepted for Terraform's scripts: infra never asks for
        /// confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// Where the state lives.
        #[command(flatten)]
        state: StateArgs,
        /// Const values for the backend block (and variables, checked).
        #[command(flatten)]
        inputs: InputArgs,
    },
    /// Print the state file to standard output.
    ///
    /// Example: infra state pull > backup.json; infra state pull --format terraform > terraform.tfstate
    Pull {
        /// `infra` (default): infra's state file; `terraform`: Terraform's
        /// state format version 4, which Terraform takes back
        /// (docs/migrating-from-terraform.md).
        #[arg(long, value_enum, default_value = "infra")]
        format: StateFormat,
        /// Where the state lives.
        #[command(flatten)]
        state: StateArgs,
        /// Const values for the backend block (and variables, checked).
        #[command(flatten)]
        inputs: InputArgs,
    },
}

/// `infra history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// `show RUN` or `verify`; without one, every run is listed, oldest
    /// first.
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    /// Print JSON: the list as an array of records, `show` as the record.
    #[arg(long, global = true)]
    pub json: bool,
    /// Where the state lives.
    #[command(flatten)]
    pub state: StateArgs,
    /// Const values for the backend block (and variables, checked).
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `infra history` subcommands.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Show one run: every field of its record.
    ///
    /// Example: infra history show 3f2a9c1e
    Show {
        /// The run id, a unique prefix of it, or the record's number.
        run: String,
    },
    /// Check the log's hash chain: exit 0 when intact, 1 naming the first
    /// record that was changed, removed or reordered.
    ///
    /// Example: infra history verify
    Verify,
}

/// Where variable and const values come from (see docs/variables.md).
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Set a variable: `-var NAME=VALUE` (repeatable). Overrides var files.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a file of `name = value` lines (repeatable, in
    /// order; later files override earlier ones).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Override a const's default: `--const NAME=VALUE` (repeatable).
    #[arg(long = "const", value_name = "NAME=VALUE")]
    pub consts: Vec<String>,
}

/// `infra eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The expression, e.g. `local.tags` or `[for s in var.names : upper(s)]`.
    pub expression: String,
    /// Print `{"value": ..., "type": ..., "sensitive": ..., "known": ...}`.
    #[arg(long)]
    pub json: bool,
    /// Variable and const values.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// The state file whose values resources have (default: the
    /// configuration's backend, else .infra/state.json).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// `infra console`.
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Variable and const values.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// The state file whose values resources have (default: the
    /// configuration's backend, else .infra/state.json).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// `infra validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print diagnostics as a JSON array on standard output.
    #[arg(long)]
    pub json: bool,
    /// Variable and const values: the `backend` block is checked with
    /// them; a const it needs that has no value skips that check only.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `infra fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Don't write files; exit 3 if any file needs formatting.
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the changes.
    #[arg(long)]
    pub diff: bool,
    /// Don't list the files that were (or would be) changed.
    #[arg(long)]
    pub no_list: bool,
    /// Also format files in subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Files or directories to format (default: the current directory);
    /// `-` reads standard input and writes the result to standard output.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Every long flag of every command (`chdir`, `raw`, `auto-approve`...),
/// from the clap definition, so a flag users type with one dash out of
/// Terraform habit (`infra output -raw NAME`) is taken for what it is,
/// whichever command it belongs to.
fn long_flags() -> std::collections::BTreeSet<String> {
    fn walk(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
        for a in cmd.get_arguments() {
            out.extend(a.get_long().map(str::to_string));
            out.extend(
                a.get_all_aliases()
                    .into_iter()
                    .flatten()
                    .map(str::to_string),
            );
        }
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    // clap adds these two itself when it builds the command.
    let mut out: std::collections::BTreeSet<String> = ["help", "version"]
        .into_iter()
        .map(str::to_string)
        .collect();
    walk(&<Cli as clap::CommandFactory>::command(), &mut out);
    out
}

/// Rewrites `-chdir=DIR`-style arguments to `--chdir=DIR`, leaving
/// everything after a bare `--` alone.
pub fn normalize_terraform_flags(argv: Vec<OsString>) -> Vec<OsString> {
    let longs = long_flags();
    let mut out = Vec::with_capacity(argv.len());
    let mut passthrough = false;
    for arg in argv {
        if passthrough {
            out.push(arg);
            continue;
        }
        let Some(s) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if s == "--" {
            passthrough = true;
            out.push(arg);
            continue;
        }
        if let Some(rest) = s.strip_prefix('-')
            && !rest.starts_with('-')
        {
            let name = rest.split('=').next().unwrap_or(rest);
            if name.len() > 1 && longs.contains(name) {
                out.push(OsString::from(format!("-{s}")));
                continue;
            }
        }
        out.push(arg);
    }
    out
}
