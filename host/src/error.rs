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
        response.extensions_mut().insert(page);
        response
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
    fn internal_details_are_kept_out_of_the_body() {
        let r = AppError::Internal(anyhow::anyhow!("password=hunter2")).into_response();
        let page = r.extensions().get::<ErrorPage>().cloned().unwrap();
        assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!page.message.contains("hunter2"));
        assert!(page.detail.unwrap().contains("hunter2"));
    }
}
