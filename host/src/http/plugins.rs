//! Plugins as the people running them see them: the administrateurs' page
//! (what each plugin is, its limits, whether it is degraded and its last
//! errors) and the operators' Prometheus metrics.

use crate::domain::{DemarcheId, Erreurs};
use crate::error::AppError;
use crate::http::form::Formulaire;
use crate::http::{Ctx, administrateur};
use crate::plugins::settings::SettingType;
use crate::plugins::{ExtensionPoint, PluginStatus};
use crate::security::constant_time_eq;
use crate::state::AppState;
use crate::store::demarches;
use crate::workflow::demarche as wf;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/plugins", get(liste))
        .route("/admin/demarches/{id}/plugins", get(demarche))
        .route("/admin/demarches/{id}/plugins/{plugin}/activer", post(activer))
        .route("/admin/demarches/{id}/plugins/{plugin}/desactiver", post(desactiver))
        .route("/admin/demarches/{id}/plugins/{plugin}/reglages", get(reglages).post(regler))
        .route("/metrics", get(metrics))
}

/// The plugins of one démarche: which are enabled, to enable or disable.
async fn demarche(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, AppError> {
    page_demarche(&state, &ctx, DemarcheId(id), None).await
}

async fn page_demarche(
    state: &AppState,
    ctx: &Ctx,
    id: DemarcheId,
    erreur: Option<String>,
) -> Result<Response, AppError> {
    let d = administrateur::find(state, ctx, id).await?;
    let mut tx = state.store.read().await?;
    let actives = demarches::plugins_actives(tx.conn(), id).await?;
    tx.commit().await?;
    let mut installes = state.plugins.types_de_champ();
    for point in [ExtensionPoint::Routage, ExtensionPoint::Attestation, ExtensionPoint::RendezVous] {
        installes.extend(state.plugins.plugins_of(point));
    }
    let plugins: Vec<Value> = installes
        .into_iter()
        .map(|p| {
            json!({
                "id": p.id,
                "libelle": p.libelle,
                "description": p.description,
                "version": p.version,
                "role": role(p.provides),
                "active": actives.contains(&p.id),
                "reglable": !p.settings.is_empty(),
            })
        })
        .collect();
    let refused = erreur.is_some();
    let data = json!({
        "titre": format!("Plugins — {}", d.libelle),
        "demarche": administrateur::demarche_json(state, &d),
        "plugins": plugins,
        "erreur": erreur,
    });
    if refused {
        ctx.invalid_page(state, "administrateur/plugins_demarche", data)
    } else {
        ctx.page(state, "administrateur/plugins_demarche", data)
    }
}

/// String settings longer than this get a textarea instead of a one-line
/// input.
const LONG_SETTING_CHARS: usize = 500;

/// What an enabled plugin does on the démarche, for the administrateur.
fn role(point: ExtensionPoint) -> &'static str {
    match point {
        ExtensionPoint::TypeDeChamp => "Type de champ",
        ExtensionPoint::Routage => "Routage des dossiers",
        ExtensionPoint::Attestation => "Attestation",
        ExtensionPoint::RendezVous => "Rendez-vous",
    }
}

/// The settings form of an enabled plugin, generated from its manifest.
async fn reglages(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, plugin)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let d = administrateur::find(&state, &ctx, DemarcheId(id)).await?;
    let mut tx = state.store.read().await?;
    let saved = demarches::plugins_reglages(tx.conn(), d.id()).await?;
    tx.commit().await?;
    let saved = saved.get(&plugin).ok_or(AppError::NotFound)?;
    // Not filled yet, or saved under an earlier version whose schema was
    // looser: calls are refused until the administrateur fixes them.
    let alerte = state.plugins.check_options(&plugin, saved).err().map(|reason| {
        let specs = state.plugins.plugin(&plugin).map(|p| p.settings).unwrap_or_default();
        let (_, message) = crate::plugins::settings::schema_refusal(&specs, &reason);
        format!("Ce plugin n'est pas appelé tant que ses réglages ne lui conviennent pas. {message}")
    });
    let values: HashMap<String, String> = match serde_json::from_str::<Value>(saved) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    Value::Bool(true) => "on".to_owned(),
                    Value::Bool(false) | Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect(),
        _ => HashMap::new(),
    };
    page_reglages(&state, &ctx, &d, &plugin, &values, alerte.as_deref(), &Erreurs::new())
}

