//! What `partials/champ_territoire` receives for a territory champ: the
//! options of a list (pays, régions, départements, EPCI by département), or
//! for a commune the text to show and, when the typed text matches several
//! communes, the list to choose from (the no-JavaScript path).

use crate::domain::territoire::{self, Resolution};
use crate::domain::{TypeChamp, TypeDeChamp};
use serde_json::{Value, json};

/// `Null` for other types, so the template falls through to its own arms.
pub fn champ(tdc: &TypeDeChamp, value: &str) -> Value {
    let option = |code: &str, libelle: String| json!({ "value": code, "libelle": libelle, "selected": code == value });
    let (options, groupes): (Vec<Value>, Vec<Value>) = match tdc.type_champ {
        TypeChamp::Pays => {
            (territoire::liste_pays().iter().map(|p| option(p.code, p.nom.to_string())).collect(), vec![])
        }
        TypeChamp::Regions => {
            (territoire::regions().iter().map(|r| option(r.code, r.nom.to_string())).collect(), vec![])
        }
        TypeChamp::Departements => (
            territoire::departements().iter().map(|d| option(d.code, territoire::libelle_departement(d))).collect(),
            vec![],
        ),
        // One group per département; an EPCI straddling a border is listed
        // under the département of most of its communes, so it is there once.
        TypeChamp::Epci => (
            vec![],
            territoire::departements()
                .iter()
                .map(|d| {
                    let options: Vec<Value> = territoire::epci_du_departement(d.code)
                        .into_iter()
                        .filter(|e| e.departements.first() == Some(&d.code))
                        .map(|e| option(e.siren, e.nom.to_string()))
                        .collect();
                    json!({ "libelle": territoire::libelle_departement(d), "options": options })
                })
                .filter(|g| g["options"].as_array().is_some_and(|o| !o.is_empty()))
                .collect(),
        ),
        TypeChamp::Communes => return commune(value),
        _ => return Value::Null,
    };
    json!({ "communes": false, "options": options, "groupes": groupes, "saisie": "", "choix": [] })
}

/// A stored or chosen value shows as « Paris (75011) »; typed text is kept
/// as typed, with the communes it matches when there are several.
fn commune(value: &str) -> Value {
    let (saisie, choix) = match territoire::commune_de_valeur(value) {
        Some(t) => (t.libelle(), Vec::new()),
        None if value.trim().is_empty() => (String::new(), Vec::new()),
        None => {
            let choix = match territoire::resoudre_commune(value) {
                Resolution::Plusieurs(list) => list
                    .iter()
                    .map(|t| json!({ "value": t.valeur(), "libelle": t.libelle(), "departement": t.libelle_departement() }))
                    .collect(),
                Resolution::Une(_) | Resolution::Aucune => Vec::new(),
            };
            (value.to_string(), choix)
        }
    };
    json!({ "communes": true, "options": [], "groupes": [], "saisie": saisie, "choix": choix })
}
