//! The `guichet` binary; the commands live in `guichet::cli`.

use clap::Parser;
use std::process::ExitCode;

/// glibc's malloc kept what a dépôt load freed: the server held 118 to
/// 275 MB after the load (anonymous memory in per-thread arenas, smaps),
/// and two arenas only (`M_ARENA_MAX`) made it worse on PostgreSQL
/// (286 MB) and cut dépôts by a third. mimalloc keeps it at 74 to 95 MB,
/// with 10 % more dépôts/s; compiling plugins on an empty cache costs
/// about 200 ms more (benches/depot.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info,cranelift=warn,wasmtime=warn".into()),
        )
        .init();
    match guichet::cli::run(guichet::cli::Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line for a person; the chain with a backtrace only on
            // request, and never for a flag that cannot be used (some
            // machines set RUST_BACKTRACE for every program).
            let config_error = error.downcast_ref::<guichet::cli::ConfigError>().is_some();
            if !config_error && std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                eprintln!("error: {error:?}");
            } else {
                eprintln!("error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
