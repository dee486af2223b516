//! Regression tests for functions fed memory and time bombs and deep data
//! (issue 16, items 8 and 9): each fails with `function::too-large` or a
//! limit named in its message, checked before the memory is taken, instead
//! of aborting, hanging or returning wrong digits.

use crate::harness::eval;
use crate::limits::{MAX_DEPTH, TOO_LARGE};
use crate::{FnContext, FnError, call};
use infra_lang::Value;
use infra_lang::types::Type;
use std::path::Path;

fn run(name: &str, args: Vec<Value>) -> Result<Value, FnError> {
    let ctx = FnContext {
        base_dir: Path::new("."),
    };
    call(name, args, &ctx)
}

fn too_large(name: &str, args: Vec<Value>) -> String {
    match run(name, args) {
        Ok(v) => panic!("`{name}` built a value of type {}", v.type_of()),
        Err(e) => {
            assert_eq!(e.code, TOO_LARGE, "{}", e.message);
            assert!(
                e.message.contains("at most 10000000 values"),
                "{}",
                e.message
            );
            e.message
        }
    }
}

fn s(text: &str) -> Value {
    Value::string(text)
}

#[test]
fn indent_by_a_billion_spaces_is_too_large_and_one_line_needs_no_spaces() {
    let m = too_large("indent", vec![Value::int(999_999_999), s("a\nb")]);
    assert!(m.contains("an indented string of 1000000002 bytes"), "{m}");
    assert_eq!(
        run("indent", vec![Value::int(999_999_999), s("a")]),
        Ok(s("a"))
    );
    assert_eq!(eval(r#"indent(2, "a\nb")"#), Ok(s("a\n  b")));
}

#[test]
fn setproduct_of_a_billion_rows_is_too_large() {
    let r = eval("setproduct(range(1000), range(1000), range(1000))").expect_err("a billion rows");
    assert!(r.contains("a product of 1000000000 rows"), "{r}");
    assert_eq!(
        eval("length(setproduct(range(100), range(100)))"),
        Ok(Value::int(10_000))
    );
}

#[test]
fn format_widths_and_precisions_past_the_limit_are_too_large() {
    too_large("format", vec![s("%999999999d"), Value::int(1)]);
    too_large("format", vec![s("%.999999999f"), Value::int(1)]);
    too_large(
        "formatlist",
        vec![s("%999999999s"), Value::Tuple(vec![s("a")])],
    );
    assert_eq!(
        eval(r#"format("%5d|%.3s", 42, "abcdef")"#),
        Ok(s("   42|abc"))
    );
    // A string's precision truncates: no text to build.
    assert_eq!(eval(r#"format("%.999999999s", "abc")"#), Ok(s("abc")));
}

/// An infinity (`pow(10, 400)`, a float64 in Terraform too) is formatted
/// as Terraform 1.15.5 formats it, not as `"0.00"`; `1e308 * 10` stays
/// finite at 512 bits (tests/data/eval/strings.jsonl has its digits).
#[test]
fn an_infinite_number_is_formatted_as_terraform_formats_infinity() {
    let cases = [
        (
            r#"format("%05.1f|%-6v|%6v|%v|%+v|%06v", pow(10, 400), pow(10, 400), -pow(10, 400), -pow(10, 400), pow(10, 400), pow(10, 400))"#,
            " +Inf|+Inf  |  -Inf|-Inf|+Inf|00+Inf",
        ),
        (
            r#"format("%e|%.3E|%g|%+g|%-7g|", pow(10, 400), -pow(10, 400), pow(10, 400), pow(10, 400), -pow(10, 400))"#,
            "+Inf|-Inf|+Inf|+Inf|-Inf   |",
        ),
        (
            r#"format("% f|%8.2f|%08f|", pow(10, 400), pow(10, 400), pow(10, 400))"#,
            " Inf|    +Inf|    +Inf|",
        ),
    ];
    for (expr, want) in cases {
        assert_eq!(eval(expr), Ok(s(want)), "{expr}");
    }
    for spec in ["%d", "%b", "%x"] {
        let e = eval(&format!(r#"format("{spec}", pow(10, 400))"#)).expect_err("not an integer");
        assert!(e.contains("an integer is required"), "{spec}: {e}");
    }
}

#[test]
fn join_and_replace_that_would_pass_the_limit_are_too_large() {
    let sep = "x".repeat(1 << 20);
    let items = Value::Tuple(vec![s("a"); 300]);
    too_large("join", vec![s(&sep), items]);
    let text = "a".repeat(1 << 20);
    too_large("replace", vec![s(&text), s("a"), s(&"b".repeat(300))]);
    let huge = "b".repeat(1 << 20);
    too_large("replace", vec![s(&"a".repeat(300)), s("/a/"), s(&huge)]);
    assert_eq!(eval(r#"replace("abc", "/b/", "[$0]")"#), Ok(s("a[b]c")));
    assert_eq!(eval(r#"replace("ab", "", "-")"#), Ok(s("-a-b-")));
}

#[test]
fn any_result_over_the_limit_is_too_large_even_when_nothing_was_multiplied() {
    let big = "a".repeat((256 << 20) + 1);
    too_large("trimspace", vec![Value::String(big)]);
}

/// Nine levels of ten aliases each: a billion strings from 1 KB of YAML.
#[test]
fn a_yaml_alias_bomb_is_too_large_before_it_is_expanded() {
    let mut doc = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ('a'..='i').zip('b'..='j') {
        let refs = vec![format!("*{prev}"); 10].join(",");
        doc.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let m = too_large("yamldecode", vec![s(&doc)]);
    assert!(
        m.contains("a YAML document with its aliases expanded"),
        "{m}"
    );
    let small = "a: &a [1, 2]\nb: [*a, *a]\n";
    assert_eq!(
        eval(&format!("length(yamldecode({small:?}).b)")),
        Ok(Value::int(2))
    );
}

fn nested_yaml(depth: usize) -> String {
    // Block sequences: `- - - x`, one level per `- `.
    format!("{}x", "- ".repeat(depth))
}

#[test]
fn yaml_nested_ten_thousand_deep_stops_at_the_depth_limit() {
    let e = run("yamldecode", vec![s(&nested_yaml(10_000))]).expect_err("too deep");
    assert!(
        e.message.contains("nested more than 100 levels deep"),
        "{}",
        e.message
    );
    let flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(run("yamldecode", vec![s(&flow)]).is_err());
    let mapping: String = (0..2_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    assert!(run("yamldecode", vec![s(&mapping)]).is_err());
    assert!(run("yamldecode", vec![s(&nested_yaml(MAX_DEPTH))]).is_ok());
    assert!(run("yamldecode", vec![s(&nested_yaml(MAX_DEPTH + 1))]).is_err());
}

#[test]
fn json_nested_ten_thousand_deep_stops_at_the_depth_limit() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = run("jsondecode", vec![s(&deep)]).expect_err("too deep");
    assert!(
        e.message.contains("nested more than 100 levels deep"),
        "{}",
        e.message
    );
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(run("jsondecode", vec![s(&nested(MAX_DEPTH))]).is_ok());
    let e = run("jsondecode", vec![s(&nested(MAX_DEPTH + 1))]).expect_err("too deep");
    assert!(e.message.ends_with("at line 1 column 101"), "{}", e.message);
    // Brackets inside strings do not count.
    let text = format!("[\"{}\"]", "[".repeat(1000));
    assert!(run("jsondecode", vec![s(&text)]).is_ok());
}

/// A value nested `depth` deep (`[[[...[1]...]]]`), built without
/// recursion.
fn deep_value(depth: usize) -> Value {
    let mut v = Value::int(1);
    for _ in 0..depth {
        v = Value::Tuple(vec![v]);
    }
    v
}

/// The encoders write values nested deeper than a small thread stack holds
/// one frame per level (the language can build them, e.g. a chain of
/// locals each wrapping the next).
#[test]
fn json_and_yaml_encoders_write_deep_values_on_a_small_stack() {
    let out = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let v = deep_value(50_000);
            let json = super::functions::encoding::json_text(&v);
            let yaml = super::functions::yaml::encode(&v);
            // Dropping the value recurses once per level; that is the
            // value's business, not the encoders'.
            std::mem::forget(v);
            (json.map(|j| j.len()), yaml.map(|y| y.len()))
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
    assert_eq!(out.0, Ok(100_001));
    assert_eq!(out.1.map(|n| n > 50_000), Ok(true));
}

#[test]
fn distinct_and_set_functions_compare_by_value_in_linear_time() {
    assert_eq!(
        eval("distinct([1, 2, 1.0, 3, 2])"),
        eval("tolist([1, 2, 3])")
    );
    assert_eq!(
        eval("distinct([{a = [1]}, {a = [1]}, {a = [2]}])"),
        eval("tolist([{a = [1]}, {a = [2]}])")
    );
    // 200,000 elements: comparing every pair would run for hours.
    let n = 200_000;
    let items: Vec<Value> = (0..n).map(|i| Value::int(i % (n / 2))).collect();
    let out = run("distinct", vec![Value::List(Type::Number, items.clone())]).expect("distinct");
    let Value::List(_, out) = out else {
        panic!("a list")
    };
    assert_eq!(out.len() as i64, n / 2);
    assert_eq!(out.get(7), Some(&Value::int(7)));
    let all = Value::List(Type::Number, items);
    let half = Value::List(Type::Number, (0..n / 4).map(Value::int).collect());
    let sub = run("setsubtract", vec![all.clone(), half.clone()]).expect("setsubtract");
    let inter = run("setintersection", vec![all, half]).expect("setintersection");
    let len = |v: &Value| match v {
        Value::Set(_, items) => items.len() as i64,
        _ => -1,
    };
    assert_eq!((len(&sub), len(&inter)), (n / 4, n / 4));
}
