//! A dossier as routage, attestation and rendez-vous plugins see it.

use crate::{Donnees, PluginError};

/// A dossier: what the host decided plugins may read, nothing more.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Dossier {
    /// The dossier number usagers and instructeurs quote.
    pub numero: u64,
    /// `brouillon`, `en-construction`, `en-instruction`, `accepte`, `refuse`
    /// or `sans-suite` (kept as text: a newer host may add states).
    pub etat: String,
    pub demarche_numero: u64,
    pub demarche_libelle: String,
    /// E-mail address of the usager who filed it.
    pub usager_email: String,
    /// RFC 3339 instants, `None` while it has not happened.
    pub depose_le: Option<String>,
    pub decide_le: Option<String>,
    /// When it was passé en instruction (the last time), from hosts of WIT
    /// 0.2.1 and later; `None` if it never was.
    pub en_instruction_le: Option<String>,
    /// The instructeur's motivation of the decision, if any.
    pub motivation: Option<String>,
    /// The champs of the form, in the form's order.
    pub champs: Vec<Champ>,
}

impl Dossier {
    /// The champ whose type de champ has `stable_id` (the id administrateurs
    /// put in a plugin's options), if the form has it.
    pub fn champ(&self, stable_id: u64) -> Option<&Champ> {
        self.champs.iter().find(|champ| champ.stable_id == stable_id)
    }

    /// The value of the champ `stable_id`, `None` when the form lacks it or
    /// the usager left it empty.
    pub fn valeur(&self, stable_id: u64) -> Option<&str> {
        self.champ(stable_id).and_then(Champ::valeur)
    }
}

/// One champ of a dossier.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Champ {
    /// Identifier of the champ's type de champ, stable across revisions of
    /// the form. Match champs by it, never by label.
    pub stable_id: u64,
    /// The label the usager saw.
    pub libelle: String,
    /// A built-in type (`texte`, `date`, `departements`…) or the id of the
    /// plugin that provides it.
    pub type_champ: String,
    /// The value as stored (normalized); `None` when left empty.
    pub valeur: Option<String>,
    /// What a plugin attached to the value (its `enrich` answer).
    pub donnees: Option<Donnees>,
}

impl Champ {
    /// The value, `None` when empty (an empty string counts as empty).
    pub fn valeur(&self) -> Option<&str> {
        self.valeur.as_deref().filter(|valeur| !valeur.is_empty())
    }

    /// The donnees parsed as JSON, `None` when there are none.
    pub fn donnees_json(&self) -> Result<Option<serde_json::Value>, PluginError> {
        self.donnees.as_ref().map(Donnees::value).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dossier() -> Dossier {
        Dossier {
            numero: 12,
            champs: vec![
                Champ { stable_id: 1, valeur: Some("69".to_owned()), ..Champ::default() },
                Champ { stable_id: 2, valeur: Some(String::new()), ..Champ::default() },
                Champ {
                    stable_id: 3,
                    valeur: Some("x".to_owned()),
                    donnees: Some(Donnees::new(r#"{"departement": {"code": "69"}}"#)),
                    ..Champ::default()
                },
            ],
            ..Dossier::default()
        }
    }

    #[test]
    fn finds_champs_by_stable_id() {
        let dossier = dossier();
        assert_eq!(dossier.valeur(1), Some("69"));
        assert_eq!(dossier.valeur(2), None);
        assert_eq!(dossier.valeur(9), None);
        assert!(dossier.champ(9).is_none());
        let donnees = dossier.champ(3).map(Champ::donnees_json);
        assert_eq!(donnees.unwrap().unwrap().unwrap()["departement"]["code"], "69");
        assert_eq!(dossier.champ(1).map(Champ::donnees_json), Some(Ok(None)));
    }
}
