//! Territory champs (`pays`, `regions`, `departements`, `communes`, `epci`)
//! over lists bundled in the crate (`form/data/`, from the COG 2026 and
//! ISO 3166; sources and licences in its README), loaded once in memory.
//!
//! Public API, also for rules (« in département / in région »):
//! - [`pays`], [`region`], [`departement`], [`commune`], [`epci`]: one
//!   entry by code (`None` when unknown); a [`Commune`] carries its
//!   `departement` and `region` codes, a [`Departement`] its `region`.
//! - [`commune_de_valeur`]: the commune of a stored `communes` value.
//! - [`rechercher_communes`]: by name or postal code, ranked, bounded.
//! - [`liste_pays`], [`regions`], [`departements`], [`epci_du_departement`]:
//!   the lists the forms offer.
//! - [`valider`], [`valeur_affichee`], [`valeur_pour_export`]: what
//!   `champ.rs` delegates to for these types.
//!
//! Stored values: pays an ISO 3166-1 alpha-2 code (`FR`), régions and
//! départements their COG code (`84`, `971`), EPCI their SIREN, communes
//! `<code INSEE>|<code postal>` (`75056|75011`): a commune has several
//! postal codes, and the usager's is part of the answer.

mod donnees;
mod recherche;

pub use donnees::{Commune, Departement, Epci, Pays, Region};
pub use recherche::{CommuneTrouvee, RECHERCHE_MAX_CHARS, cle};

use crate::champ::TypeChamp;
use donnees::Donnees;
use std::sync::LazyLock;

/// Answers a commune search gives at most: enough to find one's commune
/// among homonyms (« Saint-Denis »), few enough for a phone screen, a
/// screen reader and a radio list without JavaScript.
pub const COMMUNES_MAX: usize = 20;

static DONNEES: LazyLock<Result<Donnees, String>> = LazyLock::new(donnees::charger);

fn donnees() -> Option<&'static Donnees> {
    DONNEES.as_ref().ok()
}

/// Why the bundled lists failed to load, if they did (a test checks they
/// do not; at run time every lookup then finds nothing).
pub fn erreur_de_chargement() -> Option<&'static str> {
    DONNEES.as_ref().err().map(String::as_str)
}

pub fn pays(code: &str) -> Option<&'static Pays> {
    donnees()?.pays.iter().find(|p| p.code == code)
}

pub fn region(code: &str) -> Option<&'static Region> {
    donnees()?.regions.iter().find(|r| r.code == code)
}

pub fn departement(code: &str) -> Option<&'static Departement> {
    donnees()?.departements.iter().find(|d| d.code == code)
}

pub fn commune(code_insee: &str) -> Option<&'static Commune> {
    let communes = &donnees()?.communes;
    communes.binary_search_by_key(&code_insee, |c| c.code_insee).ok().map(|i| &communes[i])
}

pub fn epci(siren: &str) -> Option<&'static Epci> {
    donnees()?.epci.iter().find(|e| e.siren == siren)
}

/// Countries sorted by their French name, as a list offers them.
pub fn liste_pays() -> Vec<&'static Pays> {
    let mut list: Vec<_> = donnees().map(|d| d.pays.iter().collect()).unwrap_or_default();
    list.sort_by_cached_key(|p| cle(p.nom, false));
    list
}

/// Régions by code.
pub fn regions() -> &'static [Region] {
    donnees().map_or(&[], |d| &d.regions)
}

/// Départements by code (`01`…`95`, `2A`, `2B`, DROM, COM).
pub fn departements() -> &'static [Departement] {
    donnees().map_or(&[], |d| &d.departements)
}

/// The EPCI with member communes in a département, by name.
pub fn epci_du_departement(code: &str) -> Vec<&'static Epci> {
    let Some(d) = donnees() else { return Vec::new() };
    d.epci_par_departement.get(code).map(|l| l.iter().map(|i| &d.epci[*i as usize]).collect()).unwrap_or_default()
}

