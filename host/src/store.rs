//! All SQL lives here. SQLite (default, embedded) and PostgreSQL (scale) run
//! the same statements: `$n` placeholders, `RETURNING` and `ON CONFLICT` work
//! on both, so most queries are written once and dispatched by `on!`.
//!
//! Every function takes a `Conn` borrowed from a transaction (`Tx`): the
//! workflow layer decides where a transaction starts and ends.

use group_commit::{GroupCommit, GroupTx};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Runs `$body` with `$c` bound to the backend's connection type. The body is
/// written once and type-checked for each backend.
macro_rules! on {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite($c) => $body,
            $crate::store::Conn::Postgres($c) => $body,
        }
    };
}

pub mod administrateurs;
pub mod attestation_templates;
pub mod attestations;
pub mod comptes;
pub mod demarches;
pub mod dossiers;
pub mod group_commit;
pub mod groupes;
pub mod invitations;
pub mod jobs;
pub mod maintenance;
pub mod pieces_jointes;
pub mod preremplissages;
pub mod rate_limits;
pub mod sessions;
pub mod transferts;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or a concurrent change refused the write.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The group this transaction was committed in could not be made
    /// durable: the transaction is not committed.
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("unsupported database URL (expected sqlite: or postgres:)")]
    UnsupportedUrl,
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`; other errors
    /// pass through. Uses the error kind, not constraint names, because
    /// SQLite does not report constraint names reliably.
    pub fn on_unique(err: sqlx::Error, what: &'static str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                StoreError::Conflict(what)
            }
            _ => StoreError::Database(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Debug)]
pub enum Store {
    /// The pool serves reads; writes all go through the group committer
    /// (`group_commit.rs`): one writer connection, one fsync per group.
    Sqlite(SqlitePool, Arc<GroupCommit>),
    Postgres(PgPool),
}

/// A borrowed connection of either backend, taken from a `Tx`.
pub enum Conn<'c> {
    Sqlite(&'c mut sqlx::SqliteConnection),
    Postgres(&'c mut sqlx::PgConnection),
}

impl Conn<'_> {
    /// The same connection for one more call, so a store function can
    /// chain others on it.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    SqliteGroup(GroupTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    /// A pooled connection outside any transaction, for one statement
    /// (`Store::read_single`).
    SqliteSingle(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    PostgresSingle(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t),
            Tx::SqliteGroup(t) => Conn::Sqlite(t.conn()),
            Tx::Postgres(t) => Conn::Postgres(t),
            Tx::SqliteSingle(c) => Conn::Sqlite(c),
            Tx::PostgresSingle(c) => Conn::Postgres(c),
        }
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::SqliteGroup(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
            Tx::SqliteSingle(_) | Tx::PostgresSingle(_) => {}
        }
        Ok(())
    }
}

/// How many connections a replica holds. SQLite serializes writers anyway;
/// PostgreSQL's default server limit is 100 for all replicas together.
const SQLITE_POOL_SIZE: u32 = 8;
const POSTGRES_POOL_SIZE: u32 = 16;
/// A pooled PostgreSQL connection idle for longer than this is pinged
/// before use: a server restart or a firewall dropping quiet connections
/// shows up there, not as a failed request. A connection used more recently
/// is not: pinging every one cost a round trip per transaction, five per
/// dépôt and its page.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);
/// A request waiting longer than this for a connection is failing anyway;
/// better a clear error than an ever-growing queue.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Store {
    /// Chooses the backend from the URL scheme.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // Durable commits: an acknowledged dépôt survives a power cut.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(SQLITE_POOL_SIZE)
                // A local file's connection cannot go stale behind our
                // back: no ping round trip before each use.
                .test_before_acquire(false)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options.clone())
                .await?;
            let writer = GroupCommit::start(&options).await?;
            Ok(Store::Sqlite(pool, writer))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(POSTGRES_POOL_SIZE)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > PING_WHEN_IDLE_FOR {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(options)
                .await?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool, _) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(..) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// A transaction that will write. On SQLite it is a savepoint on the
    /// one writer connection, committed with others in a group (the write
    /// lock is taken up front, `BEGIN IMMEDIATE`, so reading then writing
    /// never fails with SQLITE_BUSY); `commit` returns once it is durable.
    pub async fn write(&self) -> StoreResult<Tx> {
        Ok(match self {
            Store::Sqlite(_, writer) => Tx::SqliteGroup(writer.begin().await?),
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A read-only transaction: a consistent snapshot for one page. On
    /// PostgreSQL the default READ COMMITTED would give each statement its own
    /// snapshot, and a page reading values then their flags could mix
    /// before and after a concurrent commit (seen with deferred checks).
    pub async fn read(&self) -> StoreResult<Tx> {
        Ok(match self {
            Store::Sqlite(pool, _) => Tx::Sqlite(pool.begin().await?),
            Store::Postgres(pool) => {
                Tx::Postgres(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?)
            }
        })
    }

    /// A connection for a read made of one statement, which is its own
    /// snapshot on both backends: no `BEGIN`/`COMMIT`, two round trips
    /// fewer than `read` on a lookup every request makes (the session).
    pub async fn read_single(&self) -> StoreResult<Tx> {
        Ok(match self {
            Store::Sqlite(pool, _) => Tx::SqliteSingle(pool.acquire().await?),
            Store::Postgres(pool) => Tx::PostgresSingle(pool.acquire().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool, writer) => {
                writer.close().await;
                pool.close().await
            }
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

/// Expects exactly one affected row; zero means the row was not in the
/// expected state (or not there at all).
pub(crate) fn expect_one(affected: u64, what: &'static str) -> StoreResult<()> {
    if affected == 1 { Ok(()) } else { Err(StoreError::Conflict(what)) }
}
