//! The administrateurs of a démarche: the list, an invitation by e-mail,
//! and « Retirer » (oneself included, never the last one).

use super::{demarche_json, find};
use crate::domain::{AdministrateurId, DemarcheId, Erreurs};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::state::AppState;
use crate::store::administrateurs;
use crate::store::demarches::DemarcheRow;
use crate::workflow::administrateurs as wf;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/administrateurs", get(page).post(inviter))
        .route("/admin/demarches/{id}/administrateurs/{administrateur_id}/retirer", post(retirer))
}

#[derive(Deserialize, Default)]
struct Invitation {
    #[serde(default)]
    email: String,
}

async fn afficher(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    email: &str,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let moi = ctx.administrateur()?.administrateur_id.0;
    let mut tx = state.store.read().await?;
    let liste = administrateurs::list(tx.conn(), d.id()).await?;
    tx.commit().await?;
    let seul = liste.len() <= 1;
    let membres: Vec<_> = liste
        .iter()
        .map(|a| {
            json!({
                "id": a.administrateur_id,
                "email": a.email,
                "confirmed": a.confirmed,
                "moi": a.administrateur_id == moi,
                // The last one has no « Retirer »: the store would refuse it.
                "retirable": !seul,
            })
        })
        .collect();
    let data = json!({
        "titre": format!("Administrateurs — {}", d.libelle),
        "demarche": demarche_json(state, d),
        "nombre": membres.len(),
        "administrateurs": membres,
        "email": email,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/administrateurs", data, erreurs)
}

async fn page(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    afficher(&state, &ctx, &d, "", &Erreurs::new()).await
}

async fn inviter(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Invitation>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::inviter(&state, &admin, id, &f.email).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}/administrateurs?notice=administrateur-invite"))
            .into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            afficher(&state, &ctx, &d, &f.email, &erreurs).await
        }
    }
}

async fn retirer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let retire = AdministrateurId(ids.second()?);
    match wf::retirer(&state, &admin, id, retire).await {
        // Leaving oneself: the démarche is no longer theirs to see.
        Ok(()) if retire == admin.administrateur_id => Ok(Redirect::to("/admin").into_response()),
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}/administrateurs?notice=administrateur-retire"))
            .into_response()),
        // The last administrateur: the page again, saying why.
        Err(AppError::Refused(message)) => {
            let d = find(&state, &ctx, id).await?;
            let mut erreurs = Erreurs::new();
            erreurs.add("administrateurs", message);
            afficher(&state, &ctx, &d, "", &erreurs).await
        }
        Err(e) => Err(e),
    }
}
