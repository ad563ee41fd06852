//! The SIRET champ type: a French établissement number, checked offline by
//! its key, then enriched from API Entreprise (INSEE Sirene): raison
//! sociale, address, activity, legal form, administrative state.
//!
//! The rules live in [`checker`] (offline), [`api_entreprise`] (requests and
//! answers, pure), [`presentation`] (what is shown) and [`enrichissement`]
//! (the flow through the host's services); this file adapts them to the
//! `guichet:plugin/type-de-champ` interface through the plugin SDK.
//!
//! A closed établissement is accepted by default, as démarches-simplifiées
//! does: the resume and the display say « Fermé depuis le … » so the
//! instructeur sees it. A démarche may refuse closed établissements with the
//! `refuser-fermes` setting; the usager then reads « Cet établissement est
//! fermé depuis le … ».

pub mod api_entreprise;
pub mod checker;
pub mod dates;
pub mod enrichissement;
pub mod presentation;

use api_entreprise::etablissement::Etablissement;
use guichet_plugin_sdk::{
    Capability, Description, Donnees, Enrichment, ExportColumn, FieldError, Options, PluginError, TypeDeChamp,
    Validation, description,
};

/// The démarche setting refusing closed établissements.
pub const OPTION_REFUSER_FERMES: &str = "refuser-fermes";

const OPTIONS_SCHEMA: &str = r#"{"type":"object","properties":{"refuser-fermes":{"type":"boolean"}}}"#;

const DONNEES_SCHEMA: &str = r#"{"type":"object","required":["siret","siren"],"properties":{
"siret":{"type":"string"},"siren":{"type":"string"},
"raison_sociale":{"type":["string","null"]},"sigle":{"type":["string","null"]},"enseigne":{"type":["string","null"]},
"siege_social":{"type":["boolean","null"]},"etat_administratif":{"enum":["actif","ferme",null]},
"date_fermeture":{"type":["string","null"]},"date_creation":{"type":["string","null"]},
"naf":{"type":"object","properties":{"code":{"type":["string","null"]},"libelle":{"type":["string","null"]}}},
"forme_juridique":{"type":"object","properties":{"code":{"type":["string","null"]},"libelle":{"type":["string","null"]}}},
"adresse":{"type":"object","properties":{"numero_voie":{"type":["string","null"]},
"indice_repetition_voie":{"type":["string","null"]},"type_voie":{"type":["string","null"]},
"libelle_voie":{"type":["string","null"]},"complement":{"type":["string","null"]},
"code_postal":{"type":["string","null"]},"commune":{"type":["string","null"]},
"code_commune":{"type":["string","null"]},"pays":{"type":["string","null"]},"ligne":{"type":"string"}}}}}"#;

struct Siret;

/// The donnees as the plugin wrote them; `None` when absent, or written in a
/// shape this version cannot read (the caller falls back to the SIRET).
fn lire(donnees: Option<&Donnees>) -> Option<Etablissement> {
    donnees.and_then(|d| d.parse::<Etablissement>().ok()).filter(|e| !e.siret.is_empty())
}

impl TypeDeChamp for Siret {
    fn describe() -> Description {
        description!(
            "siret",
            "Numéro SIRET",
            "Numéro d'établissement à 14 chiffres attribué par l'INSEE, vérifié par sa clé de contrôle puis \
             complété par API Entreprise (raison sociale, adresse, activité)."
        )
        .options_schema(OPTIONS_SCHEMA)
        .donnees_schema(DONNEES_SCHEMA)
        .capabilities([Capability::Enrich, Capability::Display, Capability::SearchText, Capability::Export])
    }

    fn validate(value: &str, _options: &Options) -> Result<Validation, PluginError> {
        Ok(match checker::check(value) {
            Ok(siret) => Validation::Valid(siret),
            Err(error) => Validation::invalid(error.code(), error.message()),
        })
    }

    fn enrich(value: &str, options: &Options) -> Result<Result<Enrichment, Vec<FieldError>>, PluginError> {
        let siret = checker::check(value)
            .map_err(|_| PluginError::invalid_input("enrich was given a value validate refuses"))?;
        let refuser_fermes = options.get_bool(OPTION_REFUSER_FERMES)?.unwrap_or(false);
        enrichissement::enrichir(&siret, refuser_fermes)
    }

    fn display(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<String, PluginError> {
        Ok(match lire(donnees) {
            Some(etablissement) => presentation::affichage(&etablissement),
            None => presentation::siret_lisible(value),
        })
    }

    fn search_text(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<String, PluginError> {
        Ok(match lire(donnees) {
            Some(etablissement) => presentation::texte_de_recherche(&etablissement),
            None => value.to_owned(),
        })
    }

    fn export_columns(_options: &Options) -> Result<Vec<ExportColumn>, PluginError> {
        Ok(presentation::COLONNES.iter().map(|(id, libelle)| ExportColumn::new(*id, *libelle)).collect())
    }

    fn export_values(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<Vec<String>, PluginError> {
        Ok(presentation::cellules(value, lire(donnees).as_ref()))
    }
}

guichet_plugin_sdk::export_type_de_champ!(Siret);

#[cfg(test)]
mod tests;
