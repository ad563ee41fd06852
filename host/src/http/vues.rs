//! View models: what templates receive for champs, dossiers and dates.

use crate::domain::champ::repetition::{self, Lignes, Slot};
use crate::domain::champ::valeur_affichee;
use crate::domain::regle::Evaluation;
use crate::domain::{Erreurs, StableId, TypeChamp, TypeDeChamp};
use crate::plugins::{InputMode, Widget};
use crate::state::AppState;
use crate::store::dossiers::modifications::ModificationDeposee;
use crate::store::dossiers::{DossierRow, TraitementRow, Verification};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

pub mod pagination;
mod territoire;

/// Where a form's values come from: what is stored (answers and rows), or
/// what was just typed.
pub enum Valeurs<'a> {
    Stored(&'a HashMap<StableId, String>, &'a Lignes),
    Typed(&'a HashMap<String, String>),
}

impl Valeurs<'_> {
    pub fn get(&self, tdc: &TypeDeChamp) -> String {
        match self {
            Valeurs::Stored(m, _) => m.get(&tdc.stable_id).cloned().unwrap_or_default(),
            // What the champ's inputs posted, composed as its validator
            // reads it (the free text of « Autre », boxes, linked lists).
            Valeurs::Typed(m) => crate::workflow::dossier::compose_dans(tdc, m, None),
        }
    }

    /// The row ids of a block, in order.
    pub fn lignes(&self, bloc: StableId) -> Vec<String> {
        match self {
            Valeurs::Stored(_, l) => {
                l.get(&bloc).map(|rows| rows.iter().map(|r| r.id.clone()).collect()).unwrap_or_default()
            }
            Valeurs::Typed(m) => {
                repetition::ids_valides(crate::workflow::dossier::multiples(m, &repetition::nom_lignes(bloc)))
            }
        }
    }

    /// Each block's row ids, for the rules.
    pub fn toutes_lignes(&self, types: &[TypeDeChamp]) -> HashMap<StableId, Vec<String>> {
        types
            .iter()
            .filter(|t| t.type_champ == TypeChamp::Repetition)
            .map(|b| (b.stable_id, self.lignes(b.stable_id)))
            .collect()
    }

    /// The value of a champ in a row (`None`: a top-level champ).
    pub fn get_dans(&self, tdc: &TypeDeChamp, row: Option<&str>) -> String {
        match (self, row) {
            (_, None) => self.get(tdc),
            (Valeurs::Stored(_, l), Some(row)) => tdc
                .parent
                .and_then(|bloc| l.get(&bloc))
                .and_then(|rows| rows.iter().find(|r| r.id == row))
                .and_then(|r| r.valeurs.get(&tdc.stable_id))
                .cloned()
                .unwrap_or_default(),
            (Valeurs::Typed(m), Some(row)) => crate::workflow::dossier::compose_dans(tdc, m, Some(row)),
        }
    }
}

/// The stored answers of plugin champs, at the top level and in each row
/// of their block: what [`affichages`] shows.
pub fn reponses_plugins(
    types: &[TypeDeChamp],
    values: &HashMap<StableId, String>,
    lignes: &Lignes,
) -> HashMap<Slot, String> {
    let mut out = HashMap::new();
    for tdc in types.iter().filter(|t| t.type_champ.plugin_id().is_some()) {
        match tdc.parent {
            None => {
                if let Some(value) = values.get(&tdc.stable_id) {
                    out.insert(Slot::racine(tdc.stable_id), value.clone());
                }
            }
            Some(bloc) => {
                for ligne in lignes.get(&bloc).into_iter().flatten() {
                    if let Some(value) = ligne.valeurs.get(&tdc.stable_id) {
                        out.insert(Slot::dans(tdc.stable_id, Some(&ligne.id)), value.clone());
                    }
                }
            }
        }
    }
    out
}

