//! The usager's pages: a démarche's start page, their dossiers, the form.

use crate::domain::champ::{self as domain_champ, repetition};
use crate::domain::demarche::EtatDemarche;
use crate::domain::demarche::fichier::UsageFichier;
use crate::domain::dossier::preremplissage;
use crate::domain::limite::{SUGGESTIONS_COMPTE, SUGGESTIONS_IP, sujet_ip};
use crate::domain::regle::Valeurs as RegleValeurs;
use crate::domain::{DossierId, Erreurs, EtatDossier};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::ctx::ClientIp;
use crate::http::form::{Formulaire, Ids, SaisieDossier};
use crate::http::pieces_jointes::{self, CibleFichiers};
use crate::http::vues::{self, Valeurs};
use crate::state::AppState;
use crate::store::{attestations, demarches, dossiers};
use crate::workflow::dossier::{self as wf, Saisie};
use crate::workflow::limites;
use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;

mod enregistrement;
mod invitations;
mod mes_dossiers;
mod preremplir;
mod transferts;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/commencer/{path}", get(demarche).post(commencer))
        .route("/commencer/test/{path}", get(demarche_test).post(commencer_test))
        .route("/dossiers/{id}", get(dossier))
        .route("/dossiers/{id}/champs/{stable_id}/suggestions", get(suggestions))
        .route("/dossiers/{id}/attestation", get(attestation))
        .route("/dossiers/{id}/pdf", get(pdf))
        .route("/dossiers/{id}/regles", axum::routing::post(regles))
        .merge(mes_dossiers::routes())
        .merge(enregistrement::routes())
        .merge(transferts::routes())
        .merge(preremplir::routes())
        .merge(invitations::routes())
}

/// The dossier form's routes: they may carry files (multipart), so they
/// have the upload body limit (`http::router`).
pub fn routes_formulaire() -> Router<AppState> {
    Router::new()
        .route("/dossiers/{id}/brouillon", get(brouillon).post(enregistrer))
        .route("/dossiers/{id}/modifier", get(modification).post(modifier))
        .route("/dossiers/{id}/modifications/annuler", axum::routing::post(annuler_modifications))
}

async fn demarche(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let prerempli = prerempli(query.as_deref().unwrap_or(""))?;
    page_demarche(&state, &ctx, &path, false, &prerempli).await
}

/// The hidden inputs a link's answers take through the start page (a
/// public API token, or the answers themselves): none for a plain link.
fn prerempli(query: &str) -> Result<Vec<(String, String)>, AppError> {
    let paires: Vec<(String, String)> =
        url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if let Some((_, jeton)) = paires.iter().find(|(k, _)| k == "prefill_token") {
        return Ok(vec![("prefill_token".to_owned(), jeton.clone())]);
    }
    let valeurs = preremplissage::depuis_requete(paires.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(AppError::Refused)?;
    Ok(preremplissage::champs_caches(&valeurs))
}

async fn demarche_test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    page_demarche(&state, &ctx, &path, true, &[]).await
}

