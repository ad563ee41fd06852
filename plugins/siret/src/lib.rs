//! The SIRET champ type: a French establishment number, checked offline.
//!
//! The rules live in [`checker`]; this file only adapts them to the
//! `guichet:plugin/type-de-champ` interface, through the plugin SDK.

pub mod checker;

use guichet_plugin_sdk::{Description, Options, PluginError, TypeDeChamp, Validation, description};

struct Siret;

impl TypeDeChamp for Siret {
    fn describe() -> Description {
        description!(
            "siret",
            "Numéro SIRET",
            "Numéro d'établissement à 14 chiffres attribué par l'INSEE, vérifié par sa clé de contrôle."
        )
    }

    /// Options are not used yet; they are accepted and ignored so that an
    /// administrateur's future settings do not break older versions.
    fn validate(value: &str, _options: &Options) -> Result<Validation, PluginError> {
        Ok(match checker::check(value) {
            Ok(siret) => Validation::Valid(siret),
            Err(error) => Validation::invalid(error.code(), error.message()),
        })
    }
}

guichet_plugin_sdk::export_type_de_champ!(Siret);
