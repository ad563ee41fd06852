//! A démarche's own files (`demarches_fichiers`): its logo, its notice,
//! its cadre juridique. The bytes are objects of the storage layer.

use crate::domain::DemarcheId;
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FichierDemarche {
    pub usage: String,
    pub storage_key: String,
    pub nom: String,
    pub mime: String,
    pub taille: i64,
}

pub async fn list(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<FichierDemarche>> {
    const SQL: &str =
        "SELECT usage, storage_key, nom, mime, taille FROM demarches_fichiers WHERE demarche_id = $1 ORDER BY usage";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

pub async fn find(c: Conn<'_>, id: DemarcheId, usage: &str) -> StoreResult<Option<FichierDemarche>> {
    const SQL: &str = "SELECT usage, storage_key, nom, mime, taille FROM demarches_fichiers \
        WHERE demarche_id = $1 AND usage = $2";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(usage).fetch_optional(&mut *c).await)?)
}

/// Sets the file for `usage`; returns the key of the one it replaces,
/// whose object the caller deletes after commit.
pub async fn remplacer(
    mut c: Conn<'_>,
    id: DemarcheId,
    f: &FichierDemarche,
    now: DateTime<Utc>,
) -> StoreResult<Option<String>> {
    let ancien = retirer(c.reborrow(), id, &f.usage).await?;
    const SQL: &str = "INSERT INTO demarches_fichiers (demarche_id, usage, storage_key, nom, mime, taille, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(&f.usage).bind(&f.storage_key).bind(&f.nom).bind(&f.mime)
        .bind(f.taille).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(ancien)
}

/// Removes the file for `usage`; returns its key.
pub async fn retirer(c: Conn<'_>, id: DemarcheId, usage: &str) -> StoreResult<Option<String>> {
    const SQL: &str = "DELETE FROM demarches_fichiers WHERE demarche_id = $1 AND usage = $2 RETURNING storage_key";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(id.0).bind(usage).fetch_optional(&mut *c).await)?)
}
