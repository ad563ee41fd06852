//! What administrateurs do with the rules of a form: a champ's display
//! condition, the démarche's inéligibilité and the groupes' routing
//! rules, built with the no-code builder or typed in rhai (expert mode).
//! Each rule is checked against the champs it may read when saved, and
//! again at publication.

use crate::domain::compte::Administrateur;
use crate::domain::regle::verification::disponibles;
use crate::domain::regle::{Ineligibilite, MESSAGE_MAX_CHARS, SaisieRegle};
use crate::domain::validation::texte_requis;
use crate::domain::{DemarcheId, Erreurs, GroupeInstructeurId, StableId, TypeDeChamp};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{demarches, groupes};
use crate::workflow::demarche::revision_a_modifier;

/// The champs of the same form as `types[index]` (the usager's form or
/// the annotations privées), and its index among them.
pub fn meme_formulaire(types: &[TypeDeChamp], stable_id: StableId) -> Option<(Vec<TypeDeChamp>, usize)> {
    let prive = types.iter().find(|t| t.stable_id == stable_id)?.prive;
    let champs: Vec<TypeDeChamp> = types.iter().filter(|t| t.prive == prive).cloned().collect();
    let i = champs.iter().position(|t| t.stable_id == stable_id)?;
    Some((champs, i))
}

/// The usager's form only: what the inéligibilité rule may read.
pub fn formulaire_usager(types: &[TypeDeChamp]) -> Vec<TypeDeChamp> {
    types.iter().filter(|t| !t.prive).cloned().collect()
}

fn erreurs(refus: Vec<(String, String)>) -> Erreurs {
    let mut e = Erreurs::new();
    for (cle, message) in refus {
        e.add(cle, message);
    }
    e
}

/// Sets (`Some`) or removes (`None`) the display condition of a champ.
pub async fn definir_condition(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    stable_id: StableId,
    saisie: Option<&SaisieRegle>,
) -> Result<Result<(), Erreurs>, AppError> {
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let revision = revision_a_modifier(&mut tx, &d).await?;
    let mut types = demarches::types_de_champ(tx.conn(), revision).await?;
    let (champs, i) = meme_formulaire(&types, stable_id).ok_or(AppError::NotFound)?;
    let condition = match saisie {
        None => None,
        Some(s) => match s.regle(&disponibles(&champs, i)) {
            Ok(r) => Some(r),
            Err(refus) => return Ok(Err(erreurs(refus))),
        },
    };
    if let Some(slot) = types.iter_mut().find(|t| t.stable_id == stable_id) {
        slot.condition = condition;
    }
    demarches::replace_types_de_champ(tx.conn(), revision, &types).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Sets (`Some`) or removes (`None`) the démarche's inéligibilité rule
/// and the message shown to an usager it applies to.
pub async fn definir_ineligibilite(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    saisie: Option<(&SaisieRegle, &str)>,
) -> Result<Result<(), Erreurs>, AppError> {
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let revision = revision_a_modifier(&mut tx, &d).await?;
    let ineligibilite = match saisie {
        None => None,
        Some((regle, message)) => {
            let types = formulaire_usager(&demarches::types_de_champ(tx.conn(), revision).await?);
            let champs = disponibles(&types, types.len());
            let mut e = Erreurs::new();
            let message = texte_requis(&mut e, "message", "Message", message, MESSAGE_MAX_CHARS);
            let regle = match regle.regle(&champs) {
                Ok(r) => Some(r),
                Err(refus) => {
                    e.0.extend(erreurs(refus).0);
                    None
                }
            };
            match regle.filter(|_| e.is_empty()) {
                Some(regle) => Some(Ineligibilite { regle, message }),
                None => return Ok(Err(e)),
            }
        }
    };
    demarches::set_ineligibilite(tx.conn(), revision, ineligibilite.as_ref()).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Sets (`Some`) or removes (`None`) the routing rule of a groupe (not the
/// default one): a rule over the usager's whole form, as filed. It can
/// change after publication, like the groupes themselves.
pub async fn definir_routage(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    groupe: GroupeInstructeurId,
    saisie: Option<&SaisieRegle>,
) -> Result<Result<(), Erreurs>, AppError> {
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    if groupes::find(tx.conn(), id, groupe).await?.defaut {
        return Err(AppError::NotFound);
    }
    let regle = match saisie {
        None => None,
        Some(s) => {
            let revision = d.current_revision().ok_or(AppError::NotFound)?;
            let types = formulaire_usager(&demarches::types_de_champ(tx.conn(), revision).await?);
            match s.regle(&disponibles(&types, types.len())) {
                Ok(r) => Some(r),
                Err(refus) => return Ok(Err(erreurs(refus))),
            }
        }
    };
    groupes::set_regle_routage(tx.conn(), id, groupe, regle.as_ref()).await?;
    tx.commit().await?;
    Ok(Ok(()))
}
