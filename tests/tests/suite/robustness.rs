//! Bad input never panics or hangs: arbitrary bytes, mutated corpus files,
//! deep nesting and a 10 MB file all end in diagnostics or an AST. On
//! whatever parses, `fmt` must be idempotent and must not change the
//! meaning (the span-free AST of the output equals the input's, after
//! normalizing the rewrites Terraform's fmt makes).

use crate::support::{cases, data_dir};
use infra_lang::{SourceFile, syntax};
use proptest::prelude::*;
use serde_json::Value;

/// Parses `bytes` like `infra` reads a file; returns the AST as JSON when it
/// parses.
fn parse_bytes(bytes: Vec<u8>) -> Option<(std::sync::Arc<SourceFile>, Value)> {
    let source = SourceFile::from_bytes("fuzz.infra", bytes).ok()?;
    let parsed = syntax::parse(&source);
    let file = parsed.file?;
    Some((source, canonical(serde_json::to_value(&file).ok()?)))
}

/// Undo what `terraform fmt` rewrites on purpose, so meaning can be compared:
/// a quoted template holding one interpolation is its expression, parentheses
/// are grouping only (already in the tree's shape), and `type` arguments may
/// be respelled.
fn canonical(v: Value) -> Value {
    match v {
        Value::Object(mut map) => {
            if let Some(Value::String(name)) = map.get("name").and_then(|n| n.get("name")).cloned()
                && name == "type"
                && map.contains_key("expr")
            {
                map.insert("expr".into(), Value::Null);
            }
            if let Some(kind) = map.get("kind").cloned() {
                if let Some(inner) = kind.get("Parens") {
                    return canonical(inner.clone());
                }
                if let Some(t) = kind.get("Template")
                    && t.get("kind") == Some(&Value::String("Quoted".into()))
                    && let Some(Value::Array(parts)) = t.get("parts")
                    && parts.len() == 1
                    && let Some(expr) = parts[0].get("Interpolation").and_then(|i| i.get("expr"))
                {
                    return canonical(expr.clone());
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, canonical(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// The property: never panics; if it parses, fmt's output parses to the same
/// canonical AST and formatting it again changes nothing.
fn check_input(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let Some((source, ast)) = parse_bytes(bytes) else {
        return Ok(());
    };
    let once = infra_lang::fmt::format_source(&source).map_err(|d| {
        TestCaseError::fail(format!("fmt refused a parsed file: {:?}", d[0].message))
    })?;
    let (_, ast2) = parse_bytes(once.clone().into_bytes())
        .ok_or_else(|| TestCaseError::fail(format!("formatted output does not parse:\n{once}")))?;
    prop_assert_eq!(
        &ast,
        &ast2,
        "fmt changed the meaning of:\n{}\n---- into:\n{}",
        source.text(),
        once
    );
    let twice = infra_lang::fmt::format_text("fuzz.infra", &once)
        .map_err(|_| TestCaseError::fail("second fmt failed"))?;
    prop_assert_eq!(once, twice, "fmt is not idempotent");
    Ok(())
}

fn corpus() -> Vec<Vec<u8>> {
    let mut files = cases(&data_dir("parse/ok"), ".infra");
    files.extend(cases(&data_dir("fmt"), ".in.infra"));
    files
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

/// A corpus file with a few random edits: byte flips, deletions, insertions
/// of syntax-significant characters, truncation.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let corpus = corpus();
    let n = corpus.len();
    (
        0..n,
        proptest::collection::vec((any::<u16>(), 0u8..4, any::<u8>()), 1..6),
        any::<u16>(),
    )
        .prop_map(move |(i, edits, cut)| {
            let mut bytes = corpus[i].clone();
            const SIGNIFICANT: &[u8] = b"{}[]()\"'$%~<>-=:?,.#/*\\\n \t0aZ!&|";
            for (pos, op, b) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = pos as usize % bytes.len();
                match op {
                    0 => bytes[at] = SIGNIFICANT[b as usize % SIGNIFICANT.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    2 => bytes.insert(at, SIGNIFICANT[b as usize % SIGNIFICANT.len()]),
                    _ => bytes[at] = b,
                }
            }
            if cut % 7 == 0 && !bytes.is_empty() {
                bytes.truncate(cut as usize % bytes.len());
            }
            bytes
        })
}

proptest! {
    // A fixed seed: the test command must pass or fail the same way every
    // run; open-ended exploration is ci/fuzz.sh's and `cargo fuzz`'s job.
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(16), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_input(bytes)?;
    }

    #[test]
    fn hcl_shaped_noise_never_panics(text in "[a-z{}\\[\\]()\"=$%~<>:?,.#*\\n -]{0,300}") {
        check_input(text.into_bytes())?;
    }

    #[test]
    fn mutated_corpus_files_never_panic_and_fmt_preserves_meaning(bytes in mutated()) {
        check_input(bytes)?;
    }
}

#[test]
fn every_corpus_file_survives_the_property() {
    for bytes in corpus() {
        if let Err(e) = check_input(bytes.clone()) {
            panic!("{e}\n{}", String::from_utf8_lossy(&bytes));
        }
    }
}

fn expect_diagnostic(text: String, code_prefix: &str) {
    let source = SourceFile::new("deep.infra", text);
    let parsed = syntax::parse(&source);
    assert!(parsed.file.is_none(), "must not parse");
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code.starts_with(code_prefix)),
        "want {code_prefix}, got {:?}",
        parsed
            .diagnostics
            .iter()
            .map(|d| (d.code, &d.message))
            .collect::<Vec<_>>()
    );
}

#[test]
fn ten_megabytes_of_nesting_is_a_diagnostic_not_a_crash() {
    let n = 10 * 1024 * 1024 / 2;
    expect_diagnostic(format!("a = {}", "[".repeat(n)), "syntax::");
    expect_diagnostic(
        format!("a = {}1{}", "[".repeat(n / 2), "]".repeat(n / 2)),
        "syntax::",
    );
    expect_diagnostic(format!("a = {}1", "!".repeat(n)), "syntax::");
    expect_diagnostic(format!("a = {}", "\"${".repeat(n / 3)), "syntax::");
    expect_diagnostic(format!("a = {}", "(".repeat(n)), "syntax::");
}

/// Found by the mutation test: Terraform's fmt turns `1. 2` (legacy index
/// 2 of the number 1) into the number `1.2`; ours keeps the meaning.
#[test]
fn fmt_does_not_join_a_number_and_a_legacy_index_into_a_number() {
    for text in ["a = f(1. 2, 3)\n", "a = [1 .2]\n"] {
        let source = SourceFile::new("dot.infra", text.to_string());
        let out = infra_lang::fmt::format_source(&source).expect("formats");
        let again = SourceFile::new("dot.infra", out.clone());
        let ast = |s: &std::sync::Arc<SourceFile>| {
            syntax::parse(s)
                .file
                .and_then(|f| serde_json::to_value(&f).ok())
                .map(canonical)
        };
        assert!(ast(&source).is_some());
        assert_eq!(ast(&source), ast(&again), "{text:?} became {out:?}");
    }
}

#[test]
fn blocks_nested_past_the_limit_are_too_deep() {
    let n = syntax::MAX_NESTING + 50;
    expect_diagnostic(
        format!("{}{}", "b {\n".repeat(n), "}\n".repeat(n)),
        "syntax::too-deep",
    );
}

/// One argument holding more brackets than one parse may take on its stack
/// is refused with a clear error rather than parsed or crashed on.
#[test]
fn a_single_item_too_large_for_one_parse_is_reported() {
    expect_diagnostic(
        format!("a = [{}]\n", "[1],".repeat(300_000)),
        "syntax::too-large",
    );
}

/// The parser sizes its own stack: callers on small stacks (worker threads)
/// parse and format nested input like anyone else.
#[test]
fn parsing_works_on_a_small_thread_stack() {
    let depth = syntax::MAX_NESTING / 2;
    let text = format!(
        "a = {}1{}\n\nb = \"${{{}1{}}}\"\n",
        "[".repeat(depth),
        "]".repeat(depth),
        "(".repeat(depth / 2),
        ")".repeat(depth / 2)
    );
    let formatted = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let source = SourceFile::new("small-stack.infra", text);
            let parsed = syntax::parse(&source).file.is_some();
            (parsed, infra_lang::fmt::format_source(&source).is_ok())
        })
        .expect("spawn")
        .join()
        .expect("no crash");
    assert_eq!(formatted, (true, true));
}

/// A file with more brackets in all than one parse may take on its stack is
/// parsed, and formatted, in runs of whole top-level items.
#[test]
fn a_file_too_large_for_one_parse_is_parsed_and_formatted_in_pieces() {
    let n = 50_000;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("x{i} = [[[[[[1]]]]]]\n\n"));
    }
    text.push_str("resource \"infra_data\" \"last\" {\n  input = \"v${x1}\"\n}\n");
    let source = SourceFile::new("huge.infra", text.clone());
    let parsed = syntax::parse_whole(&source);
    assert_eq!(parsed.file.map(|f| f.body.items.len()), Some(n + 1));
    let formatted = infra_lang::fmt::format_source(&source);
    assert!(
        formatted.as_deref().ok() == Some(text.as_str()),
        "formatting changed the file or failed"
    );
    // A syntax error past the first piece is reported at its place.
    let broken = format!("{text}oops = [\n");
    let source = SourceFile::new("huge.infra", broken.clone());
    let parsed = syntax::parse_whole(&source);
    assert!(parsed.file.is_none());
    let at = parsed.diagnostics.first().and_then(|d| d.primary_span());
    assert!(
        at.is_some_and(|s| s.start > text.len()),
        "{:?}",
        parsed.diagnostics.first().map(|d| &d.message)
    );
}

