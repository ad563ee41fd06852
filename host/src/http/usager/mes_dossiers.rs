//! « Mes dossiers » (tabs, search, pages) and the corbeille: putting a
//! dossier there after a confirmation page, and restoring it. Plain forms
//! and links: all of it works without JavaScript.

use crate::domain::DossierId;
use crate::domain::dossier::corbeille::MiseEnCorbeille;
use crate::error::{AppError, url_encode};
use crate::http::Ctx;
use crate::http::form::Ids;
use crate::http::vues::{self, pagination};
use crate::state::AppState;
use crate::store::dossiers::mes_dossiers::{OngletUsager, Recherche, compteurs_usager, list_for_usager};
use crate::store::dossiers::{self, DossierRow};
use crate::workflow::dossier::corbeille;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::{Value, json};

/// Dossiers a page: a phone screen or two.
const PAR_PAGE: u64 = 25;
/// A search longer than this is cut: it bounds the LIKE pattern each
/// answer of the usager is matched against.
const RECHERCHE_MAX_CHARS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dossiers", get(mes_dossiers))
        .route("/dossiers/{id}/supprimer", get(confirmer).post(supprimer))
        .route("/dossiers/{id}/restaurer", post(restaurer))
}

#[derive(serde::Deserialize)]
struct MesDossiersQuery {
    #[serde(default)]
    onglet: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

async fn mes_dossiers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MesDossiersQuery>,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let onglet = query.onglet.as_deref().and_then(OngletUsager::parse).unwrap_or(OngletUsager::EnCours);
    let saisie: String = query.q.as_deref().unwrap_or("").trim().chars().take(RECHERCHE_MAX_CHARS).collect();
    let recherche = Recherche::new(&saisie);
    let mut tx = state.store.read().await?;
    // The counts first: they bring a page beyond the last back to it.
    let compteurs = compteurs_usager(tx.conn(), &usager, &recherche).await?;
    let total = compteurs.de(onglet).max(0) as u64;
    let href = |page: u64| lien(onglet, &saisie, page);
    let pagination = pagination::paginer(total, PAR_PAGE, pagination::page_demandee(query.page.as_deref()), href);
    let page = pagination.as_ref().map_or(1, |p| p.page);
    let offset = ((page - 1) * PAR_PAGE) as i64;
    let rows = list_for_usager(tx.conn(), &usager, onglet, &recherche, offset, PAR_PAGE as i64).await?;
    let now = Utc::now();
    let transferts = crate::store::transferts::nombre_pour_email(tx.conn(), &usager.email, now).await?;
    tx.commit().await?;
    let onglets: Vec<Value> = OngletUsager::ALL
        .iter()
        .map(|o| {
            json!({
                "href": lien(*o, &saisie, 1),
                "etiquette": format!("{} ({})", o.libelle(), compteurs.de(*o)),
                "actif": *o == onglet,
            })
        })
        .collect();
    let dossiers: Vec<Value> = rows.iter().map(|d| ligne(d, now)).collect();
    let resultats = match total {
        0 => "Aucun dossier ne correspond à".to_owned(),
        1 => "1 dossier pour".to_owned(),
        n => format!("{n} dossiers pour"),
    };
    let vide = match onglet {
        _ if !saisie.is_empty() => "Aucun dossier ne correspond à votre recherche dans cet onglet.",
        OngletUsager::EnCours => "Vous n'avez pas de dossier en cours.",
        OngletUsager::Traites => "Vous n'avez pas encore de dossier traité.",
        OngletUsager::Invites => "Personne ne vous a invité à compléter un dossier.",
        OngletUsager::Corbeille => "Votre corbeille est vide.",
    };
    ctx.page(
        &state,
        "usager/dossiers",
        json!({
            "titre": "Mes dossiers",
            "onglet": onglet.slug(),
            "onglet_libelle": onglet.libelle().to_lowercase(),
            "onglets": onglets,
            "corbeille": onglet == OngletUsager::Corbeille,
            "recherche": saisie,
            "recherche_max": RECHERCHE_MAX_CHARS,
            "resultats": resultats,
            "total": total,
            "dossiers": dossiers,
            "pagination": pagination,
            "vide": vide,
            "transferts": (transferts > 0).then(|| match transferts {
                1 => "Un dossier vous est transféré : acceptez-le ou refusez-le.".to_owned(),
                n => format!("{n} dossiers vous sont transférés : acceptez-les ou refusez-les."),
            }),
        }),
    )
}

/// A tab's address, its search and page kept (the search encoded: it is
/// whatever the usager typed).
fn lien(onglet: OngletUsager, saisie: &str, page: u64) -> String {
    let mut href = format!("/dossiers?onglet={}", onglet.slug());
    if !saisie.is_empty() {
        href.push_str("&q=");
        href.push_str(&url_encode(saisie));
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

/// A dossier's row, with what the corbeille says about it.
fn ligne(d: &DossierRow, now: chrono::DateTime<Utc>) -> Value {
    let mut v = vues::dossier(d);
    if let (Some(o), Some(Value::Object(corbeille))) = (v.as_object_mut(), vues::corbeille(d, now)) {
        o.extend(corbeille);
    }
    v
}

/// What deleting this dossier would do, before the usager confirms.
async fn confirmer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    tx.commit().await?;
    let (consequence, refus) = match MiseEnCorbeille::de(d.etat()) {
        Ok(mise) => (Some(mise.consequence()), None),
        Err(refus) => (None, Some(refus)),
    };
    ctx.page(
        &state,
        "usager/supprimer",
        json!({
            "titre": format!("Supprimer le dossier n° {}", d.id),
            "dossier": vues::dossier(&d),
            "consequence": consequence,
            "refus": refus,
        }),
    )
}

async fn supprimer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let mise = corbeille::mettre_en_corbeille(&state, &usager, DossierId(ids.first()?)).await?;
    let notice = if mise == MiseEnCorbeille::Masquage { "dossier-masque" } else { "dossier-supprime" };
    Ok(Redirect::to(&format!("/dossiers?onglet=corbeille&notice={notice}")).into_response())
}

async fn restaurer(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let etat = corbeille::restaurer(&state, &usager, id).await?;
    // Back to the tab the dossier is in now.
    let onglet = if etat.is_termine() { OngletUsager::Traites } else { OngletUsager::EnCours };
    Ok(Redirect::to(&format!("/dossiers?onglet={}&notice=dossier-restaure", onglet.slug())).into_response())
}
