//! Text answers: zone de texte's limit, texte formaté (simple classes or a
//! linear-time regex), adresse électronique.

use super::options::FormatTexte;
use regex::{Regex, RegexBuilder};

/// Longest pattern an administrateur can type: a readable rule, not a
/// program. Bounds the editor's compile time and what each dossier page
/// recompiles.
pub const REGEX_MAX_CHARS: usize = 500;
/// Compiled size caps: the `regex` crate runs in linear time, but a
/// pattern like `\w{1000}` compiles to a huge automaton; these bound the
/// memory and compile time one pattern can take (per validation).
const REGEX_SIZE_LIMIT: usize = 1 << 20;
const REGEX_DFA_SIZE_LIMIT: usize = 1 << 20;
/// An e-mail address's length: RFC 5321 caps a path at 254–256 characters;
/// below 6 (`a@b.fr`) it cannot be a real address.
pub const EMAIL_CHARS: std::ops::RangeInclusive<usize> = 6..=255;

/// Compiles an administrateur's pattern for whole-answer matching, or says
/// in French why it cannot be used.
pub fn compiler_regex(pattern: &str) -> Result<Regex, String> {
    if pattern.trim().is_empty() {
        return Err("Indiquez l'expression régulière.".into());
    }
    if pattern.chars().count() > REGEX_MAX_CHARS {
        return Err(format!("L'expression régulière ne doit pas dépasser {REGEX_MAX_CHARS} caractères."));
    }
    RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                "L'expression régulière est trop complexe : simplifiez-la (répétitions moins grandes).".to_string()
            }
            _ => "L'expression régulière n'est pas valide : vérifiez les parenthèses, crochets et caractères spéciaux."
                .to_string(),
        })
}

/// Checks a texte formaté's answer against its rule.
pub fn valider_formate(libelle: &str, format: Option<&FormatTexte>, value: &str) -> Result<String, String> {
    match format {
        None => Ok(value.to_string()),
        Some(FormatTexte::Simple { lettres, chiffres, speciaux, min, max }) => {
            let len = value.chars().count();
            for c in value.chars() {
                let permis = if c.is_alphabetic() {
                    *lettres
                } else if c.is_ascii_digit() {
                    *chiffres
                } else {
                    *speciaux
                };
                if !permis {
                    let attendus = [
                        (*lettres, "des lettres"),
                        (*chiffres, "des chiffres"),
                        (*speciaux, "des caractères spéciaux"),
                    ]
                    .iter()
                    .filter(|(ok, _)| *ok)
                    .map(|(_, s)| *s)
                    .collect::<Vec<_>>()
                    .join(", ");
                    return Err(format!("« {libelle} » ne peut contenir que {attendus} (« {c} » n'est pas permis)."));
                }
            }
            if let Some(min) = min.filter(|m| len < *m as usize) {
                return Err(format!("« {libelle} » doit contenir au moins {min} caractères."));
            }
            if let Some(max) = max.filter(|m| len > *m as usize) {
                return Err(format!("« {libelle} » doit contenir au plus {max} caractères."));
            }
            Ok(value.to_string())
        }
        Some(FormatTexte::Avance { regex, exemple, message }) => {
            // Checked at edit time; a pattern that no longer compiles (a
            // stricter limit since) refuses rather than accepts unchecked.
            let re = compiler_regex(regex).map_err(|_| {
                format!("« {libelle} » ne peut pas être vérifié pour le moment : contactez le service de la démarche.")
            })?;
            if re.is_match(value) {
                Ok(value.to_string())
            } else if message.trim().is_empty() {
                Err(format!("« {libelle} » n'a pas le format attendu, par exemple : {exemple}"))
            } else {
                Err(format!("« {libelle} » : {message}"))
            }
        }
    }
}