#[test]
fn nesting_within_the_limit_parses_and_formats() {
    let depth = syntax::MAX_NESTING / 4;
    let text = format!("a = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let source = SourceFile::new("ok.infra", text.clone());
    assert!(syntax::parse(&source).file.is_some());
    assert_eq!(
        infra_lang::fmt::format_source(&source).ok().as_deref(),
        Some(text.as_str())
    );
}

#[test]
fn a_large_flat_file_parses() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("resource \"infra_data\" \"r{i}\" {{\n  input = {{ n = {i}, s = \"v${{{i}}}\" }}\n}}\n\n"));
    }
    let source = SourceFile::new("big.infra", text);
    let parsed = syntax::parse(&source);
    assert_eq!(parsed.file.map(|f| f.body.items.len()), Some(20_000));
}

/// Large files are parsed in chunks on several threads; the result must be
/// exactly the single-threaded parse, including when lines inside heredocs,
/// block comments and multi-line brackets look like top-level items.
#[test]
fn chunked_parsing_of_large_files_equals_a_single_parse() {
    let mut text = String::new();
    for i in 0..4_000 {
        text.push_str(&format!(
            "resource \"infra_data\" \"r{i}\" {{\n  input = <<EOT\nresource \"fake\" \"in_heredoc_{i}\" {{\n  x = \"}}\"\nEOT\n  list = [\n\"a\",\n    \"${{var.x}}-{{\",\n  ]\n}}\n/* a comment\nlocals {{\n*/\nlocals {{\n  l{i} = \"{{${{1 + {i}}}\"\n}}\n\n"
        ));
    }
    assert!(text.len() > 600_000, "large enough to be parsed in chunks");
    let source = SourceFile::new("big.infra", text);
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return; // chunking needs two cores
    }
    let chunked = syntax::parse_in_chunks(&source).expect("split into chunks that all parse");
    let whole = syntax::parse_whole(&source);
    assert!(
        whole.file.is_some(),
        "{:?}",
        whole.diagnostics.first().map(|d| &d.message)
    );
    let a = serde_json::to_value(chunked.file.as_ref().expect("parses")).expect("json");
    let b = serde_json::to_value(whole.file.as_ref().expect("parses")).expect("json");
    assert_eq!(a, b);
    // Spans are file positions in both.
    let first = |f: &infra_lang::ast::File| {
        f.body.items.last().map(|i| match i {
            infra_lang::ast::BodyItem::Block(b) => b.span,
            infra_lang::ast::BodyItem::Attribute(a) => a.span,
        })
    };
    assert_eq!(
        chunked.file.as_ref().and_then(first),
        whole.file.as_ref().and_then(first)
    );

    // A syntax error near the end: same diagnostics as a single parse.
    let broken = format!(
        "{}\nresource \"x\" \"y\" {{\n  a = [1,\n}}\n",
        source.text()
    );
    let broken = SourceFile::new("big.infra", broken);
    assert!(
        syntax::parse_in_chunks(&broken).is_none(),
        "a failing chunk gives up"
    );
    let (c, w) = (syntax::parse(&broken), syntax::parse_whole(&broken));
    assert!(c.file.is_none());
    assert_eq!(
        c.diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone(), d.primary_span()))
            .collect::<Vec<_>>(),
        w.diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone(), d.primary_span()))
            .collect::<Vec<_>>()
    );
}

