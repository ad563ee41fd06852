//! Settings of a plugin: the manifest declares them (`[[settings]]`), an
//! administrateur fills them in a form generated from that declaration, per
//! démarche and, for a champ type, per champ (`validate_champ`); the host
//! checks them here, and each call of the plugin receives them as its
//! `options` JSON object: for a champ, the démarche's with the champ's own
//! on top (`effectives`).
//!
//! ```toml
//! [[settings]]
//! key = "pays-acceptes"
//! type = "string"            # string | integer | boolean
//! libelle = "Pays acceptés"
//! description = "Codes ISO séparés par des virgules (vide : tous les pays SEPA)"
//! required = false
//! max-length = 200           # string only
//! choices = ["FR", "DE"]     # string only, optional
//! min = 0                    # integer only, optional
//! max = 100                  # integer only, optional
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Settings a plugin may declare: a form with more fields is no longer a
/// setting page, and each one is stored with every démarche.
pub const MAX_SETTINGS: usize = 20;
/// Longest string setting, whatever the manifest says: settings travel with
/// every call of the plugin. A routing table over the hundred-odd
/// départements, each with its groupe's name, is the largest real one.
pub const MAX_STRING_LEN: usize = 10_000;
const DEFAULT_STRING_LEN: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettingType {
    String,
    Integer,
    Boolean,
}

/// One declared setting, as written in `plugin.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SettingSpec {
    pub key: String,
    #[serde(rename = "type")]
    pub kind: SettingType,
    /// French label of the form field.
    pub libelle: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub max_length: Option<usize>,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
}

/// Checks the declarations themselves (at plugin load).
pub fn check_specs(specs: &[SettingSpec]) -> Result<(), String> {
    if specs.len() > MAX_SETTINGS {
        return Err(format!("at most {MAX_SETTINGS} settings"));
    }
    for (i, spec) in specs.iter().enumerate() {
        if !crate::domain::champ::is_plugin_id(&spec.key) {
            return Err(format!("setting key {:?} must be a slug like plugin ids", spec.key));
        }
        if specs[..i].iter().any(|other| other.key == spec.key) {
            return Err(format!("setting {:?} declared twice", spec.key));
        }
        if spec.libelle.trim().is_empty() {
            return Err(format!("setting {:?} needs a libelle", spec.key));
        }
        let string_only = spec.max_length.is_some() || !spec.choices.is_empty();
        let integer_only = spec.min.is_some() || spec.max.is_some();
        match spec.kind {
            SettingType::String if integer_only => {
                return Err(format!("setting {:?}: min/max are for integers", spec.key));
            }
            SettingType::Integer if string_only => {
                return Err(format!("setting {:?}: max-length/choices are for strings", spec.key));
            }
            SettingType::Boolean if string_only || integer_only => {
                return Err(format!("setting {:?}: a boolean has no bounds or choices", spec.key));
            }
            _ => {}
        }
        if spec.max_length.is_some_and(|n| n == 0 || n > MAX_STRING_LEN) {
            return Err(format!("setting {:?}: max-length must be between 1 and {MAX_STRING_LEN}", spec.key));
        }
    }
    Ok(())
}

/// Checks what an administrateur typed (`key -> text`, a checkbox is present
/// when checked) and returns the settings object, or the errors by key, in
/// French.
pub fn validate(
    specs: &[SettingSpec],
    form: &HashMap<String, String>,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let mut settings = Map::new();
    let mut errors = Vec::new();
    for spec in specs {
        let raw = form.get(&spec.key).map(|v| v.trim()).unwrap_or("");
        let libelle = &spec.libelle;
        if spec.kind == SettingType::Boolean {
            settings.insert(spec.key.clone(), Value::Bool(!raw.is_empty()));
            continue;
        }
        if raw.is_empty() {
            if spec.required {
                errors.push((spec.key.clone(), format!("Le réglage « {libelle} » doit être rempli.")));
            }
            continue;
        }
        match spec.kind {
            SettingType::String => {
                let max = spec.max_length.unwrap_or(DEFAULT_STRING_LEN);
                if raw.chars().count() > max {
                    errors.push((spec.key.clone(), format!("« {libelle} » ne peut pas dépasser {max} caractères.")));
                } else if !spec.choices.is_empty() && !spec.choices.iter().any(|c| c == raw) {
                    errors.push((spec.key.clone(), format!("Choisissez une valeur de la liste pour « {libelle} ».")));
                } else {
                    settings.insert(spec.key.clone(), Value::from(raw));
                }
            }
            SettingType::Integer => match raw.parse::<i64>() {
                Err(_) => errors.push((spec.key.clone(), format!("« {libelle} » doit être un nombre entier."))),
                Ok(n) if spec.min.is_some_and(|min| n < min) || spec.max.is_some_and(|max| n > max) => {
                    let bounds = match (spec.min, spec.max) {
                        (Some(a), Some(b)) => format!("entre {a} et {b}"),
                        (Some(a), None) => format!("au moins {a}"),
                        (None, Some(b)) => format!("au plus {b}"),
                        (None, None) => String::new(),
                    };
                    errors.push((spec.key.clone(), format!("« {libelle} » doit être {bounds}.")));
                }
                Ok(n) => {
                    settings.insert(spec.key.clone(), Value::from(n));
                }
            },
            SettingType::Boolean => {}
        }
    }
    if errors.is_empty() { Ok(settings) } else { Err(errors) }
}

