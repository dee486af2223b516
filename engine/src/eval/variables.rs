//! Input variables and consts: where their values come from (command
//! line, var files, environment, defaults), conversion to the declared
//! type, `nullable`, `sensitive`, and `validation` blocks.

use super::instance::{Key, ModuleInstance, upstream};
use crate::config::decl::ConditionDecl;
use crate::config::meta;
use infra_lang::ast::Attribute;
use infra_lang::eval::{Evaluator, Site, eval_constant};
use infra_lang::types::{Type, parse_type};
use infra_lang::value::{self, Value};
use infra_lang::{Diagnostic, SourceFile, Span, syntax};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A value given for a variable or const from outside the module.
#[derive(Clone, Debug)]
pub enum InputValue {
    /// Text from `-var NAME=TEXT`, `--const NAME=TEXT` or `INFRA_VAR_NAME`:
    /// taken as a string for `string`/`number`/`bool`/untyped variables,
    /// parsed as an expression for collection types (as Terraform does).
    Raw {
        /// The text after `=`.
        text: String,
        /// Where it came from, for messages: `-var`, `INFRA_VAR_region`.
        origin: String,
    },
    /// An evaluated value: from a var file or a `module` block argument.
    Value {
        /// The value.
        value: Value,
        /// The expression it came from, for errors.
        site: Option<(Arc<SourceFile>, Span)>,
        /// Where it came from: `infra.infravars`, `module block`.
        origin: String,
    },
}

/// Values for a module's variables and consts, by name.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Variable values.
    pub vars: BTreeMap<String, InputValue>,
    /// Const overrides (root module only).
    pub consts: BTreeMap<String, InputValue>,
}

/// One input given on the command line, in order.
#[derive(Clone, Debug)]
pub enum CliInput {
    /// `-var NAME=VALUE`
    Var(String, String),
    /// `-var-file FILE`
    VarFile(PathBuf),
    /// `--const NAME=VALUE`
    Const(String, String),
}

/// Parses a var file (`*.infravars`, `*.tfvars`): `name = value`
/// attributes whose values are constant expressions; a `*.json` file
/// (`*.tfvars.json`) is one JSON object of values, taken literally as
/// Terraform does (`config::json::parse_vars`).
///
/// # Errors
/// Unreadable file, syntax errors, blocks, or non-constant values.
pub fn parse_var_file(
    path: &Path,
    shown_as: &str,
) -> Result<BTreeMap<String, InputValue>, Vec<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![
            Diagnostic::error(
                "input::unreadable",
                format!("cannot read variables file {shown_as}: {e}"),
            )
            .with_help("Check the path given to -var-file."),
        ]
    })?;
    let source = SourceFile::from_bytes(shown_as, bytes)
        .map_err(|(lossy, bad)| vec![crate::config::invalid_utf8(&lossy, bad.offset)])?;
    let (file, parse_diags) = if path.to_string_lossy().ends_with(".json") {
        crate::config::json::parse_vars(&source)
    } else {
        let parsed = syntax::parse(&source);
        (parsed.file, parsed.diagnostics)
    };
    let Some(file) = file else {
        return Err(parse_diags);
    };
    let mut out = BTreeMap::new();
    let mut diags = Vec::new();
    for b in file.body.blocks() {
        diags.push(
            Diagnostic::error(
                "input::block-in-var-file",
                format!(
                    "a variables file holds only `name = value` lines, found a `{}` block",
                    b.kind.name
                ),
            )
            .in_file(&source)
            .primary(b.kind.span, "not allowed here"),
        );
    }
    for a in file.body.attributes() {
        match eval_constant(&source, &a.expr) {
            Ok(v) => {
                out.insert(
                    a.name.name.clone(),
                    InputValue::Value {
                        value: v,
                        site: Some((source.clone(), a.expr.span)),
                        origin: shown_as.to_string(),
                    },
                );
            }
            Err(d) => diags.push(d),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// Gathers the root module's inputs, later sources overriding earlier ones
/// (the same precedence as Terraform): `TF_VAR_NAME` then `INFRA_VAR_NAME`
/// environment variables, then `terraform.tfvars`, `terraform.tfvars.json`
/// and `infra.infravars`, then `*.auto.tfvars`, `*.auto.tfvars.json` and
/// `*.auto.infravars` in name order, then `-var`, `-var-file` and
/// `--const` in command-line order. Terraform's var files are read with
/// the same parser (the syntax is the same), its JSON ones as JSON.
///
/// # Errors
/// Diagnostics of unreadable or invalid var files and malformed `-var`.
pub fn collect_inputs(
    root: &Path,
    cli: &[CliInput],
    env: &[(String, String)],
) -> Result<Inputs, Vec<Diagnostic>> {
    let mut inputs = Inputs::default();
    let mut diags = Vec::new();
    let tf_first = env
        .iter()
        .filter(|(k, _)| k.starts_with("TF_VAR_"))
        .chain(env.iter().filter(|(k, _)| !k.starts_with("TF_VAR_")));
    for (k, v) in tf_first {
        if let Some(name) = k
            .strip_prefix("INFRA_VAR_")
            .or_else(|| k.strip_prefix("TF_VAR_"))
        {
            inputs.vars.insert(
                name.to_string(),
                InputValue::Raw {
                    text: v.clone(),
                    origin: k.clone(),
                },
            );
        }
    }
    let mut files = Vec::new();
    for name in [
        "terraform.tfvars",
        "terraform.tfvars.json",
        "infra.infravars",
    ] {
        if root.join(name).is_file() {
            files.push(root.join(name));
        }
    }
    if let Ok(rd) = std::fs::read_dir(root) {
        let mut auto: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    [".auto.infravars", ".auto.tfvars", ".auto.tfvars.json"]
                        .iter()
                        .any(|e| n.ends_with(e))
                })
            })
            .collect();
        auto.sort();
        files.extend(auto);
    }
    for f in files {
        let shown = f.file_name().map_or_else(
            || f.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match parse_var_file(&f, &shown) {
            Ok(m) => inputs.vars.extend(m),
            Err(d) => diags.extend(d),
        }
    }
    for c in cli {
        match c {
            CliInput::Var(name, text) => {
                inputs.vars.insert(
                    name.clone(),
                    InputValue::Raw {
                        text: text.clone(),
                        origin: "-var".into(),
                    },
                );
            }
            CliInput::Const(name, text) => {
                inputs.consts.insert(
                    name.clone(),
                    InputValue::Raw {
                        text: text.clone(),
                        origin: "--const".into(),
                    },
                );
            }
            CliInput::VarFile(path) => {
                let full = if path.is_absolute() {
                    path.clone()
                } else {
                    root.join(path)
                };
                match parse_var_file(&full, &path.display().to_string()) {
                    Ok(m) => inputs.vars.extend(m),
                    Err(d) => diags.extend(d),
                }
            }
        }
    }
    if diags.is_empty() {
        Ok(inputs)
    } else {
        Err(diags)
    }
}