/// Communes matching a name or a postal code (or both, « Paris 75011 »),
/// best first, at most `max` (and at most [`COMMUNES_MAX`]).
pub fn rechercher_communes(q: &str, max: usize) -> Vec<CommuneTrouvee> {
    donnees().map_or_else(Vec::new, |d| recherche::rechercher(d, q, max.min(COMMUNES_MAX)))
}

/// The commune and postal code of a stored value (`75056|75011`), when
/// both exist together.
pub fn commune_de_valeur(value: &str) -> Option<CommuneTrouvee> {
    let (code, cp) = value.split_once('|')?;
    let commune = commune(code)?;
    let code_postal = if cp.is_empty() && commune.codes_postaux.is_empty() {
        ""
    } else {
        commune.codes_postaux.iter().copied().find(|c| *c == cp)?
    };
    Some(CommuneTrouvee { commune, code_postal })
}

impl CommuneTrouvee {
    /// The stored value.
    pub fn valeur(&self) -> String {
        format!("{}|{}", self.commune.code_insee, self.code_postal)
    }

    /// « Paris (75011) ».
    pub fn libelle(&self) -> String {
        if self.code_postal.is_empty() {
            self.commune.nom.to_string()
        } else {
            format!("{} ({})", self.commune.nom, self.code_postal)
        }
    }

    /// « 75 – Paris »: tells homonyms apart.
    pub fn libelle_departement(&self) -> String {
        departement(self.commune.departement).map(libelle_departement).unwrap_or_default()
    }
}

/// « 971 – Guadeloupe ».
pub fn libelle_departement(d: &Departement) -> String {
    format!("{} – {}", d.code, d.nom)
}

/// What typed text resolves to, for a `communes` champ.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolution {
    Une(CommuneTrouvee),
    /// Several communes match: the usager chooses (at most [`COMMUNES_MAX`]).
    Plusieurs(Vec<CommuneTrouvee>),
    Aucune,
}

/// A stored value (`75056|75011`, what the list and the combobox send),
/// « Nom (CP) », a postal code, or a name. A name matching exactly one
/// commune at one postal code is taken even when it begins other names
/// (« Lyons-la-Forêt » does not hide « Lyons »… of which there is one).
pub fn resoudre_commune(saisie: &str) -> Resolution {
    let saisie = saisie.trim();
    if saisie.contains('|') {
        return commune_de_valeur(saisie).map_or(Resolution::Aucune, Resolution::Une);
    }
    let trouvees = rechercher_communes(saisie, COMMUNES_MAX);
    let exactes: Vec<_> = {
        let q = cle(&saisie.replace(|c: char| c.is_ascii_digit() || c == '(' || c == ')', " "), false);
        trouvees.iter().copied().filter(|t| t.commune.cle == q).collect()
    };
    match (exactes.as_slice(), trouvees.as_slice()) {
        (_, []) => Resolution::Aucune,
        ([une], _) | ([], [une]) => Resolution::Une(*une),
        ([], _) => Resolution::Plusieurs(trouvees),
        _ => Resolution::Plusieurs(exactes),
    }
}

/// Checks a territory value (`value` trimmed, not empty); the value to
/// store, or the French message shown next to the field.
pub fn valider(type_champ: &TypeChamp, libelle: &str, value: &str) -> Result<String, String> {
    let inconnu = |quoi: &str| format!("« {libelle} » : {quoi} ne fait pas partie de la liste proposée.");
    match type_champ {
        TypeChamp::Pays => pays(value).map(|p| p.code.to_string()).ok_or_else(|| inconnu("ce pays")),
        TypeChamp::Regions => region(value).map(|r| r.code.to_string()).ok_or_else(|| inconnu("cette région")),
        TypeChamp::Departements => {
            departement(value).map(|d| d.code.to_string()).ok_or_else(|| inconnu("ce département"))
        }
        TypeChamp::Epci => epci(value).map(|e| e.siren.to_string()).ok_or_else(|| inconnu("cet EPCI")),
        TypeChamp::Communes => {
            if value.chars().count() > RECHERCHE_MAX_CHARS {
                return Err(format!("« {libelle} » : saisissez un code postal ou le nom d'une commune."));
            }
            match resoudre_commune(value) {
                Resolution::Une(t) => Ok(t.valeur()),
                Resolution::Plusieurs(_) => Err(format!(
                    "« {libelle} » : plusieurs communes correspondent à « {value} ». Choisissez la vôtre dans la liste."
                )),
                Resolution::Aucune => Err(format!(
                    "« {libelle} » : aucune commune ne correspond à « {value} ». Vérifiez le code postal ou le nom de la commune."
                )),
            }
        }
        _ => Err(format!("« {libelle} » n'est pas un champ de localisation.")),
    }
}

