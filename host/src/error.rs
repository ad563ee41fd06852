//! `AppError` is the one place that knows HTTP status codes. Converting an
//! error to a response has no side effect: the response carries an
//! `ErrorPage` extension, and the `error_pages` middleware renders it in the
//! site layout and logs server errors within the request's span.

use crate::domain::TransitionError;
use crate::plugins::PluginError;
use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or outside the caller's scope: both answer the same.
    #[error("not found")]
    NotFound,
    /// Signed in but without the role this page needs.
    #[error("forbidden")]
    Forbidden,
    #[error("login required")]
    LoginRequired { return_to: String },
    #[error("invalid or missing CSRF token")]
    Csrf,
    /// A product rule refused the action; the message is French.
    #[error("{0}")]
    Refused(String),
    /// Someone else changed the object meanwhile.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// An upload beyond the route's body limit; the message is French.
    #[error("payload too large: {0}")]
    TooLarge(String),
    /// The address exists but not with this method (a form URL opened).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// An address longer than any of ours.
    #[error("URI too long")]
    UriTooLong,
    /// A rate limit is reached; the client may try again after this many
    /// seconds (sent as `Retry-After`).
    #[error("too many requests (retry after {retry_after_secs} s)")]
    TooManyRequests { retry_after_secs: u64 },
    /// A plugin or another dependency cannot answer right now.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error page middleware renders.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub titre: &'static str,
    pub message: String,
    /// Internal details, logged but never shown.
    pub detail: Option<String>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UriTooLong => StatusCode::URI_TOO_LONG,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The French page this error is shown as.
    pub fn page(&self) -> ErrorPage {
        let status = self.status();
        let (titre, message, detail) = match self {
            AppError::NotFound => (
                "Page non trouvée",
                "La page que vous cherchez n'existe pas ou vous n'y avez pas accès.".to_string(),
                None,
            ),
            AppError::Forbidden => (
                "Accès refusé",
                "Votre compte ne permet pas d'accéder à cette page.".to_string(),
                None,
            ),
            AppError::LoginRequired { .. } => ("Connexion requise", String::new(), None),
            AppError::Csrf => (
                "Formulaire expiré",
                "Ce formulaire n'est plus valide, par exemple parce qu'il a été ouvert il y a longtemps ou dans un autre navigateur. Revenez à la page précédente, rechargez-la et envoyez-le à nouveau.".to_string(),
                None,
            ),
            AppError::Refused(m) => ("Action impossible", m.clone(), None),
            AppError::Conflict(m) => (
                "Modification concurrente",
                format!("{m} Rechargez la page pour voir son état actuel."),
                None,
            ),
            AppError::BadRequest(d) => (
                "Requête invalide",
                "La requête envoyée n'est pas valide.".to_string(),
                Some(d.clone()),
            ),
            AppError::TooLarge(m) => ("Envoi trop volumineux", m.clone(), None),
            AppError::MethodNotAllowed => (
                "Page non disponible",
                "Cette adresse s'utilise depuis un formulaire du site. Revenez à la page précédente.".to_string(),
                None,
            ),
            AppError::UriTooLong => (
                "Adresse trop longue",
                "L'adresse demandée est trop longue pour être traitée. Vérifiez le lien que vous avez suivi.".to_string(),
                None,
            ),
            AppError::TooManyRequests { retry_after_secs } => (
                "Trop de tentatives",
                format!(
                    "Vous avez fait trop de demandes en peu de temps. Par sécurité, cette action est suspendue : réessayez dans {}.",
                    duree(*retry_after_secs)
                ),
                None,
            ),
            AppError::Unavailable(d) => (
                "Service momentanément indisponible",
                "Un service nécessaire est momentanément indisponible. Réessayez dans quelques instants ; vos saisies n'ont pas été perdues.".to_string(),
                Some(d.clone()),
            ),
            AppError::Internal(e) => (
                "Erreur inattendue",
                "Une erreur inattendue est survenue. L'équipe technique a été prévenue.".to_string(),
                Some(format!("{e:#}")),
            ),
        };
        ErrorPage { status, titre, message, detail }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::LoginRequired { return_to } = &self {
            let target = format!("/connexion?retour={}", url_encode(return_to));
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&target) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return response;
        }
        let page = self.page();
        let mut response = (page.status, page.message.clone()).into_response();
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response.extensions_mut().insert(page);
        response
    }
}

