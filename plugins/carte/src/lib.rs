//! The `carte` champ type: points, lines and polygons an usager draws on a
//! map, stored as a GeoJSON FeatureCollection (RFC 7946).

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
