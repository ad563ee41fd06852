//! Layers around every response: security headers, and French error pages
//! rendered in the site layout from the `ErrorPage` an `AppError` left.

use crate::error::{AppError, ErrorPage};
use crate::http::csrf::CsrfToken;
use crate::http::ctx::{base_context, compte_of, render};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
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
    let dynamic = !req.uri().path().starts_with("/static/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    // Every dynamic answer may hold someone's dossier: no shared proxy and
    // no browser history cache keeps it (a shared computer at a town hall).
    // Only our static files (CSS, scripts, fonts) are cacheable.
    if dynamic {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
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

/// A handler that panicked (a bug): the French « erreur inattendue » page,
/// rendered by `error_pages` like any other error.
pub fn panic_page(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    AppError::Internal(anyhow::anyhow!("panic: {what}")).into_response()
}

/// Our addresses are short; a longer request line is refused in French
/// before anything reads it. (hyper itself answers an empty 414 beyond
/// 64 KiB, before any layer runs.)
const URI_MAX_BYTES: usize = 8 * 1024;

/// How much of a framework rejection's text is kept for the log.
const REJECTION_DETAIL_BYTES: usize = 4 * 1024;

pub async fn error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let csrf = req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let json = wants_json(req.headers());
    // Kept to show the person's own header on an error page: a signed-in
    // usager who meets an error is still signed in.
    let headers = req.headers().clone();
    let response =
        if uri.to_string().len() > URI_MAX_BYTES { AppError::UriTooLong.into_response() } else { next.run(req).await };
    let (response, page) = match response.extensions().get::<ErrorPage>().cloned() {
        Some(page) => (response, page),
        // What the framework answered by itself (extractor rejections, 405,
        // body limits, static files): plain text or nothing, in English.
        // Our own pages (a form shown again with 422) are HTML or JSON.
        None if is_bare_error(&response) => {
            let (parts, body) = response.into_parts();
            let detail = axum::body::to_bytes(body, REJECTION_DETAIL_BYTES)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            match AppError::from_status(parts.status, detail) {
                Some(error) => (Response::from_parts(parts, axum::body::Body::empty()), error.page()),
                None => return Response::from_parts(parts, axum::body::Body::empty()),
            }
        }
        None => return response,
    };
    // The path only: a multipart form's CSRF token is in its query string.
    let path = uri.path();
    if page.status.is_server_error() {
        tracing::error!(%method, %path, status = %page.status, detail = page.detail.as_deref().unwrap_or(""), "server error");
    } else if let Some(detail) = &page.detail {
        tracing::info!(%method, %path, status = %page.status, detail = %detail, "request refused");
    }
    let mut rendered = if json {
        (page.status, axum::Json(json!({ "titre": page.titre, "message": page.message }))).into_response()
    } else {
        let data = json!({ "titre": page.titre, "message": page.message });
        let compte = compte_of(&state, &headers).await;
        let base = base_context(compte.as_ref(), &csrf, state.config.demo, None);
        let body = render(&state, "erreur", base, data).unwrap_or_else(|_| {
            format!(
                "<!DOCTYPE html><html lang=\"fr\"><title>{0}</title><h1>{0}</h1><p>{1}</p></html>",
                page.titre,
                crate::mail::escape_html(&page.message)
            )
        });
        (page.status, Html(body)).into_response()
    };
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    rendered
}

/// An error status with no body of ours: no content type, or plain text.
fn is_bare_error(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(t) => t.starts_with("text/plain"),
    }
}

/// A request from our scripts (`Accept: application/json`, as
/// `static/suggestions.js` sends) gets its error as JSON.
fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}