/// The options a plugin receives for one champ: its settings on the
/// démarche (`demarche`, a JSON object as stored), then the champ's own
/// (`champ`, from the type de champ's options) on top, key by key: two
/// champs of one plugin may be set differently, and what a champ leaves
/// out follows the démarche.
pub fn effectives(demarche: Option<&str>, champ: Option<&Value>) -> String {
    let own = champ.and_then(Value::as_object).filter(|o| !o.is_empty());
    let Some(own) = own else {
        return demarche.unwrap_or("{}").to_owned();
    };
    // Stored settings are an object written by `validate`; anything else
    // (never expected) counts as none rather than failing the call.
    let mut merged = demarche
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .unwrap_or_default();
    for (key, value) in own {
        merged.insert(key.clone(), value.clone());
    }
    Value::Object(merged).to_string()
}

/// Checks what an administrateur typed for one champ's own settings, with
/// the same rules as the démarche's (`validate`), except that every one may
/// be left to the démarche: an empty field, and for a boolean the choice
/// `""` (`"oui"` / `"non"` otherwise), leave the key out. Whether required
/// settings end up filled is for the merged options (`effectives`).
pub fn validate_champ(
    specs: &[SettingSpec],
    form: &HashMap<String, String>,
) -> Result<Map<String, Value>, Vec<(String, String)>> {
    let optional: Vec<SettingSpec> = specs.iter().map(|s| SettingSpec { required: false, ..s.clone() }).collect();
    let mut typed = form.clone();
    let mut herites = Vec::new();
    for spec in specs.iter().filter(|s| s.kind == SettingType::Boolean) {
        match form.get(&spec.key).map(|v| v.trim()) {
            Some("oui") => {
                typed.insert(spec.key.clone(), "on".to_owned());
            }
            Some("non") => {
                typed.remove(&spec.key);
            }
            _ => {
                typed.remove(&spec.key);
                herites.push(spec.key.as_str());
            }
        }
    }
    let mut settings = validate(&optional, &typed)?;
    settings.retain(|key, _| !herites.contains(&key.as_str()));
    Ok(settings)
}

/// Whether an `options-schema` refusal is only a required setting left
/// empty (`schema::check`'s wording).
pub fn is_missing_required(reason: &str) -> bool {
    reason.contains("missing required property \"")
}