async fn page_demarche(
    state: &AppState,
    ctx: &Ctx,
    path: &str,
    test: bool,
    prerempli: &[(String, String)],
) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let d = match demarches::find_by_path(tx.conn(), path).await {
        Ok(d) => d,
        Err(crate::store::StoreError::NotFound) => {
            // A former address: links printed on leaflets and sites still
            // lead to the démarche.
            let actuel = demarches::paths::actuel(tx.conn(), path).await?;
            tx.commit().await?;
            let actuel = actuel.ok_or(AppError::NotFound)?;
            let prefixe = if test { "/commencer/test" } else { "/commencer" };
            return Ok(crate::error::redirection_permanente(&format!("{prefixe}/{actuel}")));
        }
        Err(e) => return Err(e.into()),
    };
    let etat = d.etat();
    if test && etat != EtatDemarche::Brouillon {
        // A test link kept from before the publication: say where the
        // démarche now is rather than « page not found ».
        tx.commit().await?;
        return ctx.page(
            state,
            "usager/test_termine",
            json!({ "titre": d.libelle, "libelle": d.libelle, "lien": format!("/commencer/{}", d.path) }),
        );
    }
    if !test && etat == EtatDemarche::Brouillon {
        return Err(AppError::NotFound);
    }
    let brouillon = match &ctx.compte {
        Some(c) => dossiers::find_brouillon(tx.conn(), d.id(), crate::domain::CompteId(c.compte_id)).await?,
        None => None,
    };
    // The démarche suggested instead of a closed one, if still published.
    let redirection = match d.redirection_demarche_id.filter(|_| etat == EtatDemarche::Close) {
        Some(r) => match demarches::find(tx.conn(), crate::domain::DemarcheId(r)).await {
            Ok(cible) if cible.etat() == EtatDemarche::Publiee => {
                Some(json!({ "libelle": cible.libelle, "lien": format!("/commencer/{}", cible.path) }))
            }
            Ok(_) | Err(crate::store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let fichiers = demarches::fichiers::list(tx.conn(), d.id()).await?;
    tx.commit().await?;
    let fichier = |usage: UsageFichier| {
        fichiers
            .iter()
            .any(|f| f.usage == usage.as_str())
            .then(|| format!("/demarches/{}/fichiers/{}", d.id, usage.as_str()))
    };
    let action = if test { format!("/commencer/test/{path}") } else { format!("/commencer/{path}") };
    let now = chrono::Utc::now();
    let reglages = d.reglages();
    ctx.page(
        state,
        "usager/demarche",
        json!({
            "titre": d.libelle,
            "demarche": {
                "libelle": d.libelle,
                "description": d.description,
                "service": d.service(),
                "ouverte": d.accepte_depots(now),
                "close": etat == EtatDemarche::Close || (etat == EtatDemarche::Publiee && !d.accepte_depots(now)),
                "depubliee": etat == EtatDemarche::Depubliee,
                "motif_cloture": if etat == EtatDemarche::Close { d.motif_cloture.as_str() } else { crate::workflow::demarche::etats::MOTIF_DATE_LIMITE },
                "redirection": redirection,
                "date_limite": d.date_limite_depot.map(vues::date_limite),
                "notice_url": reglages.notice_url,
                "logo": fichier(UsageFichier::Logo),
                "notice": fichier(UsageFichier::Notice),
                "cadre_juridique_fichier": fichier(UsageFichier::CadreJuridique),
                "lien_site": reglages.lien_site,
                "cadre_juridique": vues::cadre_juridique(&reglages.cadre_juridique),
                "duree_conservation_mois": reglages.duree_conservation_mois,
            },
            "test": test,
            "action": action,
            // Answers from a link start a new brouillon, never resume one.
            "reprendre": brouillon.is_some() && prerempli.is_empty(),
            "prerempli": prerempli.iter().map(|(name, value)| json!({ "name": name, "value": value })).collect::<Vec<_>>(),
            // Signing in comes back here with the link's answers.
            "retour": if prerempli.is_empty() { action.clone() } else { ctx.here.clone() },
        }),
    )
}

/// « Commencer la démarche »: resumes the usager's brouillon or opens one;
/// with a link's answers (hidden inputs of the start page), a new
/// brouillon holding them.
async fn commencer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(path): Path<String>,
    SaisieDossier(saisie): SaisieDossier,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = match saisie.get("prefill_token") {
        Some(jeton) => wf::preremplissage::reclamer(&state, &usager, &path, jeton).await?,
        None => {
            let valeurs = preremplissage::depuis_formulaire(&saisie).map_err(AppError::Refused)?;
            if valeurs.is_empty() {
                wf::commencer(&state, &usager, &path, false).await?
            } else {
                wf::preremplissage::commencer(&state, &usager, &path, &valeurs).await?
            }
        }
    };
    Ok(Redirect::to(&format!("/dossiers/{id}/brouillon")).into_response())
}

async fn commencer_test(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = wf::commencer(&state, &usager, &path, true).await?;
    Ok(Redirect::to(&format!("/dossiers/{id}/brouillon")).into_response())
}

async fn dossier(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let id = ids.first()?;
    let usager = ctx.usager()?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_participant(tx.conn(), DossierId(id), &usager).await?;
    // A brouillon is its form, unless it is in the corbeille: then it is
    // read here, with what restoring it would do.
    if d.etat() == EtatDossier::Brouillon && d.corbeille_usager_at.is_none() {
        // The notice that brought the usager here goes along (« transféré »).
        let query = ctx.here.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
        return Ok(Redirect::to(&format!("/dossiers/{id}/brouillon{query}")).into_response());
    }
    let definition = state.formulaires.de_revision(tx.conn(), d.revision_id()).await?;
    let types = &definition.types;
    // Everything in this one snapshot: the answers in one statement, the
    // démarche's settings from memory, the files only when the form has
    // file champs.
    // The filed answers: changes not filed yet are the form's.
    let reponses = dossiers::reponses(tx.conn(), d.id(), dossiers::Stream::Main).await?;
    let config = state.demarche_config.du_dossier(tx.conn(), &d).await?;
    // Only an accepted dossier has an attestation.
    let attestation = d.etat() == EtatDossier::Accepte && attestations::exists(tx.conn(), d.id()).await?;
    let pieces =
        crate::workflow::pieces_jointes::du_dossier_dans(&mut tx, d.id(), dossiers::Stream::Main, types).await?;
    let retires = crate::workflow::demarche::revisions::champs_retires(tx.conn(), &d, types, &reponses.champs).await?;
    tx.commit().await?;
    let values = &reponses.champs;
    let lignes = repetition::lignes_stockees(types, values, &reponses.valeurs_lignes);
    let plugins = vues::LecturePlugins {
        affichages: vues::affichages(
            &state,
            types,
            &vues::reponses_plugins(types, values, &lignes),
            &reponses.donnees,
            &config.reglages,
        )
        .await,
        verifications: reponses.verifications,
        non_confirmes: Vec::new(),
    };
    let mut champs = vues::champs_lecture(&state, types, values, &lignes, &plugins);
    pieces_jointes::enrichir_lecture(&mut champs, types, &pieces, d.id(), "/dossiers");
    // A revision published since the dépôt may have made champs mandatory
    // or added some: the usager is asked to complete them.
    let a_completer: Vec<String> = if d.etat() == EtatDossier::EnConstruction {
        types
            .iter()
            .filter(|t| t.parent.is_none() && t.condition.is_none())
            .filter_map(|t| domain_champ::manque_obligatoire(t, values.get(&t.stable_id).map(String::as_str)))
            .collect()
    } else {
        Vec::new()
    };
    let mut dossier = vues::dossier(&d);
    if !d.est_a(usager.compte_id) {
        // An invité completes the dossier; deleting it is its owner's.
        dossier["supprimable"] = json!(false);
    }
    ctx.page(
        &state,
        "usager/dossier",
        json!({
            "titre": format!("Dossier n° {}", d.id),
            "dossier": dossier,
            "invite": !d.est_a(usager.compte_id),
            "a_completer": a_completer,
            "retirees": vues::reponses_retirees(&retires, values),
            "service": config.demarche.service(),
            "champs": champs,
            "attestation": attestation.then(|| format!("/dossiers/{id}/attestation")),
            "corbeille": vues::corbeille(&d, chrono::Utc::now()),
            // What the administration says after a dépôt, and where to
            // rate the démarche (only the MonAvis link is kept from its code).
            "message_fin_depot": config.demarche.message_fin_depot,
            // (An empty code is refused like any other: no button.)
            "lien_monavis": crate::domain::demarche::monavis::lien_monavis(&config.demarche.monavis).ok(),
        }),
    )
}

/// The form of a brouillon, or of a dossier en construction being modified.
async fn formulaire(
    state: &AppState,
    ctx: &Ctx,
    id: DossierId,
    attendu: EtatDossier,
    refus: Option<(&Saisie, &wf::Refus)>,
) -> Result<Response, AppError> {
    let saisie = refus.map(|(s, _)| s);
    let aucune = Erreurs::new();
    let erreurs = refus.map_or(&aucune, |(_, r)| &r.erreurs);
    let usager = ctx.usager()?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_participant(tx.conn(), id, &usager).await?;
    if d.etat() != attendu || d.corbeille_usager_at.is_some() {
        return Ok(Redirect::to(&format!("/dossiers/{id}")).into_response());
    }
    let definition = state.formulaires.de_revision(tx.conn(), d.revision_id()).await?;
    let types = &definition.types;
    let config = state.demarche_config.du_dossier(tx.conn(), &d).await?;
    // A dossier en construction shows the changes not filed yet, if any.
    let stream = d.stream_usager();
    let dossiers::Reponses { champs: stored, valeurs_lignes, donnees, confirmes, .. } =
        dossiers::reponses(tx.conn(), id, stream).await?;
    let lignes = repetition::lignes_stockees(types, &stored, &valeurs_lignes);
    let pieces = crate::workflow::pieces_jointes::du_dossier_dans(&mut tx, id, stream, types).await?;
    tx.commit().await?;
    let regles = state.regles.du_formulaire(d.revision_id(), types, definition.ineligibilite.as_ref());
    // What plugins found about the values, for the usager to check and
    // confirm: about the saved ones, or, when the form comes back refused,
    // about the typed ones that passed.
    let stockees = vues::reponses_plugins(types, &stored, &lignes);
    let (trouve_valeurs, trouve_donnees, confirmes) = match refus {
        Some((_, r)) => (&r.valeurs, &r.donnees, r.confirmes.as_slice()),
        None => (&stockees, &donnees, confirmes.as_slice()),
    };
    let affichages = vues::affichages(state, types, trouve_valeurs, trouve_donnees, &config.reglages).await;
    // A box for every value with données whose plugin asks for one, shown
    // or not by `display` (the value stands in for what it found).
    let confirmations: std::collections::HashMap<_, _> = trouve_donnees
        .iter()
        .filter_map(|(slot, found)| {
            trouve_valeurs.get(slot).map(|v| {
                let confirmation = vues::Confirmation {
                    valeur: v.clone(),
                    jeton: wf::confirmation_jeton(v, found),
                    checked: confirmes.contains(slot),
                };
                (slot.clone(), confirmation)
            })
        })
        .collect();
    let valeurs = match saisie {
        Some(s) => Valeurs::Typed(s),
        None => Valeurs::Stored(&stored, &lignes),
    };
    // Which champs show and what computed champs are worth, for the
    // answers on the page (without JavaScript, a save shows the champs an
    // answer makes visible).
    let evaluation = state.regles.evaluer(d.revision_id(), regles.as_deref(), || {
        RegleValeurs::depuis_formulaire(types, &valeurs.toutes_lignes(types), |tdc, row| {
            Some(valeurs.get_dans(tdc, row))
        })
    });
    let brouillon = attendu == EtatDossier::Brouillon;
    let vue = vues::FormView {
        state,
        valeurs: &valeurs,
        affichages: &affichages,
        confirmations: &confirmations,
        reglages: &config.reglages,
        erreurs,
        regles: &evaluation,
    };
    let mut champs = vues::champs_formulaire(&vue, types);
    pieces_jointes::enrichir_formulaire(&mut champs, types, &pieces, CibleFichiers::Dossier { id, csrf: &ctx.csrf });
    // Each file's « Supprimer » button submits a small form of its own,
    // outside the dossier form (Enter in a field never removes a file).
    let suppressions: Vec<Value> = pieces
        .values()
        .flatten()
        .map(|p| json!({ "id": p.id, "action": format!("/dossiers/{id}/pieces/{}/supprimer", p.id) }))
        .collect();
    let fichiers = types.iter().any(|t| t.type_champ.est_fichier());
    let action = if brouillon { format!("/dossiers/{id}/brouillon") } else { format!("/dossiers/{id}/modifier") };
    // With files the form is multipart: its CSRF token goes in the query.
    let action = if fichiers { format!("{action}?{}={}", crate::http::CSRF_FIELD, ctx.csrf) } else { action };
    let data = json!({
        "titre": if brouillon { config.demarche.libelle.clone() } else { format!("Modifier le dossier n° {id}") },
        "dossier": vues::dossier(&d),
        "demarche": { "libelle": config.demarche.libelle, "description": config.demarche.description, "service": config.demarche.service() },
        "champs": champs,
        "erreurs": erreurs,
        "brouillon": brouillon,
        // An invité saves but does not file, delete or invite.
        "invite": !d.est_a(usager.compte_id),
        "action": action,
        "multipart": fichiers,
        "suppressions": suppressions,
        "repetitions": types.iter().any(|t| t.type_champ == crate::domain::TypeChamp::Repetition),
        "ineligible": evaluation.ineligible,
        // The script re-evaluating conditions as the usager answers, only
        // for forms that have rules.
        "regles": regles.is_some().then(|| format!("/dossiers/{id}/regles")),
        // Autosave: into the brouillon, or into the changes to a dossier
        // en construction, which its instructeurs see once filed.
        "enregistrement": if brouillon {
            format!("/dossiers/{id}/champs")
        } else {
            format!("/dossiers/{id}/modifications/champs")
        },
    });
    ctx.form_page(state, "usager/formulaire", data, erreurs)
}

async fn brouillon(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    formulaire(&state, &ctx, DossierId(ids.first()?), EtatDossier::Brouillon, None).await
}

/// One form, two buttons: « Enregistrer le brouillon » and « Déposer le dossier ».
/// Files chosen without JavaScript come in the same post (multipart); a
/// refused file keeps the dossier a brouillon, its error next to its field.
async fn enregistrer(State(state): State<AppState>, ctx: Ctx, ids: Ids, req: Request) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let (mut saisie, erreurs_fichiers) = pieces_jointes::lire_formulaire(&state, &ctx, id, req).await?;
    // « Ajouter un élément » / « Supprimer l'élément »: the brouillon is
    // saved with the row added or removed, and the form shown again there.
    if let Some(ancre) = appliquer_action_ligne(&mut saisie) {
        return match avec_erreurs(wf::enregistrer_brouillon(&state, &usager, id, &saisie).await?, erreurs_fichiers) {
            None => Ok(Redirect::to(&format!("/dossiers/{id}/brouillon#{ancre}")).into_response()),
            Some(refus) => formulaire(&state, &ctx, id, EtatDossier::Brouillon, Some((&saisie, &refus))).await,
        };
    }
    let deposer = saisie.get("intention").map(String::as_str) == Some("deposer");
    let result = if deposer && erreurs_fichiers.is_empty() {
        wf::deposer(&state, &usager, id, &saisie).await?
    } else {
        wf::enregistrer_brouillon(&state, &usager, id, &saisie).await?
    };
    match avec_erreurs(result, erreurs_fichiers) {
        None if deposer => Ok(Redirect::to(&format!("/dossiers/{id}?notice=depose")).into_response()),
        None => Ok(Redirect::to(&format!("/dossiers/{id}/brouillon?notice=brouillon-enregistre")).into_response()),
        Some(refus) => formulaire(&state, &ctx, id, EtatDossier::Brouillon, Some((&saisie, &refus))).await,
    }
}

