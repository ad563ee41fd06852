//! What a dossier reads from its démarche, kept in memory: the démarche
//! (its service, shown on every dossier page), its plugins' settings, its
//! groupes and their routing rules. A save, a dépôt and the page after it
//! read them on every request; they change only when an administrateur
//! edits the démarche.
//!
//! Each entry carries the `config_version` it was read at. The database
//! bumps that number on any change of the démarche, its plugins or its
//! groupes (triggers, migration 0014), and every dossier query reads it
//! through its join on the démarche, in the same snapshot. An entry is
//! used only when its number equals the dossier's: on several servers
//! sharing one database, none can serve settings older than what its own
//! transaction sees.

use crate::domain::regle::Regle;
use crate::domain::{DemarcheId, GroupeInstructeurId};
use crate::store::demarches::{self, DemarcheRow};
use crate::store::dossiers::DossierRow;
use crate::store::{Conn, StoreResult, groupes};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Démarches kept. Bounds memory (an entry is a few kilobytes) on a server
/// hosting thousands of démarches: past this an arbitrary entry is dropped
/// and read again on its next use.
const MAX_DEMARCHES: usize = 2_000;

pub struct DemarcheConfig {
    pub demarche: DemarcheRow,
    /// Each enabled plugin's settings (JSON), by plugin id.
    pub reglages: HashMap<String, String>,
    /// Every groupe, the default one first, then by name.
    pub groupes: Vec<(GroupeInstructeurId, String)>,
    /// The groupes' routing rules, in the order they are tried.
    pub regles_routage: Vec<(GroupeInstructeurId, String, Regle)>,
}

#[derive(Default)]
pub struct DemarcheConfigCache {
    entries: Mutex<HashMap<DemarcheId, Arc<DemarcheConfig>>>,
}

impl DemarcheConfigCache {
    /// The settings of `dossier`'s démarche as `dossier` was read: from
    /// memory when they have not changed since, else read through `c`
    /// (the transaction that read `dossier`).
    pub async fn du_dossier(&self, c: Conn<'_>, dossier: &DossierRow) -> StoreResult<Arc<DemarcheConfig>> {
        self.de_demarche(c, dossier.demarche_id(), dossier.demarche_config_version).await
    }

    /// The settings of démarche `id` at `version` (its `config_version` as
    /// the caller's transaction read it).
    pub async fn de_demarche(&self, c: Conn<'_>, id: DemarcheId, version: i64) -> StoreResult<Arc<DemarcheConfig>> {
        if let Some(config) = self.lock().get(&id)
            && config.demarche.config_version == version
        {
            return Ok(config.clone());
        }
        let config = Arc::new(lire(c, id).await?);
        let mut entries = self.lock();
        // Two requests may read different versions meanwhile: the newer
        // stays.
        let plus_recente = entries.get(&id).is_some_and(|e| e.demarche.config_version > config.demarche.config_version);
        if !plus_recente {
            if entries.len() >= MAX_DEMARCHES
                && !entries.contains_key(&id)
                && let Some(k) = entries.keys().next().copied()
            {
                entries.remove(&k);
            }
            entries.insert(id, config.clone());
        }
        Ok(config)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DemarcheId, Arc<DemarcheConfig>>> {
        // Inserts and removes are single calls: a panic elsewhere while
        // holding the lock leaves a consistent map.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads one démarche's settings. The démarche's row, and so its version,
/// comes first: in a transaction where each statement sees the latest
/// commits (PostgreSQL's READ COMMITTED), the rest can only be newer than
/// the version, which makes an entry read again, never one kept stale.
async fn lire(mut c: Conn<'_>, id: DemarcheId) -> StoreResult<DemarcheConfig> {
    let demarche = demarches::find(c.reborrow(), id).await?;
    let reglages = demarches::plugins_reglages(c.reborrow(), id).await?;
    let groupes = groupes::libelles(c.reborrow(), id).await?;
    let regles_routage = groupes::regles_routage(c, id).await?;
    Ok(DemarcheConfig { demarche, reglages, groupes, regles_routage })
}
