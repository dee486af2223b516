//! Provider functions, `provider::NAME::FUNC(args)` (Terraform 1.8+): the
//! name's parts, the checks a call gets against the provider's
//! [`FunctionSignature`] (shared by `validate`'s static check and by
//! evaluation), and [`call`], which does what Terraform's
//! `providers.FunctionDecl.BuildFunction` and cty's `function.Call` do
//! around the provider's `CallFunction`.

use super::{FunctionError, FunctionSignature, Provider, ProviderSchema};
use infra_lang::diagnostic::did_you_mean;
use infra_lang::eval::Site;
use infra_lang::value::convert;
use infra_lang::{Diagnostic, Span, Value};

/// The namespace of provider functions: `provider::NAME::FUNC`.
pub const PREFIX: &str = "provider::";

/// The provider local name and function name of `provider::NAME::FUNC`;
/// `None` for a name outside the `provider::` namespace or of another
/// shape (`provider::f`, `provider::a::b::c`).
pub fn split_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix(PREFIX)?;
    let (provider, func) = rest.split_once("::")?;
    (!provider.is_empty() && !func.is_empty() && !func.contains("::")).then_some((provider, func))
}

/// Why a provider function call is refused before any call is made: a
/// diagnostic code, the message, the label and a help line.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// `function::unknown-provider`, `function::unknown` or `function::arity`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The label at the call's name or arguments.
    pub label: String,
    /// What to do about it.
    pub help: String,
}

impl Problem {
    /// The problem as an error diagnostic at `span` of `site`'s file.
    pub fn at(self, site: &Site<'_>, span: Span) -> Diagnostic {
        Diagnostic::error(self.code, self.message)
            .in_file(site.source)
            .primary(span, self.label)
            .with_help(self.help)
    }
}

