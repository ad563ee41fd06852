//! IBAN: per-country length and the ISO 13616 mod-97 check. Stored compact
//! uppercase, shown in groups of four.

/// IBAN lengths of the SEPA countries and territories (and a few
/// neighbours people bank in), from the SWIFT IBAN registry. French
/// overseas departments and collectivities use FR.
const LONGUEURS: [(&str, usize); 40] = [
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
    ("MA", 28),
    ("TN", 24),
    ("DZ", 26),
];

pub fn valider_iban(libelle: &str, value: &str) -> Result<String, String> {
    if value.chars().count() > 60 {
        return Err(format!("« {libelle} » est trop long pour un IBAN."));
    }
    let compact: String =
        value.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{a0}')).map(|c| c.to_ascii_uppercase()).collect();
    let refus = || format!("« {libelle} » doit être un IBAN valide, par exemple FR76 3000 6000 0112 3456 7890 189.");
    if !compact.bytes().all(|b| b.is_ascii_alphanumeric()) || compact.len() < 4 {
        return Err(refus());
    }
    let pays = &compact[..2];
    let Some((_, longueur)) = LONGUEURS.iter().find(|(p, _)| *p == pays) else {
        return Err(format!(
            "« {libelle} » : les IBAN du pays « {pays} » ne sont pas acceptés (zone SEPA uniquement)."
        ));
    };
    if compact.len() != *longueur {
        return Err(format!(
            "« {libelle} » : un IBAN {pays} compte {longueur} caractères, celui saisi en compte {}.",
            compact.len()
        ));
    }
    if !compact[2..4].bytes().all(|b| b.is_ascii_digit()) || mod97(&compact) != Some(1) {
        return Err(format!("« {libelle} » : cet IBAN contient une erreur de saisie (clé de contrôle incorrecte)."));
    }
    Ok(compact)
}

/// The remainder of the rearranged IBAN (letters as 10..35) modulo 97,
/// digit by digit so no big integer is needed.
fn mod97(compact: &str) -> Option<u32> {
    let (tete, reste) = compact.split_at(4);
    let mut r: u32 = 0;
    for c in reste.chars().chain(tete.chars()) {
        let v = c.to_digit(36)?;
        r = if v >= 10 { (r * 100 + v) % 97 } else { (r * 10 + v) % 97 };
    }
    Some(r)
}

/// « FR76 3000 6000 0112 3456 7890 189 ».
pub fn iban_groupe(stored: &str) -> String {
    stored.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_ibans_are_stored_compact_and_shown_by_four() {
        let v = valider_iban("I", "fr76 3000 6000 0112 3456 7890 189").unwrap();
        assert_eq!(v, "FR7630006000011234567890189");
        assert_eq!(iban_groupe(&v), "FR76 3000 6000 0112 3456 7890 189");
        assert_eq!(valider_iban("I", "DE89 3704 0044 0532 0130 00"), Ok("DE89370400440532013000".into()));
        assert_eq!(valider_iban("I", "BE68539007547034"), Ok("BE68539007547034".into()));
    }

    #[test]
    fn bad_ibans_are_refused_with_the_reason() {
        assert!(valider_iban("I", "FR7630006000011234567890188").unwrap_err().contains("clé de contrôle"));
        assert!(valider_iban("I", "FR763000600001123456789018").unwrap_err().contains("27 caractères"));
        assert!(valider_iban("I", "US7630006000011234567890189").unwrap_err().contains("« US »"));
        for bad in ["", "FR", "FR76 3000 6000 0112 3456 7890 18é", "FRxx30006000011234567890189", "12345"] {
            assert!(valider_iban("I", bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn iban_never_panics(s in "\\PC{0,80}") {
            if let Ok(v) = valider_iban("I", &s) {
                prop_assert_eq!(valider_iban("I", &v), Ok(v.clone()));
            }
            let _ = iban_groupe(&s);
        }
    }
}
