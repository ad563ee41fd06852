//! What administrateurs do with groupes instructeurs: create, rename and
//! delete them, and assign instructeurs (by e-mail) to them.

use crate::domain::compte::{Administrateur, normaliser_email};
use crate::domain::groupe::{suppression_impossible, valider_libelle};
use crate::domain::{DemarcheId, Erreurs, GroupeInstructeurId, InstructeurId};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::state::AppState;
use crate::store::comptes;
use crate::store::{StoreError, demarches, groupes};
use crate::workflow::comptes::{courriel_de_role, destinataire};
use chrono::Utc;
use serde_json::json;

const NOM_PRIS: &str = "Un autre groupe de cette démarche porte déjà ce nom.";

/// Routing tables name groupes without regard to case, so two names that
/// differ only by case would make them ambiguous. Compared in Rust: SQLite's
/// `lower()` only knows ASCII (« Étampes » / « ÉTAMPES »).
async fn nom_pris(
    tx: &mut crate::store::Tx,
    id: DemarcheId,
    libelle: &str,
    sauf: Option<GroupeInstructeurId>,
) -> Result<bool, AppError> {
    let cle = libelle.to_lowercase();
    Ok(groupes::libelles(tx.conn(), id)
        .await?
        .iter()
        .any(|(gid, libelle)| Some(*gid) != sauf && libelle.trim().to_lowercase() == cle))
}

fn erreur(champ: &str, message: &str) -> Erreurs {
    let mut e = Erreurs::new();
    e.add(champ, message);
    e
}

/// Creates a groupe on the démarche; its name must be free on it.
pub async fn creer_groupe(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    libelle: &str,
) -> Result<Result<GroupeInstructeurId, Erreurs>, AppError> {
    let libelle = match valider_libelle(libelle) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    let mut tx = state.store.write().await?;
    // 1. The démarche, in the administrateur's scope.
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    if nom_pris(&mut tx, id, &libelle, None).await? {
        return Ok(Err(erreur("libelle", NOM_PRIS)));
    }
    // 2. The groupe.
    let groupe = match groupes::insert(tx.conn(), id, &libelle, false, Utc::now()).await {
        Err(StoreError::Conflict(_)) => return Ok(Err(erreur("libelle", NOM_PRIS))),
        other => other?,
    };
    tx.commit().await?;
    Ok(Ok(groupe))
}

/// Renames a groupe. Routing tables that name it must be updated by the
/// administrateur; the page says so.
pub async fn renommer_groupe(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    groupe: GroupeInstructeurId,
    libelle: &str,
) -> Result<Result<(), Erreurs>, AppError> {
    let libelle = match valider_libelle(libelle) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    let mut tx = state.store.write().await?;
    // 1. The démarche and the groupe, in the administrateur's scope.
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    if nom_pris(&mut tx, id, &libelle, Some(groupe)).await? {
        return Ok(Err(erreur("libelle", NOM_PRIS)));
    }
    // 2. The new name.
    match groupes::renommer(tx.conn(), id, groupe, &libelle).await {
        Err(StoreError::Conflict(_)) => return Ok(Err(erreur("libelle", NOM_PRIS))),
        other => other?,
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// Deletes a groupe that is not the default one and holds no dossier.
pub async fn supprimer_groupe(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    groupe: GroupeInstructeurId,
) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    // 1. Scope, then the rule.
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let row = groupes::find(tx.conn(), id, groupe).await?;
    if let Some(raison) = suppression_impossible(row.defaut, row.dossiers) {
        return Err(AppError::Refused(raison.into()));
    }
    // 2. The deletion; a dossier routed to it meanwhile makes it a conflict.
    match groupes::delete(tx.conn(), id, groupe).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Refused("Ce groupe a des dossiers : il ne peut pas être supprimé.".into()));
        }
        other => other?,
    }
    tx.commit().await?;
    Ok(())
}

/// Assigns an instructeur (by e-mail) to a groupe of the démarche, its
/// default groupe when `groupe` is `None`. Someone without a compte gets
/// one, unconfirmed and without password, and an invitation link to choose
/// a password; someone with a compte is told.
pub async fn affecter_instructeur(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    groupe: Option<GroupeInstructeurId>,
    email: &str,
) -> Result<Result<(), Erreurs>, AppError> {
    let email = match normaliser_email(email) {
        Ok(e) => e,
        Err(m) => return Ok(Err(erreur("email", m))),
    };
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. The démarche and the groupe, in the administrateur's scope.
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let groupe = match groupe {
        Some(g) => groupes::find(tx.conn(), id, g).await?,
        None => {
            let g = groupes::defaut(tx.conn(), id).await?;
            groupes::find(tx.conn(), id, g).await?
        }
    };
    // 2. The compte (created if needed) and its instructeur role.
    let qui = destinataire(tx.conn(), &email).await?;
    let instructeur = comptes::ensure_instructeur(tx.conn(), qui.compte, now).await?;
    // 3. The membership.
    let nouveau = groupes::assign_instructeur(tx.conn(), groupe.id(), instructeur, now).await?;
    // 4. The e-mail: an invitation (with a password link) or a notice.
    if nouveau {
        let groupe_libelle = (!groupe.defaut).then_some(groupe.libelle.as_str());
        let mail = courriel_de_role(
            state,
            tx.conn(),
            &qui,
            ("mails/invitation_instructeur", "mails/affectation_instructeur"),
            "/instructeur",
            json!({ "demarche": d.libelle, "groupe": groupe_libelle, "administrateur": admin.email }),
        )
        .await?;
        enqueue_mail(tx.conn(), &mail, now).await?;
    }
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(Ok(()))
}

/// Removes an instructeur from every groupe of the démarche.
pub async fn retirer_instructeur(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    instructeur: InstructeurId,
) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    demarches::unassign_instructeur(tx.conn(), id, instructeur).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes an instructeur from one groupe; they keep their other groupes.
pub async fn retirer_du_groupe(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    groupe: GroupeInstructeurId,
    instructeur: InstructeurId,
) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let groupe = groupes::find(tx.conn(), id, groupe).await?;
    groupes::unassign_instructeur(tx.conn(), groupe.id(), instructeur).await?;
    tx.commit().await?;
    Ok(())
}
