//! Pages for everyone: home, health check, not found.

use crate::error::AppError;
use crate::http::Ctx;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(accueil)).route("/health", get(health))
}

async fn accueil(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.page(&state, "accueil", json!({ "titre": "Accueil" }))
}

/// Liveness for load balancers; also the trivial baseline route of the
/// benchmarks (no database access).
async fn health() -> &'static str {
    "ok"
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
