//! Démarches, their revisions and types de champ, their administrateurs
//! and instructeurs, the plugins they enable; their states in `etats`,
//! their addresses in `paths`, their files in `fichiers`, what a clone
//! copies in `clonage`.

use crate::domain::champ::OptionsChamp;
use crate::domain::demarche::reglages::{Declaratif, Demandeur, Reglages};
use crate::domain::demarche::{DemarcheInput, EtatDemarche, Service};
use crate::domain::regle::Ineligibilite;
use crate::domain::{AdministrateurId, DemarcheId, InstructeurId, RevisionId, StableId, TypeChamp, TypeDeChamp};
use crate::store::{Conn, StoreError, StoreResult, expect_one};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DemarcheRow {
    pub id: i64,
    pub libelle: String,
    pub description: String,
    pub etat: String,
    pub path: String,
    pub service_nom: String,
    pub service_organisme: String,
    pub service_email: String,
    pub service_telephone: String,
    pub service_horaires: String,
    pub service_adresse: String,
    pub draft_revision_id: Option<i64>,
    pub published_revision_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Bumped by the database on any change of the démarche, its plugins'
    /// settings or its groupes (migration 0014).
    pub config_version: i64,
    pub duree_conservation_mois: i64,
    pub demandeur: String,
    /// The instant dépôts stop (the end of the chosen day in Paris).
    pub date_limite_depot: Option<DateTime<Utc>>,
    pub declaratif: Option<String>,
    pub message_fin_depot: String,
    pub lien_site: String,
    pub monavis: String,
    pub cadre_juridique: String,
    pub notice_url: String,
    pub motif_cloture: String,
    pub redirection_demarche_id: Option<i64>,
    pub modele: bool,
}

impl DemarcheRow {
    pub fn id(&self) -> DemarcheId {
        DemarcheId(self.id)
    }

    pub fn etat(&self) -> EtatDemarche {
        EtatDemarche::parse(&self.etat).unwrap_or(EtatDemarche::Close)
    }

    pub fn service(&self) -> Service {
        Service {
            nom: self.service_nom.clone(),
            organisme: self.service_organisme.clone(),
            email: self.service_email.clone(),
            telephone: self.service_telephone.clone(),
            horaires: self.service_horaires.clone(),
            adresse: self.service_adresse.clone(),
        }
    }

    /// The revision new dossiers are filed with: the published one, or the
    /// draft while the démarche is being tested.
    pub fn current_revision(&self) -> Option<RevisionId> {
        match self.etat() {
            EtatDemarche::Brouillon => self.draft_revision_id,
            _ => self.published_revision_id,
        }
        .map(RevisionId)
    }

    pub fn draft_revision(&self) -> StoreResult<RevisionId> {
        self.draft_revision_id.map(RevisionId).ok_or(StoreError::NotFound)
    }

    pub fn reglages(&self) -> Reglages {
        Reglages {
            duree_conservation_mois: self.duree_conservation_mois,
            demandeur: Demandeur::parse(&self.demandeur).unwrap_or_default(),
            date_limite_depot: self.date_limite_depot.map(crate::domain::heure::jour_de_la_fin),
            declaratif: self.declaratif.as_deref().and_then(Declaratif::parse),
            message_fin_depot: self.message_fin_depot.clone(),
            lien_site: self.lien_site.clone(),
            monavis: self.monavis.clone(),
            cadre_juridique: self.cadre_juridique.clone(),
            notice_url: self.notice_url.clone(),
            modele: self.modele,
        }
    }

    /// Whether a new dossier may be filed now: the state allows it and the
    /// deadline, if any, is not past (the closing job may not have run yet).
    pub fn accepte_depots(&self, now: DateTime<Utc>) -> bool {
        self.etat().accepte_nouveaux_dossiers() && self.date_limite_depot.is_none_or(|limite| now < limite)
    }
}

