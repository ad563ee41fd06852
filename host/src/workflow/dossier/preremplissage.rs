//! Préremplissage (`domain::dossier::preremplissage`): a new brouillon
//! made with answers a partner's site gave, by link or through the public
//! API. The answers are saved as an autosave saves the champs it names
//! (`enregistrement`): each checked as a brouillon save checks it, a bad
//! one kept as typed for the usager to correct.

use crate::domain::compte::Usager;
use crate::domain::demarche::EtatDemarche;
use crate::domain::dossier::preremplissage::{self, Valeurs, reclamable};
use crate::domain::limite::PREREMPLISSAGE_IP;
use crate::domain::{DemarcheId, DossierId, EtatDossier};
use crate::error::AppError;
use crate::security::{random_token, sha256_hex};
use crate::state::AppState;
use crate::store::{demarches, dossiers, preremplissages};
use crate::workflow::dossier::{enregistrement, nouveau_brouillon};
use crate::workflow::limites::compter;
use chrono::Utc;

/// A new brouillon of the démarche at `path` for the usager, with the
/// answers of a link (never the usager's existing brouillon: these
/// answers are for a new dossier).
pub async fn commencer(
    state: &AppState,
    usager: &Usager,
    path: &str,
    valeurs: &Valeurs,
) -> Result<DossierId, AppError> {
    let mut tx = state.store.write().await?;
    let id = nouveau_brouillon(state, &mut tx, usager, path, false, false).await?;
    tx.commit().await?;
    remplir(state, usager, id, valeurs).await?;
    Ok(id)
}

/// What the public API made: the token of the link to hand to the usager.
pub struct Cree {
    pub jeton: String,
    pub url: String,
}

/// Keeps answers sent through the public API for démarche `demarche`
/// (published and taking dossiers) until an usager opens the link. At most
/// [`PREREMPLISSAGE_IP`] a caller's address: the API is anonymous.
pub async fn creer(
    state: &AppState,
    ip: &str,
    demarche: DemarcheId,
    objet: &serde_json::Map<String, serde_json::Value>,
) -> Result<Cree, AppError> {
    compter(state, &[(&PREREMPLISSAGE_IP, ip)]).await?;
    let valeurs = preremplissage::depuis_json(objet).map_err(AppError::Refused)?;
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let d = demarches::find(tx.conn(), demarche).await?;
    if d.etat() != EtatDemarche::Publiee {
        return Err(AppError::NotFound);
    }
    if !d.accepte_depots(now) {
        return Err(AppError::Refused("Cette démarche n'accepte plus de nouveaux dossiers.".into()));
    }
    let jeton = random_token();
    let json = serde_json::to_string(&valeurs).map_err(|e| AppError::Internal(e.into()))?;
    preremplissages::inserer(tx.conn(), demarche, &sha256_hex(&jeton), &json, now).await?;
    tx.commit().await?;
    let url = state.config.url(&format!("/commencer/{}?prefill_token={jeton}", d.path));
    Ok(Cree { jeton, url })
}

/// The brouillon made from the answers behind `jeton` for the usager: made
/// now on the first opening, the same one when its owner opens the link
/// again; a link of another démarche, expired, or already opened by
/// someone else is not found.
pub async fn reclamer(state: &AppState, usager: &Usager, path: &str, jeton: &str) -> Result<DossierId, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let p = preremplissages::par_jeton(tx.conn(), &sha256_hex(jeton)).await?.ok_or(AppError::NotFound)?;
    let d = demarches::find_by_path(tx.conn(), path).await?;
    if p.demarche_id != d.id {
        return Err(AppError::NotFound);
    }
    if let Some(dossier) = p.dossier_id {
        // Opened again: its own dossier, if it is the usager's.
        dossiers::find_for_usager(tx.conn(), DossierId(dossier), usager.compte_id).await?;
        return Ok(DossierId(dossier));
    }
    if !reclamable(p.created_at, now) {
        return Err(AppError::NotFound);
    }
    let id = nouveau_brouillon(state, &mut tx, usager, path, false, false).await?;
    if !preremplissages::reclamer(tx.conn(), p.id, id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let valeurs: Valeurs = serde_json::from_str(&p.valeurs).unwrap_or_default();
    remplir(state, usager, id, &valeurs).await?;
    Ok(id)
}

async fn remplir(state: &AppState, usager: &Usager, id: DossierId, valeurs: &Valeurs) -> Result<(), AppError> {
    let noms = preremplissage::noms(valeurs);
    // The answers are the partner's, the page the usager's: a bad value
    // is kept as typed and shown there to be corrected, nothing refused.
    for lot in noms.chunks(enregistrement::CHAMPS_PAR_ENREGISTREMENT_MAX) {
        enregistrement::enregistrer_champs(state, usager, id, EtatDossier::Brouillon, lot, valeurs).await?;
    }
    Ok(())
}
