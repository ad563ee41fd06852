//! The administrateur's pages: démarches, their form editor, publication;
//! groupes instructeurs in `groupes`, co-administrateurs in
//! `administrateurs`, closing, unpublishing and deletion in `etats`,
//! cloning and transfer in `cloner`, its files in `fichiers`.

mod administrateurs;
mod annotations;
mod apercu;
pub(super) mod attestation;
pub(super) mod champ_fichier;
mod cloner;
mod etats;
pub(super) mod fichiers;
mod groupes;
mod plugin_champ;
mod regles;
mod revisions;

use crate::domain::champ::repetition;
use crate::domain::demarche::reglages::ReglagesSaisis;
use crate::domain::demarche::{DemarcheInput, EtatDemarche, Service};
use crate::domain::{DemarcheId, Erreurs, StableId, TypeChamp, TypeDeChamp};
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
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(mes_demarches))
        .route("/admin/demarches/nouvelle", get(nouvelle))
        .route("/admin/demarches", post(creer))
        .route("/admin/demarches/{id}", get(demarche))
        .route("/admin/demarches/{id}/modifier", get(edition).post(modifier))
        .route("/admin/demarches/{id}/champs", get(champs).post(ajouter_champ))
        .route("/admin/demarches/{id}/champs/{stable_id}", get(champ).post(modifier_champ))
        .route("/admin/demarches/{id}/champs/{stable_id}/supprimer", post(supprimer_champ))
        .route("/admin/demarches/{id}/champs/{stable_id}/deplacer", post(deplacer_champ))
        .route("/admin/demarches/{id}/champs/{stable_id}/dupliquer", post(dupliquer_champ))
        .route("/admin/demarches/{id}/publier", get(publication).post(publier))
        .merge(groupes::routes())
        .merge(administrateurs::routes())
        .merge(etats::routes())
        .merge(cloner::routes())
        .merge(revisions::routes())
        .merge(fichiers::routes())
        .merge(regles::routes())
        .merge(annotations::routes())
        .merge(apercu::routes())
        .merge(plugin_champ::routes())
}

#[derive(Deserialize, Default)]
struct DemarcheForm {
    #[serde(default)]
    libelle: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    service_nom: String,
    #[serde(default)]
    service_organisme: String,
    #[serde(default)]
    service_email: String,
    #[serde(default)]
    service_telephone: String,
    #[serde(default)]
    service_horaires: String,
    #[serde(default)]
    service_adresse: String,
    #[serde(default)]
    duree_conservation_mois: String,
    #[serde(default)]
    demandeur: String,
    #[serde(default)]
    date_limite_depot: String,
    #[serde(default)]
    declaratif: String,
    #[serde(default)]
    message_fin_depot: String,
    #[serde(default)]
    lien_site: String,
    #[serde(default)]
    monavis: String,
    #[serde(default)]
    cadre_juridique: String,
    #[serde(default)]
    notice_url: String,
    #[serde(default)]
    modele: String,
}

impl DemarcheForm {
    fn into_input(self) -> DemarcheInput {
        DemarcheInput {
            libelle: self.libelle,
            description: self.description,
            service: Service {
                nom: self.service_nom,
                organisme: self.service_organisme,
                email: self.service_email,
                telephone: self.service_telephone,
                horaires: self.service_horaires,
                adresse: self.service_adresse,
            },
            reglages: ReglagesSaisis {
                duree_conservation_mois: self.duree_conservation_mois,
                demandeur: self.demandeur,
                date_limite_depot: self.date_limite_depot,
                declaratif: self.declaratif,
                message_fin_depot: self.message_fin_depot,
                lien_site: self.lien_site,
                monavis: self.monavis,
                cadre_juridique: self.cadre_juridique,
                notice_url: self.notice_url,
                modele: self.modele,
            },
        }
    }
}

pub(super) async fn find(state: &AppState, ctx: &Ctx, id: DemarcheId) -> Result<DemarcheRow, AppError> {
    let admin = ctx.administrateur()?;
    let mut tx = state.store.read().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    tx.commit().await?;
    Ok(d)
}

