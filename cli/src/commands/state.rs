//! `infra state list | show | rm | mv | pull` (and `push`,
//! `replace-provider` in `state_push.rs`): inspect and edit the state
//! without touching real objects. Edits take the lock and write a new
//! serial (the previous version stays in the backup).

use super::workdir;
use super::{OrFail, Outcome};
use crate::args::{InputArgs, StateArgs, StateCommand};
use crate::{Io, exit};
use infra_engine::addr::{ResourceAddress, Target};
use infra_engine::eval::Inputs;
use infra_engine::state::{State, StateStore, file, terraform};
use infra_lang::Diagnostic;
use infra_lang::Value;
use std::path::Path;
use std::sync::Arc;

fn targets(list: &[String]) -> Result<Vec<Target>, Diagnostic> {
    list.iter()
        .map(|t| Target::parse(t).map_err(|e| Diagnostic::error("cli::bad-address", e.to_string())))
        .collect()
}

/// A state command's runtime and store.
pub(super) struct Ctx {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) store: Arc<dyn StateStore>,
}

impl Ctx {
    /// The store of the selected workspace, the backend evaluated with
    /// the consts of `inputs` (every input is checked).
    pub(super) fn open(
        base: &Path,
        args: &StateArgs,
        inputs: &InputArgs,
    ) -> Result<Ctx, Diagnostic> {
        let rt = workdir::runtime()?;
        let consts = Inputs {
            consts: workdir::checked_inputs(inputs, base).map_err(first)?.consts,
            ..Inputs::default()
        };
        let store = workdir::store(base, args, consts).map_err(first)?;
        Ok(Ctx { rt, store })
    }
}

/// The first of `diags` (the backend's errors; state commands print one).
fn first(mut diags: Vec<Diagnostic>) -> Diagnostic {
    if diags.is_empty() {
        Diagnostic::error("backend::invalid", "the backend configuration is not valid")
    } else {
        diags.swap_remove(0)
    }
}

pub(super) fn load(c: &Ctx) -> Result<State, Diagnostic> {
    workdir::read(&c.rt, &*c.store)?.ok_or_else(|| {
        Diagnostic::error(
            "state::empty",
            format!("there is no state at {}", c.store.describe()),
        )
        .with_help("Run `infra apply` first, or pass `--state FILE`.")
    })
}

