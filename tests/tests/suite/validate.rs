//! `infra validate` on the corpus: every module under `validate/ok` is
//! clean; every module under `validate/err` reports exactly the codes in its
//! `expected_codes.txt`, and its rendering is snapshotted.

use crate::support::{cases, data_dir, infra, render, run_cases};

#[test]
fn valid_modules_have_no_diagnostics() {
    run_cases(&cases(&data_dir("validate/ok"), "/"), |dir| {
        let diags = infra_engine::config::validate_dir(dir);
        if diags.is_empty() {
            Ok(())
        } else {
            Err(render(&diags))
        }
    });
}

#[test]
fn invalid_modules_report_the_expected_codes() {
    let mut rendered = Vec::new();
    run_cases(&cases(&data_dir("validate/err"), "/"), |dir| {
        let diags = infra_engine::config::validate_dir(dir);
        let got: Vec<&str> = diags.iter().map(|d| d.code).collect();
        let want_text =
            std::fs::read_to_string(dir.join("expected_codes.txt")).map_err(|e| e.to_string())?;
        let want: Vec<&str> = want_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if got != want {
            return Err(format!(
                "codes: want {want:?}, got {got:?}\n{}",
                render(&diags)
            ));
        }
        if diags
            .iter()
            .any(|d| d.is_error() && (d.labels.is_empty() || d.help.is_none()))
        {
            return Err(format!(
                "every error needs a labelled span and a help line:\n{}",
                render(&diags)
            ));
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("case")
            .to_string();
        rendered.push((name, render(&diags)));
        Ok(())
    });
    for (name, text) in rendered {
        insta::assert_snapshot!(format!("validate_err__{name}"), text);
    }
}

#[test]
fn validate_exit_codes_and_json_shape() {
    let ok = data_dir("validate/ok/language_md_sample");
    let run = infra(&["validate", "--chdir", ok.to_str().expect("utf-8")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Success!"));

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("main.infra"),
        "locals {\n  a = var.nope\n}\n\nresourse \"x\" \"y\" {}\n",
    )
    .expect("write");
    let run = infra(&[
        "validate",
        "--json",
        "--chdir",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON array on stdout");
    let items = json.as_array().expect("array");
    assert_eq!(items.len(), 2, "both problems reported at once: {json:#}");
    // Reported in reading order.
    assert_eq!(items[0]["code"], "reference::undeclared");
    assert_eq!(items[0]["start"]["line"], 2);
    let block = &items[1];
    assert_eq!(block["severity"], "error");
    assert_eq!(block["code"], "block::unknown-type");
    assert_eq!(block["file"], "main.infra");
    assert_eq!(block["start"]["line"], 5);
    assert_eq!(block["start"]["column"], 1);
    assert_eq!(block["end"]["column"], 9);
    assert_eq!(block["help"], "Did you mean `resource`?");
}

#[test]
fn every_example_validates_and_is_formatted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    run_cases(&cases(&root, "/"), |dir| {
        // Folders of other files (`ci/`: workflow files) are not configurations.
        let has_config = std::fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .filter_map(Result::ok)
            .any(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x == "infra" || x == "tf")
            });
        if !has_config {
            return Ok(());
        }
        let path = dir.to_str().ok_or("non-UTF-8 path")?;
        let v = infra(&["validate", "--chdir", path]);
        let f = infra(&["fmt", "--check", "--recursive", "--chdir", path]);
        match (v.code, f.code) {
            (0, 0) => Ok(()),
            _ => Err(format!(
                "validate exit {}: {}\nfmt --check exit {}: {}",
                v.code, v.stderr, f.code, f.stdout
            )),
        }
    });
}