/// How a stored value reads: the name (« 971 – Guadeloupe » for a
/// département, « Paris (75011) » for a commune); an unknown code as is.
pub fn valeur_affichee(type_champ: &TypeChamp, value: &str) -> String {
    let nom = match type_champ {
        TypeChamp::Pays => pays(value).map(|p| p.nom.to_string()),
        TypeChamp::Regions => region(value).map(|r| r.nom.to_string()),
        TypeChamp::Departements => departement(value).map(libelle_departement),
        TypeChamp::Communes => commune_de_valeur(value).map(|t| t.libelle()),
        TypeChamp::Epci => epci(value).map(|e| e.nom.to_string()),
        _ => None,
    };
    nom.unwrap_or_else(|| value.to_string())
}

/// The columns a territory value gives in an export: (column suffix, value);
/// the empty suffix is the champ's own column, holding the name. A
/// commune gives its name, INSEE code, postal code, département and région
/// codes; the other types their name and code. Empty for an unknown value.
pub fn valeur_pour_export(type_champ: &TypeChamp, value: &str) -> Vec<(&'static str, String)> {
    if let TypeChamp::Communes = type_champ {
        return commune_de_valeur(value)
            .map(|t| {
                vec![
                    ("", t.commune.nom.to_string()),
                    ("code INSEE", t.commune.code_insee.to_string()),
                    ("code postal", t.code_postal.to_string()),
                    ("département", t.commune.departement.to_string()),
                    ("région", t.commune.region.to_string()),
                ]
            })
            .unwrap_or_default();
    }
    let nom = match type_champ {
        TypeChamp::Pays => pays(value).map(|p| p.nom),
        TypeChamp::Regions => region(value).map(|r| r.nom),
        TypeChamp::Departements => departement(value).map(|d| d.nom),
        TypeChamp::Epci => epci(value).map(|e| e.nom),
        _ => None,
    };
    nom.map(|nom| vec![("", nom.to_string()), ("code", value.to_string())]).unwrap_or_default()
}

#[cfg(test)]
mod tests;

/// The bundled lists answer the rules' « est dans le département / la
/// région » (`regle::sandbox::Territoire`): a commune (INSEE code, or a
/// stored `INSEE|code postal`) or a département code.
#[derive(Clone, Copy, Debug, Default)]
pub struct TerritoireOfficiel;

impl crate::regle::sandbox::Territoire for TerritoireOfficiel {
    fn departement(&self, code: &str) -> Option<String> {
        let code = code.split('|').next().unwrap_or_default().trim();
        if let Some(c) = commune(code) {
            return Some(c.departement.to_string());
        }
        departement(code).map(|d| d.code.to_string())
    }

    fn region(&self, code: &str) -> Option<String> {
        let code = code.split('|').next().unwrap_or_default().trim();
        if let Some(c) = commune(code) {
            return Some(c.region.to_string());
        }
        if let Some(d) = departement(code) {
            return Some(d.region.to_string());
        }
        region(code).map(|r| r.code.to_string())
    }
}

#[cfg(test)]
mod territoire_officiel_tests {
    use super::TerritoireOfficiel;
    use crate::regle::sandbox::Territoire;

    #[test]
    fn communes_and_departements_lie_in_their_region() {
        let t = TerritoireOfficiel;
        assert_eq!(t.departement("75056|75011").as_deref(), Some("75"));
        assert_eq!(t.region("75056").as_deref(), Some("11"));
        assert_eq!(t.region("971").as_deref(), Some("01"));
        assert_eq!(t.departement("2A004").as_deref(), Some("2A"));
        assert_eq!(t.region("99999"), None);
        assert_eq!(t.departement(""), None);
    }
}
