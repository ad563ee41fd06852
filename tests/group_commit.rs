//! SQLite's group commit (`store/group_commit.rs`): concurrent write
//! transactions are all committed, in fewer fsyncs than transactions; a
//! transaction dropped or failed in the middle of a group leaves no trace
//! and does not take the others down with it.

use chrono::Utc;
use guichet::store::{Conn, Store};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("group.db").display());
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (dir, store)
}

async fn jobs(store: &Store, queue: &str) -> i64 {
    let mut tx = store.read().await.expect("read");
    let n: i64 = match tx.conn() {
        Conn::Sqlite(c) => sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = $1")
            .bind(queue)
            .fetch_one(&mut *c)
            .await
            .expect("count"),
        Conn::Postgres(_) => unreachable!("a SQLite store"),
    };
    tx.commit().await.expect("commit");
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_are_committed_in_groups() {
    let (_dir, store) = store().await;
    const WRITES: usize = 300;
    let tasks: Vec<_> = (0..WRITES)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.write().await.expect("write");
                guichet::store::jobs::enqueue(tx.conn(), "groupe", &format!("{{\"n\":{i}}}"), 1, Utc::now())
                    .await
                    .expect("enqueue");
                tx.commit().await.expect("durable");
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    // Every acknowledged commit is visible to readers (other connections).
    assert_eq!(jobs(&store, "groupe").await, WRITES as i64);
    let Store::Sqlite(_, writer) = &store else { unreachable!() };
    let groups = writer.groups();
    assert!(groups >= 1 && groups < WRITES as u64 / 2, "{groups} groups for {WRITES} transactions");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_or_failed_transaction_leaves_its_group_intact() {
    let (_dir, store) = store().await;
    let mut handles = Vec::new();
    for i in 0..60 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut tx = store.write().await.expect("write");
            let queue = match i % 3 {
                0 => "garde",
                1 => "abandon",
                _ => "echec",
            };
            guichet::store::jobs::enqueue(tx.conn(), queue, "{}", 1, Utc::now()).await.expect("enqueue");
            match i % 3 {
                0 => tx.commit().await.expect("durable"),
                // Dropped: an error path that returns early.
                1 => drop(tx),
                // A statement fails (no such table), then the caller gives up.
                _ => {
                    let failed = match tx.conn() {
                        Conn::Sqlite(c) => sqlx::query("INSERT INTO pas_de_table VALUES (1)").execute(&mut *c).await,
                        Conn::Postgres(_) => unreachable!(),
                    };
                    assert!(failed.is_err());
                }
            }
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    // Let the flusher undo what the last dropped ones left.
    let mut tx = store.write().await.expect("write");
    guichet::store::jobs::enqueue(tx.conn(), "fin", "{}", 1, Utc::now()).await.expect("enqueue");
    tx.commit().await.expect("durable");
    assert_eq!(jobs(&store, "garde").await, 20);
    assert_eq!(jobs(&store, "abandon").await, 0);
    assert_eq!(jobs(&store, "echec").await, 0);
    assert_eq!(jobs(&store, "fin").await, 1);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_transaction_alone_releases_the_write_lock() {
    let (dir, store) = store().await;
    let mut tx = store.write().await.expect("write");
    guichet::store::jobs::enqueue(tx.conn(), "seul", "{}", 1, Utc::now()).await.expect("enqueue");
    drop(tx);
    // Another process can write: the flusher closed the empty group.
    let url = format!("sqlite:{}", dir.path().join("group.db").display());
    let mut other = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.expect("other connection");
    sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut other).await.expect("pragma");
    sqlx::query("INSERT INTO jobs (queue, payload, state, attempts, max_attempts, run_at, created_at, updated_at) \
        VALUES ('autre', '{}', 'pending', 0, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
        .execute(&mut other)
        .await
        .expect("the write lock is free");
    assert_eq!(jobs(&store, "seul").await, 0);
    assert_eq!(jobs(&store, "autre").await, 1);
    store.close().await;
}
