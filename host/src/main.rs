//! The `guichet` binary; the commands live in `guichet::cli`.

use clap::Parser;
use std::process::ExitCode;

/// glibc's malloc kept what a dépôt load freed: the server held 118 to
/// 275 MB after the load (anonymous memory in per-thread arenas, smaps),
/// and two arenas only (`M_ARENA_MAX`) made it worse on PostgreSQL
/// (286 MB) and cut dépôts by a third. mimalloc keeps it under 95 MB,
/// with 10 % more dépôts/s (benches/depot.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc purges freed pages after a delay, and only when it is called
/// again: once the plugins were compiled on an empty cache, an idle server
/// kept 150 to 220 MB it no longer used. Purging at once brings that to
/// 110 to 135 MB, at no measurable cost in dépôts/s. (Committing arenas on
/// demand too gave 69 MB through `MIMALLOC_ARENA_EAGER_COMMIT=0`, but that
/// option only counts before the first allocation, i.e. from the
/// environment.)
// The project's one unsafe block: an FFI call that takes no pointer.
#[allow(unsafe_code)]
fn return_memory_to_the_system() {
    // Option number of `mi_option_purge_delay` in mimalloc.h (v2 and v3).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option is a plain store in mimalloc's option
    // table, allowed at any time; it is read on each use.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    return_memory_to_the_system();
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