macro_rules! select_demarche {
    ($tail:literal) => {
        concat!(
            "SELECT d.id, d.libelle, d.description, d.etat, d.path, d.service_nom, d.service_organisme, ",
            "d.service_email, d.service_telephone, d.service_horaires, d.service_adresse, d.draft_revision_id, ",
            "d.published_revision_id, d.created_at, d.published_at, d.closed_at, d.config_version, ",
            "d.duree_conservation_mois, d.demandeur, d.date_limite_depot, d.declaratif, d.message_fin_depot, ",
            "d.lien_site, d.monavis, d.cadre_juridique, d.notice_url, d.motif_cloture, d.redirection_demarche_id, d.modele ",
            "FROM demarches d ",
            $tail
        )
    };
}

// After the macro: `clonage` selects démarches with it.
pub mod clonage;
pub mod etats;
pub mod fichiers;
pub mod paths;
pub mod revisions;

pub async fn insert(
    mut c: Conn<'_>,
    input: &DemarcheInput,
    reglages: &Reglages,
    path: &str,
    now: DateTime<Utc>,
) -> StoreResult<DemarcheId> {
    const SQL: &str = "INSERT INTO demarches (libelle, description, etat, path, service_nom, service_organisme, \
        service_email, service_telephone, service_horaires, service_adresse, created_at) \
        VALUES ($1, $2, 'brouillon', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
    let s = &input.service;
    let id: i64 = on!(c.reborrow(), c => sqlx::query_scalar(SQL)
        .bind(&input.libelle).bind(&input.description).bind(path)
        .bind(&s.nom).bind(&s.organisme).bind(&s.email).bind(&s.telephone).bind(&s.horaires).bind(&s.adresse)
        .bind(now).fetch_one(&mut *c).await)
    .map_err(|e| StoreError::on_unique(e, "path"))?;
    let id = DemarcheId(id);
    set_reglages(c.reborrow(), id, reglages).await?;
    paths::enregistrer(c, id, path, now).await?;
    Ok(id)
}

pub async fn update_infos(
    mut c: Conn<'_>,
    id: DemarcheId,
    input: &DemarcheInput,
    reglages: &Reglages,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE demarches SET libelle = $2, description = $3, service_nom = $4, service_organisme = $5, \
        service_email = $6, service_telephone = $7, service_horaires = $8, service_adresse = $9 WHERE id = $1";
    let s = &input.service;
    let n = on!(c.reborrow(), c => sqlx::query(SQL).bind(id.0).bind(&input.libelle).bind(&input.description)
        .bind(&s.nom).bind(&s.organisme).bind(&s.email).bind(&s.telephone).bind(&s.horaires).bind(&s.adresse)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    expect_one(n, "demarche")?;
    set_reglages(c, id, reglages).await
}

async fn set_reglages(c: Conn<'_>, id: DemarcheId, r: &Reglages) -> StoreResult<()> {
    const SQL: &str = "UPDATE demarches SET duree_conservation_mois = $2, demandeur = $3, date_limite_depot = $4, \
        declaratif = $5, message_fin_depot = $6, lien_site = $7, monavis = $8, cadre_juridique = $9, notice_url = $10, \
        modele = $11 WHERE id = $1";
    let limite = r.date_limite_depot.map(crate::domain::heure::fin_du_jour_a_paris);
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(r.duree_conservation_mois).bind(r.demandeur.as_str()).bind(limite)
        .bind(r.declaratif.map(Declaratif::as_str)).bind(&r.message_fin_depot).bind(&r.lien_site).bind(&r.monavis)
        .bind(&r.cadre_juridique).bind(&r.notice_url).bind(r.modele)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_revision(c: Conn<'_>, id: DemarcheId, now: DateTime<Utc>) -> StoreResult<RevisionId> {
    const SQL: &str = "INSERT INTO revisions (demarche_id, created_at) VALUES ($1, $2) RETURNING id";
    let rid: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).bind(now).fetch_one(&mut *c).await)?;
    Ok(RevisionId(rid))
}

