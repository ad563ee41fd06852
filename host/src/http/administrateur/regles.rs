//! The rule editor: a champ's display condition, the démarche's
//! inéligibilité and a groupe's routing rule, on pages of their own. The
//! no-code builder works without JavaScript: « Ajouter une condition » and
//! « Retirer » post the rows as typed and the page comes back with one row
//! more or less; « Enregistrer » saves. The expert mode takes the rhai
//! expression.

use crate::domain::regle::saisie::{cle_erreur_clause, nom_clause};
use crate::domain::regle::verification::disponibles;
use crate::domain::regle::{Operateur, SaisieRegle};
use crate::domain::{DemarcheId, Erreurs, GroupeInstructeurId, StableId, TypeDeChamp};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::state::AppState;
use crate::store::demarches::{self, DemarcheRow};
use crate::store::groupes::{self, GroupeRow};
use crate::workflow::regles::{self as wf, formulaire_usager, meme_formulaire};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/champs/{stable_id}/condition", get(condition).post(enregistrer_condition))
        .route("/admin/demarches/{id}/ineligibilite", get(ineligibilite).post(enregistrer_ineligibilite))
        .route("/admin/demarches/{id}/groupes/{groupe_id}/routage", get(routage).post(enregistrer_routage))
}

/// The builder's view: each row with its champ and operator lists, the
/// champs a rule may read (with their variable, for the expert mode).
fn constructeur(saisie: &SaisieRegle, champs: &[&TypeDeChamp], erreurs: &Erreurs) -> Value {
    let clauses: Vec<Value> = saisie
        .clauses
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cle = cle_erreur_clause(i);
            json!({
                "rang": i + 1,
                "id": cle,
                "nom_champ": nom_clause(i, "champ"),
                "nom_operateur": nom_clause(i, "operateur"),
                "nom_valeur": nom_clause(i, "valeur"),
                "retirer": format!("retirer_{i}"),
                "valeur": c.valeur,
                "erreur": erreurs.get(&cle),
                "champs": champs.iter().filter(|t| !Operateur::pour(&t.type_champ).is_empty()).map(|t| json!({
                    "value": t.stable_id.0,
                    "libelle": t.libelle,
                    "selected": c.champ == t.stable_id.0.to_string(),
                })).collect::<Vec<_>>(),
                "operateurs": Operateur::TOUS.iter().map(|o| json!({
                    "value": o.as_str(),
                    "libelle": o.libelle(),
                    "selected": c.operateur == o.as_str(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "expert": saisie.expert(),
        "ou": saisie.combinaison == "ou",
        "clauses": clauses,
        "expression": saisie.expression,
        "erreur_expression": erreurs.get("expression"),
        "erreur_clauses": erreurs.get("clauses"),
        "plein": saisie.clauses.len() >= crate::domain::regle::constructeur::CLAUSES_MAX,
        "lisibles": champs.iter().map(|t| json!({
            "variable": crate::domain::regle::variable(t.stable_id),
            "libelle": t.libelle,
            "type_libelle": t.type_champ.libelle(),
            "comparaisons": Operateur::pour(&t.type_champ).iter().map(|o| o.libelle()).collect::<Vec<_>>().join(", "),
            "choix": t.options.choix.join(" ; "),
        })).collect::<Vec<_>>(),
    })
}

/// What the builder's buttons ask: a row more or less (already applied to
/// the rule being typed: the page comes back as it now is), removing the
/// rule, or saving it.
enum Action {
    Lignes,
    Supprimer,
    Enregistrer,
}

fn action(f: &HashMap<String, String>, saisie: &mut SaisieRegle) -> Action {
    match f.get("action").map(String::as_str) {
        Some("ajouter") => {
            saisie.ajouter_ligne();
            Action::Lignes
        }
        Some("supprimer") => Action::Supprimer,
        Some(a) => match a.strip_prefix("retirer_").and_then(|i| i.parse().ok()) {
            Some(i) => {
                saisie.retirer_ligne(i);
                Action::Lignes
            }
            None => Action::Enregistrer,
        },
        None => Action::Enregistrer,
    }
}

async fn contexte(state: &AppState, ctx: &Ctx, ids: &Ids) -> Result<(DemarcheRow, Vec<TypeDeChamp>), AppError> {
    let d = super::find(state, ctx, DemarcheId(ids.first()?)).await?;
    let mut tx = state.store.read().await?;
    let types = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?;
    tx.commit().await?;
    Ok((d, types))
}

fn page_condition(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    types: &[TypeDeChamp],
    stable_id: StableId,
    saisie: &SaisieRegle,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let (champs, i) = meme_formulaire(types, stable_id).ok_or(AppError::NotFound)?;
    let tdc = &champs[i];
    let lisibles = disponibles(&champs, i);
    let data = json!({
        "titre": format!("Condition d'affichage — {}", tdc.libelle),
        "demarche": super::demarche_json(state, d),
        "champ": { "libelle": tdc.libelle, "stable_id": tdc.stable_id.0 },
        "action": format!("/admin/demarches/{}/champs/{}/condition", d.id, tdc.stable_id.0),
        "existe": tdc.condition.is_some(),
        "regle": constructeur(saisie, &lisibles, erreurs),
        "aucun_champ": lisibles.is_empty(),
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/condition", data, erreurs)
}

async fn condition(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let (d, types) = contexte(&state, &ctx, &ids).await?;
    let stable_id = StableId(ids.second()?);
    let tdc = types.iter().find(|t| t.stable_id == stable_id).ok_or(AppError::NotFound)?;
    let saisie = SaisieRegle::depuis(tdc.condition.as_ref());
    page_condition(&state, &ctx, &d, &types, stable_id, &saisie, &Erreurs::new())
}

async fn enregistrer_condition(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let stable_id = StableId(ids.second()?);
    let mut saisie = SaisieRegle::depuis_formulaire(&f);
    let action = action(&f, &mut saisie);
    let notice = if matches!(action, Action::Supprimer) { "condition-supprimee" } else { "condition-enregistree" };
    let retour = format!("/admin/demarches/{id}/champs?notice={notice}#champ-{}", stable_id.0);
    let result = match action {
        Action::Lignes => {
            let (d, types) = contexte(&state, &ctx, &ids).await?;
            return page_condition(&state, &ctx, &d, &types, stable_id, &saisie, &Erreurs::new());
        }
        Action::Supprimer => wf::definir_condition(&state, &admin, id, stable_id, None).await?,
        Action::Enregistrer => wf::definir_condition(&state, &admin, id, stable_id, Some(&saisie)).await?,
    };
    match result {
        Ok(()) => Ok(Redirect::to(&retour).into_response()),
        Err(erreurs) => {
            let (d, types) = contexte(&state, &ctx, &ids).await?;
            page_condition(&state, &ctx, &d, &types, stable_id, &saisie, &erreurs)
        }
    }
}

/// What the inéligibilité page redisplays: the rule being edited, its
/// message, and whether one is already saved (the « Supprimer » button).
struct SaisieIneligibilite<'a> {
    regle: &'a SaisieRegle,
    message: &'a str,
    existe: bool,
}

fn page_ineligibilite(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    types: &[TypeDeChamp],
    saisie: SaisieIneligibilite<'_>,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let SaisieIneligibilite { regle: saisie, message, existe } = saisie;
    let champs = formulaire_usager(types);
    let lisibles = disponibles(&champs, champs.len());
    let data = json!({
        "titre": format!("Inéligibilité — {}", d.libelle),
        "demarche": super::demarche_json(state, d),
        "action": format!("/admin/demarches/{}/ineligibilite", d.id),
        "existe": existe,
        "message": message,
        "erreur_message": erreurs.get("message"),
        "regle": constructeur(saisie, &lisibles, erreurs),
        "aucun_champ": lisibles.is_empty(),
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/ineligibilite", data, erreurs)
}

async fn ineligibilite(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let (d, types) = contexte(&state, &ctx, &ids).await?;
    let mut tx = state.store.read().await?;
    let existante = demarches::ineligibilite(tx.conn(), d.draft_revision()?).await?;
    tx.commit().await?;
    let saisie = SaisieRegle::depuis(existante.as_ref().map(|i| &i.regle));
    let message = existante.as_ref().map_or("", |i| i.message.as_str());
    let existe = existante.is_some();
    page_ineligibilite(
        &state,
        &ctx,
        &d,
        &types,
        SaisieIneligibilite { regle: &saisie, message, existe },
        &Erreurs::new(),
    )
}

async fn enregistrer_ineligibilite(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let mut saisie = SaisieRegle::depuis_formulaire(&f);
    let message = f.get("message").cloned().unwrap_or_default();
    let action = action(&f, &mut saisie);
    let notice =
        if matches!(action, Action::Supprimer) { "ineligibilite-supprimee" } else { "ineligibilite-enregistree" };
    let result = match action {
        Action::Lignes => {
            let (d, types) = contexte(&state, &ctx, &ids).await?;
            let existe = f.contains_key("existe");
            return page_ineligibilite(
                &state,
                &ctx,
                &d,
                &types,
                SaisieIneligibilite { regle: &saisie, message: &message, existe },
                &Erreurs::new(),
            );
        }
        Action::Supprimer => wf::definir_ineligibilite(&state, &admin, id, None).await?,
        Action::Enregistrer => wf::definir_ineligibilite(&state, &admin, id, Some((&saisie, &message))).await?,
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}?notice={notice}")).into_response()),
        Err(erreurs) => {
            let (d, types) = contexte(&state, &ctx, &ids).await?;
            let existe = f.contains_key("existe");
            page_ineligibilite(
                &state,
                &ctx,
                &d,
                &types,
                SaisieIneligibilite { regle: &saisie, message: &message, existe },
                &erreurs,
            )
        }
    }
}

/// A groupe (not the default one) with the usager's form its routing
/// rule reads: the form filed now, published or in test.
async fn contexte_routage(
    state: &AppState,
    ctx: &Ctx,
    ids: &Ids,
) -> Result<(DemarcheRow, GroupeRow, Vec<TypeDeChamp>), AppError> {
    let d = super::find(state, ctx, DemarcheId(ids.first()?)).await?;
    let mut tx = state.store.read().await?;
    let g = groupes::find(tx.conn(), d.id(), GroupeInstructeurId(ids.second()?)).await?;
    if g.defaut {
        return Err(AppError::NotFound);
    }
    let revision = d.current_revision().ok_or(AppError::NotFound)?;
    let types = formulaire_usager(&demarches::types_de_champ(tx.conn(), revision).await?);
    tx.commit().await?;
    Ok((d, g, types))
}

fn page_routage(
    state: &AppState,
    ctx: &Ctx,
    (d, g, types): &(DemarcheRow, GroupeRow, Vec<TypeDeChamp>),
    saisie: &SaisieRegle,
    existe: bool,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let lisibles = disponibles(types, types.len());
    let lien = super::groupes::lien_groupe(d, g);
    let data = json!({
        "titre": format!("Règle de routage — {}", g.libelle),
        "demarche": super::demarche_json(state, d),
        "groupe": g,
        "action": format!("{lien}/routage"),
        "retour": lien,
        "existe": existe,
        "regle": constructeur(saisie, &lisibles, erreurs),
        "aucun_champ": lisibles.is_empty(),
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/routage", data, erreurs)
}

async fn routage(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let contexte = contexte_routage(&state, &ctx, &ids).await?;
    let existante = contexte.1.regle_routage();
    let saisie = SaisieRegle::depuis(existante.as_ref());
    page_routage(&state, &ctx, &contexte, &saisie, existante.is_some(), &Erreurs::new())
}

async fn enregistrer_routage(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let contexte = contexte_routage(&state, &ctx, &ids).await?;
    let (id, groupe) = (contexte.0.id(), contexte.1.id());
    let mut saisie = SaisieRegle::depuis_formulaire(&f);
    let existe = f.contains_key("existe");
    let action = action(&f, &mut saisie);
    let notice = if matches!(action, Action::Supprimer) { "routage-supprime" } else { "routage-enregistre" };
    let result = match action {
        Action::Lignes => {
            return page_routage(&state, &ctx, &contexte, &saisie, existe, &Erreurs::new());
        }
        Action::Supprimer => wf::definir_routage(&state, &admin, id, groupe, None).await?,
        Action::Enregistrer => wf::definir_routage(&state, &admin, id, groupe, Some(&saisie)).await?,
    };
    match result {
        Ok(()) => {
            let retour = super::groupes::lien_groupe(&contexte.0, &contexte.1);
            Ok(Redirect::to(&format!("{retour}?notice={notice}")).into_response())
        }
        Err(erreurs) => page_routage(&state, &ctx, &contexte, &saisie, existe, &erreurs),
    }
}

/// A champ's condition in words for the form editor's list, with the
/// type of the champs a rule can read.
pub fn condition_lisible(t: &TypeDeChamp, types: &[TypeDeChamp]) -> Option<String> {
    t.condition.as_ref().map(|r| crate::domain::regle::decrire(r, types))
}
