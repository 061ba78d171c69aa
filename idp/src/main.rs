//! `idp`: parse the command line, run the command, print its result, set the exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's allocator: under load the server's many short allocations
/// (JSON, SQL rows, headers) on tokio and SQLite threads spent a sixth of its CPU in
/// `malloc`/`free` and arena consolidation (docs/oidc.md, "Benchmark"). The crate's `override`
/// feature sends the bundled SQLite's C allocations to mimalloc as well.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = idp::cli::Cli::parse();
    let json = cli.json;
    match idp::cli::run(cli).await {
        Ok(out) => {
            if json {
                println!("{}", out.json);
            } else {
                println!("{}", out.text);
            }
            if out.failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            if json {
                let body = serde_json::json!({ "error": format!("{err:#}") });
                println!("{body}");
            }
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
