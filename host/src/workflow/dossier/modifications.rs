//! Changes to a dossier en construction. Instructeurs may already be
//! reading it, so the usager's changes wait in a buffer (the `buffer`
//! stream of its answers and files, opened by the first change) and
//! instructeurs keep reading the filed version. « Déposer les
//! modifications » checks the whole form as a dépôt does, then files the
//! changes into the dossier and records which champs they changed; «
//! Annuler les modifications » drops them. The dossier leaving
//! construction drops them too (`instruire`).

use super::{Contexte, Refus, Saisie, contexte, enregistrer_tel_quel, pieces_a_retirer, sauver, verifier_liens};
use super::{corbeille, verifier_saisie};
use crate::domain::compte::Usager;
use crate::domain::dossier::modifications::{Version, champs_modifies};
use crate::domain::{DossierId, EtatDossier, StableId};
use crate::error::AppError;
use crate::jobs::enqueue_verification;
use crate::state::AppState;
use crate::store::Tx;
use crate::store::dossiers::{self, Stream, modifications as store};
use crate::store::pieces_jointes::{self as pieces, PieceRow};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

fn plus_modifiable(etat: EtatDossier) -> AppError {
    AppError::Refused(format!("Un dossier « {} » ne peut plus être modifié.", etat.libelle().to_lowercase()))
}

fn passe_en_instruction() -> AppError {
    AppError::Refused(
        "Ce dossier est passé en instruction entre-temps : il ne peut plus être modifié, \
         et les modifications non déposées n'ont pas été transmises."
            .into(),
    )
}

/// Opens the buffer of a dossier en construction in `tx` (no-op when one
/// is open): a copy of the filed answers and files.
pub(crate) async fn ouvrir_buffer(tx: &mut Tx, id: DossierId, now: DateTime<Utc>) -> Result<(), AppError> {
    if store::ouvrir(tx.conn(), id, now).await? {
        pieces::copier_vers_buffer(tx.conn(), id).await?;
    }
    Ok(())
}

/// Drops the buffer in `tx`; returns the keys of the objects only it
/// named, to delete once `tx` commits.
pub(crate) async fn abandonner_buffer(tx: &mut Tx, id: DossierId) -> Result<Vec<String>, AppError> {
    let keys = pieces::abandonner_buffer(tx.conn(), id).await?;
    store::fermer(tx.conn(), id).await?;
    Ok(pieces::orphelines(tx.conn(), keys).await?)
}

/// « Enregistrer sans déposer »: the changes are kept in the buffer as
/// typed (errors reported, as for a brouillon); instructeurs do not see
/// them yet.
pub async fn enregistrer(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    saisie: &Saisie,
) -> Result<Result<(), Refus>, AppError> {
    enregistrer_tel_quel(state, usager, id, saisie, EtatDossier::EnConstruction, passe_en_instruction).await
}

