//! The bundled lists (`form/data/*.tsv`, see its README for sources and
//! licences), parsed once into memory. Parsing never panics: a malformed
//! line makes the whole load an `Err`, which leaves every list empty at run
//! time (no territory found, a French error next to the field) and fails
//! the `bundled_lists_parse` test at build time, before it ships.

use super::recherche::cle;
use std::collections::HashMap;

/// A région of the COG; the COM (collectivités d'outre-mer) are their own
/// « région », as in the COG (`975` Saint-Pierre-et-Miquelon…).
#[derive(Debug, PartialEq, Eq)]
pub struct Region {
    pub code: &'static str,
    pub nom: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Departement {
    /// `01`…`95`, `2A`, `2B`, `971`…`976`, and the COM `975`…`989`.
    pub code: &'static str,
    pub nom: &'static str,
    /// Its région's code.
    pub region: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Commune {
    pub code_insee: &'static str,
    pub nom: &'static str,
    /// Its département's code.
    pub departement: &'static str,
    /// Its région's code.
    pub region: &'static str,
    /// Sorted; empty for the few communes La Poste does not serve (TAAF).
    pub codes_postaux: Vec<&'static str>,
    pub population: u32,
    /// `nom` folded for search (`recherche::cle`).
    pub(super) cle: String,
}

/// An EPCI à fiscalité propre (communauté de communes, d'agglomération,
/// urbaine, métropole).
#[derive(Debug, PartialEq, Eq)]
pub struct Epci {
    /// Its SIREN number, 9 digits.
    pub siren: &'static str,
    pub nom: &'static str,
    /// The départements of its member communes, most communes first (an
    /// EPCI may straddle a border).
    pub departements: Vec<&'static str>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Pays {
    /// ISO 3166-1 alpha-2.
    pub code: &'static str,
    pub nom: &'static str,
}

pub(super) struct Donnees {
    pub pays: Vec<Pays>,
    pub regions: Vec<Region>,
    pub departements: Vec<Departement>,
    /// Sorted by INSEE code.
    pub communes: Vec<Commune>,
    pub epci: Vec<Epci>,
    /// Commune indices sorted by search key, then most populated first.
    pub par_cle: Vec<u32>,
    /// (commune index, byte offset) of every word of a name but the first,
    /// sorted by the key from that word on: « denis » finds « saint denis »
    /// by binary search rather than a scan of every name.
    pub par_mot: Vec<(u32, u16)>,
    /// (postal code, commune index), sorted.
    pub par_code_postal: Vec<(&'static str, u32)>,
    /// Département code → its EPCI's indices, sorted by name.
    pub epci_par_departement: HashMap<&'static str, Vec<u32>>,
}

const PAYS: &str = include_str!("../../data/pays.tsv");
const REGIONS: &str = include_str!("../../data/regions.tsv");
const DEPARTEMENTS: &str = include_str!("../../data/departements.tsv");
const COMMUNES: &str = include_str!("../../data/communes.tsv");
const EPCI: &str = include_str!("../../data/epci.tsv");

/// The data lines of a TSV file, each split into exactly `n` fields.
fn lignes<const N: usize>(
    fichier: &'static str,
    nom: &'static str,
) -> impl Iterator<Item = Result<[&'static str; N], String>> {
    fichier.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.is_empty()).map(move |(i, l)| {
        let fields: Vec<&'static str> = l.split('\t').collect();
        <[&'static str; N]>::try_from(fields)
            .map_err(|f| format!("{nom}.tsv line {}: {} fields, {N} expected", i + 1, f.len()))
    })
}

fn mots(s: &'static str) -> Vec<&'static str> {
    s.split_whitespace().collect()
}

pub(super) fn charger() -> Result<Donnees, String> {
    let pays = lignes::<2>(PAYS, "pays").map(|l| l.map(|[code, nom]| Pays { code, nom })).collect::<Result<_, _>>()?;
    let regions =
        lignes::<2>(REGIONS, "regions").map(|l| l.map(|[code, nom]| Region { code, nom })).collect::<Result<_, _>>()?;
    let departements = lignes::<3>(DEPARTEMENTS, "departements")
        .map(|l| l.map(|[code, region, nom]| Departement { code, nom, region }))
        .collect::<Result<_, _>>()?;
    let mut communes = Vec::new();
    for l in lignes::<6>(COMMUNES, "communes") {
        let [code_insee, nom, departement, region, cps, population] = l?;
        let population = population.parse().map_err(|_| format!("communes.tsv {code_insee}: bad population"))?;
        let mut codes_postaux = mots(cps);
        codes_postaux.sort_unstable();
        communes.push(Commune {
            code_insee,
            nom,
            departement,
            region,
            codes_postaux,
            population,
            cle: cle(nom, false),
        });
    }
    communes.sort_unstable_by_key(|c| c.code_insee);
    let epci: Vec<Epci> = lignes::<3>(EPCI, "epci")
        .map(|l| l.map(|[siren, nom, deps]| Epci { siren, nom, departements: mots(deps) }))
        .collect::<Result<_, _>>()?;

    let index = |i: usize| u32::try_from(i).map_err(|_| "too many rows".to_string());
    let mut par_cle = (0..communes.len()).map(index).collect::<Result<Vec<_>, _>>()?;
    par_cle.sort_unstable_by(|a, b| {
        let (a, b) = (&communes[*a as usize], &communes[*b as usize]);
        a.cle.cmp(&b.cle).then(b.population.cmp(&a.population))
    });
    let mut par_mot = Vec::new();
    for (i, c) in communes.iter().enumerate() {
        for (offset, _) in c.cle.match_indices(' ') {
            let offset = u16::try_from(offset + 1).map_err(|_| "name too long".to_string())?;
            par_mot.push((index(i)?, offset));
        }
    }
    par_mot.sort_unstable_by(|a, b| {
        let suffix = |(i, o): &(u32, u16)| &communes[*i as usize].cle[*o as usize..];
        suffix(a).cmp(suffix(b))
    });
    let mut par_code_postal = Vec::new();
    for (i, c) in communes.iter().enumerate() {
        for cp in &c.codes_postaux {
            par_code_postal.push((*cp, index(i)?));
        }
    }
    par_code_postal.sort_unstable();
    let mut epci_par_departement: HashMap<&'static str, Vec<u32>> = HashMap::new();
    for (i, e) in epci.iter().enumerate() {
        for d in &e.departements {
            epci_par_departement.entry(d).or_default().push(index(i)?);
        }
    }
    for list in epci_par_departement.values_mut() {
        list.sort_unstable_by_key(|i| cle(epci[*i as usize].nom, false));
    }
    let donnees = Donnees {
        pays,
        regions,
        departements,
        communes,
        epci,
        par_cle,
        par_mot,
        par_code_postal,
        epci_par_departement,
    };
    verifier(&donnees)?;
    Ok(donnees)
}

/// Cross-references between the lists: every commune's département and
/// région exist, every département's région exists, codes are the shapes
/// stored values rely on.
fn verifier(d: &Donnees) -> Result<(), String> {
    let region = |code: &str| d.regions.iter().any(|r| r.code == code);
    for dep in &d.departements {
        if !region(dep.region) {
            return Err(format!("département {} has unknown région {}", dep.code, dep.region));
        }
    }
    for c in &d.communes {
        let dep = d.departements.iter().find(|dep| dep.code == c.departement);
        if dep.is_none_or(|dep| dep.region != c.region) {
            return Err(format!("commune {} has an unknown or inconsistent département", c.code_insee));
        }
        if c.code_insee.len() != 5 || c.codes_postaux.iter().any(|cp| cp.len() != 5 || !is_digits(cp)) {
            return Err(format!("commune {}: bad INSEE or postal code", c.code_insee));
        }
    }
    for e in &d.epci {
        if e.siren.len() != 9 || !is_digits(e.siren) || e.departements.is_empty() {
            return Err(format!("epci {}: bad SIREN or no département", e.siren));
        }
    }
    if d.pays.iter().any(|p| p.code.len() != 2 || !p.code.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err("pays: a code is not ISO 3166-1 alpha-2".into());
    }
    Ok(())
}

fn is_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}
