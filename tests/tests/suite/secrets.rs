//! Sensitive values never show in diagnostics (issue 16, item 5): every
//! built-in function, operator, traversal, template, `for` expression and
//! type conversion is fed failing sensitive values holding a marker, and
//! every diagnostic — rendered by miette as a user reads it and as the
//! `--json` array, labels included — is searched for the marker. End to
//! end, `plan` (human, `--json`, Markdown), `validate` and `apply` of
//! configurations that fail on sensitive variables never print them.

use crate::support::{Workdir, data_dir};
use infra_engine::eval::{EvalOptions, InputValue, Inputs, eval_expression};
use infra_lang::value::ValueMap;
use infra_lang::{Diagnostic, SourceFile, Span, Value};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The marker every secret holds; searched for case-insensitively (so
/// `upper(...)` of it counts too).
const MARK: &str = "S3cr3tMARK";

/// Text around the marker that makes functions fail in their own ways:
/// CIDR and path parsers, format verbs, JSON/YAML, base64, numbers.
const SHAPES: &[(&str, &str)] = &[
    ("", ""),
    ("10.0.0.0/", ""),
    ("%", "d"),
    ("{\"a\": ", ""),
    ("---\n", ": ["),
    ("", "=="),
    ("0x", ""),
    ("../", "/**"),
    ("2024-01-01T", "Z"),
    ("é ", " \t"),
    ("", "\n"),
];

/// The secret with `shape` around the marker.
fn secret(shape: usize) -> String {
    let (pre, post) = SHAPES[shape % SHAPES.len()];
    format!("{pre}{MARK}{post}")
}

/// Values for the sensitive variables of `tests/data/secrets/context`:
/// the secret as a string, in a list, as a map key and value, as an
/// object attribute name.
fn inputs(secret: &str) -> Inputs {
    let s = Value::string(secret);
    let mut m = ValueMap::new();
    m.insert(secret.to_string(), Value::string("v"));
    m.insert("k".to_string(), s.clone());
    let mut o = ValueMap::new();
    o.insert(
        secret.to_string(),
        Value::Tuple(vec![Value::int(1), s.clone()]),
    );
    let vars = [
        ("s", s.clone()),
        ("l", Value::list(vec![s.clone(), Value::string("x")])),
        ("m", Value::Map(infra_lang::Type::String, m)),
        ("o", Value::Object(o)),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_string(),
            InputValue::Value {
                value: v,
                site: None,
                origin: "the test".into(),
            },
        )
    })
    .collect();
    Inputs {
        vars,
        consts: BTreeMap::new(),
    }
}

/// Expressions whose value is sensitive or holds sensitive parts.
const SENSITIVE: &[&str] = &[
    "var.s",
    "var.l",
    "var.m",
    "var.o",
    "local.inside_list",
    "local.inside_map",
    "local.inside_object",
    "[var.s]",
    "{ a = var.s }",
    "{ (var.s) = 1 }",
    "[for x in var.l : x]",
    "{ for k, v in var.m : v => k }",
    "{ for x in [var.s] : x => 1 }",
    "upper(var.s)",
    "tolist(var.l)",
    "tomap(var.m)",
    "keys(var.m)",
    "values(var.o)",
    "\"x${var.s}\"",
    "var.l[0]",
];

/// Plain arguments of many shapes, so functions and operators fail in
/// every way they can.
const PLAIN: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "3.5",
    "99",
    "\"\"",
    "\"a,b\"",
    "\"nokey\"",
    "\"10.0.0.0/8\"",
    "\"%s %d\"",
    "\"/(\"",
    "[]",
    "[1, \"a\"]",
    "[[1], [2]]",
    "{}",
    "{ a = 1 }",
    "tolist([])",
    "toset([\"x\"])",
    "tomap({ k = \"v\" })",
];