/// The span of the part of the expression at `span` that `path` leads
/// to, when the value was written as a literal: for
/// `{ ports = [80, "x"] }` and path `.ports[1]`, the span of `"x"`.
fn locate(src: &Arc<SourceFile>, span: Span, path: &[value::PathStep]) -> Option<Span> {
    use infra_lang::ast::ExprKind;
    let expr = syntax::parse_expr(&SourceFile::new(src.path(), src.slice(span))).ok()?;
    let mut cur = &expr;
    for step in path {
        cur = match (&cur.kind, step) {
            (ExprKind::Object(items), value::PathStep::Attr(k) | value::PathStep::Key(k)) => {
                let item = items.iter().find(|i| match &i.key.kind {
                    ExprKind::Variable(id) => id.name == *k,
                    ExprKind::Template(t) => t.as_literal().as_deref() == Some(k.as_str()),
                    _ => false,
                })?;
                &item.value
            }
            (ExprKind::Tuple(items), value::PathStep::Index(i)) => items.get(*i)?,
            _ => {
                return Some(Span::new(
                    span.start + cur.span.start,
                    span.start + cur.span.end,
                ));
            }
        };
    }
    Some(Span::new(
        span.start + cur.span.start,
        span.start + cur.span.end,
    ))
}

/// The declared type of a `variable`/`const` block, from its `type`
/// argument (`any` when absent).
pub(crate) fn declared_type(src: &Arc<SourceFile>, type_expr: Option<&Attribute>) -> Type {
    type_expr
        .and_then(|a| parse_type(src, &a.expr).ok())
        .unwrap_or(Type::Any)
}

/// The value of bool argument `arg` (named `name` in the message), or
/// `default` when absent.
fn bool_attr(
    m: &ModuleInstance,
    src: &Arc<SourceFile>,
    arg: Option<&Attribute>,
    name: &str,
    default: bool,
) -> Result<bool, Diagnostic> {
    match arg {
        None => Ok(default),
        Some(a) => match m.eval(src, &a.expr)?.unmark() {
            (Value::Bool(x), _) => Ok(x),
            (other, marked) => Err(Diagnostic::error(
                "eval::not-bool",
                format!(
                    "`{name}` must be true or false, got {}",
                    other.describe_as(marked)
                ),
            )
            .in_file(src)
            .primary(a.expr.span, "not a bool")),
        },
    }
}

