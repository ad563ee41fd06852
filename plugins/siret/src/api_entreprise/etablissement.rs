//! The `data` of the établissement and unité légale answers, and the
//! `donnees` the plugin keeps from them.
//!
//! Every member is optional here: Sirene leaves many empty, masks those of
//! non-diffusible entities, and a missing member must never make the
//! enrichment fail.

use crate::dates::Date;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `{"data": …}` of both endpoints.
#[derive(Deserialize)]
pub struct Enveloppe<T> {
    pub data: T,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EtablissementApi {
    pub siret: Option<String>,
    pub siege_social: Option<bool>,
    pub etat_administratif: Option<String>,
    pub date_fermeture: DateApi,
    pub enseigne: Option<String>,
    pub activite_principale: Option<Code>,
    pub date_creation: DateApi,
    pub unite_legale: Option<UniteLegaleApi>,
    pub adresse: Option<AdresseApi>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct UniteLegaleApi {
    pub siren: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub personne_morale_attributs: Option<PersonneMorale>,
    pub personne_physique_attributs: Option<PersonnePhysique>,
    pub forme_juridique: Option<Code>,
    pub date_creation: DateApi,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PersonneMorale {
    pub raison_sociale: Option<String>,
    pub sigle: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PersonnePhysique {
    pub prenom_usuel: Option<String>,
    pub prenom_1: Option<String>,
    pub nom_usage: Option<String>,
    pub nom_naissance: Option<String>,
}

#[derive(Deserialize, Serialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Code {
    pub code: Option<String>,
    pub libelle: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdresseApi {
    pub numero_voie: Option<String>,
    pub indice_repetition_voie: Option<String>,
    pub type_voie: Option<String>,
    pub libelle_voie: Option<String>,
    pub complement_adresse: Option<String>,
    pub code_postal: Option<String>,
    pub libelle_commune: Option<String>,
    pub code_commune: Option<String>,
    pub distribution_speciale: Option<String>,
    pub code_cedex: Option<String>,
    pub libelle_cedex: Option<String>,
    pub libelle_commune_etranger: Option<String>,
    pub libelle_pays_etranger: Option<String>,
}

/// What the champ keeps about an établissement (its `donnees`).
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Etablissement {
    pub siret: String,
    pub siren: String,
    /// The company's name: raison sociale, or first name and name of an
    /// entrepreneur individuel.
    pub raison_sociale: Option<String>,
    pub sigle: Option<String>,
    pub enseigne: Option<String>,
    pub siege_social: Option<bool>,
    /// `actif` or `ferme`.
    pub etat_administratif: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_fermeture: Option<String>,
    /// `YYYY-MM-DD`, of the établissement.
    pub date_creation: Option<String>,
    /// Activité principale (NAF rév. 2).
    pub naf: Code,
    pub forme_juridique: Code,
    pub adresse: Adresse,
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Adresse {
    pub numero_voie: Option<String>,
    pub indice_repetition_voie: Option<String>,
    pub type_voie: Option<String>,
    pub libelle_voie: Option<String>,
    pub complement: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
    /// Code officiel géographique (INSEE) of the commune.
    pub code_commune: Option<String>,
    pub pays: Option<String>,
    /// The whole address on one line, as printed.
    pub ligne: String,
}

pub const ETAT_ACTIF: &str = "actif";
pub const ETAT_FERME: &str = "ferme";

impl Etablissement {
    /// Keeps what matters of an établissement answer, `siret` being the one
    /// asked for (used when the answer lacks it).
    pub fn from_api(api: EtablissementApi, siret: &str) -> Etablissement {
        let unite_legale = api.unite_legale.unwrap_or_default();
        let siret = api.siret.and_then(non_vide).unwrap_or_else(|| siret.to_owned());
        let siren = unite_legale.siren.clone().and_then(non_vide).unwrap_or_else(|| siret.chars().take(9).collect());
        let mut etablissement = Etablissement {
            siret,
            siren,
            enseigne: api.enseigne.and_then(non_vide),
            siege_social: api.siege_social,
            etat_administratif: api.etat_administratif.as_deref().and_then(etat),
            date_fermeture: api.date_fermeture.0.map(Date::iso),
            date_creation: api.date_creation.0.map(Date::iso),
            naf: nettoye(api.activite_principale),
            adresse: api.adresse.map(Adresse::from_api).unwrap_or_default(),
            ..Etablissement::default()
        };
        etablissement.complete(&unite_legale);
        etablissement
    }

    /// Whether the établissement answer lacked the unité légale's name or
    /// forme juridique, which then come from the unité légale endpoint.
    pub fn sans_unite_legale(&self) -> bool {
        self.raison_sociale.is_none() || self.forme_juridique.code.is_none()
    }

    /// Fills what is missing from an unité légale answer.
    pub fn complete(&mut self, unite_legale: &UniteLegaleApi) {
        if self.raison_sociale.is_none() {
            self.raison_sociale = nom(unite_legale);
        }
        if self.sigle.is_none() {
            self.sigle =
                unite_legale.personne_morale_attributs.as_ref().and_then(|p| p.sigle.clone()).and_then(non_vide);
        }
        if self.forme_juridique.code.is_none() {
            self.forme_juridique = nettoye(unite_legale.forme_juridique.clone());
        }
    }

    pub fn ferme(&self) -> bool {
        self.etat_administratif.as_deref() == Some(ETAT_FERME)
    }

    /// The name shown first: raison sociale (sigle), or the enseigne, or the
    /// SIRET when Sirene gave neither.
    pub fn nom(&self) -> String {
        match (&self.raison_sociale, &self.sigle, &self.enseigne) {
            (Some(raison), Some(sigle), _) if sigle != raison => format!("{raison} ({sigle})"),
            (Some(raison), _, _) => raison.clone(),
            (None, _, Some(enseigne)) => enseigne.clone(),
            (None, _, None) => format!("Établissement {}", self.siret),
        }
    }
}

impl Adresse {
    fn from_api(api: AdresseApi) -> Adresse {
        let mut adresse = Adresse {
            numero_voie: api.numero_voie.and_then(non_vide),
            indice_repetition_voie: api.indice_repetition_voie.and_then(non_vide),
            type_voie: api.type_voie.and_then(non_vide),
            libelle_voie: api.libelle_voie.and_then(non_vide),
            complement: api.complement_adresse.and_then(non_vide),
            code_postal: api.code_postal.and_then(non_vide),
            commune: api.libelle_commune.and_then(non_vide).or(api.libelle_commune_etranger.and_then(non_vide)),
            code_commune: api.code_commune.and_then(non_vide),
            pays: api.libelle_pays_etranger.and_then(non_vide),
            ligne: String::new(),
        };
        let distribution = api.distribution_speciale.and_then(non_vide);
        // A CEDEX replaces the commune line: "75700 PARIS CEDEX 07".
        let cedex = match (api.code_cedex.and_then(non_vide), api.libelle_cedex.and_then(non_vide)) {
            (Some(code), Some(libelle)) => Some(format!("{code} {libelle}")),
            _ => None,
        };
        let voie = joint(
            [&adresse.numero_voie, &adresse.indice_repetition_voie, &adresse.type_voie, &adresse.libelle_voie],
            " ",
        );
        let commune = cedex.or_else(|| {
            let ligne = joint([&adresse.code_postal, &adresse.commune], " ");
            (!ligne.is_empty()).then_some(ligne)
        });
        let parties = [adresse.complement.clone(), non_vide(voie), distribution, commune, adresse.pays.clone()];
        adresse.ligne = joint(&parties, ", ");
        adresse
    }
}

fn joint<'a>(parties: impl IntoIterator<Item = &'a Option<String>>, separateur: &str) -> String {
    parties.into_iter().flatten().map(String::as_str).collect::<Vec<_>>().join(separateur)
}

fn non_vide(text: String) -> Option<String> {
    let trimmed = text.trim();
    // Sirene masks the members of non-diffusible entities with "[ND]".
    if trimmed.is_empty() || trimmed == "[ND]" {
        None
    } else if trimmed.len() == text.len() {
        Some(text)
    } else {
        Some(trimmed.to_owned())
    }
}

fn nettoye(code: Option<Code>) -> Code {
    let code = code.unwrap_or_default();
    Code { code: code.code.and_then(non_vide), libelle: code.libelle.and_then(non_vide) }
}

fn etat(code: &str) -> Option<String> {
    match code {
        "A" => Some(ETAT_ACTIF.to_owned()),
        "F" | "C" => Some(ETAT_FERME.to_owned()),
        _ => None,
    }
}

/// A Sirene date as sent: a Unix timestamp or `YYYY-MM-DD` text; anything
/// else (null, another shape) reads as absent rather than failing the whole
/// answer. Read without `serde_json::Value`, which would weigh on the
/// component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateApi(pub Option<Date>);

impl<'de> Deserialize<'de> for DateApi {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DateVisitor)
    }
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = DateApi;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp or a YYYY-MM-DD date")
    }

    fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<DateApi, E> {
        Ok(DateApi(Some(Date::from_timestamp(seconds))))
    }

    fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<DateApi, E> {
        Ok(DateApi(i64::try_from(seconds).ok().map(Date::from_timestamp)))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<DateApi, E> {
        Ok(DateApi(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<DateApi, E> {
        Ok(DateApi(None))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<DateApi, E> {
        Ok(DateApi(Date::parse(text)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<DateApi, E> {
        Ok(DateApi(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<DateApi, E> {
        Ok(DateApi(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DateApi, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(DateApi(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DateApi, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(DateApi(None))
    }
}

/// The company's name: raison sociale of a personne morale, or the usual
/// first name and the name (d'usage, else de naissance) of a personne
/// physique.
fn nom(unite_legale: &UniteLegaleApi) -> Option<String> {
    let morale = unite_legale.personne_morale_attributs.as_ref().and_then(|p| p.raison_sociale.clone());
    if let Some(raison) = morale.and_then(non_vide) {
        return Some(raison);
    }
    let physique = unite_legale.personne_physique_attributs.as_ref()?;
    let prenom = physique.prenom_usuel.clone().and_then(non_vide).or(physique.prenom_1.clone().and_then(non_vide));
    let nom = physique.nom_usage.clone().and_then(non_vide).or(physique.nom_naissance.clone().and_then(non_vide));
    non_vide(joint([&prenom, &nom], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_timestamps_or_text_and_never_fail() {
        let read = |json: &str| serde_json::from_str::<DateApi>(json).map(|d| d.0.map(Date::iso));
        assert_eq!(read("1321830000").unwrap().as_deref(), Some("2011-11-21"));
        assert_eq!(read("-473389200").unwrap().as_deref(), Some("1955-01-01"));
        assert_eq!(read(r#""2011-11-21""#).unwrap().as_deref(), Some("2011-11-21"));
        for absent in ["null", "1.5", "true", r#""hier""#, "[1, [2]]", r#"{"a": {"b": 1}}"#, "18446744073709551615"] {
            assert_eq!(read(absent).unwrap(), None, "{absent}");
        }
    }
}