/// Expression shapes around a sensitive `@A` and any `@B`: operators,
/// traversals, templates, `for`, conditionals, splats, expansion.
const SHAPES_OF_EXPRESSIONS: &[&str] = &[
    "!@A",
    "-@A",
    "@A.attr",
    "@A.a.b",
    "@A[@B]",
    "@B[@A]",
    "@A[\"nokey\"]",
    "@A[99]",
    "@A[-1]",
    "[1, 2][@A]",
    "{ a = 1 }[@A]",
    "@A[*].x",
    "@A[*]",
    "\"${@A}\"",
    "\"x${@A}\"",
    "\"%{if @A}y%{endif}\"",
    "\"%{for x in @A}${x + 1}%{endfor}\"",
    "\"%{for k, v in @A}${k}${v + 1}%{endfor}\"",
    "[for x in @A : x + 1]",
    "[for x in @A : x.attr]",
    "[for x in @A : x if x]",
    "[for x in @B : x if @A]",
    "{ for x in @A : x => 1 }",
    "{ for x in [@A, @A] : x => 1 }",
    "{ for k, v in @A : v => k }",
    "{ for k, v in @A : k => v... }",
    "{ (@A) = 1 }",
    "@A ? 1 : 2",
    "@B ? @A : 1",
    "concat(@A...)",
    "format(\"%s %s\", @A...)",
    "try(@A + 1)",
    "try(tonumber(@A))",
];

/// Every binary operator.
const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
];

/// The first rendering of `diags` (miette, JSON, or a label) that shows
/// the marker, if any.
fn leak(diags: &[Diagnostic]) -> Option<String> {
    let human = infra_cli::render::human(diags, false, 100);
    let json = infra_cli::render::json(diags);
    let labels: Vec<String> = diags
        .iter()
        .flat_map(|d| d.labels.iter().filter_map(|l| l.message.clone()))
        .collect();
    [human, json]
        .into_iter()
        .chain(labels)
        .find(|t| t.to_lowercase().contains(&MARK.to_lowercase()))
}

/// Evaluates `expr` in the secrets context with `secret`; panics showing
/// the rendering when a diagnostic shows the marker. True when it failed.
fn check(expr: &str, secret: &str) -> bool {
    let ctx = data_dir("secrets/context");
    match eval_expression(&ctx, inputs(secret), &EvalOptions::default(), expr) {
        Ok(_) => false,
        Err(diags) => {
            if let Some(shown) = leak(&diags) {
                panic!("`{expr}` with the secret {secret:?} shows it:\n{shown}");
            }
            true
        }
    }
}

/// Arguments for `name`: its fewest (at least one) filled with `filler`,
/// with the sensitive `arg` at `at`.
fn call(name: &str, arity: usize, at: usize, arg: &str, filler: &str) -> String {
    let args: Vec<&str> = (0..arity)
        .map(|i| if i == at { arg } else { filler })
        .collect();
    format!("{name}({})", args.join(", "))
}

#[test]
fn no_builtin_shows_a_sensitive_argument_in_its_errors() {
    let mut failed = 0;
    for f in infra_stdlib::FUNCTIONS {
        let arity = f.arity.min.max(1).max(f.arity.max.unwrap_or(1).min(3));
        for at in 0..arity {
            for (i, arg) in SENSITIVE.iter().enumerate() {
                for filler in ["\"x\"", "[]"] {
                    let expr = call(f.name, arity, at, arg, filler);
                    if check(&expr, &secret(i + at)) {
                        failed += 1;
                    }
                }
            }
        }
    }
    // The arguments do make functions fail (or the test proves nothing).
    assert!(failed > 1000, "only {failed} calls failed");
}

#[test]
fn no_operator_shows_a_sensitive_operand_in_its_errors() {
    let mut failed = 0;
    for op in OPERATORS {
        for (i, a) in SENSITIVE.iter().enumerate() {
            for b in PLAIN.iter().step_by(2).chain(SENSITIVE.iter().step_by(4)) {
                let s = secret(i);
                failed += usize::from(check(&format!("{a} {op} {b}"), &s));
                failed += usize::from(check(&format!("{b} {op} {a}"), &s));
            }
        }
    }
    for shape in SHAPES_OF_EXPRESSIONS {
        for (i, a) in SENSITIVE.iter().enumerate() {
            for b in PLAIN.iter().chain(SENSITIVE).step_by(3) {
                let expr = shape.replace("@A", a).replace("@B", b);
                failed += usize::from(check(&expr, &secret(i)));
            }
        }
    }
    assert!(failed > 3000, "only {failed} expressions failed");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(16), ..ProptestConfig::default() })]

    /// Random calls with several arguments, one or more of them
    /// sensitive, and expression shapes nested in one another.
    #[test]
    fn no_combination_shows_a_sensitive_value(
        f in 0..infra_stdlib::FUNCTIONS.len(),
        sensitive in 0..SENSITIVE.len(),
        at in 0usize..4,
        others in proptest::collection::vec(0..PLAIN.len() + SENSITIVE.len(), 0..4),
        shape in 0..SHAPES_OF_EXPRESSIONS.len(),
        nest in any::<bool>(),
        kind in 0..SHAPES.len(),
    ) {
        // `nonsensitive` shows its argument on purpose: the user asked.
        prop_assume!(infra_stdlib::FUNCTIONS[f].name != "nonsensitive");
        let pick = |i: usize| if i < PLAIN.len() { PLAIN[i] } else { SENSITIVE[i - PLAIN.len()] };
        let mut args: Vec<&str> = others.iter().map(|i| pick(*i)).collect();
        args.insert(at.min(args.len()), SENSITIVE[sensitive]);
        let call = format!("{}({})", infra_stdlib::FUNCTIONS[f].name, args.join(", "));
        let expr = if nest {
            SHAPES_OF_EXPRESSIONS[shape].replace("@A", &call).replace("@B", args[0])
        } else {
            call
        };
        check(&expr, &secret(kind));
    }
}

