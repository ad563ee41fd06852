//! What the other extension points do to a dossier: the routing rule that
//! picks its groupe instructeur at dépôt, and the attestation rendered when
//! it is accepté. Both call plugins outside any write transaction; both
//! degrade to the platform's own behaviour when the plugin cannot answer.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::demarche_config::DemarcheConfig;
use crate::domain::champ::repetition::Slot;
use crate::domain::{DemarcheId, DossierId, GroupeInstructeurId, StableId, TypeDeChamp};
use crate::plugins::{ChampSnapshot, DossierSnapshot, ExtensionPoint, GroupeSnapshot, PluginInfo};
use crate::state::AppState;
use crate::storage::Key;
use crate::store::attestations::{self, NouvelleAttestation};
use crate::store::demarches;
use crate::store::dossiers::{self, DossierRow};
use crate::store::{StoreResult, Tx};

/// The groupe a dossier goes to (`None`: the démarche's default groupe),
/// and why (shown to instructeurs).
pub struct Routage {
    pub groupe: Option<GroupeInstructeurId>,
    pub explication: Option<String>,
}

/// A démarche's routing rule as read before a dépôt: its plugin, the
/// plugin's settings, and the groupes it may choose from.
pub struct RegleDeRoutage {
    plugin: PluginInfo,
    options: String,
    groupes: Vec<(GroupeInstructeurId, String)>,
}

/// The démarche's routing rule, if a routing plugin is enabled on it.
pub fn regle_de_routage(state: &AppState, config: &DemarcheConfig) -> Option<RegleDeRoutage> {
    let (plugin, options) = plugin_actif(state, &config.reglages, ExtensionPoint::Routage)?;
    Some(RegleDeRoutage { plugin, options, groupes: config.groupes.clone() })
}

/// The démarche's enabled plugin of `point`, if any (the first by id when an
/// administrateur enabled several: routing and attestations take one).
pub async fn plugin_active(
    state: &AppState,
    tx: &mut Tx,
    demarche: DemarcheId,
    point: ExtensionPoint,
) -> StoreResult<Option<(PluginInfo, String)>> {
    let reglages = demarches::plugins_reglages(tx.conn(), demarche).await?;
    Ok(plugin_actif(state, &reglages, point))
}

/// `plugin_active` over settings already read: every enabled plugin has a
/// settings row, so their keys are the enabled plugins.
pub fn plugin_actif(
    state: &AppState,
    reglages: &HashMap<String, String>,
    point: ExtensionPoint,
) -> Option<(PluginInfo, String)> {
    let mut actives: Vec<&String> = reglages.keys().collect();
    actives.sort();
    let info = actives.into_iter().filter_map(|id| state.plugins.plugin(id)).find(|info| info.provides == point)?;
    let options = reglages.get(&info.id).cloned().unwrap_or_else(|| "{}".to_owned());
    Some((info, options))
}

/// A dossier as plugins see it, from its row and the answers given.
pub fn snapshot(
    dossier: &DossierRow,
    etat: &str,
    types: &[TypeDeChamp],
    values: &HashMap<StableId, String>,
    donnees: &HashMap<StableId, String>,
) -> DossierSnapshot {
    let instant = |at: Option<DateTime<Utc>>| at.map(|at| at.to_rfc3339());
    DossierSnapshot {
        numero: u64::try_from(dossier.id).unwrap_or_default(),
        etat: etat.replace('_', "-"),
        demarche_numero: u64::try_from(dossier.demarche_id).unwrap_or_default(),
        demarche_libelle: dossier.demarche_libelle.clone(),
        usager_email: dossier.usager_email.clone(),
        depose_le: instant(dossier.depose_at),
        decide_le: instant(dossier.processed_at),
        en_instruction_le: instant(dossier.en_instruction_at),
        motivation: dossier.motivation.clone(),
        champs: champs(types, |t| (values.get(&t.stable_id).cloned(), donnees.get(&t.stable_id).cloned())),
    }
}

/// The champs of a form as plugins see them, in the form's order (sections
/// left out); `answer` gives each one's value and données. The champs of
/// blocs répétables are left out too: the WIT snapshot (0.2) has one value
/// per champ, rows need a new WIT release.
pub fn champs(
    types: &[TypeDeChamp],
    answer: impl Fn(&TypeDeChamp) -> (Option<String>, Option<String>),
) -> Vec<ChampSnapshot> {
    types
        .iter()
        .filter(|t| t.type_champ.has_value() && t.parent.is_none())
        .map(|t| {
            let (valeur, donnees) = answer(t);
            ChampSnapshot {
                stable_id: u64::try_from(t.stable_id.0).unwrap_or_default(),
                libelle: t.libelle.clone(),
                type_champ: t.type_champ.as_str(),
                valeur,
                donnees,
            }
        })
        .collect()
}