/// Values of many shapes, as expression source, to feed functions and
/// operators: every built-in called with any of them must return a value
/// or a diagnostic — never panic.
const ARGS: &[&str] = &[
    "null",
    "true",
    "0",
    "-1",
    "3.5",
    "1e300",
    "-9223372036854775808",
    "\"\"",
    "\"a,b\"",
    "\"é\"",
    "\"10.0.0.0/8\"",
    "\"/(\"",
    "\"%\"",
    "\"%[9]d\"",
    "[]",
    "[1, \"a\"]",
    "[[1], [2, 3]]",
    "{}",
    "{ a = 1, b = [true] }",
    "tolist([])",
    "toset([\"x\"])",
    "tomap({ k = \"v\" })",
    "sensitive(\"s\")",
    "\"${path.module}/hello.txt\"",
    "\"**\"",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn every_builtin_survives_any_arguments(
        f in 0..infra_stdlib::FUNCTIONS.len(),
        args in proptest::collection::vec(0..ARGS.len(), 0..4),
    ) {
        let name = infra_stdlib::FUNCTIONS[f].name;
        let args: Vec<&str> = args.iter().map(|i| ARGS[*i]).collect();
        let expr = format!("{name}({})", args.join(", "));
        let ctx = data_dir("eval/fixtures");
        // The result does not matter; getting one (value or error) does.
        let _ = infra_engine::eval::eval_expression(&data_dir("eval/context"), infra_engine::eval::Inputs::default(), &infra_engine::eval::EvalOptions::default(), &expr.replace("${path.module}", &ctx.to_string_lossy()));
    }
}