/// Redacts sensitive parts for display.
pub(super) fn redact(v: &Value) -> Value {
    match v {
        Value::Sensitive(_) => Value::string("(sensitive value)"),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), redact(x))).collect()),
        Value::Map(t, m) => Value::Map(
            t.clone(),
            m.iter().map(|(k, x)| (k.clone(), redact(x))).collect(),
        ),
        Value::Tuple(x) => Value::Tuple(x.iter().map(redact).collect()),
        Value::List(t, x) => Value::List(t.clone(), x.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// Runs `edit` on the state under the lock and writes the result with
/// the next serial; `edit` returns the lines to print.
pub(super) fn mutate(
    c: &Ctx,
    args: &StateArgs,
    op: &str,
    io: &mut Io<'_>,
    edit: impl FnOnce(&mut State) -> Result<Vec<String>, Diagnostic>,
) -> Result<Vec<String>, Diagnostic> {
    let lock = workdir::lock(&c.rt, &*c.store, args, op)?;
    let audit = super::audit::Run::start(op);
    let mut state = load(c)?;
    let before = state.clone();
    let lines = edit(&mut state)?;
    state.serial = state.next_serial().map_err(|e| workdir::state_error(&e))?;
    workdir::write(&c.rt, &*c.store, &state)?;
    audit.finish_edit(io, &c.rt, &*c.store, Some(&before), &state);
    // Released on drop (an S3 lock left behind is reported, with its
    // id, by the next command).
    drop(lock);
    Ok(lines)
}

/// Runs one `infra state` subcommand.
pub fn run(cmd: &StateCommand, base: &Path, io: &mut Io<'_>) -> Outcome {
    let result: Result<Vec<String>, Diagnostic> = match cmd {
        StateCommand::List {
            addresses,
            state,
            inputs,
        } => Ctx::open(base, state, inputs).and_then(|c| {
            let ts = targets(addresses)?;
            let s = workdir::read(&c.rt, &*c.store)?.unwrap_or_default();
            // Unconfirmed creates are not instances: reported beside the
            // list, on standard error.
            let pending: Vec<Diagnostic> = s
                .pending
                .iter()
                .filter(|p| ts.is_empty() || ts.iter().any(|t| t.matches(&p.address)))
                .map(|p| {
                    infra_engine::plan::reconcile::pending_warning(
                        p,
                        "the next `infra plan` or `infra apply` looks for it (if it has not already)",
                    )
                })
                .collect();
            workdir::report(io, &pending, false);
            Ok(s.resources
                .keys()
                .filter(|a| ts.is_empty() || ts.iter().any(|t| t.matches(a)))
                .map(ToString::to_string)
                .collect())
        }),
        StateCommand::Show {
            address,
            json,
            state,
            inputs,
        } => ResourceAddress::parse(address)
            .map_err(|e| Diagnostic::error("cli::bad-address", e.to_string()))
            .and_then(|a| {
                let s = load(&Ctx::open(base, state, inputs)?)?;
                let inst = s.resources.get(&a).ok_or_else(|| {
                    Diagnostic::error("state::no-instance", format!("`{a}` is not in the state"))
                        .with_help("`infra state list` shows what is.")
                })?;
                if *json {
                    let j = infra_engine::plan::json::instance_json(&a, inst);
                    return Ok(vec![j.to_string()]);
                }
                Ok(vec![
                    format!("# {a}:"),
                    format!(
                        "{} = {}",
                        a,
                        infra_lang::value::render(&redact(&inst.value))
                    ),
                ])
            }),
        StateCommand::Rm {
            addresses,
            pending,
            state,
            inputs,
        } => targets(addresses).and_then(|ts| {
            mutate(&Ctx::open(base, state, inputs)?, state, "state rm", io, |s| {
                let gone: Vec<ResourceAddress> = if *pending {
                    Vec::new()
                } else {
                    s.resources
                        .keys()
                        .filter(|a| ts.iter().any(|t| t.matches(a)))
                        .cloned()
                        .collect()
                };
                let cleared: Vec<String> = s
                    .pending
                    .iter()
                    .filter(|p| ts.iter().any(|t| t.matches(&p.address)))
                    .map(|p| p.address.to_string())
                    .collect();
                if gone.is_empty() && cleared.is_empty() {
                    let what = if *pending {
                        "no unconfirmed create in state matches"
                    } else {
                        "no instance in state matches"
                    };
                    return Err(Diagnostic::error(
                        "state::no-instance",
                        format!("{what} {}", addresses.join(", ")),
                    ));
                }
                s.pending
                    .retain(|p| !ts.iter().any(|t| t.matches(&p.address)));
                let mut lines = Vec::new();
                for a in &gone {
                    s.resources.remove(a);
                    lines.push(format!("Removed {a}"));
                }
                for a in &cleared {
                    lines.push(format!("Cleared the unconfirmed create of {a}"));
                }
                if !gone.is_empty() {
                    lines.push(format!(
                        "Successfully removed {} resource instance(s).",
                        gone.len()
                    ));
                }
                Ok(lines)
            })
        }),
        StateCommand::Mv {
            source,
            destination,
            state,
            inputs,
        } => Ctx::open(base, state, inputs)
            .and_then(|c| move_instances(&c, state, source, destination, io)),
        StateCommand::Push {
            file,
            force,
            state,
            inputs,
        } => Ctx::open(base, state, inputs)
            .and_then(|c| super::state_push::push(&c, state, file, *force, io)),
        StateCommand::ReplaceProvider {
            from,
            to,
            auto_approve: _,
            state,
            inputs,
        } => Ctx::open(base, state, inputs)
            .and_then(|c| super::state_push::replace_provider(&c, state, from, to, io)),
        StateCommand::Pull {
            state,
            inputs,
            format,
        } => Ctx::open(base, state, inputs)
            .and_then(|c| load(&c))
            .map(|s| {
                let text = match format {
                    crate::args::StateFormat::Infra => file::to_text(&s),
                    crate::args::StateFormat::Terraform => {
                        let providers = workdir::providers();
                        let dynamic = terraform::dynamic_attributes(&providers);
                        terraform::to_text(&s, &dynamic)
                    }
                };
                vec![text.trim_end().to_string()]
            }),
    };
    for l in result.or_fail(false)? {
        let _ = writeln!(io.out, "{l}");
    }
    Ok(exit::OK)
}

/// `state mv SRC DST`: one instance to another address, or every instance
/// of a resource to another resource (keys kept).
fn move_instances(
    c: &Ctx,
    args: &StateArgs,
    source: &str,
    destination: &str,
    io: &mut Io<'_>,
) -> Result<Vec<String>, Diagnostic> {
    let bad =
        |e: infra_engine::addr::AddressError| Diagnostic::error("cli::bad-address", e.to_string());
    let src = Target::parse(source).map_err(bad)?;
    let dst = ResourceAddress::parse(destination).map_err(bad)?;
    let whole = matches!(&src.resource, Some((_, _, _, None)));
    mutate(c, args, "state mv", io, |s| {
        let moving: Vec<ResourceAddress> = s
            .resources
            .keys()
            .filter(|a| src.matches(a) && (whole || a.to_string() == source.trim()))
            .cloned()
            .collect();
        if moving.is_empty() {
            return Err(Diagnostic::error(
                "state::no-instance",
                format!("`{source}` is not in the state"),
            ));
        }
        let mut lines = Vec::new();
        let mut plan = Vec::new();
        for a in moving {
            let mut to = dst.clone();
            if whole && to.key == infra_engine::addr::InstanceKey::None {
                to.key = a.key.clone();
            }
            if to.type_name != a.type_name {
                return Err(Diagnostic::error(
                    "state::type-mismatch",
                    format!("cannot move `{a}` to `{to}`: the resource types differ"),
                ));
            }
            if s.resources.contains_key(&to) {
                return Err(Diagnostic::error(
                    "state::exists",
                    format!("cannot move `{a}` to `{to}`: that address is already in the state"),
                )
                .with_help("Remove it first with `infra state rm`, or pick another address."));
            }
            plan.push((a, to));
        }
        for (a, to) in plan {
            if let Some(inst) = s.resources.remove(&a) {
                s.resources.insert(to.clone(), inst);
                lines.push(format!("Move \"{a}\" to \"{to}\""));
            }
        }
        lines.push(format!("Successfully moved {} object(s).", lines.len()));
        Ok(lines)
    })
}
