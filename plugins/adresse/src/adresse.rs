//! The structured address the champ keeps (its `donnees`).

use crate::geoplateforme::Feature;
use crate::saisie;
use serde::{Deserialize, Serialize};

/// Where the structure comes from.
pub const SOURCE_BAN: &str = "ban";
pub const SOURCE_SAISIE_MANUELLE: &str = "saisie-manuelle";

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct Adresse {
    /// `ban` (found in the Base Adresse Nationale) or `saisie-manuelle`
    /// (kept as typed; only what could be read from the text is filled).
    pub source: String,
    /// The address on one line: the BAN's label, or what the usager typed.
    pub label: String,
    pub numero: Option<String>,
    /// Street, or lieu-dit.
    pub voie: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
    /// Arrondissement of Paris, Lyon or Marseille.
    pub arrondissement: Option<String>,
    /// Code officiel géographique (INSEE) of the commune.
    pub code_insee: Option<String>,
    pub departement: Option<Departement>,
    pub region: Option<String>,
    pub coordonnees: Option<Coordonnees>,
    /// The BAN's identifier (`75107_8909_00020`).
    pub ban_id: Option<String>,
    /// The BAN's result type: `housenumber`, `street`, `locality`,
    /// `municipality`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The geocoder's confidence, between 0 and 1.
    pub score: Option<f64>,
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Departement {
    pub code: String,
    pub nom: String,
}

/// WGS 84.
#[derive(Serialize, Deserialize, Default, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Coordonnees {
    pub longitude: f64,
    pub latitude: f64,
}

impl Adresse {
    /// A geocoder result.
    pub fn from_feature(feature: Feature) -> Adresse {
        let p = feature.properties;
        let kind = p.kind.clone();
        let voie = match kind.as_deref() {
            Some("housenumber") => p.street.clone().or_else(|| {
                // Without `street`, the name is "20 Avenue de Ségur".
                let name = p.name.clone()?;
                let numero = p.housenumber.as_deref().unwrap_or_default();
                Some(name.strip_prefix(numero).map(str::trim).unwrap_or(&name).to_owned())
            }),
            Some("municipality") => None,
            _ => p.name.clone(),
        };
        let (departement, region) = contexte(p.context.as_deref().unwrap_or_default());
        let coordonnees = feature.geometry.and_then(|g| match g.coordinates.as_slice() {
            [longitude, latitude, ..] if longitude.is_finite() && latitude.is_finite() => {
                Some(Coordonnees { longitude: *longitude, latitude: *latitude })
            }
            _ => None,
        });
        Adresse {
            source: SOURCE_BAN.to_owned(),
            label: p.label.unwrap_or_default(),
            numero: if kind.as_deref() == Some("housenumber") { p.housenumber } else { None },
            voie,
            code_postal: p.postcode,
            commune: p.city,
            arrondissement: p.district,
            code_insee: p.citycode,
            departement,
            region,
            coordonnees,
            ban_id: p.id,
            kind,
            score: p.score,
        }
    }

    /// An address the geocoder did not find: kept as typed, with the code
    /// postal and commune when the text shows them.
    pub fn saisie_manuelle(label: &str) -> Adresse {
        let (code_postal, commune) = saisie::code_postal_et_commune(label);
        Adresse {
            source: SOURCE_SAISIE_MANUELLE.to_owned(),
            label: label.to_owned(),
            code_postal,
            commune,
            ..Adresse::default()
        }
    }

    pub fn trouvee(&self) -> bool {
        self.source == SOURCE_BAN
    }
}

/// « 69, Rhône, Auvergne-Rhône-Alpes » → département 69 Rhône, région
/// Auvergne-Rhône-Alpes. A context with two parts has no région.
fn contexte(context: &str) -> (Option<Departement>, Option<String>) {
    let mut parts = context.split(',').map(str::trim).filter(|p| !p.is_empty());
    let (Some(code), Some(nom)) = (parts.next(), parts.next()) else {
        return (None, None);
    };
    let region = parts.collect::<Vec<_>>().join(", ");
    (Some(Departement { code: code.to_owned(), nom: nom.to_owned() }), Some(region).filter(|r| !r.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_contexts() {
        let (departement, region) = contexte("69, Rhône, Auvergne-Rhône-Alpes");
        assert_eq!(departement, Some(Departement { code: "69".into(), nom: "Rhône".into() }));
        assert_eq!(region.as_deref(), Some("Auvergne-Rhône-Alpes"));
        assert_eq!(contexte("971, Guadeloupe, Guadeloupe").1.as_deref(), Some("Guadeloupe"));
        assert_eq!(contexte("2A, Corse-du-Sud").1, None);
        assert_eq!(contexte("").0, None);
        assert_eq!(contexte("75").0, None);
    }

    #[test]
    fn manual_entries_keep_what_can_be_read() {
        let adresse = Adresse::saisie_manuelle("Lieu-dit Les Granges 12345 Saint-Nulle-Part");
        assert_eq!(adresse.source, "saisie-manuelle");
        assert_eq!(adresse.label, "Lieu-dit Les Granges 12345 Saint-Nulle-Part");
        assert_eq!(adresse.code_postal.as_deref(), Some("12345"));
        assert_eq!(adresse.commune.as_deref(), Some("Saint-Nulle-Part"));
        assert_eq!((&adresse.voie, &adresse.code_insee, adresse.coordonnees), (&None, &None, None));
        assert!(!adresse.trouvee());
    }
}
