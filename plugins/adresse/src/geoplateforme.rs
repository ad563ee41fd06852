//! The Géoplateforme geocoder (IGN, serving the Base Adresse Nationale):
//! `GET https://data.geopf.fr/geocodage/search?q=…&limit=…&autocomplete=…`
//! answering a GeoJSON `FeatureCollection`. Request building and answer
//! reading are pure, tested natively on the contract's shapes
//! (`tests/support/contrats/ban.rs`).

use guichet_plugin_sdk::http;
use serde::Deserialize;

/// The production origin; the operator may relocate it without the plugin
/// knowing.
pub const ORIGIN: &str = "https://data.geopf.fr";

/// Most results asked for: a list longer than this does not help an usager
/// choose, and bounds the answer the plugin parses.
pub const MAX_LIMIT: u32 = 20;

/// A result type the geocoder can filter on (the `precision` setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Numero,
    Voie,
    LieuDit,
    Commune,
}

impl Precision {
    /// The setting's value (`numero`, `voie`, `lieu-dit`, `commune`).
    pub fn from_setting(value: &str) -> Option<Precision> {
        match value {
            "numero" => Some(Precision::Numero),
            "voie" => Some(Precision::Voie),
            "lieu-dit" => Some(Precision::LieuDit),
            "commune" => Some(Precision::Commune),
            _ => None,
        }
    }

    /// The geocoder's `type`.
    pub fn as_type(self) -> &'static str {
        match self {
            Precision::Numero => "housenumber",
            Precision::Voie => "street",
            Precision::LieuDit => "locality",
            Precision::Commune => "municipality",
        }
    }
}

/// The search URL. `autocomplete` lets the last word be a prefix (for
/// `suggest`); enrichment matches whole words.
pub fn search_url(query: &str, limit: u32, autocomplete: bool, precision: Option<Precision>) -> String {
    let limit = limit.clamp(1, MAX_LIMIT).to_string();
    let mut pairs =
        vec![("q", query), ("limit", limit.as_str()), ("autocomplete", if autocomplete { "1" } else { "0" })];
    if let Some(precision) = precision {
        pairs.push(("type", precision.as_type()));
    }
    format!("{ORIGIN}/geocodage/search?{}", http::encode_query(&pairs))
}

pub const HEADERS: &[(&str, &str)] = &[("Accept", "application/json")];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FeatureCollection {
    pub features: Vec<Feature>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Feature {
    pub geometry: Option<Geometry>,
    pub properties: Properties,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Geometry {
    /// `[longitude, latitude]`, WGS 84.
    pub coordinates: Vec<f64>,
}

/// The documented properties; any may be missing.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Properties {
    pub label: Option<String>,
    pub score: Option<f64>,
    pub housenumber: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub postcode: Option<String>,
    pub citycode: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    /// « 69, Rhône, Auvergne-Rhône-Alpes ».
    pub context: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub street: Option<String>,
    pub x: Option<f64>,
    pub y: Option<f64>,
}

/// The features of an answer body, best first as the geocoder ranked them;
/// features without a label are dropped.
pub fn features(body: &[u8]) -> Result<Vec<Feature>, http::HttpError> {
    let collection: FeatureCollection =
        serde_json::from_slice(body).map_err(|error| http::HttpError::InvalidBody(error.to_string()))?;
    Ok(collection
        .features
        .into_iter()
        .filter(|f| f.properties.label.as_deref().is_some_and(|l| !l.is_empty()))
        .collect())
}
