//! The attestation template of each démarche: texts here, images in the
//! file storage under the keys kept here.

use crate::domain::DemarcheId;
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct AttestationTemplateRow {
    pub titre: String,
    pub corps: String,
    pub pied_de_page: String,
    pub logo_key: Option<String>,
    pub logo_media_type: Option<String>,
    pub signature_key: Option<String>,
    pub signature_media_type: Option<String>,
}

pub async fn find(c: Conn<'_>, id: DemarcheId) -> StoreResult<Option<AttestationTemplateRow>> {
    const SQL: &str = "SELECT titre, corps, pied_de_page, logo_key, logo_media_type, signature_key, \
        signature_media_type FROM attestation_templates WHERE demarche_id = $1";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut *c).await)?)
}

pub async fn upsert(c: Conn<'_>, id: DemarcheId, t: &AttestationTemplateRow, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO attestation_templates (demarche_id, titre, corps, pied_de_page, logo_key, \
        logo_media_type, signature_key, signature_media_type, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
        ON CONFLICT (demarche_id) DO UPDATE SET titre = excluded.titre, corps = excluded.corps, \
        pied_de_page = excluded.pied_de_page, logo_key = excluded.logo_key, logo_media_type = excluded.logo_media_type, \
        signature_key = excluded.signature_key, signature_media_type = excluded.signature_media_type, \
        updated_at = excluded.updated_at";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(&t.titre).bind(&t.corps).bind(&t.pied_de_page)
        .bind(&t.logo_key).bind(&t.logo_media_type).bind(&t.signature_key).bind(&t.signature_media_type).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
