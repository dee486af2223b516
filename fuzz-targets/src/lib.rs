//! Fuzz targets as plain functions over bytes. Each returns normally on any
//! input a user could give; a panic, an abort, a hang or unbounded memory is
//! a finding. `fuzz/` (cargo-fuzz, libFuzzer) drives them with coverage
//! guidance; the test suite replays the committed corpus under
//! `fuzz/corpus/<target>/` through the same functions on every run.

use infra_engine::eval::{EvalOptions, Inputs, eval_expression};
use infra_engine::plan::file as plan_file;
use infra_engine::state::{file as state_file, journal};
use infra_lang::{SourceFile, fmt, syntax};
use std::path::Path;
use std::sync::OnceLock;

/// A fuzz target: takes any bytes, panics only on a finding.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/<name>.rs` and
/// `fuzz/corpus/<name>/` call them.
pub const TARGETS: &[(&str, Target)] = &[
    ("parse", parse),
    ("fmt", format),
    ("eval", eval),
    ("state", state),
];

/// Inputs longer than this are cut: the targets look for wrong results
/// and crashes, not for the linear cost of long inputs (the robustness
/// tests cover that).
pub const MAX_INPUT: usize = 16 * 1024;

fn cut(data: &[u8]) -> &[u8] {
    &data[..data.len().min(MAX_INPUT)]
}

/// The parser: any bytes give an AST or diagnostics, and the language
/// server's reparse that reuses unchanged top-level items gives exactly
/// the same. When a file parses, the parse cache's encoding of its tree
/// decodes to the same tree, the formatter accepts it, its output parses
/// too, and formatting that output again changes nothing.
///
/// # Panics
/// On a finding: a reparse that differs from the parse, an encoding that
/// decodes to another tree, the formatter
/// refusing a parsed file, output that does not parse, or a second format
/// that changes the text.
pub fn parse(data: &[u8]) {
    let Ok(source) = SourceFile::from_bytes("fuzz.infra", cut(data).to_vec()) else {
        return;
    };
    let parsed = syntax::parse(&source);
    reparse_agrees(&source, &parsed);
    let Some(file) = &parsed.file else {
        return;
    };
    // The parse cache's encoding gives the same tree back.
    if let Some(bytes) = infra_lang::ast_codec::encode(file) {
        let back = infra_lang::ast_codec::decode(&bytes).map(|f| format!("{f:?}"));
        assert_eq!(
            back,
            Some(format!("{file:?}")),
            "the parse cache's encoding changed the tree"
        );
    }
    let once = match fmt::format_source(&source) {
        Ok(text) => text,
        Err(d) => panic!("fmt refused a file that parses: {:?}", d.first()),
    };
    let again = SourceFile::new("fuzz.infra", once.clone());
    assert!(
        syntax::parse(&again).file.is_some(),
        "formatted output does not parse:\n{once}"
    );
    match fmt::format_text("fuzz.infra", &once) {
        Ok(twice) => assert_eq!(once, twice, "fmt is not idempotent"),
        Err(d) => panic!("fmt refused its own output: {:?}", d.first()),
    }
}

/// Parses the text with its first line moved to the end, then the text
/// itself with the items the first parse kept: the second parse reuses
/// the items both share (their spans moved) and must equal `parsed`.
fn reparse_agrees(source: &std::sync::Arc<SourceFile>, parsed: &syntax::Parsed) {
    let text = source.text();
    let Some((first, rest)) = text.split_once('\n') else {
        return;
    };
    let rotated = SourceFile::new("fuzz.infra", format!("{rest}\n{first}"));
    let mut cache = syntax::ItemCache::default();
    let _ = syntax::parse_reusing_from(&rotated, &mut cache, 0);
    let (again, _) = syntax::parse_reusing_from(source, &mut cache, 0);
    let shown = |p: &syntax::Parsed| {
        let diags: Vec<String> = p
            .diagnostics
            .iter()
            .map(|d| format!("{} {} {:?}", d.code, d.message, d.labels))
            .collect();
        format!("{:?}\n{diags:?}", p.file)
    };
    assert_eq!(
        shown(&again),
        shown(parsed),
        "a reparse differs from the parse"
    );
}

/// The formatter on its own, with its lossless lexer, on any text (also
/// text that does not parse, which it must refuse with diagnostics).
pub fn format(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(cut(data)) {
        let _ = fmt::format_text("fuzz.infra", text);
    }
}

/// A small module the expression target evaluates in: a variable, a
/// sensitive variable, locals of every kind of value, a user function.
const MODULE: &str = r#"
variable "name" {
  type    = string
  default = "web"
}

variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

locals {
  n    = 3
  list = ["a", "b", "c"]
  map  = { a = 1, b = 2 }
  obj  = { name = var.name, tags = { env = "dev" } }
  text = <<-EOT
    hello ${var.name}
  EOT
}

function "greet" {
  params = { who = string }
  result = "hello ${who}"
}
"#;

fn module_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().ok()?;
        std::fs::write(dir.path().join("main.infra"), MODULE).ok()?;
        Some(dir)
    })
    .as_ref()
    .map(tempfile::TempDir::path)
}

/// Expression evaluation: any text is parsed as an expression and
/// evaluated in [`MODULE`] (operators, references, `for`, splats, every
/// built-in function, user functions): a value or diagnostics.
pub fn eval(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(cut(data)) else {
        return;
    };
    if let Some(root) = module_dir() {
        let _ = eval_expression(root, Inputs::default(), &EvalOptions::default(), text);
    }
}

/// The decoders of what infra reads back from disk: the state file, the
/// journal and saved plans. A state that decodes encodes to a text that
/// decodes to the same state.
///
/// # Panics
/// On a finding: a state that does not survive its own round trip.
pub fn state(data: &[u8]) {
    // A journal is read as bytes: a crash can tear it inside a character.
    let _ = journal::parse(cut(data));
    let Ok(text) = std::str::from_utf8(cut(data)) else {
        return;
    };
    let _ = plan_file::from_text(text);
    if let Ok(decoded) = state_file::from_text(text, "fuzz.json") {
        let written = state_file::to_text(&decoded);
        match state_file::from_text(&written, "fuzz.json") {
            Ok(again) => assert_eq!(
                state_file::to_text(&again),
                written,
                "state changed in a round trip"
            ),
            Err(e) => panic!("a written state does not read back: {e}"),
        }
    }
}
