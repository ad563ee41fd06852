//! Co-construction invitations: who, by e-mail address, may complete a
//! usager's dossier. Reached only through the dossier, itself found first
//! through its owner's scope (`dossiers::find_for_usager`).

use crate::domain::DossierId;
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// Invites `email` (normalised) on the dossier; `false` when it already
/// was (the first invitation and its message stay).
pub async fn inviter(
    c: Conn<'_>,
    dossier: DossierId,
    email: &str,
    message: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO invitations (dossier_id, email, message, created_at) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (dossier_id, email) DO NOTHING";
    let n = on!(c, c => sqlx::query(SQL).bind(dossier.0).bind(email).bind(message).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The dossier's invitations, oldest first.
pub async fn du_dossier(c: Conn<'_>, dossier: DossierId) -> StoreResult<Vec<InvitationRow>> {
    const SQL: &str =
        "SELECT id, email, message, created_at FROM invitations WHERE dossier_id = $1 ORDER BY created_at, id";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(dossier.0).fetch_all(&mut *c).await)?)
}

pub async fn nombre(c: Conn<'_>, dossier: DossierId) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM invitations WHERE dossier_id = $1";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(dossier.0).fetch_one(&mut *c).await)?)
}

/// Revokes one invitation of the dossier; `false` when there was none.
pub async fn revoquer(c: Conn<'_>, dossier: DossierId, id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM invitations WHERE dossier_id = $1 AND id = $2";
    let n = on!(c, c => sqlx::query(SQL).bind(dossier.0).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
