//! French départements: their codes and names, and how a code postal or an
//! INSEE commune code leads to one.
//!
//! Codes are those of the INSEE's Code officiel géographique (as API Géo
//! serves them): `01`…`95` with Corsica split into `2A` (Corse-du-Sud) and
//! `2B` (Haute-Corse), the five départements d'outre-mer `971`…`974` and
//! `976`, and the collectivités d'outre-mer that have a code of the same
//! family (`975`, `977`, `978`, `984`, `986`…`989`).

/// Every code with its name, in the COG's order.
const DEPARTEMENTS: &[(&str, &str)] = &[
    ("01", "Ain"),
    ("02", "Aisne"),
    ("03", "Allier"),
    ("04", "Alpes-de-Haute-Provence"),
    ("05", "Hautes-Alpes"),
    ("06", "Alpes-Maritimes"),
    ("07", "Ardèche"),
    ("08", "Ardennes"),
    ("09", "Ariège"),
    ("10", "Aube"),
    ("11", "Aude"),
    ("12", "Aveyron"),
    ("13", "Bouches-du-Rhône"),
    ("14", "Calvados"),
    ("15", "Cantal"),
    ("16", "Charente"),
    ("17", "Charente-Maritime"),
    ("18", "Cher"),
    ("19", "Corrèze"),
    ("2A", "Corse-du-Sud"),
    ("2B", "Haute-Corse"),
    ("21", "Côte-d'Or"),
    ("22", "Côtes-d'Armor"),
    ("23", "Creuse"),
    ("24", "Dordogne"),
    ("25", "Doubs"),
    ("26", "Drôme"),
    ("27", "Eure"),
    ("28", "Eure-et-Loir"),
    ("29", "Finistère"),
    ("30", "Gard"),
    ("31", "Haute-Garonne"),
    ("32", "Gers"),
    ("33", "Gironde"),
    ("34", "Hérault"),
    ("35", "Ille-et-Vilaine"),
    ("36", "Indre"),
    ("37", "Indre-et-Loire"),
    ("38", "Isère"),
    ("39", "Jura"),
    ("40", "Landes"),
    ("41", "Loir-et-Cher"),
    ("42", "Loire"),
    ("43", "Haute-Loire"),
    ("44", "Loire-Atlantique"),
    ("45", "Loiret"),
    ("46", "Lot"),
    ("47", "Lot-et-Garonne"),
    ("48", "Lozère"),
    ("49", "Maine-et-Loire"),
    ("50", "Manche"),
    ("51", "Marne"),
    ("52", "Haute-Marne"),
    ("53", "Mayenne"),
    ("54", "Meurthe-et-Moselle"),
    ("55", "Meuse"),
    ("56", "Morbihan"),
    ("57", "Moselle"),
    ("58", "Nièvre"),
    ("59", "Nord"),
    ("60", "Oise"),
    ("61", "Orne"),
    ("62", "Pas-de-Calais"),
    ("63", "Puy-de-Dôme"),
    ("64", "Pyrénées-Atlantiques"),
    ("65", "Hautes-Pyrénées"),
    ("66", "Pyrénées-Orientales"),
    ("67", "Bas-Rhin"),
    ("68", "Haut-Rhin"),
    ("69", "Rhône"),
    ("70", "Haute-Saône"),
    ("71", "Saône-et-Loire"),
    ("72", "Sarthe"),
    ("73", "Savoie"),
    ("74", "Haute-Savoie"),
    ("75", "Paris"),
    ("76", "Seine-Maritime"),
    ("77", "Seine-et-Marne"),
    ("78", "Yvelines"),
    ("79", "Deux-Sèvres"),
    ("80", "Somme"),
    ("81", "Tarn"),
    ("82", "Tarn-et-Garonne"),
    ("83", "Var"),
    ("84", "Vaucluse"),
    ("85", "Vendée"),
    ("86", "Vienne"),
    ("87", "Haute-Vienne"),
    ("88", "Vosges"),
    ("89", "Yonne"),
    ("90", "Territoire de Belfort"),
    ("91", "Essonne"),
    ("92", "Hauts-de-Seine"),
    ("93", "Seine-Saint-Denis"),
    ("94", "Val-de-Marne"),
    ("95", "Val-d'Oise"),
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("975", "Saint-Pierre-et-Miquelon"),
    ("976", "Mayotte"),
    ("977", "Saint-Barthélemy"),
    ("978", "Saint-Martin"),
    ("984", "Terres australes et antarctiques françaises"),
    ("986", "Wallis-et-Futuna"),
    ("987", "Polynésie française"),
    ("988", "Nouvelle-Calédonie"),
    ("989", "Île de Clipperton"),
];

