//! Group commit for SQLite: many write transactions, one fsync.
//!
//! With `synchronous=FULL` every commit waits for an fsync of the WAL, and
//! the disks we run on allow a few hundred per second: one transaction per
//! fsync caps durable dépôts there. Databases solve this with group commit,
//! and so does this module. Every write transaction runs on one dedicated
//! connection, inside a shared outer transaction, as a savepoint of its
//! own:
//!
//! 1. `write()` waits its turn for the connection (a fair FIFO lock), opens
//!    the outer transaction if none is open (`BEGIN IMMEDIATE`), then
//!    `SAVEPOINT`.
//! 2. `commit()` releases its savepoint (its changes join the outer
//!    transaction), hands the connection to the next writer, and waits until
//!    the outer transaction is committed. Only then does the caller learn
//!    that its transaction is durable, so an acknowledged dépôt is on disk.
//! 3. A transaction dropped without commit is rolled back to its savepoint
//!    by the next holder of the connection, before anything else: its
//!    changes never reach the outer transaction.
//! 4. A flusher task, woken by each `commit()`, takes its turn in the same
//!    FIFO and commits the outer transaction: every writer that queued
//!    before it is in that group. Under load, groups grow by themselves;
//!    alone, a transaction is committed right away.
//!
//! If the outer `COMMIT` fails, the whole group is rolled back and every
//! writer in it gets the error: none of them was acknowledged.
//!
//! Readers use the pool's other connections and see only committed groups.

use super::{StoreError, StoreResult};
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

/// The outcome of a group's `COMMIT`, as its writers wait for it.
type Issue = watch::Receiver<Option<Result<(), String>>>;

struct Writer {
    conn: SqliteConnection,
    /// The outer transaction is open (`BEGIN IMMEDIATE` done).
    open: bool,
    /// A transaction was dropped without commit: its savepoint must be
    /// rolled back before the connection is used again.
    rollback_pending: bool,
    /// Where the writers of the open group learn its outcome.
    group: watch::Sender<Option<Result<(), String>>>,
    /// Writers committed into the open group.
    members: usize,
}

/// The single writer connection and its flusher.
pub struct GroupCommit {
    writer: Arc<Mutex<Writer>>,
    wake: Arc<Notify>,
    /// Groups committed so far (each one fsync), for benchmarks and tests.
    groups: Arc<AtomicU64>,
}

/// Longest wait for the writer connection. Transactions hold it for
/// milliseconds; a writer waiting this long is failing anyway (a task
/// that opened a second write transaction inside its first would wait
/// forever): a clear error beats a request that never answers.
const WAIT_FOR_WRITER: std::time::Duration = std::time::Duration::from_secs(10);

const SAVEPOINT: &str = "SAVEPOINT guichet_tx";
const RELEASE: &str = "RELEASE guichet_tx";
const ROLLBACK_TO: &str = "ROLLBACK TO guichet_tx";

impl GroupCommit {
    /// Opens the dedicated connection and starts the flusher.
    pub async fn start(options: &SqliteConnectOptions) -> StoreResult<Arc<GroupCommit>> {
        let conn = options.connect().await?;
        let (group, _) = watch::channel(None);
        let writer = Arc::new(Mutex::new(Writer { conn, open: false, rollback_pending: false, group, members: 0 }));
        let wake = Arc::new(Notify::new());
        let groups = Arc::new(AtomicU64::new(0));
        tokio::spawn(flusher(Arc::downgrade(&writer), wake.clone(), groups.clone()));
        Ok(Arc::new(GroupCommit { writer, wake, groups }))
    }

    /// How many groups were committed (one fsync each) since the start.
    pub fn groups(&self) -> u64 {
        self.groups.load(Ordering::Relaxed)
    }

    /// Waits for the writer connection and opens a savepoint on it.
    pub async fn begin(self: &Arc<Self>) -> StoreResult<GroupTx> {
        let mut w = tokio::time::timeout(WAIT_FOR_WRITER, self.writer.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Commit("the writer connection stayed busy".into()))?;
        w.settle().await?;
        if !w.open {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut w.conn).await?;
            w.open = true;
        }
        sqlx::query(SAVEPOINT).execute(&mut w.conn).await?;
        Ok(GroupTx { writer: Some(w), group: self.clone() })
    }
}

