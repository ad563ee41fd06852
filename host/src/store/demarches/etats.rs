//! A démarche's states after its first publication: closed, unpublished,
//! published again, deleted. Each write is guarded by the state it starts
//! from, so a double submit or two administrateurs at once change it once.

use crate::domain::{DemarcheId, DossierId};
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

/// Publishes again a closed or unpublished démarche, at `path`. `false`
/// when it was in neither state.
pub async fn republier(c: Conn<'_>, id: DemarcheId, path: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    const SQL: &str = "UPDATE demarches SET etat = 'publiee', path = $2, published_at = $3, closed_at = NULL, \
        motif_cloture = '', redirection_demarche_id = NULL WHERE id = $1 AND etat IN ('close', 'depubliee')";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(path).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Moves a published démarche to another address (the caller recorded it
/// in `paths` first; the former one redirects there).
pub async fn changer_path(c: Conn<'_>, id: DemarcheId, path: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE demarches SET path = $2 WHERE id = $1";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(path).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    crate::store::expect_one(n, "demarche")
}

/// Closes a published (or unpublished) démarche. `false` when it was not.
pub async fn clore(
    c: Conn<'_>,
    id: DemarcheId,
    motif: &str,
    redirection: Option<DemarcheId>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE demarches SET etat = 'close', closed_at = $2, motif_cloture = $3, \
        redirection_demarche_id = $4 WHERE id = $1 AND etat IN ('publiee', 'depubliee')";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(now).bind(motif).bind(redirection.map(|d| d.0))
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn depublier(c: Conn<'_>, id: DemarcheId, now: DateTime<Utc>) -> StoreResult<bool> {
    const SQL: &str = "UPDATE demarches SET etat = 'depubliee', closed_at = COALESCE(closed_at, $2) \
        WHERE id = $1 AND etat IN ('publiee', 'close')";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Published démarches whose deadline has come, for the closing job.
pub async fn echues(c: Conn<'_>, now: DateTime<Utc>) -> StoreResult<Vec<DemarcheId>> {
    const SQL: &str = "SELECT id FROM demarches WHERE etat = 'publiee' AND date_limite_depot IS NOT NULL \
        AND date_limite_depot <= $1 AND supprimee_at IS NULL ORDER BY id";
    let ids: Vec<i64> = on!(c, c => sqlx::query_scalar(SQL).bind(now).fetch_all(&mut *c).await)?;
    Ok(ids.into_iter().map(DemarcheId).collect())
}

/// The addresses of the usagers who have a brouillon on the démarche
/// (test dossiers and brouillons in the corbeille aside), to tell them it
/// closed.
pub async fn courriels_des_brouillons(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT DISTINCT c.email FROM dossiers d JOIN comptes c ON c.id = d.compte_id \
        WHERE d.demarche_id = $1 AND d.etat = 'brouillon' AND d.for_test = FALSE \
        AND d.corbeille_usager_at IS NULL ORDER BY c.email";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

/// Dossiers filed for real (not brouillons, not tests): they are kept for
/// their retention period, so the démarche cannot simply be erased.
pub async fn nombre_deposes(c: Conn<'_>, id: DemarcheId) -> StoreResult<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM dossiers WHERE demarche_id = $1 AND etat <> 'brouillon' AND for_test = FALSE";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_one(&mut *c).await)?)
}

/// Erases a démarche with nothing filed: its brouillons and test dossiers,
/// then the démarche (revisions, groupes, settings cascade). Returns the
/// dossiers erased, whose stored files the caller deletes after commit.
pub async fn effacer(mut c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<DossierId>> {
    const DOSSIERS: &str = "DELETE FROM dossiers WHERE demarche_id = $1 RETURNING id";
    const DEMARCHE: &str = "DELETE FROM demarches WHERE id = $1";
    let ids: Vec<i64> = on!(c.reborrow(), c => sqlx::query_scalar(DOSSIERS).bind(id.0).fetch_all(&mut *c).await)?;
    on!(c, c => sqlx::query(DEMARCHE).bind(id.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(ids.into_iter().map(DossierId).collect())
}

/// Hides a démarche whose filed dossiers are kept for their retention
/// period: no longer listed nor reachable by its address; a published one
/// is closed first so nobody files on it.
pub async fn marquer_supprimee(c: Conn<'_>, id: DemarcheId, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "UPDATE demarches SET supprimee_at = $2, closed_at = COALESCE(closed_at, $2), \
        etat = CASE WHEN etat IN ('brouillon', 'publiee') THEN 'close' ELSE etat END \
        WHERE id = $1 AND supprimee_at IS NULL";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whether the démarche exists and is not deleted.
pub async fn visible(c: Conn<'_>, id: DemarcheId) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM demarches WHERE id = $1 AND supprimee_at IS NULL";
    let n: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_one(&mut *c).await)?;
    Ok(n == 1)
}