pub(super) fn demarche_json(state: &AppState, d: &DemarcheRow) -> Value {
    let etat = d.etat();
    json!({
        "id": d.id,
        "libelle": d.libelle,
        "description": d.description,
        "service": d.service(),
        "etat": etat,
        "etat_libelle": etat.libelle(),
        "en_test": etat == EtatDemarche::Brouillon,
        "publiee": etat == EtatDemarche::Publiee,
        "close": etat == EtatDemarche::Close,
        "depubliee": etat == EtatDemarche::Depubliee,
        "peut_etre_publiee": etat.peut_etre_publiee(),
        "peut_etre_close": etat.peut_etre_close(),
        "peut_etre_depubliee": etat.peut_etre_depubliee(),
        "motif_cloture": d.motif_cloture,
        "close_le": d.closed_at.map(crate::http::vues::date_heure),
        "date_limite": d.date_limite_depot.map(crate::http::vues::date_limite),
        "path": d.path,
        "lien_test": state.config.url(&format!("/commencer/test/{}", d.path)),
        "lien_public": state.config.url(&format!("/commencer/{}", d.path)),
    })
}

async fn mes_demarches(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let mut tx = state.store.read().await?;
    let rows = demarches::list_for_administrateur(tx.conn(), admin.administrateur_id).await?;
    tx.commit().await?;
    let list: Vec<Value> = rows.iter().map(|d| demarche_json(&state, d)).collect();
    ctx.page(&state, "administrateur/demarches", json!({ "titre": "Mes démarches", "demarches": list }))
}

fn edition_data(titre: &str, action: &str, input: &DemarcheInput, erreurs: &Erreurs) -> Value {
    let r = &input.reglages;
    let demandeur = [
        ("particulier", "Particuliers", "L'usager indique sa civilité, son nom et son prénom avant le formulaire."),
        (
            "personne_morale",
            "Personnes morales",
            "L'usager indique le numéro SIRET de son organisation ; ses informations sont récupérées automatiquement.",
        ),
    ];
    let declaratif = [
        ("", "Non déclarative", "Les instructeurs passent eux-mêmes les dossiers en instruction."),
        ("en_instruction", "Passer les dossiers en instruction dès leur dépôt", ""),
        ("accepte", "Accepter les dossiers dès leur dépôt", ""),
    ];
    let demandeur_choisi = if r.demandeur.is_empty() { "particulier" } else { r.demandeur.as_str() };
    json!({
        "titre": titre, "action": action, "form": input, "erreurs": erreurs,
        "choix_demandeur": choix(&demandeur, demandeur_choisi),
        "choix_declaratif": choix(&declaratif, &r.declaratif),
    })
}

/// Radio buttons for `partials/radios`: (value, libellé, hint), one checked.
fn choix(options: &[(&str, &str, &str)], choisi: &str) -> Vec<Value> {
    options
        .iter()
        .enumerate()
        .map(|(i, (value, libelle, hint))| {
            json!({ "id": i, "value": value, "libelle": libelle, "hint": hint, "selected": *value == choisi })
        })
        .collect()
}

async fn nouvelle(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.administrateur()?;
    ctx.page(
        &state,
        "administrateur/edition",
        edition_data("Nouvelle démarche", "/admin/demarches", &DemarcheInput::default(), &Erreurs::new()),
    )
}

async fn creer(
    State(state): State<AppState>,
    ctx: Ctx,
    Formulaire(f): Formulaire<DemarcheForm>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    match wf::creer(&state, &admin, f.into_input()).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/demarches/{id}/champs?notice=demarche-creee")).into_response()),
        Err((input, erreurs)) => ctx.invalid_page(
            &state,
            "administrateur/edition",
            edition_data("Nouvelle démarche", "/admin/demarches", &input, &erreurs),
        ),
    }
}

async fn demarche(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let mut tx = state.store.read().await?;
    let nombre_champs = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?.len();
    let nombre_annotations = demarches::annotations(tx.conn(), d.draft_revision()?).await?.len();
    let nombre_instructeurs = demarches::list_instructeurs(tx.conn(), d.id()).await?.len();
    let nombre_groupes = crate::store::groupes::libelles(tx.conn(), d.id()).await?.len();
    let manques = wf::manques(&state, tx.conn(), &d, chrono::Utc::now()).await?;
    let anciens = demarches::paths::anciens(tx.conn(), d.id()).await?;
    let revision = revisions::bandeau(tx.conn(), &d).await?;
    let rebase = demarches::revisions::rebase_en_cours(tx.conn(), d.id()).await?;
    tx.commit().await?;
    ctx.page(
        &state,
        "administrateur/demarche",
        json!({
            "titre": d.libelle,
            "demarche": demarche_json(&state, &d),
            "nombre_champs": nombre_champs,
            "nombre_annotations": nombre_annotations,
            "nombre_instructeurs": nombre_instructeurs,
            "nombre_groupes": nombre_groupes,
            "manques": manques,
            "revision": revision,
            "rebase": rebase.map(|r| json!({ "total": r.total, "faits": r.faits })),
            "anciens_liens": anciens.iter().map(|p| state.config.url(&format!("/commencer/{p}"))).collect::<Vec<_>>(),
        }),
    )
}

