//! A published démarche's life: « Clore » (a reason, and another démarche
//! to suggest), « Dépublier », « Supprimer », each behind a page that says
//! what it does before the POST that does it.

use super::{demarche_json, find};
use crate::domain::{DemarcheId, Erreurs};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::state::AppState;
use crate::store::demarches::{self, DemarcheRow};
use crate::workflow::demarche::etats::{self as wf, Suppression};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/clore", get(cloture).post(clore))
        .route("/admin/demarches/{id}/depublier", get(depublication).post(depublier))
        .route("/admin/demarches/{id}/supprimer", get(suppression).post(supprimer))
}

#[derive(Deserialize, Default)]
struct Cloture {
    #[serde(default)]
    motif: String,
    /// A démarche id, or empty for none.
    #[serde(default)]
    redirection: String,
}

async fn page_cloture(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    saisie: &Cloture,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let mut tx = state.store.read().await?;
    let autres = demarches::list_for_administrateur(tx.conn(), admin.administrateur_id).await?;
    tx.commit().await?;
    let cibles: Vec<_> = autres
        .iter()
        .filter(|a| a.id != d.id && a.etat() == crate::domain::demarche::EtatDemarche::Publiee)
        .map(|a| json!({ "id": a.id, "libelle": a.libelle, "selected": saisie.redirection == a.id.to_string() }))
        .collect();
    let data = json!({
        "titre": format!("Clore — {}", d.libelle),
        "demarche": demarche_json(state, d),
        "motif": saisie.motif,
        "cibles": cibles,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/clore", data, erreurs)
}

async fn cloture(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    if !d.etat().peut_etre_close() {
        return Ok(Redirect::to(&format!("/admin/demarches/{}", d.id)).into_response());
    }
    page_cloture(&state, &ctx, &d, &Cloture::default(), &Erreurs::new()).await
}

async fn clore(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Cloture>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    // An id that does not parse is as unknown as another's démarche.
    let redirection = match f.redirection.trim() {
        "" => None,
        s => Some(DemarcheId(s.parse().unwrap_or(-1))),
    };
    match wf::clore(&state, &admin, id, &f.motif, redirection).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}?notice=demarche-close")).into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            page_cloture(&state, &ctx, &d, &f, &erreurs).await
        }
    }
}

async fn depublication(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let data = json!({
        "titre": format!("Dépublier — {}", d.libelle),
        "titre_page": "Dépublier la démarche",
        "demarche": demarche_json(&state, &d),
        "action": format!("/admin/demarches/{}/depublier", d.id),
        "explications": [
            "Son adresse indiquera aux usagers que la démarche n'est plus en ligne ; ils ne pourront plus commencer de dossier.",
            "Les dossiers déposés restent à instruire, et leurs usagers peuvent toujours les consulter.",
            "Vous pourrez la publier à nouveau à tout moment.",
        ],
        "bouton": "Dépublier",
    });
    ctx.page(&state, "administrateur/confirmation", data)
}

async fn depublier(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    wf::depublier(&state, &admin, id).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}?notice=demarche-depubliee")).into_response())
}

async fn suppression(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let mut tx = state.store.read().await?;
    let deposes = demarches::etats::nombre_deposes(tx.conn(), d.id()).await?;
    tx.commit().await?;
    let explications = if deposes > 0 {
        vec![
            format!(
                "{} : ils sont conservés jusqu'à la fin de leur durée de conservation ({} mois), et leurs usagers peuvent toujours les consulter.",
                crate::templates::pluriel(deposes, "dossier a été déposé", "dossiers ont été déposés"),
                d.duree_conservation_mois
            ),
            "La démarche disparaîtra de vos démarches et son adresse ne répondra plus.".to_owned(),
        ]
    } else {
        vec![
            "Aucun dossier n'a été déposé : la démarche, ses brouillons et ses dossiers de test sont effacés définitivement."
                .to_owned(),
            "Son adresse ne pourra pas être reprise par une autre démarche.".to_owned(),
        ]
    };
    let data = json!({
        "titre": format!("Supprimer — {}", d.libelle),
        "titre_page": "Supprimer la démarche",
        "demarche": demarche_json(&state, &d),
        "action": format!("/admin/demarches/{}/supprimer", d.id),
        "explications": explications,
        "bouton": "Supprimer définitivement",
        "danger": true,
    });
    ctx.page(&state, "administrateur/confirmation", data)
}

async fn supprimer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let notice = match wf::supprimer(&state, &admin, id).await? {
        Suppression::Effacee => "demarche-supprimee",
        Suppression::Masquee => "demarche-masquee",
    };
    Ok(Redirect::to(&format!("/admin?notice={notice}")).into_response())
}
