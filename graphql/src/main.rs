//! The `govledger` binary: everything lives in `govledger_graphql::cli`.

fn main() -> std::process::ExitCode {
    govledger_graphql::cli::main()
}
