//! The administrateurs of a démarche: listed, added, removed. A démarche
//! always keeps one: the removal that would leave none is refused in the
//! same statement sequence that would do it, under a lock.

use crate::domain::{AdministrateurId, DemarcheId};
use crate::store::{Conn, StoreResult};

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct AdministrateurDemarche {
    pub administrateur_id: i64,
    pub email: String,
    /// Whether the compte chose its password (else: invited, not yet come).
    pub confirmed: bool,
}

pub async fn list(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<AdministrateurDemarche>> {
    const SQL: &str = "SELECT a.id AS administrateur_id, c.email, (c.confirmed_at IS NOT NULL) AS confirmed \
        FROM demarches_administrateurs da JOIN administrateurs a ON a.id = da.administrateur_id \
        JOIN comptes c ON c.id = a.compte_id WHERE da.demarche_id = $1 ORDER BY c.email";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

/// Adds an administrateur to a démarche; `false` when they already were.
/// The administrateur with this (normalised) e-mail, and the e-mail.
pub async fn par_email(c: Conn<'_>, email: &str) -> StoreResult<Option<(AdministrateurId, String)>> {
    const SQL: &str =
        "SELECT a.id, c.email FROM administrateurs a JOIN comptes c ON c.id = a.compte_id WHERE c.email = $1";
    let row: Option<(i64, String)> = on!(c, c => sqlx::query_as(SQL).bind(email).fetch_optional(&mut *c).await)?;
    Ok(row.map(|(id, email)| (AdministrateurId(id), email)))
}

pub async fn ajouter(c: Conn<'_>, id: DemarcheId, admin: AdministrateurId) -> StoreResult<bool> {
    const SQL: &str =
        "INSERT INTO demarches_administrateurs (demarche_id, administrateur_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(admin.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retrait {
    Retire,
    /// The last administrateur: kept.
    Dernier,
    /// Not an administrateur of this démarche.
    Absent,
}

/// Removes an administrateur from a démarche, unless they are its last.
/// On PostgreSQL the démarche's row is locked first: two administrateurs
/// removing each other at the same moment would otherwise both see two
/// and leave none. SQLite has one writer at a time.
pub async fn retirer(mut c: Conn<'_>, id: DemarcheId, admin: AdministrateurId) -> StoreResult<Retrait> {
    const LOCK: &str = "SELECT id FROM demarches WHERE id = $1 FOR UPDATE";
    const COUNT: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN administrateur_id = $2 THEN 1 ELSE 0 END), 0) \
        FROM demarches_administrateurs WHERE demarche_id = $1";
    const DELETE: &str = "DELETE FROM demarches_administrateurs WHERE demarche_id = $1 AND administrateur_id = $2";
    if let Conn::Postgres(pg) = &mut c {
        sqlx::query(LOCK).bind(id.0).fetch_optional(&mut **pg).await?;
    }
    let (total, membre): (i64, i64) =
        on!(c.reborrow(), c => sqlx::query_as(COUNT).bind(id.0).bind(admin.0).fetch_one(&mut *c).await)?;
    if membre == 0 {
        return Ok(Retrait::Absent);
    }
    if total <= 1 {
        return Ok(Retrait::Dernier);
    }
    on!(c, c => sqlx::query(DELETE).bind(id.0).bind(admin.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(Retrait::Retire)
}
