//! The démarche's own files page: its logo, its notice, the text of its
//! cadre juridique, each sent, replaced or removed on its own. The upload
//! forms are `multipart/form-data`, so their CSRF token travels in the
//! action's query string; the files stream to the storage layer.

use super::{demarche_json, find};
use crate::domain::champ::fichier::taille_lisible;
use crate::domain::demarche::fichier::UsageFichier;
use crate::domain::{DemarcheId, Erreurs};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::Ids;
use crate::http::pieces_jointes::multipart_error;
use crate::state::AppState;
use crate::store::demarches::{DemarcheRow, fichiers};
use crate::workflow::demarche::fichiers as wf;
use crate::workflow::pieces_jointes::Televersement;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::json;

/// The page and the removals: plain forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/fichiers", get(page))
        .route("/admin/demarches/{id}/fichiers/{usage}/retirer", post(retirer))
}

/// The uploads, under the streamed-upload body limit (`http::router`).
pub fn routes_televersement() -> Router<AppState> {
    Router::new().route("/admin/demarches/{id}/fichiers/{usage}", post(deposer))
}

fn usage(s: &str) -> Result<UsageFichier, AppError> {
    UsageFichier::parse(s).ok_or(AppError::NotFound)
}

async fn render(state: &AppState, ctx: &Ctx, d: &DemarcheRow, erreurs: &Erreurs) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let presents = fichiers::list(tx.conn(), d.id()).await?;
    tx.commit().await?;
    let base = format!("/admin/demarches/{}/fichiers", d.id);
    let usages: Vec<_> = UsageFichier::TOUS
        .into_iter()
        .map(|u| {
            let present = presents.iter().find(|f| f.usage == u.as_str());
            json!({
                "usage": u.as_str(),
                "libelle": u.libelle(),
                "aide": match u {
                    UsageFichier::Logo => "Affiché au-dessus du titre de la démarche. Image PNG, JPEG ou WebP.",
                    UsageFichier::Notice => "Un document qui guide l'usager : PDF, traitement de texte ou présentation.",
                    UsageFichier::CadreJuridique => "Le texte qui autorise la démarche (loi, décret, délibération) : PDF ou traitement de texte.",
                },
                "max": taille_lisible(u.taille_max()),
                "action": format!("{base}/{}?{}={}", u.as_str(), crate::http::CSRF_FIELD, ctx.csrf),
                "retirer": format!("{base}/{}/retirer", u.as_str()),
                "lien": format!("/demarches/{}/fichiers/{}", d.id, u.as_str()),
                "logo": u == UsageFichier::Logo,
                "present": present.map(|f| json!({ "nom": f.nom, "taille": taille_lisible(u64::try_from(f.taille).unwrap_or(0)) })),
                "erreur": erreurs.get(u.as_str()),
            })
        })
        .collect();
    let data = json!({
        "titre": format!("Logo, notice et cadre juridique — {}", d.libelle),
        "demarche": demarche_json(state, d),
        "usages": usages,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/fichiers", data, erreurs)
}

async fn page(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    render(&state, &ctx, &d, &Erreurs::new()).await
}

async fn deposer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, u)): Path<(i64, String)>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let u = usage(&u)?;
    // Scope first: nothing is written for another's démarche.
    let d = find(&state, &ctx, DemarcheId(id)).await?;
    let mut erreurs = Erreurs::new();
    let mut recu = None;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        match field.file_name().map(str::to_owned) {
            Some(nom) if field.name() == Some("fichier") && !nom.is_empty() && recu.is_none() => {
                let mut televersement = Televersement::pour_demarche(&state, d.id(), u, &nom).await?;
                let mut refus = None;
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if refus.is_none()
                        && let Err(message) = televersement.ecrire(&chunk).await?
                    {
                        refus = Some(message);
                    }
                }
                match refus {
                    Some(message) => erreurs.add(u.as_str(), message),
                    None => match televersement.terminer().await? {
                        Ok(r) => recu = Some(r),
                        Err(message) => erreurs.add(u.as_str(), message),
                    },
                }
            }
            _ => while field.chunk().await.map_err(multipart_error)?.is_some() {},
        }
    }
    let Some(recu) = recu else {
        if erreurs.is_empty() {
            erreurs.add(u.as_str(), "Choisissez un fichier à envoyer.");
        }
        return render(&state, &ctx, &d, &erreurs).await;
    };
    match wf::deposer(&state, &admin, d.id(), u, recu).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/demarches/{id}/fichiers?notice=fichier-enregistre")).into_response())
        }
        Err(message) => {
            erreurs.add(u.as_str(), message);
            render(&state, &ctx, &d, &erreurs).await
        }
    }
}

async fn retirer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, u)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    wf::retirer(&state, &admin, DemarcheId(id), usage(&u)?).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}/fichiers?notice=fichier-supprime")).into_response())
}
