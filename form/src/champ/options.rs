//! A type de champ's own options (what the administrateur sets beside the
//! libellé): stored as one JSON object, every key optional, so a type that
//! gains an option reads older revisions unchanged.

use serde::{Deserialize, Serialize};

/// Options of one type de champ. Keys that do not apply to its type are
/// dropped when the editor saves it (`SaisieOptions::valider`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptionsChamp {
    /// Choices of a list, one per entry, in order. `--Titre--` lines are
    /// separators (simple list) or primary values (linked lists).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choix: Vec<String>,
    /// « Autre » at the end of a simple list, with a free text.
    #[serde(skip_serializing_if = "is_false")]
    pub autre: bool,
    /// Level of a section title, 1 to 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub niveau: Option<u8>,
    /// An explication's part shown only on demand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub texte_repliable: Option<String>,
    /// Longest answer of a zone de texte, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limite_caracteres: Option<u32>,
    /// What a texte formaté accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatTexte>,
    /// Numbers: refuse negatives; bounds, as stored numbers (`12.5`).
    #[serde(skip_serializing_if = "is_false")]
    pub positif: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    /// Dates: only the past (today included); bounds, ISO dates.
    #[serde(skip_serializing_if = "is_false")]
    pub passe: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_min: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_max: Option<String>,
    /// Pièce justificative: the format families accepted (empty: every
    /// format the platform accepts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub familles: Vec<String>,
    /// Pièce justificative: several files in one champ.
    #[serde(skip_serializing_if = "is_false")]
    pub plusieurs: bool,
    /// The storage key of a file the usager can download: a pièce
    /// justificative's model, an explication's notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modele: Option<FichierModele>,
    /// Valeur calculée: its rule (rhai).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calcul: Option<String>,
    /// A plugin champ's own options, checked against the plugin's
    /// `options-schema` (per champ: two SIRET champs may differ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<serde_json::Value>,
}

/// A texte formaté's rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum FormatTexte {
    /// Character classes and a length range.
    Simple { lettres: bool, chiffres: bool, speciaux: bool, min: Option<u32>, max: Option<u32> },
    /// A regular expression (linear-time engine), the example it must
    /// accept, and the message shown when an answer does not match.
    Avance { regex: String, exemple: String, message: String },
}

/// A file attached to a type de champ by the administrateur.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FichierModele {
    pub cle: String,
    pub nom: String,
    pub taille: u64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl OptionsChamp {
    /// Reads the stored JSON; revisions written before options had keys
    /// stored a plain array of choices.
    pub fn depuis_json(json: &str) -> Self {
        if let Ok(choix) = serde_json::from_str::<Vec<String>>(json) {
            return Self { choix, ..Self::default() };
        }
        serde_json::from_str(json).unwrap_or_default()
    }

    pub fn vers_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_revisions_stored_a_list_of_choices() {
        let o = OptionsChamp::depuis_json(r#"["Paris","Lyon"]"#);
        assert_eq!(o.choix, ["Paris", "Lyon"]);
        assert_eq!(OptionsChamp::depuis_json(&o.vers_json()), o);
        assert_eq!(OptionsChamp::depuis_json("not json"), OptionsChamp::default());
        assert_eq!(OptionsChamp::default().vers_json(), "{}");
    }

    #[test]
    fn a_formatted_text_rule_round_trips_with_its_mode() {
        let o = OptionsChamp {
            format: Some(FormatTexte::Avance {
                regex: "^[A-Z]{2}$".into(),
                exemple: "AB".into(),
                message: "Deux lettres".into(),
            }),
            ..OptionsChamp::default()
        };
        let json = o.vers_json();
        assert!(json.contains(r#""mode":"avance""#), "{json}");
        assert_eq!(OptionsChamp::depuis_json(&json), o);
    }
}
