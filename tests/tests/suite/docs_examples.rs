//! The examples in docs/language.md and README.md are real code.
//!
//! Every fenced block whose info string is `hcl` is a whole `.infra` file:
//! it must parse without any diagnostic and already be laid out exactly as
//! `infra fmt` writes it. Blocks fenced as `hcl-expr` are fragments holding
//! one expression: each must parse as an expression
//! (`infra_lang::syntax::parse_expr`) and, written as the value of an
//! argument (`x = EXPR`), be left unchanged by the formatter. Fences with
//! any other info string (none, `text`, `sh`, ...) are not checked; one that
//! starts with `hcl` but is neither of the two (a typo such as `hcl-exp`)
//! is a failure, so no example is skipped by accident. On failure every
//! failing block is listed with its file and line.
//!
//! Only syntax and layout are checked here. Whether an example also passes
//! `infra validate` (declared references, provider schemas) is not, since
//! many examples use names declared in neighbouring blocks.

use crate::support::render;
use infra_lang::{SourceFile, syntax};
use std::path::Path;

/// One fenced code block of a Markdown file.
struct Fence {
    /// The info string after the opening fence, e.g. `hcl`.
    info: String,
    /// The 1-based line of the opening fence.
    line: usize,
    /// The lines between the fences, each ending with `\n`.
    body: String,
    /// False when the file ended before a closing fence.
    closed: bool,
}

/// The fenced code blocks (backticks or tildes, at least three, indented at
/// most three spaces) of a CommonMark document, in order.
fn fences(markdown: &str) -> Vec<Fence> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, marker, info)) = opening_fence(lines[i]) else {
            i += 1;
            continue;
        };
        let line = i + 1;
        let mut body = String::new();
        let mut closed = false;
        i += 1;
        while i < lines.len() {
            if is_closing_fence(lines[i], &marker) {
                closed = true;
                break;
            }
            body.push_str(strip_indent(lines[i], indent));
            body.push('\n');
            i += 1;
        }
        out.push(Fence {
            info,
            line,
            body,
            closed,
        });
        i += 1;
    }
    out
}

/// `(indent, fence marker, info string)` when `line` opens a fence.
fn opening_fence(line: &str) -> Option<(usize, String, String)> {
    let rest = line.trim_start_matches(' ');
    let indent = line.len() - rest.len();
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.chars().take_while(|c| *c == ch).count();
    if indent > 3 || len < 3 {
        return None;
    }
    let info = rest[len..].trim();
    if ch == '`' && info.contains('`') {
        return None;
    }
    let word = info.split_whitespace().next().unwrap_or("");
    Some((indent, rest[..len].to_string(), word.to_string()))
}

/// Whether `line` closes a fence opened with `marker`.
fn is_closing_fence(line: &str, marker: &str) -> bool {
    let rest = line.trim_start_matches(' ');
    let Some(ch) = marker.chars().next() else {
        return false;
    };
    line.len() - rest.len() <= 3
        && rest.starts_with(marker)
        && rest.trim_end().chars().all(|c| c == ch)
}

/// `line` without up to `indent` leading spaces.
fn strip_indent(line: &str, indent: usize) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    &line[spaces.min(indent)..]
}

/// Where the first difference between `want` and `got` is, as
/// `line N: ...` with `N` counted in the document (`first_line` is the
/// document line of the first line of `want`).
fn first_difference(want: &str, got: &str, first_line: usize) -> String {
    let mut want_lines = want.lines();
    let mut got_lines = got.lines();
    for n in first_line.. {
        match (want_lines.next(), got_lines.next()) {
            (None, None) => break,
            (w, g) if w == g => {}
            (w, g) => {
                return format!(
                    "line {n}:\n    written:   {:?}\n    formatted: {:?}",
                    w.unwrap_or("(end of block)"),
                    g.unwrap_or("(end of block)")
                );
            }
        }
    }
    "the block differs only in its final newlines".to_string()
}

/// A ```hcl block: a whole file that parses and is formatted.
fn check_file(name: &str, fence: &Fence) -> Result<(), String> {
    let source = SourceFile::new(name, fence.body.as_str());
    let parsed = syntax::parse(&source);
    if parsed.file.is_none() || !parsed.diagnostics.is_empty() {
        return Err(format!("does not parse:\n{}", render(&parsed.diagnostics)));
    }
    let formatted = infra_lang::fmt::format_text(name, &fence.body)
        .map_err(|d| format!("the formatter refused it:\n{}", render(&d)))?;
    if formatted == fence.body {
        Ok(())
    } else {
        Err(format!(
            "is not formatted as `infra fmt` writes it; first difference at {}",
            first_difference(&fence.body, &formatted, fence.line + 1)
        ))
    }
}

