//! One function per product action. Each opens one transaction, calls the
//! domain rules, the store and plugins, enqueues jobs, and lists every effect
//! in order: there are no hidden callbacks. Nothing slow (password hashing,
//! plugin calls) runs while a write transaction is open.

pub mod administrateurs;
pub mod attestation_templates;
pub mod comptes;
pub mod demarche;
pub mod dossier;
pub mod extensions;
pub mod groupes;
pub mod limites;
pub mod pieces_jointes;
pub mod plugins;
pub mod regles;
pub mod routage;

use crate::mail::Courriel;
use crate::state::AppState;

/// Renders an e-mail template: its first line is the subject, the rest after
/// a blank line is the body.
pub(crate) fn courriel(
    state: &AppState,
    to: &str,
    template: &str,
    data: &serde_json::Value,
) -> anyhow::Result<Courriel> {
    let rendered = state.templates.render_text(template, data)?;
    let (subject, body) =
        rendered.split_once('\n').ok_or_else(|| anyhow::anyhow!("mail template {template} has no subject line"))?;
    Ok(Courriel {
        to: to.to_string(),
        subject: subject.trim().to_string(),
        text: body.trim_start_matches('\n').trim_end().to_string() + "\n",
    })
}