/// The buttons of a block post `ligne=ajouter:<bloc>` or
/// `ligne=supprimer:<bloc>:<row>`: the row list in `saisie` is changed
/// accordingly. Returns where the page should go back to (the new row, or
/// the block), `None` when the post is no row action.
pub(crate) fn appliquer_action_ligne(saisie: &mut Saisie) -> Option<String> {
    let action = saisie.remove("ligne")?;
    let mut parts = action.split(':');
    let verbe = parts.next()?;
    let bloc: i64 = parts.next()?.parse().ok()?;
    let cle = repetition::nom_lignes(crate::domain::StableId(bloc));
    let mut ids = repetition::ids_valides(wf::multiples(saisie, &cle));
    let ancre = match (verbe, parts.next()) {
        ("ajouter", None) if ids.len() < repetition::MAX_LIGNES => {
            let id = repetition::nouvelle_ligne(chrono::Utc::now().timestamp_millis(), rand::random());
            ids.push(id.clone());
            format!("ligne-{id}")
        }
        ("ajouter", None) => format!("champ-{bloc}"),
        ("supprimer", Some(row)) => {
            ids.retain(|r| r != row);
            format!("champ-{bloc}")
        }
        _ => return None,
    };
    saisie.insert(cle, serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()));
    Some(ancre)
}

