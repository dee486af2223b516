//! The parser against the corpus: every file under `parse/ok` is valid HCL
//! (checked with Terraform, see check_with_terraform.py) and must parse;
//! every file under `parse/err` holds one syntax error and must produce a
//! diagnostic, snapshotted as the user sees it.

use crate::support::{case_name, cases, data_dir, render, run_cases};
use infra_lang::{SourceFile, syntax};

fn load(path: &std::path::Path) -> Result<std::sync::Arc<SourceFile>, Vec<infra_lang::Diagnostic>> {
    let bytes = std::fs::read(path)
        .map_err(|e| vec![infra_lang::Diagnostic::error("io", e.to_string())])?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file")
        .to_string();
    SourceFile::from_bytes(name, bytes)
        .map_err(|(lossy, bad)| vec![infra_engine::config::invalid_utf8(&lossy, bad.offset)])
}

#[test]
fn valid_hcl_parses() {
    run_cases(&cases(&data_dir("parse/ok"), ".infra"), |path| {
        let source = load(path).map_err(|d| render(&d))?;
        let parsed = syntax::parse(&source);
        match parsed.file {
            Some(_) if parsed.diagnostics.is_empty() => Ok(()),
            _ => Err(render(&parsed.diagnostics)),
        }
    });
}

#[test]
fn syntax_errors_are_reported_with_a_labelled_span() {
    let mut rendered = Vec::new();
    run_cases(&cases(&data_dir("parse/err"), ".infra"), |path| {
        let diags = match load(path) {
            Err(d) => d,
            Ok(source) => {
                let parsed = syntax::parse(&source);
                if parsed.file.is_some() {
                    return Err("parsed without error".into());
                }
                parsed.diagnostics
            }
        };
        if diags.is_empty()
            || diags
                .iter()
                .any(|d| d.labels.is_empty() || !d.code.starts_with("syntax::"))
        {
            return Err(format!(
                "expected labelled syntax diagnostics, got:\n{}",
                render(&diags)
            ));
        }
        rendered.push((case_name(path), render(&diags)));
        Ok(())
    });
    for (name, text) in rendered {
        insta::assert_snapshot!(format!("parse_err__{name}"), text);
    }
}

#[test]
fn expressions_parse_with_hcl_precedence() {
    // (text, expected tree in a compact form)
    let cases = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("a || b && c == d", "(|| a (&& b (== c d)))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("!a && -b < c", "(&& (! a) (< (neg b) c))"),
        ("a ? b : c ? d : e", "(? a b (? c d e))"),
        ("x.y[0].z", "(. ([] (. x y) 0) z)"),
        ("a[*].b.c", "(splat[*] a (. (. * b) c))"),
        ("a.*.b[0]", "([] (splat.* a (. * b)) 0)"),
        ("a.0.b", "(. ([] a 0) b)"),
        ("f(x, y...)", "(call f x y ...)"),
        (
            "provider::aws::arn_parse(x)",
            "(call provider::aws::arn_parse x)",
        ),
    ];
    for (text, want) in cases {
        let source = SourceFile::new("expr", text);
        let expr = syntax::parse_expr(&source).unwrap_or_else(|d| panic!("{text}: {}", render(&d)));
        assert_eq!(sexpr(&expr), want, "for {text}");
    }
}

fn sexpr(e: &infra_lang::ast::Expr) -> String {
    use infra_lang::ast::{ExprKind::*, UnaryOp};
    match &e.kind {
        Number(n) => n.clone(),
        Variable(v) => v.name.clone(),
        SplatItem => "*".into(),
        Binary { op, lhs, rhs } => format!("({} {} {})", op.symbol(), sexpr(lhs), sexpr(rhs)),
        Unary { op, operand } => format!(
            "({} {})",
            if *op == UnaryOp::Not { "!" } else { "neg" },
            sexpr(operand)
        ),
        Conditional {
            condition,
            then_expr,
            else_expr,
        } => {
            format!(
                "(? {} {} {})",
                sexpr(condition),
                sexpr(then_expr),
                sexpr(else_expr)
            )
        }
        GetAttr { object, name } => format!("(. {} {})", sexpr(object), name.name),
        Index {
            collection, key, ..
        } => format!("([] {} {})", sexpr(collection), sexpr(key)),
        Splat { source, each, full } => {
            format!(
                "(splat{} {} {})",
                if *full { "[*]" } else { ".*" },
                sexpr(source),
                sexpr(each)
            )
        }
        FunctionCall {
            name,
            args,
            expand_final,
        } => {
            let mut s = format!("(call {}", name.name);
            for a in args {
                s.push(' ');
                s.push_str(&sexpr(a));
            }
            if *expand_final {
                s.push_str(" ...");
            }
            s.push(')');
            s
        }
        other => format!("{other:?}"),
    }
}

/// A heredoc ends at the line holding only its own marker: lines holding
/// another lone word (`fi`, `done`, a different marker) are body text.
#[test]
fn heredoc_bodies_keep_lines_holding_a_lone_word() {
    let path = data_dir("parse/ok").join("heredoc_lone_words.infra");
    let source = load(&path).expect("readable");
    let file = syntax::parse(&source).file.expect("parses");
    let json = serde_json::to_value(&file).expect("json");
    // Every literal piece of the file's templates, in order.
    fn literals(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(s)) =
                    m.get("Literal").and_then(|l| l.get("value"))
                {
                    out.push_str(s);
                }
                for x in m.values() {
                    literals(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| literals(x, out)),
            _ => {}
        }
    }
    let mut text = String::new();
    literals(&json, &mut text);
    for line in [
        "fi\n",
        "done\n",
        "EOF\n",
        "inner\nfi\n",
        "\ndone\n",
        "\nesac\n",
    ] {
        assert!(text.contains(line), "{line:?} missing from {text:?}");
    }
}

/// Whitespace and comments after a construct are not part of its span: the
/// grammar consumes them right after each token, so rules that end with a
/// token also end with the gap after it, and the builder must cut it off.
/// Diagnostics label these spans and the formatter rewrites by them.
#[test]
fn spans_end_at_the_last_token_not_at_the_comments_after_it() {
    let text = "resource \"a\" \"b\" { # c1\n  x = f(1) # c2\n  y = { k = v } /* c3 */\n  z = [for i in l : i if i] // c4\n  w = a ? b : c\n  nested {\n  } # c5\n} # after the block\n/* and more */\n";
    let source = SourceFile::new("spans.infra", text);
    let file = syntax::parse(&source).file.expect("parses");
    let infra_lang::ast::BodyItem::Block(block) = &file.body.items[0] else {
        panic!("a block")
    };
    let at = |s: infra_lang::Span| &text[s.start..s.end];
    assert!(at(block.span).starts_with("resource"));
    assert!(at(block.span).ends_with("# c5\n}"), "{:?}", at(block.span));
    let mut seen = Vec::new();
    for item in &block.body.items {
        match item {
            infra_lang::ast::BodyItem::Attribute(a) => {
                seen.push((at(a.span), at(a.expr.span)));
            }
            infra_lang::ast::BodyItem::Block(b) => seen.push((at(b.span), "")),
        }
    }
    assert_eq!(
        seen,
        [
            ("x = f(1)", "f(1)"),
            ("y = { k = v }", "{ k = v }"),
            ("z = [for i in l : i if i]", "[for i in l : i if i]"),
            ("w = a ? b : c", "a ? b : c"),
            ("nested {\n  }", ""),
        ]
    );
}
