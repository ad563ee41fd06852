//! Files of dossiers: the upload (with JavaScript, one file as soon as it
//! is chosen; without, inside the dossier form, which is then
//! `multipart/form-data` with its CSRF token in the action's query string),
//! the removal, and the downloads through the caller's scope.
//!
//! Files are streamed chunk by chunk to the storage (`Televersement`): a
//! request never holds more than a chunk and an object-store part or two.

use crate::domain::champ::{fichier, repetition};
use crate::domain::{DossierId, Erreurs, EtatDossier, StableId, TypeChamp, TypeDeChamp};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{FieldCollector, Formulaire, Ids, SaisieDossier};
use crate::state::AppState;
use crate::storage::StorageError;
use crate::store::pieces_jointes::PieceRow;
use crate::workflow::dossier::Saisie;
use crate::workflow::pieces_jointes::{self as wf, Lecteur, PiecesParChamp, Place, Televersement};
use axum::Router;
use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What one request may send to the routes taking files: a file at its
/// limit twice over, so that a file somewhat too large still gets a French
/// error next to its field (it is read, never kept); beyond, the body is
/// refused. Bounds the bytes one request makes us read, not hold.
pub const UPLOAD_BODY_LIMIT: usize = 2 * fichier::PIECE_MAX_BYTES as usize + 1024 * 1024;
/// One text field of the multipart dossier form (the longest answer is a
/// 20,000-character zone de texte, up to 80 kB in UTF-8).
const TEXT_FIELD_MAX_BYTES: usize = 256 * 1024;
/// All text fields of one multipart form together: the bound urlencoded
/// forms have (`csrf::FORM_LIMIT_BYTES`).
const TEXT_TOTAL_MAX_BYTES: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dossiers/{id}/champs/{stable_id}/fichiers", post(televerser))
        .route("/dossiers/{id}/champs/{stable_id}/lignes/{ligne}/fichiers", post(televerser_en_ligne))
        .route("/dossiers/{id}/champs/{stable_id}/modele", get(modele))
        .route("/dossiers/{id}/pieces/{piece}", get(telecharger_usager))
        .route("/dossiers/{id}/pieces/{piece}/supprimer", post(supprimer))
        .route("/instructeur/dossiers/{id}/pieces/{piece}", get(telecharger_instructeur))
}

pub fn multipart_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!(
            "L'envoi dépasse la taille acceptée. Chaque fichier doit faire au plus {} : revenez à la page précédente et choisissez un fichier plus léger.",
            fichier::taille_lisible(fichier::PIECE_MAX_BYTES)
        ))
    } else {
        AppError::BadRequest(error.body_text())
    }
}

/// Streams one file field into the storage and records it on its champ.
/// `Ok(Err(message))`: refused, for the usager; the rest of the field is
/// read and dropped.
async fn recevoir(
    state: &AppState,
    ctx: &Ctx,
    id: DossierId,
    place: &Place,
    field: &mut Field<'_>,
) -> Result<Result<i64, String>, AppError> {
    let usager = ctx.usager()?;
    let nom = field.file_name().unwrap_or_default().to_owned();
    let mut televersement = Televersement::commencer(state, id, place, &nom).await?;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if let Err(message) = televersement.ecrire(&chunk).await? {
            while field.chunk().await.map_err(multipart_error)?.is_some() {}
            return Ok(Err(message));
        }
    }
    match televersement.terminer().await? {
        Ok(recu) => wf::attacher(state, &usager, id, recu).await,
        Err(message) => Ok(Err(message)),
    }
}

async fn ignorer(field: &mut Field<'_>) -> Result<(), AppError> {
    while field.chunk().await.map_err(multipart_error)?.is_some() {}
    Ok(())
}

