//! Layers around every response: security headers, and French error pages
//! rendered in the site layout from the `ErrorPage` an `AppError` left.

use crate::error::{AppError, ErrorPage};
use crate::http::csrf::CsrfToken;
use crate::http::ctx::{base_context, render};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

const STRICT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// No inline script or style anywhere: the DSFR and our scripts are files.
/// Images may also come from the operator's map tile service.
fn csp(config: &crate::config::Config) -> String {
    let tiles = config.map_tiles.as_ref().map(|t| format!(" {}", t.origin)).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    // An origin that cannot be a header value (never, after MapTiles::parse)
    // falls back to the strictest policy rather than to none.
    let value = HeaderValue::from_str(&csp(&state.config)).unwrap_or_else(|_| HeaderValue::from_static(STRICT_CSP));
    headers.insert(header::CONTENT_SECURITY_POLICY, value);
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if state.config.secure_cookies() {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains");
    }
    response
}

pub async fn error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let csrf = req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let response = next.run(req).await;
    let page = match response.extensions().get::<ErrorPage>().cloned() {
        Some(page) => page,
        // The body limit layers answer in plain English before any handler
        // runs (browsers send Content-Length): the French page instead.
        None if response.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(
            "L'envoi dépasse la taille acceptée. Revenez à la page précédente et choisissez des fichiers plus légers."
                .into(),
        )
        .page(),
        None => return response,
    };
    // The path only: a multipart form's CSRF token is in its query string.
    let path = uri.path();
    if page.status.is_server_error() {
        tracing::error!(%method, %path, status = %page.status, detail = page.detail.as_deref().unwrap_or(""), "server error");
    } else if let Some(detail) = &page.detail {
        tracing::info!(%method, %path, status = %page.status, detail = %detail, "request refused");
    }
    let data = json!({ "titre": page.titre, "message": page.message });
    let body =
        render(&state, "erreur", base_context(None, &csrf, state.config.demo, None), data).unwrap_or_else(|_| {
            format!(
                "<!DOCTYPE html><html lang=\"fr\"><title>{0}</title><h1>{0}</h1><p>{1}</p></html>",
                page.titre,
                crate::mail::escape_html(&page.message)
            )
        });
    let mut rendered = (page.status, Html(body)).into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    rendered
}