impl ModuleInstance {
    /// The value of an input given as text, for a variable of type `ty`.
    /// The text of a `sensitive` variable that does not parse is not shown
    /// (a diagnostic would quote it).
    fn raw_input(
        &self,
        name: &str,
        text: &str,
        origin: &str,
        ty: &Type,
        sensitive: bool,
    ) -> Result<Value, Diagnostic> {
        if ty.is_primitive() || *ty == Type::Any {
            return Ok(Value::string(text));
        }
        let source = SourceFile::new(format!("<value for {name} from {origin}>"), text);
        let parsed = syntax::parse_expr(&source)
            .map_err(|d| d.into_iter().next().unwrap_or_else(upstream))
            .and_then(|expr| eval_constant(&source, &expr));
        parsed.map_err(|d| {
            if sensitive {
                Diagnostic::error(
                    "input::type-mismatch",
                    format!("var.{name}: the value from {origin} is not a valid {ty}"),
                )
                .with_help(format!(
                    "`var.{name}` is sensitive, so the value and the error in it are not shown. Give a {ty} written in the language's syntax."
                ))
            } else {
                d
            }
        })
    }

    /// Converts an input or default to the declared type; errors name the
    /// path (`var.cfg.ports[2]: expected number, got string "x"`). The
    /// value of a variable declared `sensitive` is converted as a
    /// sensitive value, so a failure names its type only, and the error
    /// does not point into the text it came from (a var file line would
    /// show the secret).
    #[allow(clippy::too_many_arguments)]
    fn typed(
        &self,
        kind: &str,
        name: &str,
        v: Value,
        ty: &Type,
        site: Option<(&Arc<SourceFile>, Span)>,
        origin: &str,
        sensitive: bool,
    ) -> Result<Value, Diagnostic> {
        let site = site.filter(|_| !sensitive);
        value::convert(v.mark_if(sensitive), ty).map_err(|e| {
            let d = Diagnostic::error(
                "input::type-mismatch",
                format!("{kind}.{name}{}: {}", e.path_string(), e.message),
            )
            .with_help(format!(
                "`{kind}.{name}` is declared as {ty}; the value from {origin} does not fit."
            ));
            match site {
                Some((src, span)) => {
                    let (span, label) = match locate(src, span, &e.path) {
                        Some(inner) if inner != span => (inner, e.message.clone()),
                        _ => (span, format!("not a valid {ty}")),
                    };
                    d.in_file(src).primary(span, label)
                }
                None => d,
            }
        })
    }

    /// `var.NAME`: the given value or the default, converted, with the
    /// sensitive mark when declared so.
    pub(crate) fn variable(&self, name: &str, site: &Site<'_>) -> Result<Value, Diagnostic> {
        self.memo(Key::Var(name.to_string()), site, || {
            if let Some(deps) = self.input_deps.get(name) {
                self.shared.add_deps(deps);
            }
            let (src, d) = self.files.variable(name).ok_or_else(upstream)?;
            let b = d.block;
            let ty = declared_type(src, d.type_expr);
            // Known before the value, so conversion errors do not show it.
            let sensitive = bool_attr(self, src, d.sensitive, meta::SENSITIVE, false)?;
            // A sensitive variable's error points at its declaration, not
            // at the text of the value.
            let declared = |d: Diagnostic| {
                if sensitive && d.source.is_none() {
                    d.in_file(src).primary(
                        b.labels.first().map_or(b.kind.span, |l| l.span),
                        "declared sensitive",
                    )
                } else {
                    d
                }
            };
            let value = match self.inputs.vars.get(name) {
                Some(InputValue::Raw { text, origin }) => {
                    let v = self.raw_input(name, text, origin, &ty, sensitive).map_err(declared)?;
                    self.typed("var", name, v, &ty, None, origin, sensitive).map_err(declared)?
                }
                Some(InputValue::Value { value, site, origin }) => {
                    let s = site.as_ref().map(|(f, sp)| (f, *sp));
                    self.typed("var", name, value.clone(), &ty, s, origin, sensitive).map_err(declared)?
                }
                None => match d.default {
                    Some(d) => {
                        let v = self.eval(src, &d.expr)?;
                        self.typed("var", name, v, &ty, Some((src, d.expr.span)), "its default", sensitive).map_err(declared)?
                    }
                    None => {
                        let caller = if self.path.is_root() {
                            format!("Give it with `-var {name}=...`, in infra.infravars, or as INFRA_VAR_{name}; or add a `default`.")
                        } else {
                            format!("Set `{name} = ...` in the `module` block that calls this module.")
                        };
                        return Err(Diagnostic::error("input::missing-variable", format!("no value for required variable `{name}`"))
                            .in_file(src)
                            .primary(b.labels.first().map_or(b.kind.span, |l| l.span), "declared here without a default")
                            .with_help(caller));
                    }
                },
            };
            let nullable = bool_attr(self, src, d.nullable, meta::NULLABLE, true)?;
            let value = if value.is_null() && !nullable {
                match d.default {
                    Some(d) => {
                        let v = self.eval(src, &d.expr)?;
                        self.typed("var", name, v, &ty, Some((src, d.expr.span)), "its default", sensitive).map_err(declared)?
                    }
                    None => {
                        return Err(Diagnostic::error("input::null-variable", format!("variable `{name}` must not be null"))
                            .in_file(src)
                            .primary(b.labels.first().map_or(b.kind.span, |l| l.span), "declared with `nullable = false`")
                            .with_help("Give it a non-null value."));
                    }
                }
            } else {
                value
            };
            Ok(value.mark_if(sensitive))
        })
    }