async fn edition(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let input = DemarcheInput {
        libelle: d.libelle.clone(),
        description: d.description.clone(),
        service: d.service(),
        reglages: d.reglages().saisis(),
    };
    ctx.page(
        &state,
        "administrateur/edition",
        edition_data("Modifier la démarche", &format!("/admin/demarches/{}/modifier", d.id), &input, &Erreurs::new()),
    )
}

async fn modifier(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<DemarcheForm>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::modifier(&state, &admin, id, f.into_input()).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}?notice=demarche-modifiee")).into_response()),
        Err((input, erreurs)) => ctx.invalid_page(
            &state,
            "administrateur/edition",
            edition_data("Modifier la démarche", &format!("/admin/demarches/{id}/modifier"), &input, &erreurs),
        ),
    }
}

/// The types an administrateur can choose: built-ins, then the types of the
/// plugins enabled on the démarche (and the current one, when editing a
/// champ whose plugin was disabled since).
fn types_disponibles(state: &AppState, actives: &[String], selected: &str) -> Vec<Value> {
    let mut types: Vec<Value> = TypeChamp::BUILTIN
        .iter()
        .filter(|t| t.disponible())
        .map(|t| json!({ "value": t.as_str(), "libelle": t.libelle(), "selected": t.as_str() == selected }))
        .collect();
    for p in state.plugins.types_de_champ() {
        let value = TypeChamp::Plugin(p.id.clone()).as_str();
        if !actives.contains(&p.id) && value != selected {
            continue;
        }
        types.push(
            json!({ "value": value, "libelle": format!("{} (plugin)", p.libelle), "selected": value == selected }),
        );
    }
    types
}

fn champ_json(state: &AppState, t: &TypeDeChamp, types: &[TypeDeChamp]) -> Value {
    let type_libelle = match &t.type_champ {
        TypeChamp::Plugin(id) => state
            .plugins
            .type_de_champ(id)
            .map(|p| p.libelle)
            .unwrap_or_else(|| format!("Plugin « {id} » (indisponible)")),
        other => other.libelle().to_string(),
    };
    json!({
        "stable_id": t.stable_id,
        "libelle": t.libelle,
        "description": t.description,
        "type_libelle": type_libelle,
        "obligatoire": t.obligatoire,
        "section": !t.type_champ.has_value(),
        "options": t.options.choix,
        "niveau": (t.type_champ == TypeChamp::HeaderSection).then(|| crate::domain::champ::section::niveau(t)),
        "condition": regles::condition_lisible(t, types),
        "formule": t.options.calcul,
        // A plugin champ whose plugin declares settings has its own page
        // for them (`plugin_champ`).
        "reglages_plugin": reglages_plugin(state, &t.type_champ),
    })
}

/// The form as the editor lists it: top-level champs in order, a block
/// with its champs, each with the moves it allows (the buttons shown).
pub(super) fn arbre_json(state: &AppState, types: &[TypeDeChamp]) -> Vec<Value> {
    let haut: Vec<&TypeDeChamp> = types.iter().filter(|t| t.parent.is_none()).collect();
    haut.iter()
        .enumerate()
        .map(|(i, t)| {
            let mut v = champ_json(state, t, types);
            let precedent = i.checked_sub(1).map(|j| haut[j]);
            let bloc_au_dessus =
                precedent.filter(|p| p.type_champ == TypeChamp::Repetition && t.type_champ.permis_dans_repetition());
            let enfants: Vec<&TypeDeChamp> = repetition::enfants(types, t.stable_id).collect();
            let enfants: Vec<Value> = enfants
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let mut ev = champ_json(state, e, types);
                    if let Some(o) = ev.as_object_mut() {
                        o.insert("peut_monter".into(), Value::from(k > 0));
                        o.insert("peut_descendre".into(), Value::from(k + 1 < enfants.len()));
                        o.insert("peut_sortir".into(), Value::from(true));
                    }
                    ev
                })
                .collect();
            if let Some(o) = v.as_object_mut() {
                o.insert("peut_monter".into(), Value::from(i > 0));
                o.insert("peut_descendre".into(), Value::from(i + 1 < haut.len()));
                o.insert("peut_entrer".into(), bloc_au_dessus.map_or(Value::Null, |b| Value::from(b.libelle.as_str())));
                o.insert("bloc".into(), Value::from(t.type_champ == TypeChamp::Repetition));
                o.insert("enfants".into(), Value::Array(enfants));
            }
            v
        })
        .collect()
}

