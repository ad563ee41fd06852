//! Rules written by administrateurs: display conditions, inéligibilité,
//! computed values (and, later, routing rules) all compile to one language,
//! rhai, run in the sandbox of `regle/sandbox.rs`.
//!
//! A rule names a champ by the variable `champ_<stable id>`; its value is
//! typed by the champ's type (`regle/valeurs.rs`). The no-code builder
//! (`regle/constructeur.rs`) writes rhai from clauses; the expert mode
//! takes rhai as typed. Either way the rule is checked against the champs it
//! may read (`regle/verification.rs`), compiled once per revision and
//! evaluated in one ordered pass over the form (`regle/evaluation.rs`).

use crate::StableId;
use serde::{Deserialize, Serialize};

pub mod constructeur;
pub mod evaluation;
pub mod saisie;
pub mod sandbox;
pub mod valeurs;
pub mod verification;

pub use constructeur::{Clause, Combinaison, Operateur};
pub use evaluation::{Evaluation, ReglesRevision, Valeurs};
pub use saisie::{SaisieRegle, decrire};
pub use sandbox::{SansTerritoire, Territoire};

/// A rule as stored with its revision: the rhai expression that runs, and,
/// when it was built with the no-code builder, the clauses it came from (so
/// the builder can show it again). Every key but `expression` is optional:
/// rules stored before the builder existed read unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Regle {
    pub expression: String,
    /// Empty for a rule typed in expert mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<Clause>,
    #[serde(default, skip_serializing_if = "Combinaison::is_et")]
    pub combinaison: Combinaison,
    /// The champs the rule read and their types when it was saved: a champ
    /// since deleted or retyped blocks publication instead of silently
    /// changing what the rule means.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// One champ a rule reads, with its type name (`TypeChamp::as_str`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub champ: StableId,
    pub type_champ: String,
}

/// A revision's inéligibilité: when `regle` is true the usager sees
/// `message` and cannot file. Stored as JSON in `revisions.ineligibilite`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ineligibilite {
    pub regle: Regle,
    pub message: String,
}

impl Ineligibilite {
    pub fn depuis_json(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }

    pub fn vers_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Longest message an administrateur can show an ineligible usager.
pub const MESSAGE_MAX_CHARS: usize = 2_000;

/// The variable a rule reads a champ's value from.
pub fn variable(champ: StableId) -> String {
    format!("champ_{}", champ.0)
}

/// The champs an expression names (`champ_<digits>` outside string
/// literals), in order of first appearance. Lexical on purpose: rhai only
/// exposes its syntax tree behind an unstable feature, and a name that is
/// only mentioned is still a dependency worth reporting.
pub fn champs_nommes(expression: &str) -> Vec<StableId> {
    let mut found = Vec::new();
    let bytes = expression.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if b == b'"' || b == b'`' || b == b'\'' {
            quote = Some(b);
            i += 1;
            continue;
        }
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if starts_word && bytes[i..].starts_with(b"champ_") {
            let digits_start = i + 6;
            let mut j = digits_start;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            let ends_word = j == bytes.len() || !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_');
            if j > digits_start
                && ends_word
                && let Ok(n) = expression[digits_start..j].parse::<i64>()
                && !found.contains(&StableId(n))
            {
                found.push(StableId(n));
            }
            i = j;
            continue;
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_stored_before_the_builder_read_unchanged() {
        let old: Regle = serde_json::from_str(r#"{"expression":"champ_1 == 2"}"#).unwrap();
        assert_eq!(old.expression, "champ_1 == 2");
        assert!(old.clauses.is_empty() && old.references.is_empty());
        assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"expression":"champ_1 == 2"}"#);
    }

    #[test]
    fn named_champs_skip_string_literals_and_longer_words() {
        let e = r#"champ_12 > 3 && contient(champ_4, "champ_9") || xchamp_5 || champ_12 || champ_7x || champ_"#;
        assert_eq!(champs_nommes(e), [StableId(12), StableId(4)]);
        assert_eq!(champs_nommes("\"unterminated champ_1"), []);
        assert_eq!(champs_nommes("champ_99999999999999999999999"), []);
    }
}

#[cfg(test)]
mod essais;
#[cfg(test)]
mod proprietes;