impl Writer {
    /// Rolls back what a dropped transaction left, before any new use.
    async fn settle(&mut self) -> StoreResult<()> {
        if !self.rollback_pending {
            return Ok(());
        }
        self.rollback_pending = false;
        let undone = async {
            sqlx::query(ROLLBACK_TO).execute(&mut self.conn).await?;
            sqlx::query(RELEASE).execute(&mut self.conn).await
        }
        .await;
        if let Err(e) = undone {
            // The savepoint could not be undone: the whole group goes, its
            // writers are told (none was acknowledged yet).
            self.abandon(format!("rollback of a savepoint failed: {e}")).await;
            return Err(e.into());
        }
        Ok(())
    }

    /// Rolls the open group back and fails its writers.
    async fn abandon(&mut self, why: String) {
        if self.open {
            let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
        }
        self.open = false;
        self.finish(Err(why));
    }

    /// Ends the open group: commits it when a writer is in it (returns
    /// whether it did), rolls it back when only dropped transactions were
    /// (the write lock goes back to other processes). A failed commit rolls
    /// the group back and fails its writers.
    async fn end_group(&mut self) -> bool {
        if self.settle().await.is_err() || !self.open {
            return false;
        }
        if self.members == 0 {
            self.abandon("empty group".into()).await;
            return false;
        }
        match sqlx::query("COMMIT").execute(&mut self.conn).await {
            Ok(_) => {
                self.open = false;
                self.finish(Ok(()));
                true
            }
            Err(e) => {
                tracing::error!(error = %e, members = self.members, "group commit failed, group rolled back");
                self.abandon(format!("commit failed: {e}")).await;
                false
            }
        }
    }

    /// Tells the open group's writers how it ended; starts a new group.
    fn finish(&mut self, issue: Result<(), String>) {
        let (group, _) = watch::channel(None);
        let old = std::mem::replace(&mut self.group, group);
        self.members = 0;
        let _ = old.send(Some(issue));
    }
}

/// Commits the open group each time a writer asks for it.
async fn flusher(writer: std::sync::Weak<Mutex<Writer>>, wake: Arc<Notify>, groups: Arc<AtomicU64>) {
    loop {
        wake.notified().await;
        let Some(writer) = writer.upgrade() else { return };
        if writer.lock().await.end_group().await {
            groups.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One write transaction of a group: a savepoint on the writer connection,
/// held until `commit` or drop.
pub struct GroupTx {
    writer: Option<OwnedMutexGuard<Writer>>,
    group: Arc<GroupCommit>,
}

impl GroupTx {
    pub fn conn(&mut self) -> &mut SqliteConnection {
        // Some until commit consumes self: `writer` is only taken there.
        &mut self.writer.as_mut().expect("a live group transaction").conn
    }

    /// Releases the savepoint, lets the next writer in, and waits until the
    /// group holding this transaction is durable.
    pub async fn commit(mut self) -> StoreResult<()> {
        let Some(mut w) = self.writer.take() else { return Ok(()) };
        if let Err(e) = sqlx::query(RELEASE).execute(&mut w.conn).await {
            w.rollback_pending = true;
            drop(w);
            self.group.wake.notify_one();
            return Err(e.into());
        }
        w.members += 1;
        let mut issue: Issue = w.group.subscribe();
        drop(w);
        self.group.wake.notify_one();
        loop {
            if let Some(result) = issue.borrow_and_update().clone() {
                return result.map_err(StoreError::Commit);
            }
            if issue.changed().await.is_err() {
                return Err(StoreError::Commit("the writer connection closed".into()));
            }
        }
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        // Dropped without commit (an error, a refused input): the next
        // holder of the connection undoes it first.
        if let Some(mut w) = self.writer.take() {
            w.rollback_pending = true;
            drop(w);
            // The flusher undoes it now if nobody else comes.
            self.group.wake.notify_one();
        }
    }
}

impl GroupCommit {
    /// Commits the last group before the store closes.
    pub async fn close(&self) {
        self.writer.lock().await.end_group().await;
    }
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupCommit")
    }
}
