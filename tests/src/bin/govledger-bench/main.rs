//! `govledger-bench <subcommand> [options]`: benchmarks that print one JSON line per scenario.
//!
//! Each subcommand is a module with `run(args) -> Result<(), BenchError>`; adding one is one
//! line in the `subcommands!` list below. `report` holds what every benchmark prints (machine
//! info, percentiles, medians, JSON lines).

mod append_postgres;
mod report;
mod served;

use std::process::ExitCode;

/// The allocator the `govledger` binary uses, so the benchmarks measure what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A benchmark that could not run.
type BenchError = Box<dyn std::error::Error>;

struct Subcommand {
    name: &'static str,
    about: &'static str,
    run: fn(&[String]) -> Result<(), BenchError>,
}

/// Declares the subcommand modules and the table `main` dispatches on.
macro_rules! subcommands {
    ($($name:ident: $about:literal,)*) => {
        $(mod $name;)*
        const SUBCOMMANDS: &[Subcommand] = &[
            $(Subcommand { name: stringify!($name), about: $about, run: $name::run },)*
        ];
    };
}

subcommands! {
    append: "durable single-event appends, 1 and 64 writers, beside raw sled (or PostgreSQL)",
    append_during_rebuild: "64 writers' append latency during a live rebuild, beside none",
    rebuild: "rebuild every projection from a synthetic ledger, beside read + decode",
    query: "concurrent GraphQL queries over HTTP on a synthetic ledger, beside bare axum",
    prove: "inclusion and consistency proofs per second, and a checkpoint's cost",
    shapes: "skewed load shapes (burst, hot case, busy organisation, compressed month)",
    writes: "receiveRequest mutations from 16 clients at 10k, 100k and 1M events",
}

fn usage() -> String {
    let mut text = String::from("usage: govledger-bench <subcommand> [options]\n\nsubcommands:\n");
    for subcommand in SUBCOMMANDS {
        text.push_str(&format!("  {:<10} {}\n", subcommand.name, subcommand.about));
    }
    text
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(subcommand) = args
        .first()
        .and_then(|name| SUBCOMMANDS.iter().find(|s| s.name == name))
    else {
        eprint!("{}", usage());
        return ExitCode::from(2);
    };
    match (subcommand.run)(&args[1..]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("govledger-bench {}: {error}", subcommand.name);
            ExitCode::FAILURE
        }
    }
}
