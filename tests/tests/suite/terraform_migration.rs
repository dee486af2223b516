//! Coming from Terraform (docs/migrating-from-terraform.md): Terraform's
//! built-in `terraform_data` under its own name, Terraform's state taken
//! over by `infra init -migrate-state` and written back by
//! `infra state pull --format terraform`, and Terraform projects (`.tf`)
//! read as they are.

use crate::support::Workdir;

#[test]
fn terraform_data_is_infra_data_under_terraform_s_name() {
    let w = Workdir::new(
        "resource \"terraform_data\" \"a\" {\n  input            = { msg = \"hi\" }\n  triggers_replace = 1\n}\n\noutput \"o\" {\n  value = terraform_data.a.output.msg\n}\n",
    );
    let applied = w.apply();
    assert!(applied.stdout.contains("o = \"hi\""), "{}", applied.stdout);
    let state = w.state();
    let r = &state["resources"][0];
    assert_eq!(r["type"], "terraform_data", "{state:#}");
    assert_eq!(r["provider"], "terraform", "{state:#}");
    let a = &r["instances"][0]["attributes"];
    assert_eq!(a["output"]["msg"], "hi");
    assert_eq!(a["id"].as_str().map(str::len), Some(36), "{a}");
    w.expect(&["plan", "--detailed-exitcode"], 0);
    // Changing `triggers_replace` replaces it, as in Terraform.
    w.config("resource \"terraform_data\" \"a\" {\n  input            = { msg = \"hi\" }\n  triggers_replace = 2\n}\n");
    let plan = w.expect(&["plan", "--no-color"], 0);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
}
