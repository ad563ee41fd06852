//! The usager's corbeille: putting a dossier there, restoring it, and the
//! purge of what stayed there past the delay (`domain::dossier::corbeille`
//! says what each state means).

use crate::domain::compte::Usager;
use crate::domain::dossier::corbeille::{DELAI_RESTAURATION, MiseEnCorbeille, restaurable};
use crate::domain::{DossierId, EtatDossier};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::state::AppState;
use crate::store::dossiers::{self, DossierRow, mes_dossiers};
use crate::store::{StoreResult, Tx};
use crate::workflow::courriel;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Dossiers deleted per transaction by the purge: bounds how long one
/// write transaction holds the database (and how many file folders are
/// deleted before the next batch).
const PURGE_PAR_LOT: i64 = 200;

/// Puts the usager's dossier in their corbeille. Doing it again changes
/// nothing (a replayed form). A dossier en construction is withdrawn: the
/// instructeurs following it are told.
pub async fn mettre_en_corbeille(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
) -> Result<MiseEnCorbeille, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. The dossier, through the usager's scope.
    let d = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    let mise = MiseEnCorbeille::de(d.etat()).map_err(|refus| AppError::Refused(refus.into()))?;
    if d.corbeille_usager_at.is_some() {
        return Ok(mise);
    }
    // 2. Into the corbeille, unless an instructeur moved it meanwhile.
    if !mes_dossiers::mettre_en_corbeille(tx.conn(), id, usager.compte_id, now).await? {
        return Err(AppError::Conflict("Le dossier vient de changer d'état : rechargez la page.".into()));
    }
    // 3. A withdrawal is news for whoever follows the dossier.
    if mise == MiseEnCorbeille::Retrait {
        prevenir_suiveurs(state, &mut tx, &d, "mails/dossier_retire", now).await?;
    }
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(mise)
}

/// Takes the dossier out of the corbeille, within the delay (a dossier
/// terminé: at any time). A dossier en construction is back with the
/// administration, and its followers are told. Returns the dossier's state.
pub async fn restaurer(state: &AppState, usager: &Usager, id: DossierId) -> Result<EtatDossier, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. The dossier, through the usager's scope; restoring twice is fine.
    let d = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    let Some(at) = d.corbeille_usager_at else {
        return Ok(d.etat());
    };
    if !restaurable(d.etat(), at, now) {
        return Err(AppError::Refused(
            "Le délai de restauration de ce dossier est dépassé : il va être supprimé définitivement.".into(),
        ));
    }
    // 2. Out of the corbeille, guarded by the same delay.
    if !mes_dossiers::restaurer(tx.conn(), id, usager.compte_id, now - DELAI_RESTAURATION).await? {
        return Err(AppError::Conflict("Le dossier vient de changer : rechargez la page.".into()));
    }
    // 3. A withdrawn dossier is back in the instructeurs' lists.
    if MiseEnCorbeille::de(d.etat()) == Ok(MiseEnCorbeille::Retrait) {
        prevenir_suiveurs(state, &mut tx, &d, "mails/dossier_restaure", now).await?;
    }
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(d.etat())
}

/// Refuses a change to a dossier in the corbeille: it is restored first
/// (nothing written to a dossier on its way to deletion).
pub fn hors_corbeille(d: &DossierRow) -> Result<(), AppError> {
    match d.corbeille_usager_at {
        None => Ok(()),
        Some(_) => Err(AppError::Refused(
            "Ce dossier est dans la corbeille : restaurez-le depuis « Mes dossiers » pour le modifier.".into(),
        )),
    }
}

async fn prevenir_suiveurs(
    state: &AppState,
    tx: &mut Tx,
    d: &DossierRow,
    template: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let data = json!({
        "numero": d.id,
        "demarche": d.demarche_libelle,
        "lien": state.config.url(&format!("/instructeur/dossiers/{}", d.id)),
    });
    for (_, email) in dossiers::suiveurs(tx.conn(), d.id()).await? {
        enqueue_mail(tx.conn(), &courriel(state, &email, template, &data)?, now).await?;
    }
    Ok(())
}

/// Deletes the brouillons and dossiers en construction left in the
/// corbeille past the delay, with their files, a batch per transaction.
/// Returns how many were deleted. Every replica may run it: a dossier is
/// deleted by one statement, once.
pub async fn purger(state: &AppState, now: DateTime<Utc>) -> StoreResult<usize> {
    let mut total = 0;
    loop {
        let mut tx = state.store.write().await?;
        let supprimes =
            mes_dossiers::supprimer_corbeille_echue(tx.conn(), now - DELAI_RESTAURATION, PURGE_PAR_LOT).await?;
        tx.commit().await?;
        crate::workflow::demarche::etats::purger_dossiers(state, &supprimes).await;
        total += supprimes.len();
        if (supprimes.len() as i64) < PURGE_PAR_LOT {
            return Ok(total);
        }
    }
}