pub async fn set_draft_revision(c: Conn<'_>, id: DemarcheId, revision: RevisionId) -> StoreResult<()> {
    const SQL: &str = "UPDATE demarches SET draft_revision_id = $2 WHERE id = $1";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(revision.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Publishes the draft revision under `path`. Only a démarche still in test
/// can be published this way (the etat check makes a double submit harmless).
pub async fn publish(
    c: Conn<'_>,
    id: DemarcheId,
    path: &str,
    revision: RevisionId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    const DEMARCHE: &str = "UPDATE demarches SET etat = 'publiee', path = $2, published_revision_id = $3, published_at = $4 \
        WHERE id = $1 AND etat = 'brouillon'";
    const REVISION: &str = "UPDATE revisions SET published_at = $2 WHERE id = $1";
    on!(c, c => {
        let r = sqlx::query(DEMARCHE).bind(id.0).bind(path).bind(revision.0).bind(now).execute(&mut *c).await
            .map_err(|e| StoreError::on_unique(e, "path"))?;
        expect_one(r.rows_affected(), "demarche deja publiee")?;
        sqlx::query(REVISION).bind(revision.0).bind(now).execute(&mut *c).await?;
        Ok::<(), StoreError>(())
    })
}

pub async fn find(c: Conn<'_>, id: DemarcheId) -> StoreResult<DemarcheRow> {
    const SQL: &str = select_demarche!("WHERE d.id = $1");
    on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut *c).await)?.ok_or(StoreError::NotFound)
}

pub async fn find_by_path(c: Conn<'_>, path: &str) -> StoreResult<DemarcheRow> {
    const SQL: &str = select_demarche!("WHERE d.path = $1 AND d.supprimee_at IS NULL");
    on!(c, c => sqlx::query_as(SQL).bind(path).fetch_optional(&mut *c).await)?.ok_or(StoreError::NotFound)
}

/// A démarche as seen by one of its administrateurs; another administrateur's
/// démarche is `NotFound`, exactly like a missing one.
pub async fn find_for_administrateur(c: Conn<'_>, id: DemarcheId, admin: AdministrateurId) -> StoreResult<DemarcheRow> {
    const SQL: &str = select_demarche!(
        "JOIN demarches_administrateurs da ON da.demarche_id = d.id AND da.administrateur_id = $2 \
         WHERE d.id = $1 AND d.supprimee_at IS NULL"
    );
    on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(admin.0).fetch_optional(&mut *c).await)?.ok_or(StoreError::NotFound)
}

pub async fn list_for_administrateur(c: Conn<'_>, admin: AdministrateurId) -> StoreResult<Vec<DemarcheRow>> {
    const SQL: &str = select_demarche!(
        "JOIN demarches_administrateurs da ON da.demarche_id = d.id AND da.administrateur_id = $1 \
         WHERE d.supprimee_at IS NULL ORDER BY d.id DESC"
    );
    Ok(on!(c, c => sqlx::query_as(SQL).bind(admin.0).fetch_all(&mut *c).await)?)
}

/// A démarche on which the instructeur belongs to at least one groupe.
pub async fn find_for_instructeur(c: Conn<'_>, id: DemarcheId, instructeur: InstructeurId) -> StoreResult<DemarcheRow> {
    const SQL: &str = select_demarche!(
        "WHERE d.id = $1 AND d.supprimee_at IS NULL AND EXISTS (SELECT 1 FROM groupes_instructeurs g \
         JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = g.id \
         WHERE g.demarche_id = d.id AND gii.instructeur_id = $2)"
    );
    on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(instructeur.0).fetch_optional(&mut *c).await)?
        .ok_or(StoreError::NotFound)
}

