//! Préremplissage: answers a partner's site gives for a new dossier, by
//! link (`/commencer/{path}?champ_12=…`) or through the public API. They
//! are what the usager would have typed: the form checks them as it
//! checks a brouillon save (a bad value is kept as typed and shown to be
//! corrected), and the usager reviews them before filing.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How long answers sent through the API wait for an usager to open them:
/// a partner hands the link over at once; past this they are deleted.
pub const DELAI_RECLAMATION: Duration = Duration::days(5);
/// Answers one préremplissage may carry: more than any form has champs,
/// and a bound on what an anonymous caller makes us store.
pub const CHAMPS_MAX: usize = 300;
/// Characters of one value (the longest champ, a textarea, takes less).
pub const VALEUR_MAX_CHARS: usize = 20_000;
/// Choices of one multiple-choice answer.
pub const CHOIX_MAX: usize = 500;

/// Answers as the form would post them: input name → text (a multiple
/// choice under `champ_<id>[]`, its values a JSON array).
pub type Valeurs = HashMap<String, String>;

/// Whether answers sent at `at` can still be claimed at `now`.
pub fn reclamable(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < at + DELAI_RECLAMATION
}

/// `champ_<digits>`: the only keys taken (anything else is ignored, as a
/// partner may send its own parameters along).
fn cle_de_champ(cle: &str) -> bool {
    cle.strip_prefix("champ_")
        .is_some_and(|id| !id.is_empty() && id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The input names the answers fill (`champ_12`, whatever their shape).
pub fn noms(valeurs: &Valeurs) -> Vec<String> {
    let mut noms: Vec<String> = valeurs.keys().map(|k| k.trim_end_matches("[]").to_owned()).collect();
    noms.sort();
    noms.dedup();
    noms
}

/// The answers of a link's query string: `champ_<id>=…`, and
/// `champ_<id>[]=…` repeated for a multiple choice. Other keys are
/// ignored; a key given twice keeps its first value.
pub fn depuis_requete<'a>(paires: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Valeurs, String> {
    let mut valeurs = Valeurs::new();
    let mut multiples: HashMap<String, Vec<String>> = HashMap::new();
    for (cle, valeur) in paires {
        if valeur.chars().count() > VALEUR_MAX_CHARS {
            return Err(format!("La valeur de « {cle} » dépasse {VALEUR_MAX_CHARS} caractères."));
        }
        if let Some(base) = cle.strip_suffix("[]").filter(|b| cle_de_champ(b)) {
            let choix = multiples.entry(format!("{base}[]")).or_default();
            if choix.len() >= CHOIX_MAX {
                return Err(format!("« {cle} » a plus de {CHOIX_MAX} valeurs."));
            }
            choix.push(valeur.to_owned());
        } else if cle_de_champ(cle) {
            valeurs.entry(cle.to_owned()).or_insert_with(|| valeur.to_owned());
        }
    }
    for (cle, choix) in multiples {
        valeurs.insert(cle, serde_json::to_string(&choix).unwrap_or_else(|_| "[]".into()));
    }
    borner(valeurs)
}

/// The answers of an API call's JSON object: `"champ_<id>": value`, a
/// string, a number or a boolean; an array of strings for a multiple
/// choice. Other keys are ignored.
pub fn depuis_json(objet: &serde_json::Map<String, serde_json::Value>) -> Result<Valeurs, String> {
    use serde_json::Value;
    let mut valeurs = Valeurs::new();
    for (cle, valeur) in objet.iter().filter(|(cle, _)| cle_de_champ(cle)) {
        let texte = match valeur {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(true) => "on".to_owned(),
            Value::Bool(false) | Value::Null => continue,
            Value::Array(choix) => {
                if choix.len() > CHOIX_MAX {
                    return Err(format!("« {cle} » a plus de {CHOIX_MAX} valeurs."));
                }
                let textes: Option<Vec<String>> = choix.iter().map(|c| c.as_str().map(str::to_owned)).collect();
                let textes = textes.ok_or_else(|| format!("« {cle} » : une liste ne peut contenir que du texte."))?;
                if textes.iter().any(|t| t.chars().count() > VALEUR_MAX_CHARS) {
                    return Err(format!("Une valeur de « {cle} » dépasse {VALEUR_MAX_CHARS} caractères."));
                }
                valeurs.insert(format!("{cle}[]"), serde_json::to_string(&textes).unwrap_or_else(|_| "[]".into()));
                continue;
            }
            Value::Object(_) => return Err(format!("« {cle} » : un objet n'est pas une valeur de champ.")),
        };
        if texte.chars().count() > VALEUR_MAX_CHARS {
            return Err(format!("La valeur de « {cle} » dépasse {VALEUR_MAX_CHARS} caractères."));
        }
        valeurs.insert(cle.clone(), texte);
    }
    borner(valeurs)
}

/// The answers a start page posts back (its hidden inputs, from a link):
/// only the champs' keys, bounded as a link's are.
pub fn depuis_formulaire(saisie: &HashMap<String, String>) -> Result<Valeurs, String> {
    let valeurs: Valeurs = saisie
        .iter()
        .filter(|(cle, _)| cle_de_champ(cle.strip_suffix("[]").unwrap_or(cle)))
        .map(|(cle, valeur)| (cle.clone(), valeur.clone()))
        .collect();
    if let Some((cle, _)) = valeurs.iter().find(|(_, v)| v.chars().count() > VALEUR_MAX_CHARS * 2) {
        return Err(format!("La valeur de « {cle} » est trop longue."));
    }
    borner(valeurs)
}

/// The hidden inputs that carry answers through a start page: one per
/// value, a multiple choice's key repeated.
pub fn champs_caches(valeurs: &Valeurs) -> Vec<(String, String)> {
    let mut caches: Vec<(String, String)> = Vec::new();
    for (cle, valeur) in valeurs {
        if cle.ends_with("[]") {
            let choix: Vec<String> = serde_json::from_str(valeur).unwrap_or_default();
            caches.extend(choix.into_iter().map(|c| (cle.clone(), c)));
        } else {
            caches.push((cle.clone(), valeur.clone()));
        }
    }
    caches.sort();
    caches
}

fn borner(valeurs: Valeurs) -> Result<Valeurs, String> {
    if valeurs.len() > CHAMPS_MAX {
        return Err(format!("Au plus {CHAMPS_MAX} champs peuvent être préremplis."));
    }
    Ok(valeurs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_keeps_only_champs_and_gathers_multiple_choices() {
        let v = depuis_requete([
            ("champ_1", "Les Capucines"),
            ("champ_1", "second ignored"),
            ("utm_source", "partenaire"),
            ("champ_x", "no"),
            ("champ_4[]", "a"),
            ("champ_4[]", "b"),
        ])
        .expect("valid");
        assert_eq!(v.get("champ_1").map(String::as_str), Some("Les Capucines"));
        assert_eq!(v.get("champ_4[]").map(String::as_str), Some(r#"["a","b"]"#));
        assert_eq!(v.len(), 2);
        assert_eq!(noms(&v), ["champ_1", "champ_4"]);
    }

    #[test]
    fn json_values_take_the_form_shape_and_bounds_hold() {
        let objet = serde_json::json!({
            "champ_1": "texte", "champ_2": 42, "champ_3": true, "champ_5": false,
            "champ_4": ["a", "b"], "autre": "ignoré"
        });
        let v = depuis_json(objet.as_object().expect("object")).expect("valid");
        assert_eq!(v.get("champ_2").map(String::as_str), Some("42"));
        assert_eq!(v.get("champ_3").map(String::as_str), Some("on"));
        assert!(!v.contains_key("champ_5") && !v.contains_key("autre"));
        assert_eq!(v.get("champ_4[]").map(String::as_str), Some(r#"["a","b"]"#));
        let objet = serde_json::json!({ "champ_1": { "a": 1 } });
        assert!(depuis_json(objet.as_object().expect("object")).is_err());
        let objet = serde_json::json!({ "champ_1": [1, 2] });
        assert!(depuis_json(objet.as_object().expect("object")).is_err());
        let long = "x".repeat(VALEUR_MAX_CHARS + 1);
        assert!(depuis_requete([("champ_1", long.as_str())]).is_err());
        let trop: Vec<(String, String)> = (0..=CHAMPS_MAX).map(|i| (format!("champ_{i}"), "v".into())).collect();
        assert!(depuis_requete(trop.iter().map(|(k, v)| (k.as_str(), v.as_str()))).is_err());
    }

    #[test]
    fn answers_go_through_a_start_page_and_come_back_the_same() {
        let v = depuis_requete([("champ_1", "a"), ("champ_4[]", "x"), ("champ_4[]", "y")]).expect("valid");
        let caches = champs_caches(&v);
        assert_eq!(caches.len(), 3);
        let mut posted: HashMap<String, String> = caches.iter().filter(|(k, _)| !k.ends_with("[]")).cloned().collect();
        posted.insert("champ_4[]".into(), r#"["x","y"]"#.into());
        posted.insert("authenticity_token".into(), "t".into());
        assert_eq!(depuis_formulaire(&posted).expect("valid"), v);
    }

    #[test]
    fn answers_wait_five_days() {
        let at = Utc::now();
        assert!(reclamable(at, at + Duration::days(4)));
        assert!(!reclamable(at, at + Duration::days(5)));
    }
}
