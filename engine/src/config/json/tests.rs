//! Unit tests of the `.tf.json` lowering: shapes, modes and spans.

use super::*;

fn lower(text: &str) -> (Option<File>, Vec<Diagnostic>) {
    parse_config(&SourceFile::new("main.tf.json", text))
}

fn blocks(file: &File) -> Vec<(String, Vec<String>)> {
    file.body
        .blocks()
        .map(|b| {
            (
                b.kind.name.clone(),
                b.labels.iter().map(|l| l.value.clone()).collect(),
            )
        })
        .collect()
}

#[test]
fn labels_arrays_and_comments_make_blocks() {
    let (file, diags) = lower(
        r#"{"//": "c", "resource": {"t": {"a": {"x": 1}, "b": [{"x": 2}, {"x": 3}]}},
            "locals": [{"a": 1}, {"//": "c", "b": 2}], "terraform": {"required_version": ">= 1"}}"#,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let file = file.expect("lowered");
    assert_eq!(
        blocks(&file),
        [
            ("resource".into(), vec!["t".into(), "a".into()]),
            ("resource".into(), vec!["t".into(), "b".into()]),
            ("resource".into(), vec!["t".into(), "b".into()]),
            ("locals".into(), vec![]),
            ("locals".into(), vec![]),
            ("terraform".into(), vec![]),
        ]
    );
    let second_locals = file.body.blocks().nth(4).expect("locals");
    assert_eq!(second_locals.body.items.len(), 1, "the comment is dropped");
}

#[test]
fn strings_are_templates_expressions_or_literals_by_place() {
    let text = r#"{"variable": {"v": {"type": "list(string)", "default": "${x}"}},
        "resource": {"t": {"r": {"a": "${var.v}", "depends_on": ["t.s"], "lifecycle": {"ignore_changes": ["a"]}}}}}"#;
    let (file, diags) = lower(text);
    assert!(diags.is_empty(), "{diags:?}");
    let file = file.expect("lowered");
    let var = file.body.blocks().next().expect("variable");
    let ty = &var.body.attribute("type").expect("type").expr;
    assert!(matches!(ty.kind, ExprKind::FunctionCall { .. }), "{ty:?}");
    let default = &var.body.attribute("default").expect("default").expr;
    let ExprKind::Template(t) = &default.kind else {
        panic!("{default:?}")
    };
    assert_eq!(t.as_literal().as_deref(), Some("${x}"));
    let res = file.body.blocks().nth(1).expect("resource");
    let a = &res.body.attribute("a").expect("a").expr;
    let ExprKind::Template(t) = &a.kind else {
        panic!("{a:?}")
    };
    let [TemplatePart::Interpolation { expr, .. }] = t.parts.as_slice() else {
        panic!("{t:?}")
    };
    assert_eq!(&text[expr.span.start..expr.span.end], "var.v");
    let deps = &res.body.attribute("depends_on").expect("deps").expr;
    let ExprKind::Tuple(items) = &deps.kind else {
        panic!("{deps:?}")
    };
    assert!(matches!(items[0].kind, ExprKind::GetAttr { .. }));
    let lifecycle = res.body.blocks().next().expect("lifecycle");
    assert_eq!(lifecycle.kind.name, "lifecycle");
}

#[test]
fn errors_point_into_the_json() {
    let text = "{\n  \"locals\": {\"a\": \"${1 +}\"}\n}";
    let (file, diags) = lower(text);
    assert!(file.is_none());
    let span = diags[0].primary_span().expect("span");
    assert!(span.start > text.find("${").expect("found"), "{diags:?}");
    let (_, diags) = lower("{\"resource\": {\"t\": \"x\"}}");
    assert_eq!(diags[0].code, "syntax::json-structure");
    let (_, diags) = lower("{\"resource\": ");
    assert_eq!(diags[0].code, "syntax::json");
    let (_, diags) = lower("[]");
    assert_eq!(diags[0].code, "syntax::json-structure");
}

#[test]
fn var_files_are_literal() {
    let (file, diags) = parse_vars(&SourceFile::new(
        "terraform.tfvars.json",
        r#"{"a": "${x}", "b": {"c": [1, true]}}"#,
    ));
    assert!(diags.is_empty(), "{diags:?}");
    let file = file.expect("lowered");
    let a = &file.body.attribute("a").expect("a").expr;
    let ExprKind::Template(t) = &a.kind else {
        panic!("{a:?}")
    };
    assert_eq!(t.as_literal().as_deref(), Some("${x}"));
}
