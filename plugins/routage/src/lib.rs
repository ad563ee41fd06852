//! Routage « par département »: the groupe instructeur of a dossier chosen
//! from the département of one of its champs.
//!
//! The rule lives in [`regle`] (options, reading the champ, the French
//! explanation) and [`departement`] (codes, names, codes postaux); this
//! file only adapts it to the `guichet:plugin/routage` interface through
//! the plugin SDK.

pub mod departement;
pub mod regle;

use guichet_plugin_sdk::{Decision, Description, Dossier, Groupe, Options, PluginError, Routage, description};

/// JSON Schema of the options, as the host checks them and the
/// administrateur's form shows them.
const OPTIONS_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["champ", "table"],
  "properties": {
    "champ": {
      "description": "Stable id du champ qui donne le département (adresse, commune, département ou code postal).",
      "type": ["integer", "string"]
    },
    "table": {
      "description": "Département → groupe : objet {\"69\": \"Lyon\", \"2A\": 12} ou texte « 69 = Lyon », une ligne par département ; un groupe est un libellé ou #id.",
      "type": ["object", "string"]
    },
    "defaut": {
      "description": "Groupe des dossiers que la table ne route pas ; sans lui, le groupe par défaut de la démarche.",
      "type": ["string", "integer"]
    }
  }
}"#;

struct ParDepartement;

impl Routage for ParDepartement {
    fn describe() -> Description {
        description!(
            "routage",
            "Routage par département",
            "Envoie chaque dossier au groupe instructeur de son département, lu dans un champ adresse, commune, \
             département ou code postal, d'après une table que vous remplissez."
        )
        .options_schema(OPTIONS_SCHEMA)
    }

    fn route(dossier: &Dossier, groupes: &[Groupe], options: &Options) -> Result<Decision, PluginError> {
        let champs: Vec<regle::Champ<'_>> = dossier
            .champs
            .iter()
            .map(|champ| regle::Champ {
                stable_id: champ.stable_id,
                libelle: &champ.libelle,
                type_champ: &champ.type_champ,
                valeur: champ.valeur.as_deref(),
                donnees: champ.donnees.as_ref().map(|d| d.as_str()),
            })
            .collect();
        let groupes: Vec<regle::Groupe<'_>> =
            groupes.iter().map(|g| regle::Groupe { id: g.id, libelle: &g.libelle }).collect();
        match regle::router(&champs, &groupes, options.as_str()) {
            Ok(decision) => Ok(Decision { groupe: decision.groupe, explication: decision.explication }),
            Err(regle::OptionsInvalides(reason)) => {
                guichet_plugin_sdk::warn!("unusable options: {reason}");
                Err(PluginError::Misconfigured(reason))
            }
        }
    }
}

guichet_plugin_sdk::export_routage!(ParDepartement);

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_plugin_sdk::{Champ, Donnees};

    fn dossier() -> Dossier {
        Dossier {
            numero: 7,
            champs: vec![Champ {
                stable_id: 12,
                libelle: "Adresse du projet".into(),
                type_champ: "adresse".into(),
                valeur: Some("1 cours Napoléon 20000 Ajaccio".into()),
                donnees: Some(Donnees::new(r#"{"departement": {"code": "2A", "nom": "Corse-du-Sud"}}"#)),
            }],
            ..Dossier::default()
        }
    }

    fn groupes() -> Vec<Groupe> {
        vec![Groupe { id: 1, libelle: "Défaut".into() }, Groupe { id: 5, libelle: "Corse".into() }]
    }

    #[test]
    fn routes_through_the_sdk_types() {
        let options = Options::new(r#"{"champ": 12, "table": "2A = Corse\n2B = Corse"}"#);
        let decision = ParDepartement::route(&dossier(), &groupes(), &options).expect("a decision");
        assert_eq!(decision, Decision::groupe(5, "Département 2A (Corse-du-Sud) → groupe « Corse »"));
    }

    #[test]
    fn unusable_options_are_misconfigured() {
        let options = Options::new(r#"{"table": {"69": "Lyon"}}"#);
        assert!(matches!(ParDepartement::route(&dossier(), &groupes(), &options), Err(PluginError::Misconfigured(_))));
    }

    #[test]
    fn describes_itself_with_the_crate_version_and_a_schema() {
        let description = ParDepartement::describe();
        assert_eq!((description.id.as_str(), description.version.as_str()), ("routage", env!("CARGO_PKG_VERSION")));
        let schema: serde_json::Value = serde_json::from_str(&description.options_schema).expect("JSON");
        assert_eq!(schema["required"], serde_json::json!(["champ", "table"]));
    }
}
