//! Calling a built-in function: arity check, sensitive marks and unknown
//! arguments handled once for every function, then the implementation.

use crate::{functions, limits};
use infra_lang::eval::Site;
use infra_lang::types::Type;
use infra_lang::{Diagnostic, Span, Value};
use std::path::Path;

/// What a function may need besides its arguments.
#[derive(Clone, Copy, Debug)]
pub struct FnContext<'a> {
    /// The directory infra runs in (the root module's, `path.root`):
    /// relative paths given to filesystem functions are resolved from
    /// here, as Terraform resolves them from the working directory; a
    /// module names its own files with `"${path.module}/..."`.
    pub base_dir: &'a Path,
}

/// The diagnostic code of a function that rejects its arguments.
const FAILED: &str = "function::failed";

/// A function failure: which argument (0-based, `None` for the call as a
/// whole) and what was wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct FnError {
    /// The offending argument's position, when one argument is to blame.
    pub arg: Option<usize>,
    /// What was expected and what was found, e.g.
    /// `invalid regular expression: unclosed group`.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
    /// The diagnostic code: `function::failed`, or `function::too-large`
    /// for a result over the size limit (see [`crate::limits`]).
    pub code: &'static str,
    /// What to say instead of `message` when an argument is sensitive: a
    /// message naming types only, never values (`expected a number, got
    /// string`). `None`: a generic message. See [`call`].
    pub redacted: Option<String>,
}

impl FnError {
    /// An error about argument `arg` (0-based).
    pub fn arg(arg: usize, message: impl Into<String>) -> FnError {
        FnError {
            arg: Some(arg),
            message: message.into(),
            help: None,
            code: FAILED,
            redacted: None,
        }
    }

    /// An error about the call as a whole.
    pub fn call(message: impl Into<String>) -> FnError {
        FnError {
            arg: None,
            message: message.into(),
            help: None,
            code: FAILED,
            redacted: None,
        }
    }

    /// Gives the error another diagnostic code than `function::failed`.
    pub fn with_code(mut self, code: &'static str) -> FnError {
        self.code = code;
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> FnError {
        self.help = Some(help.into());
        self
    }

    /// Sets the message shown instead when an argument is sensitive; it
    /// must name no value, only types (see [`FnError::redacted`]).
    pub fn redacted_as(mut self, message: impl Into<String>) -> FnError {
        self.redacted = Some(message.into());
        self
    }

    /// This error as it may be shown when an argument of the call was
    /// sensitive: the message is the `redacted` one, or a generic one,
    /// and the help (which may quote values too) is replaced. Function
    /// implementations see their arguments unmarked, so whatever they
    /// put in a message could be the secret; this keeps every one of them
    /// from showing it, as Terraform's "cannot convert this sensitive
    /// string to number".
    fn redact(self) -> FnError {
        FnError {
            arg: self.arg,
            message: self.redacted.clone().unwrap_or_else(|| {
                "the call failed on a sensitive argument; the details are not shown, as they could reveal it".into()
            }),
            help: Some(
                "The message is hidden because an argument is sensitive. To see it, try the call with a non-sensitive test value (e.g. with `infra eval`)."
                    .into(),
            ),
            redacted: self.redacted,
            code: self.code,
        }
    }
}

/// The type of a function's result, as far as it is fixed: what an unknown
/// result is typed as when an argument is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// Always a string.
    String,
    /// Always a number.
    Number,
    /// Always a bool.
    Bool,
    /// Depends on the arguments.
    Any,
}

impl Returns {
    fn unknown(self) -> Value {
        Value::Unknown(match self {
            Returns::String => Type::String,
            Returns::Number => Type::Number,
            Returns::Bool => Type::Bool,
            Returns::Any => Type::Any,
        })
    }
}

/// One documented example: an expression and what it evaluates to, in the
/// language's syntax as `infra eval` prints it. The test suite evaluates
/// every example, so the docs cannot drift from the code.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// The expression, e.g. `upper("hello")`.
    pub expr: &'static str,
    /// Its result as printed by `infra eval`, e.g. `"HELLO"`.
    pub result: &'static str,
}

/// A built-in function: implementation and documentation.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// Name as called.
    pub name: &'static str,
    /// Group for the docs: "string", "collection", "encoding", ...
    pub group: &'static str,
    /// One or two sentences: what it returns, and how it differs from
    /// Terraform's function of the same name when it does.
    pub summary: &'static str,
    /// Examples, evaluated by the tests.
    pub examples: &'static [Example],
    /// The result type, for unknown results.
    pub returns: Returns,
    /// When true the function sees its arguments as they are, sensitive
    /// marks and unknowns included (`sensitive`, `nonsensitive`, `length`
    /// of a list with unknown elements...). When false, a call with any
    /// unknown argument returns an unknown without running, and marks are
    /// removed before and put back on the result.
    pub raw: bool,
    /// The implementation.
    pub run: fn(Vec<Value>, &FnContext<'_>) -> Result<Value, FnError>,
}