/// How plugin answers with data attached show their value, at the top
/// level and in rows: each plugin's `display` (the établissement behind a
/// SIRET, the measures of a drawing). A plugin that cannot answer now is
/// skipped: the page shows the value.
pub async fn affichages(
    state: &AppState,
    types: &[TypeDeChamp],
    values: &HashMap<Slot, String>,
    donnees: &HashMap<Slot, String>,
    reglages: &HashMap<String, String>,
) -> HashMap<Slot, String> {
    let par_id: HashMap<StableId, &TypeDeChamp> = types.iter().map(|t| (t.stable_id, t)).collect();
    let mut shown = HashMap::new();
    for (slot, value) in values {
        let Some(tdc) = par_id.get(&slot.champ) else { continue };
        let Some(plugin) = tdc.type_champ.plugin_id() else { continue };
        let options = crate::workflow::dossier::options_du_champ(reglages, tdc);
        let donnees = donnees.get(slot).map(String::as_str);
        match state.plugins.display(plugin, value, donnees, &options).await {
            Ok(text) if text != *value => {
                shown.insert(slot.clone(), text);
            }
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, plugin, "display unavailable, showing the value"),
        }
    }
    shown
}

/// The box under a value whose plugin asks the usager to confirm what it
/// found: the value, the box's value (`confirmation_jeton`), whether ticked.
pub struct Confirmation {
    pub valeur: String,
    pub jeton: String,
    pub checked: bool,
}

/// What every champ of a form view is made from.
#[derive(Clone, Copy)]
pub struct FormView<'a> {
    pub state: &'a AppState,
    pub valeurs: &'a Valeurs<'a>,
    /// What plugins found about the values, shown under the field (the
    /// établissement of a SIRET…), at the top level and in rows.
    pub affichages: &'a HashMap<Slot, String>,
    /// For those, the value shown and whether the usager confirmed it.
    pub confirmations: &'a HashMap<Slot, Confirmation>,
    pub reglages: &'a HashMap<String, String>,
    pub erreurs: &'a Erreurs,
    pub regles: &'a Evaluation,
}

/// Where a champ of a block stands: its row's id and rank.
#[derive(Clone, Copy)]
struct Rang<'a> {
    bloc: StableId,
    id: &'a str,
    rang: usize,
}

/// The champs of the usager's form, ready for `partials/champ`: the
/// top-level ones in order, a block with its rows (each row its champs).
pub fn champs_formulaire(f: &FormView<'_>, types: &[TypeDeChamp]) -> Vec<Value> {
    types
        .iter()
        .filter(|t| t.parent.is_none())
        .map(|tdc| {
            let mut vue = vue_champ(f, tdc, None);
            if tdc.type_champ == TypeChamp::Repetition
                && let Some(o) = vue.as_object_mut()
            {
                let ids = f.valeurs.lignes(tdc.stable_id);
                o.insert("plein".into(), Value::from(ids.len() >= repetition::MAX_LIGNES));
                o.insert("lignes".into(), Value::Array(lignes_formulaire(f, types, tdc, &ids)));
                o.insert("nom_lignes".into(), Value::from(repetition::nom_lignes(tdc.stable_id)));
            }
            vue
        })
        .collect()
}

/// The rows of a block, each with its champs named by the row.
fn lignes_formulaire(f: &FormView<'_>, types: &[TypeDeChamp], bloc: &TypeDeChamp, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .enumerate()
        .map(|(rang, id)| {
            let ligne = Rang { bloc: bloc.stable_id, id, rang };
            let champs: Vec<Value> =
                repetition::enfants(types, bloc.stable_id).map(|t| vue_champ(f, t, Some(ligne))).collect();
            json!({
                "id": id,
                "numero": rang + 1,
                "champs": champs,
                "supprimer": format!("supprimer:{}:{id}", bloc.stable_id.0),
            })
        })
        .collect()
}

