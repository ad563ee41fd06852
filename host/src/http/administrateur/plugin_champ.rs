//! A plugin champ's own settings: the settings its plugin declares
//! (`[[settings]]`), set for this champ only. Each one left empty follows
//! the démarche's page (`/admin/demarches/{id}/plugins/{plugin}/reglages`),
//! so two champs of one plugin may differ only where they need to. A plain
//! form: no JavaScript, errors next to their field, the typed values kept.

use crate::domain::{DemarcheId, Erreurs, StableId};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::form::{Formulaire, Ids};
use crate::plugins::settings::SettingType;
use crate::state::AppState;
use crate::workflow::demarche::{self as wf, ChampPlugin};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Longer string settings get a textarea, as on the démarche's page.
const LONG_SETTING_CHARS: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/demarches/{id}/champs/{stable_id}/plugin", get(page).post(enregistrer))
}

/// A stored setting as its form field holds it: booleans as the choice
/// `oui` / `non` (empty: the démarche's), the rest as text.
fn texte(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "oui".to_owned(),
        Value::Bool(false) => "non".to_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What the démarche's setting is, for the « Comme la démarche » mentions.
fn sur_la_demarche(demarche: &Map<String, Value>, key: &str) -> String {
    match demarche.get(key) {
        Some(Value::Bool(true)) => "oui".to_owned(),
        Some(Value::Bool(false)) => "non".to_owned(),
        Some(Value::Null) | None => "non réglé".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "non réglé".to_owned(),
        Some(other) => texte(other),
    }
}

fn render(
    state: &AppState,
    ctx: &Ctx,
    champ: &ChampPlugin,
    values: &HashMap<String, String>,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let ChampPlugin { demarche: d, tdc, plugin, reglages_demarche } = champ;
    let demarche: Map<String, Value> = serde_json::from_str(reglages_demarche).unwrap_or_default();
    let champs: Vec<Value> = plugin
        .settings
        .iter()
        .map(|s| {
            let value = values.get(&s.key).cloned().unwrap_or_default();
            let herite = format!("Comme la démarche ({})", sur_la_demarche(&demarche, &s.key));
            // The choice list of a boolean: the démarche's, yes or no.
            let choix: Vec<Value> = if s.kind == SettingType::Boolean {
                [("oui", "Oui"), ("non", "Non")]
                    .iter()
                    .map(|(v, l)| json!({ "valeur": v, "libelle": l, "selected": *v == value }))
                    .collect()
            } else {
                s.choices.iter().map(|c| json!({ "valeur": c, "libelle": c, "selected": *c == value })).collect()
            };
            let description = match s.description.as_str() {
                "" => format!("Vide : {}.", herite.to_lowercase()),
                d => format!("{d} Vide : {}.", herite.to_lowercase()),
            };
            json!({
                "key": s.key,
                "libelle": s.libelle,
                "description": description,
                "herite": herite,
                "choix": choix,
                "liste": s.kind == SettingType::Boolean || !s.choices.is_empty(),
                "input_type": if s.kind == SettingType::Integer { "number" } else { "text" },
                "long": s.kind == SettingType::String && s.max_length.is_some_and(|n| n > LONG_SETTING_CHARS),
                "value": value,
                "erreur": erreurs.get(&s.key),
            })
        })
        .collect();
    let base = format!("/admin/demarches/{}/champs/{}", d.id, tdc.stable_id.0);
    let data = json!({
        "titre": format!("Réglages du champ — {}", tdc.libelle),
        "demarche": super::demarche_json(state, d),
        "champ": { "libelle": tdc.libelle, "lien": base },
        "plugin": { "id": plugin.id, "libelle": plugin.libelle },
        "reglages_demarche": format!("/admin/demarches/{}/plugins/{}/reglages", d.id, plugin.id),
        "action": format!("{base}/plugin"),
        "champs": champs,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/plugin_champ", data, erreurs)
}

async fn page(State(state): State<AppState>, ctx: Ctx, ids: Ids) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let champ = wf::champ_plugin(&state, &admin, DemarcheId(ids.first()?), StableId(ids.second()?)).await?;
    let own = champ.tdc.options.plugin.as_ref().and_then(Value::as_object).cloned().unwrap_or_default();
    let values: HashMap<String, String> = own.iter().map(|(k, v)| (k.clone(), texte(v))).collect();
    render(&state, &ctx, &champ, &values, &Erreurs::new())
}

async fn enregistrer(
    State(state): State<AppState>,
    ctx: Ctx,
    ids: Ids,
    Formulaire(form): Formulaire<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let (id, stable_id) = (DemarcheId(ids.first()?), StableId(ids.second()?));
    match wf::regler_plugin_du_champ(&state, &admin, id, stable_id, &form).await? {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/demarches/{id}/champs/{}/plugin?notice=champ-modifie", stable_id.0))
                .into_response())
        }
        Err(erreurs) => {
            // The page comes back as typed, each error next to its field.
            let champ = wf::champ_plugin(&state, &admin, id, stable_id).await?;
            render(&state, &ctx, &champ, &form, &erreurs)
        }
    }
}
