//! The public préremplissage API, compatible with the original
//! platform's (`POST /api/public/v1/demarches/{id}/dossiers`): a partner's
//! site sends JSON answers, gets the link to hand to the usager, and may
//! ask later where the dossiers made from its links stand. Anonymous, so
//! outside the CSRF check (no cookie is read here) and rate-limited per
//! address; the token in the link is the only capability.
//!
//! One difference with the original: no dossier exists until an usager
//! opens the link (no orphan dossier), so the answer has no
//! `dossier_number` yet; the status call gives it once there is one.

use crate::domain::DemarcheId;
use crate::domain::limite::sujet_ip;
use crate::error::AppError;
use crate::http::ctx::ClientIp;
use crate::security::sha256_hex;
use crate::state::AppState;
use crate::store::preremplissages;
use crate::workflow::dossier::preremplissage;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Value, json};

/// JSON answers: far more than a form's answers take, and what one call
/// makes us parse.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;
/// Tokens one status call may ask about (the original takes a list too).
const JETONS_MAX: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/public/v1/demarches/{id}/dossiers", axum::routing::post(creer).get(statuts))
}

async fn creer(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Json(corps): Json<Value>,
) -> Result<Response, AppError> {
    let objet =
        corps.as_object().ok_or_else(|| AppError::Refused("Le corps de la requête doit être un objet JSON.".into()))?;
    let cree = preremplissage::creer(&state, &sujet_ip(ip), DemarcheId(id), objet).await?;
    let corps = json!({
        "dossier_url": cree.url,
        "state": "prefilled",
        "dossier_prefill_token": cree.jeton,
    });
    Ok((StatusCode::CREATED, Json(corps)).into_response())
}

/// `?prefill_token=a,b` (or the key repeated): where each dossier stands.
async fn statuts(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let jetons: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "prefill_token")
        .flat_map(|(_, v)| v.split(',').map(|t| t.trim().to_owned()).collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .collect();
    if jetons.is_empty() || jetons.len() > JETONS_MAX {
        return Err(AppError::Refused(format!("Donnez de 1 à {JETONS_MAX} jetons dans « prefill_token ».")));
    }
    let hashes: Vec<String> = jetons.iter().map(|t| sha256_hex(t)).collect();
    let mut tx = state.store.read().await?;
    let lignes = preremplissages::statuts(tx.conn(), DemarcheId(id), &hashes).await?;
    tx.commit().await?;
    let sortie: Vec<Value> = jetons
        .iter()
        .zip(&hashes)
        .filter_map(|(jeton, hash)| {
            let l = lignes.iter().find(|l| &l.jeton_hash == hash)?;
            Some(match (&l.dossier_id, &l.etat) {
                (Some(numero), Some(etat)) => json!({
                    "dossier_prefill_token": jeton,
                    "dossier_number": numero,
                    "state": etat,
                    "submitted_at": l.depose_at,
                    "processed_at": l.processed_at,
                }),
                _ => json!({ "dossier_prefill_token": jeton, "state": "prefilled" }),
            })
        })
        .collect();
    Ok(Json(sortie).into_response())
}
