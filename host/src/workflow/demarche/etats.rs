//! A démarche after its publication: closed (by an administrateur, or by
//! the scheduler on its deadline), unpublished, deleted. Publishing again
//! is `publier`'s. Usagers with a brouillon are told when it closes: their
//! dossier can no longer be filed.

use crate::domain::compte::Administrateur;
use crate::domain::validation::texte_requis;
use crate::domain::{DemarcheId, DossierId, Erreurs};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::state::AppState;
use crate::storage::Key;
use crate::store::Tx;
use crate::store::demarches::{self, DemarcheRow, etats};
use crate::workflow::courriel;
use chrono::{DateTime, Utc};
use serde_json::json;

/// A closing reason is a sentence or two shown to usagers.
pub const MOTIF_MAX_CHARS: usize = 2_000;
/// What usagers read when the deadline closed the démarche.
pub const MOTIF_DATE_LIMITE: &str = "La date limite de dépôt des dossiers est passée.";

/// Closes the démarche: no new dossier, those filed are still processed.
/// `redirection` is another published démarche of the same
/// administrateur, suggested to usagers instead.
pub async fn clore(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    motif: &str,
    redirection: Option<DemarcheId>,
) -> Result<Result<(), Erreurs>, AppError> {
    let mut erreurs = Erreurs::new();
    let motif = texte_requis(&mut erreurs, "motif", "Motif de la clôture", motif, MOTIF_MAX_CHARS);
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. Scope and state; the suggested démarche through the same scope.
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    if !d.etat().peut_etre_close() {
        return Err(AppError::Refused("Seule une démarche publiée peut être close.".into()));
    }
    let redirection = match redirection.filter(|r| *r != id) {
        None => None,
        Some(r) => match demarches::find_for_administrateur(tx.conn(), r, admin.administrateur_id).await {
            Ok(cible) if cible.etat() == crate::domain::demarche::EtatDemarche::Publiee => Some(cible),
            Ok(_) | Err(crate::store::StoreError::NotFound) => {
                erreurs.add("redirection", "Choisissez une de vos démarches publiées, ou aucune.");
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    if !erreurs.is_empty() {
        return Ok(Err(erreurs));
    }
    // 2. The state, then the e-mails to usagers with a brouillon.
    fermer(state, &mut tx, &d, &motif, redirection.as_ref(), now).await?;
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(Ok(()))
}

/// The closing itself, shared by the administrateur's and the deadline's:
/// guarded by the state (closed once), then one e-mail per usager who has
/// a brouillon on it. Returns whether this call closed it.
async fn fermer(
    state: &AppState,
    tx: &mut Tx,
    d: &DemarcheRow,
    motif: &str,
    redirection: Option<&DemarcheRow>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !etats::clore(tx.conn(), d.id(), motif, redirection.map(DemarcheRow::id), now).await? {
        return Ok(false);
    }
    let data = json!({
        "demarche": d.libelle,
        "motif": motif,
        "redirection": redirection.map(|r| json!({
            "libelle": r.libelle,
            "lien": state.config.url(&format!("/commencer/{}", r.path)),
        })),
        "lien": state.config.url("/dossiers"),
    });
    for email in etats::courriels_des_brouillons(tx.conn(), d.id()).await? {
        let mail = courriel(state, &email, "mails/demarche_close", &data)?;
        enqueue_mail(tx.conn(), &mail, now).await?;
    }
    Ok(true)
}

/// The scheduler's part: closes every published démarche whose deadline
/// has come, each in its own transaction. Returns how many it closed.
/// Several servers may run it at once: the state guard closes each once.
pub async fn clore_echues(state: &AppState, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut tx = state.store.read().await?;
    let echues = etats::echues(tx.conn(), now).await?;
    tx.commit().await?;
    let mut closes = 0;
    for id in echues {
        let mut tx = state.store.write().await?;
        let d = demarches::find(tx.conn(), id).await?;
        if fermer(state, &mut tx, &d, MOTIF_DATE_LIMITE, None, now).await? {
            closes += 1;
        }
        tx.commit().await?;
    }
    if closes > 0 {
        state.jobs_notify.notify_one();
    }
    Ok(closes)
}

/// Takes the démarche offline: its address says so; filed dossiers go on.
pub async fn depublier(state: &AppState, admin: &Administrateur, id: DemarcheId) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    if !d.etat().peut_etre_depubliee() {
        return Err(AppError::Refused("Seule une démarche publiée ou close peut être dépubliée.".into()));
    }
    etats::depublier(tx.conn(), id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What a deletion did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suppression {
    /// Nothing was filed: the démarche, its brouillons and test dossiers
    /// and their files are gone.
    Effacee,
    /// Filed dossiers are kept for their retention period: the démarche is
    /// hidden and closed, its dossiers still readable by their usagers.
    Masquee,
}

pub async fn supprimer(state: &AppState, admin: &Administrateur, id: DemarcheId) -> Result<Suppression, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    if etats::nombre_deposes(tx.conn(), id).await? > 0 {
        etats::marquer_supprimee(tx.conn(), id, now).await?;
        tx.commit().await?;
        return Ok(Suppression::Masquee);
    }
    let effaces = etats::effacer(tx.conn(), id).await?;
    tx.commit().await?;
    // After commit: a failed deletion leaves an orphan file, never a row
    // pointing at nothing.
    purger_dossiers(state, &effaces).await;
    purger_demarche(state, id).await;
    Ok(Suppression::Effacee)
}

/// Deletes the stored files of a démarche whose row is gone.
pub(crate) async fn purger_demarche(state: &AppState, id: DemarcheId) {
    purger(state, ["demarches".to_owned(), id.0.to_string()]).await;
}

/// Deletes the stored files of dossiers whose rows are gone.
pub(crate) async fn purger_dossiers(state: &AppState, dossiers: &[DossierId]) {
    for d in dossiers {
        purger(state, ["dossiers".to_owned(), d.0.to_string()]).await;
    }
}

/// Deletes a dossier's or a démarche's folder in the storage layer.
async fn purger(state: &AppState, dossier_ou_demarche: [String; 2]) {
    let deleted = match Key::new(&dossier_ou_demarche) {
        Ok(prefix) => state.storage.delete_prefix(&prefix).await,
        Err(e) => Err(e),
    };
    if let Err(error) = deleted {
        tracing::error!(%error, prefix = dossier_ou_demarche.join("/"), "cannot delete stored files");
    }
}