/// « Déposer les modifications »: every answer checked as at dépôt. When
/// one is wrong, the changes are kept in the buffer as typed and the
/// errors returned; otherwise they become the dossier's answers, the
/// buffer closes and the filing is recorded with the champs it changed.
pub async fn deposer(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    saisie: &Saisie,
) -> Result<Result<(), Refus>, AppError> {
    // 1. Read and check outside the write transaction.
    let mut tx = state.store.read().await?;
    let Contexte { dossier, formulaire, saisie, pieces } = contexte(state, &mut tx, usager, id, saisie).await?;
    tx.commit().await?;
    if dossier.etat() != EtatDossier::EnConstruction {
        return Err(plus_modifiable(dossier.etat()));
    }
    let types = formulaire.types();
    let mut verifiees = verifier_saisie(state, &formulaire, &saisie, true).await;
    verifier_liens(state, dossier.titulaire(), types, &mut verifiees).await?;
    if !verifiees.erreurs.is_empty() {
        // Kept in the buffer as typed: nothing the usager typed is lost.
        verifiees.verdicts.a_verifier.clear();
        let retirees = pieces_a_retirer(types, &verifiees, &pieces, false);
        if !sauver(state, usager, id, EtatDossier::EnConstruction, &verifiees, &retirees).await? {
            return Err(passe_en_instruction());
        }
        return Ok(Err(verifiees.refus()));
    }

    // 2. One transaction: the answers filed, the buffer's files made the
    //    dossier's, the buffer closed, the filing recorded, the plugin
    //    checks that could not run now queued.
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let current = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    corbeille::hors_corbeille(&current)?;
    if current.etat() != EtatDossier::EnConstruction {
        return Err(passe_en_instruction());
    }
    let avant = dossiers::reponses(tx.conn(), id, Stream::Main).await?;
    let fichiers_avant = pieces::of_dossier(tx.conn(), id, Stream::Main).await?;
    dossiers::upsert_champs(tx.conn(), id, Stream::Main, verifiees.ecrits(), now).await?;
    dossiers::ecrire_lignes(tx.conn(), id, Stream::Main, verifiees.lignes(), now).await?;
    let mut objets = Vec::new();
    let mut pieces = pieces;
    if current.modifications_depuis.is_some() {
        objets = pieces::remplacer_par_buffer(tx.conn(), id).await?;
        store::fermer(tx.conn(), id).await?;
        // The files read from the buffer are the filed ones now, same ids.
        for p in &mut pieces {
            p.stream = Stream::Main.as_str().to_owned();
        }
    }
    // A champ hidden by its condition is cleared, its files with it.
    let retirees = pieces_a_retirer(types, &verifiees, &pieces, true);
    objets.extend(crate::workflow::pieces_jointes::retirer_pieces(&mut tx, id, Stream::Main, &retirees).await?);
    let objets = pieces::orphelines(tx.conn(), objets).await?;
    let apres = dossiers::reponses(tx.conn(), id, Stream::Main).await?;
    let fichiers_apres = pieces::of_dossier(tx.conn(), id, Stream::Main).await?;
    let changes =
        champs_modifies(types, &version(&avant), &version(&apres), &fichiers_changes(&fichiers_avant, &fichiers_apres));
    if !changes.is_empty() {
        store::enregistrer_depot(tx.conn(), id, &usager.email, &changes, now).await?;
        dossiers::touch(tx.conn(), id, now).await?;
    }
    for slot in &verifiees.verdicts.a_verifier {
        enqueue_verification(tx.conn(), id, slot, now).await?;
    }
    tx.commit().await?;
    if !verifiees.verdicts.a_verifier.is_empty() {
        state.jobs_notify.notify_one();
    }
    crate::workflow::pieces_jointes::supprimer_objets(state, objets).await;
    Ok(Ok(()))
}

/// « Annuler les modifications »: the buffer goes, the dossier stays as
/// filed. Nothing to do when no change waits.
pub async fn annuler(state: &AppState, usager: &Usager, id: DossierId) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let d = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    corbeille::hors_corbeille(&d)?;
    if d.modifications_depuis.is_none() {
        return Ok(());
    }
    let objets = abandonner_buffer(&mut tx, id).await?;
    tx.commit().await?;
    crate::workflow::pieces_jointes::supprimer_objets(state, objets).await;
    Ok(())
}

fn version(r: &dossiers::Reponses) -> Version<'_> {
    Version {
        valeurs: r.champs.iter().map(|(c, v)| (*c, v.as_str())).collect(),
        lignes: r.valeurs_lignes.iter().map(|(c, row, v)| ((*c, row.as_str()), v.as_str())).collect(),
    }
}

/// The champs whose files differ (by content), between two versions.
fn fichiers_changes(avant: &[PieceRow], apres: &[PieceRow]) -> HashSet<StableId> {
    let (a, b) = (par_champ(avant), par_champ(apres));
    a.keys().chain(b.keys()).filter(|c| a.get(c) != b.get(c)).copied().collect()
}

/// Each champ's files as (row, content digest), in a stable order.
fn par_champ(pieces: &[PieceRow]) -> HashMap<StableId, Vec<(&str, &str)>> {
    let mut m: HashMap<StableId, Vec<(&str, &str)>> = HashMap::new();
    for p in pieces {
        m.entry(StableId(p.stable_id)).or_default().push((p.row_id.as_str(), p.sha256.as_str()));
    }
    for v in m.values_mut() {
        v.sort_unstable();
    }
    m
}
