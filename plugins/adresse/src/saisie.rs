//! What the usager typed: normalized, checked for plausibility, and read
//! for what can be understood without the geocoder (code postal, commune).

/// Fewest characters of an address: the geocoder needs 3, and nothing
/// shorter designates a place.
pub const MIN_CHARS: usize = 3;

/// Most characters of an address: the geocoder refuses longer queries (200),
/// and the longest French postal address (6 lines of 38 characters) fits.
pub const MAX_CHARS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaisieError {
    TropCourte,
    TropLongue,
    SansLettreNiChiffre,
}

impl SaisieError {
    pub fn code(self) -> &'static str {
        match self {
            SaisieError::TropCourte => "trop-courte",
            SaisieError::TropLongue => "trop-longue",
            SaisieError::SansLettreNiChiffre => "format",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SaisieError::TropCourte => "L'adresse doit comporter au moins 3 caractères",
            SaisieError::TropLongue => "L'adresse ne doit pas dépasser 200 caractères",
            SaisieError::SansLettreNiChiffre => "L'adresse doit comporter des lettres ou des chiffres",
        }
    }
}

/// Whitespace (line breaks included) collapsed to single spaces, control
/// characters dropped, ends trimmed.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The normalized address, if plausible. Any free text with letters or
/// digits is: an address the Base Adresse Nationale does not know (a new
/// street, a lieu-dit, an address abroad) must remain possible.
pub fn verifie(text: &str) -> Result<String, SaisieError> {
    let adresse = normalise(text);
    let chars = adresse.chars().count();
    if chars < MIN_CHARS {
        return Err(SaisieError::TropCourte);
    }
    if chars > MAX_CHARS {
        return Err(SaisieError::TropLongue);
    }
    if !adresse.chars().any(char::is_alphanumeric) {
        return Err(SaisieError::SansLettreNiChiffre);
    }
    Ok(adresse)
}

/// The text as a geocoder query: it must start with a letter or a digit,
/// so leading punctuation (« (bis) … », "- …") is dropped. `None` when too
/// short for the geocoder.
pub fn requete(text: &str) -> Option<String> {
    let text = normalise(text);
    let start = text.find(char::is_alphanumeric)?;
    let query: String = text[start..].chars().take(MAX_CHARS).collect();
    (query.chars().count() >= MIN_CHARS).then_some(query)
}

/// What a manual entry tells without the geocoder: the first five-digit
/// word is the code postal, and the words after it (a comma right after the
/// code postal is skipped) up to the next comma the commune
/// (« 12 chemin des Vignes 84000 Avignon » → 84000, Avignon).
pub fn code_postal_et_commune(adresse: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = adresse.split(' ').collect();
    let Some(index) = words.iter().position(|w| {
        let w = w.trim_end_matches(',');
        w.len() == 5 && w.bytes().all(|b| b.is_ascii_digit())
    }) else {
        return (None, None);
    };
    let code_postal = words[index].trim_end_matches(',').to_owned();
    let reste = words[index + 1..].join(" ");
    let commune = reste.split(',').next().map(str::trim).filter(|c| c.chars().any(char::is_alphabetic));
    // "CEDEX 07" is part of the distribution, not of the commune's name.
    let commune = commune.map(|c| match c.to_uppercase().find(" CEDEX") {
        Some(at) => c[..at].trim().to_owned(),
        None => c.to_owned(),
    });
    (Some(code_postal), commune.filter(|c| !c.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_spaces_and_controls() {
        assert_eq!(normalise("  20  avenue\tde\n\nSégur \u{7} "), "20 avenue de Ségur");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn accepts_any_plausible_text() {
        assert_eq!(verifie(" 20 avenue  de Ségur, 75007 Paris "), Ok("20 avenue de Ségur, 75007 Paris".to_owned()));
        assert_eq!(
            verifie("Lieu-dit Les Granges, 12345 Saint-Nulle-Part"),
            Ok("Lieu-dit Les Granges, 12345 Saint-Nulle-Part".to_owned())
        );
        assert_eq!(verifie("Y"), Err(SaisieError::TropCourte));
        assert_eq!(verifie("  a  "), Err(SaisieError::TropCourte));
        assert_eq!(verifie("---"), Err(SaisieError::SansLettreNiChiffre));
        assert_eq!(verifie(&"a".repeat(201)), Err(SaisieError::TropLongue));
        assert!(verifie(&"é".repeat(200)).is_ok());
        assert_eq!(SaisieError::TropCourte.message(), "L'adresse doit comporter au moins 3 caractères");
    }

    #[test]
    fn builds_geocoder_queries() {
        assert_eq!(requete("(bis) 20 avenue de Ségur").as_deref(), Some("bis) 20 avenue de Ségur"));
        assert_eq!(requete("- 8 bd"), Some("8 bd".to_owned()));
        assert_eq!(requete("« a"), None);
        assert_eq!(requete("!!!"), None);
        assert_eq!(requete(&"é".repeat(300)).map(|q| q.chars().count()), Some(200));
    }

    #[test]
    fn reads_code_postal_and_commune() {
        let read = |text: &str| code_postal_et_commune(text);
        assert_eq!(read("12 chemin des Vignes 84000 Avignon"), (Some("84000".into()), Some("Avignon".into())));
        assert_eq!(read("12 chemin des Vignes, 84000, Avignon"), (Some("84000".into()), Some("Avignon".into())));
        assert_eq!(read("BP 12, 75700 Paris Cedex 07"), (Some("75700".into()), Some("Paris".into())));
        assert_eq!(
            read("Les Granges 12345 Saint-Nulle-Part, France"),
            (Some("12345".into()), Some("Saint-Nulle-Part".into()))
        );
        assert_eq!(read("Les Granges"), (None, None));
        assert_eq!(read("123456 rue"), (None, None));
        assert_eq!(read("rue 84000"), (Some("84000".into()), None));
    }
}