/// Where a new champ may go: the end of the list, or of one of its blocks
/// (the one `nouveau` chose, selected).
pub(super) fn blocs_json(types: &[TypeDeChamp], nouveau: &ChampInput) -> Vec<Value> {
    types
        .iter()
        .filter(|t| t.type_champ == TypeChamp::Repetition)
        .map(|t| json!({ "stable_id": t.stable_id, "libelle": t.libelle, "selected": t.stable_id.0.to_string() == nouveau.parent }))
        .collect()
}

/// The failures of the démarche's rules when they last ran on answers,
/// for the draft and for the form dossiers are filed with.
fn echecs(
    state: &AppState,
    d: &DemarcheRow,
    types: &[TypeDeChamp],
    ineligibilite: Option<&crate::domain::regle::Ineligibilite>,
) -> Result<Vec<String>, AppError> {
    // Compiled again if the draft's rules changed since they ran, which
    // forgets the failures of the rules as they were.
    let draft = d.draft_revision()?;
    state.regles.du_formulaire(draft, types, ineligibilite);
    let mut revisions = vec![draft];
    revisions.extend(d.current_revision().filter(|r| *r != draft));
    Ok(revisions.into_iter().flat_map(|r| state.regles.echecs(r)).collect())
}

/// Whether a champ of this type has a settings page of its own.
fn reglages_plugin(state: &AppState, type_champ: &TypeChamp) -> bool {
    type_champ.plugin_id().and_then(|id| state.plugins.type_de_champ(id)).is_some_and(|p| !p.settings.is_empty())
}

async fn page_champs(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    nouveau: &ChampInput,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let types = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?;
    let actives = demarches::plugins_actives(tx.conn(), d.id()).await?;
    let ineligibilite = demarches::ineligibilite(tx.conn(), d.draft_revision()?).await?;
    let revision = revisions::bandeau(tx.conn(), d).await?;
    tx.commit().await?;
    let data = json!({
        "titre": format!("Formulaire — {}", d.libelle),
        "revision": revision,
        "demarche": demarche_json(state, d),
        "champs": arbre_json(state, &types),
        "blocs": blocs_json(&types, nouveau),
        "annotation": false,
        // Rules that would block publication, shown while editing.
        "bloquants": crate::domain::regle::verification::bloquants(
            &crate::workflow::regles::formulaire_usager(&types),
            ineligibilite.as_ref(),
        ),
        // Rules that failed on usagers' answers (the usager only saw the
        // champ shown): the draft's, and the published form's.
        "echecs": echecs(state, d, &types, ineligibilite.as_ref())?,
        "ineligibilite": ineligibilite.as_ref().map(|i| json!({
            "regle": crate::domain::regle::decrire(&i.regle, &types),
            "message": i.message,
        })),
        "types": types_disponibles(state, &actives, &nouveau.type_champ),
        "plugins_installes": !state.plugins.types_de_champ().is_empty(),
        "form": nouveau,
        "obligatoire": nouveau.obligatoire.is_some(),
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/champs", data, erreurs)
}

async fn champs(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    page_champs(&state, &ctx, &d, &ChampInput::default(), &Erreurs::new()).await
}

async fn ajouter_champ(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<ChampInput>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::ajouter_champ(&state, &admin, id, Liste::Formulaire, &f).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}/champs?notice=champ-ajoute")).into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            page_champs(&state, &ctx, &d, &f, &erreurs).await
        }
    }
}

async fn page_champ(
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
        "titre": "Modifier un champ",
        "demarche": demarche_json(state, d),
        "stable_id": stable_id,
        "types": types_disponibles(state, &actives, &form.type_champ),
        "obligatoire": form.obligatoire.is_some(),
        // A file champ's formats and model have their own page.
        "fichier": TypeChamp::parse(&form.type_champ).is_some_and(|t| t.est_fichier()),
        "notice": TypeChamp::parse(&form.type_champ).is_some_and(|t| t == TypeChamp::Explication),
        // So are a plugin champ's own settings.
        "reglages_plugin": TypeChamp::parse(&form.type_champ).is_some_and(|t| reglages_plugin(state, &t)),
        "form": form,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/champ", data, erreurs)
}

