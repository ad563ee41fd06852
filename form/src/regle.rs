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
use std::collections::HashMap;
use std::ops::Range;

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
    for (_, id) in noms_de_champs(expression) {
        if !found.contains(&id) {
            found.push(id);
        }
    }
    found
}

/// `expression` with the champs of `renommes` named by their new ids, in
/// code only (a string literal that happens to read `champ_3` is text).
/// A copied block's champs read their own row's siblings this way.
pub fn renommer_champs(expression: &str, renommes: &HashMap<StableId, StableId>) -> String {
    let mut out = String::with_capacity(expression.len());
    let mut from = 0;
    for (digits, id) in noms_de_champs(expression) {
        if let Some(nouveau) = renommes.get(&id) {
            out.push_str(&expression[from..digits.start]);
            out.push_str(&nouveau.0.to_string());
            from = digits.end;
        }
    }
    out.push_str(&expression[from..]);
    out
}

impl Regle {
    /// This rule reading the champs of `renommes` under their new ids:
    /// its expression, its builder clauses and its references alike.
    pub fn renommer(&self, renommes: &HashMap<StableId, StableId>) -> Regle {
        let nouveau = |id: StableId| renommes.get(&id).copied().unwrap_or(id);
        Regle {
            expression: renommer_champs(&self.expression, renommes),
            clauses: self.clauses.iter().map(|c| Clause { champ: nouveau(c.champ), ..c.clone() }).collect(),
            combinaison: self.combinaison,
            references: self
                .references
                .iter()
                .map(|r| Reference { champ: nouveau(r.champ), type_champ: r.type_champ.clone() })
                .collect(),
        }
    }
}

/// Every `champ_<digits>` name outside string literals: the byte range of
/// its digits and the id they spell.
fn noms_de_champs(expression: &str) -> Vec<(Range<usize>, StableId)> {
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
            {
                found.push((digits_start..j, StableId(n)));
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

    #[test]
    fn renaming_touches_code_only_and_every_part_of_a_rule() {
        let renommes = HashMap::from([(StableId(3), StableId(30)), (StableId(4), StableId(40))]);
        assert_eq!(
            renommer_champs(r#"champ_3 > 1 && champ_1 == "champ_3" || champ_34 || champ_4"#, &renommes),
            r#"champ_30 > 1 && champ_1 == "champ_3" || champ_34 || champ_40"#
        );
        let regle = Regle {
            expression: "champ_3 == \"oui\" && champ_1 == \"a\"".into(),
            clauses: vec![
                Clause { champ: StableId(3), operateur: Operateur::Egal, valeur: "oui".into() },
                Clause { champ: StableId(1), operateur: Operateur::Egal, valeur: "a".into() },
            ],
            combinaison: Combinaison::Et,
            references: vec![
                Reference { champ: StableId(3), type_champ: "text".into() },
                Reference { champ: StableId(1), type_champ: "text".into() },
            ],
        };
        let copie = regle.renommer(&renommes);
        assert_eq!(copie.expression, "champ_30 == \"oui\" && champ_1 == \"a\"");
        assert_eq!(copie.clauses[0].champ, StableId(30));
        assert_eq!(copie.clauses[1].champ, StableId(1));
        assert_eq!(copie.references[0].champ, StableId(30));
        assert_eq!(copie.references[1], regle.references[1]);
        assert_eq!(champs_nommes(&copie.expression), [StableId(30), StableId(1)]);
    }
}

#[cfg(test)]
mod essais;
#[cfg(test)]
mod proprietes;
