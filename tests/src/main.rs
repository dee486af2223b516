//! The `infra` CLI built inside the test crate, so integration tests can run
//! it as a real process (`CARGO_BIN_EXE_infra-under-test`).

fn main() {
    infra_cli::log::init();
    infra_cli::main_entry()
}
