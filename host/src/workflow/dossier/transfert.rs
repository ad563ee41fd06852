//! Transferring a dossier (`domain::dossier::transfert`): the owner asks
//! for it by e-mail address and may cancel it; the compte with that address
//! accepts (the dossier becomes theirs, the former owner is told and no
//! longer sees it) or declines (the owner is told). Each step is one
//! transaction with its e-mail in the outbox.

use crate::domain::compte::{Usager, normaliser_email};
use crate::domain::dossier::transfert::{DELAI_TRANSFERT, expire_le};
use crate::domain::limite::TRANSFERTS_COMPTE;
use crate::domain::{CompteId, DossierId, Erreurs};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::state::AppState;
use crate::store::{dossiers, transferts};
use crate::workflow::comptes::{courriel_de_role, destinataire};
use crate::workflow::courriel;
use crate::workflow::dossier::corbeille::hors_corbeille;
use crate::workflow::limites::compter_dans;
use chrono::Utc;
use serde_json::json;

/// Asks the transfer of the owner's dossier to `email`, replacing a
/// pending one; the recipient is e-mailed (a new address gets the link to
/// choose a password). The errors, in French, name the field.
pub async fn demander(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    email: &str,
) -> Result<Result<(), Erreurs>, AppError> {
    let now = Utc::now();
    let mut erreurs = Erreurs::new();
    let email = match normaliser_email(email) {
        Ok(e) if e == usager.email => {
            erreurs.add(
                "email",
                "Saisissez l'adresse électronique de la personne qui reprendra le dossier : ce dossier est déjà le vôtre.",
            );
            return Ok(Err(erreurs));
        }
        Ok(e) => e,
        Err(m) => {
            erreurs.add("email", m);
            return Ok(Err(erreurs));
        }
    };
    let mut tx = state.store.write().await?;
    // Only the owner transfers: an invité finds nothing here.
    let d = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    hors_corbeille(&d)?;
    if let Some(retry_after_secs) = compter_dans(&mut tx, &TRANSFERTS_COMPTE, &[&usager.email], now).await? {
        tx.commit().await?;
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    transferts::demander(tx.conn(), id, &email, now, expire_le(now)).await?;
    let qui = destinataire(tx.conn(), &email).await?;
    let data = json!({
        "numero": d.id,
        "demarche": d.demarche_libelle,
        "proprietaire": usager.email,
        "jours_transfert": DELAI_TRANSFERT.num_days(),
    });
    let mail = courriel_de_role(
        state,
        tx.conn(),
        &qui,
        ("mails/transfert_dossier_nouveau", "mails/transfert_dossier"),
        "/dossiers/transferts",
        data,
    )
    .await?;
    enqueue_mail(tx.conn(), &mail, now).await?;
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(Ok(()))
}

/// Cancels the pending transfer of the owner's dossier. Cancelling twice
/// answers like a missing transfer.
pub async fn annuler(state: &AppState, usager: &Usager, id: DossierId) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    if !transferts::annuler(tx.conn(), id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// The recipient accepts transfer `transfert`: the dossier is theirs, the
/// former owner is e-mailed. Returns the dossier. A transfer of another
/// address, lapsed or already answered is not found.
pub async fn accepter(state: &AppState, usager: &Usager, transfert: i64) -> Result<DossierId, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let t = transferts::recu(tx.conn(), transfert, &usager.email, now).await?.ok_or(AppError::NotFound)?;
    let id = DossierId(t.dossier_id);
    let moved =
        transferts::changer_titulaire(tx.conn(), id, CompteId(t.compte_id), usager.compte_id, &usager.email, now)
            .await?;
    transferts::supprimer(tx.conn(), t.id).await?;
    if !moved {
        // Its owner changed meanwhile (another transfer): this one is void.
        tx.commit().await?;
        return Err(AppError::NotFound);
    }
    let data = json!({ "numero": t.dossier_id, "demarche": t.demarche_libelle, "destinataire": usager.email });
    enqueue_mail(tx.conn(), &courriel(state, &t.proprietaire, "mails/transfert_accepte", &data)?, now).await?;
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(id)
}

/// The recipient declines transfer `transfert`: the dossier stays its
/// owner's, who is e-mailed.
pub async fn refuser(state: &AppState, usager: &Usager, transfert: i64) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let t = transferts::recu(tx.conn(), transfert, &usager.email, now).await?.ok_or(AppError::NotFound)?;
    transferts::supprimer(tx.conn(), t.id).await?;
    let data = json!({ "numero": t.dossier_id, "demarche": t.demarche_libelle, "destinataire": usager.email });
    enqueue_mail(tx.conn(), &courriel(state, &t.proprietaire, "mails/transfert_refuse", &data)?, now).await?;
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(())
}
