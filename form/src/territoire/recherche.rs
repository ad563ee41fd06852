//! Commune search: by name (accents, case, hyphens and apostrophes ignored,
//! « St »/« Ste » read as « Saint »/« Sainte »), by postal code, or both
//! (« Paris 75011 », « Paris (75011) »). Ranked, bounded.

use super::donnees::{Commune, Donnees};

/// One answer: a commune at one of its postal codes (a commune with several
/// codes is several answers; the usager picks theirs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommuneTrouvee {
    pub commune: &'static Commune,
    /// Empty only for a commune without postal code.
    pub code_postal: &'static str,
}

/// The longest query searched: names are at most 45 characters; bounds the
/// work a pasted text can cause.
pub const RECHERCHE_MAX_CHARS: usize = 100;

/// `s` folded for comparison: lowercase ASCII letters and digits, every
/// other run of characters one space, accents removed (the French ones and
/// their neighbours; other letters are kept as they are, lowercased). With
/// `saisie`, the last word is kept as typed (« st » may be the start of
/// « Strasbourg »); elsewhere « st »/« ste » read « saint »/« sainte ».
pub fn cle(s: &str, saisie: bool) -> String {
    let mut plat = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => plat.push('a'),
            'é' | 'è' | 'ê' | 'ë' => plat.push('e'),
            'î' | 'ï' | 'í' | 'ì' => plat.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => plat.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => plat.push('u'),
            'ç' => plat.push('c'),
            'ÿ' | 'ý' => plat.push('y'),
            'ñ' => plat.push('n'),
            'œ' => plat.push_str("oe"),
            'æ' => plat.push_str("ae"),
            c if c.is_alphanumeric() => plat.push(c),
            _ => plat.push(' '),
        }
    }
    let mots: Vec<&str> = plat.split_whitespace().collect();
    let dernier = mots.len().saturating_sub(1);
    let mots: Vec<&str> = mots
        .iter()
        .enumerate()
        .map(|(i, m)| match *m {
            "st" if !saisie || i < dernier => "saint",
            "ste" if !saisie || i < dernier => "sainte",
            m => m,
        })
        .collect();
    mots.join(" ")
}

/// How well a commune's name matches the query, best first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rang {
    Exact,
    Debut,
    /// The query starts a later word: « denis » in « saint denis ».
    Mot,
}

fn rang(cle_commune: &str, q: &str) -> Option<Rang> {
    if q.is_empty() {
        return Some(Rang::Debut);
    }
    if cle_commune == q {
        Some(Rang::Exact)
    } else if cle_commune.starts_with(q) {
        Some(Rang::Debut)
    } else if cle_commune.match_indices(q).any(|(i, _)| cle_commune.as_bytes().get(i.wrapping_sub(1)) == Some(&b' ')) {
        Some(Rang::Mot)
    } else {
        None
    }
}

/// The query split into a name part and a postal code part (the first run
/// of 2 to 5 digits, typed alone or in brackets).
fn analyser(q: &str) -> (String, Option<&str>) {
    let mut code = None;
    let mut nom = String::new();
    for mot in q.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        if code.is_none() && (2..=5).contains(&mot.len()) && mot.bytes().all(|b| b.is_ascii_digit()) {
            code = Some(mot);
        } else {
            nom.push_str(mot);
            nom.push(' ');
        }
    }
    (cle(&nom, true), code)
}

pub(super) fn rechercher(d: &'static Donnees, q: &str, max: usize) -> Vec<CommuneTrouvee> {
    if q.chars().count() > RECHERCHE_MAX_CHARS || max == 0 {
        return Vec::new();
    }
    let (nom, code) = analyser(q);
    if nom.is_empty() && code.is_none() {
        return Vec::new();
    }
    // (rank, -population, index, postal code), sorted at the end.
    let mut trouvees: Vec<(Rang, std::cmp::Reverse<u32>, u32, &'static str)> = Vec::new();
    match code {
        Some(code) => {
            let debut = d.par_code_postal.partition_point(|(cp, _)| *cp < code);
            for (cp, i) in d.par_code_postal[debut..].iter().take_while(|(cp, _)| cp.starts_with(code)) {
                let c = &d.communes[*i as usize];
                if let Some(r) = rang(&c.cle, &nom) {
                    trouvees.push((r, std::cmp::Reverse(c.population), *i, cp));
                }
            }
            // By postal code: a code's communes together, in code order.
            trouvees.sort_unstable_by(|a, b| a.3.cmp(b.3).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        }
        None => {
            let debut = d.par_cle.partition_point(|i| d.communes[*i as usize].cle.as_str() < nom.as_str());
            let mut pris = 0;
            for i in d.par_cle[debut..].iter().take_while(|i| d.communes[**i as usize].cle.starts_with(&nom)) {
                let c = &d.communes[*i as usize];
                let r = if c.cle == nom { Rang::Exact } else { Rang::Debut };
                trouvees.extend(cps(c).map(|cp| (r, std::cmp::Reverse(c.population), *i, cp)));
                pris += 1;
            }
            // Few names start with it: look for it at the start of a later
            // word (« denis », « michel »), from 3 characters on (shorter
            // ones start a later word in most names).
            if pris < max && nom.len() >= 3 {
                let suffixe = |(i, o): &(u32, u16)| &d.communes[*i as usize].cle[*o as usize..];
                let debut = d.par_mot.partition_point(|m| suffixe(m) < nom.as_str());
                let mut vues = std::collections::HashSet::new();
                for m in d.par_mot[debut..].iter().take_while(|m| suffixe(m).starts_with(&nom)) {
                    let c = &d.communes[m.0 as usize];
                    // A name starting with the query is already in; a name
                    // with the word twice counts once.
                    if !c.cle.starts_with(&nom) && vues.insert(m.0) {
                        trouvees.extend(cps(c).map(|cp| (Rang::Mot, std::cmp::Reverse(c.population), m.0, cp)));
                    }
                }
            }
            trouvees.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(b.3)));
        }
    }
    trouvees
        .into_iter()
        .take(max)
        .map(|(_, _, i, code_postal)| CommuneTrouvee { commune: &d.communes[i as usize], code_postal })
        .collect()
}

/// A commune's postal codes, or one empty code when it has none.
fn cps(c: &'static Commune) -> impl Iterator<Item = &'static str> {
    let aucun: &'static [&'static str] = &[""];
    if c.codes_postaux.is_empty() { aucun.iter().copied() } else { c.codes_postaux.iter().copied() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_accents_case_hyphens_apostrophes_and_saint() {
        assert_eq!(cle("L'Haÿ-les-Roses", false), "l hay les roses");
        assert_eq!(cle("St-Étienne", false), "saint etienne");
        assert_eq!(cle("Ste Foy", true), "sainte foy");
        assert_eq!(cle("st", true), "st");
        assert_eq!(cle("  Œuilly ", false), "oeuilly");
        assert_eq!(cle("", true), "");
    }

    #[test]
    fn a_query_splits_into_name_and_postal_code() {
        assert_eq!(analyser("Paris (75011)"), ("paris".to_string(), Some("75011")));
        assert_eq!(analyser("69"), (String::new(), Some("69")));
        assert_eq!(analyser("Saint-Denis"), ("saint denis".to_string(), None));
        assert_eq!(analyser("1"), ("1".to_string(), None));
    }
}