async fn champ(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let stable_id = StableId(ids.second()?);
    let mut tx = state.store.read().await?;
    let types = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?;
    tx.commit().await?;
    let t = types.iter().find(|t| t.stable_id == stable_id).ok_or(AppError::NotFound)?;
    let form = ChampInput::depuis(t);
    page_champ(&state, &ctx, &d, stable_id, form, &Erreurs::new()).await
}

async fn modifier_champ(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<ChampInput>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let stable_id = StableId(ids.second()?);
    match wf::modifier_champ(&state, &admin, id, Liste::Formulaire, stable_id, &f).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}/champs?notice=champ-modifie")).into_response()),
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            page_champ(&state, &ctx, &d, stable_id, f, &erreurs).await
        }
    }
}

async fn supprimer_champ(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    wf::supprimer_champ(&state, &admin, id, Liste::Formulaire, StableId(ids.second()?)).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}/champs?notice=champ-supprime")).into_response())
}

/// The copy lands right below the original; the page goes back to it.
async fn dupliquer_champ(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let copie = wf::dupliquer_champ(&state, &admin, id, Liste::Formulaire, StableId(ids.second()?)).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}/champs?notice=champ-duplique#champ-{copie}")).into_response())
}

#[derive(Deserialize)]
pub(super) struct Sens {
    #[serde(default)]
    sens: String,
}

impl Sens {
    /// `haut`, `bas`, `entrer` (into the block above), `sortir` (of its block).
    pub(super) fn deplacement(&self) -> Result<wf::Deplacement, AppError> {
        Ok(match self.sens.as_str() {
            "haut" => wf::Deplacement::Monter,
            "bas" => wf::Deplacement::Descendre,
            "entrer" => wf::Deplacement::EntrerDansBloc,
            "sortir" => wf::Deplacement::SortirDuBloc,
            _ => return Err(AppError::BadRequest("Déplacement inconnu.".into())),
        })
    }
}

async fn deplacer_champ(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Sens>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    let stable_id = ids.second()?;
    wf::deplacer_champ(&state, &admin, id, Liste::Formulaire, StableId(stable_id), f.deplacement()?).await?;
    Ok(Redirect::to(&format!("/admin/demarches/{id}/champs#champ-{stable_id}")).into_response())
}

async fn page_publication(
    state: &AppState,
    ctx: &Ctx,
    d: &DemarcheRow,
    path: &str,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let manques = if d.etat().peut_etre_publiee() {
        let mut tx = state.store.read().await?;
        let manques = wf::manques(state, tx.conn(), d, chrono::Utc::now()).await?;
        tx.commit().await?;
        manques
    } else {
        Vec::new()
    };
    let (titre_page, bouton) = match d.etat() {
        EtatDemarche::Brouillon => ("Publier la démarche", "Publier"),
        EtatDemarche::Publiee => ("Changer l'adresse de la démarche", "Changer l'adresse"),
        EtatDemarche::Close | EtatDemarche::Depubliee => ("Publier à nouveau la démarche", "Publier à nouveau"),
    };
    let data = json!({
        "titre": format!("{titre_page} — {}", d.libelle),
        "titre_page": titre_page,
        "bouton": bouton,
        "demarche": demarche_json(state, d),
        "path": path,
        "prefixe": state.config.url("/commencer/"),
        "erreurs": erreurs,
        "manques": manques,
    });
    ctx.form_page(state, "administrateur/publier", data, erreurs)
}

async fn publication(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let d = find(&state, &ctx, DemarcheId(ids.first()?)).await?;
    let path = d.path.clone();
    page_publication(&state, &ctx, &d, &path, &Erreurs::new()).await
}

#[derive(Deserialize)]
struct Publication {
    #[serde(default)]
    path: String,
}

async fn publier(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(f): Formulaire<Publication>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let id = DemarcheId(ids.first()?);
    match wf::publier(&state, &admin, id, &f.path).await? {
        Ok(wf::Publication::Publiee) => {
            Ok(Redirect::to(&format!("/admin/demarches/{id}?notice=publiee")).into_response())
        }
        Ok(wf::Publication::AdresseChangee) => {
            Ok(Redirect::to(&format!("/admin/demarches/{id}?notice=adresse-changee")).into_response())
        }
        Err(erreurs) => {
            let d = find(&state, &ctx, id).await?;
            page_publication(&state, &ctx, &d, &f.path, &erreurs).await
        }
    }
}
