//! Téléphone: French numbers typed every usual way (0X XX XX XX XX, +33,
//! 0033, dots, dashes), overseas ones (+590 +594 +596 +262 +687 +689 and
//! their national forms), and other countries' numbers in E.164. Stored in
//! E.164 (`+33612345678`), shown nationally (« 06 12 34 56 78 »).

/// National prefixes (after the 0) of overseas numbers, with their
/// country code: Guadeloupe (and Saint-Martin, Saint-Barthélemy), Guyane,
/// Martinique, La Réunion, Mayotte. Everything else starting with 0 is
/// metropolitan (+33).
const OUTRE_MER: [(&str, &str); 10] = [
    ("590", "590"),
    ("690", "590"),
    ("594", "594"),
    ("694", "594"),
    ("596", "596"),
    ("696", "596"),
    ("262", "262"),
    ("692", "262"),
    ("693", "262"),
    ("269", "262"),
];
// Mayotte's mobiles (0639) also use +262.
const MAYOTTE_MOBILE: &str = "639";

/// Countries that use the French 10-digit national plan.
const PLAN_FRANCAIS: [&str; 5] = ["33", "590", "594", "596", "262"];

pub fn valider_telephone(libelle: &str, value: &str) -> Result<String, String> {
    normaliser(value).ok_or_else(|| {
        format!(
            "« {libelle} » doit être un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78."
        )
    })
}

fn normaliser(value: &str) -> Option<String> {
    if value.chars().count() > 40 {
        return None;
    }
    let mut compact = value.replace("(0)", "");
    compact.retain(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}' | '(' | ')' | '/'));
    let international =
        if let Some(rest) = compact.strip_prefix('+') { Some(rest) } else { compact.strip_prefix("00") };
    let digits = international.unwrap_or(&compact);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match international {
        Some(digits) => international_e164(digits),
        None => national_e164(digits),
    }
}

fn international_e164(digits: &str) -> Option<String> {
    for code in PLAN_FRANCAIS {
        if let Some(rest) = digits.strip_prefix(code) {
            // +33 6… (9 digits, not starting with 0).
            return (rest.len() == 9 && !rest.starts_with('0')).then(|| format!("+{code}{rest}"));
        }
    }
    if let Some(rest) = digits.strip_prefix("687") {
        return (rest.len() == 6).then(|| format!("+687{rest}"));
    }
    if let Some(rest) = digits.strip_prefix("689") {
        return (rest.len() == 8).then(|| format!("+689{rest}"));
    }
    // Another country: E.164 allows up to 15 digits; fewer than 8 is no
    // reachable number.
    (!digits.starts_with('0') && (8..=15).contains(&digits.len())).then(|| format!("+{digits}"))
}

fn national_e164(digits: &str) -> Option<String> {
    match digits.len() {
        10 if digits.starts_with('0') && !digits.starts_with("00") => {
            let rest = &digits[1..];
            let code = OUTRE_MER
                .iter()
                .find(|(prefix, _)| rest.starts_with(prefix))
                .map(|(_, code)| *code)
                .or_else(|| rest.starts_with(MAYOTTE_MOBILE).then_some("262"))
                .unwrap_or("33");
            Some(format!("+{code}{rest}"))
        }
        // Nouvelle-Calédonie: six digits.
        6 if !digits.starts_with('0') && !digits.starts_with('1') => Some(format!("+687{digits}")),
        // Polynésie française: eight digits, 40 (fixed) or 87/88/89 (mobile).
        8 if ["40", "87", "88", "89"].iter().any(|p| digits.starts_with(p)) => Some(format!("+689{digits}")),
        _ => None,
    }
}

/// A stored E.164 number the French way: « 06 12 34 56 78 », « 05 90 12 34 56 »
/// overseas, « 12 34 56 » in Nouvelle-Calédonie; other countries as stored.
pub fn telephone_national(stored: &str) -> String {
    let Some(digits) = stored.strip_prefix('+') else {
        return stored.to_string();
    };
    let national = PLAN_FRANCAIS
        .iter()
        .find_map(|code| digits.strip_prefix(code).filter(|r| r.len() == 9).map(|r| format!("0{r}")))
        .or_else(|| digits.strip_prefix("687").filter(|r| r.len() == 6).map(str::to_string))
        .or_else(|| digits.strip_prefix("689").filter(|r| r.len() == 8).map(str::to_string));
    match national {
        Some(n) if n.bytes().all(|b| b.is_ascii_digit()) => {
            n.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
        }
        _ => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn french_numbers_are_stored_in_e164_and_shown_nationally() {
        for typed in [
            "06 12 34 56 78",
            "0612345678",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "+33 6 12 34 56 78",
            "+33 (0)6 12 34 56 78",
            "0033612345678",
        ] {
            assert_eq!(valider_telephone("T", typed), Ok("+33612345678".into()), "{typed}");
        }
        assert_eq!(telephone_national("+33612345678"), "06 12 34 56 78");
    }

    #[test]
    fn overseas_numbers_get_their_country_code() {
        assert_eq!(valider_telephone("T", "0590 12 34 56"), Ok("+590590123456".into()));
        assert_eq!(valider_telephone("T", "0690 12 34 56"), Ok("+590690123456".into()));
        assert_eq!(valider_telephone("T", "0594 12 34 56"), Ok("+594594123456".into()));
        assert_eq!(valider_telephone("T", "0696 12 34 56"), Ok("+596696123456".into()));
        assert_eq!(valider_telephone("T", "0262 12 34 56"), Ok("+262262123456".into()));
        assert_eq!(valider_telephone("T", "0639 12 34 56"), Ok("+262639123456".into()));
        assert_eq!(valider_telephone("T", "+262 692 12 34 56"), Ok("+262692123456".into()));
        assert_eq!(valider_telephone("T", "27 12 34"), Ok("+687271234".into()));
        assert_eq!(valider_telephone("T", "+687 27 12 34"), Ok("+687271234".into()));
        assert_eq!(valider_telephone("T", "87 12 34 56"), Ok("+68987123456".into()));
        assert_eq!(telephone_national("+590590123456"), "05 90 12 34 56");
        assert_eq!(telephone_national("+687271234"), "27 12 34");
        assert_eq!(telephone_national("+68987123456"), "87 12 34 56");
        assert_eq!(valider_telephone("T", "+44 20 7946 0958"), Ok("+442079460958".into()));
        assert_eq!(telephone_national("+442079460958"), "+442079460958");
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "06 12 34 56",
            "06 12 34 56 789",
            "+33 06 12 34 56 78",
            "+33 6 12 34 56",
            "12345678",
            "06 12 ab 56 78",
            "+0 123456789",
            "0000",
            "++33612345678",
            "+33 6 12 34 56 78 +",
            "061234567８",
        ] {
            assert!(valider_telephone("T", bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn phone_never_panics_and_normal_forms_are_stable(s in "\\PC{0,60}") {
            if let Ok(v) = valider_telephone("T", &s) {
                prop_assert!(v.starts_with('+') && v.len() <= 16);
                prop_assert_eq!(valider_telephone("T", &v), Ok(v.clone()));
                let _ = telephone_national(&v);
            }
            let _ = telephone_national(&s);
        }
    }
}
