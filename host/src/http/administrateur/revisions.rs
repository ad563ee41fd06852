//! « Modifications en attente » of a published démarche's form: what
//! publishing the draft would change, then « Publier les modifications »
//! or « Annuler les modifications »; and the banner of the editor's pages.

use super::{demarche_json, find};
use crate::domain::DemarcheId;
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::Ids;
use crate::state::AppState;
use crate::store::Conn;
use crate::store::demarches::{self, DemarcheRow};
use crate::workflow::demarche::revisions::{self as wf, modifications, nombre_de_modifications};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/modifications", get(page))
        .route("/admin/demarches/{id}/modifications/publier", post(publier))
        .route("/admin/demarches/{id}/modifications/annuler", post(annuler))
}

/// The editor pages' banner: whether usagers fill a published form, and
/// how many changes wait in the draft.
pub(super) async fn bandeau(c: Conn<'_>, d: &DemarcheRow) -> Result<Value, AppError> {
    let publiee = d.published_revision_id.is_some();
    let nombre = if publiee { nombre_de_modifications(c, d).await? } else { 0 };
    Ok(json!({
        "publiee": publiee,
        "modifications": nombre,
        "lien": format!("/admin/demarches/{}/modifications", d.id),
    }))
}

async fn afficher(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    bloquants: &[crate::workflow::demarche::Manque],
) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let m = modifications(tx.conn(), d).await?;
    let rebase = demarches::revisions::rebase_en_cours(tx.conn(), d.id()).await?;
    tx.commit().await?;
    let data = json!({
        "titre": format!("Modifications du formulaire — {}", d.libelle),
        "demarche": demarche_json(state, d),
        "nombre": m.nombre(),
        "modifications": m,
        "bloquants": bloquants,
        "rebase": rebase.map(|r| json!({ "total": r.total, "faits": r.faits })),
    });
    if bloquants.is_empty() {
        ctx.page(state, "administrateur/modifications", data)
    } else {
        // Refused: the same page, with its blockers, as a refused form.
        ctx.form_page(
            state,
            "administrateur/modifications",
            data,
            &crate::domain::Erreurs(vec![crate::domain::ErreurChamp {
                champ: "bloquants".into(),
                message: "Des points sont à corriger avant de publier les modifications.".into(),
            }]),
        )
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    afficher(&state, &ctx, &d, &[]).await
}

async fn publier(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::publier(&state, &admin, id).await? {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/demarches/{id}/modifications?notice=modifications-publiees"))
                .into_response())
        }
        Err(bloquants) => {
            let d = find(&state, &ctx, id).await?;
            afficher(&state, &ctx, &d, &bloquants).await
        }
    }
}

async fn annuler(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    wf::annuler(&state, &admin, id).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}/champs?notice=modifications-annulees")).into_response())
}