/// A refusal of settings by the plugin's `options-schema` (`schema::check`'s
/// technical English), for the administrateur: the setting it concerns
/// (empty when none can be named) and a French sentence.
pub fn schema_refusal(specs: &[SettingSpec], reason: &str) -> (String, String) {
    let missing = reason.split_once("missing required property \"").and_then(|(_, rest)| rest.split_once('"'));
    let named = |key: &str| specs.iter().find(|s| s.key == key);
    if let Some(spec) = missing.and_then(|(key, _)| named(key)) {
        return (spec.key.clone(), format!("Le réglage « {} » doit être rempli.", spec.libelle));
    }
    let first = reason.strip_prefix('/').and_then(|r| r.split([':', '/']).next()).and_then(named);
    match first {
        Some(spec) => (
            spec.key.clone(),
            format!(
                "Le réglage « {} » n'a pas la forme attendue par le plugin (détail technique : {reason}).",
                spec.libelle
            ),
        ),
        None => (
            String::new(),
            format!("Ces réglages n'ont pas la forme attendue par le plugin (détail technique : {reason})."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: &str, kind: SettingType) -> SettingSpec {
        SettingSpec {
            key: key.into(),
            kind,
            libelle: format!("Réglage {key}"),
            description: String::new(),
            required: false,
            max_length: None,
            choices: vec![],
            min: None,
            max: None,
        }
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn values_are_typed_and_empty_optional_ones_left_out() {
        let specs = [
            spec("pays", SettingType::String),
            SettingSpec { min: Some(1), max: Some(10), ..spec("seuil", SettingType::Integer) },
            spec("strict", SettingType::Boolean),
            spec("note", SettingType::String),
        ];
        let settings = validate(&specs, &form(&[("pays", " FR,DE "), ("seuil", "3"), ("strict", "on")])).unwrap();
        assert_eq!(Value::Object(settings), serde_json::json!({ "pays": "FR,DE", "seuil": 3, "strict": true }));
        let settings = validate(&specs, &form(&[])).unwrap();
        assert_eq!(Value::Object(settings), serde_json::json!({ "strict": false }));
    }

    #[test]
    fn every_problem_is_reported_in_french_by_key() {
        let specs = [
            SettingSpec { required: true, ..spec("pays", SettingType::String) },
            SettingSpec { min: Some(1), max: Some(10), ..spec("seuil", SettingType::Integer) },
            SettingSpec { choices: vec!["a".into(), "b".into()], ..spec("mode", SettingType::String) },
            SettingSpec { max_length: Some(3), ..spec("court", SettingType::String) },
        ];
        let errors = validate(&specs, &form(&[("seuil", "42"), ("mode", "c"), ("court", "abcd")])).unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["pays", "seuil", "mode", "court"]);
        assert_eq!(errors[0].1, "Le réglage « Réglage pays » doit être rempli.");
        assert_eq!(errors[1].1, "« Réglage seuil » doit être entre 1 et 10.");
        let errors = validate(&specs[1..2], &form(&[("seuil", "trois")])).unwrap_err();
        assert_eq!(errors[0].1, "« Réglage seuil » doit être un nombre entier.");
    }

    #[test]
    fn a_champ_setting_wins_over_the_demarche_one_key_by_key() {
        let demarche = r#"{"geometries":"Polygones","max-geometries":3}"#;
        let champ = serde_json::json!({ "max-geometries": 1, "cadastres": true });
        let merged: Value = serde_json::from_str(&effectives(Some(demarche), Some(&champ))).unwrap();
        assert_eq!(merged, serde_json::json!({ "geometries": "Polygones", "max-geometries": 1, "cadastres": true }));
        assert_eq!(effectives(Some(demarche), None), demarche);
        assert_eq!(effectives(Some(demarche), Some(&serde_json::json!({}))), demarche);
        assert_eq!(effectives(None, None), "{}");
        let alone: Value = serde_json::from_str(&effectives(None, Some(&champ))).unwrap();
        assert_eq!(alone, champ);
    }

    #[test]
    fn a_champ_may_leave_any_setting_to_the_demarche() {
        let specs = [
            SettingSpec { required: true, ..spec("pays", SettingType::String) },
            SettingSpec { min: Some(1), max: Some(10), ..spec("seuil", SettingType::Integer) },
            spec("strict", SettingType::Boolean),
            spec("souple", SettingType::Boolean),
            spec("tolerant", SettingType::Boolean),
        ];
        let settings =
            validate_champ(&specs, &form(&[("strict", "oui"), ("souple", "non"), ("tolerant", "")])).unwrap();
        assert_eq!(Value::Object(settings), serde_json::json!({ "strict": true, "souple": false }));
        let errors = validate_champ(&specs, &form(&[("seuil", "42")])).unwrap_err();
        assert_eq!(errors, [("seuil".to_owned(), "« Réglage seuil » doit être entre 1 et 10.".to_owned())]);
    }

    #[test]
    fn schema_refusals_name_the_setting_in_french() {
        let specs = [spec("table", SettingType::String), spec("champ", SettingType::Integer)];
        let (key, message) = schema_refusal(&specs, r#": missing required property "table""#);
        assert_eq!(key, "table");
        assert!(message.starts_with("Le réglage « ") && message.ends_with("» doit être rempli."), "{message}");
        let (key, message) = schema_refusal(&specs, "/champ: expected integer or string, found array");
        assert_eq!(key, "champ");
        assert!(message.contains("détail technique : /champ"), "{message}");
        let (key, message) = schema_refusal(&specs, "/autre: too long");
        assert_eq!(key, "");
        assert!(message.starts_with("Ces réglages"), "{message}");
    }

    #[test]
    fn declarations_are_checked() {
        assert!(check_specs(&[spec("pays", SettingType::String)]).is_ok());
        assert!(check_specs(&[spec("Pays", SettingType::String)]).is_err(), "keys are slugs");
        assert!(check_specs(&[spec("pays", SettingType::String), spec("pays", SettingType::Integer)]).is_err());
        let bad = SettingSpec { min: Some(1), ..spec("pays", SettingType::String) };
        assert!(check_specs(&[bad]).is_err());
        let bad = SettingSpec { choices: vec!["x".into()], ..spec("ok", SettingType::Boolean) };
        assert!(check_specs(&[bad]).is_err());
        let many: Vec<SettingSpec> =
            (0..=MAX_SETTINGS).map(|i| spec(&format!("cle-{i}"), SettingType::Boolean)).collect();
        assert!(check_specs(&many).is_err());
    }
}
