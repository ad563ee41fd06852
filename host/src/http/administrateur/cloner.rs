//! « Cloner » a démarche (one's own, or a model another administration
//! published) and « Transférer » a copy to another administrateur; the
//! models' catalogue.

use super::{demarche_json, find};
use crate::domain::{DemarcheId, Erreurs};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::state::AppState;
use crate::store::demarches::{DemarcheRow, clonage};
use crate::workflow::demarche::cloner::{self as wf, Options};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/modeles", get(modeles))
        .route("/admin/demarches/{id}/cloner", get(clonage).post(cloner))
        .route("/admin/demarches/{id}/transferer", get(transfert).post(transferer))
}

async fn modeles(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.administrateur()?;
    let mut tx = state.store.read().await?;
    let rows = clonage::modeles(tx.conn()).await?;
    tx.commit().await?;
    let list: Vec<_> = rows
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "libelle": d.libelle,
                "organisme": d.service_organisme,
                "description": d.description,
                "lien_public": state.config.url(&format!("/commencer/{}", d.path)),
            })
        })
        .collect();
    ctx.page(&state, "administrateur/modeles", json!({ "titre": "Modèles de démarches", "modeles": list }))
}

/// The source as the administrateur may clone it, and whether it is theirs.
async fn source(state: &AppState, ctx: &Ctx, id: DemarcheId) -> Result<(DemarcheRow, bool), AppError> {
    let admin = ctx.administrateur()?;
    let mut tx = state.store.read().await?;
    let d = clonage::find_clonable(tx.conn(), id, admin.administrateur_id).await?;
    let propre = crate::store::demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await.is_ok();
    tx.commit().await?;
    Ok((d, propre))
}

async fn clonage(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let (d, propre) = source(&state, &ctx, DemarcheId(ids.first()?)).await?;
    ctx.page(
        &state,
        "administrateur/cloner",
        json!({
            "titre": format!("Cloner — {}", d.libelle),
            "demarche": { "id": d.id, "libelle": d.libelle, "organisme": d.service_organisme },
            "propre": propre,
        }),
    )
}

#[derive(Deserialize, Default)]
struct Clonage {
    #[serde(default)]
    avec_instructeurs: String,
}

async fn cloner(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Clonage>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let options = Options { avec_instructeurs: !f.avec_instructeurs.is_empty() };
    let id = wf::cloner(&state, &admin, DemarcheId(ids.first()?), options).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}?notice=demarche-clonee")).into_response())
}

#[derive(Deserialize, Default)]
struct Transfert {
    #[serde(default)]
    email: String,
}

fn page_transfert(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    email: &str,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let data = json!({
        "titre": format!("Transférer — {}", d.libelle),
        "demarche": demarche_json(state, d),
        "email": email,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/transferer", data, erreurs)
}

async fn transfert(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    page_transfert(&state, &ctx, &d, "", &Erreurs::new())
}

async fn transferer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Transfert>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::transferer(&state, &admin, id, &f.email).await? {
        Ok(_) => Ok(Redirect::to(&format!("/admin/demarches/{id}?notice=demarche-transferee")).into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            page_transfert(&state, &ctx, &d, &f.email, &erreurs)
        }
    }
}