/// A workflow's answer with the refusals of the files posted with it.
/// `None` when everything passed.
fn avec_erreurs(result: Result<(), wf::Refus>, fichiers: Erreurs) -> Option<wf::Refus> {
    if fichiers.is_empty() {
        return result.err();
    }
    let mut refus = result.err().unwrap_or_default();
    refus.erreurs.0.extend(fichiers.0);
    Some(refus)
}

async fn modification(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    formulaire(&state, &ctx, DossierId(ids.first()?), EtatDossier::EnConstruction, None).await
}

/// The form of a dossier en construction, two buttons: « Déposer les
/// modifications » and « Enregistrer sans déposer » (kept in the buffer,
/// not shown to instructeurs). A post naming neither (an older page, Enter
/// in a form without blocks) files them, as saving did before the buffer.
async fn modifier(State(state): State<AppState>, ctx: Ctx, ids: Ids, req: Request) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let (mut saisie, erreurs_fichiers) = pieces_jointes::lire_formulaire(&state, &ctx, id, req).await?;
    // « Ajouter un élément » / « Supprimer l'élément »: the changes are
    // kept with the row added or removed, and the form shown again there.
    let ligne = appliquer_action_ligne(&mut saisie);
    let enregistrer = ligne.is_some() || saisie.get("intention").map(String::as_str) == Some("enregistrer");
    let result = if enregistrer || !erreurs_fichiers.is_empty() {
        wf::modifications::enregistrer(&state, &usager, id, &saisie).await?
    } else {
        wf::modifications::deposer(&state, &usager, id, &saisie).await?
    };
    match (avec_erreurs(result, erreurs_fichiers), ligne) {
        (None, Some(ancre)) => Ok(Redirect::to(&format!("/dossiers/{id}/modifier#{ancre}")).into_response()),
        (None, None) if enregistrer => {
            Ok(Redirect::to(&format!("/dossiers/{id}/modifier?notice=modifications-enregistrees")).into_response())
        }
        (None, None) => Ok(Redirect::to(&format!("/dossiers/{id}?notice=modifie")).into_response()),
        (Some(refus), _) => formulaire(&state, &ctx, id, EtatDossier::EnConstruction, Some((&saisie, &refus))).await,
    }
}

