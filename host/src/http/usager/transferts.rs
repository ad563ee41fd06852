//! « Transférer le dossier »: the owner's page to ask (or cancel) the
//! transfer of a dossier, and the recipient's list of the transfers
//! waiting for them, to accept or decline. Plain forms: no JavaScript.

use crate::domain::dossier::transfert::DELAI_TRANSFERT;
use crate::domain::{DossierId, Erreurs, EtatDossier};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::http::vues;
use crate::state::AppState;
use crate::store::{dossiers, transferts};
use crate::workflow::dossier::transfert;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dossiers/{id}/transfert", get(page).post(demander))
        .route("/dossiers/{id}/transfert/annuler", post(annuler))
        .route("/dossiers/transferts", get(recus))
        .route("/dossiers/transferts/{transfert}/accepter", post(accepter))
        .route("/dossiers/transferts/{transfert}/refuser", post(refuser))
}

#[derive(Default, serde::Deserialize)]
struct Demande {
    #[serde(default)]
    email: String,
}

async fn page(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    afficher(&state, &ctx, DossierId(ids.first()?), "", &Erreurs::new()).await
}

async fn demander(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Demande>,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    match transfert::demander(&state, &usager, id, &f.email).await? {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{}/transfert?notice=transfert-demande", id.0)).into_response()),
        Err(erreurs) => afficher(&state, &ctx, id, &f.email, &erreurs).await,
    }
}

async fn annuler(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    transfert::annuler(&state, &usager, id).await?;
    Ok(Redirect::to(&format!("/dossiers/{}/transfert?notice=transfert-annule", id.0)).into_response())
}

async fn afficher(
    state: &AppState,
    ctx: &Ctx,
    id: DossierId,
    email: &str,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    let en_attente = transferts::du_dossier(tx.conn(), id, Utc::now()).await?;
    tx.commit().await?;
    let en_attente = en_attente.map(|t| {
        json!({
            "email": t.email,
            "le": vues::date_heure(t.created_at),
            "jusqu_au": vues::date_heure(t.expire_at),
        })
    });
    ctx.form_page(
        state,
        "usager/transfert",
        json!({
            "titre": format!("Transférer le dossier n° {}", d.id),
            "dossier": vues::dossier(&d),
            "corbeille": d.corbeille_usager_at.is_some(),
            "en_attente": en_attente,
            "jours": DELAI_TRANSFERT.num_days(),
            "email": email,
            "erreurs": erreurs,
        }),
        erreurs,
    )
}

async fn recus(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let mut tx = state.store.read().await?;
    let rows = transferts::pour_email(tx.conn(), &usager.email, Utc::now()).await?;
    tx.commit().await?;
    let recus: Vec<_> = rows
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "numero": t.dossier_id,
                "demarche": t.demarche_libelle,
                "proprietaire": t.proprietaire,
                "etat": EtatDossier::parse(&t.etat).map(|e| e.libelle()).unwrap_or_default(),
                "le": vues::date_heure(t.created_at),
                "jusqu_au": vues::date_heure(t.expire_at),
            })
        })
        .collect();
    ctx.page(&state, "usager/transferts", json!({ "titre": "Dossiers qui vous sont transférés", "recus": recus }))
}

async fn accepter(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = transfert::accepter(&state, &usager, ids.first()?).await?;
    Ok(Redirect::to(&format!("/dossiers/{}?notice=transfert-accepte", id.0)).into_response())
}

async fn refuser(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    transfert::refuser(&state, &usager, ids.first()?).await?;
    Ok(Redirect::to("/dossiers/transferts?notice=transfert-refuse").into_response())
}
