//! Changing the form of a published démarche. The editor writes to a draft
//! revision (`revision_a_modifier`); usagers keep filling the published one
//! until the administrateur, having read what changes, publishes the
//! modifications: new dossiers and every brouillon use them at once, the
//! dossiers en construction are rebased by a job (their answers are keyed
//! by stable id, so they stay; a removed champ's answer stays in the
//! dossier, unshown), and dossiers en instruction or later keep the
//! revision they were filed on. Or the draft is dropped.

use crate::domain::champ::{Maintenant, valider_format_le};
use crate::domain::compte::Administrateur;
use crate::domain::revision::{Changement, comparer};
use crate::domain::{DemarcheId, RevisionId, TypeDeChamp};
use crate::error::AppError;
use crate::jobs::enqueue_rebase;
use crate::state::AppState;
use crate::store::Conn;
use crate::store::demarches::{self, DemarcheRow, revisions};
use crate::workflow::demarche::{Manque, manques};
use chrono::Utc;

/// How many dossiers one transaction of the rebase moves: small enough
/// that dépôts and saves wait for it no longer than for a few of theirs.
pub const REBASE_LOT: usize = 500;
/// Between two batches the job gives the machine back to requests: on a
/// small server the rebase of 100 k dossiers then adds a few seconds,
/// rather than tens of milliseconds to every dépôt meanwhile.
const REBASE_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);
/// Answers read to tell an administrateur how many a type change would
/// leave invalid: beyond this the page says « au moins ».
const REPONSES_LUES_MAX: i64 = 10_000;

/// What publishing the draft would change, with what it means for the
/// dossiers en construction.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Modifications {
    pub formulaire: Vec<String>,
    pub annotations: Vec<String>,
    pub ineligibilite: bool,
    /// Consequences for dossiers en construction, in French.
    pub alertes: Vec<String>,
}

impl Modifications {
    pub fn nombre(&self) -> usize {
        self.formulaire.len() + self.annotations.len() + usize::from(self.ineligibilite)
    }
}

/// The draft's changes against the published form, and the draft's form.
struct Differences {
    formulaire: Vec<Changement>,
    annotations: Vec<Changement>,
    ineligibilite: bool,
    apres: Vec<TypeDeChamp>,
}

impl Differences {
    fn nombre(&self) -> usize {
        self.formulaire.len() + self.annotations.len() + usize::from(self.ineligibilite)
    }
}

/// The comparison alone (six reads, nothing scanned): `None` while the
/// démarche was never published, or has no draft.
async fn differences(mut c: Conn<'_>, d: &DemarcheRow) -> Result<Option<Differences>, AppError> {
    let (Some(publiee), Some(brouillon)) = (d.published_revision_id, d.draft_revision_id) else {
        return Ok(None);
    };
    if publiee == brouillon {
        return Ok(None);
    }
    let (publiee, brouillon) = (RevisionId(publiee), RevisionId(brouillon));
    let avant = demarches::liste(c.reborrow(), publiee, false).await?;
    let apres = demarches::liste(c.reborrow(), brouillon, false).await?;
    let formulaire = comparer(&avant, &apres);
    let annotations = comparer(
        &demarches::liste(c.reborrow(), publiee, true).await?,
        &demarches::liste(c.reborrow(), brouillon, true).await?,
    );
    let ineligibilite =
        demarches::ineligibilite(c.reborrow(), publiee).await? != demarches::ineligibilite(c, brouillon).await?;
    Ok(Some(Differences { formulaire, annotations, ineligibilite, apres }))
}

/// How many changes wait in the draft: what the editor's banner shows and
/// what publishing checks, without reading any dossier.
pub async fn nombre_de_modifications(c: Conn<'_>, d: &DemarcheRow) -> Result<usize, AppError> {
    Ok(differences(c, d).await?.map_or(0, |diff| diff.nombre()))
}

