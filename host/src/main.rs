//! The `guichet` binary; the commands live in `guichet::cli`.

use clap::Parser;
use std::process::ExitCode;

/// glibc's malloc gives busy threads arenas of their own (64 MiB reserved
/// each) and keeps freed memory resident: after a dépôt load the server
/// held 140 to 275 MB against 35 MB idle, the growth in those arenas.
/// mimalloc returns freed pages to the system and keeps that bounded.
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