// ------------------------------------------------------------------ parse work
//
// Parsing must take time linear in the input on every input. The measure is
// deterministic: pest's count of parser calls (rules, sequences, options,
// repetitions, lookaheads), read by bisecting pest's call limit. That limit
// is process-wide, so measuring tests re-run themselves alone in a child
// process (`in_child`) where no other test's parse can hit it.

/// Set in the child process that runs one measuring test alone.
const WORK_CHILD: &str = "INFRA_TEST_PARSE_WORK_CHILD";

/// Runs `body` in a child process running only the test `name` (its path in
/// the suite, e.g. `robustness::x`), and fails when the child fails.
fn in_child(name: &str, body: impl FnOnce()) {
    if std::env::var_os(WORK_CHILD).is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(WORK_CHILD, "1")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} failed in its child process\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What is parsed: a file (`infra validate`, `plan`, `fmt`), the formatter's
/// token grammar (run only on files that parse), or a template file
/// (`templatefile`).
#[derive(Clone, Copy, Debug)]
enum Entry {
    File,
    Lexer,
    Template,
}

/// Whether parsing `text` as `entry` takes at most `limit` parser calls.
fn within(entry: Entry, text: &str, limit: usize) -> bool {
    pest::set_call_limit(std::num::NonZeroUsize::new(limit));
    let limited =
        |d: &[infra_lang::Diagnostic]| d.iter().any(|d| d.message == "call limit reached");
    let ok = match entry {
        Entry::File => {
            !limited(&syntax::parse(&SourceFile::new("work.infra", text.to_string())).diagnostics)
        }
        Entry::Lexer => syntax::lexer::lex(text, &[]).is_some(),
        Entry::Template => {
            match syntax::parse_template(&SourceFile::new("work.tftpl", text.to_string())) {
                Ok(_) => true,
                Err(d) => !limited(&d),
            }
        }
    };
    pest::set_call_limit(None);
    ok
}

