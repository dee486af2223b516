//! The formatter against Terraform 1.15.5's own output: each
//! `fmt/NAME.in.infra` must format to `fmt/NAME.out.infra` byte for byte
//! (the outputs were produced by `terraform fmt`, see regen.py), every
//! output must be a fixed point, and the `infra fmt` command must behave as
//! documented on files in a temp directory.

use crate::support::{assert_contains, cases, data_dir, infra, run_cases};

fn format(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    infra_lang::fmt::format_text("case.infra", &text).map_err(|d| crate::support::render(&d))
}

fn show_diff(want: &str, got: &str) -> String {
    similar_lines(want, got)
}

fn similar_lines(want: &str, got: &str) -> String {
    let mut out = String::new();
    for (i, (w, g)) in want
        .split_inclusive('\n')
        .zip(got.split_inclusive('\n'))
        .enumerate()
    {
        if w != g {
            out.push_str(&format!(
                "first difference at line {}:\n  terraform: {w:?}\n  infra:     {g:?}\n",
                i + 1
            ));
            return out;
        }
    }
    format!(
        "lengths differ: terraform {} bytes, infra {} bytes",
        want.len(),
        got.len()
    )
}

#[test]
fn output_matches_terraform_fmt_byte_for_byte() {
    run_cases(&cases(&data_dir("fmt"), ".in.infra"), |input| {
        let expected_path = input.with_file_name(
            input
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .replace(".in.infra", ".out.infra"),
        );
        let want = std::fs::read_to_string(&expected_path)
            .map_err(|e| format!("{}: {e}", expected_path.display()))?;
        let got = format(input)?;
        if got == want {
            Ok(())
        } else {
            Err(show_diff(&want, &got))
        }
    });
}

#[test]
fn files_terraform_leaves_unchanged_stay_byte_identical() {
    let mut all = cases(&data_dir("fmt"), ".out.infra");
    all.extend(
        cases(&data_dir("parse/ok"), ".infra")
            .into_iter()
            .filter_map(|p| {
                // parse/ok files are not all formatted; keep the ones that are (the
                // fmt corpus covers the rest).
                let text = std::fs::read_to_string(&p).ok()?;
                (format(&p).ok()? == text).then_some(p)
            }),
    );
    run_cases(&all, |path| {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let got = format(path)?;
        if got == text {
            Ok(())
        } else {
            Err(show_diff(&text, &got))
        }
    });
}

#[test]
fn formatting_is_idempotent_on_every_parsable_corpus_file() {
    let mut all = cases(&data_dir("fmt"), ".in.infra");
    all.extend(cases(&data_dir("parse/ok"), ".infra"));
    run_cases(&all, |path| {
        let once = format(path)?;
        let twice = infra_lang::fmt::format_text("case.infra", &once)
            .map_err(|d| crate::support::render(&d))?;
        if once == twice {
            Ok(())
        } else {
            Err(show_diff(&once, &twice))
        }
    });
}

fn temp_module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

#[test]
fn fmt_rewrites_files_lists_them_and_exits_zero() {
    let dir = temp_module(&[("main.infra", "a=1\nbbb = 2\n"), ("ok.infra", "a = 1\n")]);
    let path = dir.path().to_str().expect("utf-8 path");
    let run = infra(&["fmt", "--chdir", path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "main.infra\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.infra"))
            .ok()
            .as_deref(),
        Some("a   = 1\nbbb = 2\n")
    );
    let again = infra(&["fmt", "--chdir", path]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "second run changes nothing"
    );
}

#[test]
fn fmt_check_exits_3_and_writes_nothing() {
    let dir = temp_module(&[("main.infra", "a=1\n")]);
    let path = dir.path().to_str().expect("utf-8 path");
    let run = infra(&["-chdir", path, "fmt", "-check", "-diff"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stdout.contains("-a=1\n+a = 1\n"),
        "diff shown: {}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.infra"))
            .ok()
            .as_deref(),
        Some("a=1\n")
    );
}

