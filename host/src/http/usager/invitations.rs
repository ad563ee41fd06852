//! « Inviter une personne à modifier ce dossier »: the owner's page of a
//! dossier's invitations, the invitation form and revoking.

use crate::domain::{DossierId, Erreurs};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::http::vues;
use crate::state::AppState;
use crate::store::dossiers;
use crate::workflow::dossier::invitations::{self, MESSAGE_MAX_CHARS};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dossiers/{id}/invitations", get(page).post(inviter))
        .route("/dossiers/{id}/invitations/{invitation}/supprimer", post(revoquer))
}

#[derive(Default, serde::Deserialize)]
struct Invitation {
    #[serde(default)]
    email: String,
    #[serde(default)]
    message: String,
}

async fn page(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    afficher(&state, &ctx, DossierId(ids.first()?), &Invitation::default(), &Erreurs::new()).await
}

async fn inviter(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Invitation>,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    match invitations::inviter(&state, &usager, id, &f.email, &f.message).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/dossiers/{}/invitations?notice=invitation-envoyee", id.0)).into_response())
        }
        // Refused: the page again, what was typed kept, each error next to
        // its field.
        Err(erreurs) => afficher(&state, &ctx, id, &f, &erreurs).await,
    }
}

async fn revoquer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    invitations::revoquer(&state, &usager, id, ids.second()?).await?;
    Ok(Redirect::to(&format!("/dossiers/{}/invitations?notice=invitation-retiree", id.0)).into_response())
}

async fn afficher(
    state: &AppState,
    ctx: &Ctx,
    id: DossierId,
    saisie: &Invitation,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    let rows = crate::store::invitations::du_dossier(tx.conn(), id).await?;
    tx.commit().await?;
    let invitees: Vec<_> = rows
        .into_iter()
        .map(|i| json!({ "id": i.id, "email": i.email, "le": vues::date_heure(i.created_at) }))
        .collect();
    ctx.form_page(
        state,
        "usager/invitations",
        json!({
            "titre": format!("Inviter une personne à modifier le dossier n° {}", d.id),
            "dossier": vues::dossier(&d),
            "ouvert": d.etat().is_modifiable_par_usager() && d.corbeille_usager_at.is_none(),
            "invitees": invitees,
            "email": saisie.email,
            "message": saisie.message,
            "message_aide": format!("Il sera joint au courriel d'invitation, {MESSAGE_MAX_CHARS} caractères au plus."),
            "erreurs": erreurs,
        }),
        erreurs,
    )
}
