//! The `carte` champ type: points, lines and polygons an usager draws on a
//! map, stored as a GeoJSON FeatureCollection (RFC 7946), measured, and
//! (when the démarche turns the cadastre layer on) with the cadastral
//! parcels its polygons touch, from IGN's API Carto.
//!
//! The rules live in plain modules tested natively; this file only adapts
//! them to `guichet:plugin/type-de-champ@0.2.0` through the plugin SDK.

pub mod cadastre;
pub mod donnees;
pub mod erreur;
pub mod francais;
pub mod geometrie;
pub mod json;
pub mod lecture;
pub mod mesure;
pub mod plan;
pub mod reglages;
pub mod restitution;

use std::time::Duration;

use guichet_plugin_sdk::{
    Capability, Description, Donnees, Enrichment, ExportColumn, FieldError, Options, PluginError, TypeDeChamp,
    Validation, description, http,
};

use crate::cadastre::{Echec, Reponse};
use crate::erreur::Erreur;
use crate::reglages::Reglages;

/// Each cadastre request's phases (connect, first byte, between bytes):
/// [`cadastre::MAX_REQUETES`] requests stay within the manifest's
/// wall-clock limit even when API Carto is slow but answering.
const DELAI_API_CARTO: Duration = Duration::from_secs(3);

struct Carte;

fn reglages(options: &Options) -> Result<Reglages, PluginError> {
    Reglages::lire(options.as_str()).map_err(PluginError::Misconfigured)
}

fn erreurs(erreurs: Vec<Erreur>) -> Vec<FieldError> {
    erreurs.into_iter().map(|e| FieldError::new(e.code, e.message)).collect()
}

/// A stored value, read back without the options' restrictions: it was
/// accepted under the settings of its day, which may have changed since.
/// `None` for a value kept as typed while the plugin could not check it.
fn stockee(value: &str) -> Option<geometrie::Carte> {
    lecture::lire(value, &Reglages::default()).ok()
}

fn parcelles(donnees: Option<&Donnees>) -> Option<Reponse> {
    donnees.and_then(|d| donnees::lire_cadastre(d.as_str()))
}

/// Asks API Carto for the parcels under each polygon.
fn chercher_parcelles(carte: &geometrie::Carte) -> Result<Reponse, PluginError> {
    let (requetes, tronque) = cadastre::requetes(carte);
    let mut reponses = Vec::with_capacity(requetes.len());
    for requete in &requetes {
        let envoi =
            http::Request::get(requete.url.as_str()).header("Accept", "application/json").timeout(DELAI_API_CARTO);
        let reponse = http::send(&envoi)?;
        let lue = cadastre::lire_reponse(reponse.status, &reponse.body, &requete.polygones).map_err(|e| match e {
            Echec::Indisponible(reason) => PluginError::UpstreamUnavailable(reason),
            Echec::Refus(reason) => PluginError::Internal(reason),
        })?;
        reponses.push(lue);
    }
    Ok(cadastre::fusionner(reponses, tronque))
}

impl TypeDeChamp for Carte {
    fn describe() -> Description {
        description!(
            "carte",
            "Carte",
            "Points, lignes et polygones que l'usager dessine sur une carte (ou saisit en GeoJSON), avec leurs \
             surfaces et longueurs et, si la couche est activée, les parcelles cadastrales touchées."
        )
        .options_schema(reglages::OPTIONS_SCHEMA)
        .donnees_schema(donnees::DONNEES_SCHEMA)
        .capabilities([Capability::Enrich, Capability::Display, Capability::SearchText, Capability::Export])
    }

    fn validate(value: &str, options: &Options) -> Result<Validation, PluginError> {
        let reglages = reglages(options)?;
        Ok(match lecture::lire(value, &reglages) {
            Ok(carte) => Validation::Valid(carte.to_json()),
            Err(e) => Validation::Invalid(erreurs(e)),
        })
    }

    fn enrich(value: &str, options: &Options) -> Result<Result<Enrichment, Vec<FieldError>>, PluginError> {
        let reglages = reglages(options)?;
        let carte = match lecture::lire(value, &reglages) {
            Ok(carte) => carte,
            Err(e) => return Ok(Err(erreurs(e))),
        };
        let cadastre = if reglages.cadastres { Some(chercher_parcelles(&carte)?) } else { None };
        Ok(Ok(Enrichment {
            donnees: donnees::ecrire(&carte, cadastre.as_ref()),
            resume: donnees::resume(&carte, cadastre.as_ref()),
        }))
    }

    fn display(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<String, PluginError> {
        Ok(match stockee(value) {
            Some(carte) => restitution::afficher(&carte, parcelles(donnees).as_ref()),
            None => value.to_owned(),
        })
    }

    fn search_text(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<String, PluginError> {
        Ok(stockee(value)
            .map(|carte| restitution::texte_de_recherche(&carte, parcelles(donnees).as_ref()))
            .unwrap_or_default())
    }

    fn export_columns(options: &Options) -> Result<Vec<ExportColumn>, PluginError> {
        Ok(restitution::colonnes(&reglages(options)?)
            .into_iter()
            .map(|(id, libelle)| ExportColumn::new(id, libelle))
            .collect())
    }

    fn export_values(value: &str, donnees: Option<&Donnees>, options: &Options) -> Result<Vec<String>, PluginError> {
        let reglages = reglages(options)?;
        Ok(match stockee(value) {
            Some(carte) => restitution::valeurs(&carte, parcelles(donnees).as_ref(), &reglages),
            None => vec![String::new(); restitution::colonnes(&reglages).len()],
        })
    }
}

guichet_plugin_sdk::export_type_de_champ!(Carte);

#[cfg(test)]
mod tests;
