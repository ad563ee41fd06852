//! The attestation template page: texts and images of the attestation
//! usagers receive when their dossier is accepté, with a PDF preview.
//!
//! The form is `multipart/form-data` (it carries images), so its CSRF
//! token travels in the action's query string (see `csrf`).

use super::{demarche_json, find};
use crate::domain::attestation::{AttestationTemplateInput, BALISES, IMAGE_MAX_BYTES};
use crate::domain::{DemarcheId, Erreurs};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::Ids;
use crate::state::AppState;
use crate::store::demarches::DemarcheRow;
use crate::workflow::attestation_templates::{self as wf, ChangementImage, Saisie};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use bytes::{Bytes, BytesMut};
use serde_json::json;

/// The whole form: two images at their limit plus texts and multipart
/// framing fit; an image a few times too large still gets a French error
/// next to its field with the texts kept. Beyond, the body is refused
/// before it is read, which bounds what a client can make us buffer.
pub const UPLOAD_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Text fields of this form; the longest (corps) is 10,000 characters.
const TEXT_FIELD_MAX_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/attestation", get(page).post(enregistrer))
        .route("/admin/demarches/{id}/attestation/apercu", get(apercu))
        .route(
            "/admin/demarches/{id}/attestation/logo",
            get(|s: State<AppState>, c: Ctx, i: Ids| image(s, c, i, "logo")),
        )
        .route(
            "/admin/demarches/{id}/attestation/signature",
            get(|s: State<AppState>, c: Ctx, i: Ids| image(s, c, i, "signature")),
        )
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
}

struct Images {
    logo: bool,
    signature: bool,
    /// The « retirer » boxes as submitted, when the form comes back.
    supprimer_logo: bool,
    supprimer_signature: bool,
}

fn render(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    textes: &AttestationTemplateInput,
    images: Images,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let base = format!("/admin/demarches/{}/attestation", d.id);
    let data = json!({
        "titre": format!("Attestation — {}", d.libelle),
        "demarche": demarche_json(state, d),
        "action": format!("{base}?{}={}", crate::http::CSRF_FIELD, ctx.csrf),
        "base": base,
        "form": textes,
        "logo": images.logo,
        "signature": images.signature,
        "supprimer_logo": images.supprimer_logo,
        "supprimer_signature": images.supprimer_signature,
        "balises": BALISES.iter().map(|b| format!("--{b}--")).collect::<Vec<_>>(),
        "image_max_mo": IMAGE_MAX_BYTES / (1024 * 1024),
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/attestation", data, erreurs)
}

async fn page(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let row = wf::courant(&state, &d).await?;
    let textes = AttestationTemplateInput { titre: row.titre, corps: row.corps, pied_de_page: row.pied_de_page };
    let images = Images {
        logo: row.logo_key.is_some(),
        signature: row.signature_key.is_some(),
        supprimer_logo: false,
        supprimer_signature: false,
    };
    render(&state, &ctx, &d, &textes, images, &Erreurs::new())
}

/// A multipart field: its first `max` bytes, and whether it was longer
/// (the rest is skipped, not buffered).
async fn lire(field: &mut axum::extract::multipart::Field<'_>, max: usize) -> Result<(Bytes, bool), AppError> {
    let mut data = BytesMut::new();
    let mut trop = false;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        let room = max - data.len();
        if chunk.len() > room {
            trop = true;
        }
        data.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok((data.freeze(), trop))
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> AppError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!(
            "L'envoi dépasse {} Mo. Chaque image doit faire au plus {} Mo : revenez à la page précédente et choisissez des images plus légères.",
            UPLOAD_BODY_LIMIT / (1024 * 1024),
            IMAGE_MAX_BYTES / (1024 * 1024)
        ))
    } else {
        AppError::BadRequest(error.body_text())
    }
}

async fn enregistrer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    // Scope first: nobody else's upload is read, let alone decoded.
    let d = find(&state, &ctx, id).await?;
    let mut textes = AttestationTemplateInput::default();
    let (mut logo, mut signature) = (ChangementImage::Garder, ChangementImage::Garder);
    let (mut supprimer_logo, mut supprimer_signature) = (false, false);
    let mut trop_grandes = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        match name.as_str() {
            "logo" | "signature" if is_file => {
                let change = match lire(&mut field, IMAGE_MAX_BYTES).await? {
                    (_, true) => {
                        trop_grandes.push(name.clone());
                        ChangementImage::Garder
                    }
                    // An empty file input: nothing chosen.
                    (data, false) if data.is_empty() => ChangementImage::Garder,
                    (data, false) => ChangementImage::Remplacer(data),
                };
                if name == "logo" { logo = change } else { signature = change }
            }
            "titre" | "corps" | "pied_de_page" | "supprimer_logo" | "supprimer_signature" => {
                // Past the bound, what was typed is kept cut, and its length
                // error shown: nothing typed vanishes silently.
                let (data, _) = lire(&mut field, TEXT_FIELD_MAX_BYTES).await?;
                let text = String::from_utf8_lossy(&data).into_owned();
                match name.as_str() {
                    "titre" => textes.titre = text,
                    "corps" => textes.corps = text,
                    "pied_de_page" => textes.pied_de_page = text,
                    "supprimer_logo" => supprimer_logo = !text.is_empty(),
                    _ => supprimer_signature = !text.is_empty(),
                }
            }
            // The token was checked from the query; anything else is ignored.
            _ => {}
        }
    }
    if supprimer_logo && logo == ChangementImage::Garder {
        logo = ChangementImage::Supprimer;
    }
    if supprimer_signature && signature == ChangementImage::Garder {
        signature = ChangementImage::Supprimer;
    }
    let result = if trop_grandes.is_empty() {
        wf::enregistrer(&state, &admin, id, Saisie { textes: textes.clone(), logo, signature }).await?
    } else {
        // Every problem at once: the texts are checked too.
        let mut e = match textes.clone().valider() {
            Ok(_) => Erreurs::new(),
            Err((_, e)) => e,
        };
        for name in &trop_grandes {
            e.add(name, format!("L'image ne doit pas dépasser {} Mo.", IMAGE_MAX_BYTES / (1024 * 1024)));
        }
        Err((textes, e))
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/demarches/{id}/attestation?notice=attestation-enregistree"))
                .into_response())
        }
        Err((textes, erreurs)) => {
            let row = wf::courant(&state, &d).await?;
            let images = Images {
                logo: row.logo_key.is_some(),
                signature: row.signature_key.is_some(),
                supprimer_logo,
                supprimer_signature,
            };
            render(&state, &ctx, &d, &textes, images, &erreurs)
        }
    }
}

async fn apercu(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let document = wf::apercu(&state, &admin, DemarcheId(ids.first()?)).await?;
    Ok(crate::http::vues::pdf(format!("apercu-{}", document.filename), document.data))
}

async fn image(state: State<AppState>, ctx: Ctx, ids: Ids, quoi: &'static str) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let (media_type, data) = wf::image(&state, &admin, DemarcheId(ids.first()?), quoi).await?;
    Ok(([(header::CONTENT_TYPE, media_type), (header::CACHE_CONTROL, "private, no-store".to_owned())], data)
        .into_response())
}
