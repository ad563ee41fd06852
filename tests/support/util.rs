//! Small helpers shared by the service wrappers: free ports, readiness waits
//! and the logs of child processes.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// A TCP port on 127.0.0.1 that was free a moment ago. The OS picks it (bind
/// to port 0) so parallel tests do not collide; the listener is closed before
/// the child process binds it, so callers retry if the child loses the race.
pub(crate) fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind a free port on 127.0.0.1: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot read the bound port: {e}"))
}

/// Waits until 127.0.0.1:`port` accepts TCP connections, failing early (with
/// the child's log) when the child exits first, and after `timeout`.
pub(crate) async fn wait_for_port(
    port: u16,
    child: &mut Child,
    log: &Path,
    what: &str,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "{what} exited ({status}) before accepting connections on port {port}; its output:\n{}",
                read_log(log)
            ));
        }
        if tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{what} did not accept connections on port {port} within {timeout:?}; its output:\n{}",
                read_log(log)
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The captured output of a child process, for error messages.
pub(crate) fn read_log(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) if bytes.is_empty() => "(no output)".to_owned(),
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// Kills a child process and reaps it, ignoring errors: used from `Drop`,
/// where the process may already be gone.
pub(crate) fn kill_and_reap(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// An environment variable holding a path, or `default` when unset/empty.
pub(crate) fn env_path(var: &str, default: impl Into<PathBuf>) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => default.into(),
    }
}

/// `$GUICHET_CACHE`, by default `$HOME/.cache/guichet`: where scripts/setup.sh
/// installs the Python venv.
pub(crate) fn guichet_cache() -> PathBuf {
    let home = env_path("HOME", "/root");
    env_path("GUICHET_CACHE", home.join(".cache").join("guichet"))
}
