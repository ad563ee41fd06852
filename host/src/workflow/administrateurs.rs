//! Administrateurs come from two places: the operator designates the first
//! ones from the command line (`guichet administrateur ajouter EMAIL`), and
//! an administrateur invites co-administrateurs on a démarche. Either way
//! the compte is created if needed, without a password; it gets the
//! administrateur and instructeur roles (an administrateur can also
//! instruct, as on the original platform); and an e-mail tells them,
//! carrying a link to choose a password when they have none yet.

use crate::domain::compte::{Administrateur, normaliser_email};
use crate::domain::{AdministrateurId, DemarcheId, Erreurs};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::state::AppState;
use crate::store::administrateurs::{self, Retrait};
use crate::store::comptes;
use crate::store::{Tx, demarches};
use crate::workflow::comptes::{Destinataire, courriel_de_role, destinataire};
use chrono::Utc;
use serde_json::json;

/// What the operator's command did: the e-mail it queued (`job`, to send it
/// before the command exits) and whether it is an invitation (the compte
/// had no password) or a notice.
pub struct Designation {
    pub email: String,
    pub job: i64,
    pub invitation: bool,
}

/// The operator designates an administrateur: no démarche yet, they will
/// create their own. Designating the same e-mail again sends a fresh
/// link (the earlier one may have expired) and changes nothing else.
pub async fn designer(state: &AppState, email: &str) -> anyhow::Result<Designation> {
    let email = normaliser_email(email).map_err(anyhow::Error::msg)?;
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let (qui, _) = compte_administrateur(&mut tx, &email).await?;
    let mail = courriel_de_role(
        state,
        tx.conn(),
        &qui,
        ("mails/invitation_administrateur", "mails/administrateur_designe"),
        "/admin",
        json!({ "demarche": null, "administrateur": null }),
    )
    .await?;
    let job = enqueue_mail(tx.conn(), &mail, now).await?;
    tx.commit().await?;
    Ok(Designation { email, job, invitation: !qui.a_un_mot_de_passe })
}

/// An administrateur of démarche `id` invites another one by e-mail.
/// Inviting someone already there changes nothing and sends nothing.
pub async fn inviter(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    email: &str,
) -> Result<Result<(), Erreurs>, AppError> {
    let email = match normaliser_email(email) {
        Ok(e) => e,
        Err(m) => {
            let mut erreurs = Erreurs::new();
            erreurs.add("email", m);
            return Ok(Err(erreurs));
        }
    };
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. The démarche, in the inviting administrateur's scope.
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    // 2. The compte (created if needed) and its roles.
    let (qui, invite) = compte_administrateur(&mut tx, &email).await?;
    // 3. The membership; 4. the e-mail, only to a newcomer.
    if administrateurs::ajouter(tx.conn(), id, invite).await? {
        let mail = courriel_de_role(
            state,
            tx.conn(),
            &qui,
            ("mails/invitation_administrateur", "mails/administrateur_ajoute"),
            &format!("/admin/demarches/{id}"),
            json!({ "demarche": d.libelle, "administrateur": admin.email }),
        )
        .await?;
        enqueue_mail(tx.conn(), &mail, now).await?;
    }
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(Ok(()))
}

/// Removes an administrateur from démarche `id` (possibly oneself: leaving
/// it). The last one cannot: a démarche without administrateur could no
/// longer be changed, closed or handed over.
pub async fn retirer(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    retire: AdministrateurId,
) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    match administrateurs::retirer(tx.conn(), id, retire).await? {
        Retrait::Retire => {
            tx.commit().await?;
            Ok(())
        }
        Retrait::Absent => Err(AppError::NotFound),
        Retrait::Dernier => Err(AppError::Refused(
            "Une démarche garde toujours au moins un administrateur : invitez-en un autre avant de vous retirer."
                .into(),
        )),
    }
}

/// The compte of `email` (created without a password if new) with the
/// administrateur and instructeur roles.
async fn compte_administrateur(tx: &mut Tx, email: &str) -> Result<(Destinataire, AdministrateurId), AppError> {
    let now = Utc::now();
    let qui = destinataire(tx.conn(), email).await?;
    let admin = comptes::ensure_administrateur(tx.conn(), qui.compte, now).await?;
    comptes::ensure_instructeur(tx.conn(), qui.compte, now).await?;
    Ok((qui, admin))
}
