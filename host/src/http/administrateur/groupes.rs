//! Groupes instructeurs: the démarche's groupes with their members, one
//! page per groupe to rename it, delete it and manage its instructeurs.

use super::{demarche_json, find};
use crate::domain::{DemarcheId, Erreurs, GroupeInstructeurId, InstructeurId};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::state::AppState;
use crate::store::demarches::DemarcheRow;
use crate::store::groupes::{self, GroupeRow};
use crate::workflow::groupes as wf;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/instructeurs", get(instructeurs).post(affecter))
        .route("/admin/demarches/{id}/instructeurs/{instructeur_id}/retirer", post(retirer))
        .route("/admin/demarches/{id}/groupes", post(creer))
        .route("/admin/demarches/{id}/groupes/{groupe_id}", get(groupe).post(renommer))
        .route("/admin/demarches/{id}/groupes/{groupe_id}/supprimer", post(supprimer))
        .route("/admin/demarches/{id}/groupes/{groupe_id}/instructeurs", post(affecter_au_groupe))
        .route(
            "/admin/demarches/{id}/groupes/{groupe_id}/instructeurs/{instructeur_id}/retirer",
            post(retirer_du_groupe),
        )
}

#[derive(Deserialize, Default)]
struct Affectation {
    #[serde(default)]
    email: String,
    /// The groupe's id; absent or empty means the default groupe.
    #[serde(default)]
    groupe: String,
}

#[derive(Deserialize, Default)]
struct Libelle {
    #[serde(default)]
    libelle: String,
}

/// What the overview page's forms hold when one is shown again.
#[derive(Default)]
struct Saisie<'a> {
    email: &'a str,
    groupe: Option<i64>,
    libelle: &'a str,
}

async fn page_instructeurs(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    saisie: Saisie<'_>,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let rows = groupes::list(tx.conn(), d.id()).await?;
    let mut list = Vec::with_capacity(rows.len());
    for g in &rows {
        let membres = groupes::instructeurs(tx.conn(), g.id()).await?;
        list.push(json!({
            "groupe": g,
            "membres": membres,
            "selected": saisie.groupe == Some(g.id),
        }));
    }
    tx.commit().await?;
    let data = json!({
        "titre": format!("Groupes instructeurs — {}", d.libelle),
        "demarche": demarche_json(state, d),
        "groupes": list,
        "plusieurs_groupes": rows.len() > 1,
        "email": saisie.email,
        "libelle": saisie.libelle,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/instructeurs", data, erreurs)
}

async fn instructeurs(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    page_instructeurs(&state, &ctx, &d, Saisie::default(), &Erreurs::new()).await
}

/// A groupe id typed in a form: anything that is not a number is no groupe
/// at all, which the store answers as not found.
fn groupe_choisi(raw: &str) -> Result<Option<GroupeInstructeurId>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>().map(|g| Some(GroupeInstructeurId(g))).map_err(|_| AppError::NotFound)
}

async fn affecter(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Affectation>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let groupe = groupe_choisi(&f.groupe)?;
    match wf::affecter_instructeur(&state, &admin, id, groupe, &f.email).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/demarches/{id}/instructeurs?notice=instructeur-affecte")).into_response())
        }
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            let saisie = Saisie { email: &f.email, groupe: groupe.map(|g| g.0), ..Saisie::default() };
            page_instructeurs(&state, &ctx, &d, saisie, &erreurs).await
        }
    }
}

async fn retirer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    wf::retirer_instructeur(&state, &admin, id, InstructeurId(ids.second()?)).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}/instructeurs?notice=instructeur-retire")).into_response())
}

async fn creer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Libelle>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::creer_groupe(&state, &admin, id, &f.libelle).await? {
        Ok(g) => Ok(Redirect::to(&format!("/admin/demarches/{id}/groupes/{}?notice=groupe-cree", g.0)).into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            let saisie = Saisie { libelle: &f.libelle, ..Saisie::default() };
            page_instructeurs(&state, &ctx, &d, saisie, &erreurs).await
        }
    }
}

/// The ids of a groupe route, the groupe looked up through the démarche the
/// administrateur administers.
async fn find_groupe(state: &AppState, ctx: &Ctx, ids: &Ids) -> Result<(DemarcheRow, GroupeRow), AppError> {
    let d = find(state, ctx, DemarcheId(ids.first()?)).await?;
    let mut tx = state.store.read().await?;
    let g = groupes::find(tx.conn(), d.id(), GroupeInstructeurId(ids.second()?)).await?;
    tx.commit().await?;
    Ok((d, g))
}

pub(super) fn lien_groupe(d: &DemarcheRow, g: &GroupeRow) -> String {
    format!("/admin/demarches/{}/groupes/{}", d.id, g.id)
}

async fn page_groupe(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    g: &GroupeRow,
    libelle: &str,
    email: &str,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let membres = groupes::instructeurs(tx.conn(), g.id()).await?;
    let routage = match (g.regle_routage(), d.current_revision()) {
        (Some(regle), Some(revision)) => {
            let types = crate::store::demarches::types_de_champ(tx.conn(), revision).await?;
            Some(crate::domain::regle::decrire(&regle, &types))
        }
        _ => None,
    };
    tx.commit().await?;
    let data: Value = json!({
        "titre": format!("Groupe « {} » — {}", g.libelle, d.libelle),
        "demarche": demarche_json(state, d),
        "groupe": g,
        "lien": lien_groupe(d, g),
        "membres": membres,
        "routage": routage,
        "suppression_impossible": crate::domain::groupe::suppression_impossible(g.defaut, g.dossiers),
        "libelle": libelle,
        "email": email,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/groupe", data, erreurs)
}

async fn groupe(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let (d, g) = find_groupe(&state, &ctx, &ids).await?;
    let libelle = g.libelle.clone();
    page_groupe(&state, &ctx, &d, &g, &libelle, "", &Erreurs::new()).await
}

async fn renommer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Libelle>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let (d, g) = find_groupe(&state, &ctx, &ids).await?;
    match wf::renommer_groupe(&state, &admin, d.id(), g.id(), &f.libelle).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}?notice=groupe-renomme", lien_groupe(&d, &g))).into_response()),
        Err(erreurs) => page_groupe(&state, &ctx, &d, &g, &f.libelle, "", &erreurs).await,
    }
}

async fn supprimer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let (d, g) = find_groupe(&state, &ctx, &ids).await?;
    wf::supprimer_groupe(&state, &admin, d.id(), g.id()).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{}/instructeurs?notice=groupe-supprime", d.id)).into_response())
}

async fn affecter_au_groupe(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Affectation>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let (d, g) = find_groupe(&state, &ctx, &ids).await?;
    match wf::affecter_instructeur(&state, &admin, d.id(), Some(g.id()), &f.email).await? {
        Ok(()) => Ok(Redirect::to(&format!("{}?notice=instructeur-affecte", lien_groupe(&d, &g))).into_response()),
        Err(erreurs) => {
            let libelle = g.libelle.clone();
            page_groupe(&state, &ctx, &d, &g, &libelle, &f.email, &erreurs).await
        }
    }
}

async fn retirer_du_groupe(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let (d, g) = find_groupe(&state, &ctx, &ids).await?;
    let instructeur = InstructeurId(ids.third()?);
    wf::retirer_du_groupe(&state, &admin, d.id(), g.id(), instructeur).await?;
    Ok(Redirect::to(&format!("{}?notice=instructeur-retire-du-groupe", lien_groupe(&d, &g))).into_response())
}