/// Code postal of Corsica below which the commune is in Corse-du-Sud
/// (`20000`…`20199`: Ajaccio, Sartène, Porto-Vecchio…); from `20200`
/// (Bastia) on, Haute-Corse.
const PREMIER_CODE_POSTAL_HAUTE_CORSE: u32 = 20200;

/// A known département (or collectivité d'outre-mer with a code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Departement {
    pub code: &'static str,
    pub nom: &'static str,
}

/// The département of a code, accepting `69`, ` 69 `, `2a`, `1` (for `01`).
pub fn par_code(code: &str) -> Option<Departement> {
    let code = code.trim();
    let padded;
    let code = if code.len() == 1 && code.bytes().all(|b| b.is_ascii_digit()) {
        padded = format!("0{code}");
        padded.as_str()
    } else {
        code
    };
    DEPARTEMENTS.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)).map(|&(code, nom)| Departement { code, nom })
}

/// The département named `nom`, ignoring case, accents, dashes and
/// apostrophes (`rhone`, `Cote d'Or`, `cotes darmor`).
pub fn par_nom(nom: &str) -> Option<Departement> {
    let wanted = plier(nom);
    if wanted.is_empty() {
        return None;
    }
    DEPARTEMENTS.iter().find(|(_, n)| plier(n) == wanted).map(|&(code, nom)| Departement { code, nom })
}

/// The département of a five-character INSEE commune code: `69123` (Lyon),
/// `2A004` (Ajaccio), `97105` (Basse-Terre), `97701` (Saint-Barthélemy).
pub fn par_code_commune(code: &str) -> Option<Departement> {
    let code = code.trim();
    if code.len() != 5 || !code.is_ascii() {
        return None;
    }
    let (tete, reste) = code.split_at(2);
    if !reste.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if tete.eq_ignore_ascii_case("2A") || tete.eq_ignore_ascii_case("2B") {
        return par_code(tete);
    }
    if !tete.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if tete == "97" || tete == "98" {
        return par_code(&code[..3]);
    }
    // `20` is no longer a département: a commune of Corsica is 2A or 2B.
    if tete == "20" || tete == "00" || tete == "96" || tete == "99" {
        return None;
    }
    par_code(tete)
}

/// The département a code postal belongs to, by La Poste's numbering:
/// the first two digits, except Corsica (`20xxx`: 2A below 20200, 2B from
/// there) and overseas (`97x`, `98x`: the first three digits).
///
/// La Poste's numbering follows the distributing office, not the
/// administrative map: a few communes get the code of a neighbouring
/// département, and Saint-Barthélemy (`97133`) and Saint-Martin (`97150`)
/// share Guadeloupe's `971`. A champ « commune » gives the exact département.
pub fn par_code_postal(code: &str) -> Option<Departement> {
    let code = code.trim();
    if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let numero: u32 = code.parse().ok()?;
    match &code[..2] {
        "20" => par_code(if numero < PREMIER_CODE_POSTAL_HAUTE_CORSE { "2A" } else { "2B" }),
        // Monaco (980xx) is not French; the others are overseas.
        "97" | "98" => par_code(&code[..3]),
        "00" | "96" | "99" => None,
        tete => par_code(tete),
    }
}

