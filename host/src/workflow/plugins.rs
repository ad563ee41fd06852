//! What the platform does about plugins on its own: telling administrateurs
//! when a plugin their démarches use goes into degraded mode.

use crate::jobs::enqueue_mail;
use crate::plugins::DegradationAlert;
use crate::state::AppState;
use crate::store::demarches;
use crate::workflow::courriel;
use chrono::Utc;
use serde_json::json;

/// E-mails every administrateur of a démarche that enabled the plugin, in
/// one transaction. Returns how many were queued.
pub async fn signaler_degradation(state: &AppState, alert: &DegradationAlert) -> anyhow::Result<usize> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let destinataires = demarches::administrateurs_du_plugin(tx.conn(), &alert.plugin.id).await?;
    for (email, demarche) in &destinataires {
        let data = json!({
            "plugin": alert.plugin.libelle,
            "id": alert.plugin.id,
            "version": alert.plugin.version,
            "demarche": demarche,
            "cause": alert.cause,
            "lien": state.config.url("/admin/plugins"),
        });
        let mail = courriel(state, email, "mails/plugin_degrade", &data)?;
        enqueue_mail(tx.conn(), &mail, now).await?;
    }
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(destinataires.len())
}