/// Picks the groupe of a dossier being déposé: the démarche's routing rule
/// when it has one, else (or when the rule fails) its default groupe. Runs
/// before the dépôt's write transaction, which checks that the groupe
/// still exists.
pub async fn router(
    state: &AppState,
    dossier: &DossierRow,
    types: &[TypeDeChamp],
    values: &[(StableId, Option<String>)],
    donnees: &HashMap<Slot, String>,
    regle: Option<&RegleDeRoutage>,
) -> Routage {
    let Some(regle) = regle else {
        return Routage { groupe: None, explication: None };
    };
    let values: HashMap<StableId, String> = values.iter().filter_map(|(id, v)| v.clone().map(|v| (*id, v))).collect();
    // The snapshot holds top-level champs only (see `champs`).
    let donnees: HashMap<StableId, String> =
        donnees.iter().filter(|(slot, _)| slot.ligne.is_none()).map(|(slot, d)| (slot.champ, d.clone())).collect();
    let snapshot = snapshot(dossier, "en_construction", types, &values, &donnees);
    let offered: Vec<GroupeSnapshot> = regle
        .groupes
        .iter()
        .map(|(id, libelle)| GroupeSnapshot { id: u64::try_from(id.0).unwrap_or_default(), libelle: libelle.clone() })
        .collect();
    match state.plugins.route(&regle.plugin.id, &snapshot, &offered, &regle.options).await {
        Ok(decision) => {
            let chosen = decision.groupe.and_then(|g| i64::try_from(g).ok()).map(GroupeInstructeurId);
            Routage { groupe: chosen, explication: Some(decision.explication) }
        }
        Err(error) => {
            tracing::warn!(%error, plugin = %regle.plugin.id, "routing rule unavailable, default groupe");
            Routage {
                groupe: None,
                explication: Some(
                    "Le routage automatique n'a pas pu être appliqué : dossier confié au groupe par défaut.".to_owned(),
                ),
            }
        }
    }
}

/// The job behind an acceptation: renders the attestation with the
/// démarche's attestation plugin and stores it. `Err` makes the job retry
/// (plugin degraded, store down); a dossier no longer accepté is left alone.
pub async fn generer_attestation(state: &AppState, id: DossierId) -> anyhow::Result<()> {
    let mut tx = state.store.read().await?;
    let dossier = dossiers::find_for_job(tx.conn(), id).await?;
    if dossier.etat() != crate::domain::EtatDossier::Accepte {
        return Ok(());
    }
    let config = state.demarche_config.du_dossier(tx.conn(), &dossier).await?;
    let demarche = &config.demarche;
    let Some((plugin, options)) = plugin_actif(state, &config.reglages, ExtensionPoint::Attestation) else {
        return Ok(());
    };
    let types = demarches::types_de_champ(tx.conn(), dossier.revision_id()).await?;
    let values = dossiers::champs(tx.conn(), id, dossiers::Stream::Main).await?;
    let donnees = dossiers::donnees(tx.conn(), id).await?;
    tx.commit().await?;

    let token = crate::security::random_token();
    let verification_url = state.config.url(&format!("/attestations/{token}"));
    let snapshot = snapshot(&dossier, &dossier.etat, &types, &values, &donnees);
    let template = crate::workflow::attestation_templates::template(state, demarche).await?;
    let document =
        state.plugins.render_attestation(&plugin.id, &snapshot, &template, &verification_url, &options).await?;
    let sha256 = hex::encode(Sha256::digest(&document.data));
    // The PDF goes to the file storage first, under a key of its own (the
    // token makes it unique): nothing points to it until the row does.
    let key = Key::new(["dossiers", &id.0.to_string(), &format!("attestation-{token}.pdf")])?;
    let bytes = document.data.len();
    state.storage.put(&key, bytes::Bytes::from(document.data)).await?;
    let now = Utc::now();
    let saved = async {
        let mut tx = state.store.write().await?;
        // Decided again meanwhile (repasser en instruction): this document
        // would attest a decision that no longer stands.
        if dossiers::find_for_job(tx.conn(), id).await?.etat() != crate::domain::EtatDossier::Accepte {
            return Ok(None);
        }
        let avant = attestations::of_dossier(tx.conn(), id).await?.and_then(|a| a.data_key);
        let nouvelle = NouvelleAttestation {
            token: &token,
            filename: &document.filename,
            media_type: &document.media_type,
            data_key: key.as_str(),
            sha256: &sha256,
            plugin_id: &plugin.id,
            plugin_version: &plugin.version,
        };
        attestations::upsert(tx.conn(), id, &nouvelle, now).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(Some(avant))
    }
    .await;
    let orphelin = match saved {
        Ok(Some(avant)) => avant,
        other => {
            // Not recorded (no longer accepté, or the write failed): the
            // file is nobody's.
            if let Err(error) = state.storage.delete(&key).await {
                tracing::warn!(%error, key = key.as_str(), "unrecorded attestation left in the storage");
            }
            return other.map(|_| ());
        }
    };
    // The attestation it replaces (a dossier accepted again).
    if let Some(old) = orphelin.as_deref().and_then(|k| Key::parse(k).ok())
        && let Err(error) = state.storage.delete(&old).await
    {
        tracing::warn!(%error, key = old.as_str(), "replaced attestation left in the storage");
    }
    tracing::info!(dossier = id.0, plugin = %plugin.id, bytes, "attestation rendered");
    Ok(())
}

/// The PDF of a stored attestation: from the file storage, or from the row
/// itself for attestations rendered before the storage held them.
pub async fn attestation_pdf(state: &AppState, a: attestations::AttestationRow) -> anyhow::Result<Vec<u8>> {
    match &a.data_key {
        Some(key) => Ok(state.storage.get(&Key::parse(key)?).await?.to_vec()),
        None => Ok(a.data),
    }
}
