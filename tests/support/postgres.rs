//! One throwaway PostgreSQL database per test, on the server named by
//! `GUICHET_TEST_POSTGRES_URL` (scripts/postgres.sh starts it and sets the
//! variable; scripts/test.sh always does). Each test gets its own database so
//! tests run in parallel without seeing each other's rows.
//!
//! ```ignore
//! let Some(db) = TestDatabase::create().await else { return }; // no PostgreSQL here
//! let pool = sqlx::PgPool::connect(&db.url).await?;
//! ```
//!
//! The databases are made and dropped with `psql` (PostgreSQL's client,
//! installed with the server), which keeps this helper free of a database
//! driver of its own.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use url::Url;

/// A database created for one test, dropped (with its connections) on drop,
/// unless `GUICHET_TEST_KEEP_DB=1` asks to keep it for inspection.
pub struct TestDatabase {
    /// Connection URL of the new database (same server, user and options as
    /// `GUICHET_TEST_POSTGRES_URL`).
    pub url: String,
    /// Its name, `guichet_test_<pid>_<counter>_<random>`.
    pub name: String,
    /// The maintenance URL it was created from.
    pub admin_url: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    /// Creates a fresh, empty database. Returns `None` when
    /// `GUICHET_TEST_POSTGRES_URL` is not set (a plain `cargo test` on a
    /// machine without PostgreSQL), except under CI (`CI` set), where a
    /// missing server must fail the run rather than skip tests silently.
    /// Panics when the variable is set but the database cannot be created.
    pub async fn create() -> Option<TestDatabase> {
        let admin_url = match std::env::var("GUICHET_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
                    panic!("GUICHET_TEST_POSTGRES_URL is not set under CI: run the tests with scripts/test.sh");
                }
                eprintln!(
                    "GUICHET_TEST_POSTGRES_URL is not set: skipping the PostgreSQL part (scripts/test.sh sets it)"
                );
                return None;
            }
        };
        match Self::create_on(&admin_url).await {
            Ok(db) => Some(db),
            Err(e) => panic!("cannot create a test database: {e}"),
        }
    }

    /// Creates a fresh database on the server behind `admin_url`.
    pub async fn create_on(admin_url: &str) -> Result<TestDatabase, String> {
        let name = format!(
            "guichet_test_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            random_u32()
        );
        let mut url =
            Url::parse(admin_url).map_err(|e| format!("GUICHET_TEST_POSTGRES_URL is not a URL ({e}): {admin_url}"))?;
        url.set_path(&format!("/{name}"));

        // The name is made of [a-z0-9_] only, so quoting it is enough.
        psql(admin_url, &format!("CREATE DATABASE \"{name}\"")).await?;
        Ok(TestDatabase { url: url.to_string(), name, admin_url: admin_url.to_owned() })
    }

    /// Runs SQL in this database with psql and returns its unaligned,
    /// tuples-only output (fields separated by `|`), trimmed.
    pub async fn psql(&self, sql: &str) -> Result<String, String> {
        psql(&self.url, sql).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::env::var("GUICHET_TEST_KEEP_DB").is_ok_and(|v| v == "1") {
            eprintln!("GUICHET_TEST_KEEP_DB=1: keeping database {}", self.url);
            return;
        }
        // Synchronous on purpose: Drop cannot await, and the pool of the test
        // may still hold connections, hence WITH (FORCE) (PostgreSQL 13+).
        // Best effort: a leftover database is harmless (unique names).
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        match psql_command(&self.admin_url, &sql).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                eprintln!("could not drop test database {}: {}", self.name, String::from_utf8_lossy(&out.stderr).trim())
            }
            Err(e) => eprintln!("could not run psql to drop {}: {e}", self.name),
        }
    }
}

/// Runs one SQL command through psql against `url`.
pub async fn psql(url: &str, sql: &str) -> Result<String, String> {
    let out = tokio::process::Command::from(psql_command(url, sql))
        .output()
        .await
        .map_err(|e| format!("cannot run psql ({e}): install PostgreSQL's client (scripts/setup.sh does)"))?;
    check(out, sql)
}

fn psql_command(url: &str, sql: &str) -> Command {
    let mut cmd = Command::new("psql");
    // -X: ignore ~/.psqlrc; -w: never prompt for a password (no stdin in
    // CI); ON_ERROR_STOP: a failing statement makes psql exit non-zero.
    cmd.args(["-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(url)
        .arg("-c")
        .arg(sql)
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(std::process::Stdio::null());
    cmd
}

fn check(out: Output, sql: &str) -> Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!("psql failed ({}) on `{sql}`: {}", out.status, String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// A random number without a dependency: std's `RandomState` is seeded from
/// the OS, so hashing nothing with a fresh one gives a fresh value. It only
/// keeps names apart across runs that share a pid (containers).
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let hash = std::collections::hash_map::RandomState::new().build_hasher().finish();
    (hash ^ (hash >> 32)) as u32
}