/// `local@domaine.tld`, the domain lowercased. Strict enough to catch
/// typing mistakes (missing TLD, spaces, double dots), loose enough for
/// real addresses (`+`, sub-domains, long TLDs).
pub fn valider_email(libelle: &str, value: &str) -> Result<String, String> {
    let refus = || format!("« {libelle} » doit être une adresse électronique valide, par exemple nom@exemple.fr.");
    if !EMAIL_CHARS.contains(&value.chars().count()) {
        return Err(refus());
    }
    let (local, domaine) = value.rsplit_once('@').ok_or_else(refus)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    let labels: Vec<&str> = domaine.split('.').collect();
    let domaine_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if local_ok && domaine_ok { Ok(format!("{local}@{}", domaine.to_ascii_lowercase())) } else { Err(refus()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_need_a_local_part_a_domain_and_a_tld() {
        assert_eq!(valider_email("E", "Jean.Dupont+ds@Exemple.GOUV.fr"), Ok("Jean.Dupont+ds@exemple.gouv.fr".into()));
        for bad in [
            "a@b",
            "a@b.c",
            "jean@exemple",
            "jean.exemple.fr",
            "@exemple.fr",
            "jean@.fr",
            "jean@exemple..fr",
            ".jean@exemple.fr",
            "jean.@exemple.fr",
            "je an@exemple.fr",
            "jean@exe mple.fr",
            "jean@-x.fr",
            "jean@exemple.f2",
            "jean@@exemple.fr",
            "jéan@exemple.fr",
            "a@b.fr\"",
        ] {
            assert!(valider_email("E", bad).is_err(), "{bad}");
        }
        assert!(valider_email("E", &format!("{}@exemple.fr", "a".repeat(250))).is_err());
    }

    #[test]
    fn simple_formats_check_classes_and_lengths() {
        let f = FormatTexte::Simple { lettres: true, chiffres: true, speciaux: false, min: Some(3), max: Some(5) };
        assert_eq!(valider_formate("R", Some(&f), "Ab12"), Ok("Ab12".into()));
        assert!(valider_formate("R", Some(&f), "Ab").unwrap_err().contains("au moins 3"));
        assert!(valider_formate("R", Some(&f), "Ab1234").unwrap_err().contains("au plus 5"));
        assert!(valider_formate("R", Some(&f), "A-12").unwrap_err().contains("« - »"));
        let chiffres = FormatTexte::Simple { lettres: false, chiffres: true, speciaux: false, min: None, max: None };
        assert!(valider_formate("R", Some(&chiffres), "12é").is_err());
    }

    #[test]
    fn advanced_formats_match_the_whole_answer_with_the_custom_message() {
        let f = FormatTexte::Avance {
            regex: "[A-Z]{2}[0-9]{3}".into(),
            exemple: "AB123".into(),
            message: "Deux lettres puis trois chiffres.".into(),
        };
        assert_eq!(valider_formate("Code", Some(&f), "AB123"), Ok("AB123".into()));
        assert_eq!(
            valider_formate("Code", Some(&f), "xAB123").unwrap_err(),
            "« Code » : Deux lettres puis trois chiffres."
        );
        assert!(valider_formate("Code", Some(&f), "AB1234").is_err());
    }

    #[test]
    fn invalid_or_huge_patterns_are_refused_in_french() {
        assert!(compiler_regex("(ab").unwrap_err().contains("n'est pas valide"));
        assert!(compiler_regex("").is_err());
        assert!(compiler_regex(r"\w{1000}\w{1000}").unwrap_err().contains("trop complexe"));
        assert!(compiler_regex(&"a".repeat(REGEX_MAX_CHARS + 1)).unwrap_err().contains("dépasser"));
        // Backreferences and look-arounds need backtracking: not offered.
        assert!(compiler_regex(r"(a)\1").is_err());
        assert!(compiler_regex(r"a(?=b)").is_err());
    }

    proptest! {
        #[test]
        fn text_validators_never_panic(s in "\\PC{0,300}", p in ".{0,60}") {
            let _ = valider_email("E", &s);
            let _ = compiler_regex(&p);
            let f = FormatTexte::Avance { regex: p, exemple: String::new(), message: String::new() };
            let _ = valider_formate("R", Some(&f), &s);
            let simple = FormatTexte::Simple { lettres: true, chiffres: false, speciaux: false, min: Some(2), max: Some(9) };
            let _ = valider_formate("R", Some(&simple), &s);
        }

        #[test]
        fn a_valid_email_is_stable(s in "[a-z0-9.+]{1,20}@[a-z0-9-]{1,20}\\.[a-z]{2,6}") {
            if let Ok(v) = valider_email("E", &s) {
                prop_assert_eq!(valider_email("E", &v), Ok(v.clone()));
            }
        }
    }
}
