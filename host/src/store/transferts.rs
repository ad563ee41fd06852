//! Transfers of dossiers to another person (`domain::dossier::transfert`).
//! The owner reaches a transfer through their dossier, found first in
//! their scope (`dossiers::find_for_usager`); the recipient reaches it
//! through their compte's address only: another compte's transfer answers
//! like a missing one.

use crate::domain::{CompteId, DossierId};
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

/// A dossier's pending transfer, as its owner sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TransfertRow {
    pub id: i64,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub expire_at: DateTime<Utc>,
}

/// A transfer waiting for its recipient, with what they need to decide.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TransfertRecu {
    pub id: i64,
    pub dossier_id: i64,
    /// The owner when the transfer was asked: accepting moves the dossier
    /// only if it is still theirs.
    pub compte_id: i64,
    pub proprietaire: String,
    pub demarche_libelle: String,
    pub etat: String,
    pub created_at: DateTime<Utc>,
    pub expire_at: DateTime<Utc>,
}

/// Asks the dossier's transfer to `email` (normalised), replacing a
/// pending one.
pub async fn demander(
    c: Conn<'_>,
    dossier: DossierId,
    email: &str,
    now: DateTime<Utc>,
    expire_at: DateTime<Utc>,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO transferts (dossier_id, email, created_at, expire_at) VALUES ($1, $2, $3, $4) \
        ON CONFLICT (dossier_id) DO UPDATE SET email = excluded.email, created_at = excluded.created_at, \
        expire_at = excluded.expire_at";
    on!(c, c => sqlx::query(SQL).bind(dossier.0).bind(email).bind(now).bind(expire_at)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The dossier's transfer still pending at `now`.
pub async fn du_dossier(c: Conn<'_>, dossier: DossierId, now: DateTime<Utc>) -> StoreResult<Option<TransfertRow>> {
    const SQL: &str =
        "SELECT id, email, created_at, expire_at FROM transferts WHERE dossier_id = $1 AND expire_at > $2";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(dossier.0).bind(now).fetch_optional(&mut *c).await)?)
}

/// Cancels the dossier's transfer; `false` when there was none.
pub async fn annuler(c: Conn<'_>, dossier: DossierId) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM transferts WHERE dossier_id = $1";
    let n = on!(c, c => sqlx::query(SQL).bind(dossier.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

const RECUS: &str = "SELECT t.id, t.dossier_id, d.compte_id, c.email AS proprietaire, \
    m.libelle AS demarche_libelle, d.etat, t.created_at, t.expire_at \
    FROM transferts t JOIN dossiers d ON d.id = t.dossier_id JOIN comptes c ON c.id = d.compte_id \
    JOIN demarches m ON m.id = d.demarche_id \
    WHERE t.email = $1 AND t.expire_at > $2 AND d.corbeille_usager_at IS NULL";

/// The transfers waiting for `email` at `now`, oldest first (a dossier in
/// its owner's corbeille is not offered).
pub async fn pour_email(c: Conn<'_>, email: &str, now: DateTime<Utc>) -> StoreResult<Vec<TransfertRecu>> {
    let sql = format!("{RECUS} ORDER BY t.created_at, t.id");
    Ok(on!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).bind(now).fetch_all(&mut *c).await)?)
}

/// How many transfers wait for `email` (« Mes dossiers » says so).
pub async fn nombre_pour_email(c: Conn<'_>, email: &str, now: DateTime<Utc>) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) FROM ({RECUS}) recus");
    Ok(on!(c, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(email).bind(now).fetch_one(&mut *c).await)?)
}

/// Transfer `id` if it waits for `email` at `now`.
pub async fn recu(c: Conn<'_>, id: i64, email: &str, now: DateTime<Utc>) -> StoreResult<Option<TransfertRecu>> {
    let sql = format!("{RECUS} AND t.id = $3");
    Ok(on!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).bind(now).bind(id)
        .fetch_optional(&mut *c).await)?)
}

/// Deletes transfer `id` (accepted or declined).
pub async fn supprimer(c: Conn<'_>, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM transferts WHERE id = $1";
    on!(c, c => sqlx::query(SQL).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives the dossier to `nouveau`, if `ancien` still owns it; the
/// recipient's invitation on it, if any, goes (they own it now). Returns
/// whether it moved.
pub async fn changer_titulaire(
    mut c: Conn<'_>,
    dossier: DossierId,
    ancien: CompteId,
    nouveau: CompteId,
    email_nouveau: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const TITULAIRE: &str = "UPDATE dossiers SET compte_id = $3, updated_at = $4 WHERE id = $1 AND compte_id = $2";
    const INVITATION: &str = "DELETE FROM invitations WHERE dossier_id = $1 AND email = $2";
    let n = on!(c.reborrow(), c => sqlx::query(TITULAIRE).bind(dossier.0).bind(ancien.0).bind(nouveau.0).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Ok(false);
    }
    on!(c, c => sqlx::query(INVITATION).bind(dossier.0).bind(email_nouveau)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(true)
}