impl AppError {
    /// The error behind a status that a layer or an extractor of the
    /// framework answered by itself (a path segment that is not a number,
    /// a duplicate query key, a multipart form without boundary, a method
    /// the route does not take, a static file that does not exist), so
    /// that people get the French page rather than an English line. The
    /// framework's text, if any, becomes the logged detail.
    pub fn from_status(status: StatusCode, detail: String) -> Option<AppError> {
        if !(status.is_client_error() || status.is_server_error()) {
            return None;
        }
        Some(match status {
            StatusCode::NOT_FOUND => AppError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
            StatusCode::URI_TOO_LONG => AppError::UriTooLong,
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(
                "L'envoi dépasse la taille acceptée. Revenez à la page précédente et choisissez des fichiers plus légers."
                    .into(),
            ),
            s if s.is_server_error() => AppError::Internal(anyhow::anyhow!("{status}: {detail}")),
            _ => AppError::BadRequest(format!("{status}: {detail}")),
        })
    }
}

/// « 1 minute », « 12 minutes », « 2 heures » for a wait in seconds.
fn duree(secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    match minutes {
        1 => "1 minute".to_string(),
        m if m < 120 => format!("{m} minutes"),
        m => format!("{} heures", m.div_ceil(60)),
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(what) => AppError::Conflict(conflict_message(what)),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

fn conflict_message(what: &str) -> String {
    match what {
        "etat du dossier modifie entre-temps" => {
            "L'état de ce dossier a été modifié entre-temps par une autre personne.".to_string()
        }
        "demarche deja publiee" => "Cette démarche a déjà été publiée.".to_string(),
        "revision publiee" => "Le formulaire publié ne peut plus être modifié.".to_string(),
        _ => "Cet élément a été modifié entre-temps.".to_string(),
    }
}

impl From<TransitionError> for AppError {
    fn from(err: TransitionError) -> Self {
        AppError::Refused(err.to_string())
    }
}

impl From<PluginError> for AppError {
    fn from(err: PluginError) -> Self {
        AppError::Unavailable(err.to_string())
    }
}

/// Percent-encodes a value for a query string.
pub fn url_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A 301 to `to`: an address that moved for good (a démarche's former
/// path), so that browsers and search engines update their links.
pub fn redirection_permanente(to: &str) -> Response {
    let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The status of a form page shown again because of validation errors.
pub fn form_status() -> StatusCode {
    StatusCode::UNPROCESSABLE_ENTITY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_misses_and_missing_objects_answer_the_same() {
        let a = AppError::from(StoreError::NotFound).into_response();
        let b = AppError::NotFound.into_response();
        assert_eq!(a.status(), StatusCode::NOT_FOUND);
        assert_eq!(a.status(), b.status());
    }

    #[test]
    fn login_required_redirects_with_the_return_path() {
        let r = AppError::LoginRequired { return_to: "/dossiers/3?x=1".into() }.into_response();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/connexion?retour=%2Fdossiers%2F3%3Fx%3D1");
    }

    #[test]
    fn framework_statuses_become_french_pages() {
        let e = AppError::from_status(StatusCode::METHOD_NOT_ALLOWED, String::new()).expect("an error");
        assert_eq!(e.status(), StatusCode::METHOD_NOT_ALLOWED);
        let e = AppError::from_status(StatusCode::BAD_REQUEST, "Invalid URL".into()).expect("an error");
        assert_eq!(e.page().message, "La requête envoyée n'est pas valide.");
        assert!(AppError::from_status(StatusCode::OK, String::new()).is_none());
    }

    #[test]
    fn too_many_requests_says_when_to_come_back() {
        let r = AppError::TooManyRequests { retry_after_secs: 90 }.into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "90");
        let page = r.extensions().get::<ErrorPage>().cloned().expect("a page");
        assert!(page.message.contains("2 minutes"), "{}", page.message);
    }

    #[test]
    fn internal_details_are_kept_out_of_the_body() {
        let r = AppError::Internal(anyhow::anyhow!("password=hunter2")).into_response();
        let page = r.extensions().get::<ErrorPage>().cloned().unwrap();
        assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!page.message.contains("hunter2"));
        assert!(page.detail.unwrap().contains("hunter2"));
    }
}