/// Declared types and failing values (as text, and as the value a var
/// file gives) for the conversion of a sensitive variable.
fn conversions(secret: &str) -> Vec<(&'static str, String)> {
    let q = infra_lang::value::quote(secret);
    vec![
        ("number", q.clone()),
        ("bool", q.clone()),
        ("string", format!("[{q}]")),
        ("string", format!("{{ {q} = 1 }}")),
        ("list(number)", format!("[{q}]")),
        ("list(number)", format!("{{ {q} = 1 }}")),
        ("set(number)", format!("[1, {q}]")),
        ("map(number)", format!("{{ a = {q} }}")),
        ("map(number)", format!("{{ {q} = \"x\" }}")),
        ("map(string)", format!("{{ {q} = [1] }}")),
        ("object({ a = number })", format!("{{ a = {q} }}")),
        ("object({ a = number })", format!("{{ {q} = 1 }}")),
        ("object({ a = list(number) })", format!("{{ a = [{q}] }}")),
        ("tuple([number])", format!("[{q}]")),
        ("tuple([number, string])", format!("[{q}]")),
        ("list(object({ a = bool }))", format!("[{{ a = {q} }}]")),
    ]
}

#[test]
fn no_conversion_of_a_sensitive_variable_shows_its_value() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for i in 0..SHAPES.len() {
        let s = secret(i);
        for (ty, text) in conversions(&s) {
            std::fs::write(
                dir.path().join("main.infra"),
                format!("variable \"v\" {{\n  type      = {ty}\n  sensitive = true\n}}\n"),
            )
            .expect("write the module");
            // From a var file: the value with its place in the file's text.
            let file = SourceFile::new("secret.infravars", format!("v = {text}\n"));
            let expr = infra_lang::syntax::parse_expr(&SourceFile::new("<v>", text.clone()))
                .expect("the test's value parses");
            let value = infra_lang::eval::eval_constant(&file, &expr).expect("a constant");
            let site = Some((file.clone(), Span::new(4, 4 + text.len())));
            // From the command line: the text itself (a string for
            // primitive types, parsed for collections).
            let raw = if matches!(ty, "number" | "bool" | "string") {
                s.clone()
            } else {
                text.clone()
            };
            for input in [
                InputValue::Value {
                    value,
                    site,
                    origin: "secret.infravars".into(),
                },
                InputValue::Raw {
                    text: raw,
                    origin: "-var".into(),
                },
                InputValue::Raw {
                    text: format!("{text} ]"),
                    origin: "-var".into(),
                },
            ] {
                let mut inputs = Inputs::default();
                inputs.vars.insert("v".into(), input);
                let r = eval_expression(dir.path(), inputs, &EvalOptions::default(), "var.v");
                let shown = match &r {
                    Ok(_) => continue,
                    Err(d) => leak(d),
                };
                assert!(
                    shown.is_none(),
                    "{ty} from {text}:\n{}",
                    shown.unwrap_or_default()
                );
            }
        }
    }
}

/// A configuration failing on sensitive variables in many ways; the values
/// come from `secret.auto.infravars` and `INFRA_VAR_`.
const FAILING: &str = r#"
variable "s" {
  type      = string
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
}

variable "env_pin" {
  type      = number
  sensitive = true
}

variable "m" {
  type      = map(string)
  sensitive = true
}

