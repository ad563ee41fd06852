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
