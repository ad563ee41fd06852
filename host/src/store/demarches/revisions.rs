//! Revisions after the first publication: the published one is what
//! usagers fill and never changes; edits go to a draft copied from it on
//! the first edit; publishing the draft moves brouillons to it at once and
//! queues the rebase of dossiers en construction (`rebases` keeps its
//! progress); dossiers en instruction or later keep their revision.

use crate::domain::{DemarcheId, RevisionId};
use crate::store::demarches::DemarcheRow;
use crate::store::{Conn, StoreError, StoreResult, expect_one};
use chrono::{DateTime, Utc};

/// The draft the editor writes to: the démarche's own while in test, else
/// a copy of the published revision made now if there is none yet.
pub async fn assurer_brouillon(mut c: Conn<'_>, d: &DemarcheRow, now: DateTime<Utc>) -> StoreResult<RevisionId> {
    let draft = d.draft_revision()?;
    let Some(publiee) = d.published_revision_id.map(RevisionId).filter(|p| *p == draft) else {
        return Ok(draft);
    };
    const REVISION: &str = "INSERT INTO revisions (demarche_id, created_at, ineligibilite) \
        SELECT demarche_id, $2, ineligibilite FROM revisions WHERE id = $1 RETURNING id";
    const TYPES: &str = "INSERT INTO types_de_champ (revision_id, stable_id, position, type_champ, libelle, \
        description, obligatoire, options, parent_stable_id, condition, prive) \
        SELECT $2, stable_id, position, type_champ, libelle, description, obligatoire, options, parent_stable_id, \
        condition, prive FROM types_de_champ WHERE revision_id = $1";
    // Guarded: two first edits at once create one draft; the loser's
    // transaction fails and is retried by the administrateur.
    const DEMARCHE: &str =
        "UPDATE demarches SET draft_revision_id = $2 WHERE id = $1 AND draft_revision_id = published_revision_id";
    let nouveau: i64 =
        on!(c.reborrow(), c => sqlx::query_scalar(REVISION).bind(publiee.0).bind(now).fetch_one(&mut *c).await)?;
    on!(c.reborrow(), c => sqlx::query(TYPES).bind(publiee.0).bind(nouveau).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    let n =
        on!(c, c => sqlx::query(DEMARCHE).bind(d.id).bind(nouveau).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    expect_one(n, "brouillon de revision cree entre-temps")?;
    Ok(RevisionId(nouveau))
}

/// Drops the draft's changes: the editor shows the published form again
/// (a new draft is copied on the next edit). `false` when there was none.
pub async fn annuler_brouillon(mut c: Conn<'_>, id: DemarcheId) -> StoreResult<bool> {
    const BROUILLON: &str = "SELECT draft_revision_id FROM demarches \
        WHERE id = $1 AND published_revision_id IS NOT NULL AND draft_revision_id <> published_revision_id";
    const DEMARCHE: &str = "UPDATE demarches SET draft_revision_id = published_revision_id WHERE id = $1";
    const REVISION: &str = "DELETE FROM revisions WHERE id = $1 AND published_at IS NULL";
    let brouillon: Option<i64> =
        on!(c.reborrow(), c => sqlx::query_scalar(BROUILLON).bind(id.0).fetch_optional(&mut *c).await)?;
    let Some(brouillon) = brouillon else { return Ok(false) };
    on!(c.reborrow(), c => sqlx::query(DEMARCHE).bind(id.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    on!(c, c => sqlx::query(REVISION).bind(brouillon).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(true)
}

/// Publishes the draft of a published démarche: usagers' new dossiers and
/// every brouillon use it from now on; dossiers en construction are left
/// to the rebase job, whose progress row is created here. Returns how
/// many dossiers en construction it will move.
pub async fn publier(mut c: Conn<'_>, d: &DemarcheRow, now: DateTime<Utc>) -> StoreResult<i64> {
    let revision = d.draft_revision()?;
    if d.published_revision_id.is_none_or(|p| p == revision.0) {
        return Err(StoreError::Conflict("aucune modification a publier"));
    }
    const REVISION: &str = "UPDATE revisions SET published_at = $2 WHERE id = $1 AND published_at IS NULL";
    const DEMARCHE: &str = "UPDATE demarches SET published_revision_id = $2 WHERE id = $1 AND draft_revision_id = $2";
    const BROUILLONS: &str =
        "UPDATE dossiers SET revision_id = $2 WHERE demarche_id = $1 AND etat = 'brouillon' AND revision_id <> $2";
    const A_REBASER: &str = "SELECT COUNT(*) FROM dossiers WHERE demarche_id = $1 AND etat = 'en_construction' \
        AND revision_id <> $2";
    const REBASE: &str = "INSERT INTO rebases (revision_id, demarche_id, total, faits, created_at) \
        VALUES ($1, $2, $3, 0, $4)";
    let n = on!(c.reborrow(), c => sqlx::query(REVISION).bind(revision.0).bind(now).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    expect_one(n, "revision deja publiee")?;
    let n = on!(c.reborrow(), c => sqlx::query(DEMARCHE).bind(d.id).bind(revision.0).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    expect_one(n, "brouillon de revision change entre-temps")?;
    on!(c.reborrow(), c => sqlx::query(BROUILLONS).bind(d.id).bind(revision.0).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    let total: i64 =
        on!(c.reborrow(), c => sqlx::query_scalar(A_REBASER).bind(d.id).bind(revision.0).fetch_one(&mut *c).await)?;
    on!(c, c => sqlx::query(REBASE).bind(revision.0).bind(d.id).bind(total).bind(now).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    Ok(total)
}

/// The dossiers en construction of the démarche not yet on `revision`,
/// by number: what its rebase has to move, read once (8 bytes each).
pub async fn a_rebaser(c: Conn<'_>, id: DemarcheId, revision: RevisionId) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT id FROM dossiers WHERE demarche_id = $1 AND etat = 'en_construction' \
        AND revision_id <> $2 ORDER BY id";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(id.0).bind(revision.0).fetch_all(&mut *c).await)?)
}

/// Moves these dossiers to `revision` (answers stay: they are keyed by
/// stable id) if still en construction on another revision, by their
/// primary key: a batch reads its own rows only. Counts them in the
/// rebase's progress; returns how many moved. Moves nothing once
/// `revision` is no longer the published one (a newer publication has its
/// own job).
pub async fn rebaser_lot(mut c: Conn<'_>, id: DemarcheId, revision: RevisionId, lot: &[i64]) -> StoreResult<u64> {
    if lot.is_empty() {
        return Ok(0);
    }
    // One placeholder per dossier: both databases take `IN ($3, $4, …)`.
    let places: Vec<String> = (0..lot.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "UPDATE dossiers SET revision_id = $2 WHERE demarche_id = $1 AND etat = 'en_construction' \
         AND revision_id <> $2 AND id IN ({}) \
         AND EXISTS (SELECT 1 FROM demarches m WHERE m.id = $1 AND m.published_revision_id = $2)",
        places.join(", ")
    );
    const PROGRES: &str = "UPDATE rebases SET faits = faits + $2 WHERE revision_id = $1";
    let n = on!(c.reborrow(), c => {
        // Only numbered placeholders are formatted in, never a value.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).bind(revision.0);
        for dossier in lot {
            q = q.bind(*dossier);
        }
        q.execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    if n > 0 {
        on!(c, c => sqlx::query(PROGRES).bind(revision.0).bind(i64::try_from(n).unwrap_or(i64::MAX))
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

pub async fn terminer_rebase(c: Conn<'_>, revision: RevisionId, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "UPDATE rebases SET finished_at = $2 WHERE revision_id = $1 AND finished_at IS NULL";
    on!(c, c => sqlx::query(SQL).bind(revision.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The progress of the démarche's latest rebase, if one is running.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Rebase {
    pub total: i64,
    pub faits: i64,
}

pub async fn rebase_en_cours(c: Conn<'_>, id: DemarcheId) -> StoreResult<Option<Rebase>> {
    const SQL: &str = "SELECT total, faits FROM rebases WHERE demarche_id = $1 AND finished_at IS NULL \
        ORDER BY revision_id DESC LIMIT 1";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut *c).await)?)
}

/// The answers given to champ `stable_id` in the démarche's dossiers en
/// construction not yet on `revision`, filed or in changes not filed yet
/// (both streams): what a type change would have to keep. At most `max`.
pub async fn reponses_en_construction(
    c: Conn<'_>,
    id: DemarcheId,
    stable_id: i64,
    max: i64,
) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT c.value FROM champs c JOIN dossiers d ON d.id = c.dossier_id \
        WHERE d.demarche_id = $1 AND d.etat = 'en_construction' AND c.stable_id = $2 \
        AND c.value IS NOT NULL AND c.value <> '' LIMIT $3";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(id.0).bind(stable_id).bind(max).fetch_all(&mut *c).await)?)
}

/// Whether a revision of the démarche still names the object `cle` (a
/// model file shared by the published revision and the draft copied from
/// it): such an object must outlive the draft's change.
pub async fn objet_reference(c: Conn<'_>, id: DemarcheId, cle: &str) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM types_de_champ t JOIN revisions r ON r.id = t.revision_id \
        WHERE r.demarche_id = $1 AND t.options LIKE '%' || $2 || '%'";
    let n: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).bind(cle).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// The champs of the usager's form that earlier revisions of the démarche
/// had and `revision` no longer has, as their latest revision defined
/// them: answers given to them stay in dossiers rebased since, shown
/// apart as « champs retirés ».
pub async fn champs_retires(
    c: Conn<'_>,
    id: DemarcheId,
    revision: RevisionId,
) -> StoreResult<Vec<crate::domain::TypeDeChamp>> {
    const SQL: &str = "SELECT t.revision_id FROM types_de_champ t JOIN revisions r ON r.id = t.revision_id \
        WHERE r.demarche_id = $1 AND t.revision_id <> $2 AND t.prive = FALSE AND NOT EXISTS (\
          SELECT 1 FROM types_de_champ n WHERE n.revision_id = $2 AND n.stable_id = t.stable_id) \
        GROUP BY t.revision_id ORDER BY t.revision_id DESC";
    let mut c = c;
    let revisions: Vec<i64> =
        on!(c.reborrow(), c => sqlx::query_scalar(SQL).bind(id.0).bind(revision.0).fetch_all(&mut *c).await)?;
    let present = super::types_de_champ(c.reborrow(), revision).await?;
    let mut retires: Vec<crate::domain::TypeDeChamp> = Vec::new();
    for r in revisions {
        for t in super::types_de_champ(c.reborrow(), RevisionId(r)).await? {
            let connu = present.iter().chain(retires.iter()).any(|p| p.stable_id == t.stable_id);
            if !connu {
                retires.push(t);
            }
        }
    }
    Ok(retires)
}
