//! The instructeur's pages: démarches, dossier lists by tab, one dossier
//! with its actions.

use crate::domain::{ActionDossier, DemarcheId, DossierId, EtatDossier, TransitionError};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::http::vues;
use crate::state::AppState;
use crate::store::demarches;
use crate::store::dossiers::{self, Onglet};
use crate::workflow::dossier as wf;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

/// A tab shows at most this many dossiers; filters and pagination come with
/// the full instructeur dashboard.
const LIST_LIMIT: i64 = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/instructeur", get(demarches_instructeur))
        .route("/instructeur/demarches/{id}", get(demarche))
        .route("/instructeur/dossiers/{id}", get(dossier))
        .route("/instructeur/dossiers/{id}/suivre", post(suivre))
        .route("/instructeur/dossiers/{id}/ne-plus-suivre", post(ne_plus_suivre))
        // A GET here is a reload of a refused decision's page (the form
        // posts to this URL): back to the dossier rather than a bare 405.
        .route("/instructeur/dossiers/{id}/instruire", get(retour_au_dossier).post(instruire))
        .route("/instructeur/dossiers/{id}/attestation", get(attestation))
        .route("/instructeur/dossiers/{id}/pdf", get(pdf))
}

async fn demarches_instructeur(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let instructeur = ctx.instructeur()?;
    let mut tx = state.store.read().await?;
    let rows = demarches::list_for_instructeur(tx.conn(), instructeur.instructeur_id).await?;
    let mut list = Vec::new();
    for d in &rows {
        let c = dossiers::compteurs_instructeur(tx.conn(), d.id(), instructeur.instructeur_id).await?;
        list.push(json!({
            "id": d.id, "libelle": d.libelle, "etat_libelle": d.etat().libelle(),
            "a_suivre": c.a_suivre, "suivis": c.suivis, "traites": c.traites, "tous": c.tous,
        }));
    }
    tx.commit().await?;
    ctx.page(&state, "instructeur/demarches", json!({ "titre": "Mes démarches", "demarches": list }))
}

#[derive(Deserialize)]
struct OngletQuery {
    #[serde(default)]
    onglet: Option<String>,
}

async fn demarche(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Query(q): Query<OngletQuery>,
) -> Result<Response, AppError> {
    let instructeur = ctx.instructeur()?;
    let id = DemarcheId(ids.first()?);
    let onglet = q.onglet.as_deref().and_then(Onglet::parse).unwrap_or(Onglet::ASuivre);
    let mut tx = state.store.read().await?;
    let d = demarches::find_for_instructeur(tx.conn(), id, instructeur.instructeur_id).await?;
    let c = dossiers::compteurs_instructeur(tx.conn(), id, instructeur.instructeur_id).await?;
    let rows = dossiers::list_for_instructeur(tx.conn(), id, instructeur.instructeur_id, onglet, LIST_LIMIT).await?;
    tx.commit().await?;
    let counts = [c.a_suivre, c.suivis, c.traites, c.tous];
    let onglets: Vec<Value> = Onglet::ALL
        .iter()
        .zip(counts)
        .map(|(o, n)| {
            // « 1 traité », « 2 traités »: the count agrees with its word.
            let etiquette = match o {
                Onglet::Suivis => crate::templates::pluriel(n, "suivi", "suivis"),
                Onglet::Traites => crate::templates::pluriel(n, "traité", "traités"),
                Onglet::ASuivre | Onglet::Tous => format!("{n} {}", o.libelle()),
            };
            json!({ "slug": o.slug(), "etiquette": etiquette, "actif": *o == onglet })
        })
        .collect();
    ctx.page(
        &state,
        "instructeur/demarche",
        json!({
            "titre": d.libelle,
            "demarche": { "id": d.id, "libelle": d.libelle },
            "onglets": onglets,
            "onglet_libelle": onglet.libelle(),
            "dossiers": rows.iter().map(vues::dossier).collect::<Vec<_>>(),
        }),
    )
}

/// A decision the instructeur submitted and that was refused: what was
/// chosen and typed, kept, and the error with the field it belongs to.
struct DecisionRefusee<'a> {
    decision: &'a str,
    motivation: &'a str,
    /// `action` (no decision chosen) or `motivation`.
    champ: &'static str,
    message: String,
}

