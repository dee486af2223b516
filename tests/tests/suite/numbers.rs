//! Numbers beyond 64 bits through state (issue 21 item 11): applied,
//! written to the state file, read back exactly by `infra output` and by
//! the next plan, which finds nothing to change.

use crate::support::{Workdir, assert_contains};

const CONFIG: &str = r#"
resource "infra_data" "big" {
  input = { product = 18446744073709551617 * 3, third = 1 / 3 }
}

output "product" {
  value = 18446744073709551617 * 3
}

output "third" {
  value = infra_data.big.output.third
}

resource "infra_data" "secret" {
  input = sensitive(1 / 3)
}

output "secret" {
  value     = infra_data.secret.output
  sensitive = true
}
"#;

/// Terraform's `1 / 3`: 512 bits, printed with the fewest digits that read
/// back.
const THIRD: &str = "0.33333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333335";

#[test]
fn big_numbers_go_through_state_exactly() {
    let w = Workdir::new(CONFIG);
    w.apply();
    let json = w.expect(&["output", "--json"], 0).stdout;
    assert_contains(
        &json,
        r#""product":{"sensitive":false,"value":55340232221128654851}"#,
    );
    assert_contains(
        &json,
        &format!(r#""third":{{"sensitive":false,"value":{THIRD}}}"#),
    );
    // A sensitive number keeps its digits through apply's marks too.
    let secret = w
        .expect(&["output", "--json", "--show-sensitive", "secret"], 0)
        .stdout;
    assert_eq!(secret.trim(), THIRD);
    let raw = w.expect(&["output", "--raw", "product"], 0).stdout;
    assert_eq!(raw, "55340232221128654851");
    // The state keeps the exact text beside the nearest f64.
    let state = w.expect(&["state", "pull"], 0).stdout;
    assert_contains(&state, r#""exact_numbers""#);
    assert_contains(&state, THIRD);
    // Read back exactly: the configuration equals the state, no change.
    let plan = w.expect(&["plan", "--no-color"], 0).stdout;
    assert_contains(&plan, "No changes");
}