/// `function::unknown-provider`: `name`'s provider local name names no
/// provider of this run (neither built in nor in `required_providers`),
/// as Terraform's "Unknown provider function"; `known` are the names that
/// exist, for a did-you-mean.
pub fn unknown_provider<'k>(
    name: &str,
    local: &str,
    known: impl Iterator<Item = &'k str>,
) -> Problem {
    let mut known: Vec<&str> = known.collect();
    known.sort_unstable();
    let help = match did_you_mean(local, known.iter().copied()) {
        Some(s) => format!("Did you mean `provider::{s}::...`?"),
        None => format!(
            "Declare the provider in this module's `required_providers` block (`{local} = {{ source = \"NAMESPACE/{local}\" }}`); infra's built-in providers are {}.",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Problem {
        code: "function::unknown-provider",
        message: format!("there is no provider `{local}` for the function `{name}`"),
        label: "unknown provider".into(),
        help,
    }
}

/// The signature of function `func` in `schema`, or `function::unknown`
/// with a did-you-mean among the provider's functions.
///
/// # Errors
/// The provider has no function of that name.
pub fn signature<'s>(
    schema: &'s ProviderSchema,
    local: &str,
    func: &str,
) -> Result<&'s FunctionSignature, Problem> {
    schema.functions.get(func).ok_or_else(|| {
        let names = schema.functions.keys().map(String::as_str);
        let help = match did_you_mean(func, names) {
            Some(s) => format!("Did you mean `provider::{local}::{s}`?"),
            None if schema.functions.is_empty() => {
                format!("Provider `{local}` offers no functions.")
            }
            None => format!(
                "Provider `{local}` offers: {}.",
                schema
                    .functions
                    .keys()
                    .map(|k| format!("`provider::{local}::{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Problem {
            code: "function::unknown",
            message: format!("provider `{local}` has no function `{func}`"),
            label: "no function with this name".into(),
            help,
        }
    })
}

/// `function::arity` when `sig` does not take `nargs` arguments.
pub fn arity(sig: &FunctionSignature, name: &str, nargs: usize) -> Option<Problem> {
    let n = sig.parameters.len();
    let fits = nargs >= n && (sig.variadic.is_some() || nargs == n);
    if fits {
        return None;
    }
    let takes = match (&sig.variadic, n) {
        (Some(_), 1) => "at least 1 argument".to_string(),
        (Some(_), n) => format!("at least {n} arguments"),
        (None, 1) => "1 argument".to_string(),
        (None, n) => format!("{n} arguments"),
    };
    let mut params: Vec<String> = sig.parameters.iter().map(|p| p.name.clone()).collect();
    if let Some(v) = &sig.variadic {
        params.push(format!("{}...", v.name));
    }
    Some(Problem {
        code: "function::arity",
        message: format!(
            "provider function `{name}` takes {takes}, but {nargs} {} given",
            if nargs == 1 { "was" } else { "were" }
        ),
        label: format!("{nargs} argument{}", if nargs == 1 { "" } else { "s" }),
        help: format!("Signature: {name}({}).", params.join(", ")),
    })
}

/// Calls `provider::LOCAL::FUNC` (`name`) on `provider` with evaluated
/// `args`, as Terraform does: the arity is checked; each argument is
/// converted to its parameter's type, and null where the parameter does
/// not allow it is an error; an argument holding an unknown value where
/// the parameter does not allow unknowns makes the result unknown without
/// a call. Sensitive marks are removed before the call (the protocol has
/// none) and put on the result when any argument had one (cty's rule for
/// functions that do not handle marks); an error then does not repeat the
/// provider's text, which may quote the value. A function error naming an
/// argument (`function_argument`) is labelled at that argument's span in
/// `arg_spans`.
///
/// # Errors
/// `function::unknown`, `function::arity`, `function::provider-argument`
/// (null or ill-typed argument) or `function::provider-error` (the
/// provider's error) at `site`.
pub fn call(
    provider: &dyn Provider,
    local: &str,
    func: &str,
    name: &str,
    args: Vec<Value>,
    arg_spans: &[Span],
    site: &Site<'_>,
) -> Result<Value, Diagnostic> {
    let sig = signature(provider.schema(), local, func).map_err(|p| p.at(site, site.span))?;
    if let Some(p) = arity(sig, name, args.len()) {
        return Err(p.at(site, site.span));
    }
    let sensitive = args.iter().any(Value::is_sensitive_deep);
    let span_of = |i: usize| arg_spans.get(i).copied().unwrap_or(site.span);
    let mut sent = Vec::with_capacity(args.len());
    let mut unknown = false;
    for (i, arg) in args.into_iter().enumerate() {
        let Some(param) = sig.parameters.get(i).or(sig.variadic.as_ref()) else {
            break;
        };
        let bad = |why: String| {
            Diagnostic::error(
                "function::provider-argument",
                format!("{name}: argument `{}` {why}", param.name),
            )
            .in_file(site.source)
            .primary(span_of(i), format!("argument {} of `{name}`", i + 1))
        };
        if arg.is_null() && !param.allow_null {
            return Err(bad("must not be null".into()));
        }
        let converted = convert(arg, &param.ty).map_err(|e| bad(format!("is invalid: {e}")))?;
        let (plain, _) = converted.unmark_deep();
        unknown |= !param.allow_unknown && plain.has_unknown();
        sent.push(plain);
    }
    if unknown {
        return Ok(Value::Unknown(sig.result.clone()).mark_if(sensitive));
    }
    match provider.call_function(func, sent) {
        Ok(v) => Ok(v.mark_if(sensitive)),
        Err(FunctionError { text, argument }) => {
            let span = argument.map_or(site.span, span_of);
            let label = match argument {
                Some(i) => format!("argument {} of `{name}`", i + 1),
                None => format!("this call of `{name}`"),
            };
            let message = if sensitive {
                format!("{name} failed (its message is not shown: an argument is sensitive)")
            } else {
                format!("{name}: {text}")
            };
            Err(Diagnostic::error("function::provider-error", message)
                .in_file(site.source)
                .primary(span, label))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Failure, FunctionParameter};
    use infra_lang::SourceFile;
    use infra_lang::types::Type;
    use std::sync::Mutex;

    /// A provider with `upper(s string)` (refusing "bad" as argument 0),
    /// `join(sep, parts...)` and `maybe(x any)` (nulls and unknowns
    /// allowed); records what it was called with.
    struct Funcs {
        schema: ProviderSchema,
        calls: Mutex<Vec<(String, Vec<Value>)>>,
    }

    fn param(name: &str, ty: Type, open: bool) -> FunctionParameter {
        FunctionParameter {
            name: name.into(),
            ty,
            allow_null: open,
            allow_unknown: open,
            description: "".into(),
        }
    }

    fn sig(
        parameters: Vec<FunctionParameter>,
        variadic: Option<FunctionParameter>,
    ) -> FunctionSignature {
        FunctionSignature {
            parameters,
            variadic,
            result: Type::String,
            description: "".into(),
            deprecated: None,
        }
    }

    impl Funcs {
        fn new() -> Funcs {
            let mut schema = ProviderSchema::default();
            schema.functions.insert(
                "upper".into(),
                sig(vec![param("s", Type::String, false)], None),
            );
            schema.functions.insert(
                "join".into(),
                sig(
                    vec![param("sep", Type::String, false)],
                    Some(param("parts", Type::String, false)),
                ),
            );
            schema
                .functions
                .insert("maybe".into(), sig(vec![param("x", Type::Any, true)], None));
            Funcs {
                schema,
                calls: Mutex::new(Vec::new()),
            }
        }
    }

    #[async_trait::async_trait]
    impl Provider for Funcs {
        fn name(&self) -> &str {
            "t"
        }
        fn schema(&self) -> &ProviderSchema {
            &self.schema
        }
        async fn configure(&self, _: Value) -> Result<(), Failure> {
            Ok(())
        }
        async fn apply(
            &self,
            _: crate::provider::ApplyRequest,
        ) -> Result<crate::provider::Applied, Failure> {
            Err(crate::provider::error("no"))
        }
        async fn read(
            &self,
            _: &str,
            _: Value,
            _: &[u8],
        ) -> Result<Option<crate::provider::Stored>, Failure> {
            Ok(None)
        }
        fn call_function(&self, name: &str, args: Vec<Value>) -> Result<Value, FunctionError> {
            if let Ok(mut c) = self.calls.lock() {
                c.push((name.to_string(), args.clone()));
            }
            match (name, args.first().and_then(Value::as_str)) {
                ("upper", Some("bad")) => Err(FunctionError {
                    text: "bad is refused".into(),
                    argument: Some(0),
                }),
                ("upper", Some(s)) => Ok(Value::string(s.to_uppercase())),
                ("join", _) => Ok(Value::string(
                    args[1..]
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(args[0].as_str().unwrap_or("")),
                )),
                _ => Ok(Value::string("maybe")),
            }
        }
    }

    fn run(p: &Funcs, func: &str, args: Vec<Value>) -> Result<Value, Diagnostic> {
        let src = SourceFile::new("main.infra", "x");
        let site = Site {
            source: &src,
            span: Span::new(0, 1),
        };
        let spans: Vec<Span> = (0..args.len()).map(|i| Span::new(10 + i, 11 + i)).collect();
        call(
            p,
            "t",
            func,
            &format!("provider::t::{func}"),
            args,
            &spans,
            &site,
        )
    }

    #[test]
    fn names_split_into_provider_and_function() {
        assert_eq!(
            split_name("provider::aws::arn_parse"),
            Some(("aws", "arn_parse"))
        );
        assert_eq!(split_name(concat!("provider", "::aws")), None);
        assert_eq!(split_name("provider::a::b::c"), None);
        assert_eq!(split_name("upper"), None);
    }

    #[test]
    fn a_call_converts_arguments_and_returns_the_result() {
        let p = Funcs::new();
        let ok = |r: Result<Value, Diagnostic>| r.expect("a result");
        assert_eq!(
            ok(run(&p, "upper", vec![Value::string("a")])),
            Value::string("A")
        );
        // A number converts to the string parameter, as cty converts.
        assert_eq!(
            ok(run(&p, "upper", vec![Value::int(5)])),
            Value::string("5")
        );
        let joined = run(
            &p,
            "join",
            vec![Value::string("-"), Value::string("a"), Value::string("b")],
        );
        assert_eq!(ok(joined), Value::string("a-b"));
    }

    #[test]
    fn unknown_arguments_give_an_unknown_result_without_a_call_unless_allowed() {
        let p = Funcs::new();
        let r = run(&p, "upper", vec![Value::Unknown(Type::String)]).expect("unknown");
        assert_eq!(r, Value::Unknown(Type::String));
        assert!(p.calls.lock().expect("calls").is_empty());
        let r = run(&p, "maybe", vec![Value::unknown()]).expect("called");
        assert_eq!(r, Value::string("maybe"));
        assert_eq!(p.calls.lock().expect("calls").len(), 1);
    }

    #[test]
    fn null_is_refused_unless_allowed() {
        let p = Funcs::new();
        let e = run(&p, "upper", vec![Value::NULL]).expect_err("null");
        assert_eq!(e.code, "function::provider-argument");
        assert!(e.message.contains("must not be null"), "{}", e.message);
        assert_eq!(e.primary_span(), Some(Span::new(10, 11)));
        assert!(run(&p, "maybe", vec![Value::NULL]).is_ok());
    }

    #[test]
    fn sensitive_arguments_make_a_sensitive_result_and_are_sent_plain() {
        let p = Funcs::new();
        let r = run(&p, "upper", vec![Value::string("s").mark_if(true)]).expect("ok");
        assert_eq!(r, Value::string("S").mark_if(true));
        let calls = p.calls.lock().expect("calls");
        assert_eq!(calls[0].1, vec![Value::string("s")]);
    }

    #[test]
    fn a_function_error_points_at_its_argument_and_hides_sensitive_text() {
        let p = Funcs::new();
        let e = run(&p, "upper", vec![Value::string("bad")]).expect_err("refused");
        assert_eq!(e.code, "function::provider-error");
        assert!(e.message.contains("bad is refused"), "{}", e.message);
        assert_eq!(e.primary_span(), Some(Span::new(10, 11)));
        let e = run(&p, "upper", vec![Value::string("bad").mark_if(true)]).expect_err("refused");
        assert!(!e.message.contains("bad"), "{}", e.message);
    }

    #[test]
    fn wrong_arity_and_unknown_functions_are_refused_before_a_call() {
        let p = Funcs::new();
        let e = run(&p, "upper", vec![]).expect_err("arity");
        assert_eq!(e.code, "function::arity");
        assert!(
            e.message.contains("takes 1 argument, but 0 were given"),
            "{}",
            e.message
        );
        let e = run(&p, "join", vec![]).expect_err("arity");
        assert!(e.message.contains("at least 1 argument"), "{}", e.message);
        let e = run(&p, "uper", vec![Value::string("a")]).expect_err("unknown");
        assert_eq!(e.code, "function::unknown");
        assert_eq!(
            e.help.as_deref(),
            Some("Did you mean `provider::t::upper`?")
        );
        assert!(p.calls.lock().expect("calls").is_empty());
    }
}
