//! CSRF protection for every state-changing request, without JavaScript.
//!
//! Each browser gets a random seed cookie; the token put in every form is
//! HMAC(secret, seed). An attacker's page can make the browser send the
//! cookie but cannot read it or the token. On top, a cross-site `Origin` or
//! `Sec-Fetch-Site` is refused outright.

use crate::error::AppError;
use crate::http::ctx::{SESSION_COOKIE, cookie, cookie_name, set_cookie};
use crate::security::{constant_time_eq, random_token, sign};
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const CSRF_FIELD: &str = "authenticity_token";
const CSRF_COOKIE: &str = "guichet_csrf";
const CSRF_HEADER: &str = "x-csrf-token";
/// The seed outlives sessions so a form opened before signing in still works.
const SEED_MAX_AGE_SECS: i64 = 365 * 24 * 3600;
/// Same bound as the global body limit: the body is buffered to read the token.
const FORM_LIMIT_BYTES: usize = 1024 * 1024;

/// The token for the current browser, for templates.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), &cookie_name(&state, CSRF_COOKIE)).filter(|s| s.len() == 43);
    let seed = existing.clone().unwrap_or_else(random_token);
    // Bound to the session too: a token seen before signing in, or in
    // another session of the browser, does not post in this one.
    let session = cookie(req.headers(), &cookie_name(&state, SESSION_COOKIE)).unwrap_or_default();
    let token = sign(&state.config.secret_key, &format!("csrf:{seed}:{session}"));

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        if is_cross_site(&state, &req) || existing.is_none() {
            return AppError::Csrf.into_response();
        }
        let (parts, body) = req.into_parts();
        let from_header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        // A form with files cannot be read here without buffering its
        // uploads: its token comes in the action's query string instead.
        // The Referrer-Policy keeps that URL from leaving the site.
        let is_multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let from_query = || {
            parts.uri.query().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned())
            })
        };
        let (provided, body) = match (from_header, is_form) {
            (Some(t), _) => (Some(t), body),
            (None, false) if is_multipart => (from_query(), body),
            (None, true) => match to_bytes(body, FORM_LIMIT_BYTES).await {
                Ok(bytes) => {
                    let t =
                        url::form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
                    (t, Body::from(bytes))
                }
                // Beyond the bound (or a body cut short, which nobody
                // reads the answer of): too large, as the body limit says.
                Err(_) => return too_large().into_response(),
            },
            (None, false) => (None, body),
        };
        if !provided.is_some_and(|p| constant_time_eq(&p, &token)) {
            return AppError::Csrf.into_response();
        }
        req = Request::from_parts(parts, body);
    }

    req.extensions_mut().insert(CsrfToken(token));
    let mut response = next.run(req).await;
    if existing.is_none() {
        let value = set_cookie(&state, CSRF_COOKIE, &seed, SEED_MAX_AGE_SECS);
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Gives the browser a new seed (at login): every token it had is void.
pub fn renew_seed(state: &AppState, response: &mut Response) {
    let value = set_cookie(state, CSRF_COOKIE, &random_token(), SEED_MAX_AGE_SECS);
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// True when the browser says the request comes from another site.
fn is_cross_site(state: &AppState, req: &Request) -> bool {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let base = state.config.base_url.origin().ascii_serialization();
    if origin == base {
        return false;
    }
    // Also accept the host the browser actually used (a server reached by
    // another name than its configured public URL, as in local tests), with
    // our scheme: `https://host` and `http://host` are different origins.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    host.is_empty() || origin != format!("{}://{host}", state.config.base_url.scheme())
}

fn too_large() -> AppError {
    AppError::TooLarge(
        "Le formulaire envoyé dépasse la taille acceptée. Revenez à la page précédente et raccourcissez vos réponses."
            .into(),
    )
}
