//! HTTP: routes grouped by role, the request context (who is calling, their
//! CSRF token), and the layers every response goes through.

pub(crate) mod administrateur;
mod api_public;
pub mod assets;
mod comptes;
mod csrf;
mod ctx;
mod demo;
mod form;
mod instructeur;
mod layers;
mod pieces_jointes;
mod plugins;
mod public;
mod territoire;
mod usager;
mod vues;
mod vues_catalogue;

pub use csrf::CSRF_FIELD;
pub use ctx::{Ctx, SESSION_COOKIE};

use crate::state::AppState;
use axum::Router;
use axum::middleware::from_fn_with_state;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// Forms are text; a megabyte is far more than the longest legitimate form
/// and bounds what a client can make us buffer (uploads get their own limit).
const BODY_LIMIT_BYTES: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let forms = Router::new()
        .merge(public::routes())
        .merge(comptes::routes())
        .merge(usager::routes())
        .merge(instructeur::routes())
        .merge(administrateur::routes())
        .merge(demo::routes())
        .merge(plugins::routes())
        .merge(territoire::routes())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES));
    // Forms with files: their own, larger bound.
    let uploads = administrateur::attestation::routes()
        .layer(RequestBodyLimitLayer::new(administrateur::attestation::UPLOAD_BODY_LIMIT));
    // The dossier form and the pièces justificatives: files streamed to
    // the storage, bounded per file while they stream.
    let pieces = Router::new()
        .merge(usager::routes_formulaire())
        .merge(pieces_jointes::routes())
        .merge(administrateur::champ_fichier::routes())
        .merge(administrateur::fichiers::routes_televersement())
        .layer(axum::extract::DefaultBodyLimit::max(pieces_jointes::UPLOAD_BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(pieces_jointes::UPLOAD_BODY_LIMIT));
    Router::new()
        .merge(forms)
        .merge(uploads)
        .merge(pieces)
        .route("/static/{*path}", axum::routing::get(assets::serve))
        .fallback(public::not_found)
        // Inner to outer: CSRF check, panics as the French page, error
        // pages, security headers (and the last-resort panic catcher).
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        // The anonymous JSON API reads no cookie: outside the CSRF check,
        // with its own small body bound.
        .merge(api_public::routes().layer(RequestBodyLimitLayer::new(api_public::BODY_LIMIT_BYTES)))
        .layer(CatchPanicLayer::custom(layers::panic_page))
        .layer(from_fn_with_state(state.clone(), layers::error_pages))
        .layer(from_fn_with_state(state.clone(), layers::security_headers))
        // Pages and JSON, compressed on the fly (static files come
        // precompressed, and a response that has an encoding is left alone);
        // PDFs and images are compressed already.
        .layer(CompressionLayer::new().br(true).gzip(true).compress_when(
            SizeAbove::new(1024)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::const_new("application/pdf"))
                .and(NotForContentType::GRPC)
                .and(NotForContentType::SSE),
        ))
        .layer(CatchPanicLayer::new())
        // Spans name the path, never the query (a multipart form's CSRF
        // token travels there).
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<axum::body::Body>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}