variable "v" {
  type      = string
  sensitive = true
  validation {
    condition     = length(var.v) < 3
    error_message = "too long: ${var.v}"
  }
}

resource "local_file" "arith" {
  filename = "out/${var.s + 1}"
  content  = "x"
}

resource "local_file" "tonumber" {
  filename = "out/tonumber"
  content  = tostring(tonumber(var.s))
}

resource "local_file" "mode" {
  filename        = "out/mode"
  content         = "x"
  file_permission = var.s
}

resource "local_file" "key" {
  filename = "out/key"
  content  = var.m[var.s]
}

resource "local_file" "missing" {
  filename = "out/missing"
  content  = var.m["nokey"]
}

resource "local_file" "cidr" {
  filename = "out/cidr"
  content  = cidrhost(var.s, 1)
}

resource "infra_data" "index" {
  input = [var.s][var.s]
}

resource "infra_data" "keys" {
  input = { for k in [var.s, var.s] : k => 1 }
}

output "attr" {
  value     = var.s.name
  sensitive = true
}
"#;

/// A configuration that plans and applies, with a sensitive value as a
/// map key and as values.
const WORKING: &str = r#"
variable "s" {
  type      = string
  sensitive = true
}

resource "infra_data" "keyed" {
  input = { for k in [var.s] : k => "v" }
}

resource "infra_data" "literal_key" {
  input = { (var.s) = "v", plain = "p" }
}

resource "local_sensitive_file" "f" {
  filename = "out/f"
  content  = var.s
}
"#;

/// Runs `args` in `w` with the secret also in the environment; asserts
/// the exit code and that no output shows the marker.
fn run_hidden(w: &Workdir, args: &[&str], code: i32) {
    let out = w
        .command(args)
        .env("INFRA_VAR_env_pin", format!("{MARK}-env"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run infra {args:?}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "infra {args:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.to_lowercase().contains(&MARK.to_lowercase()),
            "infra {args:?} shows the secret on {name}:\n{text}"
        );
    }
}

#[test]
fn the_cli_never_prints_a_sensitive_value_in_errors_or_plans() {
    let w = Workdir::new(FAILING);
    w.write(
        "secret.auto.infravars",
        &format!(
            "s   = \"{MARK}\"\npin = \"{MARK}-pin\"\nm   = {{ \"{MARK}-key\" = \"{MARK}-value\" }}\nv   = \"{MARK}-long\"\n"
        ),
    );
    for args in [
        &["plan", "--no-color"][..],
        &["plan", "--json"],
        &["plan", "--format", "markdown"],
        &["apply", "--auto-approve", "--no-color"],
    ] {
        run_hidden(&w, args, 1);
    }
    run_hidden(&w, &["validate"], 0);
    run_hidden(&w, &["validate", "--json"], 0);

    let w = Workdir::new(WORKING);
    w.write("secret.auto.infravars", &format!("s = \"{MARK}\"\n"));
    for args in [
        &["plan", "--no-color"][..],
        &["plan", "--json"],
        &["plan", "--format", "markdown"],
        &["apply", "--auto-approve", "--no-color"],
        &["plan", "--no-color"],
    ] {
        run_hidden(&w, args, 0);
    }
}

/// `sensitive_env("NAME")` brings a secret from the environment (a CI
/// token) into the configuration marked sensitive: plans show
/// `(sensitive value)`, never the secret; an unset variable is an error
/// that names it.
#[test]
fn sensitive_env_reads_a_secret_from_the_environment_without_showing_it() {
    let w = crate::support::Workdir::new(
        "resource \"infra_data\" \"t\" {\n  input = sensitive_env(\"INFRA_TEST_TOKEN\")\n}\n",
    );
    let token = "tok-3f9a-secret-marker";
    let out = w
        .command(&["plan", "--no-color"])
        .env("INFRA_TEST_TOKEN", token)
        .output()
        .expect("infra runs");
    let plan = crate::support::Run::of(&out);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);
    assert!(!plan.stdout.contains(token) && !plan.stderr.contains(token));

    let out = w
        .command(&["plan", "--no-color"])
        .env_remove("INFRA_TEST_TOKEN")
        .output()
        .expect("infra runs");
    let unset = crate::support::Run::of(&out);
    assert_eq!(unset.code, 1, "{}", unset.stdout);
    crate::support::assert_contains(&unset.stderr, "INFRA_TEST_TOKEN");
    crate::support::assert_contains(&unset.stderr, "is not set");
}
