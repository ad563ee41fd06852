//! Browser sessions. The cookie carries a random token; only its SHA-256 is
//! stored, so a database leak does not hand out live sessions.

use crate::domain::CompteId;
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

/// The signed-in person and their roles, loaded once per request.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub compte_id: i64,
    pub email: String,
    pub administrateur_id: Option<i64>,
    pub instructeur_id: Option<i64>,
    pub expert_id: Option<i64>,
}

pub async fn insert(
    c: Conn<'_>,
    token_hash: &str,
    compte: CompteId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO sessions (token_hash, compte_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
    on!(c, c => sqlx::query(SQL).bind(token_hash).bind(compte.0).bind(now).bind(expires_at).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find(c: Conn<'_>, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<SessionRow>> {
    const SQL: &str = "SELECT c.id AS compte_id, c.email, a.id AS administrateur_id, i.id AS instructeur_id, e.id AS expert_id \
        FROM sessions s JOIN comptes c ON c.id = s.compte_id \
        LEFT JOIN administrateurs a ON a.compte_id = c.id \
        LEFT JOIN instructeurs i ON i.compte_id = c.id \
        LEFT JOIN experts e ON e.compte_id = c.id \
        WHERE s.token_hash = $1 AND s.expires_at > $2";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(token_hash).bind(now).fetch_optional(&mut *c).await)?)
}

pub async fn delete(c: Conn<'_>, token_hash: &str) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM sessions WHERE token_hash = $1";
    on!(c, c => sqlx::query(SQL).bind(token_hash).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Signs a compte out everywhere (after a password reset).
pub async fn delete_for_compte(c: Conn<'_>, compte: CompteId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM sessions WHERE compte_id = $1";
    on!(c, c => sqlx::query(SQL).bind(compte.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
