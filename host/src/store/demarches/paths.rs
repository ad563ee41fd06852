//! Every address a démarche has answered at (`demarches_paths`): the
//! current one is also `demarches.path`; old ones redirect to it, and none
//! is ever given to another démarche, even a deleted one's.

use crate::domain::DemarcheId;
use crate::store::{Conn, StoreError, StoreResult};
use chrono::{DateTime, Utc};

/// Records `path` as the démarche's. `Conflict("path")` when it is, or
/// was, another démarche's.
pub async fn enregistrer(c: Conn<'_>, id: DemarcheId, path: &str, now: DateTime<Utc>) -> StoreResult<()> {
    // The no-op update on the démarche's own path makes re-recording it
    // count one row; another démarche's path counts none.
    const SQL: &str = "INSERT INTO demarches_paths (path, demarche_id, created_at) VALUES ($1, $2, $3) \
        ON CONFLICT (path) DO UPDATE SET demarche_id = excluded.demarche_id \
        WHERE demarches_paths.demarche_id = excluded.demarche_id";
    let n = on!(c, c => sqlx::query(SQL).bind(path).bind(id.0).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::Conflict("path")) }
}

/// Whether `path` may become the address of `pour` (or of a new démarche
/// when `None`): never used, or one of its own.
pub async fn libre(c: Conn<'_>, path: &str, pour: Option<DemarcheId>) -> StoreResult<bool> {
    const SQL: &str = "SELECT demarche_id FROM demarches_paths WHERE path = $1";
    let owner: Option<i64> = on!(c, c => sqlx::query_scalar(SQL).bind(path).fetch_optional(&mut *c).await)?;
    Ok(owner.is_none_or(|owner| Some(DemarcheId(owner)) == pour))
}

/// The current address of the démarche that once answered at `ancien`
/// (`None` when unknown, deleted, or already current).
pub async fn actuel(c: Conn<'_>, ancien: &str) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT d.path FROM demarches_paths p JOIN demarches d ON d.id = p.demarche_id \
        WHERE p.path = $1 AND d.path <> p.path AND d.supprimee_at IS NULL";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(ancien).fetch_optional(&mut *c).await)?)
}

/// The démarche's former addresses, newest first.
pub async fn anciens(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT p.path FROM demarches_paths p JOIN demarches d ON d.id = p.demarche_id \
        WHERE p.demarche_id = $1 AND p.path <> d.path ORDER BY p.created_at DESC, p.path";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}