/// The draft's differences from the published form and what they mean for
/// the dossiers en construction (their answers to a retyped champ are
/// read), through `c`: the modifications page.
pub async fn modifications(mut c: Conn<'_>, d: &DemarcheRow) -> Result<Modifications, AppError> {
    let Some(Differences { formulaire, annotations, ineligibilite, apres }) = differences(c.reborrow(), d).await?
    else {
        return Ok(Modifications::default());
    };
    let maintenant = Maintenant::a_paris(Utc::now());
    let mut alertes = Vec::new();
    for changement in &formulaire {
        match changement {
            Changement::Type { stable_id, libelle, apres: type_apres, .. } => {
                let Some(t) = apres.iter().find(|t| t.stable_id == *stable_id) else { continue };
                let reponses =
                    revisions::reponses_en_construction(c.reborrow(), d.id(), stable_id.0, REPONSES_LUES_MAX).await?;
                let invalides = reponses.iter().filter(|v| !valeur_gardee(t, v, maintenant)).count();
                if invalides > 0 {
                    let au_moins = if reponses.len() as i64 >= REPONSES_LUES_MAX { "au moins " } else { "" };
                    alertes.push(format!(
                        "{au_moins}{invalides} dossier(s) en construction ont, pour « {libelle} », une réponse qui n'est pas valable en {type_apres} : elle restera affichée telle quelle et l'usager devra la corriger avant de pouvoir modifier son dossier."
                    ));
                }
            }
            Changement::Obligatoire { libelle, obligatoire: true, .. } => alertes.push(format!(
                "« {libelle} » devient obligatoire : les usagers des dossiers en construction qui ne l'ont pas rempli seront invités à le faire."
            )),
            Changement::Ajoute { stable_id, libelle }
                if apres.iter().any(|t| t.stable_id == *stable_id && t.obligatoire && t.type_champ.has_value()) =>
            {
                alertes.push(format!(
                    "« {libelle} » est un nouveau champ obligatoire : les usagers des dossiers en construction seront invités à le remplir."
                ));
            }
            _ => {}
        }
    }
    Ok(Modifications {
        formulaire: formulaire.iter().map(Changement::message).collect(),
        annotations: annotations.iter().map(Changement::message).collect(),
        ineligibilite,
        alertes,
    })
}

/// Whether an answer given under the old type passes the new one.
fn valeur_gardee(t: &TypeDeChamp, valeur: &str, maintenant: Maintenant) -> bool {
    // Plugin champs are checked by their plugin at the next save.
    t.type_champ.plugin_id().is_some() || valider_format_le(t, valeur, None, maintenant).is_ok()
}

/// Publishes the draft: refused with the checklist's blockers (a broken
/// condition, a plugin left unset…), like a first publication. Returns
/// how many dossiers en construction the job will move.
pub async fn publier(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
) -> Result<Result<i64, Vec<Manque>>, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. Scope, something to publish, and the checklist on the draft.
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    if nombre_de_modifications(tx.conn(), &d).await? == 0 {
        return Err(AppError::Refused("Il n'y a aucune modification à publier.".into()));
    }
    let bloquants = manques(state, tx.conn(), &d, now).await?;
    if !bloquants.is_empty() {
        return Ok(Err(bloquants));
    }
    // 2. The revision published, brouillons moved, the rebase queued.
    let revision = d.draft_revision()?;
    let total = revisions::publier(tx.conn(), &d, now).await?;
    enqueue_rebase(tx.conn(), id, revision, now).await?;
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(Ok(total))
}

/// Drops the draft: the editor shows the published form again. Model
/// files sent to the draft only are deleted with it.
pub async fn annuler(state: &AppState, admin: &Administrateur, id: DemarcheId) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let brouillon = d.draft_revision()?;
    let mut cles: Vec<String> = Vec::new();
    for prive in [false, true] {
        for t in demarches::liste(tx.conn(), brouillon, prive).await? {
            cles.extend(t.options.modele.map(|m| m.cle));
        }
    }
    if !revisions::annuler_brouillon(tx.conn(), id).await? {
        return Ok(());
    }
    let mut orphelines = Vec::new();
    for cle in cles {
        if !revisions::objet_reference(tx.conn(), id, &cle).await? {
            orphelines.push(cle);
        }
    }
    tx.commit().await?;
    crate::workflow::pieces_jointes::supprimer_objets(state, orphelines).await;
    Ok(())
}

/// The champs removed from the dossier's form by a later revision, when
/// the dossier holds answers no champ of its revision reads (it was
/// rebased past them): a dossier without any costs no query.
pub async fn champs_retires(
    c: Conn<'_>,
    d: &crate::store::dossiers::DossierRow,
    types: &[TypeDeChamp],
    values: &std::collections::HashMap<crate::domain::StableId, String>,
) -> Result<Vec<TypeDeChamp>, AppError> {
    if values.keys().all(|s| types.iter().any(|t| t.stable_id == *s)) {
        return Ok(Vec::new());
    }
    Ok(revisions::champs_retires(c, d.demarche_id(), d.revision_id()).await?)
}

/// The rebase job: reads which dossiers en construction to move, then
/// moves them a batch per transaction, and marks the rebase done. Run
/// again after a crash, it reads what is left and goes on.
pub async fn rebaser(state: &AppState, id: DemarcheId, revision: RevisionId) -> anyhow::Result<()> {
    let mut tx = state.store.read().await?;
    let dossiers = revisions::a_rebaser(tx.conn(), id, revision).await?;
    tx.commit().await?;
    for lot in dossiers.chunks(REBASE_LOT) {
        let mut tx = state.store.write().await?;
        revisions::rebaser_lot(tx.conn(), id, revision, lot).await?;
        tx.commit().await?;
        tokio::time::sleep(REBASE_PAUSE).await;
    }
    let mut tx = state.store.write().await?;
    revisions::terminer_rebase(tx.conn(), revision, Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}
