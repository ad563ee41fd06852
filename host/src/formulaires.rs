//! Published forms kept in memory. A dossier's form is read on every save,
//! every dépôt and every page that shows it; once its revision is
//! published the form never changes (the store refuses to edit it), so it
//! is read from the database once for the life of the process. A draft
//! revision, still edited in the editor, is read each time.

use crate::domain::RevisionId;
use crate::store::demarches::{self, Definition};
use crate::store::{Conn, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Published revisions kept. Bounds memory (a 300-champ form weighs about
/// a hundred kilobytes) against a server hosting thousands of démarches:
/// past this an arbitrary entry is dropped and read again on its next use.
const MAX_REVISIONS: usize = 500;

#[derive(Default)]
pub struct FormulairesCache {
    entries: Mutex<HashMap<RevisionId, Arc<Definition>>>,
}

impl FormulairesCache {
    /// The form of `revision` (annotations privées left out), from memory when it is published and was
    /// read before, from the database otherwise.
    pub async fn de_revision(&self, c: Conn<'_>, revision: RevisionId) -> StoreResult<Arc<Definition>> {
        if let Some(f) = self.lock().get(&revision) {
            return Ok(f.clone());
        }
        let definition = Arc::new(demarches::definition(c, revision).await?);
        if definition.publiee {
            let mut entries = self.lock();
            if entries.len() >= MAX_REVISIONS
                && let Some(k) = entries.keys().next().copied()
            {
                entries.remove(&k);
            }
            entries.insert(revision, definition.clone());
        }
        Ok(definition)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RevisionId, Arc<Definition>>> {
        // Inserts and removes are single calls: a panic elsewhere while
        // holding the lock leaves a consistent map.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
