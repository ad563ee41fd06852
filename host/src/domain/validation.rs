//! Field-level validation errors, in French, addressed to one form field so
//! the page can show them next to the field and in the error summary.

use crate::domain::champ::contient_caractere_interdit;
use serde::Serialize;

/// One error for one form field. `champ` is the HTML name of the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErreurChamp {
    pub champ: String,
    pub message: String,
}

/// The errors of one form submission, in the order the fields appear.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Erreurs(pub Vec<ErreurChamp>);

impl Erreurs {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, champ: impl Into<String>, message: impl Into<String>) {
        self.0.push(ErreurChamp { champ: champ.into(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, champ: &str) -> Option<&str> {
        self.0.iter().find(|e| e.champ == champ).map(|e| e.message.as_str())
    }

    /// `Ok(())` when there is nothing to report, so callers can use `?`.
    pub fn into_result(self) -> Result<(), Erreurs> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Trims and checks a required free-text value against a maximum length.
pub fn texte_requis(erreurs: &mut Erreurs, champ: &str, libelle: &str, value: &str, max: usize) -> String {
    let value = value.trim().to_string();
    if value.is_empty() {
        erreurs.add(champ, format!("Le champ « {libelle} » doit être rempli."));
    } else if contient_caractere_interdit(&value) {
        erreurs.add(champ, caractere_interdit(libelle));
    } else if value.chars().count() > max {
        erreurs.add(champ, format!("Le champ « {libelle} » ne doit pas dépasser {max} caractères."));
    }
    value
}

/// Trims and checks an optional free-text value against a maximum length.
pub fn texte_optionnel(erreurs: &mut Erreurs, champ: &str, libelle: &str, value: &str, max: usize) -> String {
    let value = value.trim().to_string();
    if contient_caractere_interdit(&value) {
        erreurs.add(champ, caractere_interdit(libelle));
    } else if value.chars().count() > max {
        erreurs.add(champ, format!("Le champ « {libelle} » ne doit pas dépasser {max} caractères."));
    }
    value
}

/// Control characters (NUL, escape…) pasted into a text: PostgreSQL refuses
/// NUL, and the others hide text from whoever reads it.
fn caractere_interdit(libelle: &str) -> String {
    format!(
        "Le champ « {libelle} » contient un caractère invisible non autorisé (caractère de contrôle). Retapez le texte plutôt que de le coller."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_errors_in_order_and_finds_them_by_field() {
        let mut e = Erreurs::new();
        assert!(e.clone().into_result().is_ok());
        let v = texte_requis(&mut e, "libelle", "Libellé", "   ", 10);
        assert_eq!(v, "");
        texte_optionnel(&mut e, "description", "Description", "abcdefghijk", 10);
        assert_eq!(e.0.len(), 2);
        assert_eq!(e.get("libelle"), Some("Le champ « Libellé » doit être rempli."));
        assert!(e.get("description").unwrap().contains("10 caractères"));
        assert!(e.into_result().is_err());
    }

    #[test]
    fn control_characters_are_refused_in_free_texts_newlines_kept() {
        let mut e = Erreurs::new();
        texte_requis(&mut e, "libelle", "Libellé", "Aide\u{0}au logement", 100);
        texte_optionnel(&mut e, "description", "Description", "Ligne 1\u{1b}[31m", 100);
        assert!(e.get("libelle").unwrap().contains("caractère invisible"));
        assert!(e.get("description").unwrap().contains("caractère invisible"));
        let mut ok = Erreurs::new();
        assert_eq!(texte_optionnel(&mut ok, "description", "Description", "a\n\tb", 100), "a\n\tb");
        assert!(ok.into_result().is_ok());
    }
}
