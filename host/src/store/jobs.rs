//! The durable job queue. Jobs are inserted in the same transaction as the
//! change that causes them (an outbox), then claimed with a lease so a
//! crashed worker's job is picked up again once the lease expires. On
//! PostgreSQL several replicas claim concurrently with `SKIP LOCKED`.

use crate::store::{Conn, Store, StoreResult};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub queue: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

pub async fn enqueue(
    c: Conn<'_>,
    queue: &str,
    payload: &str,
    max_attempts: i64,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO jobs (queue, payload, state, attempts, max_attempts, run_at, created_at, updated_at) \
        VALUES ($1, $2, 'pending', 0, $3, $4, $4, $4) RETURNING id";
    Ok(
        on!(c, c => sqlx::query_scalar(SQL).bind(queue).bind(payload).bind(max_attempts).bind(now).fetch_one(&mut *c).await)?,
    )
}

/// Claims the oldest ready job (pending and due, or running with an expired
/// lease) and, with it, up to `batch(queue) - 1` more ready jobs of the same
/// queue, all leased until `lease_until`, in id order. One write
/// transaction for a batch: a worker draining a burst of e-mails (one per
/// dépôt) costs the database a claim per batch, not per message. Only one
/// queue per batch, so a long job (a rebase) never holds up e-mails claimed
/// with it.
pub async fn claim(
    store: &Store,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    batch: impl Fn(&str) -> i64,
) -> StoreResult<Vec<JobRow>> {
    // On PostgreSQL the rows are locked as they are picked (`SKIP LOCKED`):
    // replicas claiming at the same time take disjoint batches.
    macro_rules! statements {
        ($lock:literal) => {
            (
                concat!("SELECT queue FROM jobs WHERE ", ready!(), " ORDER BY run_at, id LIMIT 1", $lock),
                concat!(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2, updated_at = $1 \
                    WHERE id IN (SELECT id FROM jobs WHERE (",
                    ready!(),
                    ") AND queue = $3 ORDER BY run_at, id LIMIT $4",
                    $lock,
                    ") RETURNING id, queue, payload, attempts, max_attempts"
                ),
            )
        };
    }
    macro_rules! ready {
        () => {
            "(state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until < $1)"
        };
    }
    const SQLITE: (&str, &str) = statements!("");
    const POSTGRES: (&str, &str) = statements!(" FOR UPDATE SKIP LOCKED");
    let (oldest, take) = if matches!(store, Store::Postgres(_)) { POSTGRES } else { SQLITE };
    // Every write goes through a write transaction: on SQLite, the group
    // committer's connection (a write on another connection would wait for
    // the write lock behind whole groups).
    let mut tx = store.write().await?;
    let queue: Option<String> = on!(tx.conn(), c => sqlx::query_scalar(oldest)
        .bind(now)
        .fetch_optional(&mut *c)
        .await)?;
    let Some(queue) = queue else {
        tx.commit().await?;
        return Ok(Vec::new());
    };
    let limit = batch(&queue).max(1);
    let mut rows: Vec<JobRow> = on!(tx.conn(), c => sqlx::query_as(take)
        .bind(now)
        .bind(lease_until)
        .bind(&queue)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)?;
    tx.commit().await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Claims one given job if it is still pending (no worker took it), for a
/// command that wants its own e-mail sent before it exits. A worker racing
/// for it is refused by the same `state = 'pending'` guard.
pub async fn claim_id(
    store: &Store,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> StoreResult<Option<JobRow>> {
    const SQL: &str = "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $3, updated_at = $2 \
        WHERE id = $1 AND state = 'pending' RETURNING id, queue, payload, attempts, max_attempts";
    let mut tx = store.write().await?;
    let row =
        on!(tx.conn(), c => sqlx::query_as(SQL).bind(id).bind(now).bind(lease_until).fetch_optional(&mut *c).await)?;
    tx.commit().await?;
    Ok(row)
}

/// Extends running jobs' leases (the worker's heartbeat). A job that is no
/// longer running is left alone.
pub async fn renew_leases(store: &Store, ids: &[i64], until: DateTime<Utc>) -> StoreResult<()> {
    const SQLITE: &str =
        "UPDATE jobs SET locked_until = $2 WHERE id IN (SELECT value FROM json_each($1)) AND state = 'running'";
    const POSTGRES: &str = "UPDATE jobs SET locked_until = $2 WHERE id = ANY($1) AND state = 'running'";
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = store.write().await?;
    match tx.conn() {
        Conn::Sqlite(c) => {
            sqlx::query(SQLITE).bind(id_list(ids)).bind(until).execute(&mut *c).await.map(|r| r.rows_affected())?
        }
        Conn::Postgres(c) => {
            sqlx::query(POSTGRES).bind(ids).bind(until).execute(&mut *c).await.map(|r| r.rows_affected())?
        }
    };
    tx.commit().await?;
    Ok(())
}

/// Marks jobs done, in one write transaction for a whole batch.
pub async fn complete(store: &Store, ids: &[i64], now: DateTime<Utc>) -> StoreResult<()> {
    const SQLITE: &str = "UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, updated_at = $2 \
        WHERE id IN (SELECT value FROM json_each($1))";
    const POSTGRES: &str =
        "UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, updated_at = $2 WHERE id = ANY($1)";
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = store.write().await?;
    match tx.conn() {
        Conn::Sqlite(c) => {
            sqlx::query(SQLITE).bind(id_list(ids)).bind(now).execute(&mut *c).await.map(|r| r.rows_affected())?
        }
        Conn::Postgres(c) => {
            sqlx::query(POSTGRES).bind(ids).bind(now).execute(&mut *c).await.map(|r| r.rows_affected())?
        }
    };
    tx.commit().await?;
    Ok(())
}

/// SQLite has no arrays: a list of ids travels as a JSON array, read back
/// with `json_each` (one bound parameter whatever the batch's size).
fn id_list(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// Records a failure: retried at `retry_at`, or dead when `dead` (kept for an
/// operator to inspect, never silently dropped).
pub async fn fail(
    store: &Store,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    const RETRY: &str = "UPDATE jobs SET state = 'pending', run_at = $3, locked_until = NULL, last_error = $2, updated_at = $4 WHERE id = $1";
    const DEAD: &str =
        "UPDATE jobs SET state = 'dead', locked_until = NULL, last_error = $2, updated_at = $3 WHERE id = $1";
    let mut tx = store.write().await?;
    match retry_at {
        Some(at) => {
            on!(tx.conn(), c => sqlx::query(RETRY).bind(id).bind(error).bind(at).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?
        }
        None => {
            on!(tx.conn(), c => sqlx::query(DEAD).bind(id).bind(error).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?
        }
    };
    tx.commit().await?;
    Ok(())
}

/// Number of jobs per state, for health checks and tests.
pub async fn count_by_state(store: &Store, state: &str) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM jobs WHERE state = $1";
    Ok(match store {
        Store::Sqlite(pool, _) => sqlx::query_scalar(SQL).bind(state).fetch_one(pool).await?,
        Store::Postgres(pool) => sqlx::query_scalar(SQL).bind(state).fetch_one(pool).await?,
    })
}
