//! The `govledger` binary: everything lives in `govledger_graphql::cli`.

/// mimalloc instead of the system allocator (see the workspace manifest for why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    govledger_graphql::cli::main()
}
