//! A déclarative démarche decides at dépôt: the dossier just filed goes
//! straight to en instruction, or on to accepté, in the dépôt's own
//! transaction, with that state's e-mail (and an accepted dossier's
//! attestation), as an instructeur's decision would.

use crate::demarche_config::DemarcheConfig;
use crate::domain::demarche::reglages::Declaratif;
use crate::domain::dossier::transition;
use crate::domain::{ActionDossier, EtatDossier};
use crate::error::AppError;
use crate::jobs::{enqueue_attestation, enqueue_mail};
use crate::state::AppState;
use crate::store::Tx;
use crate::store::dossiers::{self, DossierRow};
use crate::workflow::courriel;
use chrono::{DateTime, Utc};

/// Who the dossier's history names for these steps.
pub const AUTEUR: &str = "Traitement automatique (démarche déclarative)";

/// The déclarative mode of the dossier's démarche, if any.
pub fn mode(config: &DemarcheConfig) -> Option<Declaratif> {
    config.demarche.declaratif.as_deref().and_then(Declaratif::parse)
}

/// Moves the dossier, déposé in this transaction, to the mode's state.
/// Returns the stored objects to delete after commit (titres d'identité
/// are purged at a decision).
pub async fn decider(
    state: &AppState,
    tx: &mut Tx,
    dossier: &DossierRow,
    config: &DemarcheConfig,
    mode: Declaratif,
    mail_data: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let id = dossier.id();
    let actions: &[ActionDossier] = match mode {
        Declaratif::EnInstruction => &[ActionDossier::PasserEnInstruction],
        Declaratif::Accepte => &[ActionDossier::PasserEnInstruction, ActionDossier::Accepter],
    };
    // 1. Each step as the state machine allows it, with its traitement.
    let mut etat = EtatDossier::EnConstruction;
    for action in actions {
        let t = transition(etat, *action, None)?;
        dossiers::update_etat(tx.conn(), id, etat, t.to, None, now).await?;
        dossiers::insert_traitement(tx.conn(), id, t.to, AUTEUR, None, now).await?;
        etat = t.to;
    }
    // 2. The final state's e-mail, after the accusé de réception.
    let template = if etat == EtatDossier::Accepte { "mails/accepte" } else { "mails/en_instruction" };
    enqueue_mail(tx.conn(), &courriel(state, &dossier.usager_email, template, mail_data)?, now).await?;
    if etat != EtatDossier::Accepte {
        return Ok(Vec::new());
    }
    // 3. A decision: titres d'identité purged, attestation rendered by a job.
    let purgees = crate::workflow::pieces_jointes::purger_titres(tx, dossier).await?;
    if crate::workflow::extensions::plugin_actif(state, &config.reglages, crate::plugins::ExtensionPoint::Attestation)
        .is_some()
    {
        enqueue_attestation(tx.conn(), id, now).await?;
    }
    Ok(purgees)
}
