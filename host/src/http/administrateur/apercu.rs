//! The editor's preview: the usager's page of the form being edited (the
//! démarche's draft revision, else its published one), with its live
//! conditions. Nothing is saved and no dossier exists: « Vérifier les
//! réponses » checks what was typed as a dépôt would (formats, mandatory
//! champs, plugins, inéligibilité) and shows the page again with its errors
//! and the champs the answers show; the buttons of a block add and remove
//! rows, as on the usager's page.

use crate::domain::champ::repetition;
use crate::domain::regle::Valeurs as RegleValeurs;
use crate::domain::{DemarcheId, Erreurs, RevisionId, TypeChamp};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Ids, SaisieDossier};
use crate::http::vues::{self, Valeurs};
use crate::state::AppState;
use crate::store::demarches::DemarcheRow;
use crate::workflow::dossier::{self as wf, Saisie};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/demarches/{id}/apercu", get(apercu).post(verifier))
        .route("/admin/demarches/{id}/apercu/regles", post(regles))
}

/// The revision the preview shows: the one being edited, else the one
/// usagers fill.
fn revision(d: &DemarcheRow) -> Result<RevisionId, AppError> {
    d.draft_revision().ok().or(d.current_revision()).ok_or(AppError::NotFound)
}

async fn apercu(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = super::find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let formulaire = formulaire(&state, &d).await?;
    page(&state, &ctx, &d, &formulaire, None, &Erreurs::new())
}

/// « Vérifier les réponses », or a block's « Ajouter un élément » /
/// « Supprimer l'élément »: the page again, as typed.
async fn verifier(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    SaisieDossier(mut saisie): SaisieDossier,
) -> Result<Response, AppError> {
    let d = super::find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let formulaire = formulaire(&state, &d).await?;
    if crate::http::usager::appliquer_action_ligne(&mut saisie).is_some() {
        return page(&state, &ctx, &d, &formulaire, Some(&saisie), &Erreurs::new());
    }
    let verifiees = wf::verifier_saisie(&state, &formulaire, &saisie, true).await;
    let mut erreurs = verifiees.erreurs;
    // No file is sent from the preview: a mandatory one is not « missing ».
    let fichiers: Vec<String> =
        formulaire.types().iter().filter(|t| t.type_champ.est_fichier()).map(|t| t.input_name()).collect();
    erreurs.0.retain(|e| !fichiers.iter().any(|f| e.champ.ends_with(f.as_str())));
    page(&state, &ctx, &d, &formulaire, Some(&saisie), &erreurs)
}

async fn formulaire(state: &AppState, d: &DemarcheRow) -> Result<wf::Formulaire, AppError> {
    let revision = revision(d)?;
    let mut tx = state.store.read().await?;
    let definition = state.formulaires.de_revision(tx.conn(), revision).await?;
    let config = state.demarche_config.de_demarche(tx.conn(), d.id(), d.config_version).await?;
    tx.commit().await?;
    let regles = state.regles.du_formulaire(revision, &definition.types, definition.ineligibilite.as_ref());
    Ok(wf::Formulaire { revision, definition, config, regles })
}

fn page(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    formulaire: &wf::Formulaire,
    saisie: Option<&Saisie>,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let types = formulaire.types();
    // A first visit: a mandatory block starts with one row, as a new
    // brouillon does.
    let depart: Saisie;
    let saisie = match saisie {
        Some(s) => s,
        None => {
            depart = repetition::lignes_de_depart(types, || {
                repetition::nouvelle_ligne(chrono::Utc::now().timestamp_millis(), rand::random())
            })
            .into_iter()
            .map(|(bloc, lignes)| (repetition::nom_lignes(bloc), lignes))
            .collect();
            &depart
        }
    };
    let valeurs = Valeurs::Typed(saisie);
    let evaluation = state.regles.evaluer(formulaire.revision, formulaire.regles.as_deref(), || {
        RegleValeurs::depuis_formulaire(types, &valeurs.toutes_lignes(types), |tdc, row| {
            Some(valeurs.get_dans(tdc, row))
        })
    });
    let aucun = HashMap::new();
    let vue = vues::FormView {
        state,
        valeurs: &valeurs,
        affichages: &aucun,
        confirmations: &HashMap::new(),
        reglages: &formulaire.config.reglages,
        erreurs,
        regles: &evaluation,
    };
    let mut champs = vues::champs_formulaire(&vue, types);
    crate::http::pieces_jointes::enrichir_formulaire(
        &mut champs,
        types,
        &Default::default(),
        crate::http::pieces_jointes::CibleFichiers::Apercu,
    );
    let id = d.id();
    let data = json!({
        "titre": format!("Aperçu du formulaire — {}", d.libelle),
        "demarche": super::demarche_json(state, d),
        "champs": champs,
        "erreurs": erreurs,
        "verifie": saisie.contains_key("intention"),
        "action": format!("/admin/demarches/{id}/apercu"),
        "repetitions": types.iter().any(|t| t.type_champ == TypeChamp::Repetition),
        "fichiers": types.iter().any(|t| t.type_champ.est_fichier()),
        "ineligible": evaluation.ineligible,
        "regles": formulaire.regles.is_some().then(|| format!("/admin/demarches/{id}/apercu/regles")),
    });
    ctx.form_page(state, "administrateur/apercu", data, erreurs)
}

/// What `static/regles.js` asks as the administrateur answers: which
/// champs show and what computed champs are worth, as for a dossier.
async fn regles(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    SaisieDossier(saisie): SaisieDossier,
) -> Result<Response, AppError> {
    let d = super::find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let formulaire = formulaire(&state, &d).await?;
    let reponse = crate::http::usager::reponse_regles(
        &state,
        formulaire.revision,
        formulaire.types(),
        formulaire.regles.as_deref(),
        &saisie,
    );
    Ok(axum::Json(reponse).into_response())
}