/// « Annuler les modifications »: the dossier stays as filed.
async fn annuler_modifications(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(_): Formulaire<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = DossierId(ids.first()?);
    wf::modifications::annuler(&state, &ctx.usager()?, id).await?;
    Ok(Redirect::to(&format!("/dossiers/{id}?notice=modifications-dossier-annulees")).into_response())
}

/// The form's rules evaluated over the answers on the page, for
/// `static/regles.js` to show and hide champs as the usager types (JSON).
/// Without JavaScript a save does the same: nothing depends on this route.
/// The answers are read, never stored.
async fn regles(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    SaisieDossier(saisie): SaisieDossier,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_participant(tx.conn(), id, &usager).await?;
    if !matches!(d.etat(), EtatDossier::Brouillon | EtatDossier::EnConstruction) {
        return Err(AppError::NotFound);
    }
    let definition = state.formulaires.de_revision(tx.conn(), d.revision_id()).await?;
    let types = &definition.types;
    tx.commit().await?;
    let regles = state.regles.du_formulaire(d.revision_id(), types, definition.ineligibilite.as_ref());
    Ok(axum::Json(reponse_regles(&state, d.revision_id(), types, regles.as_deref(), &saisie)).into_response())
}

/// Which champs the answers typed so far hide and what computed champs
/// are worth, at the top level and in each row (JSON for `static/regles.js`).
pub(crate) fn reponse_regles(
    state: &AppState,
    revision: crate::domain::RevisionId,
    types: &[crate::domain::TypeDeChamp],
    regles: Option<&crate::domain::regle::ReglesRevision>,
    saisie: &Saisie,
) -> serde_json::Value {
    let valeurs = Valeurs::Typed(saisie);
    let par_bloc = valeurs.toutes_lignes(types);
    let ev = state.regles.evaluer(revision, regles, || {
        RegleValeurs::depuis_formulaire(types, &par_bloc, |tdc, row| Some(valeurs.get_dans(tdc, row)))
    });
    let calculs: serde_json::Map<String, serde_json::Value> = types
        .iter()
        .filter(|t| t.type_champ == crate::domain::TypeChamp::Calcul)
        .map(|t| {
            let v = ev.calculs.get(&t.stable_id).and_then(Option::as_deref);
            (t.stable_id.0.to_string(), json!(crate::domain::champ::valeur_affichee(t, v)))
        })
        .collect();
    let masques: Vec<i64> = ev.masques.iter().map(|s| s.0).collect();
    // Inside blocks, by row id: the champs hidden in that row and its
    // computed values.
    let mut lignes = serde_json::Map::new();
    for (bloc, ids) in &par_bloc {
        let bloc = *bloc;
        for (rang, row) in ids.iter().enumerate() {
            let masques: Vec<i64> =
                ev.masques_lignes.get(&(bloc, rang)).map(|m| m.iter().map(|s| s.0).collect()).unwrap_or_default();
            let calculs: serde_json::Map<String, serde_json::Value> = repetition::enfants(types, bloc)
                .filter(|t| t.type_champ == crate::domain::TypeChamp::Calcul)
                .map(|t| {
                    let v = ev
                        .calculs_lignes
                        .get(&(bloc, rang))
                        .and_then(|c| c.get(&t.stable_id))
                        .and_then(Option::as_deref);
                    (t.stable_id.0.to_string(), json!(crate::domain::champ::valeur_affichee(t, v)))
                })
                .collect();
            lignes.insert(row.clone(), json!({ "masques": masques, "calculs": calculs }));
        }
    }
    json!({ "masques": masques, "calculs": calculs, "lignes": lignes, "ineligible": ev.ineligible })
}

