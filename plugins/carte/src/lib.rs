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
