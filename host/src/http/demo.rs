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
            list.push(json!({ "name": name, "to": h("To"), "subject": h("Subject"), "date": date(&h("Date")) }));
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
            "titre": h("Subject"), "to": h("To"), "subject": h("Subject"), "date": date(&h("Date")),
            "segments": segments(&text),
        }),
    )
}

/// The Date header (RFC 2822, English) as the rest of the site writes dates.
fn date(header: &str) -> String {
    mailparse::dateparse(header)
        .ok()
        .and_then(|ts| chrono::DateTime::from_timestamp(ts, 0))
        .map_or_else(|| header.to_owned(), crate::http::vues::date_heure)
}

/// A mail's text cut into plain text and web addresses, so that the demo's
/// reader can click the links a real mail client would (confirmation…).
fn segments(text: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min() {
        let end = rest[start..].find(char::is_whitespace).map_or(rest.len(), |e| start + e);
        // A sentence's final punctuation is not part of the address.
        let end = start + rest[start..end].trim_end_matches(['.', ',', ';', ')', '»']).len();
        if start > 0 {
            out.push(json!({ "texte": &rest[..start], "lien": null }));
        }
        out.push(json!({ "texte": &rest[start..end], "lien": &rest[start..end] }));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(json!({ "texte": rest, "lien": null }));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_a_mail_become_segments_and_dates_are_french() {
        let s = segments("Cliquez : http://x.test/confirmation?jeton=a1.\nMerci");
        assert_eq!(s.len(), 3);
        assert_eq!(s[1]["lien"], "http://x.test/confirmation?jeton=a1");
        assert_eq!(s[2]["texte"], ".\nMerci");
        assert_eq!(date("Tue, 1 Dec 2026 10:05:00 +0000"), "01/12/2026 à 11 h 05");
    }
}