/// pest's exact count of parser calls for `text` (at least 1), or `None`
/// when it is more than `cap`.
fn calls(entry: Entry, text: &str, cap: usize) -> Option<usize> {
    let (mut low, mut high) = (1usize, 1usize);
    while !within(entry, text, high) {
        if high >= cap {
            return None;
        }
        low = high + 1;
        high = high.saturating_mul(2).min(cap);
    }
    while low < high {
        let mid = low + (high - low) / 2;
        if within(entry, text, mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    Some(high)
}

/// `unit` repeated (with `sep` between) until the text is at least `size`
/// bytes, after `head`.
fn grow(head: &str, unit: &str, sep: &str, size: usize) -> String {
    let mut text = head.to_string();
    while text.len() < size {
        text.push_str(unit);
        text.push_str(sep);
    }
    text
}

/// Checks that parsing a ~64 KiB text of a shape takes at most four times
/// the size ratio times the calls of a ~1 KiB text of the same shape.
fn assert_linear(entry: Entry, shape: &str, make: impl Fn(usize) -> String) {
    let (small, large) = (make(1024), make(64 * 1024));
    if matches!(entry, Entry::Lexer)
        && syntax::parse(&SourceFile::new("work.infra", small.clone()))
            .file
            .is_none()
    {
        return; // the formatter lexes only files that parse
    }
    let base = calls(entry, &small, 1 << 24)
        .unwrap_or_else(|| panic!("{entry:?} on {shape}: over 16M parser calls for 1 KiB"));
    let ratio = large.len().div_ceil(small.len()).max(1);
    let bound = base.saturating_mul(ratio).saturating_mul(4);
    assert!(
        within(entry, &large, bound),
        "{entry:?} on {shape}: a {}-byte text takes more than {bound} parser calls, \
         while a {}-byte one takes {base} (input starts {:?})",
        large.len(),
        small.len(),
        &small[..small.len().min(60)]
    );
}

/// Openers of every nesting construct, with what closes each.
const OPENERS: &[(&str, &str)] = &[
    ("f(", ")"),
    ("{a=", "}"),
    ("[", "]"),
    ("(", ")"),
    ("\"${", "}\""),
    ("\"%{if ", "}x%{endif}\""),
    ("[for v in ", ": v]"),
    ("{for k, v in ", ": k => v}"),
    ("c ? ", ": d"),
    ("c ? d : ", ""),
    ("a + ", ""),
    ("-", ""),
    ("<<EOT\n${", "}\nEOT\n"),
];

/// A named shape: the text of about the given size in bytes.
type Shape = (&'static str, Box<dyn Fn(usize) -> String>);

/// Named shapes: unclosed and closed nestings, flat files, long chains.
fn shapes() -> Vec<Shape> {
    let unclosed = |unit: &'static str| move |n: usize| grow("x = ", unit, "", n);
    vec![
        (
            "f({a=f({a=… unclosed (issue 16)",
            Box::new(unclosed("f({a=")),
        ),
        ("f(f(… unclosed", Box::new(unclosed("f("))),
        ("{a={a=… unclosed", Box::new(unclosed("{a="))),
        ("[[… unclosed", Box::new(unclosed("["))),
        ("((… unclosed", Box::new(unclosed("("))),
        ("\"${\"${… unclosed", Box::new(unclosed("\"${"))),
        ("\"%{if … unclosed", Box::new(unclosed("\"%{if "))),
        ("[for v in … unclosed", Box::new(unclosed("[for v in "))),
        (
            "{for k, v in … unclosed",
            Box::new(unclosed("{for k, v in ")),
        ),
        ("c ? c ? … unclosed", Box::new(unclosed("c ? "))),
        ("f(c ? f(c ? … unclosed", Box::new(unclosed("f(c ? "))),
        ("{a=g(1)+f({a=… unclosed", Box::new(unclosed("{a=g(1)+f("))),
        ("<<EOT ${<<EOT … unclosed", Box::new(unclosed("<<EOT\n${"))),
        (
            "deep closed nesting, line after line",
            Box::new(|n| {
                let line = format!("{}1{}", "f({a=[(".repeat(20), ")]})".repeat(20));
                grow("", &format!("x = {line}"), "\n", n)
            }),
        ),
        (
            "flat file of blocks",
            Box::new(|n| {
                grow(
                    "",
                    "resource \"infra_data\" \"r\" {\n  input = { n = 1, s = \"v${var.x}\" }\n}",
                    "\n\n",
                    n,
                )
            }),
        ),
        (
            "long operator chain",
            Box::new(|n| grow("x = 1", " + f(1) * 2", "", n) + "\n"),
        ),
        (
            "long traversal",
            Box::new(|n| grow("x = a", ".b[0]", "", n) + "\n"),
        ),
        (
            "long template",
            Box::new(|n| grow("x = \"", "a${b}%{if c}d%{endif}", "", n) + "\"\n"),
        ),
        (
            "long heredoc",
            Box::new(|n| grow("x = <<EOT\n", "a ${b} %{if c}d%{endif}", "\n", n) + "EOT\n"),
        ),
    ]
}

/// Item 7 of issue 16: `x = f({a=f({a=…` left unclosed took 35 s for 24
/// levels, 2.2 times longer per level.
#[test]
fn an_unclosed_call_of_objects_parses_in_linear_work() {
    in_child(
        "robustness::an_unclosed_call_of_objects_parses_in_linear_work",
        || {
            let text = format!("x = {}", "f({a=".repeat(60));
            let cap = 200 * text.len();
            let n = calls(Entry::File, &text, cap);
            assert!(
                n.is_some(),
                "more than {cap} parser calls for {} bytes",
                text.len()
            );
            let parsed = syntax::parse(&SourceFile::new("u.infra", text));
            assert_eq!(parsed.diagnostics[0].code, "syntax::unclosed-delimiter");
        },
    );
}

/// Every named shape, as a file, as formatter tokens and as a template.
#[test]
fn every_shape_parses_in_work_linear_in_its_size() {
    in_child(
        "robustness::every_shape_parses_in_work_linear_in_its_size",
        || {
            for (name, make) in shapes() {
                for entry in [Entry::File, Entry::Lexer, Entry::Template] {
                    assert_linear(entry, name, &make);
                }
            }
        },
    );
}

/// Property: any nesting built from the openers, closed or not, after
/// any of them, parses in work linear in its size.
#[test]
fn any_nesting_parses_in_work_linear_in_its_size() {
    in_child(
        "robustness::any_nesting_parses_in_work_linear_in_its_size",
        || {
            let strategy = (
                proptest::collection::vec(0..OPENERS.len(), 1..5),
                any::<bool>(),
                0..3usize,
            );
            let config = ProptestConfig {
                cases: 40,
                failure_persistence: None,
                ..ProptestConfig::default()
            };
            proptest::test_runner::TestRunner::new(config)
                .run(&strategy, |(unit, closed, entry)| {
                    let open: String = unit.iter().map(|i| OPENERS[*i].0).collect();
                    let close: String = unit.iter().rev().map(|i| OPENERS[*i].1).collect();
                    let entry = [Entry::File, Entry::Lexer, Entry::Template][entry];
                    let shape = format!("{open:?} closed={closed}");
                    if closed {
                        // Closed: one nesting per line, lines repeated.
                        let line = format!("x = {open}1{close}");
                        assert_linear(entry, &shape, |n| grow("", &line, "\n", n));
                    } else {
                        assert_linear(entry, &shape, |n| grow("x = ", &open, "", n));
                    }
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{e}"));
        },
    );
}
