//! Co-construction: the owner of a dossier invites someone, by e-mail, to
//! complete it, and may revoke the invitation. The invité sees and edits
//! the dossier (`dossiers::find_for_participant`) but cannot file it,
//! delete it or invite others.

use crate::domain::compte::{Usager, normaliser_email};
use crate::domain::limite::INVITATIONS_COMPTE;
use crate::domain::{DossierId, Erreurs};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::state::AppState;
use crate::store::dossiers;
use crate::store::invitations;
use crate::workflow::comptes::{courriel_de_role, destinataire};
use crate::workflow::dossier::corbeille::hors_corbeille;
use crate::workflow::limites::compter_dans;
use chrono::Utc;
use serde_json::json;

/// Invitations on one dossier: each sends an e-mail with the owner's
/// words to an address of their choice, so this bounds what one dossier
/// can make the platform send.
pub const INVITATIONS_PAR_DOSSIER: i64 = 20;
/// The owner's message, sent in the invitation e-mail: a note, not a
/// letter (bounds the text a usager makes us send to anyone).
pub const MESSAGE_MAX_CHARS: usize = 1_000;

/// Invites `email` on the owner's dossier, with an optional message. The
/// errors, in French, name the field they belong to.
pub async fn inviter(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    email: &str,
    message: &str,
) -> Result<Result<(), Erreurs>, AppError> {
    let now = Utc::now();
    // 1. What was typed.
    let mut erreurs = Erreurs::new();
    let email = match normaliser_email(email) {
        Ok(e) if e == usager.email => {
            erreurs
                .add("email", "Saisissez l'adresse électronique d'une autre personne : ce dossier est déjà le vôtre.");
            e
        }
        Ok(e) => e,
        Err(m) => {
            erreurs.add("email", m);
            String::new()
        }
    };
    let message = message.trim();
    if message.chars().count() > MESSAGE_MAX_CHARS {
        erreurs.add("message", format!("Le message ne doit pas dépasser {MESSAGE_MAX_CHARS} caractères."));
    } else if message.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        erreurs.add(
            "message",
            "Le message contient un caractère invisible non autorisé : retapez-le plutôt que de le coller.",
        );
    }
    if !erreurs.is_empty() {
        return Ok(Err(erreurs));
    }
    let mut tx = state.store.write().await?;
    // 2. The owner's dossier, still open to changes.
    let d = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    hors_corbeille(&d)?;
    if !d.etat().is_modifiable_par_usager() {
        return Err(AppError::Refused(
            "Ce dossier ne peut plus être modifié : il n'est plus possible d'y inviter quelqu'un.".into(),
        ));
    }
    if invitations::nombre(tx.conn(), id).await? >= INVITATIONS_PAR_DOSSIER {
        erreurs.add(
            "email",
            format!("Ce dossier a déjà {INVITATIONS_PAR_DOSSIER} invitations : retirez-en une pour inviter quelqu'un d'autre."),
        );
        return Ok(Err(erreurs));
    }
    // 3. The owner's pace: e-mails to addresses they choose.
    if let Some(retry_after_secs) = compter_dans(&mut tx, &INVITATIONS_COMPTE, &[&usager.email], now).await? {
        tx.commit().await?;
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    // 4. The invitation, once per address.
    if !invitations::inviter(tx.conn(), id, &email, message, now).await? {
        erreurs.add("email", "Cette personne est déjà invitée sur ce dossier.");
        return Ok(Err(erreurs));
    }
    // 5. The e-mail: to a new address, with the link to choose a password.
    let qui = destinataire(tx.conn(), &email).await?;
    let data = json!({
        "numero": d.id,
        "demarche": d.demarche_libelle,
        "proprietaire": usager.email,
        "message": message,
    });
    let arrivee = format!("/dossiers/{}", d.id);
    let mail = courriel_de_role(
        state,
        tx.conn(),
        &qui,
        ("mails/invitation_dossier_nouveau", "mails/invitation_dossier"),
        &arrivee,
        data,
    )
    .await?;
    enqueue_mail(tx.conn(), &mail, now).await?;
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(Ok(()))
}

/// Revokes an invitation of the owner's dossier: the invité no longer
/// finds it. Revoking twice answers like a missing invitation.
pub async fn revoquer(state: &AppState, usager: &Usager, id: DossierId, invitation: i64) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    if !invitations::revoquer(tx.conn(), id, invitation).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}