/// Autocomplete for a plugin champ of the usager's own dossier (JSON for
/// `static/suggestions.js`). Without JavaScript the usager types the value
/// and the plugin checks it at saving: nothing depends on this route.
async fn suggestions(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Path((id, stable_id)): Path<(i64, i64)>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    // Counted before anything else: each call costs a plugin run and an
    // upstream request.
    let compte = usager.compte_id.0.to_string();
    limites::compter(&state, &[(&SUGGESTIONS_COMPTE, &compte), (&SUGGESTIONS_IP, &sujet_ip(ip))]).await?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_participant(tx.conn(), DossierId(id), &usager).await?;
    let definition = state.formulaires.de_revision(tx.conn(), d.revision_id()).await?;
    let types = &definition.types;
    let config = state.demarche_config.du_dossier(tx.conn(), &d).await?;
    tx.commit().await?;
    let reglages = &config.reglages;
    let tdc = types.iter().find(|t| t.stable_id.0 == stable_id).ok_or(AppError::NotFound)?;
    let plugin = tdc.type_champ.plugin_id().ok_or(AppError::NotFound)?;
    let q = query.get("q").map(String::as_str).unwrap_or("");
    let options = wf::options_du_champ(reglages, tdc);
    let list = match state.plugins.suggest(plugin, q, &options, SUGGESTIONS_SHOWN).await {
        Ok(list) => list,
        // Autocomplete is a convenience: when the plugin or its API is down
        // the usager keeps typing, and the value is checked at saving.
        Err(error) => {
            tracing::info!(%error, plugin, "suggestions unavailable");
            Vec::new()
        }
    };
    let items: Vec<_> = list.iter().map(|s| json!({ "value": s.value, "label": s.label })).collect();
    Ok(axum::Json(json!({ "suggestions": items })).into_response())
}

/// Proposals shown under an autocomplete field: enough to find one's
/// address, few enough for a phone screen and a screen reader.
const SUGGESTIONS_SHOWN: u32 = 8;

/// The dossier as a PDF: once filed, the usager's récépissé de dépôt.
async fn pdf(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let mut tx = state.store.read().await?;
    let d = dossiers::find_for_participant(tx.conn(), DossierId(ids.first()?), &usager).await?;
    tx.commit().await?;
    let (filename, data) = wf::pdf::pdf(&state, &d, wf::pdf::Lecteur::Usager).await?;
    Ok(vues::pdf(filename, data))
}

/// The usager's attestation of an accepted dossier.
async fn attestation(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let usager = ctx.usager()?;
    let id = DossierId(ids.first()?);
    let mut tx = state.store.read().await?;
    dossiers::find_for_participant(tx.conn(), id, &usager).await?;
    let a =
        attestations::of_dossier(tx.conn(), id).await?.filter(|a| a.revoquee_le.is_none()).ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let filename = a.filename.clone();
    let data = crate::workflow::extensions::attestation_pdf(&state, a).await.map_err(AppError::Internal)?;
    Ok(vues::pdf(filename, data))
}
