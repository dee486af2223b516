//! Test harness: evaluates expressions with the built-in functions (and
//! `path.module` bound to `tests/data/eval/fixtures`), to check every
//! documented example and the Terraform-derived cases in
//! `tests/data/eval/*.jsonl`.

use crate::{FnContext, builtins};
use infra_lang::ast::Ident;
use infra_lang::eval::{Evaluator, Scope, Site, Step};
use infra_lang::value::{self, Number, Value};
use infra_lang::{Diagnostic, SourceFile, Span};
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/eval")
}

struct TestScope {
    base: PathBuf,
}

impl Scope for TestScope {
    fn resolve(
        &self,
        root: &Ident,
        steps: &[Step],
        site: &Site<'_>,
    ) -> Result<(Value, usize), Diagnostic> {
        match (root.name.as_str(), steps.first().and_then(Step::name)) {
            // As Terraform shows them: relative to the working directory,
            // which for these cases is the fixtures directory.
            ("path", Some("module" | "root")) => Ok((Value::string("."), 1)),
            ("path", Some("cwd")) => Ok((Value::string(self.base.to_string_lossy()), 1)),
            _ => Err(site.error(
                "test::reference",
                format!("no `{}` in the test scope", root.name),
                "here",
            )),
        }
    }

    fn call(
        &self,
        name: &Ident,
        args: Vec<Value>,
        arg_spans: &[Span],
        site: &Site<'_>,
    ) -> Result<Value, Diagnostic> {
        let ctx = FnContext {
            base_dir: &self.base,
        };
        crate::call_at(&name.name, args, &ctx, arg_spans, site)
    }
}

/// Evaluates `expr`; the error is the diagnostic's message.
pub(crate) fn eval(expr: &str) -> Result<Value, String> {
    let src = SourceFile::new("<test>", format!("{expr}\n"));
    let e = infra_lang::syntax::parse_expr(&src).map_err(|d| {
        d.iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let scope = TestScope {
        base: data_dir().join("fixtures"),
    };
    Evaluator::new(&scope, &src).eval(&e).map_err(|d| d.message)
}

#[test]
fn every_documented_example_evaluates_to_its_documented_result() {
    let mut failures = Vec::new();
    for b in builtins() {
        assert!(!b.examples.is_empty(), "`{}` has no example", b.name);
        assert!(
            crate::lookup(b.name).is_some(),
            "`{}` has no signature in FUNCTIONS",
            b.name
        );
        for ex in b.examples {
            match eval(ex.expr) {
                Ok(v) if value::render(&v) == ex.result => {}
                Ok(v) => failures.push(format!(
                    "{}\n  documented: {}\n  got:        {}",
                    ex.expr,
                    ex.result,
                    value::render(&v)
                )),
                Err(e) => failures.push(format!(
                    "{}\n  documented: {}\n  error:      {e}",
                    ex.expr, ex.result
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} examples differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The function names called in `expr` (approximately: identifiers
/// followed by `(`).
fn called_functions(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if bytes.get(i) == Some(&b'(') {
                out.push(expr[start..i].to_string());
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn terraform_derived_cases_give_terraforms_results() {
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut known = 0;
    let Ok(dir) = std::fs::read_dir(data_dir()) else {
        return;
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let Ok(case) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let Some(expr) = case.get("expr").and_then(|e| e.as_str()) else {
                continue;
            };
            let fns = called_functions(expr);
            if fns
                .iter()
                .any(|f| crate::builtin(f).is_none() && f != "try" && f != "can")
            {
                continue;
            }
            if case.get("skip").is_some() || case.get("known_difference").is_some() {
                known += usize::from(case.get("known_difference").is_some());
                continue;
            }
            ran += 1;
            let at = format!(
                "{}:{}: {expr}",
                file.file_name()
                    .map(|f| f.to_string_lossy())
                    .unwrap_or_default(),
                n + 1
            );
            let got = eval(expr);
            match (case.get("value"), case.get("error"), got) {
                (_, Some(_), Err(_)) => {}
                (_, Some(err), Ok(v)) => failures.push(format!(
                    "{at}\n  Terraform fails ({err}), we give {}",
                    value::render(&v)
                )),
                (Some(want), None, Ok(v)) => {
                    let json = value::to_json(&v).unwrap_or(serde_json::Value::Null);
                    let same_type = case.get("type").is_none_or(|t| *t == v.type_of().to_json());
                    // A number is compared exactly, from the text of the
                    // expected value (serde_json reads it as an f64).
                    let same_number = match (&v, raw_value(line)) {
                        // A function's float (Go `float64`) as written.
                        (Value::Number(Number::Float(f)), Some(raw)) if want.is_number() => {
                            raw.parse::<f64>() == Ok(*f)
                        }
                        (Value::Number(n), Some(raw)) if want.is_number() => {
                            Number::parse(raw).as_ref() == Some(n)
                        }
                        _ => true,
                    };
                    if !json_equal(&json, want) || !same_type || !same_number {
                        failures.push(format!(
                            "{at}\n  want {want} : {}\n  got  {json} : {}",
                            case.get("type").cloned().unwrap_or_default(),
                            v.type_of().to_json()
                        ));
                    }
                }
                (Some(want), None, Err(e)) => {
                    failures.push(format!("{at}\n  want {want}\n  error: {e}"))
                }
                (None, None, _) => {}
            }
        }
    }
    println!("{ran} cases ran; {known} skipped as documented differences (`known_difference`)");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases differ from Terraform:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The text of a case's `"value"` (the line is one JSON object).
fn raw_value(line: &str) -> Option<&str> {
    let start = line.find("\"value\": ")? + "\"value\": ".len();
    let rest = &line[start..];
    let mut values = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
    values.next()?.ok()?;
    Some(&rest[..values.byte_offset()])
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn json_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}