/// One champ of the form (in a row when `ligne` says which).
fn vue_champ(f: &FormView<'_>, tdc: &TypeDeChamp, ligne: Option<Rang<'_>>) -> Value {
    let FormView { state, valeurs, affichages, confirmations, reglages, erreurs, regles } = *f;
    let row = ligne.map(|l| l.id);
    let slot = Slot::dans(tdc.stable_id, row);
    let name = slot.nom(&tdc.input_name());
    let calculs = match ligne {
        Some(l) => regles.calculs_lignes.get(&(l.bloc, l.rang)),
        None => Some(&regles.calculs),
    };
    let masque = match ligne {
        Some(l) => regles.masques_lignes.get(&(l.bloc, l.rang)).is_some_and(|m| m.contains(&tdc.stable_id)),
        None => !regles.visible(tdc.stable_id),
    };
    let value = match (valeurs, &tdc.type_champ) {
        // Written by its rule, as it reads now.
        (_, TypeChamp::Calcul) => {
            valeur_affichee(tdc, calculs.and_then(|c| c.get(&tdc.stable_id)).and_then(Option::as_deref))
        }
        // A stored number is shown as the usager would type it
        // (« 12 000,5 », not « 12000.5 »); what was just typed stays
        // as typed.
        (Valeurs::Stored(..), TypeChamp::IntegerNumber | TypeChamp::DecimalNumber) => {
            crate::domain::champ::nombre_francais(&valeurs.get_dans(tdc, row))
        }
        // Numbers the usager recognises: « 06 12 34 56 78 », an IBAN by four.
        (Valeurs::Stored(..), TypeChamp::Phone | TypeChamp::Iban) => {
            valeur_affichee(tdc, Some(&valeurs.get_dans(tdc, row)))
        }
        _ => valeurs.get_dans(tdc, row),
    };
    let plugin = tdc.type_champ.plugin_id().and_then(|id| state.plugins.type_de_champ(id));
    // How a plugin's champ is asked for is the plugin's `[input]`:
    // no page knows a plugin by its id.
    let input = plugin.as_ref().map(|p| p.input.clone()).unwrap_or_default();
    let kind = match &tdc.type_champ {
        TypeChamp::Plugin(_) if input.widget == Widget::Map => "carte".to_string(),
        TypeChamp::Plugin(_) => "plugin".to_string(),
        other => other.as_str(),
    };
    let (input_type, inputmode) = match &tdc.type_champ {
        TypeChamp::IntegerNumber => ("text", "numeric"),
        TypeChamp::DecimalNumber => ("text", "decimal"),
        TypeChamp::Date => ("date", ""),
        TypeChamp::Plugin(_) => ("text", input.inputmode.map_or("", InputMode::as_str)),
        _ => ("text", ""),
    };
    // This champ's settings: two maps of one form may each take their own
    // number of shapes.
    let options = match tdc.type_champ {
        TypeChamp::Plugin(_) => {
            serde_json::from_str::<Value>(&crate::workflow::dossier::options_du_champ(reglages, tdc)).ok()
        }
        _ => None,
    };
    let option = |key: &str| options.as_ref().and_then(|o| o.get(key).cloned()).unwrap_or(Value::Null);
    let suggestions = plugin.as_ref().is_some_and(|p| p.has(crate::plugins::Capability::Suggest));
    let hint = match &tdc.type_champ {
        TypeChamp::IntegerNumber => "Nombre entier, par exemple 42".to_string(),
        TypeChamp::DecimalNumber => "Nombre, par exemple 12,5".to_string(),
        TypeChamp::Date => "Format attendu : JJ/MM/AAAA".to_string(),
        // A plugin's own description speaks to administrateurs
        // (« API Entreprise »…): usagers get the hint its manifest writes
        // for them, or nothing beyond the champ's description.
        TypeChamp::Plugin(_) => input.hint.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let autocomplete = match tdc.type_champ {
        TypeChamp::Plugin(_) => input.autocomplete.map(crate::plugins::Autocomplete::as_str),
        _ => None,
    };
    let mut vue = json!({
        "stable_id": tdc.stable_id.0,
        // Hidden by its display condition: on the page (a script
        // shows it when an answer changes), not announced.
        "masque": masque,
        "name": name,
        "kind": kind,
        "libelle": tdc.libelle,
        "description": tdc.description,
        "hint": hint,
        "obligatoire": tdc.obligatoire,
        "value": value,
        "erreur": erreurs.get(&name),
        "input_type": input_type,
        "inputmode": inputmode,
        "oui": value == "true",
        "non": value == "false",
        "checked": value == "true" || value == "on",
        "options": tdc.options.choix.iter().map(|o| json!({ "value": o, "selected": *o == value })).collect::<Vec<_>>(),
        "affichage": affichages.get(&slot),
        "territoire": territoire::champ(tdc, &value),
        // The box confirming what the plugin found, when it asks for one.
        "confirmation": plugin.as_ref().and_then(|p| p.confirmation.as_ref()).and_then(|libelle| {
            confirmations.get(&slot).map(|c| {
                let box_name = crate::workflow::dossier::confirmation_name(&slot);
                json!({
                    "erreur": erreurs.get(&box_name),
                    "name": box_name,
                    "libelle": libelle,
                    "valeur": c.valeur,
                    "jeton": c.jeton,
                    "checked": c.checked,
                })
            })
        }),
        // Relative: the form lives at /dossiers/{id}/brouillon or /modifier.
        "suggestions": suggestions.then(|| format!("champs/{}/suggestions", tdc.stable_id.0)),
        "carte_tuiles": state.config.map_tiles.as_ref().map_or("", |t| t.url.as_str()),
        "carte_attribution": state.config.map_tiles.as_ref().map_or("", |t| t.attribution.as_str()),
        "carte_geometries": option("geometries").as_str().unwrap_or(""),
        "carte_max": option("max-geometries").as_i64().unwrap_or(50),
    });
    if kind == "carte"
        && let Some(o) = vue.as_object_mut()
    {
        o.extend(vue_carte_sans_script(valeurs, erreurs, &name, &value, option("geometries").as_str().unwrap_or("")));
    }
    if let Some(o) = vue.as_object_mut() {
        o.extend(super::vues_catalogue::champ(tdc, &value));
        if let Some(token) = autocomplete {
            o.insert("autocomplete".into(), Value::from(token));
        }
    }
    vue
}

/// The map champ without a map: the drawing as positions typed one per
/// line (`workflow::dossier::trace`), as just typed or as stored.
fn vue_carte_sans_script(
    valeurs: &Valeurs<'_>,
    erreurs: &Erreurs,
    name: &str,
    value: &str,
    geometries: &str,
) -> serde_json::Map<String, Value> {
    use crate::domain::geometrie::{self, coordonnees::Forme};
    use crate::workflow::dossier::trace;
    let enregistre = geometrie::coordonnees::depuis_geojson(value);
    let tape = match valeurs {
        Valeurs::Typed(m) => m.get(&trace::nom_coordonnees(name)).map(|t| {
            let forme = m.get(&trace::nom_forme(name)).and_then(|f| Forme::parse(f));
            (forme, t.clone(), m.get(&trace::nom_initiales(name)).cloned().unwrap_or_default())
        }),
        Valeurs::Stored(..) => None,
    };
    let (forme, positions, initiales) = tape.unwrap_or_else(|| {
        let (forme, positions) = enregistre.clone().map_or((None, String::new()), |(f, p)| (Some(f), p));
        (forme, positions.clone(), trace::initiales(forme, &positions))
    });
    // The kinds the champ's `geometries` option allows, as the map's tools.
    let genres = geometries.to_lowercase();
    let permises: Vec<Forme> = Forme::TOUTES
        .into_iter()
        .filter(|f| {
            genres.is_empty()
                || genres.contains(match f {
                    Forme::Points => "point",
                    Forme::Lignes => "ligne",
                    Forme::Surfaces => "polygone",
                })
        })
        .collect();
    let choisie = forme.filter(|f| permises.contains(f)).or(permises.first().copied());
    // What the page shows must be what `initiales` says it shows.
    let initiales = match (valeurs, enregistre.is_some()) {
        (Valeurs::Typed(_), _) | (_, true) => initiales,
        _ => trace::initiales(choisie, ""),
    };
    let mut vue = serde_json::Map::new();
    vue.insert(
        "carte_formes".into(),
        permises
            .iter()
            .map(|f| json!({ "value": f.as_str(), "libelle": f.libelle(), "selected": Some(*f) == choisie }))
            .collect(),
    );
    vue.insert("carte_coordonnees".into(), Value::from(positions));
    vue.insert("carte_initiales".into(), Value::from(initiales));
    vue.insert("carte_coordonnees_erreur".into(), json!(erreurs.get(&trace::nom_coordonnees(name))));
    vue.insert("carte_enregistre".into(), json!(geometrie::description(value).filter(|_| !value.is_empty())));
    vue
}

/// A part of a dossier's answers: those under one section heading (none for
/// the answers before the first heading). Each part is its own `<dl>`, so the
/// heading stays outside the list: a `<dl>` may hold only `<dt>`/`<dd>`
/// groups, and screen readers announce the list's size from them.
#[derive(serde::Serialize)]
pub struct SectionLecture {
    pub titre: Option<String>,
    pub champs: Vec<Value>,
}

/// What plugins said about a dossier's answers, as its reading pages show
/// it next to each answer (top-level or in a row).
#[derive(Default)]
pub struct LecturePlugins {
    /// What `display` made of the values.
    pub affichages: HashMap<Slot, String>,
    /// Where deferred checks stand.
    pub verifications: HashMap<Slot, Verification>,
    /// Données found after the dépôt, never confirmed by the usager
    /// (shown to instructeurs).
    pub non_confirmes: Vec<Slot>,
}

impl LecturePlugins {
    /// The keys `partials/reponse_lecture` reads about one answer.
    fn de(&self, slot: &Slot) -> [(&'static str, Value); 4] {
        let verification = self.verifications.get(slot);
        [
            ("affichage", json!(self.affichages.get(slot))),
            ("verification_en_attente", Value::from(verification == Some(&Verification::EnAttente))),
            ("non_confirme", Value::from(self.non_confirmes.contains(slot))),
            (
                "verification_refusee",
                match verification {
                    Some(Verification::Refusee(message)) => Value::from(message.as_str()),
                    _ => Value::Null,
                },
            ),
        ]
    }
}

/// The answers of a dossier as read by the usager or an instructeur, with
/// what plugins said about them, in parts by section heading.
pub fn champs_lecture(
    state: &AppState,
    types: &[TypeDeChamp],
    values: &HashMap<StableId, String>,
    lignes: &Lignes,
    plugins: &LecturePlugins,
) -> Vec<SectionLecture> {
    let mut sections = vec![SectionLecture { titre: None, champs: Vec::new() }];
    for tdc in types.iter().filter(|t| t.parent.is_none()) {
        if tdc.type_champ == TypeChamp::HeaderSection {
            sections.push(SectionLecture { titre: Some(tdc.libelle.clone()), champs: Vec::new() });
            continue;
        }
        if tdc.type_champ == TypeChamp::Repetition {
            let rows = lignes.get(&tdc.stable_id).map(Vec::as_slice).unwrap_or_default();
            // A block its condition hid was emptied at dépôt.
            if tdc.condition.is_some() && rows.is_empty() {
                continue;
            }
            if let Some(section) = sections.last_mut() {
                section.champs.push(bloc_lecture(state, types, tdc, rows, plugins));
            }
            continue;
        }
        if !tdc.type_champ.has_value() {
            continue;
        }
        let value = values.get(&tdc.stable_id).map(String::as_str);
        // A champ its condition hid was cleared at dépôt: not a question
        // of this dossier.
        if tdc.condition.is_some() && value.is_none() {
            continue;
        }
        if let Some(section) = sections.last_mut() {
            section.champs.push(reponse_lecture(state, tdc, value, &Slot::racine(tdc.stable_id), plugins));
        }
    }
    // An empty untitled first part (the form starts with a heading) would
    // be an empty <dl>.
    sections.retain(|s| s.titre.is_some() || !s.champs.is_empty());
    sections
}

/// One answer as read, top-level or in a row (`slot`).
fn reponse_lecture(
    state: &AppState,
    tdc: &TypeDeChamp,
    value: Option<&str>,
    slot: &Slot,
    plugins: &LecturePlugins,
) -> Value {
    // A drawing reads as a list of shapes, not as its GeoJSON; the
    // GeoJSON goes to the read-only map static/carte.js draws.
    // Any plugin asking for the map widget stores GeoJSON.
    let carte = crate::workflow::dossier::trace::est_carte(state, tdc);
    let formes = value.filter(|v| carte && !v.is_empty()).and_then(crate::domain::geometrie::description);
    let mut champ = json!({
        "stable_id": tdc.stable_id.0,
        "libelle": tdc.libelle,
        "valeur": valeur_affichee(tdc, value),
        // A linked dossier, as a link where the reader may open it
        // (set by the instructeur's page after a scoped lookup).
        "dossier_lie": (tdc.type_champ == TypeChamp::DossierLink).then(|| value.and_then(crate::domain::champ::numero_dossier)).flatten(),
        "geojson": formes.as_ref().and(value),
        "formes": formes,
        "fichiers": null,
    });
    if let Some(o) = champ.as_object_mut() {
        o.extend(plugins.de(slot).map(|(k, v)| (k.to_string(), v)));
    }
    champ
}

/// A block as read: each row a numbered list of its answers (a champ its
/// condition hid in that row was cleared: left out).
fn bloc_lecture(
    state: &AppState,
    types: &[TypeDeChamp],
    bloc: &TypeDeChamp,
    rows: &[repetition::Ligne],
    plugins: &LecturePlugins,
) -> Value {
    let lignes: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(rang, ligne)| {
            let champs: Vec<Value> = repetition::enfants(types, bloc.stable_id)
                .filter(|t| t.type_champ.has_value())
                .filter_map(|t| {
                    let value = ligne.valeurs.get(&t.stable_id).map(String::as_str);
                    if t.condition.is_some() && value.is_none() {
                        return None;
                    }
                    Some(reponse_lecture(state, t, value, &Slot::dans(t.stable_id, Some(&ligne.id)), plugins))
                })
                .collect();
            json!({ "id": ligne.id, "numero": rang + 1, "champs": champs })
        })
        .collect();
    json!({
        "stable_id": bloc.stable_id.0,
        "libelle": bloc.libelle,
        "bloc": true,
        "lignes": lignes,
    })
}

/// The annotations privées of a dossier as instructeurs read them, in
/// parts by section heading, a block with its rows (no plugin display, no
/// deferred check: only instructeurs write them, with no plugin check yet).
pub fn annotations_lecture(
    state: &AppState,
    types: &[TypeDeChamp],
    values: &HashMap<StableId, String>,
    lignes: &Lignes,
) -> Vec<SectionLecture> {
    champs_lecture(state, types, values, lignes, &LecturePlugins::default())
}

/// Answers whose plugin asks the usager to confirm what it found, with
/// données the usager did not confirm (found by a check deferred past the
/// dépôt): instructeurs see it.
pub fn non_confirmes(
    state: &AppState,
    types: &[TypeDeChamp],
    donnees: &HashMap<Slot, String>,
    confirmes: &[Slot],
) -> Vec<Slot> {
    let demande = |id: StableId| {
        types
            .iter()
            .find(|t| t.stable_id == id)
            .and_then(|t| t.type_champ.plugin_id())
            .and_then(|plugin| state.plugins.plugin(plugin))
            .is_some_and(|p| p.confirmation.is_some())
    };
    let mut slots: Vec<Slot> =
        donnees.keys().filter(|slot| !confirmes.contains(slot) && demande(slot.champ)).cloned().collect();
    slots.sort();
    slots
}

/// A PDF download: attachment, never sniffed, never cached by shared caches
/// (it holds personal data).
pub fn pdf(filename: String, data: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    // The name comes from a plugin (checked plain by the host) or the host.
    let safe: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        data,
    )
        .into_response()
}

