//! Demo mode only: read the e-mails the server "sent" to its local outbox.

use crate::error::AppError;
use crate::http::Ctx;
use crate::mail::list_outbox;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new().route("/demo/courriels", get(courriels)).route("/demo/courriels/{name}", get(courriel))
}

async fn courriels(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if !state.config.demo {
        return Err(AppError::NotFound);
    }
    let dir = state.config.outbox_dir();
    let mut list = Vec::new();
    for name in list_outbox(&dir).into_iter().take(200) {
        if let Ok(raw) = tokio::fs::read(dir.join(&name)).await
            && let Ok(parsed) = mailparse::parse_mail(&raw)
        {
            let h = |k: &str| header(&parsed, k);
            list.push(json!({ "name": name, "to": h("To"), "subject": h("Subject"), "date": h("Date") }));
        }
    }
    ctx.page(&state, "demo/courriels", json!({ "titre": "Courriels envoyés (démonstration)", "courriels": list }))
}

async fn courriel(State(state): State<AppState>, ctx: Ctx, Path(name): Path<String>) -> Result<Response, AppError> {
    // Names come from our own listing; refuse anything that could leave the folder.
    let valid = name.ends_with(".eml")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.T".contains(&b))
        && !name.contains("..");
    if !state.config.demo || !valid {
        return Err(AppError::NotFound);
    }
    let raw = tokio::fs::read(state.config.outbox_dir().join(&name)).await.map_err(|_| AppError::NotFound)?;
    let parsed = mailparse::parse_mail(&raw).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let h = |k: &str| header(&parsed, k);
    let text = text_part(&parsed).unwrap_or_default();
    ctx.page(
        &state,
        "demo/courriel",
        json!({
            "titre": h("Subject"), "to": h("To"), "subject": h("Subject"), "date": h("Date"), "texte": text,
        }),
    )
}

fn text_part(mail: &mailparse::ParsedMail<'_>) -> Option<String> {
    if mail.ctype.mimetype == "text/plain" {
        return mail.get_body().ok();
    }
    mail.subparts.iter().find_map(text_part)
}

/// A decoded header of a stored e-mail ("" when absent).
fn header(parsed: &mailparse::ParsedMail<'_>, key: &str) -> String {
    use mailparse::MailHeaderMap;
    parsed.get_headers().get_first_value(key).unwrap_or_default()
}
