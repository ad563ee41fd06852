//! Attestations of accepted dossiers: the document the démarche's
//! attestation plugin rendered, and the token of its verification page.

use crate::domain::DossierId;
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttestationRow {
    pub dossier_id: i64,
    pub token: String,
    pub filename: String,
    pub media_type: String,
    /// The PDF itself for rows written before the file storage held them;
    /// empty when `data_key` says where it is.
    pub data: Vec<u8>,
    pub data_key: Option<String>,
    pub sha256: String,
    pub plugin_id: String,
    pub plugin_version: String,
    pub created_at: DateTime<Utc>,
    /// Set when the decision it attests was taken back: the document is then
    /// served to no one.
    pub revoquee_le: Option<DateTime<Utc>>,
}

/// What the public verification page shows: never the document itself
/// (it holds personal data), only what proves it genuine.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttestationVerifiee {
    pub dossier_id: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub demarche_libelle: String,
    pub etat: String,
    pub revoquee_le: Option<DateTime<Utc>>,
}

pub struct NouvelleAttestation<'a> {
    pub token: &'a str,
    pub filename: &'a str,
    pub media_type: &'a str,
    /// Where the file storage holds the PDF.
    pub data_key: &'a str,
    pub sha256: &'a str,
    pub plugin_id: &'a str,
    pub plugin_version: &'a str,
}

/// Stores the attestation of a dossier, replacing an earlier one (a dossier
/// accepted again after `repasser en instruction` gets a new document; the
/// old token stops verifying).
pub async fn upsert(c: Conn<'_>, id: DossierId, a: &NouvelleAttestation<'_>, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO attestations (dossier_id, token, filename, media_type, data, data_key, sha256, \
        plugin_id, plugin_version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
        ON CONFLICT (dossier_id) DO UPDATE SET token = excluded.token, filename = excluded.filename, \
        media_type = excluded.media_type, data = excluded.data, data_key = excluded.data_key, \
        sha256 = excluded.sha256, plugin_id = excluded.plugin_id, plugin_version = excluded.plugin_version, \
        created_at = excluded.created_at, revoquee_le = NULL";
    let empty: &[u8] = &[];
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(a.token).bind(a.filename).bind(a.media_type).bind(empty)
        .bind(a.data_key).bind(a.sha256).bind(a.plugin_id).bind(a.plugin_version).bind(now).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// The attestation of a dossier the caller already found in its scope,
/// revoked or not.
pub async fn of_dossier(c: Conn<'_>, id: DossierId) -> StoreResult<Option<AttestationRow>> {
    const SQL: &str = "SELECT dossier_id, token, filename, media_type, data, data_key, sha256, plugin_id, \
        plugin_version, created_at, revoquee_le FROM attestations WHERE dossier_id = $1";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut *c).await)?)
}

/// Whether a dossier has an attestation in force, without reading it.
pub async fn exists(c: Conn<'_>, id: DossierId) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM attestations WHERE dossier_id = $1 AND revoquee_le IS NULL";
    let n: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// For the public verification page, by the token printed in the document.
pub async fn verify(c: Conn<'_>, token: &str) -> StoreResult<Option<AttestationVerifiee>> {
    const SQL: &str = "SELECT a.dossier_id, a.sha256, a.created_at, m.libelle AS demarche_libelle, d.etat, a.revoquee_le \
        FROM attestations a JOIN dossiers d ON d.id = a.dossier_id JOIN demarches m ON m.id = d.demarche_id \
        WHERE a.token = $1";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(token).fetch_optional(&mut *c).await)?)
}

/// Revokes the attestation of a dossier whose decision is taken back, in the
/// caller's transaction (the transition's). A later acceptation's
/// attestation replaces the row and is in force again.
pub async fn revoquer(c: Conn<'_>, id: DossierId, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "UPDATE attestations SET revoquee_le = $2 WHERE dossier_id = $1 AND revoquee_le IS NULL";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(now).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}
