//! A démarche's own files: the logo above its title, the notice usagers
//! download before filing, the text of its cadre juridique. Received
//! through the storage layer like pièces justificatives (format read from
//! the bytes, size bounded as they arrive), one per use, replaced whole.

use crate::domain::DemarcheId;
use crate::domain::compte::Administrateur;
use crate::domain::demarche::fichier::UsageFichier;
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::{Key, StorageError};
use crate::store::demarches::{self, fichiers};
use crate::workflow::pieces_jointes::{Recu, oublier, supprimer_objets};
use bytes::Bytes;
use chrono::Utc;
use futures_util::stream::BoxStream;

/// Records a received file as the démarche's `usage`, replacing the
/// previous one. `Err(message)`: refused (a logo that browsers cannot
/// draw); nothing is kept.
pub async fn deposer(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    usage: UsageFichier,
    recu: Recu,
) -> Result<Result<(), String>, AppError> {
    if !usage.accepte(recu.mime()) {
        oublier(state, recu).await;
        return Ok(Err("Le logo doit être une image PNG, JPEG ou WebP.".to_owned()));
    }
    let now = Utc::now();
    let ecrit = async {
        let mut tx = state.store.write().await?;
        demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
        let ancien = fichiers::remplacer(tx.conn(), id, &recu.fichier_demarche(usage), now).await?;
        tx.commit().await?;
        Ok::<_, AppError>(ancien)
    }
    .await;
    match ecrit {
        Ok(ancien) => {
            supprimer_objets(state, ancien.into_iter().collect()).await;
            Ok(Ok(()))
        }
        Err(e) => {
            oublier(state, recu).await;
            Err(e)
        }
    }
}

pub async fn retirer(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    usage: UsageFichier,
) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let ancien = fichiers::retirer(tx.conn(), id, usage.as_str()).await?;
    tx.commit().await?;
    supprimer_objets(state, ancien.into_iter().collect()).await;
    Ok(())
}

/// A démarche's file as anyone reads it (they are public information on
/// its page): its name, type, size and bytes. A deleted démarche's are
/// not served.
pub async fn lire(
    state: &AppState,
    id: DemarcheId,
    usage: UsageFichier,
) -> Result<(fichiers::FichierDemarche, u64, BoxStream<'static, Result<Bytes, StorageError>>), AppError> {
    let mut tx = state.store.read().await?;
    let visible = demarches::etats::visible(tx.conn(), id).await?;
    let fichier = fichiers::find(tx.conn(), id, usage.as_str()).await?;
    tx.commit().await?;
    let fichier = fichier.filter(|_| visible).ok_or(AppError::NotFound)?;
    let key = Key::parse(&fichier.storage_key).map_err(|e| AppError::Internal(e.into()))?;
    match state.storage.get_stream(&key).await {
        Ok((size, stream)) => Ok((fichier, size, stream)),
        Err(StorageError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(AppError::Internal(e.into())),
    }
}
