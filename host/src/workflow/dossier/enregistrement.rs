//! Autosave: the answers the usager changed in a brouillon, or in the
//! changes to a dossier en construction (its buffer, which instructeurs
//! do not read until the usager files it), saved as they are typed (`static/enregistrement.js` sends them after a pause), so a
//! closed tab, a lost connection or an expired session never costs more
//! than the last seconds of typing. Only the champs named are read,
//! checked (format and plugin, as « Enregistrer le brouillon » does) and
//! written; the others stay as they are. The whole-form save and the
//! dépôt still check everything, recompute computed champs and apply the
//! display conditions.

use super::{Controle, Saisie, Verifiees, compose_dans, corbeille, formulaire_dans};
use crate::domain::champ::Maintenant;
use crate::domain::champ::repetition::{self, Slot};
use crate::domain::compte::Usager;
use crate::domain::{DossierId, Erreurs, EtatDossier, StableId, TypeDeChamp};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::dossiers;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Champs one autosave may name. The page sends those changed since its
/// last save, a handful; the bound keeps one request from rewriting a
/// whole form (and calling a plugin per champ) on every keystroke.
pub const CHAMPS_PAR_ENREGISTREMENT_MAX: usize = 50;

/// What an autosave did: when, and what is wrong with the answers it
/// saved (kept as typed all the same, as a brouillon keeps them).
#[derive(Debug)]
pub struct Enregistrement {
    pub a: DateTime<Utc>,
    /// The names saved, in the order given; the others were ignored.
    pub enregistres: Vec<String>,
    pub erreurs: Erreurs,
}

/// Saves the answers of the champs `noms` (their inputs' names:
/// `champ_12`, or `l<row>-champ_12` in a row) from `saisie`, into a
/// brouillon or into the changes to a dossier en construction: `attendu`,
/// the state the page was made for (a conflict otherwise). A name that
/// is not an answer the usager types in this dossier's form (a file, a
/// computed champ, an annotation privée, a row that is not the dossier's)
/// is ignored: the page may be older than the form.
pub async fn enregistrer_champs(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    attendu: EtatDossier,
    noms: &[String],
    saisie: &Saisie,
) -> Result<Enregistrement, AppError> {
    if noms.len() > CHAMPS_PAR_ENREGISTREMENT_MAX {
        return Err(AppError::BadRequest(format!("{} champs in one autosave", noms.len())));
    }
    let mut tx = state.store.read().await?;
    let dossier = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    corbeille::hors_corbeille(&dossier)?;
    if dossier.etat() != attendu || !matches!(attendu, EtatDossier::Brouillon | EtatDossier::EnConstruction) {
        return Err(if attendu == EtatDossier::Brouillon { deja_depose() } else { plus_modifiable() });
    }
    let formulaire = formulaire_dans(state, &mut tx, &dossier).await?;
    let types = formulaire.types();
    let slots: Vec<(&TypeDeChamp, Slot)> = noms.iter().filter_map(|nom| slot_saisi(types, nom)).collect();
    // A row's answer is kept only for a row its block lists: a page from
    // before the row was removed must not bring it back.
    let blocs: Vec<StableId> = slots.iter().filter(|(_, s)| s.ligne.is_some()).filter_map(|(t, _)| t.parent).collect();
    let lignes = if blocs.is_empty() {
        HashMap::new()
    } else {
        lignes_des_blocs(&dossiers::champs(tx.conn(), id, dossier.stream_usager()).await?, &blocs)
    };
    tx.commit().await?;

    let controle = Controle {
        state,
        reglages: &formulaire.config.reglages,
        saisie,
        depot: false,
        maintenant: Maintenant::a_paris(Utc::now()),
    };
    let mut v = Verifiees::default();
    let mut ecrits: Vec<(StableId, String, Option<String>)> = Vec::with_capacity(slots.len());
    let mut enregistres = Vec::with_capacity(slots.len());
    for (tdc, slot) in slots {
        let rang = match (&slot.ligne, tdc.parent) {
            (None, _) => None,
            (Some(row), Some(bloc)) => match lignes.get(&bloc).and_then(|rows| rows.iter().position(|r| r == row)) {
                Some(rang) => Some(rang),
                None => continue,
            },
            (Some(_), None) => continue,
        };
        let composed = compose_dans(tdc, saisie, slot.ligne.as_deref());
        let stored = controle.champ(tdc, slot.clone(), &composed, rang, &mut v).await;
        enregistres.push(slot.nom(&tdc.input_name()));
        ecrits.push((slot.champ, slot.row_id().to_owned(), stored));
    }
    // Nothing saved as typed defers a check: they run again at dépôt.
    v.verdicts.a_verifier.clear();

    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let dossier = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    corbeille::hors_corbeille(&dossier)?;
    // Déposé from another tab since the read (its answers are the filed
    // ones now), or taken into instruction.
    if dossier.etat() != attendu {
        return Err(if attendu == EtatDossier::Brouillon { deja_depose() } else { plus_modifiable() });
    }
    let stream = crate::workflow::pieces_jointes::stream_modifie(&mut tx, &dossier, now).await?;
    let rows: Vec<(StableId, &str, Option<&str>)> =
        ecrits.iter().map(|(champ, row, value)| (*champ, row.as_str(), value.as_deref())).collect();
    dossiers::upsert_reponses(tx.conn(), id, stream, &rows, &v.verdicts, now).await?;
    dossiers::touch(tx.conn(), id, now).await?;
    tx.commit().await?;
    Ok(Enregistrement { a: now, enregistres, erreurs: v.erreurs })
}

fn deja_depose() -> AppError {
    AppError::Conflict(
        "Ce dossier a été déposé entre-temps : ses modifications passent par « Modifier le dossier ».".into(),
    )
}

fn plus_modifiable() -> AppError {
    AppError::Conflict(
        "Ce dossier est passé en instruction entre-temps : il ne peut plus être modifié, \
         et les modifications non déposées n'ont pas été transmises."
            .into(),
    )
}

/// The champ behind an input's name, when it is an answer the usager
/// types: in the form, not an annotation, not a file (files go through
/// the upload path), not computed; in a row exactly when in a block.
fn slot_saisi<'a>(types: &'a [TypeDeChamp], nom: &str) -> Option<(&'a TypeDeChamp, Slot)> {
    let (champ, row) = repetition::lire_nom(nom)?;
    let tdc = types.iter().find(|t| t.stable_id == champ)?;
    let saisi = tdc.type_champ.saisi_par_usager() && !tdc.type_champ.est_fichier() && !tdc.prive;
    (saisi && row.is_some() == tdc.parent.is_some()).then(|| (tdc, Slot::dans(champ, row)))
}

/// The row ids of `blocs` as stored (a block's answer is their JSON list).
fn lignes_des_blocs(champs: &HashMap<StableId, String>, blocs: &[StableId]) -> HashMap<StableId, Vec<String>> {
    blocs.iter().map(|bloc| (*bloc, repetition::ids_stockes(champs.get(bloc).map(String::as_str)))).collect()
}