pub fn dossier(d: &DossierRow) -> Value {
    let etat = d.etat();
    json!({
        "id": d.id,
        "numero": d.id,
        "etat": etat.as_str(),
        "etat_libelle": etat.libelle(),
        "badge": badge(etat),
        "demarche_libelle": d.demarche_libelle,
        "usager_email": d.usager_email,
        "motivation": d.motivation,
        "for_test": d.for_test,
        "termine": etat.is_termine(),
        "brouillon": etat == crate::domain::EtatDossier::Brouillon,
        "en_construction": etat == crate::domain::EtatDossier::EnConstruction,
        "en_instruction": etat == crate::domain::EtatDossier::EnInstruction,
        "cree_le": date_heure(d.created_at),
        "modifie_le": date_heure(d.updated_at),
        "depose_le": d.depose_at.map(date_heure),
        "traite_le": d.processed_at.map(date_heure),
        "corbeille": d.corbeille_usager_at.is_some(),
        // Since when its usager has been changing it: the changes wait to
        // be filed (pages and lists say so).
        "modifications_depuis": d
            .modifications_depuis
            .filter(|_| etat == crate::domain::EtatDossier::EnConstruction)
            .map(date_heure),
        // What the usager may send to the corbeille (the link to its
        // confirmation page).
        "supprimable": d.corbeille_usager_at.is_none() && etat != crate::domain::EtatDossier::EnInstruction,
    })
}

