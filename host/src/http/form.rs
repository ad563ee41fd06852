//! Form extraction whose rejection is our `AppError` (a French page), not
//! axum's plain-text answer.

use crate::error::AppError;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

pub struct Formulaire<T>(pub T);

impl<S, T> FromRequest<S> for Formulaire<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| Formulaire(v))
            .map_err(|e| AppError::BadRequest(e.body_text()))
    }
}

/// A dossier's form as posted: one value per key, except the keys ending
/// in `[]` (the boxes of a multiple-choice champ, the only inputs a dossier
/// form repeats), whose values are kept together as a JSON array. Any
/// other key sent twice is refused, as a form we did not render: which of
/// two values counts must never be left to a parser's whim.
pub struct SaisieDossier(pub std::collections::HashMap<String, String>);

/// Values of one repeated key: a multiple choice's boxes, bounded like its
/// list (`OPTIONS_MAX`).
const VALEURS_REPETEES_MAX: usize = crate::domain::champ::OPTIONS_MAX;

const CHOIX_SUFFIX: &str = "_choix";

/// The fields of a dossier form, urlencoded or multipart alike: only keys
/// ending in `[]` (a multiple choice's boxes) may repeat, and their values
/// become one JSON array; any other repeated key is refused, so that no
/// value silently wins over another.
#[derive(Default)]
pub struct FieldCollector {
    simples: std::collections::HashMap<String, String>,
    repetees: std::collections::HashMap<String, Vec<String>>,
}

impl FieldCollector {
    pub fn push(&mut self, key: String, value: String) -> Result<(), AppError> {
        if key.ends_with("[]") {
            let values = self.repetees.entry(key).or_default();
            if values.len() >= VALEURS_REPETEES_MAX {
                return Err(AppError::BadRequest("too many values for one key".into()));
            }
            values.push(value);
        } else {
            match self.simples.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    return Err(AppError::BadRequest(format!("duplicate key {}", e.key())));
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(value);
                }
            }
        }
        Ok(())
    }

    /// A ticked `<name>_choix` (a pick among the matches shown after an
    /// ambiguous answer, e.g. several communes) replaces the text typed in
    /// `<name>`; nothing ticked keeps the text, searched again.
    pub fn finish(mut self) -> std::collections::HashMap<String, String> {
        for (key, values) in self.repetees {
            self.simples.insert(key, serde_json::to_string(&values).unwrap_or_default());
        }
        let choix: Vec<(String, String)> = self
            .simples
            .iter()
            .filter(|(k, v)| !v.is_empty() && k.ends_with(CHOIX_SUFFIX))
            .map(|(k, v)| (k.trim_end_matches(CHOIX_SUFFIX).to_owned(), v.clone()))
            .collect();
        for (key, value) in choix {
            self.simples.insert(key, value);
        }
        self.simples
    }
}

impl<S: Send + Sync> FromRequest<S> for SaisieDossier {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let form_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return Err(AppError::BadRequest("expected a urlencoded form".into()));
        }
        let body =
            axum::body::Bytes::from_request(req, state).await.map_err(|e| AppError::BadRequest(e.body_text()))?;
        let mut champs = FieldCollector::default();
        for (key, value) in url::form_urlencoded::parse(&body) {
            champs.push(key.into_owned(), value.into_owned())?;
        }
        Ok(SaisieDossier(champs.finish()))
    }
}

/// Numeric path parameters (`/dossiers/{id}`, `/admin/demarches/{id}/champs/{stable_id}`).
/// Anything else is "not found", like an id that does not exist.
pub struct Ids(pub Vec<i64>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Ids {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(pairs) = axum::extract::Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        pairs
            .iter()
            .map(|(_, v)| v.parse::<i64>().map_err(|_| AppError::NotFound))
            .collect::<Result<Vec<_>, _>>()
            .map(Ids)
    }
}

impl Ids {
    pub fn first(&self) -> Result<i64, AppError> {
        self.0.first().copied().ok_or(AppError::NotFound)
    }

    pub fn second(&self) -> Result<i64, AppError> {
        self.0.get(1).copied().ok_or(AppError::NotFound)
    }

    pub fn third(&self) -> Result<i64, AppError> {
        self.0.get(2).copied().ok_or(AppError::NotFound)
    }
}