pub async fn list_for_instructeur(c: Conn<'_>, instructeur: InstructeurId) -> StoreResult<Vec<DemarcheRow>> {
    const SQL: &str = select_demarche!(
        "WHERE d.supprimee_at IS NULL AND EXISTS (SELECT 1 FROM groupes_instructeurs g \
         JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = g.id \
         WHERE g.demarche_id = d.id AND gii.instructeur_id = $1) ORDER BY d.id DESC"
    );
    Ok(on!(c, c => sqlx::query_as(SQL).bind(instructeur.0).fetch_all(&mut *c).await)?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct TypeDeChampRow {
    stable_id: i64,
    type_champ: String,
    libelle: String,
    description: String,
    obligatoire: bool,
    options: String,
    parent_stable_id: Option<i64>,
    condition: Option<String>,
    prive: bool,
}

impl TypeDeChampRow {
    fn into_domain(self) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(self.stable_id),
            // A type that no longer parses (a removed plugin id format) reads as
            // plain text rather than making the whole form unreadable.
            type_champ: TypeChamp::parse(&self.type_champ).unwrap_or(TypeChamp::Text),
            libelle: self.libelle,
            description: self.description,
            obligatoire: self.obligatoire,
            options: OptionsChamp::depuis_json(&self.options),
            parent: self.parent_stable_id.map(StableId),
            // A rule that no longer reads is dropped rather than hiding the
            // champ: showing a question too many loses nothing.
            condition: self.condition.and_then(|c| serde_json::from_str(&c).ok()),
            prive: self.prive,
        }
    }
}

/// The form usagers fill: the revision's public types de champ, in order.
/// Annotations privées are never in it (`annotations`).
pub async fn types_de_champ(c: Conn<'_>, revision: RevisionId) -> StoreResult<Vec<TypeDeChamp>> {
    liste(c, revision, false).await
}

/// The annotations privées of a revision, in order: filled by instructeurs,
/// never shown to usagers.
pub async fn annotations(c: Conn<'_>, revision: RevisionId) -> StoreResult<Vec<TypeDeChamp>> {
    liste(c, revision, true).await
}

/// One of a revision's two lists: the form (`prive` false) or the
/// annotations privées. Each list has its own positions; stable ids are
/// unique across both (one counter per démarche).
pub async fn liste(c: Conn<'_>, revision: RevisionId, prive: bool) -> StoreResult<Vec<TypeDeChamp>> {
    const SQL: &str = "SELECT stable_id, type_champ, libelle, description, obligatoire, options, \
        parent_stable_id, condition, prive FROM types_de_champ WHERE revision_id = $1 AND prive = $2 \
        ORDER BY position, id";
    let rows: Vec<TypeDeChampRow> =
        on!(c, c => sqlx::query_as(SQL).bind(revision.0).bind(prive).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(TypeDeChampRow::into_domain).collect())
}

/// What a revision's form is made of: its types de champ (annotations
/// privées left out), its inéligibilité rule, and whether it is published
/// (then frozen: `replace_liste` and `set_ineligibilite` refuse it, so it
/// may be kept in memory for the life of the process).
pub struct Definition {
    pub types: Vec<TypeDeChamp>,
    pub ineligibilite: Option<Ineligibilite>,
    pub publiee: bool,
}

pub async fn definition(c: Conn<'_>, revision: RevisionId) -> StoreResult<Definition> {
    const SQL: &str = "SELECT ineligibilite, published_at IS NOT NULL FROM revisions WHERE id = $1";
    let mut c = c;
    let row: Option<(Option<String>, bool)> =
        on!(c.reborrow(), c => sqlx::query_as(SQL).bind(revision.0).fetch_optional(&mut *c).await)?;
    let (json, publiee) = row.ok_or(StoreError::NotFound)?;
    let types = liste(c, revision, false).await?;
    Ok(Definition { types, ineligibilite: json.as_deref().and_then(Ineligibilite::depuis_json), publiee })
}

/// Refuses to change a published revision: its form is frozen (dossiers
/// were filed against it, and `definition`'s callers cache it).
async fn modifiable(c: Conn<'_>, revision: RevisionId) -> StoreResult<()> {
    const SQL: &str = "SELECT published_at IS NULL FROM revisions WHERE id = $1";
    let brouillon: Option<bool> = on!(c, c => sqlx::query_scalar(SQL).bind(revision.0).fetch_optional(&mut *c).await)?;
    match brouillon {
        Some(true) => Ok(()),
        Some(false) => Err(StoreError::Conflict("revision publiee")),
        None => Err(StoreError::NotFound),
    }
}