async fn page_dossier(
    state: &AppState,
    ctx: &Ctx,
    id: DossierId,
    erreur: Option<DecisionRefusee<'_>>,
) -> Result<Response, AppError> {
    let instructeur = ctx.instructeur()?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_instructeur(tx.conn(), id, instructeur.instructeur_id).await?;
    let definition = state.formulaires.de_revision(tx.conn(), d.revision_id()).await?;
    let types = &definition.types;
    // The answers in one statement: the filed ones, whatever changes the
    // usager is preparing meanwhile.
    let dossiers::Reponses { champs: values, valeurs_lignes, donnees, verifications, confirmes } =
        dossiers::reponses(tx.conn(), id, dossiers::Stream::Main).await?;
    let traitements = dossiers::traitements(tx.conn(), id).await?;
    let modifications = dossiers::modifications::deposees(tx.conn(), id).await?;
    let suiveurs = dossiers::suiveurs(tx.conn(), id).await?;
    let config = state.demarche_config.du_dossier(tx.conn(), &d).await?;
    let routage = dossiers::routage_explication(tx.conn(), id).await?;
    let attestation = crate::store::attestations::exists(tx.conn(), id).await?;
    let annotations = demarches::annotations(tx.conn(), d.revision_id()).await?;
    let valeurs_annotations = dossiers::annotations(tx.conn(), id).await?;
    // The rows of annotation blocks: no query for a démarche without one.
    let lignes_annotations = if annotations.iter().any(|t| t.type_champ == crate::domain::TypeChamp::Repetition) {
        dossiers::annotations_lignes(tx.conn(), id).await?
    } else {
        Vec::new()
    };
    // Linked dossiers this instructeur may open become links; the others
    // stay a number (their existence is not the instructeur's to learn).
    let mut visibles = Vec::new();
    for t in types.iter().filter(|t| t.type_champ == crate::domain::TypeChamp::DossierLink) {
        let Some(n) = values.get(&t.stable_id).and_then(|v| crate::domain::champ::numero_dossier(v)) else {
            continue;
        };
        match dossiers::find_for_instructeur(tx.conn(), DossierId(n), instructeur.instructeur_id).await {
            Ok(_) => visibles.push(n),
            Err(crate::store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let pieces = crate::workflow::pieces_jointes::du_dossier_dans(&mut tx, id, dossiers::Stream::Main, types).await?;
    let retires = crate::workflow::demarche::revisions::champs_retires(tx.conn(), &d, types, &values).await?;
    tx.commit().await?;
    let lignes = crate::domain::champ::repetition::lignes_stockees(types, &values, &valeurs_lignes);
    let plugins = vues::LecturePlugins {
        non_confirmes: vues::non_confirmes(state, types, &donnees, &confirmes),
        affichages: vues::affichages(
            state,
            types,
            &vues::reponses_plugins(types, &values, &lignes),
            &donnees,
            &config.reglages,
        )
        .await,
        verifications,
    };
    let etat = d.etat();
    let suivi = suiveurs.iter().any(|(i, _)| *i == instructeur.instructeur_id.0);
    let (decision, motivation) = erreur.as_ref().map_or(("", ""), |e| (e.decision, e.motivation));
    let message_pour = |champ: &str| erreur.as_ref().filter(|e| e.champ == champ).map(|e| e.message.clone());
    // The summary at the top of the page links to the field: the form sits
    // below the dossier's answers, out of sight after the reload.
    let erreurs: Vec<Value> = erreur.iter().map(|e| json!({ "champ": e.champ, "message": e.message })).collect();
    let mut champs = vues::champs_lecture(state, types, &values, &lignes, &plugins);
    crate::http::pieces_jointes::enrichir_lecture(&mut champs, types, &pieces, id, "/instructeur/dossiers");
    for champ in champs.iter_mut().flat_map(|s| s.champs.iter_mut()) {
        if let Some(n) = champ.get("dossier_lie").and_then(Value::as_i64).filter(|n| visibles.contains(n))
            && let Some(o) = champ.as_object_mut()
        {
            o.insert("lien".into(), json!(format!("/instructeur/dossiers/{n}")));
        }
    }
    let data = json!({
        "titre": format!("Dossier n° {}", d.id),
        "dossier": vues::dossier(&d),
        "demarche": { "id": d.demarche_id, "libelle": d.demarche_libelle },
        "champs": champs,
        "retirees": vues::reponses_retirees(&retires, &values),
        // Read-only until instructeurs can fill them.
        "annotations": vues::annotations_lecture(
            state,
            &annotations,
            &valeurs_annotations,
            &crate::domain::champ::repetition::lignes_stockees(&annotations, &valeurs_annotations, &lignes_annotations),
        ),
        "routage": routage,
        "attestation": attestation.then(|| format!("/instructeur/dossiers/{}/attestation", d.id)),
        "historique": vues::historique(&traitements, &modifications),
        "suiveurs": suiveurs.iter().map(|(_, e)| e).collect::<Vec<_>>(),
        "suivi": suivi,
        "peut_passer_en_instruction": etat == EtatDossier::EnConstruction,
        "peut_decider": etat == EtatDossier::EnInstruction,
        "peut_repasser_en_instruction": etat.is_termine(),
        "decision": decision,
        "motivation": motivation,
        "erreur_motivation": message_pour("motivation"),
        "erreur_decision": message_pour("action"),
        "erreurs": erreurs,
    });
    if erreur.is_some() {
        ctx.invalid_page(state, "instructeur/dossier", data)
    } else {
        ctx.page(state, "instructeur/dossier", data)
    }
}

async fn dossier(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    page_dossier(&state, &ctx, DossierId(ids.first()?), None).await
}

async fn suivre(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let id = DossierId(ids.first()?);
    wf::suivre(&state, &ctx.instructeur()?, id).await?;
    Ok(Redirect::to(&format!("/instructeur/dossiers/{id}?notice=suivi")).into_response())
}

async fn ne_plus_suivre(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let id = DossierId(ids.first()?);
    wf::ne_plus_suivre(&state, &ctx.instructeur()?, id).await?;
    Ok(Redirect::to(&format!("/instructeur/dossiers/{id}?notice=plus-suivi")).into_response())
}

#[derive(Deserialize)]
struct Instruction {
    #[serde(default)]
    action: String,
    #[serde(default)]
    motivation: String,
}

fn parse_action(s: &str) -> Option<(ActionDossier, &'static str)> {
    Some(match s {
        "passer_en_instruction" => (ActionDossier::PasserEnInstruction, "en-instruction"),
        "repasser_en_construction" => (ActionDossier::RepasserEnConstruction, "en-construction"),
        "accepter" => (ActionDossier::Accepter, "accepte"),
        "refuser" => (ActionDossier::Refuser, "refuse"),
        "classer_sans_suite" => (ActionDossier::ClasserSansSuite, "sans-suite"),
        "repasser_en_instruction" => (ActionDossier::RepasserEnInstruction, "repasse-en-instruction"),
        _ => return None,
    })
}

async fn instruire(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Instruction>,
) -> Result<Response, AppError> {
    let id = DossierId(ids.first()?);
    let instructeur = ctx.instructeur()?;
    let Some((action, notice)) = parse_action(&f.action) else {
        let erreur = DecisionRefusee {
            decision: "",
            motivation: &f.motivation,
            champ: "action",
            message: "Choisissez une décision : accepter, refuser ou classer sans suite.".into(),
        };
        return page_dossier(&state, &ctx, id, Some(erreur)).await;
    };
    match wf::instruire(&state, &instructeur, id, action, Some(&f.motivation)).await? {
        Ok(_) => Ok(Redirect::to(&format!("/instructeur/dossiers/{id}?notice={notice}")).into_response()),
        Err(
            e @ (TransitionError::MotivationRequired { .. }
            | TransitionError::MotivationTooLong
            | TransitionError::MotivationCaractereInterdit),
        ) => {
            let erreur = DecisionRefusee {
                decision: &f.action,
                motivation: &f.motivation,
                champ: "motivation",
                message: e.to_string(),
            };
            page_dossier(&state, &ctx, id, Some(erreur)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn retour_au_dossier(ids: Ids) -> Result<Response, AppError> {
    let id = DossierId(ids.first()?);
    Ok(Redirect::to(&format!("/instructeur/dossiers/{id}")).into_response())
}

/// A dossier of the instructeur's groupes as a PDF, with its annotations
/// privées.
async fn pdf(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let instructeur = ctx.instructeur()?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_instructeur(tx.conn(), DossierId(ids.first()?), instructeur.instructeur_id).await?;
    tx.commit().await?;
    let lecteur = crate::workflow::dossier::pdf::Lecteur::Instructeur;
    let (filename, data) = crate::workflow::dossier::pdf::pdf(&state, &d, lecteur).await?;
    Ok(vues::pdf(filename, data))
}

/// The attestation of a dossier of the instructeur's groupes.
async fn attestation(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let instructeur = ctx.instructeur()?;
    let id = DossierId(ids.first()?);
    let mut tx = state.store.read().await?;
    dossiers::find_for_instructeur(tx.conn(), id, instructeur.instructeur_id).await?;
    let a = crate::store::attestations::of_dossier(tx.conn(), id)
        .await?
        .filter(|a| a.revoquee_le.is_none())
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let filename = a.filename.clone();
    let data = crate::workflow::extensions::attestation_pdf(&state, a).await.map_err(AppError::Internal)?;
    Ok(vues::pdf(filename, data))
}