/// Lower case, without diacritics, letters and digits only: how names are
/// compared.
fn plier(texte: &str) -> String {
    let mut out = String::with_capacity(texte.len());
    for c in texte.chars().flat_map(char::to_lowercase) {
        let plie = match c {
            'à' | 'â' | 'ä' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ÿ' => 'y',
            c if c.is_alphanumeric() => c,
            _ => continue,
        };
        out.push(plie);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_101_departements_and_unique_codes() {
        let departements = DEPARTEMENTS.iter().filter(|(code, _)| code.len() == 2 || code <= &"976").count();
        assert_eq!(departements, 102, "96 in metropolitan France, 5 DOM, plus Saint-Pierre-et-Miquelon (975)");
        let mut codes: Vec<&str> = DEPARTEMENTS.iter().map(|(code, _)| *code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DEPARTEMENTS.len());
        assert!(par_code("20").is_none(), "20 is not a département since 1976");
    }

    #[test]
    fn codes_are_read_leniently() {
        assert_eq!(par_code("69").map(|d| d.nom), Some("Rhône"));
        assert_eq!(par_code(" 2a ").map(|d| d.code), Some("2A"));
        assert_eq!(par_code("2b").map(|d| d.nom), Some("Haute-Corse"));
        assert_eq!(par_code("1").map(|d| d.nom), Some("Ain"));
        assert_eq!(par_code("976").map(|d| d.nom), Some("Mayotte"));
        assert_eq!(par_code("96"), None);
        assert_eq!(par_code(""), None);
    }

    #[test]
    fn names_are_compared_without_accents_nor_punctuation() {
        assert_eq!(par_nom("rhone").map(|d| d.code), Some("69"));
        assert_eq!(par_nom("COTE D'OR").map(|d| d.code), Some("21"));
        assert_eq!(par_nom("La Réunion").map(|d| d.code), Some("974"));
        assert_eq!(par_nom("Corse"), None);
        assert_eq!(par_nom(" - "), None);
    }

    #[test]
    fn commune_codes_give_their_departement() {
        assert_eq!(par_code_commune("69123").map(|d| d.code), Some("69"));
        assert_eq!(par_code_commune("2A004").map(|d| d.code), Some("2A"));
        assert_eq!(par_code_commune("2b033").map(|d| d.code), Some("2B"));
        assert_eq!(par_code_commune("97105").map(|d| d.code), Some("971"));
        assert_eq!(par_code_commune("97411").map(|d| d.code), Some("974"));
        assert_eq!(par_code_commune("97611").map(|d| d.code), Some("976"));
        assert_eq!(par_code_commune("97701").map(|d| d.code), Some("977"));
        assert_eq!(par_code_commune("75056").map(|d| d.code), Some("75"));
        assert_eq!(par_code_commune("20004"), None, "Corsican communes are 2A or 2B");
        assert_eq!(par_code_commune("6912"), None);
        assert_eq!(par_code_commune("69I23"), None);
        assert_eq!(par_code_commune("9é123"), None);
    }

    #[test]
    fn codes_postaux_follow_la_poste() {
        assert_eq!(par_code_postal("69003").map(|d| d.code), Some("69"));
        assert_eq!(par_code_postal("01000").map(|d| d.code), Some("01"));
        assert_eq!(par_code_postal("20000").map(|d| d.code), Some("2A"), "Ajaccio");
        assert_eq!(par_code_postal("20137").map(|d| d.code), Some("2A"), "Porto-Vecchio");
        assert_eq!(par_code_postal("20199").map(|d| d.code), Some("2A"));
        assert_eq!(par_code_postal("20200").map(|d| d.code), Some("2B"), "Bastia");
        assert_eq!(par_code_postal("20250").map(|d| d.code), Some("2B"), "Corte");
        assert_eq!(par_code_postal("97400").map(|d| d.code), Some("974"));
        assert_eq!(par_code_postal("97600").map(|d| d.code), Some("976"));
        assert_eq!(par_code_postal("97133").map(|d| d.code), Some("971"), "Saint-Barthélemy is distributed as 971");
        assert_eq!(par_code_postal("98800").map(|d| d.code), Some("988"));
        assert_eq!(par_code_postal("98000"), None, "Monaco");
        assert_eq!(par_code_postal("00100"), None);
        assert_eq!(par_code_postal("6900"), None);
        assert_eq!(par_code_postal("69 003"), None);
    }
}
