//! Rate-limit counters (`domain::limite`): one row per bucket, a fixed
//! window each. Buckets are keyed by a hash of the subject (an IP, an
//! e-mail address), never the subject itself.

use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

/// Counts one hit in `bucket`, starting a new window at `now` when the
/// current one started at or before `expired_at`; returns the hits of the
/// window and when it started. One statement: concurrent hits on several
/// replicas all count.
pub async fn hit(
    c: Conn<'_>,
    bucket: &str,
    now: DateTime<Utc>,
    expired_at: DateTime<Utc>,
) -> StoreResult<(i64, DateTime<Utc>)> {
    const SQL: &str = "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
        ON CONFLICT (bucket) DO UPDATE SET \
        hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
        window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
        RETURNING hits, window_start";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(bucket).bind(now).bind(expired_at).fetch_one(&mut *c).await)?)
}

/// The hits of `bucket`'s current window, without counting one.
pub async fn peek(c: Conn<'_>, bucket: &str, expired_at: DateTime<Utc>) -> StoreResult<Option<(i64, DateTime<Utc>)>> {
    const SQL: &str = "SELECT hits, window_start FROM rate_limits WHERE bucket = $1 AND window_start > $2";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(bucket).bind(expired_at).fetch_optional(&mut *c).await)?)
}

/// Forgets every bucket whose key is `prefix` or starts with `prefix:`.
/// Keys are a name and hex hashes: no LIKE wildcard can occur in them.
pub async fn clear_prefix(c: Conn<'_>, prefix: &str) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM rate_limits WHERE bucket = $1 OR bucket LIKE $2";
    let like = format!("{prefix}:%");
    on!(c, c => sqlx::query(SQL).bind(prefix).bind(&like).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes the counters whose window started before `before`.
pub async fn delete_expired(c: Conn<'_>, before: DateTime<Utc>) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM rate_limits WHERE window_start < $1";
    let n = on!(c, c => sqlx::query(SQL).bind(before).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}
