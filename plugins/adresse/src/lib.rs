//! The Adresse champ type: a postal address with autocompletion from the
//! Base Adresse Nationale (through the IGN Géoplateforme geocoder),
//! structured once filled.
//!
//! An address the BAN does not know stays possible, as démarches-simplifiées'
//! « adresse non trouvée » entry allows: `validate` accepts any plausible
//! text (3 to 200 characters with letters or digits), and `enrich` geocodes
//! it. When the best result's score reaches
//! [`geocodage::SEUIL_SCORE`], the donnees are that result (`"source":
//! "ban"`); otherwise they are the text as typed with the code postal and
//! commune read from it (`"source": "saisie-manuelle"`). A real but unknown
//! address is never an error; only a geocoder outage is
//! (`upstream-unavailable`: the host keeps the value and asks again later).
//!
//! Rules: [`saisie`] (the typed text), [`geoplateforme`] (requests and
//! answers, pure), [`adresse`] (the donnees), [`presentation`] (what is
//! shown), [`geocodage`] (the flow through the host's HTTP).

pub mod adresse;
pub mod geocodage;
pub mod geoplateforme;
pub mod presentation;
pub mod saisie;

use adresse::Adresse;
use geoplateforme::Precision;
use guichet_plugin_sdk::{
    Capability, Description, Donnees, Enrichment, ExportColumn, FieldError, Options, PluginError, Suggestion,
    TypeDeChamp, Validation, description,
};

/// The démarche setting restricting results to one type.
pub const OPTION_PRECISION: &str = "precision";

const OPTIONS_SCHEMA: &str =
    r#"{"type":"object","properties":{"precision":{"enum":["","numero","voie","lieu-dit","commune"]}}}"#;

const DONNEES_SCHEMA: &str = r#"{"type":"object","required":["source","label"],"properties":{
"source":{"enum":["ban","saisie-manuelle"]},"label":{"type":"string"},
"numero":{"type":["string","null"]},"voie":{"type":["string","null"]},
"code_postal":{"type":["string","null"]},"commune":{"type":["string","null"]},
"arrondissement":{"type":["string","null"]},"code_insee":{"type":["string","null"]},
"departement":{"type":["object","null"],"properties":{"code":{"type":"string"},"nom":{"type":"string"}}},
"region":{"type":["string","null"]},
"coordonnees":{"type":["object","null"],"properties":{"longitude":{"type":"number"},"latitude":{"type":"number"}}},
"ban_id":{"type":["string","null"]},"type":{"type":["string","null"]},"score":{"type":["number","null"]}}}"#;

fn precision(options: &Options) -> Result<Option<Precision>, PluginError> {
    match options.get_str(OPTION_PRECISION)? {
        None | Some("") => Ok(None),
        Some(value) => Precision::from_setting(value)
            .map(Some)
            .ok_or_else(|| PluginError::misconfigured("option `precision` must be numero, voie, lieu-dit or commune")),
    }
}

/// The donnees as the plugin wrote them; `None` when absent or unreadable
/// (the caller falls back to the value).
fn lire(donnees: Option<&Donnees>) -> Option<Adresse> {
    donnees.and_then(|d| d.parse::<Adresse>().ok()).filter(|a| !a.label.is_empty())
}

struct ChampAdresse;

impl TypeDeChamp for ChampAdresse {
    fn describe() -> Description {
        description!(
            "adresse",
            "Adresse",
            "Adresse postale avec autocomplétion par la Base Adresse Nationale ; une adresse introuvable peut être \
             saisie librement."
        )
        .options_schema(OPTIONS_SCHEMA)
        .donnees_schema(DONNEES_SCHEMA)
        .capabilities([
            Capability::Suggest,
            Capability::Enrich,
            Capability::Display,
            Capability::SearchText,
            Capability::Export,
        ])
    }

    fn validate(value: &str, _options: &Options) -> Result<Validation, PluginError> {
        Ok(match saisie::verifie(value) {
            Ok(adresse) => Validation::Valid(adresse),
            Err(error) => Validation::invalid(error.code(), error.message()),
        })
    }

    fn suggest(query: &str, options: &Options, limit: usize) -> Result<Vec<Suggestion>, PluginError> {
        geocodage::suggestions(query, limit, precision(options)?)
    }

    fn enrich(value: &str, options: &Options) -> Result<Result<Enrichment, Vec<FieldError>>, PluginError> {
        let adresse = saisie::verifie(value)
            .map_err(|_| PluginError::invalid_input("enrich was given a value validate refuses"))?;
        let adresse = geocodage::structurer(&adresse, precision(options)?)?;
        let donnees = serde_json::to_value(&adresse)
            .map_err(|error| PluginError::internal(format!("donnees do not serialize: {error}")))?;
        let mut enrichment = Enrichment::new(&donnees);
        enrichment.resume = presentation::resume(&adresse);
        Ok(Ok(enrichment))
    }

    fn display(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<String, PluginError> {
        Ok(lire(donnees).map(|a| a.label).unwrap_or_else(|| value.to_owned()))
    }

    fn search_text(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<String, PluginError> {
        Ok(lire(donnees).map(|a| presentation::texte_de_recherche(&a)).unwrap_or_else(|| value.to_owned()))
    }

    fn export_columns(_options: &Options) -> Result<Vec<ExportColumn>, PluginError> {
        Ok(presentation::COLONNES.iter().map(|(id, libelle)| ExportColumn::new(*id, *libelle)).collect())
    }

    fn export_values(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<Vec<String>, PluginError> {
        Ok(presentation::cellules(value, lire(donnees).as_ref()))
    }
}

guichet_plugin_sdk::export_type_de_champ!(ChampAdresse);

#[cfg(test)]
mod tests;