/// What the corbeille says about a dossier the usager put there: when,
/// whether it can still be restored, and until when (never deleted
/// through the corbeille: no date). `None` out of the corbeille.
pub fn corbeille(d: &DossierRow, now: DateTime<Utc>) -> Option<Value> {
    use crate::domain::dossier::corbeille::{MiseEnCorbeille, restaurable};
    let at = d.corbeille_usager_at?;
    let fin = MiseEnCorbeille::de(d.etat()).ok().and_then(|m| m.suppression_le(at));
    Some(json!({
        "corbeille_le": date_heure(at),
        "restaurable": restaurable(d.etat(), at, now),
        "suppression_le": fin.map(date_heure),
    }))
}

fn badge(etat: crate::domain::EtatDossier) -> &'static str {
    use crate::domain::EtatDossier as E;
    match etat {
        E::Brouillon => "fr-badge--new",
        E::EnConstruction => "fr-badge--info",
        E::EnInstruction => "fr-badge--warning",
        E::Accepte => "fr-badge--success",
        E::Refuse => "fr-badge--error",
        E::SansSuite => "",
    }
}

/// A dossier's history, oldest first: its changes of state and the
/// changes its usagers filed while it was en construction.
pub fn historique(traitements: &[TraitementRow], modifications: &[ModificationDeposee]) -> Vec<Value> {
    let etats = traitements.iter().map(|t| {
        let libelle = crate::domain::EtatDossier::parse(&t.etat).map(|e| e.libelle()).unwrap_or("");
        (t.processed_at, json!({ "libelle": libelle, "auteur": t.auteur_email, "detail": t.motivation }))
    });
    let modifiees = modifications.iter().map(|m| {
        let detail = m.champs.join(", ");
        (m.deposees_at, json!({ "libelle": "Modifications déposées", "auteur": m.auteur_email, "detail": detail }))
    });
    let mut lignes: Vec<(chrono::DateTime<chrono::Utc>, Value)> = etats.chain(modifiees).collect();
    // Stable: a filing and a change of state at the same instant keep
    // their kinds' order.
    lignes.sort_by_key(|(le, _)| *le);
    lignes
        .into_iter()
        .map(|(le, mut v)| {
            v["le"] = json!(date_heure(le));
            v
        })
        .collect()
}

