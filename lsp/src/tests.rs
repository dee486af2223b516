//! Unit tests of the features on in-memory modules (the suite's `lsp`
//! tests drive the real server process).

use crate::completion::complete;
use crate::documents::Module;
use crate::occurrences::{Symbol, occurrences};
use crate::position::Lines;
use crate::{definition, hover, rename};
use infra_engine::config::ParsedFile;
use infra_lang::{SourceFile, syntax};
use std::path::PathBuf;

fn module(files: &[(&str, &str)]) -> Module {
    let files: Vec<ParsedFile> = files
        .iter()
        .map(|(name, text)| {
            let source = SourceFile::new(*name, *text);
            let ast = syntax::parse(&source).file.expect("test file parses");
            ParsedFile { source, ast }
        })
        .collect();
    let lines = files.iter().map(|f| Lines::new(f.source.text())).collect();
    Module {
        dir: PathBuf::from("/m"),
        files,
        load_diags: Vec::new(),
        lines,
    }
}

const MAIN: &str = "resource \"random_id\" \"a\" {\n  byte_length = local.n\n}\n\nmoved {\n  from = random_id.old\n  to   = random_id.a\n}\n\noutput \"id\" {\n  value = random_id.a.hex\n}\n";
const LOCALS: &str = "locals {\n  n = 8\n}\n";

#[test]
fn occurrences_cover_declarations_and_references_across_files() {
    let m = module(&[("main.infra", MAIN), ("locals.infra", LOCALS)]);
    let all = occurrences(&m);
    let a = Symbol::Resource("random_id".into(), "a".into());
    assert_eq!(all.iter().filter(|o| o.symbol == a).count(), 3);
    assert_eq!(
        all.iter().filter(|o| o.symbol == a && o.in_moved).count(),
        1
    );
    let n = Symbol::Local("n".into());
    let decl = all
        .iter()
        .find(|o| o.symbol == n && o.decl)
        .expect("local declared");
    assert_eq!(decl.file, 1);
    let at = MAIN.find("local.n").expect("reference") + 7;
    let defs = definition::definition(&m, 0, at);
    assert_eq!(defs.len(), 1);
    assert!(defs[0].uri.path().ends_with("/locals.infra"));
}

#[test]
fn rename_of_a_resource_skips_moved_history_and_appends_a_moved_block() {
    let m = module(&[("main.infra", MAIN)]);
    let at = MAIN.find("\"a\"").expect("label") + 1;
    let edit = rename::rename(&m, 0, at, "b").expect("rename");
    let edits = edit
        .changes
        .expect("changes")
        .into_values()
        .next()
        .expect("one file");
    let texts: Vec<&str> = edits.iter().map(|e| e.new_text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "b",
            "b",
            "\nmoved {\n  from = random_id.a\n  to   = random_id.b\n}\n"
        ]
    );
    assert!(rename::rename(&m, 0, at, "no spaces").is_err());
    assert!(rename::rename(&m, 0, 0, "x").is_err());
}

#[test]
fn hover_describes_schema_attributes_and_functions() {
    let providers = infra_providers::all();
    let text = "resource \"random_id\" \"a\" {\n  byte_length = length(\"ab\")\n}\n";
    let m = module(&[("main.infra", text)]);
    let on_attr = hover::hover(
        &m,
        &providers,
        0,
        text.find("byte_length").expect("attr") + 2,
    )
    .expect("hover");
    assert!(
        on_attr.contains("byte_length: number") && on_attr.contains("required"),
        "{on_attr}"
    );
    let on_fn =
        hover::hover(&m, &providers, 0, text.find("length(").expect("call") + 1).expect("hover");
    assert!(on_fn.contains("length("), "{on_fn}");
}

#[test]
fn completion_finds_its_context_in_half_typed_text() {
    let providers = infra_providers::all();
    let text = "resource \"random_id\" \"a\" {\n  by\n}\n";
    let offset = text.find("by").expect("typed") + 2;
    let items = complete(None, None, &providers, "main.infra", text, offset);
    let first = items
        .iter()
        .filter(|i| i.sort_text.as_deref().is_some_and(|s| s.starts_with("0_")))
        .map(|i| i.label.as_str())
        .collect::<Vec<_>>();
    assert_eq!(first, ["byte_length"]);
    let top = complete(None, None, &providers, "main.infra", "res", 3);
    assert!(top.iter().any(|i| i.label == "resource"));
    let types = complete(None, None, &providers, "main.infra", "data \"", 6);
    assert!(types.iter().any(|i| i.label == "local_file"));
    let m = module(&[("locals.infra", LOCALS)]);
    let locals = complete(
        Some(&m),
        None,
        &providers,
        "main.infra",
        "output \"x\" {\n  value = local.\n}\n",
        29,
    );
    assert_eq!(
        locals.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(),
        ["n"]
    );
}

