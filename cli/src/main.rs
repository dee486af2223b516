//! The `infra` binary.

fn main() {
    infra_cli::main_entry()
}