/// Answers a dossier keeps for champs since removed from its form (a
/// revision published after it was filled): libellé and value, in the
/// order the champs had. Blocks and champs without a value are left out.
pub fn reponses_retirees(retires: &[TypeDeChamp], values: &HashMap<StableId, String>) -> Vec<Value> {
    retires
        .iter()
        .filter(|t| t.type_champ.has_value() && t.type_champ != TypeChamp::Repetition && t.parent.is_none())
        .filter_map(|t| {
            let valeur = valeur_affichee(t, values.get(&t.stable_id).map(String::as_str));
            (!valeur.is_empty()).then(|| json!({ "libelle": t.libelle, "valeur": valeur }))
        })
        .collect()
}

/// A démarche's cadre juridique as shown to usagers: a link when the
/// administrateur gave an address, the text otherwise.
pub fn cadre_juridique(texte: &str) -> Value {
    match url::Url::parse(texte.trim()) {
        Ok(u) if matches!(u.scheme(), "https" | "http") => json!({ "lien": texte.trim() }),
        _ if texte.trim().is_empty() => Value::Null,
        _ => json!({ "texte": texte }),
    }
}

/// A deadline as the administrateur chose it: « 14/09/2026 à 23 h 59 »
/// (it is stored as the midnight that ends that day in Paris).
pub fn date_limite(fin: DateTime<Utc>) -> String {
    format!("{} à 23 h 59", crate::domain::heure::jour_de_la_fin(fin).format("%d/%m/%Y"))
}

pub use crate::domain::heure::date_heure;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_shown_in_french_time_across_summer_time() {
        let winter = Utc.with_ymd_and_hms(2026, 1, 15, 10, 5, 0).unwrap();
        assert_eq!(date_heure(winter), "15/01/2026 à 11 h 05");
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 10, 5, 0).unwrap();
        assert_eq!(date_heure(summer), "01/07/2026 à 12 h 05");
        // 2026-03-29 is the last Sunday of March: 00:59 UTC is still winter.
        let before = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap();
        assert_eq!(date_heure(before), "29/03/2026 à 1 h 59");
        let after = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
        assert_eq!(date_heure(after), "29/03/2026 à 3 h 00");
    }
}