    /// Runs the `validation` blocks of variable `name` (after its value is
    /// known). Failures are reported; returns false when any failed.
    pub(crate) fn validate_variable(&self, name: &str) -> bool {
        let Some((src, d)) = self.files.variable(name) else {
            return true;
        };
        let site = Site {
            source: src,
            span: d.block.kind.span,
        };
        if self.variable(name, &site).is_err() {
            return false;
        }
        let mut ok = true;
        for v in &d.validations {
            let Some(cond) = v.condition else {
                continue;
            };
            match self.eval(src, &cond.expr).map(Value::unmark) {
                Ok((Value::Bool(true) | Value::Unknown(_), _)) => {}
                Ok((Value::Bool(false), _)) => {
                    ok = false;
                    let message = self
                        .error_message(src, v)
                        .unwrap_or_else(|| "the value failed validation".into());
                    self.report(
                        Diagnostic::error(
                            "input::validation-failed",
                            format!("invalid value for variable `{name}`: {message}"),
                        )
                        .in_file(src)
                        .primary(cond.expr.span, "this condition is false")
                        .with_help(self.input_origin(name)),
                    );
                }
                Ok((other, marked)) => {
                    ok = false;
                    self.report(
                        Diagnostic::error(
                            "eval::not-bool",
                            format!(
                                "a validation condition must be true or false, got {}",
                                other.describe_as(marked)
                            ),
                        )
                        .in_file(src)
                        .primary(cond.expr.span, "not a bool"),
                    );
                }
                Err(d) => {
                    ok = false;
                    self.report(d);
                }
            }
        }
        ok
    }

    /// The `error_message` of a `validation` or `assert` block whose
    /// condition is false: `None` when absent, failing or not a string.
    /// As Terraform, a message built from a sensitive value is not shown.
    pub(crate) fn error_message(
        &self,
        src: &Arc<SourceFile>,
        c: &ConditionDecl<'_>,
    ) -> Option<String> {
        super::conditions::message_with(&mut Evaluator::new(self, src), c)
    }

    fn input_origin(&self, name: &str) -> String {
        match self.inputs.vars.get(name) {
            Some(InputValue::Raw { origin, .. } | InputValue::Value { origin, .. }) => {
                format!("The value came from {origin}.")
            }
            None => "The value is the variable's default.".into(),
        }
    }

    /// `const.NAME`: the override given with `--const`, or the default.
    pub(crate) fn constant(&self, name: &str, site: &Site<'_>) -> Result<Value, Diagnostic> {
        self.memo(Key::Const(name.to_string()), site, || {
            let at = self.files.consts.get(name).copied().ok_or_else(upstream)?;
            let (src, b) = self.files.block(at).ok_or_else(upstream)?;
            let ty = declared_type(src, b.body.attribute(meta::TYPE));
            match (
                self.path
                    .is_root()
                    .then(|| self.inputs.consts.get(name))
                    .flatten(),
                b.body.attribute(meta::DEFAULT),
            ) {
                (Some(InputValue::Raw { text, origin }), _) => {
                    let v = self.raw_input(name, text, origin, &ty, false)?;
                    self.typed("const", name, v, &ty, None, origin, false)
                }
                (Some(InputValue::Value { value, origin, .. }), _) => {
                    self.typed("const", name, value.clone(), &ty, None, origin, false)
                }
                (None, Some(d)) => {
                    let v = self.eval(src, &d.expr)?;
                    if v.has_unknown() {
                        return Err(Diagnostic::error(
                            "const::not-constant",
                            format!("const `{name}` is not known before apply"),
                        )
                        .in_file(src)
                        .primary(d.expr.span, "depends on a value known only after apply")
                        .with_help("A const may use only literals, other consts and functions."));
                    }
                    self.typed(
                        "const",
                        name,
                        v,
                        &ty,
                        Some((src, d.expr.span)),
                        "its default",
                        false,
                    )
                }
                (None, None) => Err(Diagnostic::error(
                    "const::missing-value",
                    format!("const `{name}` has no value"),
                )
                .in_file(src)
                .primary(
                    b.labels.first().map_or(b.kind.span, |l| l.span),
                    "declared without a default",
                )
                .with_help(format!(
                    "Add `default = ...`, or give it with `--const {name}=...`."
                ))),
            }
        })
    }
}
