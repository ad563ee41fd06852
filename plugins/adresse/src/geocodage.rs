//! Suggestions and enrichment through the geocoder, over the host's HTTP.
//!
//! Nothing is cached: what an usager types into an address champ is often
//! their home address (personal data), and the geocoder is public and fast.

use crate::adresse::Adresse;
use crate::geoplateforme::{self, Precision};
use crate::saisie;
use guichet_plugin_sdk::{PluginError, Suggestion, debug, http};

/// Lowest geocoder score at which an address counts as found: below it the
/// best result is usually another street or another commune, and the
/// usager's text is kept as a manual entry rather than replaced by a wrong
/// address.
pub const SEUIL_SCORE: f64 = 0.7;

/// The features for `query`, or `None` when the geocoder refused the query
/// itself (400: a text it cannot search, which is no outage).
fn rechercher(
    query: &str,
    limit: u32,
    autocomplete: bool,
    precision: Option<Precision>,
) -> Result<Option<Vec<geoplateforme::Feature>>, PluginError> {
    let url = geoplateforme::search_url(query, limit, autocomplete, precision);
    let response = http::get(&url, geoplateforme::HEADERS)?;
    if response.status == 400 {
        debug!("the geocoder refused the query");
        return Ok(None);
    }
    let response = response.error_for_status()?;
    Ok(Some(geoplateforme::features(&response.body)?))
}

/// Up to `limit` proposals for what the usager is typing.
pub fn suggestions(query: &str, limit: usize, precision: Option<Precision>) -> Result<Vec<Suggestion>, PluginError> {
    let limit = u32::try_from(limit).unwrap_or(u32::MAX).min(geoplateforme::MAX_LIMIT);
    let Some(query) = saisie::requete(query).filter(|_| limit > 0) else {
        return Ok(Vec::new());
    };
    let features = rechercher(&query, limit, true, precision)?.unwrap_or_default();
    let mut suggestions = Vec::with_capacity(features.len());
    for feature in features {
        let adresse = Adresse::from_feature(feature);
        let donnees = serde_json::to_value(&adresse)
            .map_err(|error| PluginError::internal(format!("donnees do not serialize: {error}")))?;
        suggestions.push(Suggestion::new(adresse.label.clone(), adresse.label.clone()).donnees(&donnees));
    }
    Ok(suggestions)
}

/// The structured address of `adresse` (already normalized by `validate`):
/// the best geocoder result when its score reaches [`SEUIL_SCORE`], the
/// text as a manual entry otherwise. Only an outage is an error.
pub fn structurer(adresse: &str, precision: Option<Precision>) -> Result<Adresse, PluginError> {
    let Some(query) = saisie::requete(adresse) else {
        return Ok(Adresse::saisie_manuelle(adresse));
    };
    let best = rechercher(&query, 1, false, precision)?.and_then(|features| features.into_iter().next());
    Ok(match best {
        Some(feature) if feature.properties.score.is_some_and(|score| score >= SEUIL_SCORE) => {
            Adresse::from_feature(feature)
        }
        _ => Adresse::saisie_manuelle(adresse),
    })
}
