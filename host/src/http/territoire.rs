//! The commune search behind the `communes` champ's combobox (JSON for
//! `static/suggestions.js`, the same shape as plugins' suggestions). Public:
//! the lists are official open data, and the lookup is in memory. Without
//! JavaScript nothing depends on it: the server resolves the typed text at
//! saving (`territoire::resoudre_commune`).

use crate::domain::limite::{SUGGESTIONS_COMPTE, SUGGESTIONS_IP, sujet_ip};
use crate::domain::territoire;
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::ctx::ClientIp;
use crate::state::AppState;
use crate::workflow::limites;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/territoire/communes", get(communes))
}

/// Proposals shown under the field: as many as the no-JavaScript list
/// offers (homonyms like « Saint-Denis » need them).
const COMMUNES_SHOWN: usize = territoire::COMMUNES_MAX;

async fn communes(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    // Counted like every suggestion endpoint: the search itself is cheap,
    // but each answer is a request and a counter write, and the list is
    // not there to be scraped through us.
    let ip = sujet_ip(ip);
    match &ctx.compte {
        Some(c) => {
            let compte = c.compte_id.to_string();
            limites::compter(&state, &[(&SUGGESTIONS_COMPTE, &compte), (&SUGGESTIONS_IP, &ip)]).await?;
        }
        None => limites::compter(&state, &[(&SUGGESTIONS_IP, &ip)]).await?,
    }
    // Longer text matches nothing (`rechercher_communes` bounds it too).
    let q = query.get("q").map(String::as_str).unwrap_or("");
    let items: Vec<_> = territoire::rechercher_communes(q, COMMUNES_SHOWN)
        .iter()
        .map(|t| {
            let departement = t.libelle_departement();
            json!({ "value": t.libelle(), "label": format!("{}, {departement}", t.libelle()) })
        })
        .collect();
    Ok(axum::Json(json!({ "suggestions": items })).into_response())
}
