//! Pages for everyone: home, health check, attestation verification, a
//! démarche's own files (logo, notice, cadre juridique), not found.

use crate::error::AppError;
use crate::http::Ctx;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(accueil))
        .route("/health", get(health))
        .route("/attestations/{token}", get(verifier_attestation))
        .route("/demarches/{id}/fichiers/{usage}", get(fichier_demarche))
}

/// A démarche's logo, notice or cadre juridique: public information of
/// its page, served as a download with the type read at upload.
async fn fichier_demarche(
    State(state): State<AppState>,
    Path((id, usage)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let usage = crate::domain::demarche::fichier::UsageFichier::parse(&usage).ok_or(AppError::NotFound)?;
    let (fichier, size, stream) =
        crate::workflow::demarche::fichiers::lire(&state, crate::domain::DemarcheId(id), usage).await?;
    Ok(crate::http::pieces_jointes::telechargement(&fichier.nom, &fichier.mime, size, stream))
}

async fn accueil(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.page(&state, "accueil", json!({ "titre": "Accueil" }))
}

/// Liveness for load balancers; also the trivial baseline route of the
/// benchmarks (no database access).
async fn health() -> &'static str {
    "ok"
}

/// The page an attestation's QR code points to: anyone holding the document
/// checks it was issued here, for this dossier, and is unchanged (its
/// SHA-256). It shows no personal data: the token is the only key, and an
/// unknown or replaced token answers like any missing page.
async fn verifier_attestation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if token.len() > 128 {
        return Err(AppError::NotFound);
    }
    let mut tx = state.store.read().await?;
    let found = crate::store::attestations::verify(tx.conn(), &token).await?;
    tx.commit().await?;
    let a = found.ok_or(AppError::NotFound)?;
    let valide = a.etat == crate::domain::EtatDossier::Accepte.as_str() && a.revoquee_le.is_none();
    ctx.page(
        &state,
        "attestation_verification",
        json!({
            "titre": "Vérification d'une attestation",
            "numero": a.dossier_id,
            "demarche": a.demarche_libelle,
            "delivree_le": crate::http::vues::date_heure(a.created_at),
            "sha256": a.sha256,
            "valide": valide,
        }),
    )
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
