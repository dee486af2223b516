//! The `infra` binary.

/// mimalloc instead of the system allocator: a plan allocates millions of
/// small values across threads, and glibc's malloc spends measurably more
/// time (and system time in page faults) on them; see docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    infra_cli::log::init();
    infra_cli::main_entry()
}