/// The dossier form as posted: urlencoded (no file chosen, or JavaScript
/// sent them already) or multipart. Files are recorded as they come;
/// their refusals are returned, addressed to their fields.
pub async fn lire_formulaire(
    state: &AppState,
    ctx: &Ctx,
    id: DossierId,
    req: Request,
) -> Result<(Saisie, Erreurs), AppError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let SaisieDossier(saisie) = SaisieDossier::from_request(req, state).await?;
        return Ok((saisie, Erreurs::new()));
    }
    let mut form = Multipart::from_request(req, state).await.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let mut saisie = FieldCollector::default();
    let mut erreurs = Erreurs::new();
    let mut texte = 0;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            // An empty file input: nothing chosen.
            Some(nom) if nom.is_empty() => ignorer(&mut field).await?,
            Some(_) => {
                // `champ_12`, or `l<row>-champ_12` in a block's row.
                let Some((stable_id, ligne)) = repetition::lire_nom(&name) else {
                    ignorer(&mut field).await?;
                    continue;
                };
                let usager = ctx.usager()?;
                let (_, place) = wf::champ_fichier(state, &usager, id, stable_id, ligne).await?;
                if let Err(message) = recevoir(state, ctx, id, &place, &mut field).await? {
                    erreurs.add(&name, message);
                }
            }
            None => {
                let mut data = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    texte += chunk.len();
                    if data.len() + chunk.len() > TEXT_FIELD_MAX_BYTES || texte > TEXT_TOTAL_MAX_BYTES {
                        return Err(AppError::TooLarge(
                            "Le formulaire envoyé dépasse la taille acceptée. Revenez à la page précédente et raccourcissez vos réponses.".into(),
                        ));
                    }
                    data.extend_from_slice(&chunk);
                }
                saisie.push(name, String::from_utf8_lossy(&data).into_owned())?;
            }
        }
    }
    Ok((saisie.finish(), erreurs))
}

/// With JavaScript: one file, sent as soon as it is chosen (with a
/// progress bar); answers JSON for the page to list it.
async fn televerser(State(state): State<AppState>, ctx: Ctx, ids: Ids, form: Multipart) -> Result<Response, AppError> {
    let (id, stable_id) = (DossierId(ids.first()?), StableId(ids.second()?));
    recevoir_un(&state, &ctx, id, stable_id, None, form).await
}

/// The same, for a file champ in a row of a block.
async fn televerser_en_ligne(
    State(state): State<AppState>,
    ctx: Ctx,
    path: Result<Path<(String, String, String)>, axum::extract::rejection::PathRejection>,
    form: Multipart,
) -> Result<Response, AppError> {
    // A malformed segment is a page that does not exist.
    let Ok(Path((id, stable_id, ligne))) = path else {
        return Err(AppError::NotFound);
    };
    let (Ok(id), Ok(stable_id)) = (id.parse(), stable_id.parse()) else {
        return Err(AppError::NotFound);
    };
    recevoir_un(&state, &ctx, DossierId(id), StableId(stable_id), Some(&ligne), form).await
}

async fn recevoir_un(
    state: &AppState,
    ctx: &Ctx,
    id: DossierId,
    stable_id: StableId,
    ligne: Option<&str>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    // Scope first: nobody else's upload is read.
    let (_, place) = wf::champ_fichier(state, &usager, id, stable_id, ligne).await?;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        if field.file_name().is_none_or(str::is_empty) {
            ignorer(&mut field).await?;
            continue;
        }
        return Ok(match recevoir(state, ctx, id, &place, &mut field).await? {
            Ok(piece) => {
                let pieces = wf::du_dossier(state, &Lecteur::Usager(&usager), id).await?;
                let row = pieces.get(&(stable_id, place.ligne.clone())).and_then(|l| l.iter().find(|p| p.id == piece));
                let fichier = row.map(|p| piece_json(p, id, "/dossiers"));
                axum::Json(json!({ "fichier": fichier })).into_response()
            }
            Err(erreur) => (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(json!({ "erreur": erreur }))).into_response(),
        });
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(json!({ "erreur": "Aucun fichier n'a été reçu." })))
        .into_response())
}

/// The « Supprimer » button next to a file (a form of its own, works
/// without JavaScript); back to the form, at the champ.
async fn supprimer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(_): Formulaire<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let (input, etat) = wf::retirer(&state, &usager, id, ids.second()?).await?;
    let page = if etat == EtatDossier::Brouillon { "brouillon" } else { "modifier" };
    Ok(Redirect::to(&format!("/dossiers/{id}/{page}?notice=fichier-supprime#{input}")).into_response())
}

/// A compte without the role of the route is out of scope: not found, as
/// for a file that does not exist (a visitor is still asked to sign in).
fn hors_portee(error: AppError) -> AppError {
    match error {
        AppError::Forbidden => AppError::NotFound,
        other => other,
    }
}

