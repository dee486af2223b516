//! The `infra` binary.

fn main() {
    infra_cli::log::init();
    infra_cli::main_entry()
}
