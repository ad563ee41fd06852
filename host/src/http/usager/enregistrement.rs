//! The autosave endpoints (`static/enregistrement.js`) of a brouillon and
//! of the changes to a dossier en construction, one each: a page left
//! open on a brouillon filed since must not write into the changes. The
//! inputs of the champs changed since the last save, answered in JSON
//! with the time of the save, the champs saved (a name the form does not
//! know is ignored) and what is wrong with the answers saved.
//! Without JavaScript « Enregistrer le brouillon » does the same for the
//! whole form.

use crate::domain::heure::a_paris;
use crate::domain::{DossierId, EtatDossier};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Ids, SaisieDossier};
use crate::state::AppState;
use crate::workflow::dossier::{self as wf, enregistrement};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

/// The repeated field naming the champs the request carries.
const CHAMPS_MODIFIES: &str = "champs_modifies[]";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dossiers/{id}/champs", post(brouillon))
        .route("/dossiers/{id}/modifications/champs", post(modifications))
}

async fn brouillon(state: State<AppState>, ctx: Ctx, ids: Ids, saisie: SaisieDossier) -> Result<Response, AppError> {
    enregistrer(state, ctx, ids, saisie, EtatDossier::Brouillon).await
}

async fn modifications(
    state: State<AppState>,
    ctx: Ctx,
    ids: Ids,
    saisie: SaisieDossier,
) -> Result<Response, AppError> {
    enregistrer(state, ctx, ids, saisie, EtatDossier::EnConstruction).await
}

async fn enregistrer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    SaisieDossier(saisie): SaisieDossier,
    attendu: EtatDossier,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let noms = wf::multiples(&saisie, CHAMPS_MODIFIES);
    let fait = enregistrement::enregistrer_champs(&state, &usager, id, attendu, &noms, &saisie).await?;
    Ok(axum::Json(json!({
        "enregistre_a": a_paris(fait.a).format("%H:%M").to_string(),
        "enregistres": fait.enregistres,
        "erreurs": fait.erreurs.0,
    }))
    .into_response())
}