async fn telecharger_usager(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager().map_err(hors_portee)?;
    let (row, size, stream) =
        wf::ouvrir(&state, &Lecteur::Usager(&usager), DossierId(ids.first()?), ids.second()?).await?;
    Ok(telechargement(&row.nom, &row.mime, size, stream))
}

async fn telecharger_instructeur(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let instructeur = ctx.instructeur().map_err(hors_portee)?;
    let (row, size, stream) =
        wf::ouvrir(&state, &Lecteur::Instructeur(&instructeur), DossierId(ids.first()?), ids.second()?).await?;
    Ok(telechargement(&row.nom, &row.mime, size, stream))
}

async fn modele(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager().map_err(hors_portee)?;
    let (nom, size, stream) =
        wf::modele(&state, &Lecteur::Usager(&usager), DossierId(ids.first()?), StableId(ids.second()?)).await?;
    let mime = mime_du_nom(&nom);
    Ok(telechargement(&nom, mime, size, stream))
}

/// A model file's type, from its name (it was checked at upload).
fn mime_du_nom(nom: &str) -> &'static str {
    let ext = nom.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    fichier::FORMATS
        .iter()
        .find(|f| f.extensions.contains(&ext.as_str()))
        .map_or("application/octet-stream", |f| f.mime)
}