fn page_reglages(
    state: &AppState,
    ctx: &Ctx,
    d: &crate::store::demarches::DemarcheRow,
    plugin: &str,
    values: &HashMap<String, String>,
    alerte: Option<&str>,
    erreurs: &Erreurs,
) -> Result<Response, AppError> {
    let info = state.plugins.plugin(plugin).ok_or(AppError::NotFound)?;
    let champs: Vec<Value> = info
        .settings
        .iter()
        .map(|s| {
            let value = values.get(&s.key).cloned().unwrap_or_default();
            json!({
                "key": s.key,
                "libelle": s.libelle,
                "description": s.description,
                "required": s.required,
                "choix": s.choices.iter().map(|c| json!({ "valeur": c, "selected": *c == value })).collect::<Vec<_>>(),
                "input_type": if s.kind == SettingType::Integer { "number" } else { "text" },
                // A routing table, a template text: several lines.
                "long": s.kind == SettingType::String && s.max_length.is_some_and(|n| n > LONG_SETTING_CHARS),
                "booleen": s.kind == SettingType::Boolean,
                "checked": !value.is_empty(),
                "value": value,
                "erreur": erreurs.get(&s.key),
            })
        })
        .collect();
    let data = json!({
        "titre": format!("Réglages de {} — {}", info.libelle, d.libelle),
        "demarche": administrateur::demarche_json(state, d),
        "plugin": { "id": info.id, "libelle": info.libelle },
        "champs": champs,
        "alerte": alerte,
        "erreurs": erreurs,
    });
    ctx.form_page(state, "administrateur/plugin_reglages", data, erreurs)
}

async fn regler(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, plugin)): Path<(i64, String)>,
    Formulaire(form): Formulaire<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    match wf::regler_plugin(&state, &admin, DemarcheId(id), &plugin, &form).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}/plugins?notice=plugin-regle")).into_response()),
        Err(erreurs) => {
            let d = administrateur::find(&state, &ctx, DemarcheId(id)).await?;
            page_reglages(&state, &ctx, &d, &plugin, &form, None, &erreurs)
        }
    }
}

async fn activer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, plugin)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    wf::activer_plugin(&state, &admin, DemarcheId(id), &plugin).await?;
    // Only a champ-type plugin adds anything to the form's choices.
    let notice = if state.plugins.type_de_champ(&plugin).is_some() { "plugin-active-champ" } else { "plugin-active" };
    Ok(Redirect::to(&format!("/admin/demarches/{id}/plugins?notice={notice}")).into_response())
}

async fn desactiver(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, plugin)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    match wf::desactiver_plugin(&state, &admin, DemarcheId(id), &plugin).await? {
        Ok(()) => Ok(Redirect::to(&format!("/admin/demarches/{id}/plugins?notice=plugin-desactive")).into_response()),
        Err(message) => page_demarche(&state, &ctx, DemarcheId(id), Some(message)).await,
    }
}

/// Every plugin's state and counters; its last errors and log messages
/// only to an administrateur whose démarches alone use it, since those
/// messages may quote dossiers of the démarches that called it. The others
/// are for the operator, in the server's logs.
async fn liste(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let admin = ctx.administrateur()?;
    let mut tx = state.store.read().await?;
    let siens = crate::store::demarches::plugins_sous_controle(tx.conn(), admin.administrateur_id).await?;
    tx.commit().await?;
    let plugins: Vec<Value> = state
        .plugins
        .statuses()
        .iter()
        .map(|status| {
            let mut json = plugin_json(status);
            if !siens.contains(&status.info.id) {
                json["journal"] = json!([]);
                json["erreurs"] = json!([]);
            }
            json
        })
        .collect();
    ctx.page(&state, "administrateur/plugins", json!({ "titre": "Plugins", "plugins": plugins }))
}

/// What a call's outcome means, for the administrateur: most calls that are
/// not « réussis » are the plugin doing its job (a value it refuses, an
/// outside service down), not faults of the plugin.
fn libelle_resultat(outcome: &str) -> &str {
    match outcome {
        "ok" => "réussis",
        "guest_error" => "réponses d'erreur du plugin (valeur refusée, service extérieur indisponible…)",
        "busy" => "refusés par l'hôte : trop d'appels simultanés",
        "degraded" => "refusés par l'hôte : plugin en mode dégradé",
        "invalid_options" => "refusés par l'hôte : réglages invalides",
        "input_too_large" => "refusés par l'hôte : données trop volumineuses",
        "timed_out" | "deadline_exceeded" => "interrompus : temps dépassé",
        "memory_exceeded" => "interrompus : mémoire dépassée",
        "trap" => "pannes du plugin (arrêt brutal)",
        "bad_answer" => "réponses invalides du plugin",
        other => other,
    }
}

