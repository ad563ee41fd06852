//! What a clone copies row by row from its source, in SQL: the stable id
//! counter, the groupes (with their routing rules and, on request, their
//! instructeurs), the plugins enabled (with their settings, on request).
//! The form, the files and the attestation template are rewritten by the
//! workflow (their object keys change).

use crate::domain::{AdministrateurId, DemarcheId};
use crate::store::demarches::DemarcheRow;
use crate::store::{Conn, StoreError, StoreResult};
use chrono::{DateTime, Utc};

/// A démarche the administrateur may clone: one of theirs (any state), or
/// one published as a model by anyone. Anything else is `NotFound`.
pub async fn find_clonable(c: Conn<'_>, id: DemarcheId, admin: AdministrateurId) -> StoreResult<DemarcheRow> {
    const SQL: &str = select_demarche!(
        "WHERE d.id = $1 AND d.supprimee_at IS NULL AND (\
           EXISTS (SELECT 1 FROM demarches_administrateurs da WHERE da.demarche_id = d.id AND da.administrateur_id = $2) \
           OR (d.modele = TRUE AND d.etat IN ('publiee', 'close')))"
    );
    on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(admin.0).fetch_optional(&mut *c).await)?.ok_or(StoreError::NotFound)
}

/// The démarches published as models, newest first.
pub async fn modeles(c: Conn<'_>) -> StoreResult<Vec<DemarcheRow>> {
    const SQL: &str = select_demarche!(
        "WHERE d.modele = TRUE AND d.etat IN ('publiee', 'close') AND d.supprimee_at IS NULL ORDER BY d.published_at DESC, d.id DESC"
    );
    Ok(on!(c, c => sqlx::query_as(SQL).fetch_all(&mut *c).await)?)
}

/// Copies everything but the form's content, which the caller writes.
pub async fn copier(
    mut c: Conn<'_>,
    source: DemarcheId,
    cible: DemarcheId,
    avec_instructeurs: bool,
    avec_reglages: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // The copy's champs keep their stable ids: the counter goes on from
    // the source's, so a champ added later never reuses one.
    const COMPTEUR: &str = "UPDATE demarches SET next_stable_id = (SELECT s.next_stable_id FROM demarches s WHERE s.id = $2) WHERE id = $1";
    const GROUPES: &str = "INSERT INTO groupes_instructeurs (demarche_id, libelle, defaut, regle_routage, created_at) \
        SELECT $1, libelle, defaut, regle_routage, $3 FROM groupes_instructeurs WHERE demarche_id = $2 ORDER BY id";
    const INSTRUCTEURS: &str = "INSERT INTO groupes_instructeurs_instructeurs (groupe_instructeur_id, instructeur_id, created_at) \
        SELECT n.id, gii.instructeur_id, $3 FROM groupes_instructeurs s \
        JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = s.id \
        JOIN groupes_instructeurs n ON n.demarche_id = $1 AND n.libelle = s.libelle \
        WHERE s.demarche_id = $2";
    const PLUGINS: &str = "INSERT INTO plugins_demarches (demarche_id, plugin_id, settings, enabled_at) \
        SELECT $1, plugin_id, CASE WHEN $3 THEN settings ELSE '{}' END, $4 FROM plugins_demarches WHERE demarche_id = $2";
    on!(c.reborrow(), c => sqlx::query(COMPTEUR).bind(cible.0).bind(source.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on!(c.reborrow(), c => sqlx::query(GROUPES).bind(cible.0).bind(source.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if avec_instructeurs {
        on!(c.reborrow(), c => sqlx::query(INSTRUCTEURS).bind(cible.0).bind(source.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    on!(c, c => sqlx::query(PLUGINS).bind(cible.0).bind(source.0).bind(avec_reglages).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