/// A file as an attachment, never rendered by the browser: the type we
/// recognised (from the allow-list, never HTML), `nosniff`, a sandbox CSP
/// in case a browser opens it anyway, and the name in RFC 6266 form.
pub(crate) fn telechargement(
    nom: &str,
    mime: &str,
    size: u64,
    stream: BoxStream<'static, Result<Bytes, StorageError>>,
) -> Response {
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(nom)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    response
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`
/// (RFC 6266 and 8187): old clients get a plain ASCII name, others the real one.
pub fn content_disposition(nom: &str) -> String {
    let ascii: String =
        nom.chars().map(|c| if c.is_ascii_alphanumeric() || " -_.()".contains(c) { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in nom.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn piece_json(p: &PieceRow, id: DossierId, base: &str) -> Value {
    let etat = p.etat();
    json!({
        "id": p.id,
        "nom": p.nom,
        "taille": fichier::taille_lisible(u64::try_from(p.taille).unwrap_or(0)),
        "etat": etat.libelle(),
        "refuse": !etat.compte() && etat != crate::store::pieces_jointes::EtatPiece::Purge,
        "en_attente": etat == crate::store::pieces_jointes::EtatPiece::EnAttente,
        "lien": etat.telechargeable().then(|| format!("{base}/{id}/pieces/{}", p.id)),
        "supprimer": format!("/dossiers/{id}/pieces/{}/supprimer", p.id),
    })
}

/// Calls `f` on every champ of a form view and of its blocks' rows, with
/// the row's id for those in a row.
fn chaque_champ(champs: &mut [Value], f: &mut impl FnMut(&mut Value, Option<&str>)) {
    for champ in champs.iter_mut() {
        f(champ, None);
        let Some(lignes) = champ.get_mut("lignes").and_then(Value::as_array_mut) else { continue };
        for ligne in lignes {
            let row = ligne.get("id").and_then(Value::as_str).map(str::to_owned);
            let Some(enfants) = ligne.get_mut("champs").and_then(Value::as_array_mut) else { continue };
            for enfant in enfants {
                f(enfant, row.as_deref());
            }
        }
    }
}

fn stable_id_de(champ: &Value) -> Option<StableId> {
    champ.get("stable_id").and_then(Value::as_i64).map(StableId)
}

/// Adds to the form's champs (`vues::champs_formulaire`) what a file champ
/// shows, in its row for a block's champ: its files, the input's formats
/// and limits, the model to download, the upload URL for JavaScript. Their
/// kind becomes `fichier`. An explication gets its notice.
pub fn enrichir_formulaire(
    champs: &mut [Value],
    types: &[TypeDeChamp],
    pieces: &PiecesParChamp,
    cible: CibleFichiers<'_>,
) {
    let modele_json = |tdc: &TypeDeChamp| {
        let CibleFichiers::Dossier { id, .. } = cible else { return None };
        tdc.options.modele.as_ref().map(|m| {
            json!({
                "nom": m.nom,
                "taille": fichier::taille_lisible(m.taille),
                "lien": format!("/dossiers/{id}/champs/{}/modele", tdc.stable_id),
            })
        })
    };
    chaque_champ(champs, &mut |champ, ligne| {
        let Some(tdc) = stable_id_de(champ).and_then(|s| types.iter().find(|t| t.stable_id == s)) else { return };
        let Some(o) = champ.as_object_mut() else { return };
        if tdc.type_champ == TypeChamp::Explication {
            // An explication's notice: a download under its text.
            if let Some(notice) = modele_json(tdc) {
                o.insert("notice".into(), notice);
            }
            return;
        }
        if !tdc.type_champ.est_fichier() {
            return;
        }
        let liste: Vec<Value> = pieces
            .get(&(tdc.stable_id, ligne.map(str::to_owned)))
            .into_iter()
            .flatten()
            .filter_map(|p| match cible {
                CibleFichiers::Dossier { id, .. } => Some(piece_json(p, id, "/dossiers")),
                CibleFichiers::Apercu => None,
            })
            .collect();
        let plein = liste.len() >= if fichier::plusieurs(tdc) { fichier::FICHIERS_PAR_CHAMP_MAX } else { usize::MAX };
        // The preview sends nothing: no address, so static/fichiers.js
        // leaves the input alone.
        let televersement = match (cible, ligne) {
            (CibleFichiers::Apercu, _) => String::new(),
            (CibleFichiers::Dossier { id, csrf }, Some(row)) => format!(
                "/dossiers/{id}/champs/{}/lignes/{row}/fichiers?{}={csrf}",
                tdc.stable_id,
                crate::http::CSRF_FIELD
            ),
            (CibleFichiers::Dossier { id, csrf }, None) => {
                format!("/dossiers/{id}/champs/{}/fichiers?{}={csrf}", tdc.stable_id, crate::http::CSRF_FIELD)
            }
        };
        let details = json!({
            "pieces": liste,
            "plusieurs": fichier::plusieurs(tdc),
            "plein": plein,
            "accept": fichier::attribut_accept(tdc),
            "formats": fichier::extensions_lisibles(tdc),
            "taille_max": fichier::taille_lisible(fichier::taille_max(&tdc.type_champ)),
            "modele": modele_json(tdc),
            "televersement": televersement,
        });
        o.insert("kind".into(), json!("fichier"));
        o.insert("fichier".into(), details);
    });
}

/// Where a form's file champs send their files and offer their model.
#[derive(Clone, Copy)]
pub enum CibleFichiers<'a> {
    /// A dossier's form: each file goes to the dossier as soon as chosen.
    Dossier { id: DossierId, csrf: &'a str },
    /// The editor's preview: nothing is sent, no model to download.
    Apercu,
}

/// Adds to a dossier's answers as read (`vues::champs_lecture`) the list of
/// each file champ's files, in its row for a block's champ, with links
/// where the reader may download.
pub fn enrichir_lecture(
    sections: &mut [crate::http::vues::SectionLecture],
    types: &[TypeDeChamp],
    pieces: &PiecesParChamp,
    id: DossierId,
    base: &str,
) {
    for section in sections.iter_mut() {
        chaque_champ(&mut section.champs, &mut |champ, ligne| {
            let tdc = stable_id_de(champ).and_then(|s| types.iter().find(|t| t.stable_id == s));
            let liste: Vec<Value> = match tdc.filter(|t| t.type_champ.est_fichier()) {
                Some(tdc) => pieces
                    .get(&(tdc.stable_id, ligne.map(str::to_owned)))
                    .into_iter()
                    .flatten()
                    .map(|p| piece_json(p, id, base))
                    .collect(),
                None => Vec::new(),
            };
            // Every champ has the key: templates run in strict mode.
            if let Some(o) = champ.as_object_mut() {
                o.insert("fichiers".into(), if liste.is_empty() { Value::Null } else { json!(liste) });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_rfc_6266_with_an_ascii_fallback() {
        assert_eq!(
            content_disposition("Relevé d'identité.pdf"),
            "attachment; filename=\"Relev_ d_identit_.pdf\"; filename*=UTF-8''Relev%C3%A9%20d%27identit%C3%A9.pdf"
        );
        let tricky = content_disposition("a\"; filename=evil.html");
        assert!(tricky.starts_with("attachment; filename=\"a__ filename_evil.html\""), "{tricky}");
        assert!(!tricky.contains("\"; filename=evil"));
    }
}
