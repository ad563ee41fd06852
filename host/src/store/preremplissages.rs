//! Answers sent through the public préremplissage API, waiting for an
//! usager (`domain::dossier::preremplissage`). Found only by the SHA-256
//! of their token: the token is the capability, never stored.

use crate::domain::{DemarcheId, DossierId};
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PreremplissageRow {
    pub id: i64,
    pub demarche_id: i64,
    /// The answers, a JSON object input name → text.
    pub valeurs: String,
    /// The brouillon made from them, once an usager opened the link.
    pub dossier_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Where a dossier made by préremplissage stands, for the partner.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Statut {
    pub jeton_hash: String,
    pub dossier_id: Option<i64>,
    pub etat: Option<String>,
    pub depose_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
}

pub async fn inserer(
    c: Conn<'_>,
    demarche: DemarcheId,
    jeton_hash: &str,
    valeurs: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO preremplissages (demarche_id, jeton_hash, valeurs, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(demarche.0).bind(jeton_hash).bind(valeurs).bind(now)
        .fetch_one(&mut *c).await)?)
}

pub async fn par_jeton(c: Conn<'_>, jeton_hash: &str) -> StoreResult<Option<PreremplissageRow>> {
    const SQL: &str =
        "SELECT id, demarche_id, valeurs, dossier_id, created_at FROM preremplissages WHERE jeton_hash = $1";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(jeton_hash).fetch_optional(&mut *c).await)?)
}

/// Records the brouillon made from answers `id`, if nobody claimed them
/// first; returns whether this call did.
pub async fn reclamer(c: Conn<'_>, id: i64, dossier: DossierId) -> StoreResult<bool> {
    const SQL: &str = "UPDATE preremplissages SET dossier_id = $2 WHERE id = $1 AND dossier_id IS NULL";
    let n = on!(c, c => sqlx::query(SQL).bind(id).bind(dossier.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The state of the préremplissages of these token hashes on démarche
/// `demarche` (unknown hashes are simply absent).
pub async fn statuts(c: Conn<'_>, demarche: DemarcheId, hashes: &[String]) -> StoreResult<Vec<Statut>> {
    let mut out = Vec::with_capacity(hashes.len());
    const SQL: &str = "SELECT p.jeton_hash, p.dossier_id, d.etat, d.depose_at, d.processed_at \
        FROM preremplissages p LEFT JOIN dossiers d ON d.id = p.dossier_id \
        WHERE p.demarche_id = $1 AND p.jeton_hash = $2";
    let mut c = c;
    for hash in hashes {
        let row: Option<Statut> = on!(c.reborrow(), c => sqlx::query_as(SQL).bind(demarche.0).bind(hash)
            .fetch_optional(&mut *c).await)?;
        out.extend(row);
    }
    Ok(out)
}
