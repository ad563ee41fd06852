//! The editor of a démarche's annotations privées: the same catalogue and
//! the same workflow as the form (`Liste::Annotations`), on pages of their
//! own. Instructeurs fill them; usagers never see them.

use super::{Sens, arbre_json, blocs_json, demarche_json, find, types_disponibles};
use crate::domain::{DemarcheId, Erreurs, StableId, TypeChamp};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::state::AppState;
use crate::store::demarches::{self, DemarcheRow};
use crate::workflow::demarche::{self as wf, ChampInput, Liste};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/annotations", get(annotations).post(ajouter))
        .route("/admin/demarches/{id}/annotations/{stable_id}", get(annotation).post(modifier))
        .route("/admin/demarches/{id}/annotations/{stable_id}/supprimer", post(supprimer))
        .route("/admin/demarches/{id}/annotations/{stable_id}/deplacer", post(deplacer))
        .route("/admin/demarches/{id}/annotations/{stable_id}/dupliquer", post(dupliquer))
}

/// The catalogue of the form, but the titre d'identité: it is the usager's.
fn types(state: &AppState, actives: &[String], selected: &str) -> Vec<Value> {
    let titre = TypeChamp::TitreIdentite.as_str();
    types_disponibles(state, actives, selected).into_iter().filter(|t| t["value"] != titre.as_str()).collect()
}

fn liste_url(id: DemarcheId) -> String {
    format!("/admin/demarches/{id}/annotations")
}

async fn page_liste(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    nouvelle: &ChampInput,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let annotations = demarches::annotations(tx.conn(), d.draft_revision()?).await?;
    let actives = demarches::plugins_actives(tx.conn(), d.id()).await?;
    let revision = super::revisions::bandeau(tx.conn(), d).await?;
    tx.commit().await?;
    let data = json!({
        "titre": format!("Annotations privées — {}", d.libelle),
        "revision": revision,
        "demarche": demarche_json(state, d),
        "annotations": arbre_json(state, &annotations),
        "blocs": blocs_json(&annotations, nouvelle),
        "types": types(state, &actives, &nouvelle.type_champ),
        "annotation": true,
        "form": nouvelle,
        "obligatoire": nouvelle.obligatoire.is_some(),
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/annotations", data, erreurs)
}

async fn annotations(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    page_liste(&state, &ctx, &d, &ChampInput::default(), &Erreurs::new()).await
}

async fn ajouter(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<ChampInput>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::ajouter_champ(&state, &admin, id, Liste::Annotations, &f).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}?notice=annotation-ajoutee", liste_url(id))).into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            page_liste(&state, &ctx, &d, &f, &erreurs).await
        }
    }
}

async fn page_annotation(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    stable_id: StableId,
    form: ChampInput,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let actives = demarches::plugins_actives(tx.conn(), d.id()).await?;
    tx.commit().await?;
    let data = json!({
        "titre": "Modifier une annotation privée",
        "demarche": demarche_json(state, d),
        "stable_id": stable_id,
        "types": types(state, &actives, &form.type_champ),
        "annotation": true,
        "obligatoire": form.obligatoire.is_some(),
        "fichier": TypeChamp::parse(&form.type_champ).is_some_and(|t| t.est_fichier()),
        "notice": TypeChamp::parse(&form.type_champ).is_some_and(|t| t == TypeChamp::Explication),
        "form": form,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/annotation", data, erreurs)
}

async fn annotation(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let stable_id = StableId(ids.second()?);
    let mut tx = state.store.read().await?;
    let annotations = demarches::annotations(tx.conn(), d.draft_revision()?).await?;
    tx.commit().await?;
    let t = annotations.iter().find(|t| t.stable_id == stable_id).ok_or(AppError::NotFound)?;
    let form = ChampInput::depuis(t);
    page_annotation(&state, &ctx, &d, stable_id, form, &Erreurs::new()).await
}

async fn modifier(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<ChampInput>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let stable_id = StableId(ids.second()?);
    match wf::modifier_champ(&state, &admin, id, Liste::Annotations, stable_id, &f).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}?notice=annotation-modifiee", liste_url(id))).into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            page_annotation(&state, &ctx, &d, stable_id, f, &erreurs).await
        }
    }
}

async fn supprimer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    wf::supprimer_champ(&state, &admin, id, Liste::Annotations, StableId(ids.second()?)).await?;
    Ok(Redirect::to(&format!("{}?notice=annotation-supprimee", liste_url(id))).into_response())
}

async fn dupliquer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let copie = wf::dupliquer_champ(&state, &admin, id, Liste::Annotations, StableId(ids.second()?)).await?;
    Ok(Redirect::to(&format!("{}?notice=annotation-dupliquee#annotation-{copie}", liste_url(id))).into_response())
}

async fn deplacer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Sens>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let stable_id = ids.second()?;
    wf::deplacer_champ(&state, &admin, id, Liste::Annotations, StableId(stable_id), f.deplacement()?).await?;
    Ok(Redirect::to(&format!("{}#annotation-{stable_id}", liste_url(id))).into_response())
}