fn plugin_json(status: &PluginStatus) -> Value {
    let calls: u64 = status.calls.iter().map(|(_, n)| n).sum();
    let ok: u64 = status.calls.iter().filter(|((_, outcome), _)| *outcome == "ok").map(|(_, n)| n).sum();
    // The calls by outcome (all functions together), « réussis » first.
    let mut par_resultat: std::collections::BTreeMap<(bool, &str), u64> = std::collections::BTreeMap::new();
    for ((_, outcome), n) in &status.calls {
        *par_resultat.entry((*outcome != "ok", libelle_resultat(outcome))).or_default() += n;
    }
    let resultats: Vec<Value> =
        par_resultat.into_iter().map(|((_, libelle), n)| json!({ "nombre": n, "libelle": libelle })).collect();
    json!({
        "id": status.info.id,
        "libelle": status.info.libelle,
        "description": status.info.description,
        "version": status.info.version,
        "wit": status.info.wit,
        "cpu_ms": status.limits.cpu_deadline.as_millis(),
        "wall_ms": status.limits.wall_timeout.as_millis(),
        "memory_mib": status.limits.memory_bytes >> 20,
        "degrade": status.degraded,
        "appels": calls,
        "reussis": ok,
        "resultats": resultats,
        "refuses": status.refused_while_degraded,
        "journal": status.recent_logs.iter().map(|l| json!({
            "date": crate::http::vues::date_heure(l.at),
            "niveau": l.level,
            "message": l.message,
        })).collect::<Vec<_>>(),
        "erreurs": status.recent_errors.iter().map(|e| json!({
            "date": crate::http::vues::date_heure(e.at),
            "fonction": e.function,
            "resultat": e.outcome,
            "message": e.message,
        })).collect::<Vec<_>>(),
    })
}

/// Prometheus text format. Answers only with the operator's bearer token
/// (`--metrics-token`); without one configured the page does not exist.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return Err(AppError::NotFound);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !constant_time_eq(given, expected) {
        return Err(AppError::NotFound);
    }
    let body = render_metrics(&state.plugins.statuses());
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response())
}

fn render_metrics(statuses: &[PluginStatus]) -> String {
    let mut out = String::new();
    let label = |s: &PluginStatus| format!("plugin=\"{}\",version=\"{}\"", escape(&s.info.id), escape(&s.info.version));
    let _ = writeln!(out, "# HELP guichet_plugin_calls_total Plugin calls by function and outcome.");
    let _ = writeln!(out, "# TYPE guichet_plugin_calls_total counter");
    for s in statuses {
        for ((function, outcome), n) in &s.calls {
            let _ = writeln!(
                out,
                "guichet_plugin_calls_total{{{},function=\"{function}\",outcome=\"{outcome}\"}} {n}",
                label(s)
            );
        }
    }
    let _ = writeln!(out, "# HELP guichet_plugin_call_duration_seconds_total Time spent in plugin calls.");
    let _ = writeln!(out, "# TYPE guichet_plugin_call_duration_seconds_total counter");
    for s in statuses {
        let seconds = s.duration_us_total as f64 / 1e6;
        let _ = writeln!(out, "guichet_plugin_call_duration_seconds_total{{{}}} {seconds}", label(s));
    }
    let _ = writeln!(out, "# HELP guichet_plugin_degraded 1 while the plugin's circuit breaker is open.");
    let _ = writeln!(out, "# TYPE guichet_plugin_degraded gauge");
    for s in statuses {
        let _ = writeln!(out, "guichet_plugin_degraded{{{}}} {}", label(s), u8::from(s.degraded));
    }
    let _ = writeln!(out, "# HELP guichet_plugin_refused_total Calls refused while the plugin was degraded.");
    let _ = writeln!(out, "# TYPE guichet_plugin_refused_total counter");
    for s in statuses {
        let _ = writeln!(out, "guichet_plugin_refused_total{{{}}} {}", label(s), s.refused_while_degraded);
    }
    out
}

/// Label values are ids and semver versions (already restricted), but the
/// format's escapes cost nothing.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
