//! A file champ's own editor page: the format families it accepts, several
//! files or one, and the model file usagers can download. The form is
//! `multipart/form-data` (it carries the model), so its CSRF token travels
//! in the action's query string.

use crate::domain::champ::fichier::{self, FAMILLES};
use crate::domain::{DemarcheId, Erreurs, StableId, TypeChamp, TypeDeChamp};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::Ids;
use crate::http::pieces_jointes::multipart_error;
use crate::state::AppState;
use crate::store::demarches::DemarcheRow;
use crate::workflow::demarche::Liste;
use crate::workflow::pieces_jointes::{self as wf, ChangementModele, ReglageFichier, Televersement};
use axum::Router;
use axum::extract::{MatchedPath, Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;

/// A checkbox or a family slug: short.
const TEXT_FIELD_MAX_BYTES: usize = 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/champs/{stable_id}/fichier", get(page).post(enregistrer))
        .route("/admin/demarches/{id}/annotations/{stable_id}/fichier", get(page).post(enregistrer))
}

fn render(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    tdc: &TypeDeChamp,
    choix: (&[String], bool),
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let (familles, plusieurs) = choix;
    let liste = if tdc.prive { "annotations" } else { "champs" };
    let base = format!("/admin/demarches/{}/{liste}/{}", d.id, tdc.stable_id);
    let data = json!({
        "titre": if tdc.type_champ == TypeChamp::Explication {
            format!("Notice — {}", tdc.libelle)
        } else {
            format!("Fichiers — {}", tdc.libelle)
        },
        "demarche": super::demarche_json(state, d),
        "champ": { "libelle": tdc.libelle, "lien": base },
        "liste": { "lien": format!("/admin/demarches/{}/{liste}", d.id), "annotations": tdc.prive },
        "piece": tdc.type_champ == TypeChamp::PieceJustificative,
        "explication": tdc.type_champ == TypeChamp::Explication,
        "action": format!("{base}/fichier?{}={}", crate::http::CSRF_FIELD, ctx.csrf),
        "familles": FAMILLES.iter().map(|f| json!({
            "slug": f.slug,
            "libelle": f.libelle,
            "checked": familles.iter().any(|x| x == f.slug),
        })).collect::<Vec<_>>(),
        "plusieurs": plusieurs,
        "max_fichiers": fichier::FICHIERS_PAR_CHAMP_MAX,
        "modele": tdc.options.modele.as_ref().map(|m| json!({ "nom": m.nom, "taille": fichier::taille_lisible(m.taille) })),
        "modele_max": fichier::taille_lisible(wf::MODELE_MAX_BYTES),
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/champ_fichier", data, erreurs)
}

/// The list the route names: the form's champs or the annotations privées.
fn liste(path: &MatchedPath) -> Liste {
    if path.as_str().contains("/annotations/") { Liste::Annotations } else { Liste::Formulaire }
}

async fn page(State(state): State<AppState>, ctx: Ctx, path: MatchedPath, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let (d, tdc) =
        wf::champ_a_regler(&state, &admin, DemarcheId(ids.first()?), liste(&path), StableId(ids.second()?)).await?;
    render(&state, &ctx, &d, &tdc, (tdc.options.familles.as_slice(), tdc.options.plusieurs), &Erreurs::new())
}

async fn enregistrer(
    State(state): State<AppState>,
    ctx: Ctx,
    path: MatchedPath,
    ids: Ids,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    // Scope first: nobody else's model is read.
    let liste = liste(&path);
    let (d, tdc) = wf::champ_a_regler(&state, &admin, id, liste, StableId(ids.second()?)).await?;
    let mut familles = Vec::new();
    let mut plusieurs = false;
    let mut supprimer = false;
    let mut modele = ChangementModele::Garder;
    let mut erreurs = Erreurs::new();
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(nom) if name == "modele" && !nom.is_empty() => {
                let mut televersement = Televersement::pour_modele(&state, id, &tdc, &nom).await?;
                let mut refus = None;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if refus.is_none()
                        && let Err(message) = televersement.ecrire(&chunk).await?
                    {
                        refus = Some(message);
                    }
                }
                let recu = match refus {
                    Some(message) => Err(message),
                    None => televersement.terminer().await?,
                };
                match recu {
                    Ok(recu) => modele = ChangementModele::Remplacer(recu),
                    Err(message) => erreurs.add("modele", message),
                }
            }
            Some(_) => while field.chunk().await.map_err(multipart_error)?.is_some() {},
            None => {
                let mut data = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if data.len() + chunk.len() <= TEXT_FIELD_MAX_BYTES {
                        data.extend_from_slice(&chunk);
                    }
                }
                let value = String::from_utf8_lossy(&data).into_owned();
                match name.as_str() {
                    "familles" => familles.push(value),
                    "plusieurs" => plusieurs = !value.is_empty(),
                    "supprimer_modele" => supprimer = !value.is_empty(),
                    _ => {}
                }
            }
        }
    }
    if supprimer && matches!(modele, ChangementModele::Garder) {
        modele = ChangementModele::Supprimer;
    }
    if !erreurs.is_empty() {
        if let ChangementModele::Remplacer(recu) = modele {
            wf::oublier(&state, recu).await;
        }
        return render(&state, &ctx, &d, &tdc, (familles.as_slice(), plusieurs), &erreurs);
    }
    let reglage = ReglageFichier { familles: familles.clone(), plusieurs, modele };
    match wf::regler_champ(&state, &admin, id, liste, tdc.stable_id, reglage).await? {
        Ok(()) => {
            let liste = if tdc.prive { "annotations" } else { "champs" };
            let lien = format!("/admin/demarches/{id}/{liste}/{}/fichier?notice=champ-modifie", tdc.stable_id);
            Ok(Redirect::to(&lien).into_response())
        }
        Err(erreurs) => render(&state, &ctx, &d, &tdc, (familles.as_slice(), plusieurs), &erreurs),
    }
}