/// A ```hcl-expr block: one expression that parses and, as an argument's
/// value, is formatted.
fn check_expr(name: &str, fence: &Fence) -> Result<(), String> {
    let source = SourceFile::new(name, fence.body.as_str());
    syntax::parse_expr(&source)
        .map_err(|d| format!("does not parse as an expression:\n{}", render(&d)))?;
    let prefix = "x = ";
    let written = format!("{prefix}{}", fence.body);
    let formatted = infra_lang::fmt::format_text(name, &written)
        .map_err(|d| format!("the formatter refused `x = ...`:\n{}", render(&d)))?;
    if formatted == written {
        Ok(())
    } else {
        Err(format!(
            "is not formatted as `infra fmt` writes it (as `x = ...`); first difference at {}",
            first_difference(&written, &formatted, fence.line + 1)
        ))
    }
}

/// Checks every `hcl` / `hcl-expr` block of `doc` (a path from the
/// repository root), appending failures; returns how many blocks of each
/// kind were checked.
fn check_doc(doc: &str, failures: &mut Vec<String>) -> (usize, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(doc);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let (mut files, mut exprs) = (0, 0);
    for fence in fences(&text) {
        if !fence.info.starts_with("hcl") {
            continue;
        }
        let name = format!("{doc} (block at line {})", fence.line);
        let result = if !fence.closed {
            Err("has no closing fence".to_string())
        } else {
            match fence.info.as_str() {
                "hcl" => {
                    files += 1;
                    check_file(&name, &fence)
                }
                "hcl-expr" => {
                    exprs += 1;
                    check_expr(&name, &fence)
                }
                other => Err(format!(
                    "has the unknown info string `{other}`: use `hcl` for a whole file or `hcl-expr` for one expression"
                )),
            }
        };
        if let Err(e) = result {
            failures.push(format!(
                "--- {doc}:{}: ```{} block {e}",
                fence.line, fence.info
            ));
        }
    }
    (files, exprs)
}

#[test]
fn hcl_blocks_in_readme_and_docs_parse_and_are_formatted() {
    let mut failures = Vec::new();
    let (files, exprs) = check_doc("docs/language.md", &mut failures);
    let (mut readme_files, mut readme_exprs) = check_doc("README.md", &mut failures);
    // Every other guide under docs/ too (the generated references hold
    // no ```hcl blocks of their own).
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let mut guides: Vec<String> = std::fs::read_dir(&docs)
        .expect("list docs/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".md") && n != "language.md")
        .collect();
    guides.sort();
    for name in guides {
        let (f, e) = check_doc(&format!("docs/{name}"), &mut failures);
        readme_files += f;
        readme_exprs += e;
    }
    assert!(
        files > 0 && exprs > 0,
        "docs/language.md should hold ```hcl and ```hcl-expr blocks; found {files} and {exprs} (is the fence extraction broken?)"
    );
    let total = files + exprs + readme_files + readme_exprs;
    assert!(
        failures.is_empty(),
        "{} of {total} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fence_extraction_finds_blocks_their_lines_and_info_strings() {
    let md = "text\n```hcl\na = 1\n```\n\n  ~~~~hcl-expr extra\n  1 +\n  2\n  ~~~~\n```sh\nls\n```\n````hcl\nunclosed\n";
    let got: Vec<(String, usize, String, bool)> = fences(md)
        .into_iter()
        .map(|f| (f.info, f.line, f.body, f.closed))
        .collect();
    assert_eq!(
        got,
        vec![
            ("hcl".into(), 2, "a = 1\n".into(), true),
            ("hcl-expr".into(), 6, "1 +\n2\n".into(), true),
            ("sh".into(), 10, "ls\n".into(), true),
            ("hcl".into(), 13, "unclosed\n".into(), false),
        ]
    );
    let mut failures = Vec::new();
    let bad = Fence {
        info: "hcl".into(),
        line: 7,
        body: "a=1\n".into(),
        closed: true,
    };
    if let Err(e) = check_file("t", &bad) {
        failures.push(e);
    }
    let broken = Fence {
        info: "hcl-expr".into(),
        line: 1,
        body: "1 +\n".into(),
        closed: true,
    };
    if let Err(e) = check_expr("t", &broken) {
        failures.push(e);
    }
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures[0].contains("line 8:"), "{}", failures[0]);
    assert!(failures[1].contains("does not parse"), "{}", failures[1]);
}