/// A revision's inéligibilité rule and message, if it has one. One that
/// no longer reads (written by a later version) is ignored like a
/// condition: the usager can still file, nothing is hidden.
pub async fn ineligibilite(c: Conn<'_>, revision: RevisionId) -> StoreResult<Option<Ineligibilite>> {
    const SQL: &str = "SELECT ineligibilite FROM revisions WHERE id = $1";
    let json: Option<String> =
        on!(c, c => sqlx::query_scalar(SQL).bind(revision.0).fetch_optional(&mut *c).await)?.flatten();
    Ok(json.as_deref().and_then(Ineligibilite::depuis_json))
}

pub async fn set_ineligibilite(
    c: Conn<'_>,
    revision: RevisionId,
    ineligibilite: Option<&Ineligibilite>,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE revisions SET ineligibilite = $2 WHERE id = $1";
    let mut c = c;
    modifiable(c.reborrow(), revision).await?;
    let json = ineligibilite.map(Ineligibilite::vers_json);
    let done = on!(c, c => sqlx::query(SQL).bind(revision.0).bind(json).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    expect_one(done, "revision")
}

/// `n` consecutive stable ids of démarche `id`, taken in one statement.
/// One counter for the form and the annotations: a stable id names one
/// champ or one annotation of the démarche, never both.
pub async fn reserver_stable_ids(c: Conn<'_>, id: DemarcheId, n: usize) -> StoreResult<Vec<StableId>> {
    const SQL: &str =
        "UPDATE demarches SET next_stable_id = next_stable_id + $2 WHERE id = $1 RETURNING next_stable_id - $2";
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let premier: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).bind(n).fetch_one(&mut *c).await)?;
    Ok((premier..premier + n).map(StableId).collect())
}

/// Writes the whole ordered form (public types de champ) of a revision;
/// its annotations privées are left as they are.
pub async fn replace_types_de_champ(c: Conn<'_>, revision: RevisionId, types: &[TypeDeChamp]) -> StoreResult<()> {
    replace_liste(c, revision, false, types).await
}

