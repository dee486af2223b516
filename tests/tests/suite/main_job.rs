//! The README's main job, as a user runs it: `examples/static-site/run.sh`
//! on a copy of the example, against the local S3-compatible server —
//! bootstrap the state bucket, init, plan, apply, plan again (no changes),
//! drift made by another S3 client, repair, destroy.

use super::s3::endpoint;
use super::support::{assert_contains, infra_bin};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Copies `from` into `to`, leaving out what a previous run left behind.
fn copy_example(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("list the example") {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if name == ".infra" || name == "out" {
            continue;
        }
        let target = to.join(&name);
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("create a directory");
            copy_example(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

#[test]
fn static_site_main_job_plans_applies_finds_no_changes_drifts_and_destroys() {
    let endpoint = endpoint();
    let dir = tempfile::tempdir().expect("temporary directory");
    copy_example(&repo().join("examples/static-site"), dir.path());
    let bin = infra_bin().get_program().to_owned();
    let out = Command::new(repo().join("examples/static-site/run.sh"))
        .env("INFRA", &bin)
        .env("INFRA_EXAMPLE_DIR", dir.path())
        .env("AWS_ENDPOINT_URL_S3", &endpoint)
        .env("NO_COLOR", "1")
        .output()
        .expect("run examples/static-site/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "run.sh failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // The second plan, right after the apply, has nothing to do.
    let second_plan = stdout
        .split("==> 3.")
        .nth(1)
        .and_then(|rest| rest.split("==> 4.").next())
        .unwrap_or_default();
    assert_contains(
        second_plan,
        "No changes. Your infrastructure matches the configuration.",
    );
    assert_contains(
        &stdout,
        "Apply complete! Resources: 9 added, 0 changed, 0 destroyed.",
    );
    assert_contains(
        &stdout,
        "Drift: 1 resource changed outside infra, 1 missing, 0 checks failing.",
    );
    assert_contains(&stdout, "Destroy complete! Resources: 9 destroyed.");
    let plan_md = std::fs::read_to_string(dir.path().join("out/plan.md")).expect("out/plan.md");
    assert_contains(&plan_md, "aws_s3_bucket.site");
    let drift: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/drift.json")).expect("out/drift.json"),
    )
    .expect("drift JSON");
    let kinds: Vec<(String, String)> = drift["drift"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["address"].as_str().unwrap_or_default().to_string(),
                d["kind"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("aws_s3_bucket.site".to_string(), "changed".to_string()),
            (
                "aws_s3_object.site[\"docs/getting-started.html\"]".to_string(),
                "missing".to_string()
            ),
        ]
    );
}