#[test]
fn completion_parses_only_the_block_around_the_cursor() {
    let providers = infra_providers::all();
    // A broken block elsewhere does not stop completion in this one; the
    // file's declarations come from its last version that parsed.
    let good = "variable \"env\" {}\n\nresource \"random_id\" \"a\" {\n  byte_length = 2\n}\n";
    let last = syntax::parse(&SourceFile::new("main.infra", good))
        .file
        .expect("parses");
    let text = "variable \"env\" {}\n\nresource \"broken\" {{{\n\nresource \"random_id\" \"a\" {\n  by\n}\n\noutput \"o\" {\n  value = var.\n}\n";
    let offset = text.find("  by").expect("typed") + 4;
    let items = complete(None, Some(&last), &providers, "main.infra", text, offset);
    assert!(items.iter().any(|i| i.label == "byte_length"), "{items:?}");
    let offset = text.find("var.").expect("typed") + 4;
    let items = complete(None, Some(&last), &providers, "main.infra", text, offset);
    assert_eq!(
        items.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(),
        ["env"]
    );
}

#[test]
fn hover_shows_the_value_of_constant_locals_and_consts() {
    let providers = infra_providers::all();
    let text = "locals {\n  n = 4 * 2\n  s = \"x\"\n}\n\nconst \"size\" {\n  default = 10 + 5\n}\n\noutput \"o\" {\n  value = [local.n, local.s, const.size]\n}\n";
    let m = module(&[("main.infra", text)]);
    let at = |what: &str| text.find(what).expect("reference") + what.len() - 1;
    let n = hover::hover(&m, &providers, 0, at("local.n")).expect("hover");
    assert!(
        n.contains("local.n = 4 * 2") && n.contains("value: `8`"),
        "{n}"
    );
    let s = hover::hover(&m, &providers, 0, at("local.s")).expect("hover");
    assert!(!s.contains("value:"), "a literal shows no value line: {s}");
    let c = hover::hover(&m, &providers, 0, at("const.size")).expect("hover");
    assert!(c.contains("value: `15`"), "{c}");
}

#[test]
fn reloading_a_module_parses_again_only_the_files_that_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a_text = "locals {\n  a = 1\n}\n";
    std::fs::write(dir.path().join("a.infra"), a_text).expect("write");
    std::fs::write(dir.path().join("b.infra"), "locals {\n  b = 2\n}\n").expect("write");
    let a = lsp_types::Url::from_file_path(dir.path().join("a.infra")).expect("url");
    let mut docs = crate::documents::Documents::default();
    docs.open(a.clone(), a_text.into(), 1);
    let first = docs.module(dir.path());
    assert_eq!((first.files.len(), docs.parsed), (2, 2));
    let change = |text: &str| lsp_types::TextDocumentContentChangeEvent {
        range: None,
        range_length: None,
        text: text.into(),
    };
    docs.change(&a, 2, vec![change("locals {\n  a = 3\n}\n")]);
    let second = docs.module(dir.path());
    assert_eq!(docs.parsed, 3, "only a.infra is parsed again");
    assert!(second.files[0].source.text().contains("a = 3"));
    assert_eq!(second.files[1].ast.body.items.len(), 1);
    // A syntax error is reported again even though the text is reused.
    docs.change(&a, 3, vec![change("locals {\n")]);
    assert!(!docs.module(dir.path()).load_diags.is_empty());
    docs.disk_changed();
    let again = docs.module(dir.path());
    assert_eq!(docs.parsed, 5, "a failed parse is not reused, b.infra is");
    assert!(!again.load_diags.is_empty());
    assert_eq!(again.files.len(), 1);
}

#[test]
fn an_edit_in_a_large_file_parses_again_only_the_blocks_it_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text: String = (0..500)
        .map(|i| format!("resource \"infra_data\" \"r{i}\" {{\n  input = {{ n = {i} }}\n}}\n\n"))
        .collect();
    let path = dir.path().join("main.infra");
    std::fs::write(&path, &text).expect("write");
    let uri = lsp_types::Url::from_file_path(&path).expect("url");
    let mut docs = crate::documents::Documents::default();
    docs.open(uri.clone(), text.clone(), 1);
    let first = docs.module(dir.path());
    assert!(first.load_diags.is_empty());
    let before = docs.items_parsed;
    // An edit as editors send it: the changed range only (line 201 is
    // `  input = { n = 50 }`).
    let edit = |from: u32, to: u32, text: &str| lsp_types::TextDocumentContentChangeEvent {
        range: Some(lsp_types::Range::new(
            lsp_types::Position::new(201, from),
            lsp_types::Position::new(201, to),
        )),
        range_length: None,
        text: text.into(),
    };
    docs.change(&uri, 2, vec![edit(16, 18, "5000")]);
    let second = docs.module(dir.path());
    assert_eq!(docs.items_parsed - before, 1, "one block parsed again");
    let fresh = infra_lang::syntax::parse(&second.files[0].source);
    assert_eq!(
        format!("{:?}", second.files[0].ast),
        format!("{:?}", fresh.file.expect("parses")),
        "the reused tree is a full parse's, spans included"
    );
    // A syntax error in the edited block is reported as a full parse
    // reports it.
    docs.change(&uri, 3, vec![edit(16, 20, "")]);
    let broken = docs.module(dir.path());
    let codes: Vec<&str> = broken.load_diags.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["syntax::unexpected-token"],
        "{:?}",
        broken.load_diags
    );
}