/// Writes one whole ordered list of a revision (`prive`: the annotations),
/// leaving the other list alone; every type written belongs to this list.
/// Editing is rare and lists are short, so rewriting is simpler and safer
/// than patching positions one by one.
pub async fn replace_liste(c: Conn<'_>, revision: RevisionId, prive: bool, types: &[TypeDeChamp]) -> StoreResult<()> {
    const DELETE: &str = "DELETE FROM types_de_champ WHERE revision_id = $1 AND prive = $2";
    const INSERT: &str = "INSERT INTO types_de_champ (revision_id, stable_id, position, type_champ, libelle, \
        description, obligatoire, options, parent_stable_id, condition, prive) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    let mut c = c;
    modifiable(c.reborrow(), revision).await?;
    on!(c, c => {
        sqlx::query(DELETE).bind(revision.0).bind(prive).execute(&mut *c).await?;
        for (position, t) in types.iter().enumerate() {
            let condition = t.condition.as_ref().and_then(|r| serde_json::to_string(r).ok());
            sqlx::query(INSERT).bind(revision.0).bind(t.stable_id.0).bind(position as i64)
                .bind(t.type_champ.as_str()).bind(&t.libelle).bind(&t.description).bind(t.obligatoire)
                .bind(t.options.vers_json()).bind(t.parent.map(|p| p.0)).bind(condition).bind(prive)
                .execute(&mut *c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}

pub async fn unassign_instructeur(c: Conn<'_>, id: DemarcheId, instructeur: InstructeurId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM groupes_instructeurs_instructeurs WHERE instructeur_id = $2 \
        AND groupe_instructeur_id IN (SELECT id FROM groupes_instructeurs WHERE demarche_id = $1)";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(instructeur.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct InstructeurAffecte {
    pub instructeur_id: i64,
    pub email: String,
    pub confirmed: bool,
}

pub async fn list_instructeurs(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<InstructeurAffecte>> {
    const SQL: &str = "SELECT DISTINCT i.id AS instructeur_id, c.email, (c.confirmed_at IS NOT NULL) AS confirmed \
        FROM groupes_instructeurs g \
        JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = g.id \
        JOIN instructeurs i ON i.id = gii.instructeur_id JOIN comptes c ON c.id = i.compte_id \
        WHERE g.demarche_id = $1 ORDER BY c.email";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

/// Test dossiers belong to the draft; publication starts from a clean
/// slate. Returns them, for the caller to delete their files after commit.
pub async fn delete_test_dossiers(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<crate::domain::DossierId>> {
    const SQL: &str = "DELETE FROM dossiers WHERE demarche_id = $1 AND for_test = TRUE RETURNING id";
    let ids: Vec<i64> = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_all(&mut *c).await)?;
    Ok(ids.into_iter().map(crate::domain::DossierId).collect())
}

/// Ids of the plugins enabled on a démarche, sorted.
pub async fn plugins_actives(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT plugin_id FROM plugins_demarches WHERE demarche_id = $1 ORDER BY plugin_id";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

/// Enables a plugin on a démarche; enabling it again changes nothing.
pub async fn activer_plugin(c: Conn<'_>, id: DemarcheId, plugin: &str, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO plugins_demarches (demarche_id, plugin_id, settings, enabled_at) \
        VALUES ($1, $2, '{}', $3) ON CONFLICT (demarche_id, plugin_id) DO NOTHING";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(plugin).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn desactiver_plugin(c: Conn<'_>, id: DemarcheId, plugin: &str) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM plugins_demarches WHERE demarche_id = $1 AND plugin_id = $2";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(plugin).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The settings (a JSON object) of each plugin enabled on a démarche.
pub async fn plugins_reglages(c: Conn<'_>, id: DemarcheId) -> StoreResult<std::collections::HashMap<String, String>> {
    const SQL: &str = "SELECT plugin_id, settings FROM plugins_demarches WHERE demarche_id = $1";
    let rows: Vec<(String, String)> = on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().collect())
}

/// Replaces the settings of an enabled plugin; `NotFound` if it is not enabled.
pub async fn regler_plugin(c: Conn<'_>, id: DemarcheId, plugin: &str, settings: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE plugins_demarches SET settings = $3 WHERE demarche_id = $1 AND plugin_id = $2";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(plugin).bind(settings).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// E-mails of the administrateurs of the démarches that enabled `plugin`,
/// with the libellé of one such démarche each (for the alert e-mail).
pub async fn administrateurs_du_plugin(c: Conn<'_>, plugin: &str) -> StoreResult<Vec<(String, String)>> {
    const SQL: &str = "SELECT c.email, MIN(d.libelle) FROM plugins_demarches p \
        JOIN demarches d ON d.id = p.demarche_id \
        JOIN demarches_administrateurs da ON da.demarche_id = d.id \
        JOIN administrateurs a ON a.id = da.administrateur_id \
        JOIN comptes c ON c.id = a.compte_id \
        WHERE p.plugin_id = $1 GROUP BY c.email ORDER BY c.email";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(plugin).fetch_all(&mut *c).await)?)
}

/// The plugins whose recent errors and logs this administrateur may read:
/// enabled on at least one of their démarches and on none of another
/// administration's (those messages may carry other dossiers' data).
pub async fn plugins_sous_controle(c: Conn<'_>, admin: AdministrateurId) -> StoreResult<Vec<String>> {
    const SQL: &str = "SELECT p.plugin_id FROM plugins_demarches p GROUP BY p.plugin_id \
        HAVING SUM(CASE WHEN EXISTS (SELECT 1 FROM demarches_administrateurs da \
            WHERE da.demarche_id = p.demarche_id AND da.administrateur_id = $1) THEN 0 ELSE 1 END) = 0 \
        ORDER BY p.plugin_id";
    Ok(on!(c, c => sqlx::query_scalar(SQL).bind(admin.0).fetch_all(&mut *c).await)?)
}