/// The built-in function `name`, when it is implemented.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    functions::all().find(|b| b.name == name)
}

/// Every implemented built-in function, sorted by name.
pub fn builtins() -> Vec<&'static Builtin> {
    let mut all: Vec<&'static Builtin> = functions::all().collect();
    all.sort_by_key(|b| b.name);
    all
}

/// Calls built-in `name` with `args`.
///
/// Unless the function is `raw`: when any argument is or contains an
/// unknown value the result is unknown (of the function's result type);
/// sensitive marks anywhere in the arguments are removed before the call
/// and the result is marked sensitive.
///
/// When any argument is or contains a sensitive value and the function
/// fails, the error is redacted (raw functions included): its message is
/// the function's `redacted` one (types only) or a generic one, never one
/// built from the unmarked values.
///
/// # Errors
/// [`FnError`] when the function does not exist, the argument count is
/// wrong, the function rejects its arguments, or its result would pass
/// the size limit of [`crate::limits`] (`function::too-large`).
pub fn call(name: &str, args: Vec<Value>, ctx: &FnContext<'_>) -> Result<Value, FnError> {
    let Some(f) = builtin(name) else {
        return Err(FnError::call(format!(
            "there is no built-in function `{name}`"
        )));
    };
    if let Some(sig) = crate::lookup(name)
        && !sig.arity.accepts(args.len())
    {
        {
            return Err(FnError::call(format!(
                "takes {}, got {}",
                sig.arity.describe(),
                args.len()
            ))
            .with_help(format!("Call it as `{name}({})`.", sig.params.join(", "))));
        }
    }
    let sensitive = args.iter().any(Value::is_sensitive_deep);
    let redact = |e: FnError| if sensitive { e.redact() } else { e };
    if f.raw {
        return (f.run)(args, ctx).and_then(within_limit).map_err(redact);
    }
    let deep_unknown = args.iter().any(Value::has_unknown);
    let shallow = STRUCTURAL.contains(&f.name);
    if deep_unknown && !(shallow && args.iter().all(is_known_shallow)) {
        return Ok(f.returns.unknown().mark_if(sensitive));
    }
    let args: Vec<Value> = args.into_iter().map(|a| a.unmark_deep().0).collect();
    match (f.run)(args, ctx).and_then(within_limit) {
        Ok(v) => Ok(v.mark_if(sensitive)),
        // An element whose type is not known yet can make the types
        // disagree; the result is then unknown, as it was before.
        Err(_) if deep_unknown => Ok(f.returns.unknown().mark_if(sensitive)),
        Err(e) => Err(redact(e)),
    }
}

/// Functions that move elements without looking into them, so a known
/// collection with unknown elements gives a known result with those
/// elements unknown: `merge(local.tags, { Name = aws_instance.x.id })`
/// plans as `{ env = "dev", Name = (known after apply) }`. cty checks only
/// the argument itself (`Value.IsKnown`, shallow) before calling a function
/// whose parameter does not allow unknowns (go-cty `function.go`, `Call`);
/// the other built-ins inspect their elements, so for them any unknown
/// inside an argument still makes the result unknown.
const STRUCTURAL: &[&str] = &["concat", "lookup", "merge", "tolist", "tomap", "values"];

/// The value itself is known (its elements may not be).
fn is_known_shallow(v: &Value) -> bool {
    match v {
        Value::Unknown(_) => false,
        Value::Sensitive(inner) => is_known_shallow(inner),
        _ => true,
    }
}

/// `v` when it is within the size limit on results ([`crate::limits`]).
fn within_limit(v: Value) -> Result<Value, FnError> {
    limits::Size::of(&v).check("the result")?;
    Ok(v)
}

/// [`call`] from an expression: a failure becomes a `function::failed`
/// diagnostic (`function::too-large` for a result over the size limit) at
/// `site`, labelled on the offending argument when the
/// function names one (`arg_spans` has one span per argument).
///
/// # Errors
/// The diagnostic, with the function's help line when it gives one.
pub fn call_at(
    name: &str,
    args: Vec<Value>,
    ctx: &FnContext<'_>,
    arg_spans: &[Span],
    site: &Site<'_>,
) -> Result<Value, Diagnostic> {
    call(name, args, ctx).map_err(|e| {
        let span = e
            .arg
            .and_then(|i| arg_spans.get(i).copied())
            .unwrap_or(site.span);
        let label = match e.arg {
            Some(i) => format!("argument {} of `{name}`", i + 1),
            None => format!("this call of `{name}`"),
        };
        let d = Diagnostic::error(e.code, format!("{name}: {}", e.message))
            .in_file(site.source)
            .primary(span, label);
        match e.help {
            Some(h) => d.with_help(h),
            None => d,
        }
    })
}
