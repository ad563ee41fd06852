//! Accounts: e-mail and password rules. One person has one compte and may hold
//! several roles (usager, instructeur, administrateur, expert).

/// RFC 5321 caps a forward path at 256 octets including brackets.
pub const EMAIL_MAX_LEN: usize = 254;
/// Long enough for a passphrase, short enough that hashing it is cheap: an
/// unbounded password is a CPU denial of service on the argon2 step.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
/// zxcvbn score (0–4) a password must reach.
pub const PASSWORD_MIN_SCORE: u8 = 3;

/// Normalizes an e-mail address (trim, lowercase) and checks its shape.
/// Deliverability is proven by the confirmation e-mail, not here.
pub fn normaliser_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim().to_lowercase();
    let invalid = "Saisissez une adresse électronique valide, par exemple prenom.nom@domaine.fr.";
    if email.is_empty() {
        return Err("Saisissez votre adresse électronique.");
    }
    if email.len() > EMAIL_MAX_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid);
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(invalid);
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    // The local part keeps to what addresses use: letters, digits and
    // . _ + - '. No ? & = % / # : an address shown as a `mailto:` link
    // must not carry headers (`x?bcc=y@evil.example@domaine.fr`).
    let local_ok = local.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '\''));
    if local.is_empty() || !local_ok || !domain_ok {
        return Err(invalid);
    }
    Ok(email)
}

/// Checks a new password's length and strength. `email` is given to the
/// strength estimator so a password made of the address is rejected.
pub fn verifier_mot_de_passe(password: &str, email: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < PASSWORD_MIN_CHARS {
        return Err(format!("Le mot de passe doit comporter au moins {PASSWORD_MIN_CHARS} caractères."));
    }
    if len > PASSWORD_MAX_CHARS {
        return Err(format!("Le mot de passe ne doit pas dépasser {PASSWORD_MAX_CHARS} caractères."));
    }
    let local = email.split('@').next().unwrap_or_default();
    let score = u8::from(zxcvbn::zxcvbn(password, &[email, local, "guichet", "demarche"]).score());
    if score < PASSWORD_MIN_SCORE {
        return Err("Ce mot de passe est trop facile à deviner. Utilisez par exemple plusieurs mots sans lien entre eux, avec des chiffres ou des symboles.".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_malformed_ones_refused() {
        assert_eq!(normaliser_email("  Marie.Dupont@Exemple.FR "), Ok("marie.dupont@exemple.fr".into()));
        for bad in [
            "",
            "marie",
            "marie@",
            "@exemple.fr",
            "marie@exemple",
            "ma rie@exemple.fr",
            "marie@exemple..fr",
            "a@b@exemple.fr",
            "marie@exemple.fr>",
            "x\n@exemple.fr",
            "voirie@mairie.example?bcc=x@evil.example",
            "voirie?bcc=x%40evil.example@mairie.example",
            "a&cc=b@exemple.fr",
        ] {
            assert!(normaliser_email(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(normaliser_email(&format!("{}@exemple.fr", "a".repeat(250))).is_err());
        assert_eq!(
            normaliser_email("jean-luc.o'neil+dossiers@exemple.fr"),
            Ok("jean-luc.o'neil+dossiers@exemple.fr".into())
        );
    }

    #[test]
    fn passwords_need_length_and_strength() {
        let email = "marie@exemple.fr";
        assert!(verifier_mot_de_passe("court", email).unwrap_err().contains("12"));
        assert!(verifier_mot_de_passe("aaaaaaaaaaaa", email).unwrap_err().contains("facile"));
        assert!(verifier_mot_de_passe("marie@exemple.fr", email).is_err());
        assert!(verifier_mot_de_passe(&"x".repeat(129), email).unwrap_err().contains("128"));
        assert!(verifier_mot_de_passe("cheval-agrafe-batterie-42", email).is_ok());
    }
}

/// The signed-in person acting as an usager (every compte is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usager {
    pub compte_id: crate::domain::CompteId,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instructeur {
    pub compte_id: crate::domain::CompteId,
    pub instructeur_id: crate::domain::InstructeurId,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Administrateur {
    pub compte_id: crate::domain::CompteId,
    pub administrateur_id: crate::domain::AdministrateurId,
    pub email: String,
}

/// Failed logins before a compte is locked, and for how long (brute force).
pub const MAX_FAILED_LOGINS: i64 = 6;
pub const LOCKOUT_MINUTES: i64 = 60;