#[test]
fn fmt_refuses_a_file_with_a_syntax_error_and_leaves_it_untouched() {
    let broken = "resource \"a\" \"b\" {\n  x = [1, 2\n}\n";
    let dir = temp_module(&[("main.infra", broken)]);
    let path = dir.path().to_str().expect("utf-8 path");
    let run = infra(&["fmt", "--chdir", path]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("syntax::"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.infra"))
            .ok()
            .as_deref(),
        Some(broken)
    );
}

#[test]
fn fmt_recursive_descends_but_skips_hidden_directories() {
    let dir = temp_module(&[("main.infra", "a=1\n")]);
    std::fs::create_dir_all(dir.path().join("modules/x")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join(".infra")).expect("mkdir");
    std::fs::write(dir.path().join("modules/x/x.infra"), "b=2\n").expect("write");
    std::fs::write(dir.path().join(".infra/y.infra"), "c=3\n").expect("write");
    let path = dir.path().to_str().expect("utf-8 path");
    let run = infra(&["fmt", "--recursive", "--check", "--chdir", path]);
    assert_eq!(run.code, 3);
    assert_eq!(run.stdout, "main.infra\nmodules/x/x.infra\n");
}

#[cfg(unix)]
#[test]
fn fmt_recursive_stays_in_the_tree_and_writes_through_file_links() {
    use std::os::unix::fs::symlink;
    let outside = temp_module(&[("far.infra", "x=1\n"), ("linked.infra", "y=2\n")]);
    std::fs::create_dir_all(outside.path().join("deep")).expect("mkdir");
    std::fs::write(outside.path().join("deep/d.infra"), "z=3\n").expect("write");
    let dir = temp_module(&[("main.infra", "a=1\n"), ("real.infra", "b=2\n")]);
    let root = dir.path();
    // A directory link out of the tree, a file link out of the tree, and
    // a file link to a file in the tree.
    symlink(outside.path(), root.join("out")).expect("dir link");
    symlink(outside.path().join("linked.infra"), root.join("far.infra")).expect("file link");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    symlink(root.join("real.infra"), root.join("sub/alias.infra")).expect("inner link");
    let path = root.to_str().expect("utf-8 path");
    let run = infra(&["fmt", "--recursive", "--chdir", path]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "main.infra\nreal.infra\n", "{}", run.stderr);
    assert_contains(&run.stderr, "far.infra");
    // Nothing outside the tree was touched.
    for (name, text) in [
        ("far.infra", "x=1\n"),
        ("linked.infra", "y=2\n"),
        ("deep/d.infra", "z=3\n"),
    ] {
        assert_eq!(
            std::fs::read_to_string(outside.path().join(name))
                .ok()
                .as_deref(),
            Some(text),
            "{name} outside the tree was rewritten"
        );
    }
    // The inner link is still a link, to the formatted file.
    let meta = std::fs::symlink_metadata(root.join("sub/alias.infra")).expect("alias");
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    assert_eq!(
        std::fs::read_to_string(root.join("real.infra"))
            .ok()
            .as_deref(),
        Some("b = 2\n")
    );
}

#[cfg(unix)]
#[test]
fn fmt_of_a_linked_file_formats_its_target_and_keeps_the_link() {
    use std::os::unix::fs::symlink;
    let shared = temp_module(&[("shared.infra", "a=1\n")]);
    let dir = temp_module(&[]);
    symlink(
        shared.path().join("shared.infra"),
        dir.path().join("main.infra"),
    )
    .expect("link");
    let path = dir.path().to_str().expect("utf-8 path");
    let run = infra(&["fmt", "--chdir", path, "main.infra"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "main.infra\n");
    let meta = std::fs::symlink_metadata(dir.path().join("main.infra")).expect("link");
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a copy"
    );
    assert_eq!(
        std::fs::read_to_string(shared.path().join("shared.infra"))
            .ok()
            .as_deref(),
        Some("a = 1\n")
    );
    let leftovers: Vec<_> = std::fs::read_dir(shared.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}
